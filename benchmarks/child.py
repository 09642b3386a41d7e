"""Run one fit in a fresh process and report its time and memory (``python -m benchmarks.child``).

Memory is measured in a process of its own so that nothing else the benchmark run allocated
counts: the resident set before the data are loaded is the baseline, and the peak after the
fit, minus that baseline, is what the data and the fit needed together.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np


def _rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def main(argv: list[str]) -> int:
    import mvn_estimate as me

    path, kind = argv[0], argv[1]
    base = _rss_mb()
    x = np.load(path)
    start = time.perf_counter()
    if kind == "em":
        res = me.fit(x, missing="em")
        extra = {"patterns": res.em.npatterns, "iterations": res.em.iterations,
                 "newton": res.em.newton_steps}
    else:
        res = me.fit(x)
        extra = {}
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "peak_mb": peak - base, "data_mb": x.nbytes / 2**20,
                      **extra}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
