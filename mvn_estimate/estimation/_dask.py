"""``fit`` on a Dask DataFrame, Series or array: the source of its partitions, reduced on the
active scheduler (every pass one tree reduction; :mod:`mvn_estimate.data._dask`)."""

from __future__ import annotations

from typing import Any

from ..data import Source, dask_group_rows, dask_rows, is_dask
from ..exceptions import API
from ._group_sources import GroupSources

__all__ = ["dask_groups", "dask_source", "is_dask"]

_KIND, _LOAD = "a Dask collection", "compute() them and call fit()"


def dask_source(data: Any, columns: Any, weights: Any) -> Source:
    """The source of a Dask collection.

    The numbers equal the in-memory fit's to rounding whatever the partitioning.
    """
    rows, ds = dask_rows(data, columns, weights)
    return Source(ds.labels, rows, weighted=weights is not None, kind=_KIND, load=_LOAD)


def dask_groups(data: Any, by: Any, columns: Any, weights: Any) -> GroupSources:
    """The groups of ``by`` (a column of a Dask DataFrame; its labels read in one pass)."""
    labels, rows, ds = dask_group_rows(data, by, columns, weights)
    return GroupSources.of(by, labels, rows, ds.labels, weighted=weights is not None,
                           terms=API, kind=_KIND, load=_LOAD)
