"""Regression with incomplete responses: ``regress(missing="em")`` with standard errors,
against statsmodels' ``MultivariateLS`` on the complete rows and lavaan's FIML with fixed
regressors (when R is installed), timed in the same run."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import mvn_estimate as me

from .harness import Row, Timing, rss_mb, timed_pair

__all__ = ["regress_case", "run_r"]


def run_r(code: str, timeout: float) -> str | None:
    """Standard output of ``Rscript -e code``, or None when R (or a package the code loads)
    is not installed, fails, or takes longer than ``timeout`` seconds."""
    if shutil.which("Rscript") is None:
        return None
    try:
        out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True,
                             timeout=timeout, check=True)
    except (subprocess.SubprocessError, OSError):
        return None
    return out.stdout


def _data(rng, n: int, q: int, k: int, frac: float) -> tuple[pd.DataFrame, list, list]:
    x = rng.standard_normal((n, k)) @ np.linalg.cholesky(0.3 + 0.7 * np.eye(k)).T
    coef = rng.uniform(-1, 1, (k, q))
    e = rng.standard_normal((n, q)) @ np.linalg.cholesky(0.4 + 0.6 * np.eye(q)).T
    y = 1.0 + x @ coef + e
    y[rng.random(y.shape) < frac] = np.nan
    ys, xs = [f"y{j}" for j in range(q)], [f"x{j}" for j in range(k)]
    return pd.DataFrame(np.hstack([y, x]), columns=ys + xs), ys, xs


def _lavaan_seconds(frame: pd.DataFrame, ys: list, xs: list, timeout: float) -> float | None:
    model = "\n".join(f"{y} ~ {' + '.join(xs)}" for y in ys)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "d.csv"
        frame.to_csv(path, index=False, na_rep="NA")
        code = (f"suppressMessages(library(lavaan)); d <- read.csv('{path}'); "
                f"t <- system.time(f <- sem('{model}', data = d, fixed.x = TRUE, "
                "missing = 'ml', meanstructure = TRUE)); cat(t[['elapsed']])")
        out = run_r(code.replace("\n", "\\n"), timeout)
    return None if out is None else float(out.split()[-1])


def regress_case(rng, n: int = 100_000, q: int = 10, k: int = 5, frac: float = 0.1,
                 repeat: int = 3, r_timeout: float = 900.0) -> list[Row]:
    """``regress(missing="em")`` with standard errors (target ≤ 2 s at n = 1e5, 10
    responses, 5 regressors, 10% MCAR responses)."""
    import statsmodels.api as sm

    frame, ys, xs = _data(rng, n, q, k, frac)
    complete = frame.dropna()

    def ours() -> None:
        me.regress(frame, y=ys, x=xs, missing="em").std_errors  # noqa: B018

    def theirs() -> None:
        sm.MultivariateLS(complete[ys], sm.add_constant(complete[xs])).fit().bse  # noqa: B018

    res = me.regress(frame, y=ys, x=xs, missing="em")
    print(f"  regress EM: {res.nobs:g} rows ({len(complete)} complete), "
          f"{len(res.params)} parameters", flush=True)
    mine, sm_time = timed_pair(ours, theirs, repeat)
    mb = frame.memory_usage(index=False).sum() / 2**20
    rows = [Row(f"regress EM+SE n={n:.0e} q={q} k={k}", mine,
                "statsmodels MultivariateLS, complete rows (ratio)", sm_time,
                mine.median / sm_time.median, "≤2 s (reported ratio)",
                mine.median <= 2.0, 0.0, None, mb, rss_mb())]
    lavaan = _lavaan_seconds(frame, ys, xs, r_timeout)
    if lavaan is not None:
        rows.append(Row(f"regress EM+SE n={n:.0e} q={q} k={k}", mine,
                        "lavaan fixed.x=TRUE missing='ml' (ratio)",
                        Timing(lavaan, lavaan, lavaan), mine.median / lavaan, "(reported)",
                        None, 0.0, None, mb, rss_mb()))
    return rows
