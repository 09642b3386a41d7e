"""Dask collections as :class:`~mvn_estimate.data.Rows`: every pass is a tree reduction.

Each pass applies the per-chunk function to every partition (on whatever scheduler is active:
threads, processes, or a ``dask.distributed`` cluster) and merges the results ``split_every``
at a time, so no machine ever holds more than a few partitions' statistics. Dask is imported
only here, and only when a Dask collection is passed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .._optional import require
from .._typing import FloatArray
from ..exceptions import (
    DtypeError,
    InvalidOptionError,
    LabelError,
    ShapeError,
    arg,
    describe,
    ref,
)
from ._dataset import Dataset, as_dataset, is_label, show_labels
from ._groups import check_by, group_labels, label_summary
from ._rows import Chunk, add
from ._weights import weights_column

__all__ = ["DaskRows", "dask_group_rows", "dask_rows", "is_dask"]

SPLIT_EVERY = 8
"""Partitions' results merged per task of the reduction tree."""


def is_dask(data: Any) -> bool:
    """Whether ``data`` is a Dask collection (without importing Dask)."""
    return hasattr(data, "__dask_graph__") and type(data).__module__.split(".")[0] == "dask"


def _frame_chunk(frame: pd.DataFrame, columns: list[Any], weights: Any,
                 keys: tuple[Any, pd.Index] | None = None) -> Chunk:
    x = frame[columns].to_numpy(dtype=np.float64, na_value=np.nan)
    if keys is not None:
        codes = keys[1].get_indexer(pd.Index(frame[keys[0]])).astype(np.float64)
        x = np.column_stack([x, codes])
    w = None if weights is None else frame[weights].to_numpy(dtype=np.float64, na_value=np.nan)
    return x, w


def _array_chunk(block: Any) -> Chunk:
    x, w = block
    return np.asarray(x, dtype=np.float64), None if w is None else \
        np.asarray(w, dtype=np.float64).ravel()


def _apply(fn: Callable[..., Any], to_chunk: Callable[[Any], Chunk], part: Any) -> Any:
    return fn(*to_chunk(part))


def _merge(merge: Callable[[Any, Any], Any], *parts: Any) -> Any:
    out = parts[0]
    for part in parts[1:]:
        out = merge(out, part)
    return out


class DaskRows:
    """:class:`~mvn_estimate.data.Rows` over the partitions of a Dask collection."""

    def __init__(self, parts: list[Any], to_chunk: Callable[[Any], Chunk],
                 split_every: int = SPLIT_EVERY) -> None:
        self.parts, self.to_chunk, self.split_every = parts, to_chunk, split_every

    def total(self, fn: Callable[[FloatArray, FloatArray | None], Any],
              merge: Callable[[Any, Any], Any] = add,
              check: Callable[[Any], None] | None = None) -> Any:
        delayed = require("dask", "Fitting a Dask collection").delayed
        tasks = [delayed(_apply)(fn, self.to_chunk, part) for part in self.parts]
        while len(tasks) > 1:
            k = self.split_every
            tasks = [delayed(_merge)(merge, *tasks[i:i + k]) for i in range(0, len(tasks), k)]
        return tasks[0].compute() if tasks else None  # the caller checks the total

    def head(self) -> Chunk:
        delayed = require("dask", "Fitting a Dask collection").delayed
        chunk: Chunk = delayed(self.to_chunk)(self.parts[0]).compute()
        return chunk


def _frame_rows(data: Any, columns: Any, weights: Any,
                keys: tuple[Any, pd.Index] | None = None) -> tuple[DaskRows, Dataset]:
    meta = data._meta  # a pandas frame with no rows and the collection's dtypes
    if weights is not None and not is_label(weights, meta):
        raise InvalidOptionError(
            f"{arg('weights')} must name a column of the Dask DataFrame; got "
            f"{describe(weights)}. Its columns are {show_labels(meta.columns, 20)}. (Arrays and "
            "Series of weights cannot be matched to partitions: add them as a column.)")
    by = None if keys is None else keys[0]
    ds = as_dataset(meta, columns=columns, min_rows=0,
                    exclude=tuple(v for v in (weights, by) if v is not None))
    if weights is not None:
        weights_column(weights, meta, ds)
    wanted = list(dict.fromkeys([*ds.labels, *([weights] if weights is not None else []),
                                 *([by] if by is not None else [])]))
    parts = list(data[wanted].to_delayed())
    return DaskRows(parts, partial(_frame_chunk, columns=list(ds.labels), weights=weights,
                                   keys=keys)), ds


def _array_rows(data: Any, weights: Any) -> tuple[DaskRows, Dataset]:
    if data.ndim != 2 or data.shape[1] == 0:
        raise ShapeError(f"{arg('data')} must be 2-D (n observations × p variables); got "
                         f"a Dask array of shape {data.shape}.")
    if data.dtype.kind not in "iuf":
        raise DtypeError(f"{arg('data')} must hold real numbers; got a Dask array of "
                         f"dtype {data.dtype}. Convert it explicitly.")
    if any(np.isnan(c) for c in data.chunks[0]):
        raise InvalidOptionError(f"The {ref('data')} Dask array has unknown chunk sizes; call "
                                 "data.compute_chunk_sizes() first.")
    x = data.rechunk({1: -1})
    blocks = list(x.to_delayed().ravel())
    if weights is None:
        wblocks: list[Any] = [None] * len(blocks)
    else:
        array = is_dask(weights) and hasattr(weights, "rechunk") \
            and getattr(weights, "ndim", 0) == 1
        if not array or weights.shape[0] != data.shape[0]:
            got = f"a Dask {type(weights).__name__}" if is_dask(weights) else describe(weights)
            raise InvalidOptionError(
                f"With a Dask array, 'weights' must be a 1-D Dask array with one weight per row "
                f"({data.shape[0]}); got {got}.")
        if weights.dtype.kind not in "iuf":
            raise DtypeError(f"{arg('weights')} must hold real numbers; got dtype "
                             f"{weights.dtype}.")
        wblocks = list(weights.rechunk((x.chunks[0],)).to_delayed().ravel())
    labels = pd.Index([f"x{i}" for i in range(data.shape[1])])
    ds = Dataset(np.empty((0, data.shape[1])), labels, None, False)
    return DaskRows([(b, w) for b, w in zip(blocks, wblocks, strict=True)], _array_chunk), ds


def dask_group_rows(data: Any, by: Any, columns: Any = None,
                    weights: Any = None) -> tuple[pd.Index, DaskRows, Dataset]:
    """The groups of ``by`` (a column of a Dask DataFrame, read once for its labels, in order
    of first appearance) and rows whose last column is each row's group code (see
    :class:`~mvn_estimate.data.GroupRows`); the dataset holds the variables only."""
    if not isinstance(getattr(data, "_meta", None), pd.DataFrame):
        raise InvalidOptionError(
            f"{arg('by')} needs a Dask DataFrame holding the group labels as a column; "
            f"{ref('data')} is a Dask {type(data).__name__}. Fit a DataFrame with the "
            "variables and the group column: frame[[*variables, group]], by=group.")
    if not is_label(by, data._meta):
        if np.ndim(by) == 0 and not hasattr(by, "__dask_graph__"):
            raise LabelError(f"{arg('by')} must name a column of the Dask DataFrame; got "
                             f"{describe(by)}. Its columns are "
                             f"{show_labels(data._meta.columns, 20)}.")
        raise InvalidOptionError(
            f"{arg('by')} must name a column of a Dask DataFrame; got {describe(by)}. Add "
            "the group labels as a column: labels outside the collection cannot be matched "
            "to its partitions.")
    check_by(by, columns, weights)
    delayed = require("dask", "Fitting a Dask collection").delayed
    summaries = [delayed(label_summary)(part) for part in data[by].to_delayed()]
    labels = group_labels(delayed(list)(summaries).compute())
    rows, ds = _frame_rows(data, columns, weights, (by, labels))
    return labels, rows, ds


def dask_rows(data: Any, columns: Any = None, weights: Any = None) -> tuple[DaskRows, Dataset]:
    """The rows of a Dask DataFrame, Series or 2-D array, and their (empty) dataset: labels
    checked on the collection's metadata as :func:`as_dataset` checks a DataFrame.

    ``weights`` is a column label (DataFrame) or a 1-D Dask array (array).
    """
    if getattr(data, "ndim", 2) == 1 and hasattr(data, "to_frame"):  # a Series
        data = data.to_frame()
    if hasattr(data, "columns"):
        return _frame_rows(data, columns, weights)
    if columns is not None:
        raise InvalidOptionError(f"{arg('columns')} selects DataFrame columns; got a Dask "
                                 f"array for {ref('data')}. Slice the array instead.")
    return _array_rows(data, weights)
