"""Log-likelihood and analytic score of the multivariate normal at any ``(μ, Σ)``.

DIGEST §3. For data ``x₁ … x_n`` and ``P = Σ⁻¹``, ``rᵢ = xᵢ − μ``, ``W = Σᵢ rᵢrᵢᵀ``:

* ``ln L = −(np/2) ln 2π − (n/2) ln|Σ| − ½ tr(P W)``;
* ``∂ln L/∂μ = P Σᵢ rᵢ``;
* with ``G = P W P − nP`` (twice the gradient that treats Σ's entries as independent), the
  gradient w.r.t. the *distinct* entries of the symmetric Σ is ``G − ½(G∘I)``
  (the rule ``A + Aᵀ − A∘I`` with ``A = ½G``); its ``vech`` is the gradient w.r.t. ``vech Σ``.

``Σ`` is factorised once (:class:`~mvn_estimate.linalg.PDFactor`) and every term comes from
that Cholesky factor; totals are computed from the sufficient statistics (one chunked pass,
``O(chunk·p + p²)`` extra memory).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._data import Dataset, as_dataset, locate_nonfinite
from ._params import aligned_params, param_names
from ._typing import ArrayLike, FloatArray
from .linalg import PDFactor
from .linalg.vech import vech_indices
from .stats import SufficientStats

__all__ = ["Score", "loglike", "loglike_obs", "loglike_stats", "score", "score_obs"]

LOG_2PI = float(np.log(2.0 * np.pi))
OFFSET_LIMIT = 1e3
"""Means up to this many standard deviations are folded into the product (see
``_loglike_obs_kernel``); beyond it the data are centred first to keep full accuracy."""


def _prepare(data: Any, mean: Any, cov: Any) -> tuple[Dataset, FloatArray, PDFactor]:
    ds = as_dataset(data)
    mu, fac = aligned_params(mean, cov, ds.names)
    return ds, mu, fac


def _stats(ds: Dataset) -> SufficientStats:
    stats = SufficientStats.from_array(ds.values)
    if not stats.finite:
        locate_nonfinite(ds)
    return stats


def _loglike_kernel(stats: SufficientStats, mu: FloatArray, fac: PDFactor) -> float:
    """Total log-likelihood from statistics; assumes clean inputs of matching size."""
    w = stats.scatter_about(mu)
    trace = float(np.trace(fac.solve(w)))
    return -0.5 * (stats.n * (stats.nvars * LOG_2PI + fac.logdet) + trace)


def loglike(data: Any, mean: ArrayLike, cov: ArrayLike) -> float:
    """Total log-likelihood of the rows of ``data`` under ``N_p(mean, cov)``.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
        Numeric, finite. A DataFrame's columns are matched to labelled ``mean``/``cov``.
    mean : array-like of shape (n_features,) or Series
    cov : array-like of shape (n_features, n_features) or DataFrame
        Symmetric (relative tolerance ``RTOL``) and positive definite.

    Returns
    -------
    float
        ``−(np/2) ln 2π − (n/2) ln|Σ| − ½ Σᵢ (xᵢ−μ)ᵀΣ⁻¹(xᵢ−μ)``.

    Raises
    ------
    ShapeError, DtypeError, NonFiniteError
        Malformed ``data``, ``mean`` or ``cov``.
    NotSymmetricError, NotPositiveDefiniteError
        ``cov`` is not a valid covariance matrix.

    Notes
    -----
    Computed from the sufficient statistics: ``ln L = −½[n(p ln 2π + ln|Σ|) + tr(Σ⁻¹W)]``,
    ``W = S + n(x̄−μ)(x̄−μ)ᵀ``. Validated against ``scipy.stats.multivariate_normal.logpdf``
    (rtol 1e-10, p = 1…50).

    Examples
    --------
    >>> x = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> round(loglike(x, [0.0, 0.0], np.eye(2)), 6)
    -4.675754
    """
    ds, mu, fac = _prepare(data, mean, cov)
    return _loglike_kernel(_stats(ds), mu, fac)


def loglike_stats(stats: SufficientStats, mean: ArrayLike, cov: ArrayLike) -> float:
    """Total log-likelihood from sufficient statistics alone (no pass over the data).

    Parameters
    ----------
    stats : SufficientStats
    mean : array-like of shape (p,)
    cov : array-like of shape (p, p)

    Examples
    --------
    >>> x = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> s = SufficientStats.from_array(x)
    >>> round(loglike_stats(s, [0.0, 0.0], np.eye(2)), 6)
    -4.675754
    """
    names = [f"x{i}" for i in range(stats.nvars)]
    mu, fac = aligned_params(mean, cov, names)
    return _loglike_kernel(stats, mu, fac)


def _resid(x: FloatArray, mu: FloatArray) -> FloatArray:
    return x - mu


def _loglike_obs_kernel(x: FloatArray, mu: FloatArray, fac: PDFactor) -> FloatArray:
    """Per-row log-density; assumes clean inputs. Chunked so temporaries stay cache-sized.

    ``zᵢ = L⁻¹(xᵢ − μ)`` is computed as ``xᵢW − μW`` (``W = L⁻ᵀ``), saving a pass over the
    data, when that loses at most ``OFFSET_LIMIT · eps ≈ 2e-13`` relative accuracy (means at
    most ``OFFSET_LIMIT`` standard deviations from zero); otherwise the rows are centred first.
    """
    p = x.shape[1]
    const = -0.5 * (p * LOG_2PI + fac.logdet)
    # W = (L⁻¹)ᵀ through numpy's LAPACK: the products below run on numpy's BLAS, and a call
    # into scipy's separate BLAS just before leaves its threads spinning on the same cores
    # (measured: the loop ran 2.4× slower after scipy's solve_triangular).
    w = np.linalg.solve(fac.lower, np.eye(p)).T
    sd = np.sqrt(np.einsum("ij,ij->i", fac.lower, fac.lower))
    fold = bool(np.all(np.abs(mu) <= OFFSET_LIMIT * sd))
    shift = mu @ w
    out = np.empty(x.shape[0])
    rows = max(2048, (1 << 16) // p)  # measured best on 2 cores (benchmarks/, issue 5)
    for start in range(0, x.shape[0], rows):
        block = x[start:start + rows]
        z = block @ w if fold else _resid(block, mu) @ w
        if fold:
            z -= shift
        out[start:start + rows] = np.einsum("ij,ij->i", z, z)
    return const - 0.5 * out


def loglike_obs(data: Any, mean: ArrayLike, cov: ArrayLike) -> FloatArray | pd.Series:
    """Log-likelihood of each observation (the log-density of each row).

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
    mean : array-like of shape (n_features,) or Series
    cov : array-like of shape (n_features, n_features) or DataFrame

    Returns
    -------
    ndarray of shape (n_samples,), or Series indexed like ``data`` if it is a DataFrame
        ``−½[p ln 2π + ln|Σ| + (xᵢ−μ)ᵀΣ⁻¹(xᵢ−μ)]``.

    Notes
    -----
    ``(xᵢ−μ)ᵀΣ⁻¹(xᵢ−μ) = ‖L⁻¹(xᵢ−μ)‖²`` with the Cholesky factor ``Σ = LLᵀ``; equals
    ``scipy.stats.multivariate_normal.logpdf`` to rtol 1e-10 (tested).

    Examples
    --------
    >>> np.round(loglike_obs([[0.0], [1.0]], [0.0], [[1.0]]), 6)
    array([-0.918939, -1.418939])
    """
    ds, mu, fac = _prepare(data, mean, cov)
    out = _loglike_obs_kernel(ds.values, mu, fac)
    if not np.all(np.isfinite(out)):
        locate_nonfinite(ds)
    return pd.Series(out, index=ds.index, name="loglike") if ds.labelled else out


@dataclass(frozen=True)
class Score:
    """Score (gradient of the total log-likelihood) at ``(μ, Σ)``.

    Attributes
    ----------
    mean : ndarray of shape (p,) or Series
        ``Σ⁻¹ Σᵢ (xᵢ − μ)``.
    cov : ndarray of shape (p, p) or DataFrame
        Gradient w.r.t. the distinct entries of the symmetric Σ, as a symmetric matrix:
        ``G − ½(G∘I)`` with ``G = Σ⁻¹WΣ⁻¹ − nΣ⁻¹``.
    names : list of str
        Variable names.

    Examples
    --------
    >>> s = score(np.array([[1.0, 0.0], [0.0, 1.0]]), [0.0, 0.0], np.eye(2))
    >>> s.cov_vech
    array([-0.5,  0. , -0.5])
    >>> s.vector
    array([ 1. ,  1. , -0.5,  0. , -0.5])
    """

    mean: FloatArray | pd.Series
    cov: FloatArray | pd.DataFrame
    names: list[str]

    @property
    def cov_vech(self) -> FloatArray | pd.Series:
        """The Σ-part as a vector over ``vech(Σ)`` (the gradient w.r.t. ``vech Σ``)."""
        rows, cols = vech_indices(len(self.names))
        values = np.asarray(self.cov)[rows, cols]
        if isinstance(self.cov, pd.DataFrame):
            return pd.Series(values, index=param_names(self.names)[len(self.names):])
        return values

    @property
    def vector(self) -> FloatArray | pd.Series:
        """Full gradient w.r.t. ``θ = (μ, vech Σ)``, labelled ``mean[x]``, ``cov[x,y]``."""
        values = np.concatenate([np.asarray(self.mean), np.asarray(self.cov_vech)])
        if isinstance(self.mean, pd.Series):
            return pd.Series(values, index=param_names(self.names), name="score")
        return values


def _score_kernel(stats: SufficientStats, mu: FloatArray, fac: PDFactor) -> tuple[FloatArray,
                                                                                   FloatArray]:
    """Analytic score from statistics: returns (mean part, symmetric Σ part)."""
    d = stats.mean - mu
    score_mu = fac.solve(stats.n * d)
    w = stats.scatter_about(mu)
    pwp = fac.solve(fac.solve(w).T)
    g = pwp - stats.n * fac.inverse()
    g = (g + g.T) / 2
    return score_mu, g - 0.5 * np.diag(np.diag(g))


def score(data: Any, mean: ArrayLike, cov: ArrayLike) -> Score:
    """Analytic score of the total log-likelihood for ``μ`` and the symmetric ``Σ``.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
    mean : array-like of shape (n_features,) or Series
    cov : array-like of shape (n_features, n_features) or DataFrame

    Returns
    -------
    Score
        ``.mean`` (``Σ⁻¹Σᵢ(xᵢ−μ)``), ``.cov`` (symmetric matrix ``G − ½(G∘I)``),
        ``.cov_vech`` and ``.vector`` (over ``θ = (μ, vech Σ)``); pandas-labelled when
        ``data`` is a DataFrame.

    Notes
    -----
    Zero at the MLE; equals finite differences of :func:`loglike` over μ and over the distinct
    entries of Σ (tested). The uncorrected ``G`` doubles the diagonal and is wrong.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 6.0]])
    >>> s = score(x, x.mean(axis=0), np.cov(x, rowvar=False, bias=True))
    >>> bool(np.allclose(s.vector, 0.0))
    True
    """
    ds, mu, fac = _prepare(data, mean, cov)
    score_mu, score_cov = _score_kernel(_stats(ds), mu, fac)
    if ds.labelled:
        return Score(pd.Series(score_mu, index=ds.names, name="score"),
                     pd.DataFrame(score_cov, index=ds.names, columns=ds.names), ds.names)
    return Score(score_mu, score_cov, ds.names)


def _score_obs_kernel(x: FloatArray, mu: FloatArray, fac: PDFactor) -> FloatArray:
    """Rows ``(zᵢ, vech-corrected(zᵢzᵢᵀ − P))`` with ``zᵢ = P(xᵢ − μ)``."""
    p = x.shape[1]
    z = fac.solve(_resid(x, mu).T).T
    prec = fac.inverse()
    rows, cols = vech_indices(p)
    half = np.where(rows == cols, 0.5, 1.0)
    cov_part = (z[:, rows] * z[:, cols] - prec[rows, cols]) * half
    return np.hstack([z, cov_part])


def score_obs(data: Any, mean: ArrayLike, cov: ArrayLike) -> FloatArray | pd.DataFrame:
    """Per-observation scores over ``θ = (μ, vech Σ)``: shape ``(n, p + p(p+1)/2)``.

    Row ``i`` is the gradient of ``ln f(xᵢ; μ, Σ)``: ``zᵢ = Σ⁻¹(xᵢ−μ)`` for μ, and for
    ``vech Σ`` the entries of ``Gᵢ − ½(Gᵢ∘I)``, ``Gᵢ = zᵢzᵢᵀ − Σ⁻¹``. The rows sum to
    :func:`score`'s ``vector``.

    Returns
    -------
    ndarray of shape (n_samples, n_params), or DataFrame with columns ``mean[x]``, ``cov[x,y]``

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 6.0]])
    >>> so = score_obs(x, [0.0, 0.0], np.eye(2))
    >>> so.shape
    (3, 5)
    >>> bool(np.allclose(so.sum(axis=0), score(x, [0.0, 0.0], np.eye(2)).vector))
    True
    """
    ds, mu, fac = _prepare(data, mean, cov)
    out = _score_obs_kernel(ds.values, mu, fac)
    if not np.all(np.isfinite(out)):
        locate_nonfinite(ds)
    if ds.labelled:
        return pd.DataFrame(out, index=ds.index, columns=param_names(ds.names))
    return out
