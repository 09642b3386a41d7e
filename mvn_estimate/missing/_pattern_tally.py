"""Missingness patterns of a chunk of rows, with the counts behind the data checks: what a
chunk of a file or a Dask partition reduces to for EM."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._typing import FloatArray
from ..data import SufficientStats, Tally
from ._patterns import PatternSummaries, chunk_summaries, merge_summaries

__all__ = ["PatternTally"]


@dataclass(frozen=True)
class PatternTally:
    """Per-pattern summaries of some rows, with the counts behind the data checks: what a
    chunk of a file or a Dask partition reduces to for EM (additive: :meth:`merge`)."""

    patterns: PatternSummaries
    excluded: int
    tally: Tally
    nonzero: int
    weight_sum: float
    """Rows with an observed value and a non-zero weight, and those rows' total weight
    (analytic weights are scaled by ``nonzero / weight_sum``, as in memory)."""

    @classmethod
    def of(cls, x: FloatArray, w: FloatArray | None, origin: FloatArray) -> PatternTally:
        """The summaries of one chunk (NaN = missing)."""
        tally = Tally.of(x, w, drop=True, origin=origin, summarise=False)
        if not tally.clean:
            return cls({}, 0, tally, 0, 0.0)
        patterns, excluded = chunk_summaries(x, w, origin)
        seen = ~np.isnan(x).all(axis=1)
        if w is None:
            return cls(patterns, excluded, tally, int(seen.sum()), float(seen.sum()))
        return cls(patterns, excluded, tally, int(np.count_nonzero(w[seen])),
                   float(w[seen].sum()))

    def merge(self, other: PatternTally) -> PatternTally:
        """The summaries of both chunks."""
        return PatternTally(merge_summaries(self.patterns, other.patterns),
                            self.excluded + other.excluded, self.tally.merge(other.tally),
                            self.nonzero + other.nonzero, self.weight_sum + other.weight_sum)

    def scaled(self, factor: float) -> PatternSummaries:
        """The summaries with the weights multiplied by ``factor`` (analytic weights)."""
        if factor == 1.0:
            return self.patterns
        return {key: (k, SufficientStats(s.n * factor, s.mean, s.scatter * factor))
                for key, (k, s) in self.patterns.items()}
