import re

import numpy as np
import pytest

from mvn_estimate import linalg as L
from mvn_estimate.exceptions import (
    InvalidOptionError,
    NonFiniteError,
    NotPositiveDefiniteError,
    NotSymmetricError,
    TooLargeError,
)

from .conftest import random_spd

METHODS = ["eigen", "sylvester", "cholesky"]


def _with_spectrum(rng, w, complex_=False):
    n = len(w)
    z = rng.standard_normal((n, n)) + (1j * rng.standard_normal((n, n)) if complex_ else 0)
    q, _ = np.linalg.qr(z)
    m = (q * np.asarray(w, float)) @ q.conj().T
    return (m + m.conj().T) / 2


SPECTRA = {
    "positive definite": [1.0, 2.0, 3.0, 4.0],
    "positive semidefinite": [0.0, 0.0, 2.0, 3.0],
    "negative definite": [-1.0, -2.0, -0.5, -4.0],
    "negative semidefinite": [0.0, -1.0, -2.0, -3.0],
    "indefinite": [-1.0, 0.0, 2.0, 3.0],
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("expected", list(SPECTRA))
@pytest.mark.parametrize("complex_", [False, True])
def test_three_methods_agree_with_known_spectrum(rng, method, expected, complex_):
    m = _with_spectrum(rng, SPECTRA[expected], complex_)
    assert L.classify(m, method=method) == expected


def test_methods_agree_on_random_matrices(rng):
    for _ in range(30):
        b = rng.standard_normal((4, rng.integers(1, 6)))
        sign = rng.choice([-1.0, 1.0])
        m = sign * b @ b.T if rng.random() < 0.7 else b @ b.T - b[:, :1] @ b[:, :1].T * 3
        verdicts = {L.classify(m, method=k) for k in METHODS}
        assert len(verdicts) == 1, verdicts


def test_definition_quadratic_form_positive(rng):
    m = random_spd(rng, 5)
    assert L.classify(m) == "positive definite"
    z = rng.standard_normal((1000, 5))
    assert np.all(np.einsum("ij,jk,ik->i", z, m, z) > 0)


def test_sylvester_leading_minors_are_determinants(rng):
    m = random_spd(rng, 4)
    minors = L.principal_minors(m, leading=True)
    for k in range(1, 5):
        assert np.isclose(minors[tuple(range(k))], np.linalg.det(m[:k, :k]))
    assert len(L.principal_minors(m)) == 2**4 - 1


def test_psd_needs_all_principal_minors_not_only_leading():
    # leading minors are 0, 0, 0 (all >= 0) but the matrix is indefinite
    m = np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -1.0]])
    assert L.classify(m, method="sylvester") == "indefinite"


def test_principal_minors_refused_above_limit():
    with pytest.raises(TooLargeError, match="2\\^13 − 1"):
        L.principal_minors(np.eye(13))


def test_factor_reconstructs(rng):
    pd_ = random_spd(rng, 4)
    b = L.factor(pd_)
    np.testing.assert_allclose(b.conj().T @ b, pd_, atol=1e-12)
    assert np.linalg.matrix_rank(b) == 4
    psd = _with_spectrum(rng, [0.0, 1.0, 2.0, 0.0], complex_=True)
    b = L.factor(psd)
    np.testing.assert_allclose(b.conj().T @ b, psd, atol=1e-12)


def test_factor_rejects_indefinite():
    with pytest.raises(NotPositiveDefiniteError, match="smallest eigenvalue -1"):
        L.factor(np.diag([1.0, -1.0]))


def test_pdfactor_logdet_solve_mahalanobis(rng):
    m = random_spd(rng, 6, cond=100.0)
    f = L.PDFactor.of(m)
    assert np.isclose(f.logdet, np.linalg.slogdet(m)[1], rtol=1e-13)
    b = rng.standard_normal((6, 3))
    np.testing.assert_allclose(m @ f.solve(b), b, atol=1e-11)
    r = rng.standard_normal((10, 6))
    expected = np.array([x @ np.linalg.solve(m, x) for x in r])
    np.testing.assert_allclose(f.mahalanobis(r), expected, rtol=1e-11)
    np.testing.assert_allclose(f.inverse() @ m, np.eye(6), atol=1e-11)
    np.testing.assert_allclose(f.matrix(), m, rtol=1e-13)


def test_pdfactor_error_names_a_non_positive_variance():
    with pytest.raises(NotPositiveDefiniteError,
                       match=r"diagonal entry 1 is -1; a variance must be positive") as info:
        L.PDFactor.of(np.diag([3.0, -1.0]))
    assert info.value.min_eigenvalue == -1.0


def test_pdfactor_error_reports_condition_number_on_the_correlation_scale():
    r = 1 - 1e-12
    m = np.array([[1.0, r], [r, 1.0]]) * np.outer([1e3, 1e-3], [1e3, 1e-3])
    cond = (1 + r) / (1 - r)  # eigenvalues 1 ± r of the correlation matrix
    with pytest.raises(NotPositiveDefiniteError,
                       match=r"condition number is \S+, above the limit") as info:
        L.PDFactor.of(m)
    assert np.isclose(info.value.min_eigenvalue, np.linalg.eigvalsh(m)[0], rtol=1e-3)
    reported = float(re.search(r"condition number is (\S+),", str(info.value)).group(1))
    assert np.isclose(reported, cond, rtol=0.05)  # the correlation scale's, not m's (~1e24)


def test_pdfactor_accepts_variables_on_very_different_scales():
    # variances 1e12 and 1e-6 with correlation 0.5: valid, although λmin/λmax ≈ 1e-18
    m = np.array([[1.0, 0.5], [0.5, 1.0]]) * np.outer([1e6, 1e-3], [1e6, 1e-3])
    f = L.PDFactor.of(m)
    assert np.isclose(f.logdet, np.log(np.linalg.det(m / 1e6)) + np.log(1e6) * 2, rtol=1e-12)


def test_pdfactor_rejects_numerically_singular():
    with pytest.raises(NotPositiveDefiniteError, match="must be positive definite"):
        L.PDFactor.of(np.array([[1.0, 1.0], [1.0, 1.0 + 1e-14]]))


def test_pdfactor_rejects_asymmetric():
    with pytest.raises(NotSymmetricError, match="'cov' argument must be symmetric"):
        L.PDFactor.of(np.array([[1.0, 0.5], [0.0, 1.0]]))


def test_pdfactor_rejects_nan():
    with pytest.raises(NonFiniteError, match="'cov' argument must hold only finite"):
        L.PDFactor.of(np.array([[1.0, np.nan], [np.nan, 1.0]]))


def test_classify_unknown_method():
    with pytest.raises(InvalidOptionError, match=r"'method' argument must be one of \['cholesky'"):
        L.classify(np.eye(2), method="svd")


def test_classify_bad_tol():
    with pytest.raises(InvalidOptionError, match="'tol' argument must be a relative tolerance"):
        L.classify(np.eye(2), tol=-1.0)


def test_congruent_to_positive_diagonal_is_pd(rng):
    """DIGEST §5: M = B D Bᴴ with D positive diagonal and B invertible is PD; and the LDLᵀ
    factorisation of a PD matrix has a positive diagonal."""
    from scipy.linalg import ldl

    b = rng.standard_normal((4, 4)) + 4 * np.eye(4)
    m = b @ np.diag([0.5, 1.0, 2.0, 3.0]) @ b.T
    assert L.classify(m) == "positive definite"
    _, d, _ = ldl(random_spd(rng, 5))
    assert np.all(np.diag(d) > 0)


def test_pd_hessian_means_locally_convex_and_convex_means_psd():
    """DIGEST §5: a PD Hessian at p makes f convex near p; convexity near p gives a PSD
    (not necessarily PD) Hessian at p."""
    def f(v):
        return float(np.exp(v[0]) + v[0] * v[1] + v[1] ** 2)
    p0 = np.array([0.3, -0.2])
    assert L.classify(L.num_hessian(f, p0), tol=1e-6) == "positive definite"
    rng = np.random.default_rng(1)
    for _ in range(50):  # midpoint convexity in a small ball
        a, b = p0 + 0.05 * rng.standard_normal(2), p0 + 0.05 * rng.standard_normal(2)
        assert f((a + b) / 2) <= (f(a) + f(b)) / 2 + 1e-15

    def quartic(v):
        return float(v[0] ** 4 + v[1] ** 2)
    h = L.num_hessian(quartic, np.zeros(2))
    h[np.abs(h) < 1e-6] = 0.0
    assert L.classify(h) == "positive semidefinite"



def test_inverse_is_as_accurate_as_the_correlation_scaled_inverse():
    """The observed information of airquality's FIML fit with the data scaled by 1e-20: its
    mean and covariance blocks differ by 1e20 (cross terms between). ``M⁻¹ = D⁻¹C⁻¹D⁻¹``
    for ``M = DCD`` entry by entry (an LU of the Cholesky factor gave 5× wrong variances)."""
    import pandas as pd

    import mvn_estimate as me
    from mvn_estimate.linalg import PDFactor

    air = pd.read_csv("data/airquality.csv")[["Ozone", "Solar.R", "Wind", "Temp"]]
    fit = me.fit(air, missing="em")
    info = me.missing.information(air, fit.mean, fit.cov).to_numpy()
    scale = 1e-20 ** np.r_[np.ones(4), np.full(10, 2.0)]  # means: c, covariances: c²
    scaled = info / np.outer(scale, scale)
    d = np.sqrt(np.diag(scaled))
    want = np.linalg.inv(scaled / np.outer(d, d))  # the correlation-scaled inverse
    got = PDFactor.of(scaled, name="information").inverse() * np.outer(d, d)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12 * np.abs(want).max())
