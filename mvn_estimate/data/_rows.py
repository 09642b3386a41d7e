"""Rows that can be read again, chunk by chunk: the one interface behind every data pass.

A fit reduces its data to statistics that add up over any split of the rows (sufficient
statistics, per-pattern summaries, fourth moments, outer products of scores). A :class:`Rows`
applies a per-chunk function and sums the results — in a loop over an in-memory array or a
file read in blocks (:class:`Chunked`), or as a tree reduction over Dask partitions
(:mod:`mvn_estimate.data._dask`). The arithmetic is written once, for a chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from .._typing import FloatArray

__all__ = ["HEAD_ROWS", "Chunk", "Chunked", "Rows", "Together", "add"]

HEAD_ROWS = 1000
"""Rows of the sample a source gives as its head (a point near the data, column types)."""

Chunk = tuple[FloatArray, FloatArray | None]
"""Rows ``x`` (n, p) with their weights ``w`` (n,) or None."""


def add(a: Any, b: Any) -> Any:
    """``a + b`` for arrays and numbers; element by element for tuples; ``a.merge(b)`` for
    objects that merge (sufficient statistics).

    Examples
    --------
    >>> add((1.0, 2.0), (3.0, 4.0))
    (4.0, 6.0)
    """
    if isinstance(a, tuple):
        return tuple(add(x, y) for x, y in zip(a, b, strict=True))
    if hasattr(a, "merge"):
        return a.merge(b)
    return a + b


class Rows(Protocol):
    """Rows available for any number of passes."""

    def total(self, fn: Callable[[FloatArray, FloatArray | None], Any],
              merge: Callable[[Any, Any], Any] = add,
              check: Callable[[Any], None] | None = None) -> Any:
        """``merge`` of ``fn(x, w)`` over every chunk (``None`` for no chunk).

        ``check`` sees the running total while more chunks are to come, when they come in
        order (so a bad value stops a long read early); the caller checks the final total.
        """
        ...  # pragma: no cover

    def head(self) -> Chunk:
        """The first chunk (for a starting point, such as an origin near the data)."""
        ...  # pragma: no cover


class Chunked:
    """:class:`Rows` from a callable that yields the chunks afresh at each call (and
    optionally one that gives a sample of the first rows cheaply, for :meth:`head`).

    Examples
    --------
    >>> import numpy as np
    >>> rows = Chunked(lambda: iter([(np.ones((2, 1)), None), (np.zeros((3, 1)), None)]))
    >>> rows.total(lambda x, w: x.shape[0])
    5
    """

    def __init__(self, source: Callable[[], Iterable[Chunk]],
                 head: Callable[[], Chunk] | None = None) -> None:
        self.source, self._head = source, head

    @classmethod
    def of(cls, x: FloatArray, w: FloatArray | None = None) -> Chunked:
        """One in-memory array (no copy), passed whole to each function (which works in
        blocks of rows itself, with threads for large data); its head is the first
        :data:`HEAD_ROWS` rows."""
        return cls(lambda: iter([(x, w)]),
                   lambda: (x[:HEAD_ROWS], None if w is None else w[:HEAD_ROWS]))

    def total(self, fn: Callable[[FloatArray, FloatArray | None], Any],
              merge: Callable[[Any, Any], Any] = add,
              check: Callable[[Any], None] | None = None) -> Any:
        out = None
        for x, w in self.source():
            if check is not None and out is not None:  # more rows are coming
                check(out)
            part = fn(x, w)
            out = part if out is None else merge(out, part)
        return out

    def head(self) -> Chunk:
        if self._head is not None:
            return self._head()
        chunks = iter(self.source())
        try:
            return next(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()


class Together:
    """Several :class:`Rows` read as one (each in turn, the totals merged): the rows of all
    groups, for what is common to them (units)."""

    def __init__(self, parts: list[Rows]) -> None:
        self.parts = parts

    def total(self, fn: Callable[[FloatArray, FloatArray | None], Any],
              merge: Callable[[Any, Any], Any] = add,
              check: Callable[[Any], None] | None = None) -> Any:
        out = None
        for rows in self.parts:
            part = rows.total(fn, merge)
            out = part if out is None else out if part is None else merge(out, part)
        return out

    def head(self) -> Chunk:
        return self.parts[0].head()
