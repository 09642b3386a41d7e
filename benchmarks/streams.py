"""What reads the rows again from a stream: EM with robust standard errors from a Parquet file
(every row's observed-data score, summed chunk by chunk) and groups that share a covariance
read from a Parquet file (each pass reads the file once per group) — against the same fits in
memory, timed alternately in this process."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import mvn_estimate as me

from .cases import _data
from .harness import Row, rss_mb, timed_pair

__all__ = ["em_robust_stream_case", "groups_stream_case"]


def _frame(rng: np.random.Generator, n: int, p: int, missing: float) -> pd.DataFrame:
    x = _data(rng, n, p)
    x[rng.random((n, p)) < missing] = np.nan
    return pd.DataFrame(x, columns=[f"c{i}" for i in range(p)])


def em_robust_stream_case(rng, n: int, p: int, repeat: int) -> list[Row]:
    """fit_file(missing="em", cov_type="robust") on Parquet against fit() of the frame."""
    frame = _frame(rng, n, p, 0.02)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.parquet"
        frame.to_parquet(path, row_group_size=n // 8)
        got = me.fit_file(path, missing="em", cov_type="robust", progress=False)
        want = me.fit(frame, missing="em", cov_type="robust")
        gap = float(np.max(np.abs(got.std_errors / want.std_errors - 1)))
        print(f"  EM robust from Parquet: max relative SE difference to memory {gap:.1e}")
        ours, ref = timed_pair(
            lambda: me.fit_file(path, missing="em", cov_type="robust", progress=False),
            lambda: me.fit(frame, missing="em", cov_type="robust"), repeat)
        size = path.stat().st_size / 2**20
    return [Row(f"EM robust file n={n:.0e} p={p} 2%", ours, "the same fit in memory (ratio)",
                ref, ours.median / ref.median, "(reported)", None, 0.0, None, size, rss_mb())]


def groups_stream_case(rng, n: int, p: int, repeat: int, groups: int = 5) -> list[Row]:
    """fit_file(by=, equal=["cov"], missing="em") on Parquet against fit() of the frame."""
    frame = _frame(rng, n, p, 0.05)
    frame["g"] = rng.integers(0, groups, n).astype(str)
    options = dict(by="g", equal=["cov"], missing="em")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.parquet"
        frame.to_parquet(path, row_group_size=n // 8)
        got = me.fit_file(path, progress=False, **options)
        want = me.fit(frame, **options)
        gap = float(np.max(np.abs(got.params / want.params - 1)))
        print(f"  groups from Parquet: max relative difference to memory {gap:.1e}")
        ours, ref = timed_pair(lambda: me.fit_file(path, progress=False, **options),
                               lambda: me.fit(frame, **options), repeat)
        size = path.stat().st_size / 2**20
    return [Row(f"groups file equal Σ n={n:.0e} p={p} G={groups}", ours,
                "the same fit in memory (ratio)", ref, ours.median / ref.median,
                "(reported)", None, 0.0, None, size, rss_mb())]
