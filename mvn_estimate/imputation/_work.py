"""What both imputation methods work on: the data in standardised units, the rows grouped by
their missing columns, the imputed cells, the bounds, and the draws of the missing values."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._optional import require
from .._typing import FloatArray, IntArray
from ..data import Dataset, show_labels
from ..exceptions import InfeasibleError, ref, setting
from ..missing import RowGroups, fill, fill_bounded

__all__ = ["Progress", "Work"]


@dataclass(frozen=True, eq=False)
class Work:
    """The data of an imputation model in standardised units ``z = (x − c)/s`` (``c`` the
    fitted means, ``s`` powers of two near the fitted standard deviations: exact), with
    everything the draws need.

    ``rows``/``cols`` are the imputed cells (positions in the data; ``cols`` among the
    modelled columns, the first ``p``); ``lower``/``upper`` the bounds in ``z`` units
    (``±inf`` where none, always for auxiliary variables), ``bounded`` whether any is set.
    """

    z: FloatArray
    labels: pd.Index
    p: int
    groups: RowGroups
    centre: FloatArray
    scale: FloatArray
    mean: FloatArray
    cov: FloatArray
    rows: IntArray
    cols: IntArray
    lower: FloatArray
    upper: FloatArray
    bounded: bool
    max_redraws: int
    index: pd.Index | None

    @property
    def dataset(self) -> Dataset:
        """The standardised data as a :class:`Dataset` (for EM's patterns)."""
        return Dataset(self.z, self.labels, None, False)

    def draw(self, mean: FloatArray, cov: FloatArray, rng: np.random.Generator,
             redraws: IntArray) -> FloatArray:
        """One imputation under ``(μ, Σ)`` (standardised units): the values at the imputed
        cells, in data units; values leaving their bounds are drawn again (counted in
        ``redraws``) and a row that cannot be brought inside raises
        :class:`InfeasibleError`."""
        if not self.bounded:
            z = fill(self.z, mean, cov, self.groups, rng=rng)
        else:
            out = fill_bounded(self.z, mean, cov, self.groups, rng, self.lower, self.upper,
                               self.max_redraws)
            if out.failed.size:
                raise self._infeasible(out.failed)
            redraws += out.redraws
            z = out.values
        return self.centre[self.cols] + self.scale[self.cols] * z[self.rows, self.cols]

    def _infeasible(self, failed: IntArray) -> InfeasibleError:
        bounded = np.isfinite(self.lower) | np.isfinite(self.upper)
        missing = np.isnan(self.z[failed]) & bounded
        cols = list(self.labels[np.flatnonzero(missing.any(axis=0))])
        where = list(self.index[failed[:5]]) if self.index is not None else \
            failed[:5].tolist()
        return InfeasibleError(
            f"The {ref('bounds')} of columns {show_labels(cols)} cannot be met: after "
            f"{setting('max_redraws', self.max_redraws)} redraws, {failed.size} row(s) (such "
            f"as {where}) still draw values outside them, because the fitted normal puts "
            "almost no probability there given those rows' observed values. Nothing is "
            "clipped. Widen the bounds, model a transformed variable (the logarithm of a "
            "positive one), or raise max_redraws.")


class Progress:
    """A tqdm progress bar when shown, else nothing (see :func:`show_progress`)."""

    def __init__(self, total: int, show: bool, desc: str) -> None:
        self.bar = require("tqdm", "A progress bar").tqdm(
            total=total, desc=desc, leave=False) if show else None

    def update(self, k: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(k)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def show_progress(progress: Any) -> bool:
    """``progress`` resolved: None shows a bar when standard error is a terminal and tqdm is
    installed; True asks for one (tqdm required); False shows none."""
    if progress is None:
        return sys.stderr.isatty() and importlib.util.find_spec("tqdm") is not None
    return bool(progress)
