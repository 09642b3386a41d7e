"""The passes over the rows that fit a multivariate t: the E-step (with the observed-data
log-likelihood and the derivatives in ``ν`` at the current point) and the observed
information. Each is a chunk function for :meth:`~mvn_estimate.data.Rows.total`, so an EM
iteration is one pass over an array, a file or Dask partitions.

Rows with missing values are grouped by the columns they observe, within each chunk; a row
observing ``o`` contributes ``x̂_m = μ_m + Σ_moΣ_oo⁻¹(x_o − μ_o)`` for its missing columns and
``C = Σ_mm − Σ_moΣ_oo⁻¹Σ_om`` to the completed scatter (Liu & Rubin, 1995).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .._typing import FloatArray
from ..model import TGroup, t_information, t_logdensity, t_nu_derivatives, t_weights

__all__ = ["TTally", "estep", "information", "observed_groups"]

BLOCK_VALUES = 1 << 18
"""Values per block of complete rows handled at once (the temporaries stay in cache)."""


@dataclass(frozen=True)
class TTally:
    """Sums over rows of one E-step at ``(μ, Σ, ν)``: the weight ``n = Σc``, ``Σcw``,
    ``Σcw(x̂ − μ)``, the completed scatter about ``μ``, the log-likelihood, the derivatives
    in ``ν`` and ``Σc Q²`` and ``Σc k(k + 2)`` (a moment estimate of ``ν``)."""

    n: float
    sw: float
    first: FloatArray
    scatter: FloatArray
    loglike: float
    nu_score: float
    nu_curvature: float
    q2: float
    kk: float

    def merge(self, other: TTally) -> TTally:
        return TTally(self.n + other.n, self.sw + other.sw, self.first + other.first,
                      self.scatter + other.scatter, self.loglike + other.loglike,
                      self.nu_score + other.nu_score, self.nu_curvature + other.nu_curvature,
                      self.q2 + other.q2, self.kk + other.kk)


def _keys(observed: np.ndarray) -> np.ndarray:
    packed = np.ascontiguousarray(np.packbits(observed, axis=1))
    return packed.view(np.dtype((np.void, packed.shape[1]))).ravel()


def observed_groups(x: FloatArray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(rows, observed columns)`` of each pattern among the rows of ``x`` that observe
    something (one group when nothing is missing)."""
    observed = ~np.isnan(x)
    if observed.all():
        yield np.arange(x.shape[0]), np.arange(x.shape[1])
        return
    _, first, inverse = np.unique(_keys(observed), return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(inverse))])
    for g, row in enumerate(first):
        cols = np.flatnonzero(observed[row])
        if cols.size:
            yield order[bounds[g]:bounds[g + 1]], cols


def _complete(x: FloatArray, c: FloatArray | None, mean: FloatArray, cov: FloatArray,
              nu: float, with_nu: bool) -> TTally:
    """The E-step of complete rows, in blocks (the whitened residuals by one product)."""
    p = mean.size
    low = np.linalg.cholesky(cov)
    whitener = np.linalg.solve(low, np.eye(p)).T  # numpy's LAPACK: no second BLAS pool
    logdet = 2.0 * float(np.log(np.diag(low)).sum())
    first, scatter = np.zeros(p), np.zeros((p, p))
    sw = loglike = score = curve = q2 = n = 0.0
    step = max(64, BLOCK_VALUES // p)
    k = float(p)
    for start in range(0, x.shape[0], step):
        d = x[start:start + step] - mean
        u = d @ whitener
        q = np.einsum("ij,ij->i", u, u)
        cb = np.ones(q.size) if c is None else c[start:start + step]
        cw = cb * t_weights(q, k, nu)
        sw += float(cw.sum())
        n += float(cb.sum())
        first += cw @ d
        scatter += (d * cw[:, None]).T @ d
        loglike += float(cb @ t_logdensity(q, k, nu)) - 0.5 * logdet * float(cb.sum())
        if with_nu:
            s1, s2 = t_nu_derivatives(q, k, nu, cb)
            score, curve = score + s1, curve + s2
        q2 += float(cb @ (q * q))
    return TTally(n, sw, first, scatter, loglike, score, curve, q2, n * k * (k + 2))


def estep(x: FloatArray, c: FloatArray | None, mean: FloatArray, cov: FloatArray,
          nu: float, with_nu: bool = True) -> TTally:
    """The t E-step of one chunk of rows (NaN = missing; ``c`` frequency weights), with the
    derivatives in ``ν`` when ``with_nu``."""
    if not np.isnan(x).any():
        return _complete(x, c, mean, cov, nu, with_nu)
    p = mean.size
    first, scatter = np.zeros(p), np.zeros((p, p))
    sw = loglike = score = curve = q2 = kk = n = 0.0
    for rows, o in observed_groups(x):
        m = np.setdiff1d(np.arange(p), o)
        k = float(o.size)
        low = np.linalg.cholesky(cov[np.ix_(o, o)])
        inv_low = np.linalg.solve(low, np.eye(o.size))
        d = x[np.ix_(rows, o)] - mean[o]
        z = d @ (inv_low.T @ inv_low)
        q = np.einsum("ij,ij->i", d, z)
        cb = np.ones(rows.size) if c is None else c[rows]
        cw = cb * t_weights(q, k, nu)
        resid = np.zeros((rows.size, p))
        resid[:, o] = d
        if m.size:
            resid[:, m] = z @ cov[np.ix_(o, m)]
            half = inv_low @ cov[np.ix_(o, m)]
            cond = cov[np.ix_(m, m)] - half.T @ half
            scatter[np.ix_(m, m)] += float(cb.sum()) * (cond + cond.T) / 2
        sw += float(cw.sum())
        n += float(cb.sum())
        first += cw @ resid
        scatter += (resid * cw[:, None]).T @ resid
        logdet = 2.0 * float(np.log(np.diag(low)).sum())
        loglike += float(cb @ t_logdensity(q, k, nu)) - 0.5 * logdet * float(cb.sum())
        if with_nu:
            s1, s2 = t_nu_derivatives(q, k, nu, cb)
            score, curve = score + s1, curve + s2
        q2, kk = q2 + float(cb @ (q * q)), kk + float(cb.sum()) * k * (k + 2)
    return TTally(n, sw, first, scatter, loglike, score, curve, q2, kk)


def information(x: FloatArray, c: FloatArray | None, mean: FloatArray, cov: FloatArray,
                nu: float, with_nu: bool) -> FloatArray:
    """The observed information of one chunk's rows over ``(μ, vech Σ[, ν])``."""
    p = mean.size
    out: FloatArray | None = None
    for rows, o in observed_groups(x):
        prec = np.zeros((p, p))  # the observed block's precision, padded: the matrix is needed
        inv_low = np.linalg.solve(np.linalg.cholesky(cov[np.ix_(o, o)]), np.eye(o.size))
        prec[np.ix_(o, o)] = inv_low.T @ inv_low
        d = np.where(np.isnan(x[rows]), 0.0, x[rows] - mean)
        z = d @ prec
        q = np.einsum("ij,ij->i", d, z)
        cb = np.ones(rows.size) if c is None else c[rows]
        part = t_information(TGroup(prec, z, q, float(o.size), cb), nu, with_nu)
        out = part if out is None else out + part
    assert out is not None
    return out
