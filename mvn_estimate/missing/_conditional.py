"""Conditional moments at ``(μ, Σ)``: the E-step and the per-pattern terms of the
observed-data likelihood, its score and its information.

With ``Λ = Σ⁻¹`` and ``o``/``m`` a pattern's observed/missing columns, the partitioned-inverse
identities give ``C = Σ_mm − Σ_moΣ_oo⁻¹Σ_om = Λ_mm⁻¹`` (the conditional covariance),
``ln|Σ_oo| = ln|Σ| + ln|Λ_mm|`` and ``Σ_oo⁻¹ = Λ_oo − Λ_om C Λ_mo``, so each pattern costs an
``m×m`` factorisation (``m`` = number missing, usually small). With ``K = C Λ_mo`` the
conditional mean is ``E[x_m | x_o] = μ_m − K(x_o − μ_o)``, linear in ``x_o``: a summarised
pattern's completed statistics follow from its ``(n_g, x̄_g, S_g)`` alone —
mean ``(x̄_o, μ_m − K d)``, scatter blocks ``S_oo``, ``−K S_oo``, ``K S_oo Kᵀ + n_g C``.

Everything is zero-padded to ``p`` columns (zeros at the missing entries) and relative to the
patterns' ``origin``; ``μ`` passed here is relative to it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .._typing import FloatArray
from ..data import SufficientStats
from ..linalg import PDFactor
from ..model import LOG_2PI
from ._patterns import Group, Patterns

__all__ = ["Terms", "conditional", "e_step", "group_terms", "observed_loglike", "precision",
           "precisions", "row_moments"]

BATCH_ELEMENTS = 1 << 21
"""Elements of the largest temporary stack (16 MiB): patterns and rows are batched under it."""


@dataclass(frozen=True)
class _Conditional:
    """``C_g``, ``ln|Σ_oo|`` and ``Λ_{m,·}`` (zero at missing columns) of a group's patterns."""

    cond: FloatArray
    logdet: FloatArray
    lam: FloatArray


def conditional(g: Group, masks: np.ndarray, prec: FloatArray, logdet: float) -> _Conditional:
    obs = masks[g.ids].astype(float)
    m = g.nmissing
    if m == 0:
        return _Conditional(np.zeros((g.ids.size, 0, 0)), np.full(g.ids.size, logdet),
                            np.zeros((g.ids.size, 0, prec.shape[0])))
    lam_mm = prec[g.mis[:, :, None], g.mis[:, None, :]]
    low = np.linalg.cholesky(lam_mm)
    logdet_oo = logdet + 2.0 * np.log(np.diagonal(low, axis1=1, axis2=2)).sum(axis=1)
    cond = np.linalg.solve(lam_mm, np.broadcast_to(np.eye(m), lam_mm.shape))
    cond = (cond + np.swapaxes(cond, 1, 2)) / 2
    lam = prec[g.mis] * obs[:, None, :]
    return _Conditional(cond, logdet_oo, lam)


def precision(cov: FloatArray) -> tuple[FloatArray, float]:
    fac = PDFactor.of(cov, name="cov")
    return fac.inverse(), fac.logdet


def _summarised(pat: Patterns, g: Group, con: _Conditional, mean: FloatArray,
                sel: np.ndarray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray,
                                          FloatArray, FloatArray]:
    """For summarised positions ``sel`` of group ``g``: ``(n, d̃, S̃, K, C, Λ_m)``."""
    ids = g.ids[sel]
    mask = pat.masks[ids]
    d = np.where(mask, pat.mean[ids] - mean, 0.0)
    scatter = pat.scatter[g.scatter[np.searchsorted(g.summarised, sel)]]
    cond, lam = con.cond[sel], con.lam[sel]
    k = cond @ lam
    return pat.n[ids], d, scatter, k, cond, lam


def _completed_summaries(pat: Patterns, g: Group, con: _Conditional, mean: FloatArray,
                         prec: FloatArray) -> tuple[float, SufficientStats]:
    """Completed statistics and log-likelihood of a group's summarised patterns."""
    p = pat.p
    sel = g.summarised
    n, d, s, k, cond, lam = _summarised(pat, g, con, mean, sel)
    w_tilde = s + n[:, None, None] * d[:, :, None] * d[:, None, :]
    trace = np.einsum("ij,gij->g", prec, w_tilde)
    if g.nmissing:
        lwl = lam @ w_tilde @ np.swapaxes(lam, 1, 2)
        trace = trace - np.einsum("gij,gij->g", cond, lwl)
    kk = p - g.nmissing
    logdet = con.logdet[sel]
    loglike = -0.5 * float(np.sum(n * (kk * LOG_2PI + logdet) + trace))
    full_mean = pat.mean[g.ids[sel]].copy()
    scatter = s.copy()
    if g.nmissing:
        ar = np.arange(sel.size)[:, None]
        mis = g.mis[sel]
        full_mean[ar, mis] = mean[mis] - np.einsum("gmp,gp->gm", k, d)
        ks = k @ s
        scatter[ar, mis, :] = -ks
        scatter[ar[:, :, None], np.arange(p)[None, None, :], mis[:, :, None]] = -ks
        scatter[ar[:, :, None], mis[:, :, None], mis[:, None, :]] = \
            ks @ np.swapaxes(k, 1, 2) + n[:, None, None] * cond
    return loglike, _combine(n, full_mean, scatter)


def _combine(n: FloatArray, means: FloatArray, scatters: FloatArray) -> SufficientStats:
    """Statistics of the union of patterns ``(n_g, mean_g, S_g)``, vectorised."""
    total = float(n.sum())
    p = means.shape[1]
    if total == 0:
        return SufficientStats.empty(p)
    centre = n @ means / total
    dev = means - centre
    scatter = scatters.sum(axis=0) + (dev * n[:, None]).T @ dev
    return SufficientStats(total, centre, (scatter + scatter.T) / 2)


def _raw_rows(pat: Patterns, g: Group, con: _Conditional, mean: FloatArray,
              prec: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """For the raw rows of group ``g``: residuals ``r̃``, ``u = K r̃``, ``z̃ = P̃ r̃`` and the
    Mahalanobis terms, one row each."""
    return row_moments(pat.raw_x[g.raw_rows], g.raw_local, pat, g, con, mean, prec)


def row_moments(x: FloatArray, local: np.ndarray, pat: Patterns, g: Group, con: _Conditional,
                mean: FloatArray, prec: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray,
                                                            FloatArray]:
    """``(r̃, u, z̃, maha)`` of rows ``x`` (relative to the origin) whose patterns are the
    positions ``local`` of group ``g``."""
    mask = pat.masks[g.ids[local]]
    resid = np.where(mask, x - mean, 0.0)
    y = resid @ prec
    maha = np.einsum("ri,ri->r", resid, y)
    if not g.nmissing:
        return resid, np.zeros((resid.shape[0], 0)), y * mask, maha
    y_m = np.take_along_axis(y, g.mis[local], axis=1)
    u = np.einsum("rij,rj->ri", con.cond[local], y_m)
    z = (y - np.einsum("rmp,rm->rp", con.lam[local], u)) * mask
    maha = maha - np.einsum("ri,ri->r", y_m, u)
    return resid, u, z, maha


def _completed_raw(pat: Patterns, g: Group, con: _Conditional, mean: FloatArray,
                   prec: FloatArray) -> tuple[float, SufficientStats]:
    p = pat.p
    rows = g.raw_rows
    w = pat.raw_w[rows]
    _, u, _, maha = _raw_rows(pat, g, con, mean, prec)
    kk = p - g.nmissing
    loglike = -0.5 * float(np.sum(w * (kk * LOG_2PI + con.logdet[g.raw_local] + maha)))
    filled = pat.raw_x[rows].copy()
    if g.nmissing:
        mis = g.mis[g.raw_local]
        np.put_along_axis(filled, mis, mean[mis] - u, axis=1)
    stats = SufficientStats.from_array(filled, w, origin=np.zeros(p))
    if g.nmissing:
        n_g = np.bincount(g.raw_local, weights=w, minlength=g.ids.size)
        correction = np.zeros((p, p))
        flat = (g.mis[:, :, None] * p + g.mis[:, None, :]).ravel()
        correction.ravel()[:] += np.bincount(
            flat, weights=(n_g[:, None, None] * con.cond).ravel(), minlength=p * p)
        stats = SufficientStats(stats.n, stats.mean, stats.scatter + correction)
    return loglike, stats


def e_step(pat: Patterns, mean: FloatArray, cov: FloatArray) -> tuple[SufficientStats, float]:
    """E-step at ``(μ, Σ)`` (``μ`` relative to ``pat.origin``): the completed-data statistics
    (the M-step is their mean and scatter/n) and the observed-data log-likelihood."""
    prec, logdet = precision(cov)
    total = SufficientStats.empty(pat.p)
    loglike = 0.0
    for g in pat.groups:
        con = conditional(g, pat.masks, prec, logdet)
        for part in (_completed_summaries, _completed_raw):
            if part is _completed_summaries and not g.summarised.size:
                continue
            if part is _completed_raw and not g.raw_rows.size:
                continue
            value, stats = part(pat, g, con, mean, prec)
            loglike += value
            total = total.merge(stats)
    return total, loglike


def observed_loglike(pat: Patterns, mean: FloatArray, cov: FloatArray) -> float:
    """The observed-data log-likelihood at ``(μ, Σ)`` (``μ`` relative to ``pat.origin``)."""
    return e_step(pat, mean, cov)[1]


@dataclass(frozen=True)
class Terms:
    """Per-pattern ``(n_g, P̃_g, z̃_g, Q̃_g)`` of a batch of patterns (see ``_observed``)."""

    ids: np.ndarray
    n: FloatArray
    prec: FloatArray
    z: FloatArray
    q: FloatArray


def precisions(prec: FloatArray, con: _Conditional, sel: np.ndarray,
                mask: FloatArray) -> FloatArray:
    out = np.broadcast_to(prec, (sel.size, *prec.shape)).copy()
    if con.cond.shape[1]:
        lam = con.lam[sel]
        out -= np.swapaxes(lam, 1, 2) @ con.cond[sel] @ lam
    return out * mask[:, :, None] * mask[:, None, :]


def _segment_sums(values: FloatArray, local: np.ndarray, size: int) -> FloatArray:
    """Sums of ``values`` rows by sorted segment ids ``local`` (zeros for absent ids)."""
    out = np.zeros((size, *values.shape[1:]))
    if local.size:
        starts = np.flatnonzero(np.r_[True, local[1:] != local[:-1]])
        out[local[starts]] = np.add.reduceat(values, starts, axis=0)
    return out


def group_terms(pat: Patterns, mean: FloatArray, cov: FloatArray) -> Iterator[Terms]:
    """Batches of per-pattern terms at ``(μ, Σ)``; memory bounded by ``BATCH_ELEMENTS``.

    ``z̃_g = P̃_g Σᵢ wᵢr̃ᵢ`` and ``Q̃_g = P̃_g W̃_g P̃_g`` with ``W̃_g = Σᵢ wᵢr̃ᵢr̃ᵢᵀ`` — from the
    pattern statistics when summarised, from the rows otherwise.
    """
    p = pat.p
    prec, logdet = precision(cov)
    size = max(1, BATCH_ELEMENTS // (p * p))
    for g in pat.groups:
        con = conditional(g, pat.masks, prec, logdet)
        sel = g.summarised
        for start in range(0, sel.size, size):
            part = sel[start:start + size]
            n, d, s, _, _, _ = _summarised(pat, g, con, mean, part)
            mask = pat.masks[g.ids[part]].astype(float)
            pp = precisions(prec, con, part, mask)
            w_tilde = s + n[:, None, None] * d[:, :, None] * d[:, None, :]
            z = np.einsum("gij,gj->gi", pp, d) * n[:, None]
            yield Terms(g.ids[part], n, pp, z, pp @ w_tilde @ pp)
        if g.raw_rows.size:
            yield from _raw_terms(pat, g, con, mean, prec, size)


def _raw_terms(pat: Patterns, g: Group, con: _Conditional, mean: FloatArray, prec: FloatArray,
               size: int) -> Iterator[Terms]:
    """Terms of the raw patterns of ``g``, in batches of at most ``size`` patterns."""
    _, _, z_rows, _ = _raw_rows(pat, g, con, mean, prec)
    w = pat.raw_w[g.raw_rows]
    local = g.raw_local
    present = np.unique(local)
    for start in range(0, present.size, size):
        part = present[start:start + size]
        keep = (local >= part[0]) & (local <= part[-1])
        rank = np.searchsorted(part, local[keep])
        zr, wr = z_rows[keep], w[keep]
        mask = pat.masks[g.ids[part]].astype(float)
        n = np.bincount(rank, weights=wr, minlength=part.size).astype(np.float64)
        z = _segment_sums(zr * wr[:, None], rank, part.size)
        q = np.zeros((part.size, pat.p, pat.p))
        step = max(1, BATCH_ELEMENTS // (pat.p * pat.p))
        for s0 in range(0, zr.shape[0], step):
            block = zr[s0:s0 + step]
            outer = np.einsum("ri,rj->rij", block * wr[s0:s0 + step, None], block)
            q += _segment_sums(outer, rank[s0:s0 + step], part.size)
        yield Terms(g.ids[part], n, precisions(prec, con, part, mask), z, q)
