"""Missing data: full-information maximum likelihood by EM, with observed-data inference.

Rows are grouped by missingness pattern. For a pattern with observed set ``o`` and missing
set ``m`` the E-step needs ``B = Σ_mo Σ_oo⁻¹`` and ``C = Σ_mm − BΣ_om``; patterns with the same
number of observed columns are stacked and solved in one batched call, so an iteration costs
``O(patterns·p³ + n·p²)`` in a handful of numpy calls. The M-step is the complete-data MLE of
the completed data (:class:`~mvn_estimate.stats.SufficientStats`) plus ``Σ n_g C_g`` in the
missing blocks.

Inference is from the observed-data log-likelihood ``Σ_g Σ_{i∈g} ln φ(x_{i,o}; μ_o, Σ_oo)``:
each pattern contributes the complete-data formulas of :mod:`mvn_estimate.fisher` at
``(μ_o, Σ_oo)``, mapped into ``θ = (μ, vech Σ)`` by selecting the observed coordinates.
``information="observed"`` (default) is valid under MAR; ``"expected"`` (the pattern-wise
expected information) is valid only under MCAR (Kenward & Molenberghs, 1998).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._data import Dataset, as_dataset, check_option, locate_nonfinite
from ._params import aligned_params, param_names
from ._typing import FloatArray
from .exceptions import ConvergenceWarning, InvalidOptionError, NotIdentifiedError, ShapeError
from .fisher import _observed_kernel, sandwich
from .likelihood import LOG_2PI, _score_kernel, _score_obs_kernel
from .linalg import PDFactor
from .linalg.vech import duplication_sandwich, vech_indices
from .stats import SufficientStats, check_weights

__all__ = ["LittleResult", "fit_em", "little_mcar_test", "loglike_observed", "score_observed"]

TOL = 1e-10
"""Default relative tolerance on the log-likelihood change and on the parameter change."""


@dataclass(frozen=True)
class _Patterns:
    """Rows grouped by missingness pattern (only rows with at least one observed value)."""

    x: FloatArray          # (n, p) data, NaN where missing
    w: FloatArray          # (n,) weights
    masks: np.ndarray      # (G, p) bool, True = observed
    ids: np.ndarray        # (n,) pattern of each row
    names: list[str]

    @property
    def p(self) -> int:
        return int(self.x.shape[1])

    def groups(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(observed column indices, row indices) for each pattern."""
        order = np.argsort(self.ids, kind="stable")
        bounds = np.searchsorted(self.ids[order], np.arange(len(self.masks) + 1))
        return [(np.flatnonzero(self.masks[g]), order[bounds[g]:bounds[g + 1]])
                for g in range(len(self.masks))]


def _patterns(ds: Dataset, w: FloatArray | None) -> tuple[_Patterns, int]:
    locate_nonfinite(ds, allow_nan=True)
    observed = ~np.isnan(ds.values)
    keep = observed.any(axis=1)
    never = [n for n, k in zip(ds.names, observed[keep].any(axis=0), strict=True) if not k]
    if not keep.any():
        raise NotIdentifiedError("The 'data' argument has no observed value in any row.")
    if never:
        raise NotIdentifiedError(
            f"Columns {never} are never observed: their mean and variances are not identified. "
            "Drop them.")
    both = observed[keep].T.astype(float) @ observed[keep].astype(float)
    pairs = [(ds.names[i], ds.names[j]) for i, j in zip(*np.nonzero(both == 0), strict=True)
             if i < j]
    if pairs:
        raise NotIdentifiedError(
            f"Column pairs {pairs} are never observed together: their covariance is not "
            "identified by the data. Drop one column of each pair.")
    masks, ids = np.unique(observed[keep], axis=0, return_inverse=True)
    weights = np.ones(int(keep.sum())) if w is None else w[keep]
    return _Patterns(ds.values[keep], weights, masks, ids.ravel(), ds.names), int((~keep).sum())


def _start(pat: _Patterns) -> tuple[FloatArray, FloatArray]:
    """Available-case means and a pairwise covariance, eigenvalue-clipped to be PD."""
    frame = pd.DataFrame(pat.x)
    mean = frame.mean().to_numpy()
    cov = frame.cov(ddof=0).to_numpy()
    cov = np.where(np.isnan(cov), 0.0, cov)
    w, u = np.linalg.eigh((cov + cov.T) / 2)
    floor = 1e-3 * max(float(np.mean(np.diag(cov))), 1e-300)
    return mean, (u * np.maximum(w, floor)) @ u.T


def _batches(pat: _Patterns) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Patterns stacked by number of observed columns ``k``.

    Each batch is ``(O, M, rows, local)``: observed and missing column indices per pattern
    (``(G_k, k)``, ``(G_k, p − k)``), the rows in those patterns, and each row's pattern
    position within the batch.
    """
    counts = pat.masks.sum(axis=1)
    cols = np.arange(pat.p)
    out = []
    for k in np.unique(counts):
        members = np.flatnonzero(counts == k)
        obs = np.array([cols[pat.masks[g]] for g in members]).reshape(members.size, k)
        mis = np.array([cols[~pat.masks[g]] for g in members]).reshape(members.size, pat.p - k)
        lookup = np.full(len(pat.masks), -1)
        lookup[members] = np.arange(members.size)
        rows = np.flatnonzero(lookup[pat.ids] >= 0)
        out.append((obs, mis, rows, lookup[pat.ids[rows]]))
    return out


def _e_step(pat: _Patterns, batches, mean, cov) -> tuple[SufficientStats, FloatArray, float]:
    """Completed-data statistics, the ``Σ n_g C_g`` correction and the observed log-likelihood.

    One batched Cholesky and batched solves per number of observed columns (no Python loop
    over patterns).
    """
    filled = pat.x.copy()
    correction = np.zeros((pat.p, pat.p))
    loglike = 0.0
    for obs, mis, rows, local in batches:
        s_oo = cov[obs[:, :, None], obs[:, None, :]]
        low = np.linalg.cholesky(s_oo)
        logdet = 2.0 * np.log(np.diagonal(low, axis1=1, axis2=2)).sum(axis=1)
        r = pat.x[rows[:, None], obs[local]] - mean[obs[local]]
        half = np.linalg.solve(low[local], r[:, :, None])[:, :, 0]  # L⁻¹ r, per row
        maha = np.einsum("ij,ij->i", half, half)
        k = obs.shape[1]
        loglike += float(-0.5 * np.sum(pat.w[rows] * (k * LOG_2PI + logdet[local] + maha)))
        if mis.shape[1] == 0:
            continue
        s_om = cov[obs[:, :, None], mis[:, None, :]]
        b_t = np.linalg.solve(s_oo, s_om)  # Σ_oo⁻¹ Σ_om, per pattern
        filled[rows[:, None], mis[local]] = mean[mis[local]] + np.einsum(
            "rkm,rk->rm", b_t[local], r)
        cond = cov[mis[:, :, None], mis[:, None, :]] - np.einsum("gkm,gkl->gml", s_om, b_t)
        n_g = np.bincount(local, weights=pat.w[rows], minlength=obs.shape[0])
        flat = (mis[:, :, None] * pat.p + mis[:, None, :]).ravel()
        correction += np.bincount(flat, weights=(n_g[:, None, None] * cond).ravel(),
                                  minlength=pat.p * pat.p).reshape(pat.p, pat.p)
    return SufficientStats.from_array(filled, pat.w), correction, loglike


def loglike_observed(data: Any, mean: Any, cov: Any) -> float:
    """Observed-data log-likelihood: each row's marginal normal density of its observed entries.

    ``Σᵢ ln φ(x_{i,o(i)}; μ_{o(i)}, Σ_{o(i)o(i)})``; rows with nothing observed contribute 0.
    Equals :func:`mvn_estimate.loglike` when nothing is missing.

    Examples
    --------
    >>> x = np.array([[0.0, np.nan], [1.0, 1.0]])
    >>> round(loglike_observed(x, [0.0, 0.0], np.eye(2)), 6)
    -3.756816
    """
    ds = as_dataset(data)
    pat, _ = _patterns(ds, None)
    mu, fac = aligned_params(mean, cov, ds.names)
    return _e_step(pat, _batches(pat), mu, fac.matrix())[2]


def _vech_position(p: int) -> np.ndarray:
    rows, cols = vech_indices(p)
    pos = np.zeros((p, p), dtype=int)
    pos[rows, cols] = np.arange(rows.size)
    pos[cols, rows] = np.arange(rows.size)
    return pos


def _theta_index(o: np.ndarray, pos: np.ndarray, p: int) -> np.ndarray:
    """Positions in θ = (μ, vech Σ) of the pattern's (μ_o, vech Σ_oo)."""
    rows, cols = vech_indices(o.size)
    return np.concatenate([o, p + pos[o[rows], o[cols]]])


def score_observed(data: Any, mean: Any, cov: Any) -> FloatArray:
    """Analytic score of :func:`loglike_observed` over ``θ = (μ, vech Σ)``.

    Examples
    --------
    >>> x = np.array([[0.0, np.nan], [1.0, 2.0], [2.0, 1.0]])
    >>> score_observed(x, [1.0, 1.5], np.eye(2)).shape
    (5,)
    """
    ds = as_dataset(data)
    pat, _ = _patterns(ds, None)
    mu, fac = aligned_params(mean, cov, ds.names)
    return _score_total(pat, mu, fac.matrix())


def _pattern_stats(pat: _Patterns, o: np.ndarray, rows: np.ndarray) -> SufficientStats:
    return SufficientStats.from_array(pat.x[np.ix_(rows, o)], pat.w[rows])


def _score_total(pat: _Patterns, mean: FloatArray, cov: FloatArray) -> FloatArray:
    p = pat.p
    pos = _vech_position(p)
    out = np.zeros(p + p * (p + 1) // 2)
    for o, rows in pat.groups():
        fac = PDFactor.of(cov[np.ix_(o, o)], name="cov")
        s_mu, s_cov = _score_kernel(_pattern_stats(pat, o, rows), mean[o], fac)
        r, c = vech_indices(o.size)
        out[_theta_index(o, pos, p)] += np.concatenate([s_mu, s_cov[r, c]])
    return out


def _information(pat: _Patterns, mean: FloatArray, cov: FloatArray, kind: str) -> FloatArray:
    p = pat.p
    pos = _vech_position(p)
    k = p + p * (p + 1) // 2
    info = np.zeros((k, k))
    for o, rows in pat.groups():
        fac = PDFactor.of(cov[np.ix_(o, o)], name="cov")
        if kind == "observed":
            block = _observed_kernel(_pattern_stats(pat, o, rows), mean[o], fac)
        else:
            prec, n_g = fac.inverse(), float(pat.w[rows].sum())
            q = o.size * (o.size + 1) // 2
            block = np.zeros((o.size + q, o.size + q))
            block[:o.size, :o.size] = n_g * prec
            block[o.size:, o.size:] = 0.5 * n_g * duplication_sandwich(prec, prec)
        idx = _theta_index(o, pos, p)
        info[np.ix_(idx, idx)] += block
    return (info + info.T) / 2


def _robust(pat: _Patterns, mean: FloatArray, cov: FloatArray, info: FloatArray) -> FloatArray:
    p = pat.p
    pos = _vech_position(p)
    scores = np.zeros((pat.x.shape[0], info.shape[0]))
    for o, rows in pat.groups():
        fac = PDFactor.of(cov[np.ix_(o, o)], name="cov")
        part = _score_obs_kernel(pat.x[np.ix_(rows, o)], mean[o], fac)
        scores[np.ix_(rows, _theta_index(o, pos, p))] = part * np.sqrt(pat.w[rows])[:, None]
    return sandwich(info, scores)


def _iterate(pat: _Patterns, tol: float, max_iter: int) -> tuple[FloatArray, FloatArray, int,
                                                                   bool]:
    groups = _batches(pat)
    mean, cov = _start(pat)
    previous = -np.inf
    for it in range(1, max_iter + 1):
        stats, correction, loglike = _e_step(pat, groups, mean, cov)
        new_mean, new_cov = stats.mean, (stats.scatter + correction) / stats.n
        change = max(np.max(np.abs(new_mean - mean)) / np.sqrt(np.max(np.diag(new_cov))),
                     np.max(np.abs(new_cov - cov)) / np.max(np.diag(new_cov)))
        mean, cov = new_mean, (new_cov + new_cov.T) / 2
        if abs(loglike - previous) <= tol * abs(loglike) and change <= tol:
            return mean, cov, it, True
        if len(pat.masks) == 1 and pat.masks[0].all():
            return mean, cov, it, True  # complete data: the first M-step is the MLE
        previous = loglike
    return mean, cov, max_iter, False


def fit_em(data: Any, *, columns: Sequence[str] | None = None, weights: Any = None,
           cov_type: str = "classic", information: str = "observed", tol: float = TOL,
           max_iter: int = 10_000) -> Any:
    """Full-information ML fit with missing values (``fit(..., missing="em")``).

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
        NaN marks a missing value. Rows with nothing observed are excluded and counted.
    columns, weights, cov_type
        As in :func:`mvn_estimate.fit`.
    information : {"observed", "expected"}, default "observed"
        Information of the observed-data likelihood used for standard errors: ``"observed"``
        is valid under MAR; ``"expected"`` only under MCAR.
    tol : float, default 1e-10
        Stop when the relative change of the observed log-likelihood and the parameter change
        (relative to the largest variance) are both below ``tol``.
    max_iter : int, default 10000
        Reaching it issues a :class:`ConvergenceWarning` with the change reached.

    Returns
    -------
    MVNResult
        With ``missing="em"`` and ``em`` (iterations, convergence, patterns, fractions).

    Raises
    ------
    NotIdentifiedError
        A column never observed, a pair never observed together, or no observed value.

    Examples
    --------
    >>> import mvn_estimate as me
    >>> x = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 4.0], [5.0, 7.0]])
    >>> res = me.fit(x, missing="em")
    >>> res.em.npatterns, res.em.converged
    (2, True)
    """
    from .results import EMInfo, MVNResult

    check_option(cov_type, "cov_type", ("classic", "robust"))
    check_option(information, "information", ("observed", "expected"))
    if not isinstance(max_iter, int) or isinstance(max_iter, bool) or max_iter < 1:
        raise InvalidOptionError(
            f"The 'max_iter' argument must be a positive int; got {max_iter!r}.")
    ds = as_dataset(data, columns=columns)
    w = None if weights is None else check_weights(weights, ds.nobs)
    pat, excluded = _patterns(ds, w)
    if pat.w.sum() <= pat.p:
        raise ShapeError(f"EM needs more than p = {pat.p} usable rows; got {pat.w.sum():g}.")
    mean, cov, iters, converged = _iterate(pat, tol, max_iter)
    if not converged:
        warnings.warn(f"EM stopped at max_iter={max_iter} before reaching tol={tol:g}.",
                      ConvergenceWarning, stacklevel=2)
    PDFactor.of(cov, name="cov")
    loglike = _e_step(pat, _batches(pat), mean, cov)[2]
    info = _information(pat, mean, cov, information)
    param_cov = _robust(pat, mean, cov, info) if cov_type == "robust" else \
        PDFactor.of(info, name="information").inverse()
    frac = pd.Series(np.isnan(ds.values).mean(axis=0), index=ds.names, name="missing")
    names = param_names(ds.names)
    return MVNResult(
        mean=pd.Series(mean, index=ds.names, name="mean"),
        cov=pd.DataFrame(cov, index=ds.names, columns=ds.names),
        nobs=float(pat.w.sum()), loglike=float(loglike),
        std_errors=pd.Series(np.sqrt(np.diag(param_cov)), index=names, name="std_errors"),
        cov_type=cov_type, missing="em", nobs_dropped=excluded,
        em=EMInfo(iters, converged, len(pat.masks), frac, excluded, information),
        robust_param_cov=param_cov if cov_type == "robust" else None,
    )


@dataclass(frozen=True)
class LittleResult:
    """Little's (1988) test that data are missing completely at random.

    Attributes
    ----------
    statistic : float
        ``d² = Σ_g n_g (ȳ_g − μ̂_o)ᵀ Σ̂_oo⁻¹ (ȳ_g − μ̂_o)``.
    df : int
        ``Σ_g p_g − p`` (observed variables per pattern, summed, minus p).
    pvalue : float
        Upper tail of ``χ²(df)``.
    npatterns : int
    """

    statistic: float
    df: int
    pvalue: float
    npatterns: int


def little_mcar_test(data: Any, *, columns: Sequence[str] | None = None) -> LittleResult:
    """Little's MCAR test from the EM estimates (Little, 1988, JASA 83:1198–1202).

    Assumes multivariate normal data; under MCAR the pattern means differ from the EM mean
    only by chance and ``d²`` is asymptotically ``χ²`` with ``Σ p_g − p`` degrees of freedom.
    A small p-value is evidence against MCAR (not a test of MAR).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((200, 3))
    >>> x[rng.random((200, 3)) < 0.1] = np.nan
    >>> r = little_mcar_test(x)
    >>> r.df > 0, 0 <= r.pvalue <= 1
    (True, True)
    """
    res = fit_em(data, columns=columns)
    ds = as_dataset(data, columns=columns)
    pat, _ = _patterns(ds, None)
    mean, cov = res.mean.to_numpy(), res.cov.to_numpy()
    stat, df = 0.0, -pat.p
    for o, rows in pat.groups():
        fac = PDFactor.of(cov[np.ix_(o, o)], name="cov")
        d = pat.x[np.ix_(rows, o)].mean(axis=0) - mean[o]
        stat += rows.size * float(fac.mahalanobis(d[None, :])[0])
        df += o.size
    return LittleResult(stat, int(df), float(sps.chi2.sf(stat, df)), len(pat.masks))
