"""Finite-sample references for robust distances: Cerioli's (2010) finite-sample reweighted
MCD test.

1. The raw MCD distances are screened with Hardin & Rocke's (2005) approximation: for a row
   outside the ``h``-subset, ``(m − p + 1)/(p m) · d²`` is about ``F(p, m − p + 1)``, with
   ``m`` the degrees of freedom of a Wishart matched to the MCD covariance — Croux &
   Haesbroeck's (1999) asymptotic value, times Hardin & Rocke's small-sample correction
   ``exp(0.725 − 0.00663p − 0.0780 ln n)``. Rows below the 0.975 quantile are kept.
2. The kept rows' mean ``ȳ`` and covariance ``S`` (divisor ``m − 1``, no factor) give every
   row a squared distance ``d²``; a kept row's ``m·d²/(m − 1)²`` is ``Beta(p/2, (m−p−1)/2)``
   and any other row's ``m(m − p)d²/((m² − 1)p)`` is ``F(p, m − p)`` (exact for a normal
   sample of ``m`` rows and a new row; approximate after the screening).
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from .._typing import FloatArray

__all__ = ["SCREEN_LEVEL", "cerioli_pvalues", "screening_cutoff", "wishart_df"]

SCREEN_LEVEL = 0.975
"""Quantile of Hardin & Rocke's F approximation below which a raw distance is kept."""


def wishart_df(n: int, p: int, fraction: float) -> float:
    """Degrees of freedom ``m`` of the Wishart matched to the raw MCD covariance of the
    fraction ``fraction`` of ``n`` normal rows: Croux & Haesbroeck's (1999, Theorem 1)
    asymptotic variance of a diagonal element, ``m_asy = 2/(c² v)``, times Hardin & Rocke's
    (2005) finite-sample correction ``exp(0.725 − 0.00663p − 0.0780 ln n)``; ``n − 1`` at
    ``fraction = 1`` (the sample covariance).

    Examples
    --------
    >>> round(wishart_df(100, 25, 63 / 100), 2)
    51.39
    """
    if fraction >= 1.0:
        return float(n - 1)
    q = float(sps.chi2.ppf(fraction, p))
    inside = float(sps.chi2.cdf(q, p + 2))  # P(χ²_{p+2} ≤ q)
    c = fraction / inside  # the consistency factor
    c3 = -0.5 * float(sps.chi2.cdf(q, p + 4)) if p >= 2 else 0.0
    b1 = -2.0 * c3 / inside
    b2 = 0.5 + (c3 - 0.5 * q * (fraction - inside) / p) / inside
    z = b1 - p * b2
    spread = (1.0 - fraction) * (c * q / p - 1.0) ** 2
    v1 = fraction * b1 * b1 * (spread - 1.0) \
        - 2.0 * c3 * c * c * (3.0 * z * z + (p + 2.0) * b2 * (b1 + z))
    v2 = n * c * c * (b1 * z * fraction) ** 2
    asymptotic = 2.0 * v2 / (c * c * v1)
    return asymptotic * float(np.exp(0.725 - 0.00663 * p - 0.0780 * np.log(n)))


def screening_cutoff(n: int, p: int, fraction: float, level: float = SCREEN_LEVEL) -> float:
    """Hardin & Rocke's cutoff for squared raw MCD distances (to the consistency- and
    small-sample-corrected covariance): ``p m F_level(p, m − p + 1)/(m − p + 1)``; infinite
    (keep every row) when ``m ≤ p − 1``.

    Examples
    --------
    >>> round(screening_cutoff(100, 25, 63 / 100), 2)
    101.97
    """
    m = wishart_df(n, p, fraction)
    dof = m - p + 1
    if dof <= 0:
        return float("inf")
    return float(p * m * sps.f.ppf(level, p, dof) / dof)


def cerioli_pvalues(d2: FloatArray, kept: np.ndarray, m: int, p: int) -> FloatArray:
    """p-values of squared distances ``d2`` to the mean and the covariance (divisor
    ``m − 1``) of the ``m`` rows ``kept``: ``Beta(p/2, (m − p − 1)/2)`` for a kept row's
    ``m·d²/(m − 1)²``, ``F(p, m − p)`` for any other row's ``m(m − p)d²/((m² − 1)p)``.

    Examples
    --------
    >>> cerioli_pvalues(np.array([0.5, 30.0]), np.array([True, False]), 50, 2).round(4)
    array([0.7819, 0.    ])
    """
    out = np.empty(d2.size)
    out[kept] = sps.beta.sf(m * d2[kept] / (m - 1) ** 2, p / 2, (m - p - 1) / 2)
    out[~kept] = sps.f.sf(m * (m - p) * d2[~kept] / ((m * m - 1) * p), p, m - p)
    return out
