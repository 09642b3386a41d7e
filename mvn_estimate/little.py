"""Little's (1988) test that data are missing completely at random (MCAR)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from ._data import as_dataset
from .em import fit_em
from .patterns import build_patterns, group_moments, precision

__all__ = ["LittleResult", "little_mcar_test"]


@dataclass(frozen=True)
class LittleResult:
    """Result of :func:`little_mcar_test` (field names as statsmodels' test results).

    Attributes
    ----------
    statistic : float
        ``d² = Σ_g n_g (ȳ_g − μ̂_o)ᵀ Σ̂_oo⁻¹ (ȳ_g − μ̂_o)`` over missingness patterns ``g``.
    df : int
        ``Σ_g p_g − p`` (observed variables per pattern, summed, minus p).
    pvalue : float
        Upper tail of ``χ²(df)`` at ``statistic``.
    npatterns : int
        Number of missingness patterns.

    Examples
    --------
    >>> LittleResult(statistic=3.2, df=4, pvalue=0.52, npatterns=3).df
    4
    """

    statistic: float
    df: int
    pvalue: float
    npatterns: int


def little_mcar_test(data: Any, *, columns: Sequence[str] | None = None) -> LittleResult:
    """Little's MCAR test, using the EM estimates of :func:`mvn_estimate.fit` (``missing="em"``).

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
        NaN marks a missing value.
    columns : list of str, optional
        DataFrame columns to use.

    Returns
    -------
    LittleResult

    Notes
    -----
    Assumes multivariate normal data and uses the ML estimates ``(μ̂, Σ̂)`` (Little, 1988,
    JASA 83:1198–1202, eq. 5 with Σ known up to its estimate). Under MCAR the pattern means
    differ from ``μ̂`` only by chance and ``d²`` is asymptotically ``χ²(Σ p_g − p)``. A small
    p-value is evidence against MCAR; a large one does not show MAR or MCAR.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((200, 3))
    >>> x[rng.random((200, 3)) < 0.1] = np.nan
    >>> r = little_mcar_test(x)
    >>> bool(r.df > 0 and 0 <= r.pvalue <= 1)
    True
    """
    res = fit_em(data, columns=columns)
    ds = as_dataset(data, columns=columns)
    pat, _ = build_patterns(ds, None)
    mean, cov = res.mean.to_numpy(), res.cov.to_numpy()
    prec, logdet = precision(cov)
    stat, df = 0.0, -pat.p
    for g in pat.groups:
        mom = group_moments(pat, g, mean, prec, logdet)
        n_g = np.add.reduceat(np.ones(g.rows.size), g.starts)
        # Σ_oo⁻¹ d̄ for the pattern mean residual d̄ is the mean of the rows' z (linear in r)
        zbar = np.add.reduceat(mom.z, g.starts, axis=0) / n_g[:, None]
        dbar = np.add.reduceat(mom.resid, g.starts, axis=0) / n_g[:, None]
        stat += float(np.sum(n_g * np.einsum("gi,gi->g", dbar, zbar)))
        df += int(g.obs.shape[1] * g.obs.shape[0])
    return LittleResult(stat, df, float(sps.chi2.sf(stat, df)), pat.npatterns)
