"""Input checks and the package's one tolerance rule.

The tolerance rule
------------------
Every "is this zero?" decision in the package compares an absolute quantity with
``tol * scale``, where ``tol`` is a *relative* tolerance (default :data:`RTOL`) and ``scale``
is the natural size of the matrix at hand:

* symmetry: ``max |A - Aᴴ| <= tol * max |A|``;
* eigenvalues (rank, semidefiniteness): ``|λ| <= tol * max |λ|`` counts as zero;
* Cholesky pivots: ``L[i, i]**2 <= tol * max diag(A)`` counts as a failure.

``RTOL = 1e6 * eps ≈ 2.2e-10`` is the rule scipy's ``multivariate_normal`` uses for float64
(``scipy.stats._multivariate._eigvalsh_to_eps``): loose enough to absorb the rounding of an
``O(p³)`` factorisation, tight enough that a genuinely singular covariance is never accepted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..exceptions import (
    DtypeError,
    InvalidOptionError,
    NonFiniteError,
    NotSymmetricError,
    ShapeError,
    arg,
    describe,
)

RTOL: float = 1e6 * float(np.finfo(np.float64).eps)


def resolve_tol(tol: float | None, name: str = "tol") -> float:
    """Return the relative tolerance to use: ``tol`` if given (checked), else :data:`RTOL`."""
    if tol is None:
        return RTOL
    real = isinstance(tol, int | float | np.integer | np.floating) \
        and not isinstance(tol, bool | np.bool_)
    if not real or not np.isfinite(float(tol)) or not 0 <= float(tol) < 1:
        raise InvalidOptionError(
            f"{arg(name)} must be a relative tolerance in [0, 1); got "
            f"{describe(tol)}. Leave it as None for the package default (1e6 * machine "
            "epsilon)."
        )
    return float(tol)


def as_array(value: Any, name: str, *, ndim: int | None = None, complex_ok: bool = True,
             finite: bool = True, allow_empty: bool = False) -> np.ndarray:
    """Convert ``value`` to a float64 (or complex128) ndarray and check it.

    Raises :class:`DtypeError` for non-numeric input, :class:`ShapeError` for a wrong number of
    dimensions or an empty array, and :class:`NonFiniteError` for NaN/inf when ``finite``.
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ShapeError(
            f"{arg(name)} must be a rectangular numeric array; got {describe(value)}."
        ) from exc
    if arr.dtype.kind == "c" and complex_ok:
        arr = arr.astype(np.complex128, copy=False)
    elif arr.dtype.kind in "iuf":
        arr = arr.astype(np.float64, copy=False)
    else:
        allowed = "real or complex" if complex_ok else "real"
        raise DtypeError(
            f"{arg(name)} must hold {allowed} numbers; got {describe(value)}. "
            "Convert it to a numeric array first."
        )
    if ndim is not None and arr.ndim != ndim:
        kind = {1: "a 1-D vector", 2: "a 2-D matrix"}.get(ndim, f"{ndim}-D")
        raise ShapeError(f"{arg(name)} must be {kind}; got {describe(arr)}.")
    if arr.size == 0 and not allow_empty:
        raise ShapeError(f"{arg(name)} must not be empty; got {describe(arr)}.")
    if finite and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise NonFiniteError(
            f"{arg(name)} must hold only finite values; got {bad} NaN or infinite "
            f"entries in {describe(arr)}. Remove or impute them first."
        )
    return arr


def as_square(value: Any, name: str, *, complex_ok: bool = True) -> np.ndarray:
    """Like :func:`as_array` for a non-empty, finite, square 2-D matrix."""
    arr = as_array(value, name, ndim=2, complex_ok=complex_ok)
    if arr.shape[0] != arr.shape[1]:
        raise ShapeError(f"{arg(name)} must be a square matrix; got {describe(arr)}.")
    return arr


def asymmetry(arr: np.ndarray) -> float:
    """Return ``max |A - Aᴴ|`` for a square matrix (0 for an exactly Hermitian one)."""
    return float(np.max(np.abs(arr - arr.conj().T))) if arr.size else 0.0


def require_hermitian(arr: np.ndarray, name: str, tol: float | None = None) -> None:
    """Raise :class:`NotSymmetricError` unless ``max|A-Aᴴ| <= tol * max|A|``."""
    rtol = resolve_tol(tol)
    gap = asymmetry(arr)
    limit = rtol * float(np.max(np.abs(arr)))
    if gap > limit:
        word = "Hermitian" if np.iscomplexobj(arr) else "symmetric"
        raise NotSymmetricError(
            f"{arg(name)} must be {word} within max|A - Aᴴ| <= {rtol:.3g} * max|A| "
            f"= {limit:.3g}; got max|A - Aᴴ| = {gap:.3g}. If the asymmetry is rounding, pass "
            "(A + A.conj().T) / 2."
        )
