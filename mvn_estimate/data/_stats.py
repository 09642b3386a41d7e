"""Sufficient statistics ``(n, mean, scatter)`` of a multivariate sample, built in chunks.

Every fit reduces its data to :class:`SufficientStats`; the estimator, the log-likelihood at
the optimum and the Fisher information come from these alone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from typing import Any

import numpy as np

from .._typing import FloatArray
from .._validate import real_array
from ..exceptions import InvalidOptionError, ShapeError, arg, describe
from ._segments import in_parallel, workers
from ._weights import check_weights

__all__ = ["CHUNK_ELEMENTS", "SufficientStats", "stats_of"]

CHUNK_ELEMENTS = 1 << 19
"""Elements per chunk (4 MiB of float64): small enough to stay in cache between passes,
large enough for the rank-k update to run at full BLAS speed (measured: ``make bench``)."""


def _chunk(x: FloatArray, w: FloatArray | None, origin: FloatArray,
           div: FloatArray | None = None,
           buf: FloatArray | None = None) -> tuple[float, FloatArray, FloatArray]:
    """``(n, mean − origin, scatter)`` of one chunk, for clean float64 input.

    Shift by ``origin`` (exact for data near it, however large their common offset), centre
    on the chunk mean, and form ``rᵀr`` — numpy evaluates ``r.T @ r`` as a symmetric rank-k
    update (BLAS ``syrk``, half the flops of a general product) and returns it symmetric.
    The returned mean is relative to ``origin``: small, and free of the offset's rounding.
    ``buf`` (at least ``x``'s shape) holds the centred rows: reusing it avoids a fresh
    allocation's page faults, and the column means are one product with a vector of ones
    (measured: the chunk's statistics in 55% of the time).
    """
    r = np.subtract(x, origin, out=None if buf is None else buf[:x.shape[0]])
    if div is not None:
        r /= div
    if w is None:
        total = float(x.shape[0])
        centre = np.ones(x.shape[0]) @ r / total
        r -= centre
    else:
        total = float(w.sum())
        if total == 0.0:
            return 0.0, np.zeros(x.shape[1]), np.zeros((x.shape[1], x.shape[1]))
        centre = (w @ r) / total
        r -= centre
        r *= np.sqrt(w)[:, None]
    return total, centre, r.T @ r


def _accumulate(acc: list[Any], total: float, centre: FloatArray, scatter: FloatArray) -> None:
    """Chan et al.'s pairwise update of ``acc = [n, mean, scatter]`` in place."""
    n_a = acc[0]
    if total == 0.0:
        return
    if n_a == 0.0:
        acc[:] = [total, centre, scatter]
        return
    n = n_a + total
    delta = centre - acc[1]
    acc[1] = acc[1] + delta * (total / n)
    acc[2] += scatter
    acc[2] += np.outer(delta, delta) * (n_a * total / n)
    acc[0] = n


@dataclass(frozen=True, eq=False)
class SufficientStats:
    """Weighted count, mean and scatter matrix of a sample.

    ``scatter = Σᵢ wᵢ (xᵢ − mean)(xᵢ − mean)ᵀ``; ``n = Σᵢ wᵢ`` (frequency weights: a weight of
    2 counts a row twice). Two sets of statistics :meth:`merge` exactly (Chan, Golub & LeVeque,
    1979), so chunks, files and partitions can be reduced independently.

    Attributes
    ----------
    n : float
        Total weight (the number of rows when unweighted).
    mean : ndarray of shape (p,)
    scatter : ndarray of shape (p, p)
        Symmetric positive semidefinite.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 5.0], [5.0, 11.0]])
    >>> s = SufficientStats.from_array(x)
    >>> s.n, s.mean
    (3.0, array([3., 6.]))
    >>> bool(np.allclose(s.cov(), np.cov(x, rowvar=False, bias=True)))
    True
    """

    n: float
    mean: FloatArray
    scatter: FloatArray

    @classmethod
    def empty(cls, p: int) -> SufficientStats:
        """Statistics of no data (the identity of :meth:`merge`)."""
        return cls(0.0, np.zeros(p), np.zeros((p, p)))

    @classmethod
    def from_array(cls, x: Any, weights: Any = None, *, chunk_size: int | None = None,
                   origin: Any = None, scale: Any = None) -> SufficientStats:
        """Statistics of the rows of ``x``, computed chunk by chunk.

        Parameters
        ----------
        x : array-like of shape (n, p)
            Real data. Not copied when it is already float64; never modified.
        weights : array-like of shape (n,), optional
            Non-negative, finite frequency weights.
        chunk_size : int, optional
            Rows per chunk; default keeps a chunk at ``CHUNK_ELEMENTS`` values. Extra memory
            is ``O(chunk_size · p + p²)``.
        origin : array-like of shape (p,), optional
            Point subtracted before accumulating (default: the first row). Chunk means are
            merged relative to it, so data with a large offset (1e9 with unit spread) keep
            their covariance to 12+ significant digits.
        scale : array-like of shape (p,), optional
            Statistics of ``x / scale`` (column by column), formed without copying ``x``:
            with powers of two the scaling is exact, which keeps data whose scatter would
            overflow (or underflow) float64 representable.

        Returns
        -------
        SufficientStats
            May hold NaN or inf if ``x`` does (callers check :attr:`finite`).

        Examples
        --------
        >>> s = SufficientStats.from_array(np.eye(3), weights=[1.0, 2.0, 0.0])
        >>> s.n
        3.0
        """
        arr, w, base, div = _inputs(x, weights, origin, scale)
        if arr.shape[0] == 0:
            raise ShapeError(f"{arg('x')} must have at least one row to summarise; got "
                             f"{describe(arr)}. Use SufficientStats.empty(p) for no data.")
        acc = _accumulate_rows(arr, w, base, div, chunk_size)
        return cls(acc[0], (base if div is None else base / div) + acc[1], acc[2])

    @classmethod
    def about(cls, x: Any, point: Any, weights: Any = None, *,
              scale: Any = None) -> SufficientStats:
        """Statistics of ``x − point`` (divided by ``scale``, column by column, when given):
        the mean is ``x̄ − point`` to full accuracy.

        What the log-likelihood, score and information at a given ``μ`` need: the scatter
        about ``μ`` and ``x̄ − μ`` without the rounding of a large common offset (data at
        1e12 with unit spread keep 15 significant digits; ``x̄ − μ`` formed after the fact
        would keep about 4).

        Examples
        --------
        >>> x = np.array([[1e12 + 1.0], [1e12 + 2.0], [1e12 + 4.0]])
        >>> SufficientStats.about(x, [1e12]).mean
        array([2.33333333])
        """
        arr, w, base, div = _inputs(x, weights, point, scale)
        acc = _accumulate_rows(arr, w, base, div, None)
        return cls(acc[0], acc[1], acc[2])

    @classmethod
    def from_chunks(cls, chunks: Iterable[Any]) -> SufficientStats:
        """Merge the statistics of an iterable of arrays (or of ``(x, weights)`` pairs).

        Examples
        --------
        >>> x = np.arange(12.0).reshape(6, 2) ** 2
        >>> a = SufficientStats.from_chunks([x[:2], x[2:]])
        >>> bool(np.allclose(a.scatter, SufficientStats.from_array(x).scatter))
        True
        """
        out: SufficientStats | None = None
        origin = None
        for item in chunks:
            x, w = item if isinstance(item, tuple) else (item, None)
            x = np.asarray(x, dtype=np.float64)
            if origin is None and x.ndim == 2 and x.shape[0]:
                origin = x[0].copy()
            if x.ndim == 2 and not x.shape[0]:
                continue  # an empty chunk adds nothing
            part = cls.from_array(x, w, origin=origin)
            out = part if out is None else out.merge(part)
        if out is None:
            raise ShapeError(f"{arg('chunks')} must yield at least one array; got none.")
        return out

    @property
    def nvars(self) -> int:
        """Number of variables ``p``."""
        return int(self.mean.size)

    @property
    def finite(self) -> bool:
        """Whether every statistic is finite (false when the data held NaN or inf)."""
        return bool(np.isfinite(self.n) and np.all(np.isfinite(self.mean))
                    and np.all(np.isfinite(self.scatter)))

    def merge(self, other: SufficientStats) -> SufficientStats:
        """Statistics of the union of two samples (Chan et al.'s pairwise update).

        ``n = nₐ + n_b``, ``δ = mean_b − meanₐ``, ``mean = meanₐ + δ n_b / n``,
        ``scatter = Sₐ + S_b + δδᵀ nₐ n_b / n``.

        Examples
        --------
        >>> a = SufficientStats.from_array(np.array([[0.0], [2.0]]))
        >>> b = SufficientStats.from_array(np.array([[4.0]]))
        >>> m = a.merge(b)
        >>> m.n, m.mean, m.scatter
        (3.0, array([2.]), array([[8.]]))
        """
        if other.nvars != self.nvars:
            raise ShapeError(
                f"Cannot merge statistics of {self.nvars} and {other.nvars} variables."
            )
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        n = self.n + other.n
        with np.errstate(invalid="ignore", over="ignore"):  # reported via .finite
            delta = other.mean - self.mean
            mean = self.mean + delta * (other.n / n)
            scatter = self.scatter + other.scatter \
                + np.outer(delta, delta) * (self.n * other.n / n)
        return SufficientStats(n, mean, scatter)

    def cov(self, ddof: int = 0) -> FloatArray:
        """Covariance ``scatter / (n − ddof)``: ``ddof=0`` is the MLE, ``ddof=1`` unbiased.

        Examples
        --------
        >>> SufficientStats.from_array(np.array([[0.0], [2.0], [4.0]])).cov(ddof=1)
        array([[4.]])
        """
        return self.scatter / (self.n - ddof)

    def scatter_about(self, point: FloatArray) -> FloatArray:
        """``Σᵢ wᵢ (xᵢ − point)(xᵢ − point)ᵀ = scatter + n (mean − point)(mean − point)ᵀ``.

        Examples
        --------
        >>> SufficientStats.from_array(np.array([[0.0], [2.0]])).scatter_about(np.zeros(1))
        array([[4.]])
        """
        d = self.mean - point
        return self.scatter + self.n * np.outer(d, d)



def _real(value: Any, name: str) -> FloatArray:
    arr = real_array(value, name, shape="a rectangular numeric array",
                     advice="Convert it explicitly (booleans and strings are not read as "
                            "numbers).")
    return arr.astype(np.float64, copy=False)


def _inputs(x: Any, weights: Any, origin: Any,
            scale: Any) -> tuple[FloatArray, FloatArray | None, FloatArray, FloatArray | None]:
    arr = _real(x, "x")
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise ShapeError(f"{arg('x')} must be 2-D with p >= 1; got {describe(arr)}.")
    p = arr.shape[1]
    w = None if weights is None else check_weights(weights, arr.shape[0])
    if origin is None:
        base = arr[0].copy() if arr.shape[0] else np.zeros(p)
    else:
        base = _vector(origin, p, "origin")
    div = None if scale is None else _vector(scale, p, "scale")
    if div is not None and (not np.all(np.isfinite(div)) or np.any(div <= 0)):
        raise InvalidOptionError(
            f"{arg('scale')} must be positive and finite; got {describe(scale)}.")
    return arr, w, base, div


def _vector(value: Any, p: int, name: str) -> FloatArray:
    out = _real(value, name)
    if out.shape != (p,):
        raise ShapeError(f"{arg(name)} must have shape ({p},); got {describe(out)}.")
    return out


_THREADED_ELEMENTS = 1 << 23
_THREADED_ROWS = 1 << 17
"""Threads per core only from 64 MiB and 131072 rows: below, one BLAS-threaded pass was
faster on 2 cores (1e5×10: 5.1 ms against 6.0 ms; 1e5×200: 97 ms against 108 ms), above it
the threads win (1e6×20: 54 ms against 75 ms)."""


def _accumulate_rows(arr: FloatArray, w: FloatArray | None, base: FloatArray,
                     div: FloatArray | None, chunk_size: int | None) -> list[Any]:
    """``[n, mean − base/div, scatter]`` of ``arr / div`` by chunks, merged with Chan's update.

    Large data (called from the main thread) are cut into one block of rows per core, each
    reduced by a thread with BLAS single-threaded, and the blocks merged in order: measured
    1.9× faster on 2 cores than BLAS-threaded chunks, and within one ``XᵀX`` of the data.
    """
    n, p = arr.shape
    # a chunk is at most CHUNK_ELEMENTS values and at most 1/8 of the data (peak memory)
    rows = chunk_size or max(64, min(CHUNK_ELEMENTS // p, -(-n // 8)))
    big = (n * p >= _THREADED_ELEMENTS and n >= _THREADED_ROWS
           and threading.current_thread() is threading.main_thread())
    threads = workers() if big else 1  # in_parallel: threads from the main thread only
    if threads > 1 and n >= 4 * rows * threads:
        rows = chunk_size or max(64, min(CHUNK_ELEMENTS // p, -(-n // 8)) // threads)
        cuts = np.linspace(0, n, threads + 1).astype(int)
        jobs = [partial(_accumulate_serial, arr[a:b], None if w is None else w[a:b], base, div,
                        rows) for a, b in pairwise(cuts)]
        parts = list(in_parallel(jobs, threads))
        for part in parts[1:]:
            _accumulate(parts[0], *part)
        return parts[0]
    return _accumulate_serial(arr, w, base, div, rows)


def _accumulate_serial(arr: FloatArray, w: FloatArray | None, base: FloatArray,
                       div: FloatArray | None, rows: int) -> list[Any]:
    n, p = arr.shape
    acc: list[Any] = [0.0, np.zeros(p), np.zeros((p, p))]
    # the layout of the data (a DataFrame's block is column-major): a copy that transposes
    # cost 17% of a 1e5×200 fit
    buf = np.empty((min(rows, n), p), order="F" if arr.strides[0] < arr.strides[1] else "C")
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf are reported via .finite
        for start in range(0, n, rows):
            stop = start + rows
            part = _chunk(arr[start:stop], None if w is None else w[start:stop], base, div,
                          buf)
            _accumulate(acc, *part)
    return acc


def stats_of(x: FloatArray, w: FloatArray | None, origin: FloatArray,
             scale: FloatArray | None = None) -> SufficientStats:
    """:meth:`SufficientStats.about` ``origin`` — statistics relative to a point shared by
    every chunk, so that chunks merge without the rounding of a large common offset — or the
    empty statistics when there is no row or no weight (a chunk, partition or pattern whose
    rows all have weight zero).

    Examples
    --------
    >>> stats_of(np.ones((2, 1)), np.zeros(2), np.zeros(1)).n
    0.0
    >>> stats_of(np.array([[1e9 + 1.0], [1e9 + 2.0]]), None, np.array([1e9])).mean
    array([1.5])
    """
    if x.shape[0] == 0 or (w is not None and np.all(w == 0)):
        return SufficientStats.empty(x.shape[1])
    return SufficientStats.about(x, origin, w, scale=scale)
