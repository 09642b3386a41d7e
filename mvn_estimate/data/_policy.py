"""The missing-value policy of a fit: which rows it uses, what it refuses, and the one warning
it gives when it drops rows.

``"raise"`` refuses missing values (NaN), naming the columns; ``"drop"`` keeps the complete
rows and says how many it dropped (:class:`~mvn_estimate.exceptions.DroppedRowsWarning`, once
per fit); ``"em"`` keeps every row with an observed value (full-information likelihood). The
checks read a :class:`~mvn_estimate.data.Tally`, so an in-memory array, a file read in chunks
and Dask partitions are refused with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._typing import Missing
from ..exceptions import (
    DroppedRowsWarning,
    MissingValueError,
    NonFiniteError,
    arg,
    ref,
    setting,
    warn,
)
from ._tally import Tally

__all__ = ["DataPolicy"]


@dataclass(frozen=True)
class DataPolicy:
    """What a fit does with missing values (``missing``), in one place.

    Examples
    --------
    >>> DataPolicy("drop").used(np.array([[1.0, np.nan], [2.0, 3.0]])).tolist()
    [False, True]
    """

    missing: Missing

    @property
    def drop(self) -> bool:
        """Rows with a missing value are dropped."""
        return self.missing == "drop"

    @property
    def em(self) -> bool:
        """Rows are kept with their missing values (full-information likelihood)."""
        return self.missing == "em"

    def used(self, values: np.ndarray) -> np.ndarray | None:
        """The rows a fit uses: complete rows (``"drop"``), rows with an observed value
        (``"em"``), all rows (None) for ``"raise"``."""
        if self.missing == "raise":
            return None
        nan = np.isnan(values)
        return np.asarray(~nan.any(axis=1) if self.drop else ~nan.all(axis=1))

    def check(self, tally: Tally, labels: pd.Index, partial: bool = False) -> None:
        """Raise what the policy refuses in the rows counted by ``tally``; ``partial`` when
        more rows are to come (only the bad values found so far are reported)."""
        tally.check_values(labels, partial)
        if tally.nan.any() and self.missing == "raise":
            counts = {c: int(k) for c, k in zip(labels, tally.nan, strict=True) if k}
            more = ", in the rows read so far" if partial else ""
            raise MissingValueError(
                f"{arg('data')} has missing values (NaN) in columns {counts} (column: "
                f"count{more}). {FIT_ADVICE}")
        if partial:
            return
        if tally.rows == 0:
            raise MissingValueError(f"{arg('data')} has no rows to fit.")
        if self.drop and tally.dropped == tally.rows:
            raise MissingValueError(
                f"{setting('missing', 'drop')} would drop all {tally.rows} rows of "
                f"{ref('data')}: every row has a missing value. Use {setting('missing', 'em')}"
                " (full-information maximum likelihood) or fewer columns.")
        if not self.em and tally.stats.n <= 0:
            raise NonFiniteError(f"{arg('weights')} must be finite and non-negative with a "
                                 "positive total; got total 0.")

    def report(self, dropped: int, rows: int) -> None:
        """The one warning of a fit that dropped rows."""
        if dropped:
            warn(f"{setting('missing', 'drop')} dropped {dropped} of {rows} rows with missing "
                 "values.", DroppedRowsWarning)


FIT_ADVICE = (f"Pass {setting('missing', 'drop')} to drop incomplete rows, or "
              f"{setting('missing', 'em')} for full-information maximum likelihood.")
