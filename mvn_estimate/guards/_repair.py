"""Explicit repair of covariance and correlation matrices: eigenvalue clipping and the nearest
positive definite matrix. Repair happens only on request and always warns
(:class:`~mvn_estimate.exceptions.RepairWarning`), except when the matrix is already valid:
then it is returned unchanged, without a warning.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray, Kind
from .._validate import check_bool, check_choice, check_int, check_real
from ..exceptions import (
    ConvergenceWarning,
    NonFiniteError,
    NotPositiveDefiniteError,
    RepairWarning,
    ShapeError,
    describe,
)
from ..linalg._checks import RTOL
from ._validate import as_raw, validate_covariance

__all__ = ["clip_eigenvalues", "nearest_pd", "project_psd"]


def _prepare_repair(matrix: Any, name: str) -> tuple[FloatArray, FloatArray,
                                                      pd.Index | None]:
    a, labels = as_raw(matrix, name)
    if a.shape[0] != a.shape[1]:
        raise ShapeError(f"The '{name}' argument must be square to be repaired; got "
                         f"{describe(a)}.")
    if not np.all(np.isfinite(a)):
        raise NonFiniteError(
            f"The '{name}' argument must be finite to be repaired; got "
            f"{int(np.sum(~np.isfinite(a)))} NaN or infinite entries. A repair cannot invent "
            "missing entries: fill them first.")
    return a, (a + a.T) / 2, labels


def _relabel(out: FloatArray, labels: pd.Index | None) -> Any:
    return out if labels is None else pd.DataFrame(out, index=labels, columns=labels)


def _floor(a: FloatArray, floor: Any, kind: str) -> float:
    scale = max(float(np.max(np.abs(np.diag(a)))), float(np.finfo(float).tiny))
    if floor is None:
        return 10 * RTOL * scale
    top = 1.0 if kind == "correlation" else None
    return check_real(floor, "floor", low=0.0, high=top,
                      hint=" It is the smallest eigenvalue allowed in the result: positive, "
                           "and below 1 for a correlation matrix.")


def _unchanged(a: FloatArray, floor: float, kind: str) -> bool:
    """Already valid and with every eigenvalue at or above ``floor``: nothing to repair."""
    report = validate_covariance(a, kind=kind)  # type: ignore[arg-type]
    return report.valid and report.min_eigenvalue >= floor


def project_psd(a: FloatArray, floor: float) -> FloatArray:
    """Nearest symmetric matrix with eigenvalues ``>= floor`` (clean symmetric input; no
    warning — the public repairs warn, internal starting values do not)."""
    w, u = np.linalg.eigh(a)
    out = (u * np.maximum(w, floor)) @ u.T
    return (out + out.T) / 2


def clip_eigenvalues(M: Any, *, floor: float | None = None,
                     tol: float | None = None) -> Any:
    """Replace eigenvalues below ``floor`` by ``floor`` (of the symmetric part). Warns.

    This is the nearest matrix in the Frobenius norm whose eigenvalues are all ``>= floor``
    (Higham, 1988), without any diagonal constraint.

    Parameters
    ----------
    M : array-like of shape (p, p) or DataFrame
        A DataFrame's rows are aligned to its columns first; the result keeps its labels.
    floor : float, optional
        Smallest eigenvalue allowed, positive; default ``10 · RTOL · max diag`` (just above
        the zero threshold, so the result passes :func:`check_covariance`).
    tol : float, optional
        Accepted for compatibility; the zero threshold is the package rule.

    Returns
    -------
    ndarray or DataFrame
        ``M`` itself, unchanged and without a warning, when it is already a valid covariance
        whose eigenvalues are all at least ``floor``.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     out = clip_eigenvalues([[1.0, 2.0], [2.0, 1.0]], floor=0.5)
    >>> np.linalg.eigvalsh(out)
    array([0.5, 3. ])
    """
    raw, a, labels = _prepare_repair(M, "M")
    if tol is not None:
        check_real(tol, "tol", low=0.0, high=1.0)
    fl = _floor(a, floor, "covariance")
    if _unchanged(raw, fl, "covariance"):
        return _relabel(raw.copy(), labels)
    out = project_psd(a, fl)
    warnings.warn(
        f"clip_eigenvalues changed the matrix by {np.linalg.norm(out - a):.3g} in the "
        "Frobenius norm.", RepairWarning, stacklevel=2)
    return _relabel(out, labels)


def _dykstra(a: FloatArray, target_diag: FloatArray, floor: float, tol: float,
             max_iter: int) -> tuple[FloatArray, int, bool]:
    """Higham (2002) alternating projections with Dykstra's correction on the PSD step."""
    y = a.copy()
    correction = np.zeros_like(a)
    idx = np.diag_indices_from(a)
    for it in range(1, max_iter + 1):
        r = y - correction
        x = project_psd(r, floor)
        correction = x - r
        y_new = x.copy()
        y_new[idx] = target_diag
        change = float(np.linalg.norm(y_new - y)) / max(float(np.linalg.norm(y)), 1.0)
        y = y_new
        if change <= tol and np.linalg.eigvalsh(y)[0] >= floor * (1 - 1e-6):
            return y, it, True
    return y, max_iter, False


def nearest_pd(M: Any, *, kind: Kind = "covariance", keep_diag: bool = False,
               floor: float | None = None, tol: float = 1e-12,
               max_iter: int = 10_000) -> Any:
    """Nearest positive definite covariance or correlation matrix in the Frobenius norm. Warns.

    Parameters
    ----------
    M : array-like of shape (p, p) or DataFrame
        Finite, square; its symmetric part ``(A + Aᵀ)/2`` is what gets repaired. A
        DataFrame's rows are aligned to its columns first; the result keeps its labels.
    kind : {"covariance", "correlation"}
        ``"correlation"`` constrains the diagonal to 1.
    keep_diag : bool, default False
        For a covariance, keep the original diagonal (variances) fixed.
    floor : float, optional
        Smallest eigenvalue of the result, positive (below 1 for a correlation); default
        ``10 · RTOL · max diag``, so the result is positive definite by the package's rule.
    tol : float, default 1e-12
        Stop when successive iterates change by less than ``tol`` (relative Frobenius norm).
    max_iter : int, default 10000
        Iteration limit; reaching it warns with :class:`ConvergenceWarning`.

    Returns
    -------
    ndarray or DataFrame (labels kept)
        ``M`` itself, unchanged and without a warning, when it is already valid for ``kind``
        with every eigenvalue at least ``floor``.

    Notes
    -----
    Without a diagonal constraint the answer is the eigenvalue clipping of the symmetric part
    (Higham, 1988). With one (correlations, ``keep_diag``) it is Higham's (2002) alternating
    projections between ``{X : λ_min(X) >= floor}`` and ``{X : diag X = d}`` with Dykstra's
    correction, which converges to the nearest matrix of the intersection. On Higham's example
    ``[[1,1,0],[1,1,1],[0,1,1]]`` it reaches the nearest correlation matrix (verified by the
    KKT conditions in the tests); it agrees with statsmodels' ``corr_nearest``/``cov_nearest``
    where those converge.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     x = nearest_pd([[1, 1, 0], [1, 1, 1], [0, 1, 1]], kind="correlation")
    >>> np.round(x, 4)
    array([[1.    , 0.7607, 0.1573],
           [0.7607, 1.    , 0.7607],
           [0.1573, 0.7607, 1.    ]])
    """
    check_choice(kind, "kind", Kind)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = check_real(tol, "tol", low=0.0, high=1.0)
    keep_diag = check_bool(keep_diag, "keep_diag")
    raw, a, labels = _prepare_repair(M, "M")
    constrained = kind == "correlation" or keep_diag
    target = np.ones(a.shape[0]) if kind == "correlation" else np.diag(a).copy()
    if constrained and np.any(target <= 0):
        raise NotPositiveDefiniteError(
            f"The 'M' argument's diagonal must be positive to be kept; got min "
            f"{np.min(target):.6g}. Use keep_diag=False.", min_eigenvalue=float(np.min(target)))
    fl = _floor(np.diag(target) if constrained else a, floor, kind)
    if _unchanged(raw, fl, kind):
        return _relabel(raw.copy(), labels)
    if constrained:
        out, iters, ok = _dykstra(a, target, fl, tol, max_iter)
        if not ok:
            warnings.warn(f"nearest_pd stopped after {iters} iterations before reaching "
                          f"tol={tol:g}; the result is approximate.", ConvergenceWarning,
                          stacklevel=2)
    else:
        out = project_psd(a, fl)
    warnings.warn(
        f"nearest_pd changed the matrix by {np.linalg.norm(out - a):.3g} in the Frobenius "
        "norm.", RepairWarning, stacklevel=2)
    return _relabel(out, labels)
