import numpy as np
import pytest

from mvn_estimate import linalg as L
from mvn_estimate.exceptions import DtypeError, NonFiniteError, ShapeError


def test_hadamard_is_elementwise(rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    out = L.hadamard(a, b)
    for i in range(3):
        for j in range(4):
            assert out[i, j] == a[i, j] * b[i, j]


def test_hadamard_rejects_unequal_shapes():
    with pytest.raises(ShapeError, match="'A' and 'B' arguments must have equal shapes"):
        L.hadamard(np.ones((2, 3)), np.ones((3, 2)))


def test_hadamard_does_not_broadcast():
    with pytest.raises(ShapeError, match="must be a 2-D matrix"):
        L.hadamard(np.ones((2, 2)), np.ones(2))


def test_inner_conjugates_first_argument(rng):
    a = rng.standard_normal(5) + 1j * rng.standard_normal(5)
    b = rng.standard_normal(5) + 1j * rng.standard_normal(5)
    expected = sum(np.conj(x) * y for x, y in zip(a, b, strict=True))
    assert np.isclose(L.inner(a, b), expected, rtol=1e-14)
    assert np.isclose(L.inner(a, a).imag, 0.0)


def test_frobenius_equals_trace_of_AhB_for_rectangular(rng):
    a = rng.standard_normal((3, 5)) + 1j * rng.standard_normal((3, 5))
    b = rng.standard_normal((3, 5)) + 1j * rng.standard_normal((3, 5))
    assert np.isclose(L.frobenius(a, b), np.trace(a.conj().T @ b), rtol=1e-13)


def test_frobenius_of_self_is_squared_norm(rng):
    a = rng.standard_normal((4, 2))
    assert np.isclose(L.frobenius(a, a), np.linalg.norm(a, "fro") ** 2, rtol=1e-14)


def test_kron_block_structure(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((4, 5))
    k = L.kron(a, b)
    assert k.shape == (8, 15)
    for i in range(2):
        for j in range(3):
            np.testing.assert_array_equal(k[4 * i:4 * i + 4, 5 * j:5 * j + 5], a[i, j] * b)


def test_trace_product_matches_trace_of_product(rng):
    a, b = rng.standard_normal((3, 6)), rng.standard_normal((6, 3))
    assert np.isclose(L.trace_product(a, b), np.trace(a @ b), rtol=1e-13)
    assert np.isclose(L.trace_product(a, b), np.trace(b @ a), rtol=1e-13)


def test_trace_product_shape_error():
    with pytest.raises(ShapeError, match=r"tr\(AB\) needs 'B' of shape \(3, 2\)"):
        L.trace_product(np.ones((2, 3)), np.ones((2, 3)))


def test_trace_requires_square():
    with pytest.raises(ShapeError, match="'A' argument must be a square matrix"):
        L.trace(np.ones((2, 3)))


def test_non_numeric_rejected():
    with pytest.raises(DtypeError, match="'A' argument must hold real or complex numbers"):
        L.hadamard([["a", "b"]], [["c", "d"]])


def test_non_finite_rejected():
    with pytest.raises(NonFiniteError, match="'B' argument must hold only finite values; got 1"):
        L.hadamard([[1.0, 2.0]], [[np.nan, 1.0]])


def test_empty_rejected():
    with pytest.raises(ShapeError, match="'A' argument must not be empty"):
        L.frobenius(np.ones((0, 2)), np.ones((0, 2)))


def test_ragged_rejected():
    with pytest.raises(ShapeError, match="rectangular numeric array"):
        L.inner([[1.0], [1.0, 2.0]], [1.0])


def test_matrix_product_row_and_column_views(rng):
    """DIGEST §1: left multiplication acts on rows, right multiplication on columns; the
    columns of B are the coordinates of C's columns in the basis of A's columns."""
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    c = a @ b
    for i in range(3):  # row i of C combines the rows of B with weights from row i of A
        np.testing.assert_allclose(c[i], sum(a[i, k] * b[k] for k in range(4)), atol=1e-13)
    for j in range(5):  # column j of C combines the columns of A with coordinates B[:, j]
        np.testing.assert_allclose(c[:, j], sum(b[k, j] * a[:, k] for k in range(4)),
                                   atol=1e-13)
