"""Conditional moments at ``(μ, Σ)``: the E-step and the per-pattern terms of the observed-data
likelihood, its score and its information.

With ``Λ = Σ⁻¹`` and ``o``/``m`` a pattern's observed/missing columns, the partitioned-inverse
identities give ``C = Σ_mm − Σ_moΣ_oo⁻¹Σ_om = Λ_mm⁻¹`` (the conditional covariance),
``ln|Σ_oo| = ln|Σ| + ln|Λ_mm|`` and ``Σ_oo⁻¹ = Λ_oo − Λ_om C Λ_mo``, so each pattern costs an
``m×m`` factorisation (``m`` = number missing, usually small). With ``K = C Λ_mo`` the
conditional mean is ``E[x_m | x_o] = μ_m − K(x_o − μ_o)``, linear in ``x_o``: a summarised
pattern's completed statistics follow from its ``(n_g, x̄_g, S_g)`` alone —
mean ``(x̄_o, μ_m − K d)``, scatter blocks ``S_oo``, ``−K S_oo``, ``K S_oo Kᵀ + n_g C``.

Everything is zero-padded to ``p`` columns (zeros at the missing entries) and relative to the
patterns' ``origin``; ``μ`` passed here is relative to it too.

Speed (issue 21). Data with many small patterns (``n = 10⁴``, ``p = 20``, 20% missing: 6490
patterns, most with one row) made the per-pattern work dominate. A fit with standard errors
ran 11 E-steps, 3 log-likelihoods (Newton's step checks) and 3 observed informations (two
Newton steps, one for the standard errors); profiled, an E-step took 15–17 ms (half of it
``np.linalg.solve`` on the stacks of ``Λ_mm``) and an information 107–140 ms (segment sums
of ``p×p`` outer products by ``np.add.reduceat`` 21 ms, the ``p²×p²`` product 28 ms, the
padded precisions 15 ms): about 0.6 s in all. Now an E-step takes about 10 ms and an
information about 45 ms (0.3 s in all, rough figures on a shared machine). What is batched:

* the patterns with the same number ``m`` of missing columns form one group (:class:`Group`),
  and each group is one stack: one batched Cholesky (``ln|Λ_mm|``) and one batched inverse
  (``C``) per group, at about half a microsecond per pattern;
* a row's quantities need only ``C`` of its pattern: with ``r̃`` the residual (zero where
  missing) and ``y = Λr̃``, ``u = C y_m = K r̃``, the Mahalanobis term is ``r̃ᵀy − y_mᵀu`` and
  the row's score ``z̃ = P̃r̃ = (y − Λũ)∘o`` (``ũ`` is ``u`` placed at the missing columns), so
  ``K`` and ``P̃`` are never gathered per row — one ``(rows × p)·(p × p)`` product instead;
* the completed rows of every group are summarised once per E-step, and ``Σ_g n_g C_g``
  scattered into ``p×p`` by one ``bincount``;
* the information's terms are kept as half-vectorised (``vech``) stacks, summed over the
  rows of a pattern with one sparse product (exact sums; ``np.add.reduceat`` was five times
  slower), and reduced with one ``(k × G)·(G × k)`` product (``k = p(p+1)/2``), a quarter of
  the ``p² × p²`` product over full matrices (see :mod:`._observed`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sps

from .._typing import FloatArray, IntArray
from ..data import SufficientStats, stats_of
from ..linalg import PDFactor, vech_indices
from ..model import LOG_2PI
from ._patterns import Group, Patterns

__all__ = ["Conditional", "Terms", "conditional", "e_step", "group_terms", "observed_loglike",
           "pattern_precisions", "precision", "row_moments", "row_scores", "vech_flat",
           "vech_pairs"]

BATCH_ELEMENTS = 1 << 21
"""Elements of the largest temporary stack (16 MiB): patterns and rows are batched under it."""

SMALL_SEGMENTS = 1 << 15
"""Values below which segment sums use ``np.add.reduceat`` rather than a sparse product."""


@dataclass(frozen=True)
class Conditional:
    """``C_g = Λ_mm⁻¹`` (the conditional covariance of the missing columns given the observed
    ones) and ``ln|Σ_oo|`` of each pattern of a group."""

    cond: np.ndarray
    logdet: FloatArray


def conditional(g: Group, prec: FloatArray, logdet: float) -> Conditional:
    """The conditional covariances of group ``g``'s patterns at ``Λ = prec``: ``C = Λ_mm⁻¹``
    and ``ln|Λ_mm|`` for the whole stack at once (:func:`_sweep_inverse` for many patterns,
    LAPACK's batched Cholesky and inverse for few)."""
    m = g.nmissing
    if m == 0:
        return Conditional(np.zeros((g.ids.size, 0, 0)), np.full(g.ids.size, logdet))
    lam_mm = prec[g.mis[:, :, None], g.mis[:, None, :]]
    cond: np.ndarray
    if g.ids.size >= SWEEP_PATTERNS * m:
        cond, logdet_mm = _sweep_inverse(lam_mm)
    else:
        low = np.linalg.cholesky(lam_mm)
        logdet_mm = 2.0 * np.log(np.diagonal(low, axis1=1, axis2=2)).sum(axis=1)
        cond = np.linalg.inv(lam_mm)
    return Conditional((cond + np.swapaxes(cond, 1, 2)) / 2, logdet + logdet_mm)


SWEEP_PATTERNS = 12
"""Patterns per missing column above which a group is inverted by sweeping (measured: from
about ten patterns per column the sweep's ``m`` vectorised steps beat LAPACK's per-matrix
calls; 1724 patterns of 4 columns: 0.41 ms against 0.84 ms)."""


def _sweep_inverse(a: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Inverse and log-determinant of a stack of symmetric positive definite matrices by the
    sweep operator (Goodnight, 1979), vectorised over the stack: ``m`` steps of rank-one
    updates. The pivots are the Cholesky factor's squared diagonal, so their logs sum to
    ``ln|A|``; a pivot that is not positive (a matrix that is not positive definite in
    floating point) raises :class:`numpy.linalg.LinAlgError`, as the Cholesky would."""
    a = a.copy()
    logdet = np.zeros(a.shape[0])
    for k in range(a.shape[1]):
        pivot = a[:, k, k].copy()
        if not np.all(pivot > 0):
            raise np.linalg.LinAlgError("Matrix is not positive definite")
        logdet += np.log(pivot)
        row = a[:, k, :] / pivot[:, None]
        a -= a[:, :, k, None] * row[:, None, :]
        a[:, k, :] = row
        a[:, :, k] = row
        a[:, k, k] = -1.0 / pivot
    return -a, logdet


def precision(cov: FloatArray) -> tuple[FloatArray, float]:
    fac = PDFactor.of(cov, name="cov")
    return fac.inverse(), fac.logdet


@lru_cache(maxsize=8)
def vech_pairs(p: int) -> tuple[IntArray, IntArray]:
    """``vech_indices(p)``, computed once per ``p`` (the E-step asks at every batch)."""
    return vech_indices(p)


@lru_cache(maxsize=8)
def vech_flat(p: int) -> IntArray:
    """Positions of the ``vech`` entries in a row-major flattened ``p×p`` matrix."""
    rows, cols = vech_pairs(p)
    return rows * p + cols


def pattern_precisions(prec: FloatArray, g: Group, con: Conditional, sel: np.ndarray, *,
                       full: bool = False) -> FloatArray:
    """``P̃_g = Σ_oo⁻¹`` zero-padded, ``= Λ − Λ_{·m} C Λ_{m·}`` (zero at the missing rows and
    columns, where ``Λ_mm C = I``; set to exact zeros), of the positions ``sel`` of group
    ``g``: ``vech`` rows ``(len(sel), k)``, or full ``(len(sel), p, p)``."""
    p = prec.shape[0]
    if g.nmissing:
        mis = g.mis[sel]
        rows = np.take(prec, mis, axis=0)
        out = np.swapaxes(rows, 1, 2) @ (con.cond[sel] @ rows)
        np.subtract(prec, out, out=out)
        at = np.arange(sel.size)[:, None]
        out[at, mis, :] = 0.0
        out[at, :, mis] = 0.0
    else:
        out = np.broadcast_to(prec, (sel.size, p, p))
    return out if full else np.take(out.reshape(sel.size, p * p), vech_flat(p), axis=1)


def row_moments(x: FloatArray, local: np.ndarray, masks: np.ndarray, g: Group,
                con: Conditional, mean: FloatArray,
                prec: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """``(r̃, y, u, maha)`` of rows ``x`` (relative to the origin) whose patterns are the
    positions ``local`` of group ``g``: the residual ``r̃`` (zero where missing), ``y = Λr̃``,
    ``u = C y_m`` (``E[x_m | x_o] = μ_m − u``) and ``(x_o − μ_o)ᵀΣ_oo⁻¹(x_o − μ_o)``."""
    mask = masks[g.ids[local]]
    resid = np.where(mask, x - mean, 0.0)
    y = resid @ prec
    maha = np.einsum("ri,ri->r", resid, y)
    if not g.nmissing:
        return resid, y, np.zeros((resid.shape[0], 0)), maha
    y_m = np.take_along_axis(y, g.mis[local], axis=1)
    u = np.einsum("rij,rj->ri", con.cond[local], y_m)
    return resid, y, u, maha - np.einsum("ri,ri->r", y_m, u)


def row_scores(y: FloatArray, u: FloatArray, local: np.ndarray, masks: np.ndarray, g: Group,
               prec: FloatArray) -> FloatArray:
    """``z̃ = P̃_g r̃`` of each row, ``= (y − Λũ)∘o`` with ``ũ`` = ``u`` at the missing columns
    (the mean part of the row's observed-data score)."""
    mask = masks[g.ids[local]]
    if not g.nmissing:
        return y * mask
    spread = np.zeros_like(y)
    np.put_along_axis(spread, g.mis[local], u, axis=1)
    return (y - spread @ prec) * mask


def _summarised(pat: Patterns, g: Group, con: Conditional, mean: FloatArray, prec: FloatArray,
                sel: np.ndarray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray,
                                          FloatArray]:
    """For summarised positions ``sel`` of group ``g``: ``(n, d̃, S̃, K, Λ_m)``."""
    ids = g.ids[sel]
    mask = pat.masks[ids]
    d = np.where(mask, pat.mean[ids] - mean, 0.0)
    scatter = pat.scatter[g.scatter[np.searchsorted(g.summarised, sel)]]
    lam = prec[g.mis[sel]] * mask[:, None, :]
    return pat.n[ids], d, scatter, con.cond[sel] @ lam, lam


def _summaries_loglike(pat: Patterns, g: Group, con: Conditional, prec: FloatArray,
                       n: FloatArray, d: FloatArray, s: FloatArray, lam: FloatArray) -> float:
    """``Σ_g ln φ`` of a group's summarised patterns: ``tr(P̃ W̃) = tr(ΛW̃) − tr(C Λ_m W̃ Λ_mᵀ)``
    with ``W̃ = S̃ + n d̃d̃ᵀ``."""
    w_tilde = s + n[:, None, None] * d[:, :, None] * d[:, None, :]
    trace = np.einsum("ij,gij->g", prec, w_tilde)
    if g.nmissing:
        lwl = lam @ w_tilde @ np.swapaxes(lam, 1, 2)
        trace = trace - np.einsum("gij,gij->g", con.cond[g.summarised], lwl)
    kk = pat.p - g.nmissing
    return -0.5 * float(np.sum(n * (kk * LOG_2PI + con.logdet[g.summarised]) + trace))


def _completed_summaries(pat: Patterns, g: Group, con: Conditional, mean: FloatArray,
                         prec: FloatArray) -> tuple[float, FloatArray, FloatArray, FloatArray]:
    """Log-likelihood and completed ``(n_g, mean_g, S_g)`` of a group's summarised patterns."""
    p = pat.p
    sel = g.summarised
    n, d, s, k, lam = _summarised(pat, g, con, mean, prec, sel)
    loglike = _summaries_loglike(pat, g, con, prec, n, d, s, lam)
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
            ks @ np.swapaxes(k, 1, 2) + n[:, None, None] * con.cond[sel]
    return loglike, n, full_mean, scatter


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


def _raw_loglike(pat: Patterns, g: Group, con: Conditional, maha: FloatArray) -> float:
    w = pat.raw_w[g.raw_rows]
    kk = pat.p - g.nmissing
    return -0.5 * float(np.sum(w * (kk * LOG_2PI + con.logdet[g.raw_local] + maha)))


class _Completed:
    """The completed statistics of one E-step, gathered over the groups and reduced once."""

    def __init__(self, pat: Patterns) -> None:
        self.pat = pat
        self.loglike = 0.0
        self.summaries: list[tuple[FloatArray, FloatArray, FloatArray]] = []
        self.filled: list[FloatArray] = []
        self.rows: list[np.ndarray] = []
        self.cond_at: list[IntArray] = []
        self.cond_weight: list[FloatArray] = []

    def add_raw(self, g: Group, con: Conditional, mean: FloatArray, prec: FloatArray) -> None:
        pat = self.pat
        _, _, u, maha = row_moments(pat.raw_x[g.raw_rows], g.raw_local, pat.masks, g, con,
                                    mean, prec)
        self.loglike += _raw_loglike(pat, g, con, maha)
        filled = pat.raw_x[g.raw_rows].copy()
        self.rows.append(g.raw_rows)
        if g.nmissing:
            mis = g.mis[g.raw_local]
            np.put_along_axis(filled, mis, mean[mis] - u, axis=1)
            n_g = np.bincount(g.raw_local, weights=pat.raw_w[g.raw_rows], minlength=g.ids.size)
            self.cond_at.append((g.mis[:, :, None] * pat.p + g.mis[:, None, :]).ravel())
            self.cond_weight.append((n_g[:, None, None] * con.cond).ravel())
        self.filled.append(filled)

    def stats(self) -> SufficientStats:
        p = self.pat.p
        total = SufficientStats.empty(p)
        if self.summaries:
            n, means, scatters = (np.concatenate(part) for part in zip(*self.summaries,
                                                                        strict=True))
            total = _combine(n, means, scatters)
        if self.filled:
            rows = np.concatenate(self.rows)
            raw = stats_of(np.concatenate(self.filled), self.pat.raw_w[rows], np.zeros(p))
            if self.cond_at:
                correction = np.bincount(np.concatenate(self.cond_at),
                                         weights=np.concatenate(self.cond_weight),
                                         minlength=p * p).reshape(p, p)
                raw = SufficientStats(raw.n, raw.mean, raw.scatter + correction)
            total = total.merge(raw)
        return total


def e_step(pat: Patterns, mean: FloatArray, cov: FloatArray) -> tuple[SufficientStats, float]:
    """E-step at ``(μ, Σ)`` (``μ`` relative to ``pat.origin``): the completed-data statistics
    (the M-step is their mean and scatter/n) and the observed-data log-likelihood."""
    prec, logdet = precision(cov)
    out = _Completed(pat)
    for g in pat.groups:
        con = conditional(g, prec, logdet)
        if g.summarised.size:
            value, n, full_mean, scatter = _completed_summaries(pat, g, con, mean, prec)
            out.loglike += value
            out.summaries.append((n, full_mean, scatter))
        if g.raw_rows.size:
            out.add_raw(g, con, mean, prec)
    return out.stats(), out.loglike


def observed_loglike(pat: Patterns, mean: FloatArray, cov: FloatArray) -> float:
    """The observed-data log-likelihood at ``(μ, Σ)`` (``μ`` relative to ``pat.origin``),
    without the completed statistics."""
    prec, logdet = precision(cov)
    total = 0.0
    for g in pat.groups:
        con = conditional(g, prec, logdet)
        if g.summarised.size:
            n, d, s, _, lam = _summarised(pat, g, con, mean, prec, g.summarised)
            total += _summaries_loglike(pat, g, con, prec, n, d, s, lam)
        if g.raw_rows.size:
            maha = row_moments(pat.raw_x[g.raw_rows], g.raw_local, pat.masks, g, con,
                               mean, prec)[3]
            total += _raw_loglike(pat, g, con, maha)
    return total


@dataclass(frozen=True)
class Terms:
    """Per-pattern ``(n_g, vech P̃_g, z̃_g, vech Q̃_g)`` of a batch of patterns (see
    ``_observed``): ``pv`` and ``qv`` are ``(G, k)``, ``z`` is ``(G, p)``."""

    ids: np.ndarray
    n: FloatArray
    pv: FloatArray
    z: FloatArray
    qv: FloatArray


def segment_sums(values: FloatArray, rank: IntArray, weights: FloatArray,
                 size: int) -> FloatArray:
    """``out[s] = Σ_{r: rank[r] = s} weights[r]·values[r]`` for sorted ``rank`` covering
    ``0..size−1``: a scaling when every segment has one row, else exact sums in row order —
    ``np.add.reduceat`` for small arrays, one sparse product for large ones (five times
    faster there; building the sparse matrix costs more than small sums)."""
    if size == rank.size:
        return values * weights[:, None]
    if values.size <= SMALL_SEGMENTS:
        starts = np.flatnonzero(np.r_[True, rank[1:] != rank[:-1]])
        return np.add.reduceat(values * weights[:, None], starts, axis=0)
    indicator = sps.csr_matrix((weights, (rank, np.arange(rank.size))),
                               shape=(size, rank.size))
    return np.asarray(indicator @ values)


def group_terms(pat: Patterns, mean: FloatArray, cov: FloatArray) -> Iterator[Terms]:
    """Batches of per-pattern terms at ``(μ, Σ)``; memory bounded by ``BATCH_ELEMENTS``.

    ``z̃_g = P̃_g Σᵢ wᵢr̃ᵢ`` and ``Q̃_g = P̃_g W̃_g P̃_g`` with ``W̃_g = Σᵢ wᵢr̃ᵢr̃ᵢᵀ`` — from the
    pattern statistics when summarised, from the rows (``Σᵢ wᵢ z̃ᵢz̃ᵢᵀ``) otherwise.
    """
    p = pat.p
    prec, logdet = precision(cov)
    size = max(1, BATCH_ELEMENTS // (p * p))
    for g in pat.groups:
        con = conditional(g, prec, logdet)
        if g.summarised.size:
            yield from _summarised_terms(pat, g, con, mean, prec, size)
        if g.raw_rows.size:
            yield from _raw_terms(pat, g, con, mean, prec, size)


def _summarised_terms(pat: Patterns, g: Group, con: Conditional, mean: FloatArray,
                      prec: FloatArray, size: int) -> Iterator[Terms]:
    flat = vech_flat(pat.p)
    sel = g.summarised
    for start in range(0, sel.size, size):
        part = sel[start:start + size]
        n, d, s, _, _ = _summarised(pat, g, con, mean, prec, part)
        pp = pattern_precisions(prec, g, con, part, full=True)
        w_tilde = s + n[:, None, None] * d[:, :, None] * d[:, None, :]
        z = np.einsum("gij,gj->gi", pp, d) * n[:, None]
        q = (pp @ w_tilde @ pp).reshape(part.size, -1)[:, flat]
        yield Terms(g.ids[part], n, pp.reshape(part.size, -1)[:, flat], z, q)


def _raw_terms(pat: Patterns, g: Group, con: Conditional, mean: FloatArray, prec: FloatArray,
               size: int) -> Iterator[Terms]:
    """Terms of the raw patterns of ``g``, in batches of at most ``size`` rows (so at most
    ``size`` patterns)."""
    p = pat.p
    local = g.raw_local
    starts = np.flatnonzero(np.r_[True, local[1:] != local[:-1]])
    ends = np.r_[starts[1:], local.size]
    first = 0
    while first < starts.size:  # whole patterns, at most `size` rows unless one has more
        lo = starts[first]
        last = first + max(1, int(np.searchsorted(ends[first:], lo + size, "right")))
        hi = ends[last - 1]
        first = last
        rows = g.raw_rows[lo:hi]
        part, rank = np.unique(local[lo:hi], return_inverse=True)
        _, y, u, _ = row_moments(pat.raw_x[rows], local[lo:hi], pat.masks, g, con, mean, prec)
        z_rows = row_scores(y, u, local[lo:hi], pat.masks, g, prec)
        w = pat.raw_w[rows]
        n = np.bincount(rank, weights=w, minlength=part.size).astype(np.float64)
        z = segment_sums(z_rows, rank, w, part.size)
        rows_v, cols_v = vech_pairs(p)
        outer = np.take(z_rows, rows_v, axis=1) * np.take(z_rows, cols_v, axis=1)
        q = segment_sums(outer, rank, w, part.size)
        yield Terms(g.ids[part], n, pattern_precisions(prec, g, con, part), z, q)
