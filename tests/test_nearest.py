"""Nearest correlation (and covariance with a kept diagonal): Newton against alternating
projections, Higham's published examples, R's Matrix::nearPD and the optimality conditions."""

import warnings

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate.exceptions import InvalidOptionError, RepairWarning

from .conftest import reference

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
