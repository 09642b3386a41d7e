"""The benchmark cases of issue 21: multiple imputation of n = 10⁵, p = 20, 10% MCAR.

Each case times ``impute(m=20)`` (the FIML fit of the imputation model included) and
reports its ratio to one ``fit(x, missing="em")`` of the same data, measured in the same run:
the cost of twenty imputations in units of one FIML fit with standard errors.
"""

from __future__ import annotations

import numpy as np

import mvn_estimate as me

from .harness import Row, peak_mb, rss_mb, timed


def _data(rng: np.random.Generator, n: int, p: int, missing: float) -> np.ndarray:
    mix = np.eye(p) + 0.3 * rng.standard_normal((p, p)) / np.sqrt(p)
    x = rng.standard_normal((n, p)) @ mix + 5.0
    x[rng.random((n, p)) < missing] = np.nan
    return x


def impute_case(rng: np.random.Generator, repeat: int, n: int = 100_000, p: int = 20,
                m: int = 20, method: str = "bootstrap") -> list[Row]:
    """``impute(x, m=20, method=...)`` against one FIML fit of the same data; target ≤ 20 s."""
    x = _data(rng, n, p, 0.1)
    imps = me.impute(x, m=m, method=method, random_state=1)
    fiml = me.fit(x, missing="em")
    pooled = imps.pool(lambda d: me.fit(d.iloc[:, :3]))
    gap = float(np.max(np.abs(pooled.params[:3] - fiml.params.iloc[:3])
                       / fiml.std_errors.iloc[:3]))
    print(f"  impute ({method}): {fiml.em.npatterns} patterns; pooled means within "
          f"{gap:.2f} standard errors of FIML; {imps.diagnostics}")
    if gap > 1.0:
        raise AssertionError("the pooled means are far from the FIML estimates")
    ours = timed(lambda: me.impute(x, m=m, method=method, random_state=1), max(1, repeat // 5))
    ref = timed(lambda: me.fit(x, missing="em"), max(1, repeat // 2))
    ratio = ours.median / ref.median
    label = f"impute m={m} n={n:.0e} p={p} {method}"
    return [Row(label, ours, "one FIML fit (ratio)", ref, ratio, "≤20 s",
                ours.median <= 20.0,
                peak_mb(lambda: me.impute(x, m=m, method=method, random_state=1)), None,
                x.nbytes / 2**20, rss_mb())]
