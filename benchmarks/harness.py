"""Timing and memory measurement shared by the benchmark cases.

Each case times ours and a reference in the same process, alternating their repetitions so
that both see the same load on a shared machine (median with min–max), after checking that
both give the same numbers. Peak memory is the
tracemalloc peak of one extra call (numpy reports its buffers to tracemalloc) and the process's
peak RSS so far.
"""

from __future__ import annotations

import gc
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

BUDGET_S = 2.0
"""Seconds a fast pair may spend on extra rounds."""
MAX_ROUNDS = 41
"""Most rounds of a pair."""


@dataclass
class Timing:
    median: float
    low: float
    high: float

    def text(self) -> str:
        return f"{self.median * 1e3:9.2f} ms [{self.low * 1e3:.2f}–{self.high * 1e3:.2f}]"


@dataclass
class Row:
    case: str
    ours: Timing
    reference_name: str
    reference: Timing | None
    ratio: float | None
    target: str
    met: bool | None
    ours_peak_mb: float
    reference_peak_mb: float | None
    data_mb: float | None
    rss_mb: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def timed(fn: Callable[[], Any], repeat: int) -> Timing:
    """Median/min/max wall time of ``repeat`` calls (one warm-up call first)."""
    fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return Timing(statistics.median(times), min(times), max(times))


def timed_pair(ours: Callable[[], Any], reference: Callable[[], Any],
               repeat: int) -> tuple[Timing, Timing]:
    """Time two functions alternately (ours, reference, ours, …) so that both see the same
    machine load; returns their timings. One warm-up call of each first; fast pairs get more
    rounds (up to ``MAX_ROUNDS``, about ``BUDGET_S`` seconds) so the medians are stable."""
    start = time.perf_counter()
    ours()
    reference()
    warm = time.perf_counter() - start
    rounds = max(repeat, min(MAX_ROUNDS, int(BUDGET_S / max(warm, 1e-6))))
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for fn, bucket in ((ours, times[0]), (reference, times[1])):
            gc.collect()
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return tuple(Timing(statistics.median(t), min(t), max(t)) for t in times)  # type: ignore


def peak_mb(fn: Callable[[], Any]) -> float:
    """tracemalloc peak (MB) of one call, above what was allocated before it."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - base) / 2**20


def rss_mb() -> float:
    """Peak resident set size of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
