"""Splitting data into groups by a column or by an array of group labels."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray
from ..exceptions import LabelError, MissingValueError, ShapeError, arg, describe, ref
from ._dataset import Dataset, as_dataset, is_label, show_labels
from ._rows import Chunk, Rows, add

__all__ = ["GroupRows", "Groups", "check_by", "check_labels", "group_labels", "label_summary",
           "split_groups"]


@dataclass(frozen=True)
class Groups:
    """Data split by group: ``labels`` in order of first appearance, one :class:`Dataset`
    per group (rows in their original order), and the row indices of each group."""

    name: str
    labels: list[Any]
    parts: list[Dataset]
    rows: list[np.ndarray]

    @property
    def sizes(self) -> list[int]:
        return [d.nobs for d in self.parts]


def _keys(data: Any, by: Any, ds_index: pd.Index | None, n: int) -> tuple[np.ndarray, str]:
    if is_label(by, data):
        return data[by].to_numpy(), str(by)
    if isinstance(by, str):
        raise LabelError(f"{arg('by')} {by!r} is not a column of {ref('data')}; give a column "
                         "label, or an array of group labels with one entry per row.")
    if isinstance(by, pd.Series) and ds_index is not None:
        if by.index.has_duplicates or not by.index.isin(ds_index).all() or len(by) != n:
            raise LabelError(f"The 'by' Series is matched to the rows of {ref('data')} by index; "
                             "its "
                             "index must hold each row label once. Pass by.to_numpy() to "
                             "match by position.")
        return by.loc[ds_index].to_numpy(), str(by.name or "group")
    keys = np.asarray(by)
    if keys.ndim != 1 or keys.size != n:
        raise ShapeError(f"{arg('by')} must be a column label or one group label per row "
                         f"({n}); got {describe(by)}.")
    return keys, "group"


def split_groups(data: Any, by: Any, *, columns: Any = None, min_rows: int = 1) -> Groups:
    """Split ``data`` by ``by`` (a column label of ``data``, or an array/Series of labels).

    The ``by`` column is not one of the variables. Raises :class:`MissingValueError` for a
    missing group label, :class:`ShapeError` for fewer than two groups or a group with fewer
    than ``min_rows`` rows (named).
    """
    exclude = (by,) if is_label(by, data) else ()
    if exclude:
        check_by(by, columns, None)
    ds = as_dataset(data, columns=columns, exclude=exclude)
    keys, name = _keys(data, by, ds.index, ds.nobs)
    codes, labels = pd.factorize(keys, sort=False)
    check_labels(list(labels), int(pd.isna(keys).sum()))
    rows = [np.flatnonzero(codes == g) for g in range(len(labels))]
    small = [(lab, r.size) for lab, r in zip(labels, rows, strict=True) if r.size < min_rows]
    if small:
        raise ShapeError(
            f"Every group of {ref('by')} needs at least {min_rows} rows here; got {small[:5]} "
            "(group, rows). Merge or drop the small groups.")
    parts = [Dataset(ds.values[r], ds.labels, None if ds.index is None else ds.index[r],
                     ds.labelled) for r in rows]
    return Groups(name, list(labels), parts, rows)


def check_by(by: Any, columns: Any, weights: Any) -> None:
    """Refuse a ``by`` column that is also one of the variables or the weights
    (:class:`LabelError`)."""
    listed = columns is not None and not isinstance(columns, str) and np.ndim(columns) == 1
    if listed and any(np.ndim(c) == 0 and c == by for c in columns):
        raise LabelError(f"{arg('by')} {by!r} names the column that defines the groups, so it "
                         f"cannot also be one of the variables in {ref('columns')} "
                         f"{show_labels(list(columns))}. Leave it out of {ref('columns')}.")
    if weights is not None and np.ndim(weights) == 0 and weights == by:
        raise LabelError(f"{arg('by')} and {ref('weights')} both name the column {by!r}: a "
                         "column defines the groups or weighs the rows, not both. Name a "
                         f"different column for one of them.")


def check_labels(labels: list[Any], missing: int) -> None:
    """Refuse missing group labels and fewer than two groups (:class:`MissingValueError`,
    :class:`ShapeError`)."""
    if missing:
        raise MissingValueError(
            f"{arg('by')} has {missing} missing group labels; drop those rows "
            "or give them a group.")
    if len(labels) < 2:
        raise ShapeError(f"{arg('by')} must define at least two groups; got "
                         f"{show_labels(list(labels))}.")


def label_summary(values: pd.Series) -> tuple[np.ndarray, int]:
    """A block of group labels summarised: its distinct labels in order of first appearance,
    and how many are missing (what :func:`group_labels` merges)."""
    return np.asarray(pd.unique(values.dropna())), int(values.isna().sum())


def group_labels(summaries: Iterable[tuple[np.ndarray, int]]) -> pd.Index:
    """The group labels of a ``by`` column read block by block (each block's
    :func:`label_summary`, in row order), in order of first appearance; checked by
    :func:`check_labels`.

    Examples
    --------
    >>> blocks = [pd.Series(["b", "a"]), pd.Series(["a", "c"])]
    >>> list(group_labels(label_summary(b) for b in blocks))
    ['b', 'a', 'c']
    """
    seen: list[Any] = []
    missing = 0
    for distinct, nan in summaries:
        missing += nan
        seen.extend(distinct)
    labels = list(pd.unique(pd.Series(seen, dtype=object))) if seen else []
    check_labels(labels, missing)
    return pd.Index(labels, dtype=object)


def _of_group(x: FloatArray, w: FloatArray | None, fn: Callable[..., Any],
              code: int) -> Any:
    keep = x[:, -1] == code
    return fn(x[keep, :-1], None if w is None else w[keep])


class GroupRows:
    """:class:`Rows` of one group, read from rows whose last column holds each row's group
    code (its position among the labels): every pass reads all rows and keeps the group's.
    The head is the group's first rows (found by one pass when the first rows read hold none
    of them): the point about which its statistics are formed is near the group's data, as
    in memory — so a column constant within the group has exactly zero scatter.
    """

    def __init__(self, rows: Rows, code: int) -> None:
        self.rows, self.code = rows, code
        self._head: Chunk | None = None

    def total(self, fn: Callable[[FloatArray, FloatArray | None], Any],
              merge: Callable[[Any, Any], Any] = add,
              check: Callable[[Any], None] | None = None) -> Any:
        return self.rows.total(partial(_of_group, fn=fn, code=self.code), merge, check)

    def head(self) -> Chunk:
        if self._head is None:
            found = _group_head(*self.rows.head(), code=self.code)
            if found is None:
                found = self.rows.total(partial(_group_head, code=self.code), merge=_earlier)
            assert found is not None  # every group has a row (its label was read from one)
            self._head = found
        return self._head


def _group_head(x: FloatArray, w: FloatArray | None, code: int) -> Chunk | None:
    """The rows of group ``code`` in a chunk (None if it has none)."""
    keep = x[:, -1] == code
    if not keep.any():
        return None
    return x[keep, :-1], None if w is None else w[keep]


def _earlier(a: Chunk | None, b: Chunk | None) -> Chunk | None:
    """The first of two chunks in row order that holds rows."""
    return a if a is not None else b
