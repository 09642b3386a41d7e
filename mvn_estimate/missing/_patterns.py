"""Missingness patterns: rows grouped by what they observe, reduced to per-pattern statistics.

One pass over the data turns it into, for every distinct pattern ``g`` (the set ``o`` of
observed columns):

* ``n_g`` (total weight) and the pattern mean ``x̄_g`` of the observed columns;
* for a *summarised* pattern (more rows than variables), the scatter ``S_g`` of its observed
  columns about ``x̄_g`` — everything EM, the observed-data likelihood, its score and its
  information need from those rows, because the conditional mean ``E[x_m | x_o]`` is linear
  in ``x_o``;
* for a *rare* pattern (at most ``p`` rows), the rows themselves (``raw_x``), since its scatter
  would take more memory than they do.

So an EM iteration costs ``O(G·p³ + n_raw·p²)`` and never touches the full data again; memory
stays below the data's size. Every quantity is stored relative to an ``origin`` (the first
observed value of each column), so data with a large common offset keep full accuracy.

Patterns are found by packing each row's observed-mask into one integer (64 columns per word)
and calling :func:`numpy.unique` on those — never a row-wise unique over a boolean matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray, IntArray
from ..data import CHUNK_ELEMENTS, Dataset, SufficientStats, locate_nonfinite, show_labels, stats_of
from ..exceptions import NonFiniteError, NotIdentifiedError, arg, ref

__all__ = ["Group", "PatternSummaries", "Patterns", "build_patterns",
           "chunk_summaries", "merge_summaries", "pattern_keys", "patterns_from_summaries"]


@dataclass(frozen=True)
class Group:
    """The patterns with ``m`` missing columns (batched together at each E-step).

    ``ids`` indexes the patterns, ``mis``/``obs`` (G', m) / (G', p − m) are their missing and
    observed columns; ``summarised`` are positions (into ``ids``) of summarised patterns and
    ``scatter`` their rows in :attr:`Patterns.scatter`; ``raw_rows`` index :attr:`Patterns.raw_x`
    and ``raw_local`` gives each raw row's position in ``ids``.
    """

    ids: IntArray
    mis: IntArray
    obs: IntArray
    summarised: IntArray
    scatter: IntArray
    raw_rows: IntArray
    raw_local: IntArray

    @property
    def nmissing(self) -> int:
        return int(self.mis.shape[1])


@dataclass(frozen=True, eq=False)
class Patterns:
    """Data with missing values (NaN) reduced to per-pattern statistics (see module notes).

    Attributes
    ----------
    masks : (G, p) bool
        Observed columns of each pattern.
    n : (G,)
        Total weight of each pattern.
    nrows : (G,)
        Rows in each pattern.
    mean : (G, p)
        Pattern mean minus ``origin``, zero at the missing columns.
    scatter : (Gs, p, p)
        Scatter of each summarised pattern about its mean, zero at the missing columns.
    raw_x : (m, p), raw_w : (m,), raw_pattern : (m,)
        The rows of rare patterns (minus ``origin``, zero where missing), weights, patterns.
    row_pattern : (n,)
        Pattern of every data row (−1 for rows with nothing observed).
    origin : (p,)
    groups : list of Group
    labels : Index
    excluded : int
        Rows with nothing observed (not used).
    """

    masks: np.ndarray
    n: FloatArray
    nrows: IntArray
    mean: FloatArray
    scatter: FloatArray
    raw_x: FloatArray
    raw_w: FloatArray
    raw_pattern: IntArray
    row_pattern: IntArray
    origin: FloatArray
    groups: list[Group]
    labels: pd.Index
    excluded: int

    @property
    def p(self) -> int:
        return len(self.labels)

    @property
    def npatterns(self) -> int:
        return int(self.n.size)

    @property
    def total(self) -> float:
        return float(self.n.sum())

    @property
    def names(self) -> list[str]:
        return [str(c) for c in self.labels]

    @property
    def complete(self) -> bool:
        """True when every used row observes every column."""
        return self.npatterns == 1 and bool(self.masks[0].all())


def pattern_keys(observed: np.ndarray) -> np.ndarray:
    """One sortable key per row from its boolean observed-mask (packed bits).

    Up to 62 columns the key is an int64 (bit ``j`` set when column ``j`` is observed);
    beyond, the packed bytes viewed as one fixed-size opaque value.

    Examples
    --------
    >>> pattern_keys(np.array([[True, False], [True, True]])).tolist()
    [1, 3]
    """
    p = observed.shape[1]
    if p <= 62:
        return observed.astype(np.int64) @ (np.int64(1) << np.arange(p, dtype=np.int64))
    packed = np.ascontiguousarray(np.packbits(observed, axis=1))
    return packed.view(np.dtype((np.void, packed.shape[1]))).ravel()


def _masks_of(keys: np.ndarray, p: int) -> np.ndarray:
    if keys.dtype == np.int64:
        return ((keys[:, None] >> np.arange(p, dtype=np.int64)) & 1).astype(bool)
    raw = np.frombuffer(keys.tobytes(), dtype=np.uint8).reshape(keys.size, -1)
    return np.unpackbits(raw, axis=1)[:, :p].astype(bool)


def _scan(x: FloatArray, ds: Dataset) -> tuple[np.ndarray, np.ndarray, FloatArray]:
    """Keys of every row, which rows observe anything, and the origin (first observed value
    of each column), by chunks."""
    n, p = x.shape
    rows = max(256, CHUNK_ELEMENTS // p)
    keys, anyobs = [], []
    origin = np.full(p, np.nan)
    for start in range(0, n, rows):
        chunk = x[start:start + rows]
        observed = ~np.isnan(chunk)
        if np.isinf(chunk).any():  # NaN is not infinite: no need to mask
            locate_nonfinite(ds, allow_nan=True)
        keys.append(pattern_keys(observed))
        anyobs.append(observed.any(axis=1))
        todo = np.isnan(origin) & observed.any(axis=0)
        if todo.any():
            first = np.argmax(observed, axis=0)
            origin[todo] = chunk[first[todo], np.flatnonzero(todo)]
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0, bool), origin
    return np.concatenate(keys), np.concatenate(anyobs), origin


def _identified(labels: pd.Index, masks: np.ndarray, nrows: IntArray) -> None:
    if masks.shape[0] == 0:
        raise NotIdentifiedError(
            f"{arg('data')} has no observed value in any row; nothing can be estimated.")
    seen = np.asarray(masks.any(axis=0), dtype=bool)
    never = [c for c, k in zip(labels, seen.tolist(), strict=True) if not k]
    if never:
        raise NotIdentifiedError(
            f"Columns {show_labels(never)} are never observed: their mean and variances are not "
            "identified. Drop them.")
    both = (masks.T * nrows) @ masks.astype(float)
    pairs = [(labels[i], labels[j]) for i, j in zip(*np.nonzero(both == 0), strict=True) if i < j]
    if pairs:
        raise NotIdentifiedError(
            f"Column pairs {pairs[:8]} are never observed together: their covariance is not "
            "identified by the data. Drop one column of each pair.")


def _weighted(labels: pd.Index, masks: np.ndarray, weight: FloatArray) -> None:
    """Columns observed only in rows of weight zero carry no information either."""
    seen = (masks.T.astype(float) @ weight) > 0
    never = [c for c, k in zip(labels, seen.tolist(), strict=True) if not k]
    if never:
        raise NotIdentifiedError(
            f"Columns {show_labels(never)} are observed only in rows of weight zero: their mean "
            f"and variances are not identified. Drop them, or give those rows a positive weight "
            f"in {ref('weights')}.")


def _pattern_stats(x: FloatArray, w: FloatArray | None, rows: IntArray, mask: np.ndarray,
                   origin: FloatArray) -> SufficientStats:
    """Statistics of one pattern's rows, shifted by ``origin`` and zero at missing columns."""
    p = x.shape[1]
    step = max(256, CHUNK_ELEMENTS // p)
    contiguous = rows.size and rows[-1] - rows[0] == rows.size - 1
    out = SufficientStats.empty(p)
    for start in range(0, rows.size, step):
        idx = rows[start:start + step]
        part = x[idx[0]:idx[-1] + 1] if contiguous else x[idx]
        shifted = np.where(mask, part - origin, 0.0)
        weights = None if w is None else w[idx]
        out = out.merge(stats_of(shifted, weights, np.zeros(p)))
    return out


def _groups(masks: np.ndarray, summary: IntArray, raw_pattern: IntArray) -> list[Group]:
    p = masks.shape[1]
    missing = p - masks.sum(axis=1)
    out = []
    for m in np.unique(missing):
        ids = np.flatnonzero(missing == m)
        # np.nonzero runs row-major: each pattern's columns in increasing order
        mis = np.nonzero(~masks[ids])[1].reshape(ids.size, m)
        obs = np.nonzero(masks[ids])[1].reshape(ids.size, p - m)
        local = np.full(masks.shape[0], -1)
        local[ids] = np.arange(ids.size)
        summarised = np.flatnonzero(summary[ids] >= 0)
        raw_rows = np.flatnonzero(local[raw_pattern] >= 0)
        out.append(Group(ids, mis, obs, summarised, summary[ids[summarised]], raw_rows,
                         local[raw_pattern[raw_rows]]))
    return out


def _sorted_patterns(keys: np.ndarray) -> tuple[np.ndarray, IntArray, IntArray, IntArray]:
    """``np.unique(keys, return_inverse=True, return_counts=True)`` and the stable order
    that sorts the rows by pattern, from one sort."""
    order = np.argsort(keys, kind="stable")
    ranked = keys[order]
    first = np.r_[True, ranked[1:] != ranked[:-1]] if ranked.size else np.zeros(0, bool)
    starts = np.flatnonzero(first)
    inverse = np.empty(keys.size, dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    return ranked[first], inverse, np.diff(np.r_[starts, keys.size]), order


def build_patterns(ds: Dataset, w: FloatArray | None, *,
                   summarise_above: int | None = None, identify: bool = True) -> Patterns:
    """Reduce ``ds`` (NaN = missing) to per-pattern statistics in one pass (plus the rows of
    rare patterns).

    A pattern with more than ``summarise_above`` rows (default ``p``) is summarised by its
    statistics; the others keep their rows. Both give the same numbers (tested); the choice
    only bounds memory (a ``p×p`` scatter costs no more than the rows it replaces).

    ``identify=False`` leaves out the checks that the data identify the model (for a chunk of
    rows whose statistics are added to others').

    Raises
    ------
    NonFiniteError
        Infinite values (they are not missing values).
    NotIdentifiedError
        No observed value at all, a column never observed, or a pair never observed together.
    """
    x, p = ds.values, ds.nvars
    keys, anyobs, origin = _scan(x, ds)
    origin = np.nan_to_num(origin)
    used = np.flatnonzero(anyobs)
    uniq, inverse, nrows, order = _sorted_patterns(keys[used])
    masks = _masks_of(uniq, p)
    if identify:
        _identified(ds.labels, masks, nrows)
    row_pattern = np.full(x.shape[0], -1, dtype=np.intp)
    row_pattern[used] = inverse
    order = used[order]
    starts = np.concatenate([[0], np.cumsum(nrows)])
    limit = p if summarise_above is None else summarise_above
    summary = np.full(uniq.size, -1, dtype=np.intp)
    g_n, g_mean = np.zeros(uniq.size), np.zeros((uniq.size, p))
    scatters: list[FloatArray] = []
    big = nrows > limit
    for g in np.flatnonzero(big):
        stats = _pattern_stats(x, w, order[starts[g]:starts[g + 1]], masks[g], origin)
        summary[g] = len(scatters)
        scatters.append(stats.scatter)
        g_n[g], g_mean[g] = stats.n, stats.mean
    raw_idx = order[np.repeat(~big, nrows)]  # the rows of rare patterns, pattern by pattern
    raw_pattern = row_pattern[raw_idx]
    raw_mask = masks[raw_pattern]
    raw_x = np.where(raw_mask, x[raw_idx] - origin, 0.0)
    raw_w = np.ones(raw_idx.size) if w is None else w[raw_idx]
    if raw_idx.size:
        sums = np.zeros((uniq.size, p))
        np.add.at(sums, raw_pattern, raw_x * raw_w[:, None])
        tot = np.bincount(raw_pattern, weights=raw_w, minlength=uniq.size)
        rare = summary < 0
        g_n[rare] = tot[rare]
        g_mean[rare] = sums[rare] / np.where(tot[rare] > 0, tot[rare], 1.0)[:, None]
    scatter = np.stack(scatters) if scatters else np.zeros((0, p, p))
    if identify:
        _weighted(ds.labels, masks, g_n)
    groups = _groups(masks, summary, raw_pattern)
    return Patterns(masks, g_n, nrows, g_mean, scatter, raw_x, raw_w, raw_pattern, row_pattern,
                    origin, groups, ds.labels, int(x.shape[0] - used.size))


PatternSummaries = dict[Any, tuple[int, SufficientStats]]
"""Pattern key → (rows, statistics of the rows shifted by an origin, zero where missing)."""


def chunk_summaries(x: FloatArray, w: FloatArray | None, origin: FloatArray,
                    name: str = "data") -> tuple[PatternSummaries, int]:
    """Per-pattern statistics of one chunk of rows (NaN = missing), and the number of rows
    with nothing observed. Additive over chunks (:func:`merge_summaries`): what streaming
    files and Dask partitions compute."""
    observed = ~np.isnan(x)
    if np.isinf(x).any():
        raise NonFiniteError(f"{arg(name)} must not hold infinite values; got "
                             f"{int(np.isinf(x).sum())}. Replace them (they are not "
                             "missing values).")
    keys = pattern_keys(observed)
    anyobs = observed.any(axis=1)
    out: PatternSummaries = {}
    uniq, inverse = np.unique(keys[anyobs], return_inverse=True)
    rows = np.flatnonzero(anyobs)
    p = x.shape[1]
    for g, key in enumerate(uniq):
        idx = rows[inverse.ravel() == g]
        mask = observed[idx[0]]
        shifted = np.where(mask, x[idx] - origin, 0.0)
        stats = stats_of(shifted, None if w is None else w[idx], np.zeros(p))
        out[key.item() if hasattr(key, "item") else key] = (idx.size, stats)
    return out, int((~anyobs).sum())


def merge_summaries(a: PatternSummaries, b: PatternSummaries) -> PatternSummaries:
    """The summaries of the union of two sets of rows."""
    out = dict(a)
    for key, (rows, stats) in b.items():
        if key in out:
            count, old = out[key]
            out[key] = (count + rows, old.merge(stats))
        else:
            out[key] = (rows, stats)
    return out


def patterns_from_summaries(labels: pd.Index, origin: FloatArray, summaries: PatternSummaries,
                            excluded: int) -> Patterns:
    """:class:`Patterns` from merged per-pattern statistics (every pattern summarised; no
    row-level data, so no robust standard errors)."""
    p = len(labels)
    keys = list(summaries)
    if not keys:
        raise NotIdentifiedError(f"{arg('data')} has no observed value in any row; "
                                 "nothing can be estimated.")
    sample = np.array(keys, dtype=object if not isinstance(keys[0], int) else np.int64)
    masks = _masks_of(sample if sample.dtype == np.int64 else np.array(keys), p)
    nrows = np.array([summaries[k][0] for k in keys], dtype=np.intp)
    _identified(labels, masks, nrows)
    stats = [summaries[k][1] for k in keys]
    n = np.array([s.n for s in stats])
    _weighted(labels, masks, n)
    mean = np.array([s.mean for s in stats]) * masks
    scatter = np.array([s.scatter for s in stats])
    summary = np.arange(len(keys), dtype=np.intp)
    empty = np.zeros(0, dtype=np.intp)
    return Patterns(masks, n, nrows, mean, scatter, np.zeros((0, p)), np.zeros(0), empty,
                    empty, origin, _groups(masks, summary, empty), labels, excluded)
