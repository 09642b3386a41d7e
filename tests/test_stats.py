import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mvn_estimate import SufficientStats
from mvn_estimate.exceptions import NonFiniteError, ShapeError


def _naive(x, w=None):
    w = np.ones(len(x)) if w is None else w
    m = (w[:, None] * x).sum(0) / w.sum()
    r = x - m
    return w.sum(), m, (r * w[:, None]).T @ r


@pytest.mark.parametrize("chunk", [None, 1, 7, 1000])
def test_matches_naive_reference(rng, chunk):
    x = rng.standard_normal((503, 4)) @ rng.standard_normal((4, 4)) + 3.0
    s = SufficientStats.from_array(x, chunk_size=chunk)
    n, m, sc = _naive(x)
    assert s.n == n
    np.testing.assert_allclose(s.mean, m, rtol=1e-13)
    np.testing.assert_allclose(s.scatter, sc, rtol=1e-12)
    np.testing.assert_allclose(s.cov(), np.cov(x, rowvar=False, bias=True), rtol=1e-12)
    np.testing.assert_allclose(s.cov(ddof=1), np.cov(x, rowvar=False), rtol=1e-12)


def test_scatter_is_exactly_symmetric(rng):
    s = SufficientStats.from_array(rng.standard_normal((300, 6)), chunk_size=17)
    np.testing.assert_array_equal(s.scatter, s.scatter.T)


def test_chunked_merge_equals_one_shot(rng):
    x = rng.standard_normal((1000, 3))
    parts = np.array_split(x, [10, 11, 500, 733])
    merged = SufficientStats.from_chunks(parts)
    whole = SufficientStats.from_array(x)
    np.testing.assert_allclose(merged.mean, whole.mean, rtol=1e-13)
    np.testing.assert_allclose(merged.scatter, whole.scatter, rtol=1e-12)
    tree = (SufficientStats.from_array(x[:400]).merge(SufficientStats.from_array(x[400:])))
    np.testing.assert_allclose(tree.scatter, whole.scatter, rtol=1e-12)


def test_integer_weights_equal_repeated_rows(rng):
    x = rng.standard_normal((50, 3))
    w = rng.integers(0, 4, size=50)
    s = SufficientStats.from_array(x, w, chunk_size=8)
    rep = SufficientStats.from_array(np.repeat(x, w, axis=0))
    assert s.n == w.sum()
    np.testing.assert_allclose(s.mean, rep.mean, rtol=1e-13)
    np.testing.assert_allclose(s.scatter, rep.scatter, rtol=1e-12)


def test_large_offset_keeps_twelve_digits(rng):
    spread = rng.standard_normal((100_000, 3)) @ np.array([[1, 0.5, 0], [0, 1, 0.3], [0, 0, 1.]])
    x = 1e9 + spread
    # Exact reference: subtracting x[0] from values near 1e9 is exact (Sterbenz), so the
    # shifted data carry the same covariance with no offset, computed in extended precision.
    shifted = (x - x[0]).astype(np.longdouble)
    r = shifted - shifted.mean(axis=0)
    reference = np.asarray((r.T @ r) / len(x), dtype=np.float64)
    got = SufficientStats.from_array(x).cov()
    rel = np.max(np.abs(got - reference)) / np.max(np.abs(reference))
    assert rel < 1e-12
    naive = (x.T @ x) / len(x) - np.outer(x.mean(0), x.mean(0))  # the textbook formula fails
    assert np.max(np.abs(naive - reference)) / np.max(np.abs(reference)) > 1e-3


def test_peak_memory_is_chunk_sized_not_a_copy(rng):
    x = rng.standard_normal((400_000, 20))  # 64 MB
    tracemalloc.start()
    SufficientStats.from_array(x)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 0.1 * x.nbytes


def test_nan_propagates_to_finite_flag():
    x = np.ones((5, 2))
    x[2, 1] = np.nan
    assert not SufficientStats.from_array(x).finite


def test_weights_validation():
    x = np.ones((3, 2))
    with pytest.raises(ShapeError, match=r"'weights' argument must have shape \(3,\)"):
        SufficientStats.from_array(x, [1.0, 2.0])
    with pytest.raises(NonFiniteError, match="finite and non-negative with a positive total"):
        SufficientStats.from_array(x, [1.0, -1.0, 1.0])
    with pytest.raises(NonFiniteError, match="positive total"):
        SufficientStats.from_array(x, [0.0, 0.0, 0.0])


def test_merge_dimension_mismatch():
    with pytest.raises(ShapeError, match="Cannot merge statistics of 2 and 3"):
        SufficientStats.empty(2).merge(SufficientStats.from_array(np.eye(3)))


def test_from_chunks_needs_a_chunk():
    with pytest.raises(ShapeError, match="at least one array"):
        SufficientStats.from_chunks([])


@given(st.integers(2, 60), st.integers(1, 4), st.lists(st.integers(1, 59), max_size=4),
       st.integers(0, 2**32 - 1))
@settings(max_examples=40, deadline=None)
def test_property_any_split_merges_to_the_whole(n, p, cuts, seed):
    x = np.random.default_rng(seed).standard_normal((n, p)) * 3 + 7
    parts = np.split(x, sorted({c for c in cuts if c < n}))
    merged = SufficientStats.from_chunks(parts)
    whole = SufficientStats.from_array(x)
    assert merged.n == n
    np.testing.assert_allclose(merged.mean, whole.mean, rtol=1e-12)
    np.testing.assert_allclose(merged.scatter, whole.scatter, rtol=1e-10, atol=1e-9)
