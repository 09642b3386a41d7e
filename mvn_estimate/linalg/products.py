"""Matrix products: Hadamard, inner (vector and Frobenius), Kronecker, and trace helpers.

DIGEST §1. The Frobenius inner product is defined for any two matrices of equal shape
``m×n`` (errata: the notes restrict it to ``n×n``) and conjugates its first argument, so that
``⟨A, A⟩ = ‖A‖²_F`` is real for complex input.
"""

from __future__ import annotations

import numpy as np

from .._typing import ArrayLike, NumArray
from ..exceptions import ShapeError, TooLargeError, describe, ref
from ._checks import as_array, as_square

__all__ = ["KRON_LIMIT", "frobenius", "hadamard", "inner", "kron", "trace", "trace_product"]

KRON_LIMIT = 1 << 27
"""Largest Kronecker product built, in entries (1 GiB of float64)."""


def _same_shape(a: np.ndarray, b: np.ndarray, names: tuple[str, str]) -> None:
    if a.shape != b.shape:
        raise ShapeError(
            f"The '{names[0]}' and '{names[1]}' arguments must have equal shapes; got "
            f"{describe(a)} and {describe(b)}."
        )


def hadamard(A: ArrayLike, B: ArrayLike) -> NumArray:
    """Element-wise (Hadamard) product ``A∘B`` of two matrices of equal shape.

    Parameters
    ----------
    A, B : array-like of shape (m, n)
        Real or complex matrices of the same shape (no broadcasting).

    Returns
    -------
    ndarray of shape (m, n)
        ``(A∘B)[i, j] = A[i, j] * B[i, j]``.

    Raises
    ------
    ShapeError
        If the shapes differ or an argument is not 2-D.

    Examples
    --------
    >>> hadamard([[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]])
    array([[ 5., 12.],
           [21., 32.]])
    """
    a = as_array(A, "A", ndim=2)
    b = as_array(B, "B", ndim=2)
    _same_shape(a, b, ("A", "B"))
    return a * b


def inner(a: ArrayLike, b: ArrayLike) -> complex | float:
    """Vector inner product ``⟨a, b⟩ = aᴴb = Σ conj(aᵢ) bᵢ``.

    Parameters
    ----------
    a, b : array-like of shape (n,)
        Real or complex vectors of equal length.

    Returns
    -------
    float or complex
        A float for real input.

    Examples
    --------
    >>> inner([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    32.0
    >>> inner([1j, 1.0], [1j, 1.0])
    (2+0j)
    """
    x = as_array(a, "a", ndim=1)
    y = as_array(b, "b", ndim=1)
    _same_shape(x, y, ("a", "b"))
    value = np.vdot(x, y)
    return complex(value) if np.iscomplexobj(value) else float(value)


def frobenius(A: ArrayLike, B: ArrayLike) -> complex | float:
    """Frobenius inner product ``⟨A, B⟩ = tr(AᴴB) = Σᵢⱼ conj(aᵢⱼ) bᵢⱼ``.

    Computed as an element-wise sum (``O(mn)``), never by forming ``AᴴB``.

    Parameters
    ----------
    A, B : array-like of shape (m, n)
        Matrices of equal (not necessarily square) shape.

    Returns
    -------
    float or complex

    Examples
    --------
    >>> frobenius([[1.0, 2.0, 3.0]], [[4.0, 5.0, 6.0]])
    32.0
    """
    x = as_array(A, "A", ndim=2)
    y = as_array(B, "B", ndim=2)
    _same_shape(x, y, ("A", "B"))
    value = np.vdot(x, y)
    return complex(value) if np.iscomplexobj(value) else float(value)


def kron(A: ArrayLike, B: ArrayLike) -> NumArray:
    """Kronecker product ``A⊗B``: the ``mp×nq`` block matrix ``[aᵢⱼ B]``.

    Parameters
    ----------
    A, B : array-like of shapes (m, n) and (p, q)

    Returns
    -------
    ndarray of shape (m*p, n*q)

    Raises
    ------
    TooLargeError
        When the product would hold more than ``KRON_LIMIT`` entries (1 GiB of float64):
        refused before anything is allocated (the formulas that need ``A⊗B`` inside
        ``D_pᵀ(A⊗B)D_p`` never build it: :func:`duplication_sandwich`).

    Examples
    --------
    >>> kron([[1.0, 2.0]], [[1.0], [10.0]])
    array([[ 1.,  2.],
           [10., 20.]])
    """
    a, b = as_array(A, "A", ndim=2), as_array(B, "B", ndim=2)
    size = a.size * b.size
    if size > KRON_LIMIT:
        raise TooLargeError(
            f"The Kronecker product of {ref('A')} {a.shape} and {ref('B')} {b.shape} would have "
            f"{size:,} entries ({size * a.itemsize / 2**30:.1f} GiB), above "
            f"the limit of {KRON_LIMIT:,}. Work with the factors (for D_pᵀ(A⊗B)D_p use "
            "duplication_sandwich).")
    return np.kron(a, b)


def trace(A: ArrayLike) -> complex | float:
    """Trace ``tr(A) = Σ aᵢᵢ`` of a square matrix.

    Examples
    --------
    >>> trace([[1.0, 2.0], [3.0, 4.0]])
    5.0
    """
    a = as_square(A, "A")
    value = np.trace(a)
    return complex(value) if np.iscomplexobj(value) else float(value)


def trace_product(A: ArrayLike, B: ArrayLike) -> complex | float:
    """``tr(AB)`` in ``O(mn)`` without forming the product.

    The sum of the elementwise product of ``A`` and ``Bᵀ``: ``AB`` itself is never built.

    Parameters
    ----------
    A : array-like of shape (m, n)
    B : array-like of shape (n, m)

    Returns
    -------
    float or complex
        ``Σᵢⱼ aᵢⱼ bⱼᵢ``.

    Examples
    --------
    >>> trace_product([[1.0, 2.0]], [[3.0], [4.0]])
    11.0
    """
    a = as_array(A, "A", ndim=2)
    b = as_array(B, "B", ndim=2)
    if a.shape != b.shape[::-1]:
        raise ShapeError(
            f"tr(AB) needs 'B' of shape {a.shape[::-1]} (the transpose of A's shape); "
            f"got {describe(a)} and {describe(b)}."
        )
    value = np.sum(a * b.T)
    return complex(value) if np.iscomplexobj(value) else float(value)
