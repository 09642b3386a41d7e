"""Nearest correlation (and covariance with a kept diagonal): Newton against alternating
projections, Higham's published examples, R's Matrix::nearPD and the optimality conditions."""

import warnings

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate.exceptions import InvalidOptionError, RepairWarning

from .conftest import reference


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)

NEAR = reference("nearpd")


def deterministic(p):
    """The matrix tests/reference/nearpd.R builds: 0.6^|i-j| + 0.15 sin(0.7ij + i + j)."""
    i = np.arange(1, p + 1)
    a = 0.6 ** np.abs(i[:, None] - i[None, :]) + 0.15 * np.sin(0.7 * np.outer(i, i)
                                                             + i[:, None] + i[None, :])
    np.fill_diagonal(a, 1.0)
    return a


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RepairWarning)
        return fn(*args, **kw)


def kkt(a, x, b):
    """Optimality of X for min ½‖X − A‖² s.t. diag X = b, X ⪰ 0: with y from the diagonal,
    Z = X − A − Diag(y) must be PSD and complementary (ZX = 0); returns both residuals."""
    off = x - a
    np.fill_diagonal(off, 0.0)
    y = -np.einsum("ij,ji->i", off, x) / np.diag(x)
    z = off + np.diag(y)
    return np.linalg.eigvalsh(z)[0], np.linalg.norm(z @ x), np.max(np.abs(np.diag(x) - b))


def _input(entry):
    return np.array(entry["input"]["values"], dtype=float)


@pytest.mark.parametrize("key", ["higham_3x3", "tridiag_4x4", "pr_6x6"])
@pytest.mark.parametrize("method", ["newton", "alternating"])
def test_small_published_examples(key, method):
    entry = NEAR[key]
    a = _input(entry)
    x, info = quiet(me.nearest_pd, a, kind="correlation", method=method, return_info=True)
    np.testing.assert_allclose(x, entry["matrix"]["values"], atol=2e-8)
    assert np.isclose(info.distance, entry["frobenius_distance"], rtol=1e-7)
    lo, comp, diag = kkt((a + a.T) / 2, x, 1.0)
    assert lo > -1e-7 and comp < 1e-7 and diag == 0.0
    assert info.converged and info.method == method
    # plain Python numbers in the report (its repr is read by people)
    assert type(info.converged) is bool and type(info.gradient) is float
    assert type(info.iterations) is int and "np." not in repr(info)


def test_higham_2002_published_values():
    # Higham (2002), §4: the nearest correlation matrix to the tridiagonal(-1, 2, -1) 4×4
    x = quiet(me.nearest_pd, _input(NEAR["tridiag_4x4"]), kind="correlation")
    np.testing.assert_allclose(x[0, 1:], [-0.8084, 0.1916, 0.1068], atol=5e-5)


@pytest.mark.parametrize("p", [50, 200, 500, 1000])
def test_matches_nearpd_up_to_p_1000(p):
    ref = NEAR["deterministic"][f"p{p}"]
    a = deterministic(p)
    x, info = quiet(me.nearest_pd, a, kind="correlation", return_info=True)
    np.testing.assert_allclose(x[0, :10], ref["first_row_1_10"], atol=5e-9)
    assert np.isclose(info.distance, ref["frobenius_distance"], rtol=1e-8)
    assert np.isclose(x.sum(), ref["sum"], rtol=1e-8)
    assert info.iterations <= 10 and info.min_eigenvalue > 0
    lo, comp, diag = kkt(a, x, 1.0)
    assert lo > -1e-6 and comp < 1e-6 and diag == 0.0
    if p == 50:
        np.testing.assert_allclose(x, ref["matrix"]["values"], atol=5e-9)
        y = quiet(me.nearest_pd, a, kind="correlation", method="alternating", tol=1e-14)
        np.testing.assert_allclose(x, y, atol=1e-7)


def test_covariance_with_kept_diagonal_matches_nearpd():
    ref = NEAR["covariance_keepdiag_p50"]
    d = np.diag(np.arange(1, 51) / 10)
    c = d @ deterministic(50) @ d
    x, info = quiet(me.nearest_pd, c, keep_diag=True, return_info=True)
    np.testing.assert_allclose(np.diag(x), np.diag(c), rtol=1e-14)
    assert np.isclose(info.distance, ref["frobenius_distance"], rtol=1e-7)
    np.testing.assert_allclose(x[0, :10], ref["first_row_1_10"], atol=1e-7)


def test_weights_keep_heavy_variables_closer(rng):
    a = deterministic(20)
    plain = quiet(me.nearest_pd, a, kind="correlation")
    w = np.ones(20)
    w[:5] = 50.0
    heavy = quiet(me.nearest_pd, a, kind="correlation", weights=w)
    assert np.linalg.norm((heavy - a)[:5, :5]) < np.linalg.norm((plain - a)[:5, :5])
    np.testing.assert_allclose(np.diag(heavy), 1.0)
    # the weighted problem is the plain one in W^½-scaled coordinates: its optimality
    h = np.sqrt(w)
    lo, comp, _ = kkt(a * np.outer(h, h), heavy * np.outer(h, h), w)
    assert lo > -1e-6 and comp < 1e-6


def test_fixed_entries_stay_fixed(rng):
    a = deterministic(12)
    fixed = np.zeros((12, 12), dtype=bool)
    fixed[0, 1] = fixed[2, 5] = True
    x = quiet(me.nearest_pd, a, kind="correlation", method="alternating", fixed=fixed)
    assert x[0, 1] == a[0, 1] and x[1, 0] == a[0, 1] and x[2, 5] == a[2, 5]
    assert np.linalg.eigvalsh(x)[0] > 0
    with pytest.raises(InvalidOptionError, match="needs method='alternating'"):
        me.nearest_pd(a, kind="correlation", fixed=fixed)


def test_valid_input_is_returned_unchanged_without_warning():
    c = np.array([[1.0, 0.3], [0.3, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, info = me.nearest_pd(c, kind="correlation", return_info=True)
    np.testing.assert_array_equal(out, c)
    assert info.method == "none" and info.distance == 0.0


def test_repair_warning_reports_iterations_and_distance():
    with pytest.warns(RepairWarning, match=r"changed the matrix by 0\.528 .* newton iteration"):
        me.nearest_pd(_input(NEAR["higham_3x3"]), kind="correlation")


def test_clip_on_a_correlation_rescales_to_unit_diagonal():
    a = pd.DataFrame(_input(NEAR["higham_3x3"]), index=list("abc"), columns=list("abc"))
    x = quiet(me.clip_eigenvalues, a, kind="correlation")
    np.testing.assert_allclose(np.diag(x), 1.0)
    assert me.validate_covariance(x, kind="correlation").valid
    assert list(x.index) == list("abc")


def _strongly_correlated(p: int) -> np.ndarray:
    r = np.full((p, p), 0.9)
    np.fill_diagonal(r, 1.0)
    r[0, 1] = r[1, 0] = -0.5
    return r


@pytest.mark.parametrize("p", [20, 1000])
def test_repairs_pass_the_validator_when_the_top_eigenvalue_dwarfs_the_diagonal(p):
    """The repairs' floor was relative to the diagonal while the validator's rule is relative
    to the largest eigenvalue: for strongly correlated matrices (λmax ≈ 0.9 p) the repaired
    matrix was rejected. Repair and validation now share one rule."""
    r = _strongly_correlated(p)
    assert np.linalg.eigvalsh(r)[-1] > 10  # the case the old floor missed
    for fixed in (_quiet(me.nearest_pd, r, kind="correlation"),
                  _quiet(me.clip_eigenvalues, r, kind="correlation"),
                  _quiet(me.nearest_pd, r * 4.0),
                  _quiet(me.clip_eigenvalues, r * 4.0)):
        assert me.validate_covariance(fixed).valid
        me.check_covariance(fixed)


@pytest.mark.slow
def test_repair_at_p_2000_passes_the_validator():
    r = _strongly_correlated(2000)
    me.check_covariance(_quiet(me.clip_eigenvalues, r, kind="correlation"),
                        kind="correlation")


def test_validate_repair_on_the_command_line_writes_a_valid_matrix(tmp_path, capsys):
    from mvn_estimate.cli import main

    names = [f"v{i}" for i in range(20)]
    pd.DataFrame(_strongly_correlated(20), index=names, columns=names).to_csv(tmp_path / "r.csv")
    code = main(["validate", str(tmp_path / "r.csv"), "--kind", "correlation", "--repair",
                 "nearest", "--out", str(tmp_path / "fixed.csv")])
    assert code == 0, capsys.readouterr().out
    assert "repaired matrix written" in capsys.readouterr().out


def test_a_given_floor_the_rule_rejects_is_refused():
    with pytest.raises(InvalidOptionError, match=r"'floor' argument 1e-12 gives a matrix the "
                                                 r"validator rejects.*at least"):
        me.nearest_pd(_strongly_correlated(20), kind="correlation", floor=1e-12)


def test_infeasible_floor_with_a_kept_diagonal_is_an_error():
    """Impossible requests are errors, not warnings: a floor above a diagonal entry that is
    held fixed cannot hold (the result's smallest eigenvalue was 1 with only a warning)."""
    m = np.diag([1.0, 10.0, 10.0])
    m[1, 2] = m[2, 1] = 12.0
    with pytest.raises(me.exceptions.InfeasibleError,
                       match=r"'floor' argument 5 cannot hold together with the diagonal held "
                             r"fixed.*variable 0 has diagonal entry 1"):
        me.nearest_pd(m, keep_diag=True, floor=5)


def test_fixed_entries_that_leave_nothing_to_change_are_infeasible():
    bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    with pytest.raises(me.exceptions.InfeasibleError, match=r"'fixed' argument holds every "
                                                            r"off-diagonal entry"):
        me.nearest_pd(bad, kind="correlation", method="alternating",
                      fixed=~np.eye(3, dtype=bool))
