"""Robust univariate scales of many columns at once, as robustbase computes them: ``Qn``
(Rousseeuw & Croux, 1993) and ``scaleTau2`` (Maronna & Zamar, 2002), and the choice between
them that DetMCD makes (robustbase's ``scalefn = "hrv2012"``: ``Qn`` below 1000 rows,
``scaleTau2`` from 1000).

``Qn`` is ``2.21914 · d_(k)`` with ``d_(k)`` the ``k``-th smallest of the ``n(n−1)/2``
pairwise distances ``|xᵢ − xⱼ|``, ``k = C(⌊n/2⌋ + 1, 2)``, times robustbase's finite-sample
factor. DetMCD's sixth start needs it for every pair of columns (``p(p−1)`` columns: 22 052 at
``p = 149``), so the order statistic is found without forming the pairs: the sorted column's
pairs ``yⱼ − yᵢ`` are counted below a threshold (one ``searchsorted`` per column), the
threshold is moved by interpolation on those counts until few pairs remain between two
thresholds, and the wanted one is selected exactly among them.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from .._typing import FloatArray, IntArray

__all__ = ["QN_ROWS", "kth_pair_distance", "qn_scale", "robust_scale", "tau2_scale",
           "zero_scale_fallback"]

QN_ROWS = 1000
"""Below this many rows DetMCD standardises with ``Qn``, from it on with ``scaleTau2``."""

QN_CONSTANT = 2.21914
_QN_SMALL = np.array([0.399356, 0.99365, 0.51321, 0.84401, 0.6122, 0.85877, 0.66993, 0.87344,
                      0.72014, 0.88906, 0.75743])
"""robustbase's finite-sample factors of ``Qn`` for n = 2..12."""

TAU_BLOCK = 1 << 20
"""Values per block of columns of :func:`tau2_scale`."""

BRUTE_PAIRS = 1 << 22
"""Pairs formed at once when the order statistic is taken from all of them (small data)."""

_CANDIDATES = 160
"""Pairs per column left between the thresholds before the exact selection."""

_GUESS = float(np.sqrt(2.0) * sps.norm.ppf(0.625) / (2.0 * sps.norm.ppf(0.75)))
"""First quartile of ``|X − X'|`` over the interquartile range, for normal ``X``."""


def _brute(ys: FloatArray, k: int) -> FloatArray:
    """``k``-th smallest ``yⱼ − yᵢ`` (``i < j``) of each sorted row, from all the pairs."""
    m, n = ys.shape
    rows, cols = np.triu_indices(n, 1)
    step = max(1, BRUTE_PAIRS // rows.size)
    out = np.empty(m)
    for start in range(0, m, step):
        y = ys[start:start + step]
        d = y[:, cols] - y[:, rows]
        out[start:start + step] = np.partition(d, k - 1, axis=1)[:, k - 1]
    return out


def _positions(ys: FloatArray, t: FloatArray) -> IntArray:
    """For each row and each ``i``: one past the last ``j`` with ``yⱼ ≤ yᵢ + t`` (at least
    ``i + 1``). Where ``yᵢ + t`` rounds, a pair whose difference is within one unit in the
    last place of ``t`` may be counted on the other side: the order statistic found is then
    exact up to that unit."""
    m, n = ys.shape
    pos = np.empty((m, n), dtype=np.intp)
    shifted = ys + t[:, None]
    for r in range(m):  # numpy's searchsorted is one sorted row at a time
        pos[r] = ys[r].searchsorted(shifted[r], side="right")
    return np.maximum(pos, np.arange(1, n + 1))


def _count(pos: IntArray) -> IntArray:
    n = pos.shape[1]
    return pos.sum(axis=1) - (n * (n + 1)) // 2


def kth_pair_distance(ys: FloatArray, k: int) -> FloatArray:
    """The ``k``-th smallest (1-based) of the pairwise differences ``yⱼ − yᵢ``, ``i < j``, of
    each row of ``ys`` (rows sorted ascending); exact.

    Examples
    --------
    >>> kth_pair_distance(np.array([[0.0, 1.0, 3.0, 7.0]]), 2)
    array([2.])
    """
    m, n = ys.shape
    pairs = n * (n - 1) // 2
    if pairs <= 4096:
        return _brute(ys, k)
    lo, hi = np.full(m, -1.0), ys[:, -1] - ys[:, 0]
    c_lo, c_hi = np.zeros(m, dtype=np.intp), np.full(m, pairs, dtype=np.intp)
    p_lo = np.tile(np.arange(1, n + 1), (m, 1))
    p_hi = np.full((m, n), n, dtype=np.intp)
    stalled = np.zeros(m, dtype=bool)
    q1, q3 = ys[:, n // 4], ys[:, (3 * n) // 4]
    guess = _GUESS * (q3 - q1) * np.sqrt(k / (0.25 * pairs))  # the normal's value
    for rnd in range(64):
        act = np.flatnonzero((c_hi - c_lo > _CANDIDATES) & ~stalled)
        if not act.size:
            break
        before = (c_hi - c_lo)[act]
        width = before.astype(float)
        margin = 2.5 * np.sqrt(width) + 1.0
        base = np.maximum(lo[act], 0.0)
        span = hi[act] - base
        if rnd == 0:  # a first bracket about the normal's value
            probes = [guess[act] * 0.8, guess[act] * 1.25]
        else:  # linear interpolation of the counts, a few standard errors either side
            probes = [base + np.clip((k - c_lo[act] + side * margin) / width, 0.0, 1.0) * span
                      for side in (-1.0, 1.0)]
        for t in probes:
            pos = _positions(ys[act], t)
            c = _count(pos)
            up, down = (c < k) & (t > lo[act]), (c >= k) & (t < hi[act])
            lo[act[up]], c_lo[act[up]], p_lo[act[up]] = t[up], c[up], pos[up]
            hi[act[down]], c_hi[act[down]], p_hi[act[down]] = t[down], c[down], pos[down]
        stalled[act] = (c_hi - c_lo)[act] == before  # tied pairs: nothing left to split
    return _select(ys, k, c_lo, p_lo, p_hi)


def _select(ys: FloatArray, k: int, c_lo: IntArray, p_lo: IntArray,
            p_hi: IntArray) -> FloatArray:
    """The ``(k − c_lo)``-th smallest of the pairs between the two thresholds of each row:
    each row's candidates after enough places of −inf that one partition at a common
    position selects every row's."""
    m, n = ys.shape
    lengths = (p_hi - p_lo).ravel()
    counts = lengths.reshape(m, n).sum(axis=1)
    total = int(counts.sum())
    owner = np.repeat(np.arange(m * n), lengths)  # the flat index of yᵢ
    gap = np.ones(total, dtype=np.intp)  # j − i, a ragged arange from p_lo − i in each window
    first = np.cumsum(lengths) - lengths
    some = lengths > 0
    start = (p_lo - np.arange(n)).ravel()[some]
    jump = start.copy()
    jump[1:] -= start[:-1] + lengths[some][:-1] - 1
    gap[first[some]] = jump
    gap = np.cumsum(gap)
    flat = ys.ravel()
    values = flat[owner + gap] - flat[owner]
    rank = k - 1 - c_lo
    width = int((counts + rank.max() - rank).max())
    table = np.full((m, width), np.inf)
    table[np.arange(width)[None, :] < (rank.max() - rank)[:, None]] = -np.inf
    shift = np.arange(m) * width + (rank.max() - rank) - (np.cumsum(counts) - counts)
    table.ravel()[np.arange(total) + np.repeat(shift, counts)] = values
    at = int(rank.max())
    return np.partition(table, at, axis=1)[:, at]


def qn_scale(x: FloatArray) -> FloatArray:
    """robustbase's ``Qn`` of each column of ``x`` (at least two rows), with its default
    constant and finite-sample correction.

    Examples
    --------
    >>> qn_scale(np.array([[1.0], [2.0], [4.0], [7.0], [11.0]])).round(6)  # R: Qn(c(1,2,4,7,11))
    array([5.618929])
    """
    n = x.shape[0]
    h = n // 2 + 1
    k = h * (h - 1) // 2
    r = QN_CONSTANT * kth_pair_distance(np.sort(x, axis=0).T, k)
    if n <= 12:
        return np.asarray(r * _QN_SMALL[n - 2], dtype=float)
    if n % 2:
        c = 1.60188 + (-2.1284 - 5.172 / n) / n
    else:
        c = 3.67561 + (1.9654 + (6.987 - 77.0 / n) / n) / n
    return np.asarray(r / (c / n + 1.0), dtype=float)


def _erho(b: float) -> float:
    return float(2.0 * ((1 - b * b) * sps.norm.cdf(b) - b * sps.norm.pdf(b) + b * b) - 1.0)


def tau2_scale(x: FloatArray, c1: float = 4.5, c2: float = 3.0) -> FloatArray:
    """robustbase's ``scaleTau2`` of each column (one step from the MAD, consistent at the
    normal): 0 where the MAD is 0.

    Examples
    --------
    >>> tau2_scale(np.array([[1.0], [2.0], [4.0], [7.0], [11.0]])).round(6)  # R: scaleTau2(...)
    array([3.825134])
    """
    n, m = x.shape
    out = np.zeros(m)
    norm = n * _erho(c2 * float(sps.norm.ppf(0.75)))
    step = max(1, TAU_BLOCK // max(n, 1))
    for start in range(0, m, step):  # blocks of columns that stay in cache
        xs = np.array(x[:, start:start + step].T, order="C")  # a copy: worked on in place
        mu0 = np.median(xs, axis=1, keepdims=True)
        dev = np.abs(xs - mu0)
        s0 = np.median(dev, axis=1, keepdims=True)
        ok = s0[:, 0] > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            dev /= s0 * c1
            np.square(dev, out=dev)
            np.subtract(1.0, dev, out=dev)
            np.maximum(dev, 0.0, out=dev)
            np.square(dev, out=dev)  # the weights
            mu = np.einsum("ij,ij->i", xs, dev) / dev.sum(axis=1)
            xs -= mu[:, None]
            xs /= s0
            np.square(xs, out=xs)
            np.minimum(xs, c2 * c2, out=xs)
            value = s0[:, 0] * np.sqrt(xs.sum(axis=1) / norm)
        out[start:start + step] = np.where(ok, value, 0.0)
    return out


def robust_scale(x: FloatArray) -> FloatArray:
    """DetMCD's scale of each column (``Qn`` below :data:`QN_ROWS` rows, else
    ``scaleTau2``).

    Examples
    --------
    >>> robust_scale(np.array([[1.0], [2.0], [4.0], [7.0], [11.0]])).round(6)
    array([5.618929])
    """
    return qn_scale(x) if x.shape[0] < QN_ROWS else tau2_scale(x)


def zero_scale_fallback(centred: FloatArray) -> float:
    """robustbase's scale of a column whose robust scale is 0 (more than half its values tied
    at the median): the first positive quantile of ``|x − med|`` at 50%, 55%, …, 95%, 98.75%,
    over the matching normal quantile; 1 when all are 0."""
    probs = np.array([*range(10, 20), 19.75]) / 20
    qq = np.quantile(np.abs(centred), probs)
    pos = np.flatnonzero(qq != 0)
    if not pos.size:
        return 1.0
    i = int(pos[0])
    return float(qq[i] / sps.norm.ppf((probs[i] + 1) / 2))
