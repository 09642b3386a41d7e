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
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._optional import require
from ..exceptions import FileFormatError

__all__ = ["CsvFormat", "is_parquet", "read_table", "sniff_csv"]

SEPARATORS = (",", ";", "\t", "|")
SNIFF_BYTES = 1 << 16
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
    head = source.read(SNIFF_BYTES) if hasattr(source, "read") else \
        Path(source).open("rb").read(SNIFF_BYTES)
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
