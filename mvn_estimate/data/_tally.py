"""One pass over complete-data rows: sufficient statistics plus what the checks need.

A :class:`Tally` of a chunk holds the statistics of the rows the missing-value policy keeps
and the counts behind every data check — rows read and dropped, NaN and inf per column, bad
weights — so that chunks and partitions are checked exactly as one in-memory array would be,
and the counts add up over any split of the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._typing import FloatArray
from ..exceptions import NonFiniteError, arg
from ._dataset import show_labels
from ._stats import SufficientStats, stats_of

__all__ = ["Tally"]


@dataclass(frozen=True)
class Tally:
    """Statistics of the kept rows and the counts of one or more chunks (see module notes).

    ``stats`` are relative to the ``origin`` every chunk was given (:meth:`SufficientStats.about`),
    so that chunks merge without the rounding of a large common offset.

    ``nonzero`` counts kept rows (every row without ``summarise``) with a non-zero weight (what
    analytic weights are scaled to); ``weight_min`` is the smallest weight and
    ``weight_bad`` counts the NaN or infinite ones.
    """

    stats: SufficientStats
    rows: int
    dropped: int
    nonzero: int
    nan: FloatArray
    inf: FloatArray
    weight_min: float
    weight_bad: int

    @property
    def clean(self) -> bool:
        """No infinite value and no bad weight (NaN may be missing values)."""
        return not (self.weight_bad or self.weight_min < 0 or self.inf.any())

    @classmethod
    def of(cls, x: FloatArray, w: FloatArray | None, drop: bool, origin: FloatArray,
           summarise: bool = True) -> Tally:
        """The tally of one chunk; rows with NaN are dropped when ``drop``, else counted.
        Without ``summarise`` only the counts are made (EM summarises the rows itself).

        The statistics are formed first: when they are finite the chunk holds no NaN or
        infinite value and nothing else is scanned (one pass for clean data, in memory the
        threaded one of :meth:`SufficientStats.about`).
        """
        p = x.shape[1]
        bad_w = 0 if w is None else int(np.sum(~np.isfinite(w)))
        w_min = np.inf if w is None or bad_w == w.size else float(np.nanmin(w))
        weights_ok = not bad_w and w_min >= 0
        if summarise and weights_ok:
            stats = stats_of(x, w, origin)
            if stats.finite:
                clean = np.zeros(p)
                nonzero = x.shape[0] if w is None else int(np.count_nonzero(w))
                return cls(stats, x.shape[0], 0, nonzero, clean, clean, w_min, 0)
        nan, inf = np.isnan(x), np.isinf(x)
        kept, wk = 0, None
        if not summarise or not weights_ok or inf.any() or (nan.any() and not drop):
            stats = SufficientStats.empty(p)
        else:
            keep = ~nan.any(axis=1)
            xk, wk = (x, w) if keep.all() else (x[keep], None if w is None else w[keep])
            kept = xk.shape[0]
            stats = stats_of(xk, wk, origin)  # finite data whose scatter overflows: scaled later
        if summarise:
            nonzero = kept if wk is None else int(np.count_nonzero(wk))
        else:
            nonzero = x.shape[0] if w is None else int(np.count_nonzero(w))
        return cls(stats, x.shape[0], x.shape[0] - kept if drop and summarise else 0, nonzero,
                   nan.sum(axis=0).astype(float), inf.sum(axis=0).astype(float), w_min, bad_w)

    def merge(self, other: Tally) -> Tally:
        """The tally of both chunks."""
        return Tally(self.stats.merge(other.stats), self.rows + other.rows,
                     self.dropped + other.dropped, self.nonzero + other.nonzero,
                     self.nan + other.nan, self.inf + other.inf,
                     min(self.weight_min, other.weight_min), self.weight_bad + other.weight_bad)

    def check_values(self, labels: pd.Index, partial: bool = False) -> None:
        """Raise for bad weights or infinite values; ``partial`` when more rows are to come."""
        more = " (in the rows read so far)" if partial else ""
        if self.weight_bad or self.weight_min < 0:
            raise NonFiniteError(
                f"{arg('weights')} must be finite and non-negative with a positive total; got "
                f"min {self.weight_min:g}, {self.weight_bad} NaN or infinite{more}.")
        if self.inf.any():
            cols = [c for c, k in zip(labels, self.inf, strict=True) if k]
            raise NonFiniteError(f"{arg('data')} must not hold infinite values; got them in "
                                 f"columns {show_labels(cols)}{more}. Replace them.")
