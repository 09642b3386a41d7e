"""Fits from :class:`~mvn_estimate.data.Rows`: files streamed from disk and Dask partitions.

Everything reduces to a :class:`~mvn_estimate.data.Tally` (complete data) or to per-pattern
summaries (missing data, :mod:`mvn_estimate.missing._patterns`), which add up over any split
of the rows; the result is then assembled as for in-memory data. Passes over the rows: one
(classic), two (robust: fourth moments about the final mean), and two more only when the
data's scatter is beyond float64's comfortable range (exact rescaling by powers of two).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .._typing import CovType, FloatArray, Information, Missing, WeightsKind
from ..data import Dataset, Rows, SufficientStats, Tally, add
from ..data._stats import stats_of
from ..exceptions import DroppedRowsWarning, InvalidOptionError, MissingValueError, warn
from ..inference import FromInformation
from ..missing._em import _Model, chained, em
from ..missing._patterns import (
    PatternSummaries,
    chunk_summaries,
    merge_summaries,
    patterns_from_summaries,
)
from ..model import Unstructured, resolve_structure
from ._assemble import assemble, data_digest
from ._complete import (
    needs_scale,
    powers_of_two,
    rescaled_result,
    structured_result,
    unstructured_result,
)
from ._iteration import check_iteration
from ._results import EMInfo, MVNResult

__all__ = ["fit_rows"]


def _prepare(fn: Any, factor: float, scale: FloatArray | None, x: FloatArray,
             w: FloatArray | None) -> Any:
    keep = ~np.isnan(x).any(axis=1)
    if not keep.all():
        x, w = x[keep], None if w is None else w[keep]
    if w is not None and factor != 1.0:
        w = w * factor
    return fn(x if scale is None else x / scale, w)


class _Kept:
    """The rows a complete-data fit uses: NaN rows dropped, weights scaled, units divided
    (in the task that reads each chunk, by a module-level function that pickles small)."""

    def __init__(self, rows: Rows, factor: float = 1.0, scale: FloatArray | None = None) -> None:
        self.rows, self.factor, self.scale = rows, factor, scale

    def total(self, fn: Any, merge: Any = add, check: Any = None) -> Any:
        return self.rows.total(partial(_prepare, fn, self.factor, self.scale), merge=merge,
                               check=check)

    def head(self) -> Any:
        return self.rows.head()


def _top(x: FloatArray, w: FloatArray | None, origin: FloatArray) -> FloatArray:
    if not x.shape[0]:
        return np.zeros(origin.size)
    return np.asarray(np.max(np.abs(x - origin), axis=0))


def _rescaled(kept: _Kept, origin: FloatArray) -> tuple[SufficientStats, FloatArray]:
    """Statistics in units where the data are of order one (two more passes), and the units."""
    top = kept.total(partial(_top, origin=origin), merge=np.maximum)
    scale = powers_of_two(top)
    about = kept.total(partial(stats_of, origin=origin, scale=scale))
    return SufficientStats(about.n, origin / scale + about.mean, about.scatter), scale


def fit_rows(rows: Rows, labels: pd.Index, *, missing: Missing = "raise",
             weights_kind: WeightsKind | None = None, cov_type: CovType = "classic",
             information: Information | None = None, tol: float | None = None,
             max_iter: int | None = None, structure: Any = None) -> MVNResult:
    """The fit of :func:`~mvn_estimate.fit` from rows read in chunks or partitions.

    What :func:`~mvn_estimate.fit_file` and the Dask path share; ``weights_kind`` is None
    when unweighted. The result keeps no rows.
    """
    model = resolve_structure(structure, labels)
    tol_v, iters = check_iteration(missing, tol, max_iter, model)
    meta = Dataset(np.empty((0, len(labels))), labels, None, True)
    if missing == "em":
        return _fit_em(rows, meta, cov_type, weights_kind, information or "observed", tol_v,
                       iters, model)
    drop = missing == "drop"
    origin = _origin(rows, len(labels))
    tally: Tally | None = rows.total(partial(Tally.of, drop=drop, origin=origin),
                                     check=lambda t: t.check(labels, drop, partial=True))
    if tally is None:
        raise MissingValueError("The 'data' argument has no rows to fit.")
    tally.check(labels, drop)
    stats = SufficientStats(tally.stats.n, origin + tally.stats.mean, tally.stats.scatter)
    factor = tally.nonzero / stats.n if weights_kind == "analytic" else 1.0
    if factor != 1.0:
        stats = SufficientStats(float(tally.nonzero), stats.mean, stats.scatter * factor)
    if tally.dropped:
        warn(f"missing='drop' dropped {tally.dropped} of {tally.rows} rows with "
             "missing values.", DroppedRowsWarning)
    kept = _Kept(rows, factor)
    if not isinstance(model, Unstructured):
        return structured_result(meta, stats, kept, cov_type, weights_kind, missing,
                                 tally.dropped, model, information or "expected", tol_v, iters,
                                 keep_data=False)
    if needs_scale(stats):
        scaled, scale = _rescaled(kept, origin)
        if not np.all(scale == 1.0):
            return rescaled_result(meta, scaled, scale, _Kept(rows, factor, scale), cov_type,
                                   weights_kind, missing, tally.dropped, keep_data=False)
    return unstructured_result(meta, stats, kept, cov_type, weights_kind, missing,
                               tally.dropped, keep_data=False)


@dataclass(frozen=True)
class _Summaries:
    """Per-pattern summaries of some rows, with the counts behind the data checks."""

    patterns: PatternSummaries
    excluded: int
    tally: Tally
    nonzero: int
    weight_sum: float
    """Rows with an observed value and a non-zero weight, and those rows' total weight
    (analytic weights are scaled by ``nonzero / weight_sum``, as in memory)."""

    @classmethod
    def of(cls, x: FloatArray, w: FloatArray | None, origin: FloatArray) -> _Summaries:
        tally = Tally.of(x, w, drop=True, origin=origin, summarise=False)
        if not tally.clean:
            return cls({}, 0, tally, 0, 0.0)
        patterns, excluded = chunk_summaries(x, w, origin)
        seen = ~np.isnan(x).all(axis=1)
        if w is None:
            return cls(patterns, excluded, tally, int(seen.sum()), float(seen.sum()))
        return cls(patterns, excluded, tally, int(np.count_nonzero(w[seen])),
                   float(w[seen].sum()))

    def merge(self, other: _Summaries) -> _Summaries:
        return _Summaries(merge_summaries(self.patterns, other.patterns),
                          self.excluded + other.excluded, self.tally.merge(other.tally),
                          self.nonzero + other.nonzero, self.weight_sum + other.weight_sum)


def _origin(rows: Rows, p: int) -> FloatArray:
    """A point near the data: the observed means of the first chunk (0 where none)."""
    x = rows.head()[0]
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        mean = np.nanmean(np.where(np.isfinite(x), x, np.nan), axis=0) if x.shape[0] else \
            np.zeros(p)
    return np.nan_to_num(np.asarray(mean, dtype=float))


def _fit_em(rows: Rows, meta: Dataset, cov_type: str, weights_kind: str | None,
            information: str, tol: float, max_iter: int, model: Any) -> MVNResult:
    if cov_type == "robust":
        raise InvalidOptionError(
            "Robust standard errors with missing='em' need every row's observed-data score, "
            "which a stream or partitions do not keep; use fit() on data in memory, or "
            "cov_type='classic'.")
    origin = _origin(rows, meta.nvars)
    out: _Summaries | None = rows.total(
        partial(_Summaries.of, origin=origin),
        check=lambda s: s.tally.check_values(meta.labels, partial=True))
    if out is None or out.tally.rows == 0:
        raise MissingValueError("The 'data' argument has no rows to fit.")
    out.tally.check_values(meta.labels)
    summaries = out.patterns
    if weights_kind == "analytic":
        summaries = _normalised(summaries, out.nonzero / out.weight_sum)
    pat = patterns_from_summaries(meta.labels, origin, summaries, out.excluded)
    fitted = em(pat, tol=tol, max_iter=max_iter, structure=model)
    info = chained(_Model(model, tol, max_iter), pat, fitted.mean, fitted.theta, information)[1]
    covariance = FromInformation(info, information, "the observed data")
    covariance.diag()
    frac = pd.Series(out.tally.nan / out.tally.rows, index=meta.labels, name="missing")
    counts = pat.n @ pat.masks
    digest = data_digest(meta.labels, counts, (pat.n @ (pat.mean * pat.masks)) / counts
                         + pat.origin)
    em_info = EMInfo(fitted.iterations, fitted.converged, pat.npatterns, frac, out.excluded,
                     information, fitted.newton_steps)
    return assemble(meta, fitted.mean + pat.origin, fitted.cov, pat.total, fitted.loglike,
                    covariance, missing="em", dropped=out.excluded, weights_kind=weights_kind,
                    em=em_info, structure=model, theta=fitted.theta, data_id=digest,
                    keep_data=False)


def _normalised(summaries: PatternSummaries, factor: float) -> PatternSummaries:
    """Analytic weights rescaled (as :func:`~mvn_estimate.data.normalise_weights` does)."""
    return {key: (k, SufficientStats(s.n * factor, s.mean, s.scatter * factor))
            for key, (k, s) in summaries.items()}

