"""Matrix calculus: the symmetric-gradient rule and finite-difference derivatives.

DIGEST §2 uses the denominator layout: the gradient of a scalar has the shape of the variable.
If ``A`` is the gradient of ``f`` computed as if the entries of a symmetric ``X`` were
independent, the gradient with respect to the *distinct* entries, written as a symmetric
matrix, is ``A + Aᵀ − A∘I`` (:func:`sym_gradient`): each off-diagonal ``x_ij = x_ji`` moves two
entries at once, the diagonal only one.

The finite-difference functions use the fourth-order central stencil
``f'(x) ≈ [−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)] / 12h`` with ``h = eps^{1/5}·max(1, |x|)``
(truncation ``O(h⁴)``, rounding ``O(eps/h)``: about 1e-11 relative for smooth functions).
They exist to check analytic derivatives in tests and are offered to users for the same purpose.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._typing import ArrayLike, FloatArray
from ..exceptions import InvalidOptionError, arg, describe
from ._checks import as_array, as_square

__all__ = [
    "num_gradient",
    "num_gradient_sym",
    "num_hessian",
    "num_hessian_sym",
    "num_jacobian",
    "sym_gradient",
]

_STEP = float(np.finfo(float).eps) ** 0.2
_WEIGHTS = ((2.0, -1.0), (1.0, 8.0), (-1.0, -8.0), (-2.0, 1.0))


def sym_gradient(A: ArrayLike) -> FloatArray:
    """Gradient w.r.t. a symmetric matrix from the unconstrained one: ``A + Aᵀ − A∘I``.

    Parameters
    ----------
    A : array-like of shape (p, p)
        Gradient of ``f(X)`` treating all ``p²`` entries of ``X`` as independent.

    Returns
    -------
    ndarray of shape (p, p)
        Symmetric; entry ``(i, j)`` is ``∂f/∂x_ij`` where ``x_ij = x_ji`` is one variable.

    Examples
    --------
    >>> sym_gradient([[1.0, 2.0], [3.0, 4.0]])
    array([[1., 5.],
           [5., 4.]])
    """
    a = as_square(A, "A", complex_ok=False)
    return a + a.T - np.diag(np.diag(a))


def _check_callable(f: object) -> None:
    if not callable(f):
        raise InvalidOptionError(f"{arg('f')} must be callable; got {describe(f)}.")


def _derivative(g: Callable[[float], float | np.ndarray], x0: float) -> np.ndarray | float:
    h = _STEP * max(1.0, abs(x0))
    total = sum(w * np.asarray(g(x0 + k * h), dtype=float) for k, w in _WEIGHTS)
    return total / (12.0 * h)


def num_jacobian(f: Callable[[np.ndarray], ArrayLike], x: ArrayLike) -> FloatArray:
    """Finite-difference Jacobian ``∂f/∂xᵀ`` of a vector function (shape ``(m, n)``).

    Parameters
    ----------
    f : callable
        Maps an array shaped like ``x`` to an array of ``m`` values (any shape; raveled).
    x : array-like
        Point of evaluation; the Jacobian is taken w.r.t. ``x.ravel()``.

    Returns
    -------
    ndarray of shape (m, x.size)

    Examples
    --------
    >>> J = num_jacobian(lambda v: np.array([v[0] * v[1], v[0] ** 2]), [2.0, 3.0])
    >>> np.round(J, 8)
    array([[3., 2.],
           [4., 0.]])
    """
    _check_callable(f)
    x0 = as_array(x, "x", complex_ok=False).astype(float)
    flat = x0.ravel()
    columns = []
    for k in range(flat.size):
        def g(t: float, k: int = k) -> np.ndarray:
            y = flat.copy()
            y[k] = t
            return np.ravel(np.asarray(f(y.reshape(x0.shape)), dtype=float))
        columns.append(np.atleast_1d(_derivative(g, flat[k])))
    return np.column_stack(columns)


def num_gradient(f: Callable[[np.ndarray], float], x: ArrayLike) -> FloatArray:
    """Finite-difference gradient of a scalar function, shaped like ``x`` (vector or matrix).

    For a matrix variable every entry is perturbed on its own (the unconstrained gradient).

    Examples
    --------
    >>> np.round(num_gradient(lambda v: float(v @ v), [1.0, 2.0]), 8)
    array([2., 4.])
    """
    _check_callable(f)
    x0 = as_array(x, "x", complex_ok=False)
    return num_jacobian(lambda y: np.atleast_1d(f(y)), x0).reshape(x0.shape)


def num_gradient_sym(f: Callable[[np.ndarray], float], X: ArrayLike) -> FloatArray:
    """Finite-difference gradient w.r.t. the distinct entries of a symmetric matrix.

    Entry ``(i, j)`` perturbs ``x_ij`` and ``x_ji`` together, so the result is the symmetric
    gradient that :func:`sym_gradient` derives analytically.

    Examples
    --------
    >>> X = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> np.round(num_gradient_sym(lambda m: float(np.sum(m)), X), 8)
    array([[1., 2.],
           [2., 1.]])
    """
    _check_callable(f)
    x0 = as_square(X, "X", complex_ok=False)
    p = x0.shape[0]
    out = np.empty((p, p))
    for i in range(p):
        for j in range(i + 1):
            def g(t: float, i: int = i, j: int = j) -> float:
                y = x0.copy()
                y[i, j] = y[j, i] = t
                return float(f(y))
            out[i, j] = out[j, i] = float(_derivative(g, x0[i, j]))
    return out


def num_hessian(f: Callable[[np.ndarray], float], x: ArrayLike) -> FloatArray:
    """Finite-difference Hessian ``∂²f/∂x∂xᵀ`` of a scalar function of a vector or matrix.

    For a matrix variable the Hessian is over ``x.ravel()`` (row-major order), every entry
    perturbed on its own. Computed as the finite-difference Jacobian of a finite-difference
    gradient, then symmetrised.

    Examples
    --------
    >>> H = num_hessian(lambda v: float(v[0] ** 2 * v[1]), [1.0, 2.0])
    >>> np.round(H, 5)
    array([[4., 2.],
           [2., 0.]])
    >>> np.round(num_hessian(lambda m: float(np.sum(m**2)), np.eye(2)), 5).diagonal()
    array([2., 2., 2., 2.])
    """
    _check_callable(f)
    x0 = as_array(x, "x", complex_ok=False)
    hess = num_jacobian(lambda y: num_gradient(f, y).ravel(), x0)
    return (hess + hess.T) / 2


def num_hessian_sym(f: Callable[[np.ndarray], float], X: ArrayLike) -> FloatArray:
    """Finite-difference Hessian over the distinct entries ``vech(X)`` of a symmetric matrix.

    Each variable ``x_ij = x_ji`` moves both entries, as in :func:`num_gradient_sym`.

    Returns
    -------
    ndarray of shape (p(p+1)/2, p(p+1)/2)
        In ``vech`` order (columns of the lower triangle).

    Examples
    --------
    >>> H = num_hessian_sym(lambda m: float(np.sum(m**2)), np.eye(2))
    >>> np.round(np.diag(H), 5)   # x_21 appears twice in the sum
    array([2., 4., 2.])
    """
    _check_callable(f)
    x0 = as_square(X, "X", complex_ok=False)
    p = x0.shape[0]
    cols, rows = np.triu_indices(p)

    def g(v: np.ndarray) -> float:
        m = np.zeros((p, p))
        m[rows, cols] = v
        m[cols, rows] = v
        return float(f(m))

    return num_hessian(g, x0[rows, cols])
