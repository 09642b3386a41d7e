"""Reading tables: one reader per format behind one protocol (:class:`Table`, :class:`Reader`),
chosen by the registry :data:`READERS` — the first reader that accepts a path opens it.

A new format is one module with a :class:`Reader` (``accepts``, ``open``, ``read``) and a
:class:`Table` subclass (``head``, ``chunks``, ``rows``; ``values`` for ``by=``), and one
line in :data:`READERS`.
"""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from ._csv import CsvFormat, CsvReader, CsvTable, sniff_csv
from ._parquet import ParquetReader, ParquetTable
from ._table import Keys, Reader, Table, checked_path

__all__ = ["READERS", "CsvFormat", "CsvTable", "Keys", "ParquetTable", "Reader", "Table",
           "open_table",
           "read_table", "reader_for", "sniff_csv", "spool_stdin"]

READERS: tuple[Reader, ...] = (ParquetReader(), CsvReader())
"""The formats, tried in order (CSV last: it accepts any file)."""


def reader_for(path: str) -> Reader:
    """The first reader of :data:`READERS` that accepts ``path``."""
    return next(r for r in READERS if r.accepts(path))


def _options(sep: Any, decimal: Any, index_col: Any, na_values: Any) -> dict[str, Any]:
    return {"sep": sep, "decimal": decimal, "index_col": index_col, "na_values": na_values}


def open_table(path: Any, *, sep: str | None = None, decimal: str | None = None,
               index_col: Any = "auto", name: str | None = None,
               na_values: Any = None) -> tuple[Table, list[str]]:
    """Open a table file for streaming: its columns, their kinds (from the schema, or from the
    first rows of a CSV), and notes on what was detected.

    ``sep``, ``decimal``, ``index_col`` and ``na_values`` (cell values read as missing, such
    as ``['.', '-99']``) are for CSV (see :func:`sniff_csv`); ``name`` is how messages call the
    file (default ``path``). ``nrows`` is known for Parquet and for a CSV of
    at most 1000 rows.

    Raises
    ------
    FileFormatError
        Not a path, no such file, a directory, unreadable, or not a table.

    Examples
    --------
    >>> table, notes = open_table("data/iris.csv")
    >>> table.format, table.nrows
    ('CSV', 150)
    """
    text, shown = checked_path(path, name)
    return reader_for(text).open(text, shown, _options(sep, decimal, index_col, na_values))


def read_table(path: Any, *, sep: str | None = None, decimal: str | None = None,
               index_col: Any = "auto", columns: list[str] | None = None,
               na_values: Any = None) -> tuple[pd.DataFrame, list[str]]:
    """Read a table file, or CSV from standard input for ``"-"``, into a DataFrame.

    Returns the table and notes on what was detected (separator, decimal mark, row labels).

    Raises
    ------
    FileFormatError
        The file is missing, unreadable, not a table, or has duplicated column names.

    Examples
    --------
    >>> frame, notes = read_table("data/iris.csv")
    >>> frame.shape
    (150, 5)
    """
    options = _options(sep, decimal, index_col, na_values)
    if isinstance(path, str) and path == "-":
        return CsvReader().read(io.BytesIO(sys.stdin.buffer.read()), "<stdin>", options,
                                columns)
    text, shown = checked_path(path)
    return reader_for(text).read(text, shown, options, columns)


def spool_stdin(folder: str) -> str:
    """Copy standard input to a file in ``folder`` (in blocks, so memory stays flat) and
    return its path: a stream can then be read twice (robust standard errors)."""
    target = Path(folder) / "stdin.csv"
    with target.open("wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
    return str(target)
