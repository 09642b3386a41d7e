"""Complete data: the checks of the estimated covariance, exact rescaling at the edges of
float64, and the results of the unstructured and structured models from sufficient
statistics plus a source of row chunks (for the robust standard errors)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.linalg import block_diag

from .._typing import FloatArray
from ..data import Chunked, Dataset, Rows, SufficientStats, show_labels
from ..exceptions import (
    BoundaryWarning,
    NotPositiveDefiniteError,
    NumericalRangeError,
    SingularCovarianceError,
    warn,
)
from ..inference import (
    Classic,
    Embedded,
    FromInformation,
    ParamCovariance,
    Robust,
    Sandwich,
    Scaled,
    score_meat,
)
from ..linalg import RTOL, PDFactor
from ..linalg.vech import vech_indices
from ..model import LOG_2PI, CovarianceStructure, fit_structure, structure_information
from ._assemble import assemble, data_digest
from ._results import MVNResult

__all__ = ["check_nonsingular", "complete_result", "needs_scale", "powers_of_two",
           "rescaled_result", "structured_result",
           "unstructured_result"]


def _weights_hint(n: float, weighted: str | None) -> str:
    if weighted == "frequency":
        return (f" The frequency weights sum to {n:g}: if they are relative weights rather than "
                "counts, pass weights_kind='analytic'.")
    return ""


def _collinear(cov: FloatArray, labels: pd.Index) -> tuple[list[Any], str]:
    d = np.sqrt(np.diag(cov))
    w, u = np.linalg.eigh(cov / np.outer(d, d))
    null = u[:, :1] if w[0] > RTOL * w[-1] else u[:, w <= RTOL * w[-1]]
    weight = np.sqrt(np.sum(null**2, axis=1))
    cols = [c for c, x in zip(labels, weight, strict=True) if x > np.sqrt(RTOL)]
    exact = w[0] <= 100 * np.finfo(float).eps * len(w) * w[-1]
    if exact:
        return cols, (f"exactly collinear (a linear combination of them is constant, up to "
                      f"rounding: smallest correlation-scale eigenvalue {w[0]:.3g})")
    cond = w[-1] / w[0] if w[0] > 0 else float("inf")
    return cols, (f"nearly collinear: the condition number of their correlation matrix is "
                  f"{cond:.3g}, above the limit 1/tol = {1 / RTOL:.3g} beyond which a covariance "
                  "is treated as singular")


def check_nonsingular(stats: SufficientStats, labels: pd.Index,
                      weighted: str | None = None) -> PDFactor:
    """Factor ``stats.cov()``, or raise :class:`SingularCovarianceError` saying why not."""
    p = len(labels)
    if stats.n <= p:
        raise SingularCovarianceError(
            f"The covariance of p = {p} variables needs more than {p} observations; got "
            f"n = {stats.n:g}. The estimate would be singular: use fewer columns, a structured "
            f"covariance (structure=...), or shrinkage='ledoit-wolf'."
            f"{_weights_hint(stats.n, weighted)}",
            columns=[str(c) for c in labels])
    constant = [c for c, v in zip(labels, np.diag(stats.scatter), strict=True) if v <= 0]
    if constant:
        raise SingularCovarianceError(
            f"The estimated covariance is singular: columns {show_labels(constant)} of 'data' "
            "are constant (zero variance). Drop them.", columns=[str(c) for c in constant])
    cov = stats.cov()
    try:
        return PDFactor.of(cov, name="cov")
    except NotPositiveDefiniteError as exc:
        cols, why = _collinear(cov, labels)
        raise SingularCovarianceError(
            f"The estimated covariance of 'data' is singular: columns {show_labels(cols)} are "
            f"{why}. Drop or combine one of them.", columns=[str(c) for c in cols],
            min_eigenvalue=exc.min_eigenvalue, tol=exc.tol) from exc


def _column_scale(x: FloatArray, origin: FloatArray) -> FloatArray:
    """Powers of two near each column's largest ``|x − origin|`` (exact rescaling)."""
    step = max(64, (1 << 19) // x.shape[1])
    top = np.zeros(x.shape[1])
    for start in range(0, x.shape[0], step):
        top = np.maximum(top, np.max(np.abs(x[start:start + step] - origin), axis=0))
    return powers_of_two(top)


def powers_of_two(top: FloatArray) -> FloatArray:
    """The power of two nearest each column's largest deviation ``top`` (1 where it is 0)."""
    top = np.where(top == 0, 1.0, top)
    return np.exp2(np.round(np.log2(top)))


def needs_scale(stats: SufficientStats) -> bool:
    """Finite data whose statistics over- or underflow float64 (or come close to it)."""
    if not stats.finite:
        return True
    diag = np.diag(stats.scatter)
    tiny = np.finfo(float).tiny
    return bool(np.any((diag > 0) & (diag < 1e16 * tiny)) or np.any(diag > 1e300)
                or np.any(diag == 0))


def _unscaled(mean: FloatArray, cov: FloatArray, scale: FloatArray,
              labels: pd.Index) -> tuple[FloatArray, FloatArray]:
    """Estimates in data units, or :class:`NumericalRangeError` when float64 cannot hold them."""
    with np.errstate(over="ignore", under="ignore"):
        mean, cov = mean * scale, cov * scale[:, None] * scale[None, :]
    var = np.diag(cov)
    bad = ~np.isfinite(cov).all(axis=0) | ~np.isfinite(mean)
    small = var < np.finfo(float).tiny
    if bad.any() or small.any():
        which = "overflow" if bad.any() else "underflow"
        cols = [c for c, b in zip(labels, bad | small, strict=True) if b]
        raise NumericalRangeError(
            f"The variances of columns {show_labels(cols)} of 'data' {which} float64 "
            f"(representable magnitudes: 2.2e-308 to 1.8e308 for a variance, so data spreads "
            "of about 1.5e-154 to 1.3e154). Rescale 'data' (e.g. multiply or divide those "
            "columns by a power of ten) and scale the estimates back."
        )
    return mean, cov


def _scaled_stats(ds: Dataset, w: FloatArray | None,
                  stats: SufficientStats) -> tuple[SufficientStats, FloatArray | None]:
    """Statistics in units where the data are of order one, when float64 needs them."""
    if not needs_scale(stats):
        return stats, None
    origin = ds.values[0]
    scale = _column_scale(ds.values, origin)
    if np.all(scale == 1.0):
        return stats, None
    return SufficientStats.from_array(ds.values, w, origin=origin, scale=scale), scale


def _units(scale: FloatArray, p: int) -> tuple[FloatArray, FloatArray]:
    """Per-parameter units of ``(μ, vech Σ)`` as two factors: ``(s, 1)`` and ``(s_i, s_j)``."""
    rows, cols = vech_indices(p)
    return np.concatenate([scale, scale[rows]]), np.concatenate([np.ones(p), scale[cols]])


def _chain(structure: CovarianceStructure, theta: FloatArray, p: int) -> FloatArray:
    """``T = blockdiag(I_p, J)``: from ``(μ, θ)`` to ``(μ, vech Σ)``."""
    return block_diag(np.eye(p), structure.jacobian(theta))


def _fixed(covariance: ParamCovariance, free: np.ndarray) -> ParamCovariance:
    return covariance if free.all() else Embedded(covariance, free)


def structured_result(ds: Dataset, stats: SufficientStats, rows: Rows, cov_type: str,
                      weighted: str | None, missing: str, dropped: int,
                      structure: CovarianceStructure, information: str, tol: float,
                      max_iter: int, keep_data: bool = True) -> MVNResult:
    """Structured fit from statistics; ``rows`` give the data again for robust errors."""
    n, s, p = stats.n, stats.cov(), ds.nvars
    check_nonsingular(stats, ds.labels, weighted)
    sf = fit_structure(structure, s, n, tol=tol, max_iter=max_iter)
    fac = PDFactor.of(sf.cov, name="cov")
    free = np.ones(p + sf.theta.size, dtype=bool)
    free[[p + i for i in sf.at_bounds]] = False
    info = block_diag(n * fac.inverse(),
                      structure_information(structure, sf.theta, n, s, information))
    a = info[np.ix_(free, free)]
    what = f"the {structure.name} model"
    if cov_type == "classic":
        covariance: ParamCovariance = FromInformation(a, information, what)
    else:
        t = _chain(structure, sf.theta, p)
        meat = t.T @ score_meat(rows, stats.mean, fac) @ t
        covariance = Sandwich(a, meat[np.ix_(free, free)], information, what)
    covariance = _fixed(covariance, free)
    covariance.diag()
    bounds = tuple(structure.param_names(ds.names)[i] for i in sf.at_bounds)
    if bounds:
        warn(
            f"Parameters {list(bounds)} are held at their lower bounds (for a factor model, a "
            "Heywood case: the unique variance would be negative or zero); they have no "
            "standard errors. Consider fewer factors or dropping the variable.", BoundaryWarning)
    return assemble(ds, stats.mean, sf.cov, n, sf.loglike, covariance, missing=missing,
                    dropped=dropped, weights_kind=weighted, structure=structure,
                    theta=sf.theta, at_bounds=bounds, keep_data=keep_data,
                    data_id=data_digest(ds.labels, np.array([n]), stats.mean))


def unstructured_result(ds: Dataset, stats: SufficientStats, rows: Rows, cov_type: str,
                        weighted: str | None, missing: str, dropped: int,
                        keep_data: bool = True) -> MVNResult:
    """The unstructured MLE from statistics; ``rows`` give the data again (robust only)."""
    fac = check_nonsingular(stats, ds.labels, weighted)
    p = ds.nvars
    loglike = -0.5 * stats.n * (p * LOG_2PI + fac.logdet + p)
    builders = {"classic": lambda: Classic(stats.cov(), stats.n),
                "robust": lambda: Robust(rows, stats.mean, stats.cov(), stats.n)}
    covariance: ParamCovariance = builders[cov_type]()
    covariance.diag()  # one pass now (robust), so the result does not depend on the data later
    return assemble(ds, stats.mean, stats.cov(), stats.n, float(loglike), covariance,
                    data_id=data_digest(ds.labels, np.array([stats.n]), stats.mean),
                    missing=missing, dropped=dropped, weights_kind=weighted,
                    keep_data=keep_data)


def complete_result(ds: Dataset, stats: SufficientStats, w: FloatArray | None, cov_type: str,
                    weighted: str | None, missing: str, dropped: int) -> MVNResult:
    """The unstructured fit of in-memory data, rescaled exactly when float64 needs it."""
    stats, scale = _scaled_stats(ds, w, stats)
    if scale is None:
        return unstructured_result(ds, stats, Chunked.of(ds.values, w), cov_type, weighted,
                                   missing, dropped)
    return rescaled_result(ds, stats, scale, Chunked.of(ds.values / scale, w), cov_type,
                           weighted, missing, dropped)


def rescaled_result(ds: Dataset, stats: SufficientStats, scale: FloatArray, rows: Rows,
                    cov_type: str, weighted: str | None, missing: str, dropped: int,
                    keep_data: bool = True) -> MVNResult:
    """The unstructured fit from statistics (and rows) of the data divided by
    ``scale`` (powers of two), reported in the data's units."""
    fac = check_nonsingular(stats, ds.labels, weighted)
    p = ds.nvars
    loglike = -0.5 * stats.n * (p * LOG_2PI + fac.logdet + p)
    loglike -= stats.n * float(np.sum(np.log(scale)))
    mean, cov = _unscaled(stats.mean, stats.cov(), scale, ds.labels)
    builders = {"classic": lambda: Classic(stats.cov(), stats.n),
                "robust": lambda: Robust(rows, stats.mean, stats.cov(), stats.n)}
    covariance: ParamCovariance = Scaled(builders[cov_type](), *_units(scale, p))
    covariance.diag()
    return assemble(ds, mean, cov, stats.n, float(loglike), covariance,
                    data_id=data_digest(ds.labels, np.array([stats.n]), mean),
                    missing=missing, dropped=dropped, weights_kind=weighted,
                    keep_data=keep_data)
