"""Reading tables as people actually have them: CSV from pandas or R, ``;``/tab separators,
decimal commas, a row-label column, standard input, and Parquet.

:func:`sniff_csv` looks at the start of a CSV file and decides the separator, the decimal mark
and whether the first column holds row labels (an empty first header cell, as written by
``DataFrame.to_csv()`` and R's ``write.csv``); :func:`read_table` reads the whole table with
those settings. Every failure is a :class:`~mvn_estimate.exceptions.FileFormatError` with one
line that names the file and what to do.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._optional import require
from .._typing import FloatArray
from ..exceptions import FileFormatError

__all__ = ["CsvFormat", "Table", "is_parquet", "open_table", "read_table", "sniff_csv",
           "spool_stdin"]

SEPARATORS = (",", ";", "\t", "|")
SNIFF_BYTES = 1 << 16
HEAD_ROWS = 1000
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+([eE][+-]?\d+)?$")
_DECIMAL_POINT = re.compile(r"^[+-]?\d*\.\d+([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class CsvFormat:
    """How a CSV file is written: separator, decimal mark, header, row-label column."""

    sep: str
    decimal: str
    header: list[str]
    index_col: int | None
    notes: list[str] = field(default_factory=list)


def is_parquet(path: str) -> bool:
    """Whether ``path`` names a Parquet file (by its suffix)."""
    return Path(path).suffix.lower() in (".parquet", ".pq")


def _text(source: Any, name: str) -> str:
    if hasattr(source, "read"):
        head = source.read(SNIFF_BYTES)
    else:
        with Path(source).open("rb") as file:
            head = file.read(SNIFF_BYTES)
    if hasattr(source, "seek"):
        source.seek(0)
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if len(head) == SNIFF_BYTES and exc.start > len(head) - 4:  # a character cut by the window
            return head[:exc.start].decode("utf-8-sig")
        raise FileFormatError(
            f"cannot read '{name}' as CSV: it is not UTF-8 text (byte {exc.start}). Save it "
            "as UTF-8 CSV, or as Parquet."
        ) from exc


def _rows(lines: list[str], sep: str) -> list[list[str]]:
    return [row for row in csv.reader(lines, delimiter=sep) if row]


def _separator(lines: list[str]) -> str:
    best, best_width = ",", 1
    for sep in SEPARATORS:
        widths = {len(r) for r in _rows(lines, sep)}
        if len(widths) == 1 and (width := widths.pop()) > best_width:
            best, best_width = sep, width
    return best


def _decimal(rows: list[list[str]], sep: str) -> str:
    if sep == ",":
        return "."
    cells = [c.strip() for r in rows[1:] for c in r]
    commas = sum(bool(_DECIMAL_COMMA.match(c)) for c in cells)
    points = sum(bool(_DECIMAL_POINT.match(c)) for c in cells)
    return "," if commas > points else "."


def sniff_csv(source: Any, *, name: str, sep: str | None = None, decimal: str | None = None,
              index_col: Any = "auto") -> CsvFormat:
    """Decide how the CSV ``source`` (a path or a binary file object) is written.

    ``index_col="auto"`` reads the first column as row labels when its header cell is empty;
    ``None`` never does; a label or a 0-based position names the column.

    Raises
    ------
    FileFormatError
        Not UTF-8 text, empty, or with duplicated column names.
    """
    text = _text(source, name)
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if len(lines) > 1 and not text.endswith("\n"):
        lines = lines[:-1]  # the last line may be cut by the sniffing window
    if not lines:
        raise FileFormatError(f"cannot read '{name}' as CSV: the file is empty.")
    notes: list[str] = []
    if sep is None:
        sep = _separator(lines)
        if sep != ",":
            notes.append(f"read '{name}' with separator {sep!r}")
    rows = _rows(lines, sep)
    header = [h.strip() for h in rows[0]]
    if decimal is None:
        decimal = _decimal(rows, sep)
        if decimal == ",":
            notes.append(f"read '{name}' with decimal commas")
    position = _index_position(header, index_col, name)
    if position is not None and index_col == "auto":
        notes.append(f"read the first column of '{name}' as row labels (its header is empty); "
                     "pass --no-index-col to fit it as data")
    names = [h for i, h in enumerate(header) if i != position]
    dup = sorted({h for h in names if names.count(h) > 1})
    if dup:
        raise FileFormatError(
            f"'{name}' has duplicated column names {dup} in its header; rename them so that "
            "each column can be selected by name."
        )
    return CsvFormat(sep, decimal, header, position, notes)


def _index_position(header: list[str], index_col: Any, name: str) -> int | None:
    if index_col is None:
        return None
    if index_col == "auto":
        return 0 if header and header[0] in ("", "Unnamed: 0") else None
    if isinstance(index_col, int):
        if not 0 <= index_col < len(header):
            raise FileFormatError(f"'{name}' has {len(header)} columns; the row-label column "
                                  f"{index_col} does not exist.")
        return index_col
    if index_col not in header:
        raise FileFormatError(f"'{name}' has no column {index_col!r} to read as row labels; "
                              f"its columns are {header[:20]}.")
    return header.index(index_col)


def _open(path: str) -> tuple[Any, str]:
    if path == "-":
        return io.BytesIO(sys.stdin.buffer.read()), "<stdin>"
    file = Path(path)
    if not file.is_file():
        raise FileFormatError(f"cannot read '{path}': no such file.")
    return str(file), path


def _parquet(path: str, columns: list[str] | None) -> pd.DataFrame:
    pq = require("pyarrow.parquet", "Reading Parquet")
    try:
        return pq.read_table(path, columns=columns).to_pandas()
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, KeyError, ...
        detail = " ".join(str(exc).split())[:200]
        raise FileFormatError(f"cannot read '{path}' as Parquet: {detail}") from exc


def read_table(path: str, *, sep: str | None = None, decimal: str | None = None,
               index_col: Any = "auto", columns: list[str] | None = None
               ) -> tuple[pd.DataFrame, list[str]]:
    """Read a CSV (or Parquet) file, or standard input for ``"-"``.

    Returns the table and notes on what was detected (separator, decimal mark, row labels).

    Raises
    ------
    FileFormatError
        The file is missing, unreadable, not a table, or has duplicated column names.
    """
    if path != "-" and is_parquet(path):
        _open(path)
        return _parquet(path, columns), []
    source, name = _open(path)
    fmt = sniff_csv(source, name=name, sep=sep, decimal=decimal, index_col=index_col)
    try:
        frame = pd.read_csv(source, sep=fmt.sep, decimal=fmt.decimal, index_col=fmt.index_col,
                            skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
            ValueError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise FileFormatError(f"cannot parse '{name}' as CSV: {detail}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, fmt.notes


@dataclass(frozen=True)
class Table:
    """A table on disk, opened for streaming: its columns and which of them are numeric."""

    path: str
    name: str
    parquet: bool
    fmt: CsvFormat | None
    columns: list[str]
    numeric: list[str]
    nrows: int | None
    prototype: pd.DataFrame = field(default_factory=pd.DataFrame)
    """No rows, the columns with their dtypes: what ``fit`` would check the columns on."""

    def chunks(self, columns: list[str], weights: str | None,
               rows: int) -> Iterator[tuple[FloatArray, FloatArray | None]]:
        """``(x, w)`` blocks of at most ``rows`` rows: the ``columns`` as float64 (NaN for
        missing) and the ``weights`` column. Memory: one block."""
        wanted = list(dict.fromkeys([*columns, *([weights] if weights else [])]))
        for frame in (_parquet_batches(self, wanted, rows) if self.parquet
                      else _csv_chunks(self, wanted, rows)):
            yield _block(frame, columns, weights, self.name)


def _block(frame: pd.DataFrame, columns: list[str], weights: str | None,
           name: str) -> tuple[FloatArray, FloatArray | None]:
    bad = [c for c in columns if not pd.api.types.is_numeric_dtype(frame[c])
           or pd.api.types.is_bool_dtype(frame[c])]
    if bad:
        raise FileFormatError(
            f"'{name}' has non-numeric values in columns {bad[:10]} (dtype "
            f"{frame[bad[0]].dtype}); choose numeric columns.")
    x = frame[columns].to_numpy(dtype=np.float64, na_value=np.nan)
    w = None if weights is None else frame[weights].to_numpy(dtype=np.float64, na_value=np.nan)
    return x, w


def _csv_chunks(table: Table, wanted: list[str], rows: int) -> Iterator[pd.DataFrame]:
    fmt = table.fmt
    assert fmt is not None
    places = [i for i in range(len(fmt.header)) if i != fmt.index_col]
    where = dict(zip(table.columns, places, strict=False))
    absent = [c for c in wanted if c not in where]
    if absent:
        raise FileFormatError(f"'{table.name}' has no columns {absent}; its columns are "
                              f"{table.columns[:20]}.")
    positions = sorted(where[c] for c in wanted)
    names = {where[c]: c for c in wanted}
    try:
        with pd.read_csv(table.path, sep=fmt.sep, decimal=fmt.decimal, usecols=positions,
                         chunksize=rows, skipinitialspace=True) as reader:
            for frame in reader:
                frame.columns = [names[i] for i in positions]
                yield frame
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise FileFormatError(f"cannot parse '{table.name}' as CSV: {detail}") from exc


def _parquet_batches(table: Table, wanted: list[str], rows: int) -> Iterator[pd.DataFrame]:
    pq = require("pyarrow.parquet", "Reading Parquet")
    try:
        for batch in pq.ParquetFile(table.path).iter_batches(batch_size=rows, columns=wanted):
            yield batch.to_pandas()
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, KeyError, ...
        detail = " ".join(str(exc).split())[:200]
        raise FileFormatError(f"cannot read '{table.name}' as Parquet: {detail}") from exc


def open_table(path: str, *, sep: str | None = None, decimal: str | None = None,
               index_col: Any = "auto", name: str | None = None) -> tuple[Table, list[str]]:
    """Open a CSV or Parquet file for streaming: its columns, their kinds (from the schema,
    or from the first block of a CSV), and notes on what was detected.

    ``name`` is how messages call the file (default ``path``); ``nrows`` is known for
    Parquet and for a CSV of at most 1000 rows.
    """
    name = path if name is None else name
    file = Path(path)
    if not file.is_file():
        raise FileFormatError(f"cannot read '{name}': no such file.")
    if is_parquet(path):
        return _parquet_table(path, name), []
    fmt = sniff_csv(str(file), name=name, sep=sep, decimal=decimal, index_col=index_col)
    try:
        head = pd.read_csv(file, sep=fmt.sep, decimal=fmt.decimal, index_col=fmt.index_col,
                           nrows=HEAD_ROWS, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
            ValueError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise FileFormatError(f"cannot parse '{name}' as CSV: {detail}") from exc
    head.columns = [str(c).strip() for c in head.columns]
    numeric = [c for c in head.columns if pd.api.types.is_numeric_dtype(head[c])
               and not pd.api.types.is_bool_dtype(head[c])]
    nrows = head.shape[0] if head.shape[0] < HEAD_ROWS else None
    return Table(str(file), name, False, fmt, list(head.columns), numeric, nrows,
                 head.iloc[:0]), fmt.notes


def _parquet_table(path: str, name: str) -> Table:
    pq = require("pyarrow.parquet", "Reading Parquet")
    pa = require("pyarrow", "Reading Parquet")
    try:
        meta = pq.ParquetFile(path)
        schema = meta.schema_arrow
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, KeyError, ...
        detail = " ".join(str(exc).split())[:200]
        raise FileFormatError(f"cannot read '{name}' as Parquet: {detail}") from exc
    numeric = [f.name for f in schema if pa.types.is_integer(f.type)
               or pa.types.is_floating(f.type)]
    return Table(path, name, True, None, list(schema.names), numeric, meta.metadata.num_rows,
                 schema.empty_table().to_pandas())


def spool_stdin(folder: str) -> str:
    """Copy standard input to a file in ``folder`` (in blocks, so memory stays flat) and
    return its path: a stream can then be read twice (robust standard errors)."""
    target = Path(folder) / "stdin.csv"
    with target.open("wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
    return str(target)
