"""Missingness patterns: rows grouped, patterns stacked by size, and the batched E-step.

Rows are grouped by which columns they observe. Patterns with the same number ``k`` of
observed columns form one :class:`Group` whose covariance blocks are stacked into arrays of
shape ``(G, k, k)`` and factorised in one batched call, so the cost of an E-step is
``O(patterns·p³ + n·p²)`` in a few numpy calls per ``k`` — never a Python loop over patterns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._data import Dataset, locate_nonfinite
from ._typing import FloatArray, IntArray
from .exceptions import NotIdentifiedError
from .likelihood import LOG_2PI
from .linalg import PDFactor
from .stats import SufficientStats

__all__ = ["Group", "Moments", "Patterns", "build_patterns", "e_step", "group_moments",
           "precision"]


@dataclass(frozen=True)
class Group:
    """Patterns with ``k`` observed columns.

    ``obs`` (G, k) and ``mis`` (G, p − k) are the column indices of each pattern; ``rows`` are
    the data rows in these patterns, sorted by pattern; ``local`` is each row's pattern
    (0 … G−1) and ``starts`` the offset of each pattern's first row (for ``reduceat``).
    """

    obs: IntArray
    mis: IntArray
    rows: IntArray
    local: IntArray
    starts: IntArray
    members: IntArray


@dataclass(frozen=True)
class Patterns:
    """Data with missing values (NaN), grouped by pattern; rows with nothing observed removed."""

    x: FloatArray
    w: FloatArray
    masks: np.ndarray
    groups: list[Group]
    names: list[str]

    @property
    def p(self) -> int:
        return int(self.x.shape[1])

    @property
    def npatterns(self) -> int:
        return int(self.masks.shape[0])


def _identified(ds: Dataset, observed: np.ndarray) -> None:
    if not observed.any():
        raise NotIdentifiedError(
            "The 'data' argument has no observed value in any row; nothing can be estimated.")
    seen = np.asarray(observed.any(axis=0), dtype=bool)
    never = [n for n, k in zip(ds.names, seen, strict=True) if not k]
    if never:
        raise NotIdentifiedError(
            f"Columns {never} are never observed: their mean and variances are not identified. "
            "Drop them.")
    both = observed.T.astype(float) @ observed.astype(float)
    pairs = [(ds.names[i], ds.names[j]) for i, j in zip(*np.nonzero(both == 0), strict=True)
             if i < j]
    if pairs:
        raise NotIdentifiedError(
            f"Column pairs {pairs} are never observed together: their covariance is not "
            "identified by the data. Drop one column of each pair.")


def _group(masks: np.ndarray, ids: np.ndarray, members: IntArray) -> Group:
    p = masks.shape[1]
    cols = np.arange(p)
    k = int(masks[members[0]].sum())
    obs = np.stack([cols[masks[g]] for g in members]).reshape(members.size, k)
    mis = np.stack([cols[~masks[g]] for g in members]).reshape(members.size, p - k)
    lookup = np.full(masks.shape[0], -1)
    lookup[members] = np.arange(members.size)
    local_all = lookup[ids]
    rows = np.flatnonzero(local_all >= 0)
    rows = rows[np.argsort(local_all[rows], kind="stable")]
    local = local_all[rows]
    starts = np.searchsorted(local, np.arange(members.size))
    return Group(obs, mis, rows, local, starts, members)


def build_patterns(ds: Dataset, w: FloatArray | None) -> tuple[Patterns, int]:
    """Group the rows of ``ds`` by missingness pattern; returns the patterns and the number of
    rows excluded because nothing in them is observed.

    Raises
    ------
    NonFiniteError
        Infinite values (they are not missing values).
    NotIdentifiedError
        No observed value at all, a column never observed, or a pair never observed together.
    """
    locate_nonfinite(ds, allow_nan=True)
    observed = ~np.isnan(ds.values)
    keep = observed.any(axis=1)
    _identified(ds, observed[keep])
    masks, ids = np.unique(observed[keep], axis=0, return_inverse=True)
    ids = ids.ravel()
    counts = masks.sum(axis=1)
    groups = [_group(masks, ids, np.flatnonzero(counts == k)) for k in np.unique(counts)]
    weights = np.ones(int(keep.sum())) if w is None else w[keep]
    return Patterns(ds.values[keep], weights, masks, groups, ds.names), int((~keep).sum())


@dataclass(frozen=True)
class Moments:
    """Per-pattern and per-row quantities of one group at ``(μ, Σ)``, from ``Λ = Σ⁻¹``.

    By the partitioned-inverse identities, with ``o``/``m`` the observed/missing columns:
    ``C = Σ_mm − Σ_moΣ_oo⁻¹Σ_om = Λ_mm⁻¹`` (the conditional covariance),
    ``ln|Σ_oo| = ln|Σ| + ln|Λ_mm|`` and ``Σ_oo⁻¹ = Λ_oo − Λ_om C Λ_mo``, so each pattern costs
    an ``m×m`` factorisation (``m`` = number missing, usually small) instead of ``k×k``.

    Attributes
    ----------
    cond : (G, m, m)
        ``C_g`` of each pattern.
    logdet : (G,)
        ``ln|Σ_oo|`` of each pattern.
    resid : (n_k, p)
        ``x − μ`` with zeros at the missing entries.
    z : (n_k, p)
        ``Σ_oo⁻¹(x_o − μ_o)`` zero-padded at the missing entries.
    u : (n_k, m)
        ``C Λ_mo (x_o − μ_o)``: the missing entries' conditional mean is ``μ_m − u``.
    maha : (n_k,)
        ``(x_o − μ_o)ᵀΣ_oo⁻¹(x_o − μ_o)``.
    """

    cond: FloatArray
    logdet: FloatArray
    resid: FloatArray
    z: FloatArray
    u: FloatArray
    maha: FloatArray


def group_moments(pat: Patterns, g: Group, mean: FloatArray, prec: FloatArray,
                  logdet: float) -> Moments:
    """Batched quantities of one group from the full precision ``Λ`` and ``ln|Σ|``.

    The ``C_g`` are the explicit inverses of the small ``Λ_mm`` blocks: they are needed as
    matrices (they are the conditional covariances of the M-step).
    """
    observed = pat.masks[g.members][g.local]
    resid = np.where(observed, pat.x[g.rows] - mean, 0.0)
    y = resid @ prec
    m = g.mis.shape[1]
    if m == 0:
        empty = np.zeros((g.obs.shape[0], 0, 0))
        maha = np.einsum("ri,ri->r", resid, y)
        return Moments(empty, np.full(g.obs.shape[0], logdet), resid, y,
                       np.zeros((g.rows.size, 0)), maha)
    lam_mm = prec[g.mis[:, :, None], g.mis[:, None, :]]
    low = np.linalg.cholesky(lam_mm)
    logdet_oo = logdet + 2.0 * np.log(np.diagonal(low, axis1=1, axis2=2)).sum(axis=1)
    cond = np.linalg.solve(lam_mm, np.broadcast_to(np.eye(m), lam_mm.shape))
    cond = (cond + np.swapaxes(cond, 1, 2)) / 2
    mis_rows = g.mis[g.local]
    y_m = np.take_along_axis(y, mis_rows, axis=1)
    u = np.einsum("rij,rj->ri", cond[g.local], y_m)
    z = y - np.einsum("rpm,rm->rp", prec[:, mis_rows].transpose(1, 0, 2), u)
    z = np.where(observed, z, 0.0)
    maha = np.einsum("ri,ri->r", resid, y) - np.einsum("ri,ri->r", y_m, u)
    return Moments(cond, logdet_oo, resid, z, u, maha)


def precision(cov: FloatArray) -> tuple[FloatArray, float]:
    """``(Σ⁻¹, ln|Σ|)`` from one Cholesky factorisation (raises if Σ is not PD)."""
    fac = PDFactor.of(cov, name="cov")
    return fac.inverse(), fac.logdet


def e_step(pat: Patterns, mean: FloatArray, cov: FloatArray) -> tuple[SufficientStats, FloatArray,
                                                                      float]:
    """E-step at ``(μ, Σ)``: completed-data statistics, the ``Σ_g n_g C_g`` correction of the
    missing blocks, and the observed-data log-likelihood at ``(μ, Σ)``.

    The missing entries are replaced by ``E[x_m | x_o] = μ_m − u`` and each pattern adds
    ``n_g C_g`` to its missing block of the scatter.
    """
    p = pat.p
    prec, logdet = precision(cov)
    filled = pat.x.copy()
    correction = np.zeros(p * p)
    loglike = 0.0
    for g in pat.groups:
        mom = group_moments(pat, g, mean, prec, logdet)
        w = pat.w[g.rows]
        k = g.obs.shape[1]
        loglike -= 0.5 * float(np.sum(w * (k * LOG_2PI + mom.logdet[g.local] + mom.maha)))
        if g.mis.shape[1] == 0:
            continue
        filled[g.rows[:, None], g.mis[g.local]] = mean[g.mis[g.local]] - mom.u
        n_g = np.add.reduceat(w, g.starts)
        flat = (g.mis[:, :, None] * p + g.mis[:, None, :]).ravel()
        correction += np.bincount(flat, weights=(n_g[:, None, None] * mom.cond).ravel(),
                                  minlength=p * p)
    return SufficientStats.from_array(filled, pat.w), correction.reshape(p, p), loglike
