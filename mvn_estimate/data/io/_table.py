"""The protocol every reader meets: a :class:`Table` on disk, opened for streaming, and a
:class:`Reader` that recognises and opens its format."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pandas as pd

from ..._typing import FloatArray
from ...exceptions import FileFormatError, describe
from .._rows import Chunk, Rows

__all__ = ["Keys", "Reader", "Table", "checked_path", "counted", "key_codes", "parse_detail"]

Keys = tuple[str, pd.Index]
"""A column and its group labels: each block gets the rows' codes (positions among the
labels, −1 for none) as a last column, so that one group's rows can be picked out."""


@dataclass(frozen=True)
class Table:
    """A table on disk, opened for streaming: its columns and which of them are numeric.

    A reader subclasses it and implements :meth:`head` and :meth:`rows` (and
    :meth:`chunks`, one reader in file order).
    """

    path: str
    name: str
    columns: list[str]
    numeric: list[str]
    nrows: int | None
    sample: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The first rows (up to :data:`~mvn_estimate.data.HEAD_ROWS`; none where the format has
    a schema) with the columns' dtypes."""

    format: ClassVar[str] = ""
    empty: ClassVar[str] = "no rows"
    """How a table without rows is described (``fit_file`` refuses it in these words)."""

    @property
    def prototype(self) -> pd.DataFrame:
        """No rows, the columns with their dtypes: what ``fit`` would check the columns on."""
        return self.sample.iloc[:0]

    def head(self, columns: list[str], weights: str | None) -> Chunk:
        """The first rows as one ``(x, w)`` block."""
        raise NotImplementedError  # pragma: no cover - every reader implements it

    def chunks(self, columns: list[str], weights: str | None, rows: int) -> Iterator[Chunk]:
        """``(x, w)`` blocks of at most ``rows`` rows, in file order, by one reader."""
        raise NotImplementedError  # pragma: no cover - every reader implements it

    def rows(self, columns: list[str], weights: str | None, rows: int,
             progress: Callable[[int], None] | None = None, keys: Keys | None = None) -> Rows:
        """The table as :class:`~mvn_estimate.data.Rows` of ``(x, w)`` chunks: the
        ``columns`` as float64 (NaN for missing) and the ``weights`` column; with ``keys``,
        ``x`` ends with the rows' group codes (:data:`Keys`)."""
        raise NotImplementedError  # pragma: no cover - every reader implements it

    def values(self, column: str, rows: int) -> Iterator[pd.Series]:
        """One column's values as they are (text or numbers), in blocks of ``rows``, in
        file order (the labels of ``by=`` groups)."""
        raise NotImplementedError  # pragma: no cover - every reader implements it

    def typed(self, labels: pd.Index) -> pd.Index:
        """The labels :meth:`values` gave, with the type the column has (a format without a
        schema reads text: its reader types the labels as pandas would)."""
        return labels


class Reader(Protocol):
    """A table format: whether a path is one, how to open it for streaming, how to read it."""

    name: str

    def accepts(self, path: str) -> bool:
        """Whether ``path`` is a file of this format (by suffix or by its first bytes)."""
        ...  # pragma: no cover

    def open(self, path: str, name: str, options: dict[str, Any]) -> tuple[Table, list[str]]:
        """The table opened for streaming, and notes on what was detected."""
        ...  # pragma: no cover

    def read(self, path: str, name: str, options: dict[str, Any],
             columns: list[str] | None) -> tuple[pd.DataFrame, list[str]]:
        """The whole table as a DataFrame, and notes on what was detected."""
        ...  # pragma: no cover


def checked_path(path: Any, name: str | None = None) -> tuple[str, str]:
    """``path`` as a string, checked to be a readable file; and how messages call it.

    Raises
    ------
    FileFormatError
        Not a path, no such file, a directory, or not readable (permissions).
    """
    if not isinstance(path, str | os.PathLike):
        raise FileFormatError(
            f"The 'path' argument must be a file path (str or pathlib.Path); got "
            f"{describe(path)}.")
    text = os.fspath(path)
    shown = text if name is None else name
    file = Path(text)
    if file.is_dir():
        raise FileFormatError(f"cannot read '{shown}': it is a directory, not a file. Name a "
                              "CSV or Parquet file in it.")
    if not file.is_file():
        raise FileFormatError(f"cannot read '{shown}': no such file.")
    if not os.access(text, os.R_OK):
        raise FileFormatError(f"cannot read '{shown}': permission denied. Check the file's "
                              "permissions (or copy it somewhere readable).")
    return text, shown


def counted(chunks: Iterator[Chunk], progress: Callable[[int], None] | None) -> Iterator[Chunk]:
    """The chunks, each reported to ``progress`` (rows read) as it passes."""
    for x, w in chunks:
        if progress is not None:
            progress(x.shape[0])
        yield x, w


def parse_detail(exc: BaseException) -> str:
    """A reader's exception as one short line (for a :class:`FileFormatError`)."""
    return " ".join(str(exc).split())[:200]


def key_codes(values: Any, keys: Keys | None) -> FloatArray | None:
    """The codes of ``values`` among the labels of ``keys`` (−1 where absent), as floats;
    None without keys.

    Examples
    --------
    >>> key_codes(["b", "a", "z"], ("g", pd.Index(["a", "b"]))).tolist()
    [1.0, 0.0, -1.0]
    """
    if keys is None:
        return None
    return keys[1].get_indexer(pd.Index(values)).astype(float)


def floats(frame: pd.DataFrame, columns: list[str]) -> FloatArray:
    """Numeric columns of a DataFrame as float64, NaN for missing."""
    return frame[columns].to_numpy(dtype="float64", na_value=float("nan"))
