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
from ..exceptions import MissingValueError, NonFiniteError
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
        Without ``summarise`` only the counts are made (EM summarises the rows itself)."""
        if np.isfinite(x.sum()):  # the common case, one pass: no NaN, no inf
            nan = inf = np.zeros((1, x.shape[1]), dtype=bool)
        else:
            nan, inf = np.isnan(x), np.isinf(x)
        bad_w = 0 if w is None else int(np.sum(~np.isfinite(w)))
        w_min = np.inf if w is None or bad_w == w.size else float(np.nanmin(w))
        if not summarise or bad_w or w_min < 0 or inf.any() or (nan.any() and not drop):
            stats, kept, wk = SufficientStats.empty(x.shape[1]), 0, None
        else:
            keep = ~nan.any(axis=1)
            xk, wk = (x, w) if keep.all() else (x[keep], None if w is None else w[keep])
            kept = xk.shape[0]
            stats = stats_of(xk, wk, origin)
        if summarise:
            nonzero = kept if wk is None else int(np.count_nonzero(wk))
        else:
            nonzero = x.shape[0] if w is None else int(np.count_nonzero(w))
        return cls(stats, x.shape[0], x.shape[0] - kept if drop else 0, nonzero,
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
                f"The 'weights' argument must be finite and non-negative with a positive "
                f"total; got min {self.weight_min:g}, {self.weight_bad} NaN or infinite{more}.")
        if self.inf.any():
            cols = [c for c, k in zip(labels, self.inf, strict=True) if k]
            raise NonFiniteError(f"The 'data' argument must not hold infinite values; got them "
                                 f"in columns {show_labels(cols)}{more}. Replace them.")

    def check(self, labels: pd.Index, drop: bool, partial: bool = False) -> None:
        """Raise what :func:`~mvn_estimate.fit` raises for the same rows; ``partial`` when
        more rows are to come (only the bad values found so far are reported)."""
        self.check_values(labels, partial)
        if self.nan.any() and not drop:
            counts = {c: int(k) for c, k in zip(labels, self.nan, strict=True) if k}
            more = ", in the rows read so far" if partial else ""
            raise MissingValueError(
                f"The 'data' argument has missing values (NaN) in columns {counts} (column: "
                f"count{more}). Pass missing='drop' to drop incomplete rows, or missing='em' "
                "for full-information maximum likelihood.")
        if partial:
            return
        if self.rows == 0:
            raise MissingValueError("The 'data' argument has no rows to fit.")
        if self.dropped == self.rows:
            raise MissingValueError(
                f"missing='drop' would drop all {self.rows} rows of 'data': every row has a "
                "missing value. Use missing='em' (full-information maximum likelihood) or "
                "fewer columns.")
        if self.stats.n <= 0:
            raise NonFiniteError("The 'weights' argument must be finite and non-negative with "
                                 "a positive total; got total 0.")
