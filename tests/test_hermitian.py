import numpy as np
import pytest

from mvn_estimate import linalg as L
from mvn_estimate.exceptions import InvalidOptionError, NotPositiveDefiniteError, NotSymmetricError

from .conftest import random_hermitian

CASES = [(4, False), (4, True), (7, True)]


@pytest.mark.parametrize(("n", "complex_"), CASES)
def test_eigh_real_eigenvalues_and_unitary_vectors(rng, n, complex_):
    a = random_hermitian(rng, n, complex_)
    w, u = L.eigh(a)
    assert w.dtype == np.float64
    np.testing.assert_allclose(u.conj().T @ u, np.eye(n), atol=1e-13)
    np.testing.assert_allclose(a @ u, u * w, atol=1e-12)
    np.testing.assert_allclose(w, np.sort(np.linalg.eigvals(a).real), atol=1e-12)


def test_eigh_rejects_non_hermitian():
    with pytest.raises(NotSymmetricError, match="must be Hermitian within"):
        L.eigh([[1.0, 1j], [1j, 1.0]])
    with pytest.raises(NotSymmetricError, match=r"must be symmetric.*got max\|A - Aᴴ\| = 1"):
        L.eigh([[1.0, 2.0], [1.0, 1.0]])


def test_is_hermitian_tolerance_rule():
    a = np.array([[1.0, 1.0], [1.0 + 1e-12, 1.0]])
    assert L.is_hermitian(a)
    assert not L.is_hermitian(a, tol=1e-14)


@pytest.mark.parametrize(("n", "complex_"), CASES)
def test_eigen_expansions(rng, n, complex_):
    a = random_hermitian(rng, n, complex_)
    w, u = L.eigh(a)
    np.testing.assert_allclose(L.eigen_expand(w, u), a, atol=1e-12)
    np.testing.assert_allclose(L.inverse_expand(a), np.linalg.inv(a), rtol=1e-9, atol=1e-9)
    x = rng.standard_normal(n) + (1j * rng.standard_normal(n) if complex_ else 0)
    direct = np.real(np.vdot(x, a @ x))
    assert np.isclose(L.quadratic_form(a, x), direct, rtol=1e-11)


@pytest.mark.parametrize(("n", "complex_"), CASES)
def test_inverse_has_reciprocal_eigenpairs(rng, n, complex_):
    a = random_hermitian(rng, n, complex_)
    w, u = L.eigh(a)
    inv = L.inverse_expand(a)
    np.testing.assert_allclose(inv @ u, u / w, atol=1e-9)


def test_eigenvectors_of_distinct_eigenvalues_are_orthogonal(rng):
    a = random_hermitian(rng, 5, True)
    w, _ = L.eigh(a)
    vecs = [L.eigenvectors(a, lam) for lam in w]
    assert all(v.shape == (5, 1) for v in vecs)
    u = np.column_stack(vecs)
    np.testing.assert_allclose(u.conj().T @ u, np.eye(5), atol=1e-8)
    np.testing.assert_allclose(a @ u, u * w, atol=1e-7)


@pytest.mark.parametrize("complex_", [False, True])
def test_eigenvectors_repeated_eigenvalue(rng, complex_):
    n, mult = 6, 3
    q, _ = np.linalg.qr(rng.standard_normal((n, n)) + (1j * rng.standard_normal((n, n))
                                                      if complex_ else 0))
    w = np.array([2.0, 2.0, 2.0, -1.0, 5.0, 7.0])
    a = (q * w) @ q.conj().T
    a = (a + a.conj().T) / 2
    u = L.eigenvectors(a, 2.0)
    assert u.shape == (n, mult)
    assert np.linalg.matrix_rank(a - 2.0 * np.eye(n), tol=1e-8) == n - mult
    np.testing.assert_allclose(u.conj().T @ u, np.eye(mult), atol=1e-10)
    np.testing.assert_allclose(a @ u, 2.0 * u, atol=1e-9)


def test_eigenvectors_rejects_non_eigenvalue():
    with pytest.raises(InvalidOptionError, match="must be an eigenvalue of 'A'"):
        L.eigenvectors(np.diag([1.0, 2.0]), 1.5)


def test_null_space_elimination_rank(rng):
    b = rng.standard_normal((5, 2))
    m = b @ b.T  # rank 2
    ns = L.null_space_elimination(m)
    assert ns.shape == (5, 3)
    np.testing.assert_allclose(m @ ns, 0.0, atol=1e-10)


def test_gram_schmidt_is_stable_on_nearly_dependent_columns():
    eps = 1e-6  # plain MGS loses orthogonality ~ 1e-10 here; re-orthogonalised stays ~ 1e-16
    v = np.array([[1.0, 1.0, 1.0], [eps, 0, 0], [0, eps, 0], [0, 0, eps]])  # Läuchli matrix
    q = L.gram_schmidt(v)
    assert q.shape == (4, 3)
    np.testing.assert_allclose(q.T @ q, np.eye(3), atol=1e-12)


def test_gram_schmidt_drops_dependent_columns(rng):
    a = rng.standard_normal((4, 2))
    q = L.gram_schmidt(np.column_stack([a, a @ [1.0, 2.0]]))
    assert q.shape == (4, 2)


def test_inverse_expand_singular():
    with pytest.raises(NotPositiveDefiniteError, match="must be non-singular"):
        L.inverse_expand([[1.0, 1.0], [1.0, 1.0]])


def test_quadratic_form_length_mismatch():
    with pytest.raises(Exception, match="'x' argument must have length 2"):
        L.quadratic_form(np.eye(2), np.ones(3))
