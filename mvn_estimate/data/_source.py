"""Sources: the rows a fit reads, whatever holds them.

An in-memory array or DataFrame, a file read in chunks and a Dask collection are all a
:class:`Source`: column labels plus :class:`~mvn_estimate.data.Rows` that can be read any
number of times. One pipeline fits every source; a source in memory also carries its checked
:class:`~mvn_estimate.data.Dataset`, which the fast paths use (the threaded statistics, the
missingness patterns with their rare rows kept) and the result keeps for outliers and plots.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray
from ..exceptions import API, Terms
from ._dataset import Dataset, as_dataset, is_label
from ._rows import Chunked, Rows
from ._weights import resolve_weights

__all__ = ["Source", "dataset_source", "memory_source"]


@dataclass(frozen=True, eq=False)
class Source:
    """Rows to fit and their column labels (see the module notes).

    Attributes
    ----------
    labels : Index
        The columns, as the caller labelled them.
    rows : Rows
        Chunks ``(x, w)``: the columns as float64 (NaN = missing) and the raw weights.
    dataset : Dataset or None
        The checked in-memory data; None for files and Dask.
    weights : ndarray or None
        The checked in-memory weights (raw: not yet normalised).
    weighted : bool
        Whether the rows carry weights.
    terms : Terms
        How messages name the data (the API's terms, or the file's name).
    load : str
        How to bring the rows into memory, for what only in-memory data allow.
    kind : str
        What holds the rows, in words (for messages).
    """

    labels: pd.Index
    rows: Rows
    dataset: Dataset | None = None
    weights: FloatArray | None = None
    weighted: bool = False
    terms: Terms = API
    load: str = ""
    kind: str = "data in memory"

    @property
    def in_memory(self) -> bool:
        """Whether the rows are held in memory (and kept by the result)."""
        return self.dataset is not None

    @property
    def nvars(self) -> int:
        """Number of columns."""
        return len(self.labels)

    def origin(self) -> FloatArray:
        """A point near the data: the observed means of the first rows (0 where none), about
        which statistics are formed so that a large common offset costs no accuracy."""
        x = self.rows.head()[0]
        if not x.shape[0]:
            return np.zeros(self.nvars)
        with warnings.catch_warnings(), np.errstate(invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            mean = np.nanmean(np.where(np.isfinite(x), x, np.nan), axis=0)
        return np.nan_to_num(np.asarray(mean, dtype=float))


def memory_source(data: Any, columns: Any = None, weights: Any = None) -> Source:
    """The source of an in-memory DataFrame or array, with its weights (an array, a Series
    matched by row label, or a column label), checked as :func:`~mvn_estimate.fit` documents.

    Examples
    --------
    >>> src = memory_source(np.eye(3))
    >>> list(src.labels), src.in_memory
    (['x0', 'x1', 'x2'], True)
    """
    column = weights if is_label(weights, data) else None
    ds = as_dataset(data, columns=columns, exclude=() if column is None else (column,))
    return dataset_source(ds, resolve_weights(weights, data, ds))


def dataset_source(ds: Dataset, weights: FloatArray | None = None) -> Source:
    """The source of checked in-memory data and weights."""
    return Source(ds.labels, Chunked.of(ds.values, weights), ds, weights, weights is not None)
