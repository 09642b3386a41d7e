"""``fit`` on a Dask DataFrame, Series or array: the source of its partitions, reduced on the
active scheduler (every pass one tree reduction; :mod:`mvn_estimate.data._dask`)."""

from __future__ import annotations

from typing import Any

from ..data import Source, dask_rows, is_dask
from ..exceptions import InvalidOptionError, arg, describe

__all__ = ["dask_source", "is_dask"]


def dask_source(data: Any, columns: Any, weights: Any, by: Any = None) -> Source:
    """The source of a Dask collection (``by=`` is refused: groups are not partitions).

    The numbers equal the in-memory fit's to rounding whatever the partitioning.
    """
    if by is not None:
        raise InvalidOptionError(
            f"{arg('by')} is not available for a Dask collection; got "
            f"{describe(by)}. Fit each group's rows separately (frame[frame[col] == g]), or "
            "compute() data that fit in memory.")
    rows, ds = dask_rows(data, columns, weights)
    return Source(ds.labels, rows, weighted=weights is not None, kind="a Dask collection",
                  load="compute() them and call fit()")
