"""The optimiser-ready objective, pack/unpack and loglike(invalid=)."""

import numpy as np
import pytest
from scipy import optimize

import mvn_estimate as me
from mvn_estimate import linalg as L
from mvn_estimate.structures import Factor

from .conftest import random_spd


@pytest.fixture
def data(rng):
    lam = np.array([[1.0], [0.8], [0.6], [1.2]])  # a one-factor population (no Heywood case)
    cov = lam @ lam.T + np.diag([0.5, 0.7, 0.9, 0.4])
    return rng.multivariate_normal([1.0, -1.0, 0.5, 2.0], cov, size=150)


@pytest.mark.parametrize(("structure", "missing"), [
    (None, "raise"), ("ar1", "raise"), ("compound_symmetry", "raise"), (Factor(1), "raise"),
    (None, "em"), ("ar1", "em"),
])
def test_minimiser_equals_fit(data, rng, structure, missing):
    x = data.copy()
    if missing == "em":
        x[rng.random(x.shape) < 0.1] = np.nan
    obj = me.objective(x, structure=structure, missing=missing)
    opt = optimize.minimize(obj.value_and_gradient, obj.start() + 0.05, jac=True,
                            method="BFGS", options={"gtol": 1e-9, "maxiter": 5000})
    res = me.fit(x, structure=structure, missing=missing)
    mean, cov = obj.to_mean_cov(opt.x)
    np.testing.assert_allclose(mean, res.mean, atol=1e-5)
    np.testing.assert_allclose(cov, res.cov, atol=1e-5)
    assert np.isclose(-opt.fun, res.loglike, rtol=1e-9)
    assert len(obj.names) == obj.size == opt.x.size


@pytest.mark.parametrize(("structure", "missing"), [(None, "raise"), ("ar1", "raise"),
                                                    (Factor(1), "raise"), (None, "em")])
def test_gradient_and_hessian_match_finite_differences(data, rng, structure, missing):
    x = data.copy()
    if missing == "em":
        x[rng.random(x.shape) < 0.1] = np.nan
    obj = me.objective(x, structure=structure, missing=missing)
    eta = obj.start() + rng.normal(0, 0.1, obj.size)
    value, grad = obj.value_and_gradient(eta)
    assert np.isclose(value, -obj.loglike(eta))
    num = L.num_gradient(lambda e: obj.value_and_gradient(e)[0], eta)
    np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-6)
    num_h = L.num_jacobian(lambda e: obj.value_and_gradient(e)[1], eta)
    np.testing.assert_allclose(obj.hessian(eta), (num_h + num_h.T) / 2, rtol=1e-5, atol=1e-5)


def test_objective_is_labelled(data):
    import pandas as pd

    df = pd.DataFrame(data, columns=list("abcd"))
    obj = me.objective(df, structure="ar1")
    assert obj.names == ["mean[a]", "mean[b]", "mean[c]", "mean[d]", "log(variance)",
                         "atanh(rho)"]
    mean, cov = obj.to_mean_cov(obj.start())
    assert list(mean.index) == list("abcd") and list(cov.columns) == list("abcd")


def test_pack_and_unpack_round_trip(rng):
    cov = random_spd(rng, 3)
    mean = rng.standard_normal(3)
    theta = me.pack(mean, cov)
    m2, c2 = me.unpack(theta, 3)
    np.testing.assert_array_equal(m2, mean)
    np.testing.assert_array_equal(c2, cov)
    assert np.isclose(me.loglike(np.eye(3), *me.unpack(theta, 3)),
                      me.loglike(np.eye(3), mean, cov))
    with pytest.raises(me.exceptions.ShapeError, match="p \\+ p\\(p\\+1\\)/2 = 9 entries"):
        me.unpack(theta[:-1], 3)


def test_loglike_invalid_minus_infinity(data):
    bad = np.diag([1.0, 1.0, 1.0, -1.0])
    assert me.loglike(data, np.zeros(4), bad, invalid="-inf") == -np.inf
    with pytest.raises(me.exceptions.NotPositiveDefiniteError):
        me.loglike(data, np.zeros(4), bad)
    with pytest.raises(me.exceptions.ShapeError):  # malformed input still raises
        me.loglike(data, np.zeros(3), np.eye(3), invalid="-inf")
    with pytest.raises(me.exceptions.InvalidOptionError, match="'invalid' argument"):
        me.loglike(data, np.zeros(4), np.eye(4), invalid="nan")


def test_drop_warns_as_fit_does(rng):
    """A drifted copy dropped rows silently; the objective now reduces the data through the
    pipeline fit uses, with its one warning."""
    x = rng.standard_normal((40, 2))
    x[[3, 7, 11], 1] = np.nan
    with pytest.warns(me.exceptions.DroppedRowsWarning) as fitted:
        res = me.fit(x, missing="drop")
    with pytest.warns(me.exceptions.DroppedRowsWarning) as built:
        obj = me.objective(x, missing="drop")
    assert [str(w.message) for w in built] == [str(w.message) for w in fitted]
    assert "dropped 3 of 40 rows" in str(built[0].message)
    assert obj.nobs == 37
    eta = np.concatenate([res.mean.to_numpy(), me.structures.Unstructured().bind(
        ["x0", "x1"]).to_unconstrained(me.linalg.vech(res.cov.to_numpy()))])
    assert obj.loglike(eta) == pytest.approx(res.loglike, rel=1e-12)
