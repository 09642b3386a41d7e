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
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._optional import require
from .._typing import FloatArray
from ..exceptions import FileFormatError, arg
from ._rows import Chunk, Chunked, Rows
from ._segments import Segmented, Window, byte_ranges, quote_free, workers

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
    data_start: int = 0
    """Byte offset of the first line after the header."""
    spaces: bool = True
    """Whether fields may start with spaces (``a, b``): skipped, at a cost in parsing speed."""


PARQUET_MAGIC = b"PAR1"


def is_parquet(path: str) -> bool:
    """Whether ``path`` is a Parquet file: by its suffix, or by its first bytes (``PAR1``),
    so that a Parquet file named otherwise (or piped to standard input) is read as one."""
    file = Path(path)
    if file.suffix.lower() in (".parquet", ".pq"):
        return True
    try:
        with file.open("rb") as handle:
            return handle.read(4) == PARQUET_MAGIC
    except OSError:
        return False


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
    return CsvFormat(sep, decimal, header, position, notes, _data_start(source), spaces)


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
    sample: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The first rows (up to 1000; none for Parquet) with the columns' dtypes."""

    @cached_property
    def quote_free(self) -> bool:
        """No ``"`` in the file: it may be cut at any line break (checked once)."""
        return quote_free(self.path)

    @property
    def prototype(self) -> pd.DataFrame:
        """No rows, the columns with their dtypes: what ``fit`` would check the columns on."""
        return self.sample.iloc[:0]

    def head(self, columns: list[str], weights: str | None) -> tuple[FloatArray,
                                                                      FloatArray | None]:
        """The sample as one ``(x, w)`` block (the first batch for Parquet)."""
        if not self.parquet:
            return _block(self.sample, columns, weights, self.name)
        batches = self.chunks(columns, weights, HEAD_ROWS)
        try:
            return next(batches, (np.empty((0, len(columns))), None))
        finally:
            batches.close()

    def chunks(self, columns: list[str], weights: str | None,
               rows: int) -> Generator[tuple[FloatArray, FloatArray | None], None, None]:
        """``(x, w)`` blocks of at most ``rows`` rows, in file order, by one reader: the
        ``columns`` as float64 (NaN for missing) and the ``weights`` column."""
        if self.parquet:
            yield from _parquet_blocks(self, columns, weights, rows, None, threads=True)
            return
        for frame in _csv_frames(self, columns, weights, rows, None):
            yield _block(frame, columns, weights, self.name)

    def rows(self, columns: list[str], weights: str | None, rows: int,
             progress: Callable[[int], None] | None = None) -> Rows:
        """The table as :class:`~mvn_estimate.data.Rows`: segments read by parallel threads
        (Parquet row groups; byte ranges of a CSV without quotes), else one reader."""
        head = partial(self.head, columns, weights)
        parts: list[Callable[[], Iterator[Chunk]]]
        if self.parquet:
            groups = _parquet_groups(self)
            parts = [partial(_parquet_blocks, self, columns, weights, rows, [g], threads=False)
                     for g in groups]
        elif self.quote_free:
            assert self.fmt is not None
            ranges = byte_ranges(self.path, self.fmt.data_start, 4 * workers())
            parts = [partial(self._csv_window, columns, weights, rows, r) for r in ranges]
        else:
            return Chunked(lambda: self._counted(self.chunks(columns, weights, rows), progress),
                           head)
        return Segmented(parts or [lambda: iter([])], head, workers(), progress)

    @staticmethod
    def _counted(chunks: Iterator[Chunk],
                 progress: Callable[[int], None] | None) -> Iterator[Chunk]:
        for x, w in chunks:
            if progress is not None:
                progress(x.shape[0])
            yield x, w

    def _csv_window(self, columns: list[str], weights: str | None, rows: int,
                    window: tuple[int, int]) -> Iterator[Chunk]:
        for frame in _csv_frames(self, columns, weights, rows, window):
            yield _block(frame, columns, weights, self.name)


def _block(frame: pd.DataFrame, columns: list[str], weights: str | None,
           name: str) -> tuple[FloatArray, FloatArray | None]:
    wanted = [*columns, *([weights] if weights is not None else [])]
    bad = [c for c in wanted if not pd.api.types.is_numeric_dtype(frame[c])
           or pd.api.types.is_bool_dtype(frame[c])]
    if bad:
        column = frame[bad[0]]
        text = column[pd.to_numeric(column, errors="coerce").isna() & column.notna()]
        value = repr(text.iloc[0]) if len(text) else f"of dtype {column.dtype}"
        raise FileFormatError(
            f"'{name}' has a non-numeric value {value} in column {bad[0]!r} (a column whose "
            f"first rows are numeric){' and in ' + str(bad[1:10]) if bad[1:] else ''}. Clean "
            "the file, or leave the column out with columns=[...].")
    x = frame[columns].to_numpy(dtype=np.float64, na_value=np.nan)
    w = None if weights is None else frame[weights].to_numpy(dtype=np.float64, na_value=np.nan)
    return x, w


def _csv_frames(table: Table, columns: list[str], weights: str | None, rows: int,
                window: tuple[int, int] | None) -> Iterator[pd.DataFrame]:
    """The file's (or a byte window's) rows in frames of ``rows``, with only the wanted
    columns, named as in the header."""
    fmt = table.fmt
    assert fmt is not None
    wanted = list(dict.fromkeys([*columns, *([weights] if weights else [])]))
    places = [i for i in range(len(fmt.header)) if i != fmt.index_col]
    where = dict(zip(table.columns, places, strict=False))
    absent = [c for c in wanted if c not in where]
    if absent:
        raise FileFormatError(f"'{table.name}' has no columns {absent}; its columns are "
                              f"{table.columns[:20]}.")
    positions = sorted(where[c] for c in wanted)
    names = [next(c for c in wanted if where[c] == i) for i in positions]
    options: dict[str, Any] = {"sep": fmt.sep, "decimal": fmt.decimal, "chunksize": rows,
                               "skipinitialspace": fmt.spaces}
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
        detail = " ".join(str(exc).split())[:200]
        if window is not None:  # pandas counts the window's lines: make them the file's
            before = _lines_before(table.path, window[0])
            detail = re.sub(r"line (\d+)", lambda m: f"line {int(m.group(1)) + before}", detail)
        raise FileFormatError(f"cannot parse '{table.name}' as CSV: {detail}") from exc
    finally:
        if window is not None:
            source.close()


def _lines_before(path: str, offset: int) -> int:
    """Line breaks in the file before byte ``offset`` (for an error's line number)."""
    count = 0
    with open(path, "rb") as file:
        while offset > 0 and (block := file.read(min(offset, 1 << 22))):
            count += block.count(b"\n")
            offset -= len(block)
    return count


def _parquet_groups(table: Table) -> list[int]:
    pq = require("pyarrow.parquet", "Reading Parquet")
    with pq.ParquetFile(table.path) as file:
        return list(range(file.metadata.num_row_groups))


def _parquet_blocks(table: Table, columns: list[str], weights: str | None, rows: int,
                    groups: list[int] | None, *, threads: bool) -> Iterator[Chunk]:
    """Record batches (of the row ``groups``, default all) straight to float64 arrays;
    pyarrow's decoding threads only when the row groups are not already read in parallel
    (measured: 2 of ours plus pyarrow's on 2 cores 1.4× slower)."""
    pq = require("pyarrow.parquet", "Reading Parquet")
    wanted = list(dict.fromkeys([*columns, *([weights] if weights else [])]))
    try:
        # a memory map released with each segment, and coalesced reads: 87 → 68 ms for
        # 1e6×20 on 2 cores (issue 12's benchmark)
        with pq.ParquetFile(table.path, memory_map=True, pre_buffer=True) as file:
            for batch in file.iter_batches(batch_size=rows, columns=wanted, row_groups=groups,
                                           use_threads=threads):
                yield _arrow_block(batch, columns, weights)
    except FileFormatError:
        raise
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, KeyError, ...
        detail = " ".join(str(exc).split())[:200]
        raise FileFormatError(f"cannot read '{table.name}' as Parquet: {detail}") from exc


def _arrow_block(batch: Any, columns: list[str], weights: str | None) -> Chunk:
    x = np.empty((batch.num_rows, len(columns)), order="F")  # Arrow is columnar
    for j, name in enumerate(columns):
        x[:, j] = _arrow_floats(batch.column(name))
    w = None if weights is None else _arrow_floats(batch.column(weights))
    return x, w


def _arrow_floats(column: Any) -> FloatArray:
    """A numeric Arrow array as float64, nulls as NaN."""
    values = column.to_numpy(zero_copy_only=False)
    if column.null_count and values.dtype.kind != "f":
        values = values.astype(np.float64)
        values[np.asarray(column.is_null())] = np.nan
    return np.asarray(values, dtype=np.float64)


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
                 head), fmt.notes


def _parquet_table(path: str, name: str) -> Table:
    pq = require("pyarrow.parquet", "Reading Parquet")
    pa = require("pyarrow", "Reading Parquet")
    try:
        meta = pq.ParquetFile(path)
        schema = meta.schema_arrow
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, KeyError, ...
        detail = " ".join(str(exc).split())[:200]
        raise FileFormatError(f"cannot read '{name}' as Parquet: {detail}") from exc
    prototype = schema.empty_table().to_pandas()  # the columns pandas would give (no index)
    kinds = {f.name: f.type for f in schema}
    columns = [str(c) for c in prototype.columns]
    numeric = [c for c in columns if c in kinds and (pa.types.is_integer(kinds[c])
                                                      or pa.types.is_floating(kinds[c]))]
    return Table(path, name, True, None, columns, numeric, meta.metadata.num_rows, prototype)


def spool_stdin(folder: str) -> str:
    """Copy standard input to a file in ``folder`` (in blocks, so memory stays flat) and
    return its path: a stream can then be read twice (robust standard errors)."""
    target = Path(folder) / "stdin.csv"
    with target.open("wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
    return str(target)
