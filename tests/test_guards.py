import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.correlation_tools import corr_nearest, cov_nearest
from statsmodels.tools.sm_exceptions import IterationLimitWarning

import mvn_estimate as me
from mvn_estimate.exceptions import (
    ConvergenceWarning,
    DtypeError,
    InvalidOptionError,
    NonFiniteError,
    NotPositiveDefiniteError,
    NotSymmetricError,
    RepairWarning,
    ShapeError,
)

HIGHAM = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])


def _quiet(fn, *args, **kw):
    """Call a repair (ours or statsmodels') with its expected warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RepairWarning)
        warnings.simplefilter("ignore", IterationLimitWarning)
        return fn(*args, **kw)


def test_report_on_valid_matrix():
    r = me.validate_covariance([[4.0, 1.0], [1.0, 2.0]])
    w = np.linalg.eigvalsh([[4.0, 1.0], [1.0, 2.0]])
    assert r.valid and r.symmetric and r.finite and r.rank == 2
    assert np.isclose(r.min_eigenvalue, w[0]) and np.isclose(r.condition_number, w[1] / w[0])
    assert r.definiteness == "positive definite"


@pytest.mark.parametrize(("matrix", "kind", "problem"), [
    ([[1.0, 0.5], [0.2, 1.0]], "covariance", "not symmetric"),
    ([[1.0, np.nan], [np.nan, 1.0]], "covariance", "NaN or infinite"),
    ([[1.0, 0.5, 0.1], [0.5, 1.0, 0.2]], "covariance", "not square"),
    ([[1.0, 2.0], [2.0, 1.0]], "covariance", "not positive definite"),
    ([[1.0, 1.0], [1.0, 1.0]], "covariance", "positive semidefinite"),
    ([[0.0, 0.0], [0.0, 1.0]], "correlation", "diagonal is not 1"),
    ([[2.0, 0.1], [0.1, 2.0]], "correlation", "diagonal is not 1"),
])
def test_every_invalid_matrix_has_a_verdict(matrix, kind, problem):
    r = me.validate_covariance(matrix, kind=kind)
    assert not r.valid
    assert any(problem in p for p in r.problems), r.problems


@pytest.mark.parametrize(("matrix", "error", "match"), [
    ([[1.0, 0.5], [0.2, 1.0]], NotSymmetricError, r"must be symmetric.*max\|A - A.T\| = 0.3"),
    ([[1.0, np.nan], [np.nan, 1.0]], NonFiniteError, "2 NaN or infinite entries"),
    ([[1.0, 0.5, 0.1], [0.5, 1.0, 0.2]], ShapeError, r"must be square; got shape \(2, 3\)"),
    ([[1.0, 2.0], [2.0, 1.0]], NotPositiveDefiniteError, "smallest eigenvalue -1"),
    ([["a"]], DtypeError, "must hold real numbers"),
    (np.ones(3), ShapeError, "non-empty 2-D matrix"),
])
def test_check_covariance_raises_specific_error(matrix, error, match):
    with pytest.raises(error, match=match):
        me.check_covariance(matrix)


def test_check_correlation_zero_diagonal():
    with pytest.raises(NotPositiveDefiniteError, match="must be positive definite"):
        me.check_covariance([[0.0, 0.0], [0.0, 1.0]], kind="correlation")
    with pytest.raises(InvalidOptionError, match="correlation matrix; got diagonal is not 1"):
        me.check_covariance([[2.0, 0.1], [0.1, 2.0]], kind="correlation")


def test_unknown_kind():
    with pytest.raises(InvalidOptionError, match="'kind' argument must be one of"):
        me.validate_covariance(np.eye(2), kind="precision")


def _kkt_residual(a, x):
    """Optimality certificate of X = argmin ‖A − X‖_F over correlation matrices.

    KKT: Z = X − A − Diag(y) ⪰ 0 with ZX = 0, where y makes diag(Z) consistent; we take
    y from the diagonal of the projection identity Z = X − A − Diag(y) with Z X = 0.
    """
    off = x - a
    np.fill_diagonal(off, 0.0)
    # Z = off + Diag(z); choose z solving diag(Z X) = 0 → z_i = −(off X)_ii / X_ii
    z = -np.einsum("ij,ji->i", off, x) / np.diag(x)
    big_z = off + np.diag(z)
    return np.linalg.eigvalsh(big_z)[0], np.linalg.norm(big_z @ x)


def test_higham_example_reaches_nearest_correlation():
    x = _quiet(me.nearest_pd, HIGHAM, kind="correlation")
    np.testing.assert_allclose(np.diag(x), 1.0, atol=1e-15)
    np.testing.assert_allclose(x, x.T, atol=0)
    assert np.linalg.eigvalsh(x)[0] > 0
    min_eig, comp = _kkt_residual(HIGHAM, x)
    assert min_eig > -1e-8 and comp < 1e-8
    # Higham (2002), Table: off-diagonals 0.7607, 0.1573
    np.testing.assert_allclose(x[0, 1], 0.7607, atol=5e-5)
    np.testing.assert_allclose(x[0, 2], 0.1573, atol=5e-5)


def test_nearest_beats_statsmodels_and_agrees_with_it(rng):
    b = rng.standard_normal((5, 5))
    c = np.corrcoef(b @ b.T)
    c[0, 4] = c[4, 0] = -0.9
    c[1, 4] = c[4, 1] = 0.9
    assert not me.validate_covariance(c, kind="correlation").valid
    ours = _quiet(me.nearest_pd, c, kind="correlation")
    theirs = _quiet(corr_nearest, c, threshold=1e-15, n_fact=1000)
    np.testing.assert_allclose(ours, theirs, atol=1e-4)
    assert np.linalg.norm(ours - c) <= np.linalg.norm(theirs - c) + 1e-8  # our floor: 2e-9
    min_eig, comp = _kkt_residual(c, ours)
    assert min_eig > -1e-8 and comp < 1e-8


def test_nearest_covariance_matches_statsmodels_cov_nearest(rng):
    sd = np.array([1.0, 2.0, 3.0])
    c = np.array([[1.0, 0.9, 0.7], [0.9, 1.0, -0.3], [0.7, -0.3, 1.0]]) * np.outer(sd, sd)
    theirs = _quiet(cov_nearest, c, method="nearest", threshold=1e-15, n_fact=1000)
    # statsmodels repairs the correlation matrix and rescales: the same computation with ours
    corr = c / np.outer(sd, sd)
    via_corr = _quiet(me.nearest_pd, corr, kind="correlation") * np.outer(sd, sd)
    np.testing.assert_allclose(via_corr, theirs, atol=1e-4 * np.abs(c).max())
    # keep_diag=True is the nearest in the covariance's own Frobenius norm: at least as close
    ours = _quiet(me.nearest_pd, c, keep_diag=True)
    np.testing.assert_allclose(np.diag(ours), np.diag(c))
    assert np.linalg.norm(ours - c) <= np.linalg.norm(theirs - c)
    assert me.validate_covariance(ours).valid


def test_unconstrained_nearest_is_eigenvalue_clipping(rng):
    a = rng.standard_normal((4, 4))
    a = a + a.T
    out = _quiet(me.nearest_pd, a)
    w, u = np.linalg.eigh(a)
    np.testing.assert_allclose(out, (u * np.maximum(w, 0)) @ u.T, atol=1e-8)
    # no PSD matrix is closer (random PSD competitors)
    for _ in range(50):
        b = rng.standard_normal((4, 4))
        assert np.linalg.norm(a - out) <= np.linalg.norm(a - b @ b.T * 0.1)
    assert me.validate_covariance(out).valid


def test_repair_always_warns_and_keeps_labels():
    df = pd.DataFrame(HIGHAM, index=list("abc"), columns=list("abc"))
    with pytest.warns(RepairWarning, match="changed the matrix by"):
        out = me.nearest_pd(df, kind="correlation")
    assert list(out.index) == list("abc")
    with pytest.warns(RepairWarning):
        me.clip_eigenvalues(df)


def test_repair_does_not_mutate_input():
    a = HIGHAM.copy()
    _quiet(me.nearest_pd, a, kind="correlation")
    _quiet(me.clip_eigenvalues, a)
    np.testing.assert_array_equal(a, HIGHAM)


def test_clip_eigenvalues_floor():
    out = _quiet(me.clip_eigenvalues, [[1.0, 2.0], [2.0, 1.0]], floor=0.25)
    np.testing.assert_allclose(np.linalg.eigvalsh(out), [0.25, 3.0])


def test_nearest_pd_convergence_warning():
    with pytest.warns(ConvergenceWarning, match="stopped after 2 iterations"):
        _quiet(me.nearest_pd, HIGHAM, kind="correlation", max_iter=2)


def test_nearest_pd_rejects_nan():
    with pytest.raises(NonFiniteError, match="finite to be repaired; got 2 NaN"):
        me.nearest_pd([[1.0, np.nan], [np.nan, 1.0]])


def test_fit_result_cov_passes_guard(rng):
    res = me.fit(rng.standard_normal((50, 3)))
    assert me.validate_covariance(res.cov).valid


def test_nearest_pd_bad_max_iter():
    with pytest.raises(InvalidOptionError, match="'max_iter' argument must be an integer >= 1"):
        me.nearest_pd(HIGHAM, kind="correlation", max_iter=0)


def test_nearest_pd_keep_diag_needs_positive_diagonal():
    with pytest.raises(NotPositiveDefiniteError, match="diagonal must be positive to be kept"):
        me.nearest_pd([[0.0, 1.0], [1.0, 1.0]], keep_diag=True)


def test_matrices_written_to_six_digits_are_accepted(rng):
    b = rng.standard_normal((30, 5))
    c = np.corrcoef(b.T)
    written = np.array([[float(f"{v:.6g}") for v in row] for row in c])
    written[0, 0] = 1.0000001
    report = me.validate_covariance(written, kind="correlation")
    assert report.valid, report.problems
    assert 0 < report.diagonal_gap <= 1e-6 and report.asymmetry <= 1e-5
    assert np.isfinite(report.condition_number)


def test_a_genuinely_indefinite_matrix_is_never_accepted():
    m = np.array([[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]])
    report = me.validate_covariance(m, kind="correlation", rtol=0.5)
    assert not report.valid and "not positive definite: smallest eigenvalue" in report.problems[0]


def test_each_rule_says_by_how_much():
    r = me.validate_covariance([[1.2, 1.5], [1.5, 2.0]], kind="correlation")
    text = " | ".join(r.problems)
    assert "max|diag - 1| = 1 > atol + rtol = 1e-05" in text
    assert "entries outside [-1, 1]: max|A_ij| = 2" in text
    assert r.bound_excess == pytest.approx(1.0)
    loose = me.validate_covariance([[1.0, 0.5], [0.5001, 1.0]], kind="correlation", atol=1e-3)
    assert loose.symmetric
    with pytest.raises(InvalidOptionError, match="'rtol' argument must be a finite real"):
        me.validate_covariance(np.eye(2), rtol=-1)


def test_zero_matrix_is_classified_as_linalg_classifies_it():
    """A drifted copy of the rule called the zero matrix negative semidefinite; the
    validator now uses linalg's one rule."""
    zero = np.zeros((3, 3))
    assert me.linalg.classify(zero) == "positive semidefinite"
    assert me.validate_covariance(zero).definiteness == me.linalg.classify(zero)
    for m in (np.diag([1.0, 0.0]), -np.eye(2), np.diag([-1.0, 0.0]), np.diag([1.0, -1.0])):
        assert me.validate_covariance(m).definiteness == me.linalg.classify(m)


def test_clip_tol_is_the_rule_the_result_passes():
    """``clip_eigenvalues(tol=)`` was checked and then ignored; it is the relative tolerance
    of the validator's rule the repaired matrix must pass."""
    bad = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.9], [0.0, 0.9, 1.0]])
    loose = _quiet(me.clip_eigenvalues, bad)
    strict = _quiet(me.clip_eigenvalues, bad, tol=1e-4)
    assert not me.validate_covariance(loose, tol=1e-4).valid
    assert me.validate_covariance(strict, tol=1e-4).valid
    # on the correlation scale the smallest eigenvalue is just above tol times the largest
    d = 1 / np.sqrt(np.diag(strict))
    w = np.linalg.eigvalsh(strict * np.outer(d, d))
    assert 1e-4 < w[0] / w[-1] < 1e-2


def test_a_repair_decomposes_the_input_once(monkeypatch):
    """The repair reuses the spectrum of the validator's report: one eigen-decomposition of
    the input, the correlation-scale eigenvalues, and one check of the result."""
    calls = []
    eigh, eigvalsh = np.linalg.eigh, np.linalg.eigvalsh
    monkeypatch.setattr(np.linalg, "eigh", lambda a, *k, **kw: calls.append("eigh")
                        or eigh(a, *k, **kw))
    monkeypatch.setattr(np.linalg, "eigvalsh", lambda a, *k, **kw: calls.append("eigvalsh")
                        or eigvalsh(a, *k, **kw))
    bad = np.array([[2.0, 3.0], [3.0, 2.0]])
    _quiet(me.clip_eigenvalues, bad)
    assert calls.count("eigh") == 1 and len(calls) <= 3, calls
