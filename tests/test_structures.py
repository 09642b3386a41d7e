"""Covariance structures: analytic Jacobians and second derivatives, closed forms, maps."""

import numpy as np
import pytest

import mvn_estimate as me
from mvn_estimate import linalg as L
from mvn_estimate import structures as S
from mvn_estimate.exceptions import InvalidOptionError, LabelError
from mvn_estimate.linalg import PDFactor
from mvn_estimate.model import fit_structure, vech_score

from .conftest import random_spd

LABELS = list("abcde")


class Toeplitz(S.CovarianceStructure):
    """The docstring's user-defined example (numerical second derivatives by default)."""

    name = "toeplitz"

    def nparams(self):
        return self.p

    def cov(self, theta):
        i = np.arange(self.p)
        return np.asarray(theta)[np.abs(i[:, None] - i[None, :])]

    def jacobian(self, theta):
        pos = np.abs(np.subtract(*L.vech_indices(self.p)))
        return (pos[:, None] == np.arange(self.p)).astype(float)

    def start(self, s):
        return np.array([np.mean(np.diagonal(s, k)) for k in range(self.p)])

    def param_names(self, columns):
        return [f"lag{k}" for k in range(self.p)]


def _cases(rng):
    return [
        (S.Unstructured(), L.vech(random_spd(rng, 5))),
        (S.Diagonal(), rng.uniform(0.5, 2, 5)),
        (S.Spherical(), np.array([1.7])),
        (S.CompoundSymmetry(), np.array([2.0, 0.6])),
        (S.AR1(), np.array([1.5, -0.4])),
        (S.Factor(2), None),
        (S.BlockDiagonal([["a", "c"], ["b", "d", "e"]]), None),
        (S.LogCholesky(), rng.standard_normal(15) * 0.3),
        (Toeplitz(), np.array([2.0, 0.8, 0.3, 0.1, 0.05])),
    ]


def _theta(structure, theta, rng):
    if theta is not None:
        return theta
    return structure.start(random_spd(rng, 5)) * rng.uniform(0.8, 1.2, structure.nparams())


@pytest.mark.parametrize("which", range(9))
def test_jacobian_and_hessian_match_finite_differences(rng, which):
    structure, theta = _cases(rng)[which]
    s = structure.bind(LABELS)
    t = _theta(s, theta, rng)
    rows, cols = L.vech_indices(5)
    jac = L.num_jacobian(lambda u: s.cov(u)[rows, cols], t)
    np.testing.assert_allclose(s.jacobian(t), jac, rtol=1e-7, atol=1e-8)
    hess = L.num_jacobian(lambda u: s.jacobian(u).ravel(), t).reshape(-1, t.size, t.size)
    np.testing.assert_allclose(s.hessian(t), hess, rtol=1e-6, atol=1e-7)
    assert len(s.param_names(LABELS)) == s.nparams() == t.size


@pytest.mark.parametrize("which", range(7))
def test_unconstrained_form_is_the_same_model(rng, which):
    structure, theta = _cases(rng)[which]
    s = structure.bind(LABELS)
    t = _theta(s, theta, rng)
    u = s.unconstrained()
    eta = s.to_unconstrained(t)
    np.testing.assert_allclose(u.cov(eta), s.cov(t), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(s.from_unconstrained(eta), t, rtol=1e-10, atol=1e-12)
    rows, cols = L.vech_indices(5)
    np.testing.assert_allclose(u.jacobian(eta), L.num_jacobian(lambda e: u.cov(e)[rows, cols],
                                                               eta), rtol=1e-7, atol=1e-8)
    hess = L.num_jacobian(lambda e: u.jacobian(e).ravel(), eta).reshape(-1, eta.size, eta.size)
    np.testing.assert_allclose(u.hessian(eta), hess, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("structure", [S.Unstructured(), S.Diagonal(), S.Spherical(),
                                       S.CompoundSymmetry(),
                                       S.BlockDiagonal([["a", "b"], ["c", "d", "e"]])])
def test_closed_forms_equal_the_general_newton_path(rng, structure):
    s = structure.bind(LABELS)
    sample = np.cov(rng.multivariate_normal(np.zeros(5), random_spd(rng, 5), size=80).T,
                    bias=True)
    closed = fit_structure(s, sample, 80.0, tol=1e-10, max_iter=100)
    assert closed.iterations == 0
    general = fit_structure(s, sample, 80.0, tol=1e-10, max_iter=200,
                            start=s.start(sample) * 0.9 if s.name != "unstructured"
                            else L.vech(np.diag(np.diag(sample))))
    np.testing.assert_allclose(general.theta, closed.theta, rtol=1e-7, atol=1e-9)
    assert np.isclose(general.loglike, closed.loglike, rtol=1e-12)
    fac = PDFactor.of(s.cov(closed.theta))
    grad = s.jacobian(closed.theta).T @ vech_score(80.0, sample, fac)
    assert np.max(np.abs(grad)) < 1e-8 * 80


def test_factor_echelon_and_canonical_loadings(rng):
    s = S.Factor(2).bind(LABELS)
    t = s.start(random_spd(rng, 5))
    lam, psi = s.split(t)
    assert lam[0, 1] == 0.0 and lam[0, 0] > 0 and lam[1, 1] > 0
    can = s.canonical_loadings(t)
    np.testing.assert_allclose(can @ can.T, lam @ lam.T, atol=1e-12)
    m = can.T @ (can / psi[:, None])
    assert abs(m[0, 1]) < 1e-12 and m[0, 0] >= m[1, 1]


def test_binding_errors():
    with pytest.raises(LabelError, match="must partition the variables"):
        S.BlockDiagonal([["a", "b"], ["b", "c"]]).bind(list("abc"))
    with pytest.raises(InvalidOptionError, match=r"\(p − k\)² >= p \+ k"):
        S.Factor(3).bind(list("abcd"))
    with pytest.raises(InvalidOptionError, match="not bound to variables"):
        S.AR1().cov([1.0, 0.5])


def test_the_structure_names_the_options_list_are_the_built_ins():
    from mvn_estimate.model._structures import BUILTIN
    from mvn_estimate.options import choices

    assert set(choices("structure")) == set(BUILTIN)
    for name in choices("structure"):
        assert me.fit(np.random.default_rng(0).standard_normal((20, 3)),
                      structure=name).structure.name == name
