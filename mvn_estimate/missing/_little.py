"""Little's (1988) test that data are missing completely at random (MCAR)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from ..data import as_dataset
from ..exceptions import NotIdentifiedError, ref
from ._conditional import group_terms
from ._em import em
from ._patterns import build_patterns

__all__ = ["LittleResult", "little_mcar_test"]


@dataclass(frozen=True)
class LittleResult:
    """Result of :func:`little_mcar_test`.

    The fields are named as statsmodels' test results name them.

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


def little_mcar_test(data: Any, *, columns: Any = None) -> LittleResult:
    """Little's MCAR test, using the EM estimates of ``fit(..., missing="em")``.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
        NaN marks a missing value.
    columns : list of labels, optional
        DataFrame columns to use.

    Returns
    -------
    LittleResult

    Raises
    ------
    NotIdentifiedError
        The data have a single missingness pattern (for instance no missing value at all):
        there is nothing to compare, and the test is undefined.

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
    ds = as_dataset(data, columns=columns)
    pat = build_patterns(ds, None)
    if pat.npatterns < 2:
        what = "no missing value" if pat.complete else "one missingness pattern"
        raise NotIdentifiedError(
            f"Little's test compares missingness patterns, and {ref('data')} has {what} (one "
            "pattern): MCAR cannot be tested. Nothing is needed for complete data."
        )
    fit = em(pat)
    stat = 0.0
    for t in group_terms(pat, fit.mean, fit.cov):
        d = np.where(pat.masks[t.ids], pat.mean[t.ids] - fit.mean, 0.0)
        stat += float(np.sum(d * t.z))
    df = int(pat.masks.sum()) - pat.p
    return LittleResult(stat, df, float(sps.chi2.sf(stat, df)), pat.npatterns)
