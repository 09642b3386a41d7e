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
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from .._docs import fill_doc
from .._typing import ArrayLike, FloatArray, Invalid
from .._validate import check_choice
from ..data import (
    POINT_ADVICE,
    Dataset,
    SufficientStats,
    as_dataset,
    locate_nonfinite,
)
from ..exceptions import (
    DtypeError,
    NotPositiveDefiniteError,
    NotSymmetricError,
    NumericalRangeError,
    arg,
    describe,
)
from ..linalg import PDFactor, vech_indices, vech_multiplicity
from ._kernels import LOG_2PI, loglike_from, score_from, sym_score
from ._params import Point, checked_point, param_names

__all__ = ["LOG_2PI", "Score", "loglike", "loglike_obs", "loglike_rows", "loglike_stats", "score",
           "score_obs", "score_rows", "stats_about", "sym_score"]

def _prepare(data: Any, mean: Any, cov: Any) -> tuple[Dataset, Point]:
    ds = as_dataset(data)
    return ds, checked_point(ds, mean, cov)


def stats_about(ds: Dataset, mu: FloatArray, weights: FloatArray | None = None) -> SufficientStats:
    """Statistics of ``data − μ`` (full accuracy whatever the offset), checked finite.

    Raises the NaN/inf error naming ``data``, or :class:`NumericalRangeError` when finite
    data have a scatter about ``μ`` beyond float64's range.
    """
    stats = SufficientStats.about(ds.values, mu, weights)
    if not stats.finite:
        locate_nonfinite(ds, advice=POINT_ADVICE)
        spread = float(np.max(np.abs(ds.values - mu)))
        raise NumericalRangeError(
            f"{arg('data')}'s scatter about 'mean' overflows float64: |x − μ| reaches "
            f"{spread:.3g}, so Σ(x − μ)(x − μ)ᵀ exceeds 1.8e308. Rescale data, mean and cov "
            "by a common factor (e.g. divide the data by 1e100)."
        )
    return stats


def loglike(data: Any, mean: ArrayLike, cov: ArrayLike, *, invalid: Invalid = "raise") -> float:
    """Total log-likelihood of the rows of ``data`` under ``N_p(mean, cov)``.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
        Numeric, finite. A DataFrame's columns are matched to labelled ``mean``/``cov``.
    mean : array-like of shape (n_features,) or Series
    cov : array-like of shape (n_features, n_features) or DataFrame
        Symmetric (relative tolerance ``RTOL``) and positive definite.
    invalid : {"raise", "-inf"}, default "raise"
        What a ``cov`` that is not symmetric positive definite gives: the error, or ``-inf``
        (what an objective function for an optimiser wants: the point is simply rejected).
        Malformed input (shapes, NaN, labels) raises either way.

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
    check_choice(invalid, "invalid", Invalid)
    try:
        ds, pt = _prepare(data, mean, cov)
    except (NotPositiveDefiniteError, NotSymmetricError):
        if invalid == "-inf":
            return float("-inf")
        raise
    return loglike_from(stats_about(ds, pt.mean), pt.fac)


def loglike_stats(stats: SufficientStats, mean: ArrayLike, cov: ArrayLike) -> float:
    """Total log-likelihood from sufficient statistics alone (no pass over the data).

    Parameters
    ----------
    stats : SufficientStats
    mean : array-like of shape (p,)
    cov : array-like of shape (p, p)

    Returns
    -------
    float

    Raises
    ------
    DtypeError
        ``stats`` is not a :class:`SufficientStats`.

    Notes
    -----
    ``x̄ − μ`` is formed from the stored mean, so a large common offset of data and ``μ``
    costs accuracy here (the statistics hold no finer information); :func:`loglike` on the
    data itself forms it row by row and keeps full accuracy.

    Examples
    --------
    >>> x = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> s = SufficientStats.from_array(x)
    >>> round(loglike_stats(s, [0.0, 0.0], np.eye(2)), 6)
    -4.675754
    """
    if not isinstance(stats, SufficientStats):
        raise DtypeError(
            f"{arg('stats')} must be a SufficientStats; got {describe(stats)}. Build it "
            "with SufficientStats.from_array(x), or call loglike(x, mean, cov) on the data."
        )
    ds = Dataset(np.empty((0, stats.nvars)), pd.Index([f"x{i}" for i in range(stats.nvars)]),
                 None, False)
    pt = checked_point(ds, mean, cov)
    d = stats.mean - pt.mean
    rel = SufficientStats(stats.n, d, stats.scatter)
    return loglike_from(rel, pt.fac)


def loglike_rows(x: FloatArray, mu: FloatArray, fac: PDFactor) -> FloatArray:
    """Per-row log-density; assumes clean inputs. Blocks of rows so temporaries stay small.

    ``zᵢ = L⁻¹(xᵢ − μ)`` are the rows of ``R W`` with ``R = x − μ`` and the upper-triangular
    whitening matrix ``W = L⁻ᵀ`` (:meth:`PDFactor.whitener`, formed once). Only ``‖zᵢ‖²`` is
    needed, so ``R W`` is taken by panels of columns ``[a, b)`` of ``W``: rows ``b:`` of the
    panel are zero, so the panel needs only ``R[:, :b] W[:b, a:b]``: about half the flops of
    the dense product, as a triangular kernel would have, but with numpy's BLAS (the one the
    rest of the package uses; scipy's ``dtrmm`` lives in a second OpenBLAS whose threads
    contended with numpy's on 2 cores). Measured in issue 12's benchmark; one slab of rows
    per thread with BLAS single-threaded (as the fit does) measured slower here.
    """
    n, p = x.shape
    w = fac.whitener()
    edges = np.linspace(0, p, max(1, round(p / _PANEL)) + 1).astype(int)
    rows = max(1024, (1 << 17) // p)  # ~1 MiB of residuals per block: measured on 2 cores
    out = np.empty(n)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf rows: the caller reports them
        for start in range(0, n, rows):
            r = x[start:start + rows] - mu
            block = out[start:start + rows]
            block[:] = 0.0
            for a, b in pairwise(edges):
                z = r[:, :b] @ w[:b, a:b]
                block += np.einsum("ij,ij->i", z, z)
    return -0.5 * (p * LOG_2PI + fac.logdet) - 0.5 * out


_PANEL = 64  # columns per panel of W in loglike_rows (measured: 48–64 best at p = 200)


@fill_doc
def loglike_obs(data: Any, mean: ArrayLike, cov: ArrayLike) -> FloatArray | pd.Series:
    """Log-likelihood of each observation (the log-density of each row).

    %(point_params)s
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
    ds, pt = _prepare(data, mean, cov)
    out = loglike_rows(ds.values, pt.mean, pt.fac)
    if not np.all(np.isfinite(out)):
        locate_nonfinite(ds, advice=POINT_ADVICE)
    return pd.Series(out, index=ds.index, name="loglike") if pt.labelled else out


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


@fill_doc
def score(data: Any, mean: ArrayLike, cov: ArrayLike) -> Score:
    """Analytic score of the total log-likelihood for ``μ`` and the symmetric ``Σ``.

    %(point_params)s
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
    ds, pt = _prepare(data, mean, cov)
    score_mu, score_cov = score_from(stats_about(ds, pt.mean), pt.fac)
    if pt.labelled:
        return Score(pd.Series(score_mu, index=pt.labels, name="score"),
                     pd.DataFrame(score_cov, index=pt.labels, columns=pt.labels), pt.names)
    return Score(score_mu, score_cov, pt.names)


def score_rows(x: FloatArray, mu: FloatArray, fac: PDFactor) -> FloatArray:
    """Rows ``(zᵢ, vech(Gᵢ − ½Gᵢ∘I))`` with ``zᵢ = P(xᵢ − μ)``, ``Gᵢ = zᵢzᵢᵀ − P``."""
    p = x.shape[1]
    z = fac.solve((x - mu).T).T
    prec = fac.inverse()
    rows, cols = vech_indices(p)
    half = 0.5 * vech_multiplicity(p)
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
    ds, pt = _prepare(data, mean, cov)
    out = score_rows(ds.values, pt.mean, pt.fac)
    if not np.all(np.isfinite(out)):
        locate_nonfinite(ds, advice=POINT_ADVICE)
    if pt.labelled:
        return pd.DataFrame(out, index=ds.index, columns=param_names(pt.names))
    return out
