"""The one "factorise, or say why not": a covariance estimate is factored once, and when it is
singular the error names the columns — too few rows, constant columns, or (nearly)
collinear ones, with the condition number on the correlation scale."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray
from ..data import SufficientStats, show_labels
from ..exceptions import NotPositiveDefiniteError, SingularCovarianceError, ref
from ..linalg import RTOL, PDFactor

__all__ = ["check_nonsingular", "collinear", "enough_rows", "factor_or_explain"]


def enough_rows(n: float, p: int, labels: Any, advice: str, rows: str = "") -> None:
    """The ``n ≤ p`` guard: a covariance of ``p`` variables needs more than ``p`` rows
    (``rows`` says which rows were counted)."""
    if n <= p:
        raise SingularCovarianceError(
            f"The covariance of p = {p} variables needs more than {p} observations; got "
            f"n = {n:g}{rows}. The estimate would be singular: {advice}",
            columns=[str(c) for c in labels])


def collinear(cov: FloatArray, labels: pd.Index) -> tuple[list[Any], str]:
    """The columns in the (near) null space of ``cov``'s correlation matrix, and why."""
    d = np.sqrt(np.diag(cov))
    w, u = np.linalg.eigh(cov / np.outer(d, d))
    null = u[:, :1] if w[0] > RTOL * w[-1] else u[:, w <= RTOL * w[-1]]
    weight = np.sqrt(np.sum(null**2, axis=1))
    cols = [c for c, x in zip(labels, weight, strict=True) if x > np.sqrt(RTOL)]
    cond = w[-1] / w[0] if w[0] > 0 else float("inf")
    if w[0] <= 100 * np.finfo(float).eps * len(w) * w[-1]:
        return cols, (f"exactly collinear (a linear combination of them is constant, up to "
                      f"rounding: the condition number of their correlation matrix is "
                      f"{cond:.3g}, smallest correlation-scale eigenvalue {w[0]:.3g})")
    return cols, (f"nearly collinear: the condition number of their correlation matrix is "
                  f"{cond:.3g}, above the limit 1/tol = {1 / RTOL:.3g} beyond which a covariance "
                  "is treated as singular")


def factor_or_explain(cov: FloatArray, labels: pd.Index,
                      what: str = "The estimated covariance", name: str = "data") -> PDFactor:
    """Factor ``cov``, or raise :class:`SingularCovarianceError` naming constant or
    (nearly) collinear columns of the data (the argument ``name``)."""
    constant = [c for c, v in zip(labels, np.diag(cov), strict=True) if v <= 0]
    if constant:
        raise SingularCovarianceError(
            f"{what} is singular: columns {show_labels(constant)} of {ref(name)} are "
            "constant (zero variance). Drop them.", columns=[str(c) for c in constant])
    try:
        return PDFactor.of(cov, name="cov")
    except NotPositiveDefiniteError as exc:
        cols, why = collinear(cov, labels)
        raise SingularCovarianceError(
            f"{what} of {ref(name)} is singular: columns {show_labels(cols)} are {why}. "
            "Drop or combine one of them.", columns=[str(c) for c in cols],
            min_eigenvalue=exc.min_eigenvalue, tol=exc.tol) from exc


def check_nonsingular(stats: SufficientStats, labels: pd.Index, advice: str) -> PDFactor:
    """Factor ``stats.cov()``: enough rows, no constant column, not (nearly) collinear."""
    enough_rows(stats.n, len(labels), labels, advice)
    return factor_or_explain(stats.cov(), labels)
