"""Hermitian matrices: checks, eigen-decomposition, eigenvectors by hand, eigen-expansions.

DIGEST §4. A Hermitian matrix (real symmetric is the real case) has real eigenvalues and a
unitary matrix of eigenvectors ``U`` (``U⁻¹ = Uᴴ``), so ``A = UΛUᴴ = Σλᵢuᵢuᵢᴴ``,
``A⁻¹ = Σλᵢ⁻¹uᵢuᵢᴴ`` and ``xᴴAx = Σλᵢ|uᵢᴴx|²``. Errata applied: the complex case uses the
conjugate transpose ``ᴴ`` where the notes write ``ᵀ``, and ``A − λI`` is *singular* for an
eigenvalue ``λ`` (the notes say invertible).
"""

from __future__ import annotations

import numpy as np

from .._typing import ArrayLike, FloatArray, NumArray
from ..exceptions import InvalidOptionError, NotPositiveDefiniteError, ShapeError, arg, describe
from ._checks import as_array, as_square, asymmetry, require_hermitian, resolve_tol

__all__ = [
    "eigen_expand",
    "eigenvectors",
    "eigh",
    "gram_schmidt",
    "inverse_expand",
    "is_hermitian",
    "null_space_elimination",
    "quadratic_form",
]


def is_hermitian(A: ArrayLike, *, tol: float | None = None) -> bool:
    """Whether ``A`` is Hermitian (symmetric if real) within the package tolerance.

    The rule is ``max|A − Aᴴ| <= tol · max|A|`` with ``tol`` relative (default
    :data:`mvn_estimate.linalg.RTOL`).

    Examples
    --------
    >>> is_hermitian([[1.0, 2.0], [2.0, 1.0]])
    True
    >>> is_hermitian([[1.0, 2j], [2j, 1.0]])
    False
    """
    a = as_square(A, "A")
    return asymmetry(a) <= resolve_tol(tol) * float(np.max(np.abs(a)))


def eigh(A: ArrayLike, *, tol: float | None = None) -> tuple[FloatArray, NumArray]:
    """Eigen-decomposition of a Hermitian matrix: real eigenvalues, unitary eigenvectors.

    Parameters
    ----------
    A : array-like of shape (n, n)
        Real symmetric or complex Hermitian matrix.
    tol : float, optional
        Relative tolerance of the Hermitian check.

    Returns
    -------
    eigenvalues : ndarray of shape (n,)
        Real, ascending.
    U : ndarray of shape (n, n)
        Columns are orthonormal eigenvectors; ``U @ diag(eigenvalues) @ U.conj().T == A``.

    Raises
    ------
    NotSymmetricError
        If ``A`` is not Hermitian within tolerance.

    Examples
    --------
    >>> w, U = eigh([[2.0, 1.0], [1.0, 2.0]])
    >>> w
    array([1., 3.])
    """
    a = as_square(A, "A")
    require_hermitian(a, "A", tol)
    w, u = np.linalg.eigh((a + a.conj().T) / 2)
    return w, u


def null_space_elimination(M: ArrayLike, *, tol: float | None = None) -> NumArray:
    """Basis of the null space of ``M`` by Gaussian elimination with complete pivoting.

    The matrix is reduced to row-echelon form; pivots below ``tol · max|M| · n`` count as
    zero; each free column gives one basis vector (not yet orthonormal).

    Parameters
    ----------
    M : array-like of shape (n, n)
    tol : float, optional
        Relative pivot tolerance.

    Returns
    -------
    ndarray of shape (n, n - rank)

    Examples
    --------
    >>> null_space_elimination([[1.0, 1.0], [1.0, 1.0]]).ravel().tolist()
    [-1.0, 1.0]
    """
    m = as_array(M, "M", ndim=2).copy()
    nrows, ncols = m.shape
    limit = resolve_tol(tol) * max(float(np.max(np.abs(m))), 1e-300) * max(m.shape)
    perm = np.arange(ncols)
    rank = 0
    for rank in range(min(nrows, ncols) + 1):
        if rank == min(nrows, ncols):
            break
        block = np.abs(m[rank:, rank:])
        r, c = (int(v) for v in np.unravel_index(np.argmax(block), block.shape))
        if block[r, c] <= limit:
            break
        m[[rank, rank + r]] = m[[rank + r, rank]]
        m[:, [rank, rank + c]] = m[:, [rank + c, rank]]
        perm[[rank, rank + c]] = perm[[rank + c, rank]]
        m[rank] = m[rank] / m[rank, rank]
        others = np.arange(nrows) != rank
        m[others] -= np.outer(m[others, rank], m[rank])
    free = ncols - rank
    basis = np.zeros((ncols, free), dtype=m.dtype)
    basis[perm[rank:], np.arange(free)] = 1.0
    basis[perm[:rank], :] = -m[:rank, rank:]
    return basis


def gram_schmidt(V: ArrayLike, *, tol: float | None = None) -> NumArray:
    """Orthonormalise the columns of ``V`` by modified Gram–Schmidt, re-orthogonalised once.

    Columns that are linearly dependent on earlier ones are dropped, so the result spans the
    same space: a column whose norm after projection is at most ``tol`` times its original norm
    counts as dependent.

    Parameters
    ----------
    V : array-like of shape (n, k)
    tol : float, optional
        Relative tolerance; default ``sqrt(eps)`` (a column that loses more than half of its
        digits to the projection carries no reliable new direction).

    Returns
    -------
    ndarray of shape (n, r), r <= k
        Orthonormal columns (``Qᴴ Q = I``).

    Examples
    --------
    >>> Q = gram_schmidt([[1.0, 1.0], [0.0, 1.0]])
    >>> np.round(Q, 12)
    array([[1., 0.],
           [0., 1.]])
    """
    v = as_array(V, "V", ndim=2)
    rtol = float(np.sqrt(np.finfo(float).eps)) if tol is None else resolve_tol(tol)
    kept: list[np.ndarray] = []
    for column in v.T:
        w = column.astype(v.dtype, copy=True)
        norm0 = float(np.linalg.norm(w))
        for _ in range(2):  # "twice is enough" (Kahan–Parlett)
            for q in kept:
                w = w - np.vdot(q, w) * q
        norm = float(np.linalg.norm(w))
        if norm0 > 0 and norm > rtol * norm0:
            kept.append(w / norm)
    if not kept:
        return np.zeros((v.shape[0], 0), dtype=v.dtype)
    return np.column_stack(kept)


def eigenvectors(A: ArrayLike, eigenvalue: float, *, tol: float | None = None) -> NumArray:
    """Orthonormal eigenvectors of ``A`` for one eigenvalue, computed by hand.

    Solves ``(A − λI)x = 0`` by Gaussian elimination (:func:`null_space_elimination`) and
    orthonormalises the solutions with :func:`gram_schmidt`. For an eigenvalue of
    multiplicity ``m``, ``rank(A − λI) = n − m`` and ``m`` vectors are returned.

    Parameters
    ----------
    A : array-like of shape (n, n)
        Hermitian matrix.
    eigenvalue : float
        An eigenvalue of ``A`` (e.g. from :func:`eigh`).
    tol : float, optional
        Relative tolerance of the Hermitian check and of the elimination's pivots. Eigenvalues
        computed in floating point make ``A − λI`` singular only to rounding, so the default
        pivot tolerance is ``sqrt(eps)`` rather than the package's ``RTOL``.

    Returns
    -------
    ndarray of shape (n, m)

    Raises
    ------
    NotSymmetricError
        If ``A`` is not Hermitian.
    InvalidOptionError
        If ``eigenvalue`` is not (within tolerance) an eigenvalue of ``A``.

    Examples
    --------
    >>> A = np.array([[2.0, 0.0, 0.0], [0.0, 3.0, 1.0], [0.0, 1.0, 3.0]])
    >>> eigenvectors(A, 2.0).shape   # 2 is a double eigenvalue
    (3, 2)
    """
    a = as_square(A, "A")
    require_hermitian(a, "A", tol)
    lam = float(np.real(eigenvalue))
    pivot_tol = float(np.sqrt(np.finfo(float).eps)) if tol is None else resolve_tol(tol)
    shifted = a - lam * np.eye(a.shape[0])
    basis = null_space_elimination(shifted, tol=pivot_tol)
    if basis.shape[1] == 0:
        raise InvalidOptionError(
            f"{arg('eigenvalue')} must be an eigenvalue of 'A'; got {eigenvalue!r}, for "
            "which A − λI is non-singular. Take eigenvalues from eigh(A)."
        )
    return gram_schmidt(basis)


def eigen_expand(eigenvalues: ArrayLike, U: ArrayLike) -> NumArray:
    """Rebuild ``A = Σᵢ λᵢ uᵢ uᵢᴴ`` from eigenpairs.

    Examples
    --------
    >>> w, U = eigh([[2.0, 1.0], [1.0, 2.0]])
    >>> np.round(eigen_expand(w, U), 12)
    array([[2., 1.],
           [1., 2.]])
    """
    w = as_array(eigenvalues, "eigenvalues", ndim=1, complex_ok=False)
    u = as_array(U, "U", ndim=2)
    if u.shape != (w.size, w.size):
        raise ShapeError(
            f"{arg('U')} must be square with one column per eigenvalue ({w.size}); got "
            f"{describe(u)}."
        )
    return (u * w) @ u.conj().T


def inverse_expand(A: ArrayLike, *, tol: float | None = None) -> NumArray:
    """``A⁻¹ = Σᵢ λᵢ⁻¹ uᵢ uᵢᴴ`` for a non-singular Hermitian ``A``.

    Raises
    ------
    NotPositiveDefiniteError
        If an eigenvalue is zero within ``tol · max|λ|`` (``A`` is singular).

    Examples
    --------
    >>> np.round(inverse_expand([[2.0, 0.0], [0.0, 4.0]]), 12)
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    w, u = eigh(A, tol=tol)
    limit = resolve_tol(tol) * float(np.max(np.abs(w)))
    small = np.abs(w) <= limit
    if np.any(small):
        raise NotPositiveDefiniteError(
            f"{arg('A')} must be non-singular; got eigenvalue {w[small][0]:.3g} with "
            f"|λ| <= {limit:.3g}. A singular matrix has no inverse expansion.",
            min_eigenvalue=float(w[0]), tol=limit,
        )
    return eigen_expand(1.0 / w, u)


def quadratic_form(A: ArrayLike, x: ArrayLike, *, tol: float | None = None) -> float:
    """``xᴴAx = Σᵢ λᵢ |uᵢᴴx|²`` for a Hermitian ``A`` (always real).

    Examples
    --------
    >>> quadratic_form([[2.0, 1.0], [1.0, 2.0]], [1.0, 1.0])
    6.0
    """
    w, u = eigh(A, tol=tol)
    v = as_array(x, "x", ndim=1)
    if v.size != w.size:
        raise ShapeError(f"{arg('x')} must have length {w.size}; got {describe(v)}.")
    return float(np.sum(w * np.abs(u.conj().T @ v) ** 2))
