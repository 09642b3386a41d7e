"""Covariance guards: a verdict on any matrix, the specific error, and explicit repair.

The tolerance rule is the package's one rule (:mod:`mvn_estimate.linalg._checks`): with
relative ``tol`` (default ``RTOL = 1e6·eps``), a matrix is symmetric when
``max|A − Aᵀ| <= tol · max|A|`` and an eigenvalue is zero when ``|λ| <= tol · max|λ|``. A
valid covariance is finite, square, symmetric and has every eigenvalue above that threshold;
a valid correlation matrix is also unit-diagonal (within ``tol``).

Repair happens only on request and always warns (:class:`RepairWarning`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._data import check_option
from ._typing import Definiteness, FloatArray, Kind
from .exceptions import (
    ConvergenceWarning,
    DtypeError,
    InvalidOptionError,
    NonFiniteError,
    NotPositiveDefiniteError,
    NotSymmetricError,
    RepairWarning,
    ShapeError,
    describe,
)
from .linalg._checks import asymmetry, resolve_tol

__all__ = ["CovarianceReport", "check_covariance", "clip_eigenvalues", "nearest_pd",
           "validate_covariance"]

KINDS = ("covariance", "correlation")


@dataclass(frozen=True)
class CovarianceReport:
    """Verdict on a candidate covariance or correlation matrix.

    Attributes
    ----------
    kind : str
        ``"covariance"`` or ``"correlation"``.
    shape : tuple of int
    finite, square, symmetric : bool
    asymmetry : float
        ``max|A − Aᵀ|`` (NaN when not square/finite).
    min_eigenvalue, max_eigenvalue, condition_number : float
        Of the symmetric part (NaN when not computable; inf condition when singular).
    rank : int
        Eigenvalues above ``tol · max|λ|`` in absolute value (−1 when not computable).
    definiteness : str
        As :func:`mvn_estimate.linalg.classify`, or ``"undetermined"``.
    unit_diagonal : bool
        Diagonal equals 1 within ``tol`` (meaningful for correlations).
    tol : float
        Relative tolerance used.
    problems : list of str
        Human-readable reasons; empty when :attr:`valid`.

    Examples
    --------
    >>> r = validate_covariance([[1.0, 0.5], [0.4, 1.0]])
    >>> r.valid, r.problems
    (False, ['not symmetric (max|A - A.T| = 0.1)'])
    """

    kind: str
    shape: tuple[int, ...]
    finite: bool
    square: bool
    symmetric: bool
    asymmetry: float
    min_eigenvalue: float
    max_eigenvalue: float
    condition_number: float
    rank: int
    definiteness: str
    unit_diagonal: bool
    tol: float
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when the matrix is a valid (positive definite) matrix of its kind."""
        return not self.problems

    def __str__(self) -> str:
        verdict = "valid" if self.valid else "INVALID"
        lines = [f"{self.kind} matrix of shape {self.shape}: {verdict}",
                 f"  symmetric: {self.symmetric} (max|A - A.T| = {self.asymmetry:.3g})",
                 f"  eigenvalues: [{self.min_eigenvalue:.6g}, {self.max_eigenvalue:.6g}]",
                 f"  condition number: {self.condition_number:.6g}",
                 f"  rank: {self.rank}", f"  definiteness: {self.definiteness}"]
        lines += [f"  problem: {p}" for p in self.problems]
        return "\n".join(lines)


def _as_raw(matrix: Any, name: str) -> FloatArray:
    values = matrix.to_numpy() if isinstance(matrix, pd.DataFrame) else matrix
    try:
        arr = np.asarray(values)
    except Exception as exc:
        raise ShapeError(f"The '{name}' argument must be a 2-D array; got {describe(matrix)}.") \
            from exc
    if arr.dtype.kind not in "iuf":
        raise DtypeError(f"The '{name}' argument must hold real numbers; got {describe(arr)}.")
    if arr.ndim != 2 or arr.size == 0:
        raise ShapeError(
            f"The '{name}' argument must be a non-empty 2-D matrix; got {describe(arr)}."
        )
    return arr.astype(np.float64, copy=False)


def _spectrum(a: FloatArray, rtol: float) -> tuple[float, float, float, int, Definiteness]:
    w = np.linalg.eigvalsh((a + a.T) / 2)
    top = float(np.max(np.abs(w)))
    zero = rtol * top
    rank = int(np.sum(np.abs(w) > zero))
    if w[0] > zero:
        kind: Definiteness = "positive definite"
    elif w[0] >= -zero:
        kind = "positive semidefinite" if w[-1] > zero else "negative semidefinite"
    elif w[-1] < -zero:
        kind = "negative definite"
    else:
        kind = "negative semidefinite" if w[-1] <= zero else "indefinite"
    cond = float(w[-1] / w[0]) if w[0] > zero else float("inf")
    return float(w[0]), float(w[-1]), cond, rank, kind


def validate_covariance(M: Any, *, kind: Kind = "covariance",
                        tol: float | None = None) -> CovarianceReport:
    """Inspect a candidate covariance (or correlation) matrix and report what is wrong.

    Never raises for an invalid matrix (see :func:`check_covariance` for that); raises only
    for input that is not a numeric 2-D array or for bad options.

    Parameters
    ----------
    M : array-like of shape (p, p) or DataFrame
    kind : {"covariance", "correlation"}, default "covariance"
        A correlation matrix must also have a unit diagonal.
    tol : float, optional
        Relative tolerance (package rule; default ``RTOL``).

    Returns
    -------
    CovarianceReport

    Examples
    --------
    >>> r = validate_covariance([[1.0, 2.0], [2.0, 1.0]])
    >>> r.valid, r.definiteness, r.min_eigenvalue
    (False, 'indefinite', -1.0)
    """
    check_option(kind, "kind", KINDS)
    rtol = resolve_tol(tol)
    a = _as_raw(M, "M")
    finite = bool(np.all(np.isfinite(a)))
    square = a.shape[0] == a.shape[1]
    problems: list[str] = []
    if not finite:
        problems.append(f"{int(np.sum(~np.isfinite(a)))} NaN or infinite entries")
    if not square:
        problems.append(f"not square (shape {a.shape})")
    nan = float("nan")
    if not (finite and square):
        return CovarianceReport(kind, a.shape, finite, square, False, nan, nan, nan, nan, -1,
                                "undetermined", False, rtol, problems)
    gap = asymmetry(a)
    symmetric = gap <= rtol * float(np.max(np.abs(a)))
    if not symmetric:
        problems.append(f"not symmetric (max|A - A.T| = {gap:.3g})")
    lo, hi, cond, rank, definiteness = _spectrum(a, rtol)
    if definiteness != "positive definite":
        problems.append(f"not positive definite (smallest eigenvalue {lo:.6g}, {definiteness})")
    unit = bool(np.all(np.abs(np.diag(a) - 1.0) <= rtol))
    if kind == "correlation" and not unit:
        problems.append(f"diagonal is not 1 (min {np.min(np.diag(a)):.6g}, "
                        f"max {np.max(np.diag(a)):.6g})")
    if kind == "correlation" and np.any(np.abs(a) > 1.0 + rtol):
        problems.append("entries outside [-1, 1]")
    return CovarianceReport(kind, a.shape, finite, square, symmetric, gap, lo, hi, cond, rank,
                            definiteness, unit, rtol, problems)


def check_covariance(M: Any, *, kind: Kind = "covariance", tol: float | None = None,
                     name: str = "M") -> FloatArray:
    """Raise the specific package error unless ``M`` is a valid covariance/correlation.

    Returns
    -------
    ndarray of shape (p, p)
        The matrix as float64 (unchanged) when valid.

    Raises
    ------
    NonFiniteError, ShapeError, NotSymmetricError, NotPositiveDefiniteError
        In that order of checking; the message names the argument, rule and value.

    Examples
    --------
    >>> check_covariance([[2.0, 0.5], [0.5, 1.0]]).shape
    (2, 2)
    """
    report = validate_covariance(M, kind=kind, tol=tol)
    a = _as_raw(M, name)
    if not report.finite:
        raise NonFiniteError(f"The '{name}' argument must be finite; got {report.problems[0]}.")
    if not report.square:
        raise ShapeError(f"The '{name}' argument must be square; got shape {report.shape}.")
    if not report.symmetric:
        raise NotSymmetricError(
            f"The '{name}' argument must be symmetric within {report.tol:.3g} · max|A|; got "
            f"max|A - A.T| = {report.asymmetry:.3g}. Pass (A + A.T) / 2 if it is rounding."
        )
    if report.definiteness != "positive definite":
        zero = report.tol * max(abs(report.min_eigenvalue), abs(report.max_eigenvalue))
        raise NotPositiveDefiniteError(
            f"The '{name}' argument must be positive definite; got smallest eigenvalue "
            f"{report.min_eigenvalue:.6g} (tolerance {zero:.3g}; {report.definiteness}). "
            "Repair it explicitly with nearest_pd or clip_eigenvalues if that is acceptable.",
            min_eigenvalue=report.min_eigenvalue, tol=zero,
        )
    if kind == "correlation" and not report.valid:
        raise InvalidOptionError(
            f"The '{name}' argument must be a correlation matrix; got {report.problems[0]}."
        )
    return a


def _prepare_repair(matrix: Any, name: str) -> tuple[FloatArray, Any]:
    a = _as_raw(matrix, name)
    if a.shape[0] != a.shape[1] or not np.all(np.isfinite(a)):
        raise ShapeError(
            f"The '{name}' argument must be square and finite to be repaired; got "
            f"{describe(a)} with {int(np.sum(~np.isfinite(a)))} non-finite entries."
        )
    labels = (matrix.index, matrix.columns) if isinstance(matrix, pd.DataFrame) else None
    return (a + a.T) / 2, labels


def _relabel(out: FloatArray, labels: Any) -> Any:
    return out if labels is None else pd.DataFrame(out, index=labels[0], columns=labels[1])


def _floor(a: FloatArray, rtol: float, floor: float | None) -> float:
    scale = max(float(np.max(np.abs(np.diag(a)))), float(np.finfo(float).tiny))
    return 10 * rtol * scale if floor is None else float(floor)


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
    floor : float, optional
        Smallest eigenvalue allowed; default ``10 · tol · max diag`` (just above the zero
        threshold, so the result passes :func:`check_covariance`).
    tol : float, optional
        Relative tolerance (package rule).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     out = clip_eigenvalues([[1.0, 2.0], [2.0, 1.0]], floor=0.5)
    >>> np.linalg.eigvalsh(out)
    array([0.5, 3. ])
    """
    a, labels = _prepare_repair(M, "M")
    rtol = resolve_tol(tol)
    out = project_psd(a, _floor(a, rtol, floor))
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
        Finite, square; its symmetric part ``(A + Aᵀ)/2`` is what gets repaired.
    kind : {"covariance", "correlation"}
        ``"correlation"`` constrains the diagonal to 1.
    keep_diag : bool, default False
        For a covariance, keep the original diagonal (variances) fixed.
    floor : float, optional
        Smallest eigenvalue of the result; default ``10 · RTOL · max diag``, so the result is
        positive definite by the package's own rule.
    tol : float, default 1e-12
        Stop when successive iterates change by less than ``tol`` (relative Frobenius norm).
    max_iter : int, default 10000
        Iteration limit; reaching it warns with :class:`ConvergenceWarning`.

    Returns
    -------
    ndarray or DataFrame (labels kept)

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
    check_option(kind, "kind", KINDS)
    if not isinstance(max_iter, int) or max_iter < 1:
        raise InvalidOptionError(f"The 'max_iter' argument must be a positive int; got "
                                 f"{max_iter!r}.")
    a, labels = _prepare_repair(M, "M")
    rtol = resolve_tol(None)
    constrained = kind == "correlation" or keep_diag
    target = np.ones(a.shape[0]) if kind == "correlation" else np.diag(a).copy()
    if constrained and np.any(target <= 0):
        raise NotPositiveDefiniteError(
            f"The 'M' argument's diagonal must be positive to be kept; got min "
            f"{np.min(target):.6g}. Use keep_diag=False.", min_eigenvalue=float(np.min(target)))
    fl = _floor(np.diag(target) if constrained else a, rtol, floor)
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
