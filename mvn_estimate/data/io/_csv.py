"""CSV as people actually have it: from pandas or R, ``;``/tab separators, decimal commas, a
row-label column, standard input — one reader of the registry in :mod:`mvn_estimate.data.io`.

:func:`sniff_csv` looks at the start of a file and decides the separator, the decimal mark and
whether the first column holds row labels (an empty first header cell, as written by
``DataFrame.to_csv()`` and R's ``write.csv``). A CSV without quotes is read by parallel
threads in byte ranges cut at line breaks; with quotes, by one reader.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..._typing import FloatArray
from ...exceptions import FileFormatError, arg, setting
from .._rows import HEAD_ROWS, Chunk, Chunked, Rows
from .._segments import Segmented, Window, byte_ranges, quote_free, workers
from ._table import Keys, Table, counted, floats, key_codes, parse_detail

__all__ = ["CsvFormat", "CsvReader", "CsvTable", "sniff_csv"]

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
    data_start: int = 0
    """Byte offset of the first line after the header."""
    spaces: bool = True
    """Whether fields may start with spaces (``a, b``): skipped, at a cost in parsing speed."""
    na_values: tuple[str, ...] = ()
    """Cell values read as missing besides pandas' defaults (``.``, ``-99``, …)."""

    @property
    def read_options(self) -> dict[str, Any]:
        """The options of ``pandas.read_csv`` this format implies."""
        out: dict[str, Any] = {"sep": self.sep, "decimal": self.decimal,
                               "skipinitialspace": self.spaces}
        if self.na_values:
            out["na_values"] = list(self.na_values)
        return out


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
              index_col: Any = "auto", na_values: Any = None) -> CsvFormat:
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
    if sep is not None and (not isinstance(sep, str) or len(sep) != 1 or sep in "\r\n\"'"):
        raise FileFormatError(
            f"{arg('sep')} must be one character (such as ',', ';', a tab or '|'); got "
            f"{sep!r}. Leave it out to let it be detected.")
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
    spaces = any(c[:1].isspace() for r in rows for c in r)
    return CsvFormat(sep, decimal, header, position, notes, _data_start(source), spaces,
                     _na_values(na_values))


def _na_values(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
        raise FileFormatError(f"{arg('na_values')} must be a list of strings read as missing "
                              f"(such as ['.', '-99']); got {value!r}.")
    return tuple(items)


def _data_start(source: Any) -> int:
    """Byte offset just after the first non-blank line (the header) of a file path."""
    if hasattr(source, "read"):
        return 0
    with Path(source).open("rb") as file:
        line = file.readline()
        while line and not line.strip():
            line = file.readline()
        return file.tell()


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


@dataclass(frozen=True)
class CsvTable(Table):
    """A CSV file opened for streaming (its format sniffed, its first rows read)."""

    fmt: CsvFormat = field(default_factory=lambda: CsvFormat(",", ".", [], None))
    format: ClassVar[str] = "CSV"
    empty: ClassVar[str] = "a header but no data rows"

    @cached_property
    def quote_free(self) -> bool:
        """No ``"`` in the file: it may be cut at any line break (checked once)."""
        return quote_free(self.path)

    def head(self, columns: list[str], weights: str | None) -> Chunk:
        return _block(self.sample, columns, weights, self.name)

    def chunks(self, columns: list[str], weights: str | None, rows: int,
               keys: Keys | None = None) -> Iterator[Chunk]:
        for frame in _csv_frames(self, columns, weights, rows, None, keys):
            yield _block(frame, columns, weights, self.name, keys)

    def rows(self, columns: list[str], weights: str | None, rows: int,
             progress: Callable[[int], None] | None = None, keys: Keys | None = None) -> Rows:
        """Byte ranges read by parallel threads when the file has no quotes, else one
        reader."""
        head = partial(self._head, columns, weights, keys)
        if not self.quote_free:
            return Chunked(lambda: counted(self.chunks(columns, weights, rows, keys), progress),
                           head)
        ranges = byte_ranges(self.path, self.fmt.data_start, 4 * workers())
        parts = [partial(self._window, columns, weights, rows, r, keys) for r in ranges]
        return Segmented(parts or [lambda: iter([])], head, workers(), progress)

    def values(self, column: str, rows: int) -> Iterator[pd.Series]:
        """The column as text (each chunk would guess its own type: ``1`` a number in one,
        text in another); :meth:`typed` gives the labels the type pandas gives the column."""
        for frame in _csv_frames(self, [column], None, rows, None, (column, pd.Index([]))):
            yield frame[column]

    def typed(self, labels: pd.Index) -> pd.Index:
        """Text labels as ``pandas.read_csv`` types the whole column: integers, floats or
        booleans when every label reads as one, else text."""
        return typed_labels(labels)

    def _head(self, columns: list[str], weights: str | None, keys: Keys | None) -> Chunk:
        return _block(self.sample, columns, weights, self.name, keys)

    def _window(self, columns: list[str], weights: str | None, rows: int,
                window: tuple[int, int], keys: Keys | None = None) -> Iterator[Chunk]:
        for frame in _csv_frames(self, columns, weights, rows, window, keys):
            yield _block(frame, columns, weights, self.name, keys)


def _block(frame: pd.DataFrame, columns: list[str], weights: str | None,
           name: str, keys: Keys | None = None) -> tuple[FloatArray, FloatArray | None]:
    wanted = [*columns, *([weights] if weights is not None else [])]
    bad = [c for c in wanted if not pd.api.types.is_numeric_dtype(frame[c])
           or pd.api.types.is_bool_dtype(frame[c])]
    if bad:
        column = frame[bad[0]]
        text = column[pd.to_numeric(column, errors="coerce").isna() & column.notna()]
        token = str(text.iloc[0]).strip()[:40] if len(text) else ""
        value = repr(token) if len(text) else f"of dtype {column.dtype}"
        others = [c for c in columns if c not in bad]
        leave = f"leave the column out with {setting('columns', others)}" if others else \
            "leave the column out"
        raise FileFormatError(
            f"'{name}' has a non-numeric value {value} in column {bad[0]!r} (a column whose "
            f"first rows are numeric){' and in ' + str(bad[1:10]) if bad[1:] else ''}. If it "
            f"marks a missing value, pass {setting('na_values', [token])}; or clean the file, "
            f"or {leave}.")
    x = floats(frame, columns)
    codes = key_codes(frame[keys[0]], keys) if keys is not None else None
    if codes is not None:
        x = np.column_stack([x, codes])
    return x, None if weights is None else floats(frame, [weights])[:, 0]


def _csv_frames(table: CsvTable, columns: list[str], weights: str | None, rows: int,
                window: tuple[int, int] | None,
                keys: Keys | None = None) -> Iterator[pd.DataFrame]:
    """The file's (or a byte window's) rows in frames of ``rows``, with only the wanted
    columns (and the ``keys`` column), named as in the header."""
    fmt = table.fmt
    wanted = list(dict.fromkeys([*columns, *([weights] if weights else []),
                                 *([keys[0]] if keys else [])]))
    places = [i for i in range(len(fmt.header)) if i != fmt.index_col]
    where = dict(zip(table.columns, places, strict=False))
    absent = [c for c in wanted if c not in where]
    if absent:
        raise FileFormatError(f"'{table.name}' has no columns {absent}; its columns are "
                              f"{table.columns[:20]}.")
    positions = sorted(where[c] for c in wanted)
    names = [next(c for c in wanted if where[c] == i) for i in positions]
    options: dict[str, Any] = {**fmt.read_options, "chunksize": rows}
    if keys is not None:  # group labels as text in every chunk (matched to the labels' text)
        options["dtype"] = {where[keys[0]] if window is not None else keys[0]: str}
    if len(positions) < len(fmt.header):  # usecols halves the parser's speed: only if needed
        options["usecols"] = positions
    source: Any = table.path
    if window is not None:
        source = io.BufferedReader(Window(table.path, *window), 1 << 20)
        options |= {"header": None, "names": list(range(len(fmt.header)))}
    try:
        with pd.read_csv(source, **options) as reader:
            for frame in reader:
                frame.columns = names
                yield frame
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        detail = parse_detail(exc)
        if window is not None:  # pandas counts the window's lines: make them the file's
            before = _lines_before(table.path, window[0])
            detail = re.sub(r"line (\d+)", lambda m: f"line {int(m.group(1)) + before}", detail)
        raise FileFormatError(f"cannot parse '{table.name}' as CSV: {detail}") from exc
    finally:
        if window is not None:
            source.close()


_TRUE, _FALSE = {"True", "TRUE", "true"}, {"False", "FALSE", "false"}


def typed_labels(labels: pd.Index) -> pd.Index:
    """Labels read as text, typed as ``pandas.read_csv`` types a column holding them.

    Examples
    --------
    >>> [int(v) for v in typed_labels(pd.Index(["5", "6"]))]
    [5, 6]
    >>> list(typed_labels(pd.Index(["a", "1"])))
    ['a', '1']
    """
    text = [str(v) for v in labels]
    if text and all(t in _TRUE | _FALSE for t in text):
        return pd.Index(list(np.array([t in _TRUE for t in text])), dtype=object)
    try:
        numbers = pd.to_numeric(pd.Series(text))
    except (ValueError, TypeError):
        return labels
    return pd.Index(list(numbers.to_numpy()), dtype=object)  # numpy scalars, as pandas gives


def _lines_before(path: str, offset: int) -> int:
    """Line breaks in the file before byte ``offset`` (for an error's line number)."""
    count = 0
    with open(path, "rb") as file:
        while offset > 0 and (block := file.read(min(offset, 1 << 22))):
            count += block.count(b"\n")
            offset -= len(block)
    return count


class CsvReader:
    """CSV files (and standard input): every file no other reader claims."""

    name = "CSV"

    def accepts(self, path: str) -> bool:
        return True

    def open(self, path: str, name: str, options: dict[str, Any]) -> tuple[Table, list[str]]:
        fmt = sniff_csv(path, name=name, **options)
        try:
            head = pd.read_csv(path, index_col=fmt.index_col, nrows=HEAD_ROWS,
                               **fmt.read_options)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
                ValueError) as exc:
            raise FileFormatError(f"cannot parse '{name}' as CSV: {parse_detail(exc)}") from exc
        head.columns = [str(c).strip() for c in head.columns]
        numeric = [c for c in head.columns if pd.api.types.is_numeric_dtype(head[c])
                   and not pd.api.types.is_bool_dtype(head[c])]
        nrows = head.shape[0] if head.shape[0] < HEAD_ROWS else None
        return CsvTable(path, name, list(head.columns), numeric, nrows, head, fmt), fmt.notes

    def read(self, path: Any, name: str, options: dict[str, Any],
             columns: list[str] | None) -> tuple[pd.DataFrame, list[str]]:
        fmt = sniff_csv(path, name=name, **options)
        try:
            frame = pd.read_csv(path, index_col=fmt.index_col, **fmt.read_options)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
                ValueError) as exc:
            raise FileFormatError(f"cannot parse '{name}' as CSV: {parse_detail(exc)}") from exc
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame, fmt.notes
