"""The benchmark cases of issue 12: files, Dask, EM through Dask, robust errors, many cores.

Each case times ours and the reference in the same run (alternating where both run in one
process), and reports the ratio against the target the issue set.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import mvn_estimate as me

from .harness import Row, Timing, rss_mb, timed, timed_pair


def _data(rng: np.random.Generator, n: int, p: int) -> np.ndarray:
    mix = np.eye(p) + 0.3 * rng.standard_normal((p, p)) / np.sqrt(p)
    return rng.standard_normal((n, p)) @ mix + 5.0


def _child(path: Path, kind: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.child", str(path), kind],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _repeat_body(src: Path, dst: Path, times: int) -> None:
    """``dst``: the CSV ``src`` with its rows repeated ``times`` times (one header)."""
    with src.open("rb") as file:
        header = file.readline()
        body_start = file.tell()
    with dst.open("wb") as out:
        out.write(header)
        for _ in range(times):
            with src.open("rb") as file:
                file.seek(body_start)
                shutil.copyfileobj(file, out, 1 << 24)


def _repeat_parquet(x: pd.DataFrame, dst: Path, times: int, group: int) -> None:
    """``x`` written ``times`` times into one Parquet file, in row groups of ``group`` rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(x, preserve_index=False)
    with pq.ParquetWriter(dst, table.schema) as writer:
        for _ in range(times):
            writer.write_table(table, row_group_size=group)


def _peak(path: Path, kind: str, repeat: int) -> float:
    """Peak resident memory (MB above the imports) of ``kind`` on ``path``, fresh processes."""
    return max(_child(path, kind)["peak_mb"] for _ in range(repeat))


def file_case(rng, n: int, p: int, repeat: int) -> list[Row]:
    """fit_file on a CSV (and 4× that CSV) and on Parquet, against the readers alone: time
    in this process (alternating, warm), peak memory in fresh processes."""
    import pyarrow.parquet as pq

    x = pd.DataFrame(_data(rng, n, p), columns=[f"c{i}" for i in range(p)])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        csv, csv4, parquet = Path(tmp) / "x.csv", Path(tmp) / "x4.csv", Path(tmp) / "x.parquet"
        parquet4 = Path(tmp) / "x4.parquet"
        x.to_csv(csv, index=False)
        x.to_parquet(parquet, row_group_size=n // 8)
        _repeat_parquet(x, parquet4, 4, n // 8)
        np.testing.assert_allclose(me.fit_file(str(csv), progress=False).cov.to_numpy(),
                                   me.fit(x).cov.to_numpy(), rtol=1e-9)
        del x
        _repeat_body(csv, csv4, 4)
        size = csv.stat().st_size / 2**20
        ours, ref = timed_pair(lambda: me.fit_file(str(csv), progress=False),
                               lambda: pd.read_csv(csv), repeat)
        robust = timed(lambda: me.fit_file(str(csv), cov_type="robust", progress=False),
                       max(2, repeat // 2))
        peak1, peak4 = _peak(csv, "fit_file", 2), _peak(csv4, "fit_file", 1)
        peak_ref = _peak(csv, "read_csv", 1)
        pq_ours, pq_ref = timed_pair(lambda: me.fit_file(str(parquet), progress=False),
                                     lambda: pq.read_table(parquet), repeat)
        pq_both = timed(lambda: me.fit(pq.read_table(parquet).to_pandas()), repeat)
        pq_peak, pq_peak_ref = _peak(parquet, "fit_file", 1), _peak(parquet, "read_parquet", 1)
        pq_peak4 = _peak(parquet4, "fit_file", 1)
        pq_size = parquet.stat().st_size / 2**20
    rate = ref.median / ours.median  # our rate relative to read_csv's
    rows.append(Row(f"fit_file CSV n={n:.0e} p={p}", ours, "pandas.read_csv alone (rate)",
                    ref, rate, "≥0.8× read_csv's rate", rate >= 0.8, peak1, peak_ref, size,
                    rss_mb()))
    growth = peak4 - peak1
    rows.append(Row(f"fit_file CSV 4× ({4 * size:.0f} MB)", ours, f"peak 1× {peak1:.0f} MB, "
                    f"4× {peak4:.0f} MB", None, growth, "flat: growth < 60 MB", growth < 60,
                    peak4, None, 4 * size, rss_mb()))
    rows.append(Row(f"fit_file CSV robust n={n:.0e}", robust, "fit_file classic (ratio)",
                    ours, robust.median / ours.median, "two passes: ≈2×", None, 0.0, None, size,
                    rss_mb()))
    pq_rate = pq_ref.median / pq_ours.median
    rows.append(Row(f"fit_file Parquet n={n:.0e} p={p}", pq_ours,
                    "pyarrow read_table alone (rate)", pq_ref, pq_rate,
                    "≥0.8× read_table's rate", pq_rate >= 0.8, pq_peak, pq_peak_ref, pq_size,
                    rss_mb()))
    growth = pq_peak4 - pq_peak
    rows.append(Row(f"fit_file Parquet 4× ({4 * pq_size:.0f} MB)", pq_ours,
                    f"peak 1× {pq_peak:.0f} MB, 4× {pq_peak4:.0f} MB", None, growth,
                    "flat: growth < 60 MB", growth < 60, pq_peak4, None, 4 * pq_size, rss_mb()))
    rows.append(Row(f"fit_file Parquet n={n:.0e} p={p}", pq_ours,
                    "read_table + fit in memory (ratio)", pq_both,
                    pq_ours.median / pq_both.median, "(reported)", None, pq_peak, None,
                    pq_size, rss_mb()))
    return rows


def _cluster(workers: int):
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, memory_limit="8GiB")
    return cluster, Client(cluster)


def _dask_pair(x, repeat: int) -> tuple[Timing, Timing]:
    import dask
    import dask.array as da

    def reference():
        return dask.compute(x.mean(axis=0), da.cov(x, rowvar=False, bias=True))

    _, cov = reference()
    np.testing.assert_allclose(me.fit(x).cov.to_numpy(), cov, rtol=1e-9)
    return timed_pair(lambda: me.fit(x), reference, repeat)


def dask_case(n: int, p: int, repeat: int) -> list[Row]:
    """fit of a persisted Dask array on 1 and 2 worker processes, against dask.array.cov."""
    import dask.array as da
    from distributed import wait

    rows, timings = [], {}
    for workers in (1, 2):
        cluster, client = _cluster(workers)
        with cluster, client:
            x = da.random.default_rng(7).standard_normal((n, p), chunks=(250_000, p)) + 5.0
            x = x.persist()
            wait(x)
            ours, ref = _dask_pair(x, repeat)
        timings[workers] = ours
        mb = n * p * 8 / 2**20
        rows.append(Row(f"Dask fit n={n:.0e} p={p} {workers} worker(s)", ours,
                        "dask.array cov+mean (ratio)", ref, ours.median / ref.median,
                        "(reported)", None, 0.0, None, mb, rss_mb()))
    speedup = timings[1].median / timings[2].median
    rows.append(Row(f"Dask fit n={n:.0e} p={p} 1→2 workers", timings[2], "1 worker (speed-up)",
                    timings[1], speedup, "(reported; 2 cores)", None, 0.0, None, None, rss_mb()))
    return rows


def em_dask_case(rng, n: int, p: int, repeat: int) -> list[Row]:
    """EM through Dask (2 worker processes) against EM in memory, 2% MCAR."""
    import dask.array as da
    from distributed import wait

    x = _data(rng, n, p)
    x[rng.random((n, p)) < 0.02] = np.nan
    cluster, client = _cluster(2)
    with cluster, client:
        parts = da.from_array(x, chunks=(100_000, p)).persist()
        wait(parts)
        a, b = me.fit(parts, missing="em"), me.fit(x, missing="em")
        np.testing.assert_allclose(a.cov.to_numpy(), b.cov.to_numpy(), rtol=1e-9)
        ours, ref = timed_pair(lambda: me.fit(parts, missing="em"),
                               lambda: me.fit(x, missing="em"), max(2, repeat // 2))
    return [Row(f"EM Dask n={n:.0e} p={p} 2% MCAR", ours, "EM in memory (ratio)", ref,
                ours.median / ref.median, "(reported)", None, 0.0, None, x.nbytes / 2**20,
                rss_mb())]


def robust_case(rng, n: int, p: int, repeat: int) -> list[Row]:
    """Robust standard errors against the classic fit, and the dense matrix against one SYRK."""
    x = _data(rng, n, p)
    classic, robust = timed_pair(lambda: me.fit(x), lambda: me.fit(x, cov_type="robust"), repeat)
    k = p + p * (p + 1) // 2
    u = np.empty((n, k))
    u[:] = 1.0

    def dense():
        return me.fit(x, cov_type="robust").cov_params()

    both, floor = timed_pair(dense, lambda: u.T @ u, max(2, repeat // 2))
    dense_only = Timing(both.median - robust.median, both.low - robust.median,
                        both.high - robust.median)
    mb = x.nbytes / 2**20
    return [
        Row(f"robust fit n={n:.0e} p={p}", robust, "classic fit (ratio)", classic,
            robust.median / classic.median, "≤3× the classic fit",
            robust.median / classic.median <= 3, 0.0, None, mb, rss_mb()),
        Row(f"robust cov_params n={n:.0e} k={k}", dense_only, "one UᵀU, n×k (ratio)", floor,
            dense_only.median / floor.median, "≤1.5× the product",
            dense_only.median / floor.median <= 1.5, 0.0, None, mb, rss_mb()),
    ]


def cores_case(rng, n: int, p: int, repeat: int) -> list[Row]:
    """fit against one mean pass plus one XᵀX, at 1 and 2 BLAS threads."""
    from threadpoolctl import threadpool_limits

    x = _data(rng, n, p)
    rows, fits = [], {}
    for threads in (1, 2):
        with threadpool_limits(threads):
            ours, floor = timed_pair(lambda: me.fit(x), lambda: (x.mean(0), x.T @ x), repeat)
        fits[threads] = ours
        ratio = ours.median / floor.median
        rows.append(Row(f"fit n={n:.0e} p={p} {threads} thread(s)", ours,
                        "mean + one XᵀX (ratio)", floor, ratio, "≤1.5× the floor",
                        ratio <= 1.5, 0.0, None, x.nbytes / 2**20, rss_mb()))
    rows.append(Row(f"fit n={n:.0e} p={p} 1→2 threads", fits[2], "1 thread (speed-up)",
                    fits[1], fits[1].median / fits[2].median, "(reported)", None, 0.0, None,
                    None, rss_mb()))
    return rows

