"""Run one job in a fresh process and report its time and memory (``python -m benchmarks.child``).

Memory is measured in a process of its own so that nothing else the benchmark run allocated
counts: the resident set after the imports and before the data are touched is the baseline,
and the peak after the job, minus that baseline, is what the data and the job needed.

Jobs: ``fit`` / ``em`` (an ``.npy`` array), ``fit_file`` / ``fit_file_robust`` (a CSV or
Parquet file, streamed), ``read_csv`` / ``read_parquet`` (the reference readers alone).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

import mvn_estimate as me


def _rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    """This process's peak resident set (VmHWM). Not ``ru_maxrss``: that one keeps the
    parent's peak across fork and exec, so a child of a large process reports the parent's."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _job(path: str, kind: str) -> dict[str, Any]:
    if kind == "em":
        res = me.fit(np.load(path), missing="em")
        return {"patterns": res.em.npatterns, "iterations": res.em.iterations,
                "newton": res.em.newton_steps}
    if kind == "fit":
        me.fit(np.load(path))
    elif kind == "fit_file":
        me.fit_file(path, progress=False)
    elif kind == "fit_file_robust":
        me.fit_file(path, cov_type="robust", progress=False)
    elif kind == "read_csv":
        pd.read_csv(path)
    elif kind == "read_parquet":
        pq.read_table(path)
    else:
        raise SystemExit(f"unknown job {kind!r}")
    return {}


def main(argv: list[str]) -> int:
    path, kind = argv[0], argv[1]
    base = _rss_mb()
    start = time.perf_counter()
    extra = _job(path, kind)
    elapsed = time.perf_counter() - start
    peak = _peak_mb()
    size = Path(path).stat().st_size / 2**20
    print(json.dumps({"seconds": elapsed, "peak_mb": peak - base, "data_mb": size, **extra}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
