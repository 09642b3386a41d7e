"""The multivariate t: log-density, EM weights, and the score and observed information over
``θ = (μ, vech Σ, ν)``, from rows grouped by the columns they observe.

A row observing ``k`` columns ``o`` has ``Q = dᵀΣ_oo⁻¹d`` (``d = x_o − μ_o``) and

``ℓ = lnΓ((ν+k)/2) − lnΓ(ν/2) − (k/2)ln(νπ) − ½ln|Σ_oo| − ((ν+k)/2) ln(1 + Q/ν)``.

With ``P`` the observed block's precision padded with zeros to ``p×p``, ``z = P(x − μ)``
(zero at missing columns), the EM weight ``w = (ν+k)/(ν+Q)`` and ``m`` the vech multiplicity
(1 on the diagonal, 2 off it):

* score: ``μ: w z``; ``σ_ab: (m_ab/2)(w z_a z_b − P_ab)``;
  ``ν: ½[ψ((ν+k)/2) − ψ(ν/2) − k/ν − ln(1+Q/ν) + (ν+k)Q/(ν(ν+Q))]``;
* Hessian: ``Q`` enters through ``−(w/2)∂²Q`` and the rank-one
  ``w²/(2(ν+k)) · uuᵀ`` with ``u = −∂Q = (2z, m∘vech(zzᵀ))``; ``ln|Σ_oo|`` gives
  ``½Dᵀ(P⊗P)D``; so ``H_μμ = −wP``, ``H_σσ = −Dᵀ(P⊗wzzᵀ)D + ½Dᵀ(P⊗P)D``,
  ``H_μσ`` from ``−w(m/2)(P_{·a}z_b + P_{·b}z_a)``, plus the rank-one term; ``ν`` couples
  through ``∂w/∂ν = (Q − k)/(ν+Q)²``.

Every total is a sum over rows (times frequency weights), so a pass over chunks of rows
accumulates it. Validated against R (direct maximisation with a numDeriv Hessian,
tests/reference/robust.R) and finite differences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from .._typing import FloatArray
from ..linalg import duplication_sandwich, vech_indices, vech_multiplicity

__all__ = ["TGroup", "t_information", "t_logdensity", "t_nu_derivatives", "t_score",
           "t_weights"]

LOG_PI = float(np.log(np.pi))


def t_logdensity(q: FloatArray, k: FloatArray | float, nu: float) -> FloatArray:
    """``ℓ + ½ln|Σ_oo|`` of rows with squared distances ``q`` over ``k`` observed columns."""
    half = (nu + k) / 2
    return (special.gammaln(half) - special.gammaln(nu / 2) - k / 2 * (np.log(nu) + LOG_PI)
            - half * np.log1p(q / nu))


def t_weights(q: FloatArray, k: FloatArray | float, nu: float) -> FloatArray:
    """The E-step's ``E[τ | x] = (ν + k)/(ν + Q)``."""
    return (nu + k) / (nu + q)


def t_nu_derivatives(q: FloatArray, k: FloatArray | float, nu: float,
                     c: FloatArray | None = None) -> tuple[float, float]:
    """``Σ c ∂ℓ/∂ν`` and ``Σ c ∂²ℓ/∂ν²`` over rows (``c`` their frequency weights; ``k`` the
    number of observed entries of each row, or of all)."""
    half = (nu + k) / 2
    ratio = q / (nu * (nu + q))
    first = 0.5 * (special.digamma(half) - special.digamma(nu / 2) - k / nu - np.log1p(q / nu)
                   + (nu + k) * ratio)
    second = (0.25 * (special.polygamma(1, half) - special.polygamma(1, nu / 2))
              + 0.5 * (k / nu**2 + ratio
                       - q * (nu * nu + 2 * k * nu + k * q) / (nu * (nu + q)) ** 2))
    if c is None:
        return float(first.sum()), float(second.sum())
    return float(c @ first), float(c @ second)


@dataclass(frozen=True)
class TGroup:
    """Rows observing the same columns, at the current ``(μ, Σ, ν)``: the padded precision
    ``prec``, ``z = P(x − μ)`` per row, ``q``, the number observed ``k`` and the frequency
    weights ``c``."""

    prec: FloatArray
    z: FloatArray
    q: FloatArray
    k: float
    c: FloatArray


def t_score(group: TGroup, nu: float, with_nu: bool) -> FloatArray:
    """The group's score over ``(μ, vech Σ[, ν])``."""
    p = group.prec.shape[0]
    rows, cols = vech_indices(p)
    mult = vech_multiplicity(p)
    cw = group.c * t_weights(group.q, group.k, nu)
    zz = (group.z * cw[:, None]).T @ group.z
    sigma = 0.5 * mult * (zz[rows, cols] - group.c.sum() * group.prec[rows, cols])
    parts = [group.z.T @ cw, sigma]
    if with_nu:
        parts.append(np.array([t_nu_derivatives(group.q, group.k, nu, group.c)[0]]))
    return np.concatenate(parts)


RANK_ROWS = 4096
"""Rows per block of the rank-one part of the information (a symmetric rank-k update)."""


def _rank_one(group: TGroup, scale: FloatArray) -> FloatArray:
    """``Σ scaleᵢ uᵢuᵢᵀ`` with ``uᵢ = (2zᵢ, m∘vech(zᵢzᵢᵀ))``, block by block (transposed
    blocks, so that each product row is written contiguously)."""
    p = group.prec.shape[0]
    rows, cols = vech_indices(p)
    mult = vech_multiplicity(p)[:, None]
    size = p + rows.size
    out = np.zeros((size, size))
    zt = np.ascontiguousarray(group.z.T)
    for start in range(0, zt.shape[1], RANK_ROWS):
        block = zt[:, start:start + RANK_ROWS]
        root = np.sqrt(scale[start:start + RANK_ROWS])
        u = np.empty((size, block.shape[1]))
        u[:p] = 2.0 * block * root
        u[p:] = mult * block[rows] * block[cols] * root
        out += u @ u.T
    return out


def t_information(group: TGroup, nu: float, with_nu: bool) -> FloatArray:
    """The group's observed information (minus the Hessian of ``ℓ``) over
    ``(μ, vech Σ[, ν])``."""
    p = group.prec.shape[0]
    prec, z, q, c, k = group.prec, group.z, group.q, group.c, group.k
    w = t_weights(q, k, nu)
    cw = c * w
    rows, cols = vech_indices(p)
    mult = vech_multiplicity(p)
    size = p + rows.size
    hess = -_rank_one(group, c * w * w / (2.0 * (nu + k)))
    hess[:p, :p] += cw.sum() * prec
    zs = z.T @ cw
    cross = (prec[:, rows] * zs[cols] + prec[:, cols] * zs[rows]) * (mult / 2)
    hess[:p, p:] += cross
    hess[p:, :p] += cross.T
    zz = (z * cw[:, None]).T @ z
    hess[p:, p:] += np.asarray(duplication_sandwich(prec, zz), dtype=float) \
        - 0.5 * c.sum() * np.asarray(duplication_sandwich(prec, prec), dtype=float)
    if not with_nu:
        return (hess + hess.T) / 2
    out = np.zeros((size + 1, size + 1))
    out[:size, :size] = hess
    dw = c * (q - k) / (nu + q) ** 2
    zd = (z * dw[:, None]).T @ z
    edge = np.concatenate([z.T @ dw, 0.5 * mult * zd[rows, cols]])
    out[size, :size] = out[:size, size] = -edge
    out[size, size] = -t_nu_derivatives(q, k, nu, c)[1]
    return (out + out.T) / 2
