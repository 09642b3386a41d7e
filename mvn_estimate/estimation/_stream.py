"""Fits of files streamed from disk: CSV (pandas' chunked reader) and Parquet (record
batches), in memory flat in the file's length (``O(chunk · p + p²)``)."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import Any, overload

import pandas as pd

from .._optional import require
from .._typing import CovType, Information, Missing, WeightsKind
from .._validate import check_bool, check_int
from ..data import (
    Chunk,
    Keys,
    Rows,
    Source,
    Table,
    add,
    as_dataset,
    check_by,
    group_labels,
    is_label,
    label_summary,
    open_table,
    show_labels,
    weights_column,
)
from ..exceptions import (
    FileFormatError,
    FileTerms,
    LabelError,
    MVNEstimateError,
    arg,
    describe,
)
from ._group_sources import GroupSources
from ._grouped import GroupedResult, fit_group_sources
from ._incomplete import joint_columns
from ._pipeline import fit_rows
from ._results import MVNResult
from ._spec import FitSpec

__all__ = ["fit_file", "table_source"]


def _columns(table: Table, columns: Any, weights: Any, exclude: Any = None) -> list[Any]:
    """The columns to fit, checked as :func:`~mvn_estimate.fit` checks a DataFrame's."""
    frame = table.prototype
    if weights is not None and not is_label(weights, frame):
        got = repr(weights) if isinstance(weights, str) else describe(weights)
        raise LabelError(f"{arg('weights')} must name a column of '{table.name}'; got "
                         f"{got}. Its columns are {show_labels(frame.columns, 20)}.")
    ds = as_dataset(frame, columns=columns, min_rows=0,
                    exclude=tuple(v for v in (weights, exclude) if v is not None))
    if weights is not None:
        weights_column(weights, frame, ds)
    return list(ds.labels)


class _Progress:
    """:class:`~mvn_estimate.data.Rows` of a table with a progress bar for each pass."""

    def __init__(self, table: Table, make: Callable[[Callable[[int], Any] | None], Rows]) -> None:
        self.table, self.make, self.passes = table, make, 0
        self.tqdm = require("tqdm", "A progress bar").tqdm

    def total(self, fn: Any, merge: Any = add, check: Any = None) -> Any:
        self.passes += 1
        bar = self.tqdm(total=self.table.nrows, unit="rows", unit_scale=True, leave=False,
                        desc=f"{self.table.name} (pass {self.passes})")
        try:
            return self.make(bar.update).total(fn, merge, check)
        finally:
            bar.close()

    def head(self) -> Chunk:
        return self.make(None).head()


@overload
def fit_file(path: str | Table, *, columns: Any = ..., missing: Missing = ...,
             weights: Any = ..., weights_kind: WeightsKind = ..., cov_type: CovType = ...,
             information: Information | None = ..., tol: float | None = ...,
             max_iter: int | None = ..., structure: Any = ..., chunksize: int | None = ...,
             progress: bool | None = ..., sep: str | None = ..., decimal: str | None = ...,
             index_col: Any = ..., na_values: Any = ..., auxiliary: Any = ...,
             by: None = ..., equal: Any = ...) -> MVNResult: ...


@overload
def fit_file(path: str | Table, *, columns: Any = ..., missing: Missing = ...,
             weights: Any = ..., weights_kind: WeightsKind = ..., cov_type: CovType = ...,
             information: Information | None = ..., tol: float | None = ...,
             max_iter: int | None = ..., structure: Any = ..., chunksize: int | None = ...,
             progress: bool | None = ..., sep: str | None = ..., decimal: str | None = ...,
             index_col: Any = ..., na_values: Any = ..., auxiliary: Any = ...,
             by: str, equal: Any = ...) -> GroupedResult: ...


def fit_file(path: str | Table, *, columns: Any = None, missing: Missing = "raise",
             weights: Any = None, weights_kind: WeightsKind = "frequency",
             cov_type: CovType = "classic", information: Information | None = None,
             tol: float | None = None,
             max_iter: int | None = None, structure: Any = None, chunksize: int | None = None,
             progress: bool | None = None, sep: str | None = None, decimal: str | None = None,
             index_col: Any = "auto", na_values: Any = None, auxiliary: Any = None,
             by: str | None = None, equal: Any = None) -> MVNResult | GroupedResult:
    """Fit a multivariate normal to a CSV or Parquet file, streamed in chunks.

    Parameters
    ----------
    path : str or Table
        A CSV file (separator, decimal mark and a row-label column detected, or given by
        ``sep``, ``decimal``, ``index_col`` as in the command line), a Parquet file (read
        by record batches, only the needed columns), or a table already opened by
        :func:`mvn_estimate.io.open_table`.
    columns : list of str, optional
        Columns to fit (default: every column but ``weights``; they must be numeric).
    missing, weights_kind, cov_type, information, tol, max_iter, structure, auxiliary
        As in :func:`mvn_estimate.fit`; ``weights`` is a column name. ``missing="em"`` reads
        the file once into per-pattern statistics (robust standard errors read it once more,
        summing the per-row observed-data scores chunk by chunk).
    chunksize : int, optional
        Rows per chunk (default about 2 million values).
    progress : bool, optional
        A progress bar on standard error (needs ``tqdm``); default: on when standard error is
        a terminal.
    sep, decimal, index_col, na_values
        How the CSV is written (see :func:`mvn_estimate.io.open_table`); ``na_values`` lists
        cell values read as missing, such as ``['.', '-99']``.

    by : str, optional
        A column of the file whose values (text or numbers) define groups, as
        :func:`mvn_estimate.fit`'s ``by``: each group fitted on its own, or jointly with
        ``equal``. The column is read once for the labels; every pass then reads the file once
        per group. Box's M and MANOVA need the rows in memory.
    equal : list of {"mean", "cov"}, optional
        With ``by``: parameters the groups share (see :func:`mvn_estimate.fit`).

    Returns
    -------
    MVNResult or GroupedResult
        As :func:`mvn_estimate.fit` gives for the same data (to rounding); no rows are kept
        (``data`` is None: pass ``data=`` to :meth:`MVNResult.outliers`).

    Notes
    -----
    Memory is ``O(chunksize · p + p²)``, flat in the file's length. Robust standard errors
    read the file a second time (fourth moments about the final mean).

    Examples
    --------
    >>> import mvn_estimate as me
    >>> res = me.fit_file("data/iris.csv", columns=["Sepal.Length", "Sepal.Width"])
    >>> res.nobs
    150.0
    """
    spec = FitSpec.of(missing=missing, cov_type=cov_type, information=information,
                      weighted=weights is not None, weights_kind=weights_kind, tol=tol,
                      max_iter=max_iter, structure=structure, auxiliary=auxiliary,
                      equal=equal, grouped=by is not None)
    table = path if isinstance(path, Table) else \
        open_table(path, sep=sep, decimal=decimal, index_col=index_col,
                   na_values=na_values)[0]
    if spec.auxiliary:
        columns = joint_columns(table.prototype, columns, spec.auxiliary, weights,
                                by)
    try:
        if by is not None:
            return fit_group_sources(table_groups(table, by, columns, weights, chunksize,
                                                  progress), spec)
        return fit_rows(table_source(table, columns, weights, chunksize, progress), spec)
    except MVNEstimateError as exc:
        exc.with_terms(FileTerms(table.name))
        raise


_KIND, _LOAD = "a file read in chunks", "read the file with pandas and use fit()"


def _reading(table: Table, chosen: list[Any], weights: Any, chunksize: Any, progress: Any,
             keys: Keys | None = None) -> Rows:
    """The table's rows, ``chunksize`` at a time, with a progress bar when asked or on a
    terminal (and the group codes of ``keys``)."""
    given = 0 if chunksize is None else check_int(chunksize, "chunksize", minimum=1)
    step = given or max(1024, (1 << 21) // max(1, len(chosen)))
    show = sys.stderr.isatty() if progress is None else check_bool(progress, "progress")

    def make(report: Callable[[int], Any] | None) -> Rows:
        if keys is None:  # a reader written before groups were read from files
            return table.rows(chosen, weights, step, report)
        return table.rows(chosen, weights, step, report, keys=keys)

    return _Progress(table, make) if show else make(None)


def table_source(table: Table, columns: Any, weights: Any, chunksize: Any,
                 progress: Any) -> Source:
    """The source of a table on disk: the columns checked as ``fit`` checks a DataFrame's,
    read in chunks of ``chunksize`` rows (with a progress bar when asked or on a terminal)."""
    if table.nrows == 0:
        raise FileFormatError(f"'{table.name}' has {table.empty} (0 rows to fit).")
    chosen = _columns(table, columns, weights)
    return Source(pd.Index(chosen), _reading(table, chosen, weights, chunksize, progress),
                  weighted=weights is not None, terms=FileTerms(table.name), kind=_KIND,
                  load=_LOAD)


def table_groups(table: Table, by: Any, columns: Any, weights: Any, chunksize: Any,
                 progress: Any) -> GroupSources:
    """The groups of the column ``by`` of a table on disk (read once for the labels)."""
    if table.nrows == 0:
        raise FileFormatError(f"'{table.name}' has {table.empty} (0 rows to fit).")
    if not is_label(by, table.prototype):
        got = repr(by) if isinstance(by, str) else describe(by)
        raise LabelError(f"{arg('by')} must name a column of '{table.name}'; got {got}. Its "
                         f"columns are {show_labels(table.prototype.columns, 20)}.")
    check_by(by, columns, weights)
    if type(table).values is Table.values or \
            "keys" not in inspect.signature(table.rows).parameters:
        raise FileFormatError(
            f"{arg('by')} needs a reader that reads groups, and the {table.format or 'custom'} "
            f"reader of '{table.name}' does not: its Table needs values(column, rows) and "
            "rows(..., keys=). Read the file with pandas and use fit(frame, by=...).")
    chosen = _columns(table, columns, weights, exclude=by)
    read = group_labels(label_summary(v) for v in table.values(by, 1 << 20))
    rows = _reading(table, chosen, weights, chunksize, progress, (by, read))
    return GroupSources.of(by, table.typed(read), rows, pd.Index(chosen),
                           weighted=weights is not None, terms=FileTerms(table.name),
                           kind=_KIND, load=_LOAD)
