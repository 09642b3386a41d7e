"""Groups with shared parameters (issue 23): airquality by Month, one covariance shared by the
months, FIML — against lavaan's multi-group fit with equality labels, timed in the same run
when ``Rscript`` (with lavaan) is installed."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import pandas as pd

import mvn_estimate as me

from .harness import Row, Timing, peak_mb, rss_mb, timed

AIR = ["Ozone", "Solar.R", "Wind", "Temp"]
DATA = Path(__file__).parents[1] / "data" / "airquality.csv"
LOGLIKE = -2260.37361054
"""The maximum (tests/reference/groups.json, ``air_month_equal_cov``)."""


def _r_lavaan(repeat: int, timeout: float) -> tuple[Timing, float] | None:
    """lavaan's fit of the same model (default starts), timed ``repeat`` times in one R
    session: its timing and log-likelihood, or None when R or lavaan is missing."""
    if shutil.which("Rscript") is None:
        return None
    code = f"""
suppressPackageStartupMessages(library(lavaan))
air <- read.csv('{DATA}')
v <- c('Ozone', 'Solar.R', 'Wind', 'Temp')
lab <- function(l) paste0('c(', paste(rep(l, 5), collapse = ', '), ')*')
pr <- t(combn(4, 2))
m <- paste(c(paste0(v, ' ~ 1'), paste0(v, ' ~~ ', sapply(paste0('v', 1:4), lab), v),
             paste0(v[pr[, 1]], ' ~~ ', sapply(paste0('c', pr[, 1], pr[, 2]), lab),
                    v[pr[, 2]])), collapse = '\\n')
go <- function() lavaan(m, data = air, group = 'Month', missing = 'ml', estimator = 'ML',
                        information = 'observed', meanstructure = TRUE)
fit <- go()
t <- replicate({repeat}, system.time(go())[['elapsed']])
cat(median(t), min(t), max(t), fitMeasures(fit, 'logl'))
"""
    try:
        out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True,
                             timeout=timeout, check=True)
    except (subprocess.SubprocessError, OSError):
        return None
    median, low, high, logl = map(float, out.stdout.split())
    return Timing(median, low, high), logl


def equal_cov_case(repeat: int, r_timeout: float = 300.0) -> list[Row]:
    """``fit(air, by="Month", missing="em", equal=["cov"])`` with standard errors (target
    ≤ 0.3 s) against lavaan."""
    air = pd.read_csv(DATA)

    def ours() -> me.GroupedResult:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", me.exceptions.MVNEstimateWarning)
            fit = me.fit(air, by="Month", columns=AIR, missing="em", equal=["cov"])
            fit.std_errors  # noqa: B018 - the standard errors are part of the timed work
        return fit

    fit = ours()
    if abs(fit.loglike - LOGLIKE) > 1e-6:
        raise AssertionError(f"equal-cov FIML log-likelihood {fit.loglike} is not {LOGLIKE}")
    mine = timed(ours, repeat)
    r = _r_lavaan(max(3, repeat), r_timeout)
    name = "airquality by Month, equal Σ, FIML"
    target = "≤0.3 s with SEs"
    data_mb = air[AIR].to_numpy().nbytes / 2**20
    if r is None:
        print(f"  groups: ours {mine.median * 1e3:.1f} ms; lavaan not run (no Rscript/lavaan)")
        return [Row(name, mine, "(lavaan not run)", None, None, target, mine.median <= 0.3,
                    peak_mb(ours), None, data_mb, rss_mb())]
    lavaan, logl = r
    print(f"  groups: ours {mine.median * 1e3:.1f} ms (logl {fit.loglike:.6f}, "
          f"{fit.joint.iterations} EM + {fit.joint.newton_steps} Newton); lavaan "
          f"{lavaan.median * 1e3:.1f} ms (logl {logl:.6f}, gap {fit.loglike - logl:.1e})")
    return [Row(name, mine, "lavaan, equality labels (speed-up)", lavaan,
                lavaan.median / mine.median, target, mine.median <= 0.3, peak_mb(ours), None,
                data_mb, rss_mb())]
