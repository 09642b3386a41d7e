"""Reduce: one pass over a source's rows into what an estimator needs.

:func:`reduce_complete` gives the sufficient statistics of the rows the missing-value policy
keeps (a :class:`~mvn_estimate.data.Tally` per chunk, checked and merged);
:func:`reduce_patterns` gives per-pattern summaries for EM. Both check the data the same way
for every source, give the policy's one warning, apply analytic weights, and when the
statistics are beyond float64's range read the rows again in units of powers of two
(:mod:`._scaling`). In memory the fast paths run: the threaded statistics of the whole
array, and missingness patterns that keep the rows of rare patterns.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from .._typing import FloatArray
from ..data import (
    Chunked,
    Dataset,
    Rows,
    Source,
    SufficientStats,
    Tally,
    add,
    needs_scale,
    stats_of,
)
from ..exceptions import MissingValueError, arg
from ..missing import (
    Patterns,
    PatternTally,
    build_patterns,
    chunk_meat,
    patterns_from_summaries,
    robust_meat,
    start_values,
)
from ._scaling import Units, units_of

if TYPE_CHECKING:
    from ._spec import FitSpec

__all__ = ["Complete", "Incomplete", "complete_rows", "observed_meat", "reduce_complete",
           "reduce_patterns"]


@dataclass(frozen=True, eq=False)
class Complete:
    """Statistics of the rows a fit uses, in ``units``, and those rows for further passes."""

    stats: SufficientStats
    units: Units
    rows: Rows
    kept: Dataset | None
    dropped: int


def _kept(x: FloatArray, w: FloatArray | None, fn: Any, factor: float,
          complete: bool = True) -> Any:
    if complete:
        keep = ~np.isnan(x).any(axis=1)
        if not keep.all():
            x, w = x[keep], None if w is None else w[keep]
    return fn(x, w if w is None or factor == 1.0 else w * factor)


class _Used:
    """The rows a fit uses, read again: rows with NaN dropped (``complete``) and analytic
    weights scaled, in the task that reads each chunk."""

    def __init__(self, rows: Rows, factor: float, complete: bool = True) -> None:
        self.rows, self.factor, self.complete = rows, factor, complete

    def total(self, fn: Any, merge: Any = add, check: Any = None) -> Any:
        return self.rows.total(partial(_kept, fn=fn, factor=self.factor,
                                       complete=self.complete), merge=merge, check=check)

    def head(self) -> Any:
        return self.rows.head()


def complete_rows(rows: Rows) -> Rows:
    """``rows`` without the rows that have a missing value (read again at every pass)."""
    return _Used(rows, 1.0)


def _used(source: Source, tally: Tally,
          factor: float) -> tuple[Rows, Dataset | None, FloatArray | None]:
    """The rows used, their in-memory data (a copy of the complete rows when some were
    dropped) and weights (analytic ones scaled)."""
    ds, w = source.dataset, source.weights
    if ds is None:
        return _Used(source.rows, factor), None, None
    if tally.dropped:
        keep = np.asarray(~np.isnan(ds.values).any(axis=1), dtype=bool)
        ds, w = ds.rows(keep), None if w is None else w[keep]
    if w is not None and factor != 1.0:
        w = w * factor
    return Chunked.of(ds.values, w), ds, w


def _factor(spec: FitSpec, nonzero: int, total: float) -> float:
    """Analytic weights: the factor that makes the used rows' weights sum to their number."""
    return nonzero / total if spec.weighted and spec.weights_kind == "analytic" else 1.0


def reduce_complete(source: Source, spec: FitSpec, *, common: bool,
                    rescale: bool = True) -> Complete:
    """The statistics of the complete rows (see the module notes); ``common`` rescales by one
    power of two rather than column by column, and ``rescale=False`` never rescales. Fits
    whose second pass forms fourth moments (robust standard errors, shrinkage) rescale
    when those would be out of range."""
    policy, labels = spec.policy, source.labels
    origin = source.origin()
    tally: Tally | None = source.rows.total(
        partial(Tally.of, drop=policy.drop, origin=origin),
        check=lambda t: policy.check(t, labels, partial=True))
    if tally is None:
        raise MissingValueError(f"{arg('data')} has no rows to fit.")
    policy.check(tally, labels)
    policy.report(tally.dropped, tally.rows)
    factor = _factor(spec, tally.nonzero, tally.stats.n)
    rows, kept, w = _used(source, tally, factor)
    stats = SufficientStats(tally.stats.n * factor, origin + tally.stats.mean,
                            tally.stats.scatter * factor)
    units = Units.none(source.nvars)
    if rescale and needs_scale(stats, POWER):
        units = units_of(rows, origin, common)
        if not units.identity:
            about = rows.total(partial(stats_of, origin=origin, scale=units.scale))
            stats = SufficientStats(about.n, origin / units.scale + about.mean, about.scatter)
            rows = Chunked.of(units.data(kept.values), w) if kept is not None \
                else units.rows(rows)
    return Complete(stats, units, rows, kept, tally.dropped)


@dataclass(frozen=True, eq=False)
class Incomplete:
    """Missingness patterns of the rows (in ``units``), and what the EM result reports."""

    patterns: Patterns
    units: Units
    missing_fraction: FloatArray
    values: FloatArray | None
    weights: FloatArray | None
    """In memory: the data in units and their (normalised) weights, for row-level passes."""
    rows: Rows | None = None
    """Read in chunks: the rows in units with their normalised weights, for row-level
    passes (per-row scores summed chunk by chunk)."""

    def row_source(self) -> Rows:
        """The rows in units with their normalised weights, in memory or read again."""
        if self.values is not None:
            return Chunked.of(self.values, self.weights)
        assert self.rows is not None
        return self.rows


def observed_meat(inc: Incomplete, mean: FloatArray, cov: FloatArray) -> FloatArray:
    """``B = Σᵢ wᵢsᵢsᵢᵀ`` from the per-row observed-data scores at ``(μ, Σ)`` (``mean``
    relative to the patterns' origin): from the rows in memory, or one more pass over a
    stream, chunk by chunk."""
    if inc.values is not None:
        return robust_meat(inc.patterns, inc.values, inc.weights, mean, cov)
    assert inc.rows is not None
    return inc.rows.total(partial(chunk_meat, mean=mean + inc.patterns.origin, cov=cov))


SPREAD_RATIO = 2.0**32
"""Variances further apart than this are brought together (column by column, in powers of
two) before EM: the E-step's conditional moments subtract products of the precision matrix,
and with variances 1e16 apart that cancellation loses every digit of the small ones."""


def _in_range(pat: Patterns, power: int, common: bool = True) -> bool:
    """Whether the patterns' statistics (to the ``power`` of the moments the fit forms) are
    within float64's comfortable range — and, when the units may differ column by column
    (``common=False``), whether the variances are within :data:`SPREAD_RATIO` of each
    other."""
    stats = [pat.mean, pat.scatter, pat.raw_x]
    if not all(np.all(np.isfinite(s)) for s in stats):
        return False
    with np.errstate(all="ignore"):
        _, cov = start_values(pat)
        var = np.diag(cov)
        if not common and np.all(var > 0) and var.max() > SPREAD_RATIO * var.min():
            return False
        var = var ** power
    tiny = np.finfo(float).tiny
    return bool(np.all(np.isfinite(var)) and np.all(var < 1e300) and np.all(var > 1e16 * tiny))


def _memory_patterns(source: Source, spec: FitSpec,
                     units: Units) -> tuple[Patterns, FloatArray | None, FloatArray | None]:
    ds, w = source.dataset, source.weights
    assert ds is not None
    if w is not None and spec.weights_kind == "analytic":
        used = spec.policy.used(ds.values)
        part = w[used]
        w = w if part.sum() == 0 else w * (np.count_nonzero(part) / part.sum())
    values = units.data(ds.values)
    scaled = ds if units.identity else Dataset(values, ds.labels, ds.index, ds.labelled)
    return build_patterns(scaled, w), values, w


def _streamed_patterns(source: Source, spec: FitSpec, rows: Rows,
                       origin: FloatArray) -> tuple[Patterns, PatternTally]:
    labels = source.labels
    out: PatternTally | None = rows.total(
        partial(PatternTally.of, origin=origin),
        check=lambda s: s.tally.check_values(labels, partial=True))
    if out is None or out.tally.rows == 0:
        raise MissingValueError(f"{arg('data')} has no rows to fit.")
    out.tally.check_values(labels)
    factor = _factor(spec, out.nonzero, out.weight_sum)
    return patterns_from_summaries(labels, origin, out.scaled(factor), out.excluded), out


POWER = 2
"""Every fit forms second powers of its moments — the information of ``Σ`` (``∝ Σ⁻¹⊗Σ⁻¹``,
behind classic and EM standard errors) and the fourth moments of robust errors and
shrinkage — so those squares must stay within float64's range, or the rows are read in
units of powers of two."""


def reduce_patterns(source: Source, spec: FitSpec, *, common: bool,
                    rescale: bool = True) -> Incomplete:
    """Per-pattern summaries for EM (see the module notes); rescaled when the squares of the
    moments (:data:`POWER`) leave float64's range."""
    units = Units.none(source.nvars)
    if source.dataset is not None:
        pat, values, w = _memory_patterns(source, spec, units)
        if rescale and not _in_range(pat, POWER, common):
            units = units_of(source.rows, source.origin(), common)
            pat, values, w = _memory_patterns(source, spec, units)
        frac = np.isnan(source.dataset.values).mean(axis=0)
        return Incomplete(pat, units, frac, values, w)
    origin = source.origin()
    pat, counts = _streamed_patterns(source, spec, source.rows, origin)
    if rescale and not _in_range(pat, POWER, common):
        units = units_of(source.rows, origin, common)
        pat, counts = _streamed_patterns(source, spec, units.rows(source.rows),
                                         origin / units.scale)
    rows = _Used(units.rows(source.rows), _factor(spec, counts.nonzero, counts.weight_sum),
                 complete=False)
    return Incomplete(pat, units, counts.tally.nan / counts.tally.rows, None, None, rows)
