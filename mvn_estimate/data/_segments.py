"""Files read by several threads at once: a table cut into segments, each reduced in a thread.

pandas' C parser and pyarrow's decoders release the GIL, and so does the BLAS behind the
statistics (limited to one thread while the segments run, so that threads and BLAS do not
oversubscribe the cores): a file cut into independent segments — byte ranges of a CSV that
end at a line break, row groups of a Parquet file — is parsed and reduced in parallel, one
segment per thread, with memory of one chunk per thread. The segments' results are merged
in file order, so the numbers do not depend on the threads' timing.

A CSV can be cut at any line break only when no field is quoted (a quoted field may hold a
line break): :func:`quote_free` checks the whole file for a quote character (a ``memchr``
scan of the file in blocks); a file with quotes is read by one sequential reader instead.
"""

from __future__ import annotations

import io
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from threadpoolctl import ThreadpoolController

from .._typing import FloatArray
from ._rows import Chunk, add

__all__ = ["Segmented", "Window", "byte_ranges", "in_parallel", "one_blas_thread", "prefetch",
           "quote_free", "workers"]

SEGMENT_BYTES = (8 << 20, 64 << 20)
"""Smallest and largest CSV segment."""


_CONTROLLER: list[tuple[int, ThreadpoolController]] = []


def _blas() -> ThreadpoolController:
    """threadpoolctl's view of the loaded thread pools, rescanned only when modules were
    imported since the last scan (a scan reads ``/proc/self/maps``: ~3 ms, a third of a
    1e5×10 fit); the thread counts it reports are read live on every call."""
    key = len(sys.modules)
    if not _CONTROLLER or _CONTROLLER[-1][0] != key:
        _CONTROLLER[:] = [(key, ThreadpoolController())]
    return _CONTROLLER[-1][1]


def workers() -> int:
    """Threads for reading and reducing: the cores this process may use, at most the BLAS
    threads allowed (so ``threadpoolctl.threadpool_limits(1)`` or ``OMP_NUM_THREADS=1``
    keep a fit on one core), and at most 8."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    blas = [lib["num_threads"] for lib in _blas().info() if lib["user_api"] == "blas"]
    return max(1, min(8, cores or 1, *(blas or [8])))


def in_parallel(jobs: Sequence[Callable[[], Any]], threads: int) -> Iterator[Any]:
    """The jobs' results in order, run by ``threads`` threads with BLAS single-threaded
    meanwhile (a 2-core machine ran 2×2 oversubscribed threads 1.6× slower).

    Only from the main thread: BLAS limits are process-wide, and OpenBLAS was seen not to
    restore them when threads set and reset them concurrently; elsewhere (a Dask worker, a
    server's thread) the jobs run one after the other in the calling thread.
    """
    if threads <= 1 or threading.current_thread() is not threading.main_thread():
        for job in jobs:
            yield job()
        return
    with (_blas().limit(limits=1, user_api="blas"),
          ThreadPoolExecutor(max_workers=threads) as pool):
        futures = [pool.submit(job) for job in jobs]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS limited to one thread meanwhile — from the main thread only, as
    :func:`in_parallel` (elsewhere nothing changes).

    For work made of many small products, such as EM over missingness patterns: BLAS threads
    gain nothing there (measured: n = 10⁴, p = 20, 6490 patterns, 0.29 s with one thread or
    two on a quiet 2-core machine), and while another process keeps a core busy OpenBLAS's
    threads wait for it (the same fit took 2.3 s with two threads, 0.34 s with one).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    with _blas().limit(limits=1, user_api="blas"):
        yield


def quote_free(path: str) -> bool:
    """Whether the file holds no ``"`` (so every line break ends a record): a ``memchr``
    scan in 8 MiB blocks (not a memory map, whose pages would count as resident memory)."""
    buffer = bytearray(8 << 20)
    with open(path, "rb", buffering=0) as file:
        while got := file.readinto(buffer):
            if buffer.find(b'"', 0, got) >= 0:
                return False
    return True


def byte_ranges(path: str, start: int, count: int) -> list[tuple[int, int]]:
    """About ``count`` ranges from ``start`` to the end of the file, each ending just after a
    line break (sizes kept within :data:`SEGMENT_BYTES`)."""
    size = Path(path).stat().st_size
    step = min(max((size - start) // max(1, count) + 1, SEGMENT_BYTES[0]), SEGMENT_BYTES[1])
    out = []
    with open(path, "rb") as file:
        pos = start
        while pos < size:
            file.seek(min(pos + step, size))
            file.readline()
            end = min(file.tell(), size)
            out.append((pos, end))
            pos = end
    return out


class Window(io.RawIOBase):
    """The bytes ``[start, end)`` of a file, read as a file of their own."""

    def __init__(self, path: str, start: int, end: int) -> None:
        super().__init__()
        self._file = open(path, "rb", buffering=0)  # closed in close()
        self._file.seek(start)
        self._left = end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[:min(len(buffer), self._left)]
        got = self._file.readinto(view) or 0
        self._left -= got
        return got

    def close(self) -> None:
        self._file.close()
        super().close()


def prefetch(chunks: Iterator[Chunk], depth: int = 1) -> Iterator[Chunk]:
    """The chunks, read one ahead by a background thread (reading overlaps computing)."""
    box: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def produce() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        box.put(chunk, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(end)
        except BaseException as exc:  # handed to the consumer, raised there
            box.put(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    try:
        while (item := box.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


Reduce = Callable[[FloatArray, FloatArray | None], Any]


def _reduce(segment: Callable[[], Iterator[Chunk]], fn: Reduce,
            merge: Callable[[Any, Any], Any]) -> tuple[Any, int]:
    out, rows = None, 0
    for x, w in segment():
        part = fn(x, w)
        out = part if out is None else merge(out, part)
        rows += x.shape[0]
    return out, rows


class Segmented:
    """:class:`~mvn_estimate.data.Rows` over independent segments, reduced in threads.

    ``segments`` are callables that each yield one segment's chunks; ``head`` gives a small
    sample; ``progress`` is told the rows of each segment as it is merged.
    """

    def __init__(self, segments: Sequence[Callable[[], Iterator[Chunk]]],
                 head: Callable[[], Chunk],
                 threads: int, progress: Callable[[int], None] | None = None) -> None:
        self.segments, self._head, self.threads = segments, head, threads
        self.progress = progress

    def total(self, fn: Reduce, merge: Callable[[Any, Any], Any] = add,
              check: Callable[[Any], None] | None = None) -> Any:
        if len(self.segments) == 1:
            only = self.segments[0]
            job = partial(_reduce, lambda: prefetch(only()), fn, merge)
            return self._merge_in_order([job], merge, check, 2)  # a reader's thread and ours
        jobs = [partial(_reduce, s, fn, merge) for s in self.segments]
        return self._merge_in_order(jobs, merge, check, self.threads)

    def _merge_in_order(self, jobs: Sequence[Callable[[], tuple[Any, int]]],
                        merge: Callable[[Any, Any], Any], check: Callable[[Any], None] | None,
                        threads: int) -> Any:
        out = None
        for k, (part, rows) in enumerate(in_parallel(jobs, threads)):
            if part is not None:
                out = part if out is None else merge(out, part)
            if self.progress is not None:
                self.progress(rows)
            if check is not None and out is not None and k < len(jobs) - 1:  # more to come
                check(out)
        return out

    def head(self) -> Chunk:
        return self._head()
