"""vec, vech and the duplication, elimination and commutation matrices.

Conventions (Magnus & Neudecker; the same as ``statsmodels.tsa.tsatools``):

* ``vec(A)`` stacks the columns of ``A`` (column-major order);
* ``vech(A)`` stacks the columns of the lower triangle, diagonal included, so for ``p = 2``
  ``vech(A) = (a₁₁, a₂₁, a₂₂)``;
* ``D_p`` (``p²×p(p+1)/2``) satisfies ``D_p vech(A) = vec(A)`` for symmetric ``A``;
* ``L_p`` (``p(p+1)/2×p²``) satisfies ``L_p vec(A) = vech(A)`` and ``L_p D_p = I``;
* ``K_{m,n}`` (``mn×mn``) satisfies ``K_{m,n} vec(A) = vec(Aᵀ)`` for ``A`` of shape ``m×n``;
* ``D_p⁺ = (D_pᵀD_p)⁻¹D_pᵀ`` is the Moore–Penrose inverse, ``D_p⁺ vec(A) = vech((A+Aᵀ)/2)``.

Each matrix has an index form (``*_indices``) that never builds it: a selection vector of
length ``O(p²)`` that does the same job by fancy indexing. The ``*_sandwich`` functions compute
``D_pᵀ(A⊗B)D_p`` and ``D_p⁺(A⊗B)D_p⁺ᵀ`` entry by entry from ``A`` and ``B`` without forming the
``p²×p²`` Kronecker product; they are what the Fisher information uses.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .._typing import ArrayLike, FloatArray, IntArray, NumArray
from ..exceptions import InvalidOptionError, ShapeError, TooLargeError, arg, describe
from ._checks import as_array, as_square

__all__ = [
    "commutation_indices",
    "commutation_matrix",
    "duplication_indices",
    "duplication_matrix",
    "duplication_pinv",
    "duplication_pinv_sandwich",
    "duplication_sandwich",
    "duplication_sandwich_sum",
    "elimination_indices",
    "elimination_matrix",
    "unvech",
    "vec",
    "vech",
    "vech_indices",
    "vech_multiplicity",
    "vech_size",
]

DENSE_LIMIT = 200
"""Largest ``p`` for which the dense ``D_p``, ``L_p`` are built (``p⁴/2`` floats ≈ 6 GB at 400)."""


def _order(value: Any, name: str, *, limit: int | None = None) -> int:
    if isinstance(value, bool | np.bool_):
        raise InvalidOptionError(
            f"{arg(name)} must be a positive integer; got {describe(value)}.")
    try:
        p = operator.index(value)
    except TypeError as exc:
        raise InvalidOptionError(
            f"{arg(name)} must be a positive integer; got {describe(value)}."
        ) from exc
    if p < 1:
        raise InvalidOptionError(f"{arg(name)} must be a positive integer; got {p}.")
    if limit is not None and p > limit:
        raise TooLargeError(
            f"{arg(name)} is {p}, above {limit}, the largest order for which the dense "
            f"matrix is built; use the index form (the *_indices functions) instead."
        )
    return p


def vech_size(p: int) -> int:
    """Length ``p(p+1)/2`` of ``vech`` of a ``p×p`` matrix.

    Examples
    --------
    >>> vech_size(4)
    10
    """
    p = _order(p, "p")
    return p * (p + 1) // 2


def vech_indices(p: int) -> tuple[IntArray, IntArray]:
    """Row and column indices ``(i, j)``, ``i >= j``, of the entries of ``vech`` in order.

    Examples
    --------
    >>> rows, cols = vech_indices(2)
    >>> rows.tolist(), cols.tolist()
    ([0, 1, 1], [0, 0, 1])
    """
    p = _order(p, "p")
    cols, rows = np.triu_indices(p)
    return rows.astype(np.intp), cols.astype(np.intp)


def vec(A: ArrayLike) -> NumArray:
    """Stack the columns of ``A`` into one vector (column-major order).

    Examples
    --------
    >>> vec([[1.0, 2.0], [3.0, 4.0]])
    array([1., 3., 2., 4.])
    """
    return as_array(A, "A", ndim=2).ravel(order="F")


def vech(A: ArrayLike) -> NumArray:
    """Stack the columns of the lower triangle (diagonal included) of a square matrix.

    Examples
    --------
    >>> vech([[1.0, 2.0], [3.0, 4.0]])
    array([1., 3., 4.])
    """
    a = as_square(A, "A")
    rows, cols = vech_indices(a.shape[0])
    return a[rows, cols]


def unvech(v: ArrayLike) -> NumArray:
    """Rebuild the symmetric matrix whose ``vech`` is ``v``.

    Raises
    ------
    ShapeError
        If ``len(v)`` is not a triangular number ``p(p+1)/2``.

    Examples
    --------
    >>> unvech([1.0, 3.0, 4.0])
    array([[1., 3.],
           [3., 4.]])
    """
    x = as_array(v, "v", ndim=1)
    p = round((np.sqrt(8 * x.size + 1) - 1) / 2)
    if p * (p + 1) // 2 != x.size:
        raise ShapeError(
            f"{arg('v')} must have a triangular length p(p+1)/2; got {describe(x)}."
        )
    out = np.zeros((p, p), dtype=x.dtype)
    rows, cols = vech_indices(p)
    out[rows, cols] = x
    out[cols, rows] = x
    return out


def duplication_indices(p: int) -> IntArray:
    """Index form of ``D_p``: ``vec(A) = vech(A)[duplication_indices(p)]`` for symmetric ``A``.

    Examples
    --------
    >>> duplication_indices(2).tolist()
    [0, 1, 1, 2]
    """
    p = _order(p, "p")
    position = np.zeros((p, p), dtype=np.intp)
    rows, cols = vech_indices(p)
    position[rows, cols] = np.arange(rows.size)
    position[cols, rows] = np.arange(rows.size)
    return position.ravel(order="F")


def elimination_indices(p: int) -> IntArray:
    """Index form of ``L_p``: ``vech(A) = vec(A)[elimination_indices(p)]``.

    Examples
    --------
    >>> elimination_indices(2).tolist()
    [0, 1, 3]
    """
    p = _order(p, "p")
    rows, cols = vech_indices(p)
    return rows + cols * p


def commutation_indices(m: int, n: int) -> IntArray:
    """Index form of ``K_{m,n}``: ``vec(Aᵀ) = vec(A)[commutation_indices(m, n)]``, ``A`` m×n.

    Examples
    --------
    >>> commutation_indices(2, 3).tolist()
    [0, 2, 4, 1, 3, 5]
    """
    m = _order(m, "m")
    n = _order(n, "n")
    return np.arange(m * n).reshape((m, n), order="F").ravel()


def _selection(indices: IntArray, ncols: int) -> FloatArray:
    out = np.zeros((indices.size, ncols))
    out[np.arange(indices.size), indices] = 1.0
    return out


def duplication_matrix(p: int) -> FloatArray:
    """Dense duplication matrix ``D_p`` of shape ``(p², p(p+1)/2)``.

    Examples
    --------
    >>> duplication_matrix(2)
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 1., 0.],
           [0., 0., 1.]])
    """
    p = _order(p, "p", limit=DENSE_LIMIT)
    return _selection(duplication_indices(p), vech_size(p))


def elimination_matrix(p: int) -> FloatArray:
    """Dense elimination matrix ``L_p`` of shape ``(p(p+1)/2, p²)``: ``L_p vec(A) = vech(A)``.

    Examples
    --------
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> elimination_matrix(2) @ vec(A)
    array([1., 3., 4.])
    """
    p = _order(p, "p", limit=DENSE_LIMIT)
    return _selection(elimination_indices(p), p * p)


def commutation_matrix(m: int, n: int) -> FloatArray:
    """Dense commutation matrix ``K_{m,n}`` of shape ``(mn, mn)``.

    The permutation with ``K_{m,n} vec(A) = vec(Aᵀ)`` for every ``m×n`` matrix ``A``.

    Examples
    --------
    >>> K = commutation_matrix(2, 3)
    >>> A = np.arange(6.0).reshape(2, 3)
    >>> bool(np.array_equal(K @ vec(A), vec(A.T)))
    True
    """
    m = _order(m, "m", limit=DENSE_LIMIT)
    n = _order(n, "n", limit=DENSE_LIMIT)
    return _selection(commutation_indices(m, n), m * n)


def duplication_pinv(p: int) -> FloatArray:
    """Dense Moore–Penrose inverse ``D_p⁺ = (D_pᵀD_p)⁻¹D_pᵀ``, shape ``(p(p+1)/2, p²)``.

    ``D_pᵀD_p`` is diagonal (1 for diagonal entries, 2 off the diagonal), so no inversion is
    needed: ``D_p⁺`` averages the two copies of each off-diagonal entry.

    Examples
    --------
    >>> duplication_pinv(2)
    array([[1. , 0. , 0. , 0. ],
           [0. , 0.5, 0.5, 0. ],
           [0. , 0. , 0. , 1. ]])
    """
    dup = duplication_matrix(p)
    return dup.T / dup.sum(axis=0)[:, None]


def _sandwich_terms(A: ArrayLike, B: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = as_square(A, "A")
    b = as_square(B, "B")
    if a.shape != b.shape:
        raise ShapeError(
            f"The 'A' and 'B' arguments must have equal shapes; got {describe(a)} and "
            f"{describe(b)}."
        )
    i, j = vech_indices(a.shape[0])
    total = (a[np.ix_(j, j)] * b[np.ix_(i, i)] + a[np.ix_(j, i)] * b[np.ix_(i, j)]
             + a[np.ix_(i, j)] * b[np.ix_(j, i)] + a[np.ix_(i, i)] * b[np.ix_(j, j)])
    return total, _multiplicity(i, j), i


def _multiplicity(i: IntArray, j: IntArray) -> FloatArray:
    """1 for a diagonal vech position, 2 for an off-diagonal one (how often it is in vec)."""
    return np.where(i == j, 1.0, 2.0)


def vech_multiplicity(p: int) -> FloatArray:
    """How often each ``vech`` entry appears in ``vec``: 1 on the diagonal, 2 off it.

    This is the diagonal of ``D_pᵀD_p``. For a symmetric ``G`` (twice the gradient that
    treats a symmetric matrix's entries as independent), the gradient with respect to
    ``vech X`` is ``vech(G − ½ G∘I) = ½ · vech_multiplicity(p) ∘ vech(G)`` — the rule
    ``A + Aᵀ − A∘I`` in ``vech`` coordinates.

    Examples
    --------
    >>> vech_multiplicity(2)
    array([1., 2., 1.])
    """
    i, j = vech_indices(p)
    return _multiplicity(i, j)


def duplication_sandwich(A: ArrayLike, B: ArrayLike) -> NumArray:
    """``D_pᵀ(A⊗B)D_p`` for ``p×p`` matrices, without forming ``A⊗B``.

    Notes
    -----
    With ``m = 2`` for an off-diagonal and ``m = 1`` for a diagonal vech position,
    ``[D_pᵀ(A⊗B)D_p]_{(ij),(kl)} = (m_ij m_kl / 4)(a_jl b_ik + a_jk b_il + a_il b_jk + a_ik b_jl)``.
    Memory and time are ``O(p⁴/4)`` — the size of the result — instead of ``O(p⁴)`` twice over.

    Examples
    --------
    >>> A = np.array([[2.0, 0.5], [0.5, 1.0]])
    >>> D = duplication_matrix(2)
    >>> bool(np.allclose(duplication_sandwich(A, A), D.T @ np.kron(A, A) @ D))
    True
    """
    total, mult, _ = _sandwich_terms(A, B)
    return total * np.outer(mult, mult) / 4.0


def duplication_pinv_sandwich(A: ArrayLike, B: ArrayLike) -> NumArray:
    """``D_p⁺(A⊗B)D_p⁺ᵀ`` for ``p×p`` matrices, without forming ``A⊗B``.

    Notes
    -----
    ``[D_p⁺(A⊗B)D_p⁺ᵀ]_{(ij),(kl)} = (a_jl b_ik + a_jk b_il + a_il b_jk + a_ik b_jl) / 4``; for
    ``A = B = Σ`` this is ``(σ_ik σ_jl + σ_il σ_jk) / 2``, half the asymptotic covariance of
    ``√n vech(Σ̂)``.

    Examples
    --------
    >>> A = np.array([[2.0, 0.5], [0.5, 1.0]])
    >>> Dp = duplication_pinv(2)
    >>> bool(np.allclose(duplication_pinv_sandwich(A, A), Dp @ np.kron(A, A) @ Dp.T))
    True
    """
    total, _, _ = _sandwich_terms(A, B)
    return total / 4.0


def duplication_sandwich_sum(A: ArrayLike, B: ArrayLike) -> FloatArray:
    """``Σ_g D_pᵀ(A_g⊗B_g)D_p`` for stacks of ``p×p`` matrices, in one matrix product.

    Parameters
    ----------
    A, B : array-like of shape (G, p, p)

    Returns
    -------
    ndarray of shape (p(p+1)/2, p(p+1)/2)

    Notes
    -----
    The same entries as :func:`duplication_sandwich`, read off the ``p²×p²`` matrix
    ``C = Σ_g vec(A_g)vec(B_g)ᵀ`` (one GEMM over the stack) instead of looping over ``g``.
    Memory is ``p⁴`` for ``C``; used for the information of incomplete data.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.standard_normal((2, 3, 3, 3))
    >>> total = sum(duplication_sandwich(x, y) for x, y in zip(a, b))
    >>> bool(np.allclose(duplication_sandwich_sum(a, b), total))
    True
    """
    a = np.asarray(A, dtype=np.float64)
    b = np.asarray(B, dtype=np.float64)
    if a.ndim != 3 or a.shape != b.shape or a.shape[1] != a.shape[2]:
        raise ShapeError(
            f"The 'A' and 'B' arguments must be equal stacks of square matrices (G, p, p); got "
            f"{describe(a)} and {describe(b)}."
        )
    size, p = a.shape[0], a.shape[1]
    c = (a.reshape(size, p * p).T @ b.reshape(size, p * p)).reshape(p, p, p, p)
    i, j = vech_indices(p)
    ri, rj, ci, cj = i[:, None], j[:, None], i[None, :], j[None, :]
    total = c[rj, cj, ri, ci] + c[rj, ci, ri, cj] + c[ri, cj, rj, ci] + c[ri, ci, rj, cj]
    mult = _multiplicity(i, j)
    return total * np.outer(mult, mult) / 4.0
