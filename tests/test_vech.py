import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from statsmodels.tsa import tsatools

from mvn_estimate import linalg as L
from mvn_estimate.exceptions import InvalidOptionError, ShapeError, TooLargeError

from .conftest import random_spd


@pytest.mark.parametrize("p", [1, 2, 3, 5])
def test_vec_vech_unvech_roundtrip(rng, p):
    a = random_spd(rng, p)
    np.testing.assert_array_equal(L.vec(a), a.flatten(order="F"))
    np.testing.assert_array_equal(L.unvech(L.vech(a)), a)
    assert L.vech(a).size == L.vech_size(p) == p * (p + 1) // 2


@pytest.mark.parametrize("p", [1, 2, 4, 6])
def test_duplication_identity(rng, p):
    a = random_spd(rng, p)
    np.testing.assert_array_equal(L.duplication_matrix(p) @ L.vech(a), L.vec(a))
    np.testing.assert_array_equal(L.vech(a)[L.duplication_indices(p)], L.vec(a))


@pytest.mark.parametrize("p", [1, 2, 4, 6])
def test_elimination_identities(rng, p):
    a = rng.standard_normal((p, p))
    np.testing.assert_array_equal(L.elimination_matrix(p) @ L.vec(a), L.vech(a))
    np.testing.assert_array_equal(L.vec(a)[L.elimination_indices(p)], L.vech(a))
    np.testing.assert_array_equal(
        L.elimination_matrix(p) @ L.duplication_matrix(p), np.eye(L.vech_size(p))
    )


@pytest.mark.parametrize(("m", "n"), [(1, 1), (2, 3), (4, 2), (5, 5)])
def test_commutation_identity(rng, m, n):
    a = rng.standard_normal((m, n))
    np.testing.assert_array_equal(L.commutation_matrix(m, n) @ L.vec(a), L.vec(a.T))
    np.testing.assert_array_equal(L.vec(a)[L.commutation_indices(m, n)], L.vec(a.T))


@pytest.mark.parametrize("p", [1, 2, 3, 5])
def test_duplication_pinv_is_moore_penrose(p):
    d = L.duplication_matrix(p)
    expected = np.linalg.solve(d.T @ d, d.T)
    np.testing.assert_allclose(L.duplication_pinv(p), expected, atol=1e-15)
    np.testing.assert_allclose(L.duplication_pinv(p), np.linalg.pinv(d), atol=1e-12)


@pytest.mark.parametrize("p", [1, 2, 3, 6])
def test_agrees_with_statsmodels_tsatools(rng, p):
    a = random_spd(rng, p)
    np.testing.assert_array_equal(L.vech(a), tsatools.vech(a))
    np.testing.assert_array_equal(L.unvech(L.vech(a)), tsatools.unvech(tsatools.vech(a)))
    np.testing.assert_array_equal(L.vec(a), tsatools.vec(a))
    np.testing.assert_array_equal(L.duplication_matrix(p), tsatools.duplication_matrix(p))
    np.testing.assert_array_equal(L.elimination_matrix(p), tsatools.elimination_matrix(p))
    np.testing.assert_array_equal(L.commutation_matrix(p, p + 1),
                                  tsatools.commutation_matrix(p, p + 1))


@pytest.mark.parametrize("p", [1, 2, 4])
def test_sandwiches_equal_kronecker_forms(rng, p):
    a, b = random_spd(rng, p), random_spd(rng, p, cond=3.0)
    d, dp = L.duplication_matrix(p), L.duplication_pinv(p)
    np.testing.assert_allclose(L.duplication_sandwich(a, b), d.T @ np.kron(a, b) @ d,
                               rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(L.duplication_pinv_sandwich(a, b), dp @ np.kron(a, b) @ dp.T,
                               rtol=1e-13, atol=1e-13)


def test_index_forms_work_where_dense_is_refused():
    p = 1000
    idx = L.duplication_indices(p)
    assert idx.shape == (p * p,)
    with pytest.raises(TooLargeError,
                       match="largest order for which the dense matrix"):
        L.duplication_matrix(p)


def test_unvech_rejects_non_triangular_length():
    with pytest.raises(ShapeError, match="triangular length"):
        L.unvech(np.ones(4))


@pytest.mark.parametrize("bad", [0, -2, 1.5, "3"])
def test_order_must_be_positive_integer(bad):
    with pytest.raises(InvalidOptionError, match="'p' argument must be a positive integer"):
        L.duplication_matrix(bad)


def test_vech_requires_square():
    with pytest.raises(ShapeError, match="square matrix"):
        L.vech(np.ones((2, 3)))


def test_sandwich_shape_mismatch():
    with pytest.raises(ShapeError, match="equal shapes"):
        L.duplication_sandwich(np.eye(2), np.eye(3))


@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)),
              elements=st.floats(-1e6, 1e6)))
@settings(max_examples=60, deadline=None)
def test_property_vech_identities(a):
    p = min(a.shape)
    sym = a[:p, :p] + a[:p, :p].T
    np.testing.assert_array_equal(L.unvech(L.vech(sym)), sym)
    np.testing.assert_array_equal(L.vech(sym)[L.duplication_indices(p)], L.vec(sym))
    np.testing.assert_array_equal(L.vec(a)[L.commutation_indices(*a.shape)], L.vec(a.T))


def test_sandwich_sum_equals_sum_of_kronecker_forms(rng):
    a, b = rng.standard_normal((2, 5, 3, 3))
    d = L.duplication_matrix(3)
    expected = sum(d.T @ np.kron(x, y) @ d for x, y in zip(a, b, strict=True))
    np.testing.assert_allclose(L.duplication_sandwich_sum(a, b), expected, rtol=1e-12,
                               atol=1e-12)


def test_sandwich_sum_shape_error():
    with pytest.raises(ShapeError, match=r"equal stacks of square matrices \(G, p, p\)"):
        L.duplication_sandwich_sum(np.ones((2, 3, 3)), np.ones((2, 3, 2)))
