"""Wald inference that respects the parameter space, shared by every result: intervals on
the log scale for variances and on the atanh scale for correlations, and no p-value for a
variance (its "= 0" is on the boundary)."""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from .._typing import FloatArray

__all__ = ["wald_intervals", "wald_pvalues"]


def wald_intervals(est: FloatArray, se: FloatArray, kinds: np.ndarray, q: float
                   ) -> tuple[FloatArray, FloatArray]:
    """Lower and upper limits ``θ̂ ± q·se`` for free parameters, ``θ̂·exp(±q·se/θ̂)`` for
    variances and ``tanh(atanh θ̂ ± q·se/(1 − θ̂²))`` for correlations (``kinds``).

    Examples
    --------
    >>> lo, hi = wald_intervals(np.array([1.0, 4.0]), np.array([0.5, 1.0]),
    ...                         np.array(["free", "variance"]), 2.0)
    >>> lo.round(4), hi.round(4)
    (array([0.    , 2.4261]), array([2.    , 6.5949]))
    """
    est, se = np.asarray(est, dtype=float), np.asarray(se, dtype=float)
    lower, upper = est - q * se, est + q * se
    with np.errstate(divide="ignore", invalid="ignore"):
        var = (kinds == "variance") & (est > 0)
        lower[var] = est[var] * np.exp(-q * se[var] / est[var])
        upper[var] = est[var] * np.exp(q * se[var] / est[var])
        cor = (kinds == "correlation") & (np.abs(est) < 1)
        z, half = np.arctanh(est[cor]), q * se[cor] / (1 - est[cor] ** 2)
        lower[cor], upper[cor] = np.tanh(z - half), np.tanh(z + half)
    return lower, upper


def wald_pvalues(z: FloatArray, kinds: np.ndarray, df: float | None = None) -> FloatArray:
    """Two-sided p-values of ``z`` (normal, or Student's t with ``df`` degrees of freedom);
    NaN for variances.

    Examples
    --------
    >>> wald_pvalues(np.array([1.96, 3.0]), np.array(["free", "variance"])).round(4)
    array([0.05,  nan])
    """
    dist = sps.norm if df is None else sps.t(df)
    p = 2 * dist.sf(np.abs(np.asarray(z, dtype=float)))
    p[kinds == "variance"] = np.nan
    return np.asarray(p, dtype=float)
