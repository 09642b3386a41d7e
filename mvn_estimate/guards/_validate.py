"""Covariance guards: a verdict on any matrix and the specific error.

The tolerance rule is the package's one rule (:mod:`mvn_estimate.linalg._checks`): with
relative ``tol`` (default ``RTOL = 1e6·eps``), a matrix is symmetric when
``max|A − Aᵀ| <= tol · max|A|``. Definiteness is judged on the correlation scale
``D^{-1/2} A D^{-1/2}`` (``D = diag A``), so a covariance of variables measured in very
different units is judged as its correlation matrix is: an eigenvalue there counts as zero
when it is at most ``tol`` times the largest. A valid covariance is finite, square,
symmetric, has a positive diagonal and is positive definite by that rule; a valid correlation
matrix is also unit-diagonal (within ``tol``) with entries in [-1, 1].

A labelled matrix (DataFrame) has its rows aligned to its columns before it is judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._typing import Definiteness, FloatArray, Kind
from .._validate import check_choice
from ..data import align_matrix
from ..exceptions import (
    DtypeError,
    InvalidOptionError,
    NonFiniteError,
    NotPositiveDefiniteError,
    NotSymmetricError,
    ShapeError,
    describe,
)
from ..linalg._checks import asymmetry, resolve_tol

__all__ = ["CovarianceReport", "as_raw", "check_covariance", "validate_covariance"]


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
        Of the symmetric part (NaN when not computable; inf condition when not positive
        definite).
    rank : int
        Eigenvalues of the correlation-scaled matrix above ``tol · max|λ|`` in absolute value
        (−1 when not computable).
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


def as_raw(matrix: Any, name: str) -> tuple[FloatArray, pd.Index | None]:
    """A numeric 2-D matrix (rows of a DataFrame aligned to its columns) and its labels."""
    values, labels = align_matrix(matrix, name) if _square_frame(matrix) else (
        matrix.to_numpy() if isinstance(matrix, pd.DataFrame) else matrix, None)
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
    return arr.astype(np.float64, copy=False), labels


def _square_frame(matrix: Any) -> bool:
    return isinstance(matrix, pd.DataFrame) and matrix.shape[0] == matrix.shape[1]


def _classify(w: FloatArray, rtol: float) -> tuple[int, Definiteness]:
    zero = rtol * float(np.max(np.abs(w)))
    rank = int(np.sum(np.abs(w) > zero))
    if w[0] > zero:
        kind: Definiteness = "positive definite"
    elif w[0] >= -zero:
        kind = "positive semidefinite" if w[-1] > zero else "negative semidefinite"
    elif w[-1] < -zero:
        kind = "negative definite"
    else:
        kind = "negative semidefinite" if w[-1] <= zero else "indefinite"
    return rank, kind


def _spectrum(a: FloatArray, rtol: float) -> tuple[float, float, float, int, Definiteness]:
    """Eigenvalues of ``a`` itself; rank and definiteness judged on the correlation scale."""
    sym = (a + a.T) / 2
    w = np.asarray(np.linalg.eigvalsh(sym), dtype=np.float64)
    diag = np.diag(sym)
    if np.all(diag > 0):
        d = 1.0 / np.sqrt(diag)
        scaled = np.asarray(np.linalg.eigvalsh(sym * d[:, None] * d[None, :]), dtype=np.float64)
        rank, kind = _classify(scaled, rtol)
    else:
        rank, kind = _classify(w, rtol)
        if kind == "positive definite":  # unreachable with a non-positive diagonal
            kind = "indefinite"
    cond = float(w[-1] / w[0]) if kind == "positive definite" else float("inf")
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

    Notes
    -----
    A DataFrame is judged with its rows aligned to its columns (a matrix whose rows are
    listed in another order than its columns is not "asymmetric"); row labels that are not
    the column labels raise :class:`~mvn_estimate.exceptions.LabelError`.

    Examples
    --------
    >>> r = validate_covariance([[1.0, 2.0], [2.0, 1.0]])
    >>> r.valid, r.definiteness, r.min_eigenvalue
    (False, 'indefinite', -1.0)
    """
    check_choice(kind, "kind", Kind)
    rtol = resolve_tol(tol)
    a, _ = as_raw(M, "M")
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
    a, _ = as_raw(M, name)
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


