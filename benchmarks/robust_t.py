"""The robust companions: ``fit_t`` against R's ``MASS::cov.trob``, ``mcd`` against robustbase's
``covMcd`` and scikit-learn's ``MinCovDet`` — references measured in the same run (R when
``Rscript`` with MASS and robustbase is installed)."""

from __future__ import annotations

import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import mvn_estimate as me

from .harness import Row, Timing, rss_mb, timed
from .regression import run_r

__all__ = ["mcd_case", "mcd_wide_case", "t_case"]


def _r_seconds(x: np.ndarray, call: str, packages: str, timeout: float) -> float | None:
    """Seconds of ``call`` on ``x`` (as the matrix ``x``) in R, or None without R."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.csv"
        np.savetxt(path, x, delimiter=",", fmt="%.17g")
        code = (f"suppressMessages({{{packages}}}); x <- as.matrix(read.csv('{path}', "
                f"header = FALSE)); t <- system.time(r <- {call}); cat(t[['elapsed']])")
        out = run_r(code, timeout)
    return None if out is None else float(out.split()[-1])


def _once(seconds: float) -> Timing:
    return Timing(seconds, seconds, seconds)


def _row(case: str, ours: Timing, name: str, ref: float | None, target: float | None,
         mb: float) -> Row:
    met = None if target is None else ours.median <= target
    goal = "(reported)" if target is None else f"≤{target:g} s"
    if ref is None:
        return Row(case, ours, f"{name} (not run)", None, None, goal, met, 0.0, None, mb,
                   rss_mb())
    return Row(case, ours, f"{name} (ratio)", _once(ref), ours.median / ref, goal, met, 0.0,
               None, mb, rss_mb())


def t_case(rng: np.random.Generator, n: int = 100_000, p: int = 20, nu: float = 4.0,
           repeat: int = 3, r_timeout: float = 600.0) -> list[Row]:
    """``fit_t(x, df=4)`` with standard errors (target ≤ 0.5 s at n = 1e5, p = 20) against
    ``cov.trob(x, nu = 4)`` at R's default tolerance and at ``tol = 1e-10``; and with ``ν``
    estimated (reported)."""
    toeplitz = 0.5 ** np.abs(np.subtract.outer(np.arange(p), np.arange(p)))
    x = rng.standard_normal((n, p)) @ np.linalg.cholesky(toeplitz).T
    x = x / np.sqrt(rng.chisquare(nu, n) / nu)[:, None]
    fixed = timed(lambda: me.fit_t(x, df=nu).std_errors, repeat)
    free = timed(lambda: me.fit_t(x).std_errors, repeat)
    mb = x.nbytes / 2**20
    default = _r_seconds(x, f"MASS::cov.trob(x, nu = {nu})", "library(MASS)", r_timeout)
    tight = _r_seconds(x, f"MASS::cov.trob(x, nu = {nu}, maxit = 1000, tol = 1e-10)",
                       "library(MASS)", r_timeout)
    print(f"  fit_t n={n} p={p}: df fixed {fixed.median:.3f} s, estimated {free.median:.3f} s;"
          f" cov.trob default {default} s, tight {tight} s", flush=True)
    label = f"fit_t df={nu:g} n={n:.0e} p={p}"
    return [_row(label, fixed, "R MASS::cov.trob tol=1e-10", tight, 0.5, mb),
            _row(label, fixed, "R MASS::cov.trob default tol", default, None, mb),
            _row(f"fit_t df estimated n={n:.0e} p={p}", free, "fit_t df fixed",
                 fixed.median, None, mb)]


def _sklearn_seconds(x: np.ndarray) -> float:
    from sklearn.covariance import MinCovDet

    start = time.perf_counter()
    MinCovDet(random_state=0).fit(x)
    return time.perf_counter() - start


def mcd_case(rng: np.random.Generator, n: int = 100_000, p: int = 10, repeat: int = 3,
             r_timeout: float = 600.0) -> list[Row]:
    """Deterministic ``mcd`` (target ≤ 2 s at n = 1e5, p = 10) against robustbase's
    ``covMcd(nsamp = "deterministic")`` and scikit-learn's ``MinCovDet``; FastMCD reported."""
    x = rng.standard_normal((n, p))
    x[: n // 20] += 4.0
    det = timed(lambda: me.mcd(x), repeat)
    fast = timed(lambda: me.mcd(x, method="fast", random_state=0), max(1, repeat // 2))
    sk = _sklearn_seconds(x)
    r = _r_seconds(x, 'robustbase::covMcd(x, nsamp = "deterministic")', "library(robustbase)",
                   r_timeout)
    print(f"  mcd n={n} p={p}: deterministic {det.median:.3f} s, fast {fast.median:.3f} s, "
          f"MinCovDet {sk:.2f} s, covMcd {r} s", flush=True)
    mb = x.nbytes / 2**20
    return [_row(f"mcd deterministic n={n:.0e} p={p}", det, "R robustbase covMcd det.", r,
                 2.0, mb),
            _row(f"mcd deterministic n={n:.0e} p={p}", det, "sklearn MinCovDet", sk, None, mb),
            _row(f"mcd fast n={n:.0e} p={p}", fast, "sklearn MinCovDet", sk, None, mb)]


def mcd_wide_case(rng: np.random.Generator, n: int = 301, p: int = 149,
                  r_timeout: float = 600.0) -> list[Row]:
    """``mcd`` with ``p`` near ``n/2`` (statsmodels' CovDetMCD fails there), against
    scikit-learn's ``MinCovDet`` and robustbase's deterministic ``covMcd``."""
    x = rng.standard_normal((n, p))
    det = timed(lambda: me.mcd(x), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = _sklearn_seconds(x)
    r = _r_seconds(x, 'robustbase::covMcd(x, nsamp = "deterministic")', "library(robustbase)",
                   r_timeout)
    print(f"  mcd n={n} p={p}: deterministic {det.median:.3f} s, MinCovDet {sk:.2f} s, "
          f"covMcd {r} s", flush=True)
    mb = x.nbytes / 2**20
    return [_row(f"mcd deterministic n={n} p={p}", det, "sklearn MinCovDet", sk, None, mb),
            _row(f"mcd deterministic n={n} p={p}", det, "R robustbase covMcd det.", r, None,
                 mb)]
