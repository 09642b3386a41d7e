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

from .._typing import FloatArray, Kind
from .._validate import check_choice, check_real, real_array
from ..data import align_matrix
from ..exceptions import (
    InvalidOptionError,
    NonFiniteError,
    NotPositiveDefiniteError,
    NotSymmetricError,
    ShapeError,
    arg,
    describe,
)
from ..linalg import asymmetry, resolve_tol
from ._spectrum import Spectrum

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
        Diagonal equals 1 within ``atol + rtol`` (meaningful for correlations).
    tol : float
        Relative tolerance of the eigenvalue rule.
    problems : list of str
        Human-readable reasons, each with the amount; empty when :attr:`valid`.
    diagonal_gap : float
        ``max|diag A − 1|``.
    bound_excess : float
        ``max|A_ij| − 1`` (positive when an entry lies outside [−1, 1]).
    atol, rtol : float
        The tolerances of the entrywise rules (symmetry, unit diagonal, bounds).
    spectrum : Spectrum or None
        The eigen-decomposition behind the verdict (the repairs reuse it).

    Examples
    --------
    >>> r = validate_covariance([[1.0, 0.5], [0.4, 1.0]])
    >>> r.valid, r.problems
    (False, ['not symmetric: max|A - A.T| = 0.1 > atol + rtol·max|A| = 1e-05'])
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
    diagonal_gap: float = float("nan")
    bound_excess: float = float("nan")
    atol: float = 0.0
    rtol: float = 0.0
    spectrum: Spectrum | None = field(default=None, repr=False, compare=False)

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
    arr = real_array(values, name, shape="a 2-D array")
    if arr.ndim != 2 or arr.size == 0:
        raise ShapeError(
            f"{arg(name)} must be a non-empty 2-D matrix; got {describe(arr)}."
        )
    return arr.astype(np.float64, copy=False), labels


def _square_frame(matrix: Any) -> bool:
    return isinstance(matrix, pd.DataFrame) and matrix.shape[0] == matrix.shape[1]


ATOL = 0.0
"""Default absolute tolerance of the entrywise rules."""
ENTRY_RTOL = 1e-5
"""Default relative tolerance of the entrywise rules: a matrix written to 6 significant digits
(each entry rounded by up to 5e-6 of its size, the two triangles separately) passes."""


def _entry_tols(atol: Any, rtol: Any) -> tuple[float, float]:
    a = ATOL if atol is None else check_real(atol, "atol", low=0.0, high=None, open_=False)
    r = ENTRY_RTOL if rtol is None else check_real(rtol, "rtol", low=0.0, high=1.0,
                                                    open_=False)
    return a, r


def validate_covariance(M: Any, *, kind: Kind = "covariance", tol: float | None = None,
                        atol: float | None = None, rtol: float | None = None
                        ) -> CovarianceReport:
    """Inspect a candidate covariance (or correlation) matrix and report what is wrong.

    Never raises for an invalid matrix (see :func:`check_covariance` for that); raises only
    for input that is not a numeric 2-D array or for bad options.

    Parameters
    ----------
    M : array-like of shape (p, p) or DataFrame
    kind : {"covariance", "correlation"}, default "covariance"
        A correlation matrix must also have a unit diagonal.
    tol : float, optional
        Relative tolerance of the eigenvalue rule (package rule, default ``RTOL``): an
        eigenvalue of the correlation-scaled matrix counts as zero when it is at most ``tol``
        times the largest. Never loosened by ``atol``/``rtol``, so a genuinely indefinite
        matrix is never accepted.
    atol, rtol : float, optional
        Tolerances of the entrywise rules (defaults 0 and 1e-5, which accept matrices written
        to 6 significant digits): symmetric when ``max|A − Aᵀ| <= atol + rtol·max|A|``; unit
        diagonal when ``max|diag A − 1| <= atol + rtol``; inside [−1, 1] when
        ``max|A_ij| <= 1 + atol + rtol``.

    Returns
    -------
    CovarianceReport
        Which rule failed and by how much (:attr:`problems`, :attr:`asymmetry`,
        :attr:`diagonal_gap`, :attr:`bound_excess`); the condition number is finite
        whenever the matrix is positive definite.

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
    etol = resolve_tol(tol)
    ea, er = _entry_tols(atol, rtol)
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
                                "undetermined", False, etol, problems, nan, nan, ea, er)
    gap = asymmetry(a)
    limit = ea + er * float(np.max(np.abs(a)))
    symmetric = gap <= limit
    if not symmetric:
        problems.append(f"not symmetric: max|A - A.T| = {gap:.3g} > atol + rtol·max|A| = "
                        f"{limit:.3g}")
    spectrum = Spectrum.of(a)
    rank, definiteness = spectrum.verdict(etol)
    lo, hi = float(spectrum.values[0]), float(spectrum.values[-1])
    cond = hi / lo if definiteness == "positive definite" else float("inf")
    if definiteness != "positive definite":
        problems.append(f"not positive definite: smallest eigenvalue {lo:.6g} ({definiteness};"
                        f" zero means at most {etol:.3g} times the largest on the correlation "
                        "scale)")
    diag_gap = float(np.max(np.abs(np.diag(a) - 1.0)))
    unit = diag_gap <= ea + er
    if kind == "correlation" and not unit:
        problems.append(f"diagonal is not 1: max|diag - 1| = {diag_gap:.3g} > atol + rtol = "
                        f"{ea + er:.3g} (min {np.min(np.diag(a)):.6g}, max "
                        f"{np.max(np.diag(a)):.6g})")
    excess = float(np.max(np.abs(a))) - 1.0
    if kind == "correlation" and excess > ea + er:
        problems.append(f"entries outside [-1, 1]: max|A_ij| = {1 + excess:.6g}")
    return CovarianceReport(kind, a.shape, finite, square, symmetric, gap, lo, hi, cond, rank,
                            definiteness, unit, etol, problems, diag_gap, excess, ea, er,
                            spectrum)


def check_covariance(M: Any, *, kind: Kind = "covariance", tol: float | None = None,
                     name: str = "M", atol: float | None = None,
                     rtol: float | None = None) -> FloatArray:
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
    a, _ = as_raw(M, name)  # a bad type or shape is reported under the caller's name
    report = validate_covariance(a, kind=kind, tol=tol, atol=atol, rtol=rtol)
    if not report.finite:
        raise NonFiniteError(f"{arg(name)} must be finite; got {report.problems[0]}.")
    if not report.square:
        raise ShapeError(f"{arg(name)} must be square; got shape {report.shape}.")
    if not report.symmetric:
        raise NotSymmetricError(
            f"{arg(name)} must be symmetric; got {report.problems[0]}. Pass "
            "(A + A.T) / 2 if it is rounding, or raise rtol."
        )
    if report.definiteness != "positive definite":
        zero = report.tol * max(abs(report.min_eigenvalue), abs(report.max_eigenvalue))
        raise NotPositiveDefiniteError(
            f"{arg(name)} must be positive definite; got smallest eigenvalue "
            f"{report.min_eigenvalue:.6g} ({report.definiteness}; judged on the correlation "
            f"scale, relative tolerance {report.tol:.3g}). "
            "Repair it explicitly with nearest_pd or clip_eigenvalues if that is acceptable.",
            min_eigenvalue=report.min_eigenvalue, tol=zero,
        )
    if kind == "correlation" and not report.valid:
        raise InvalidOptionError(
            f"{arg(name)} must be a correlation matrix; got {report.problems[0]}."
        )
    return a


