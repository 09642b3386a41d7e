"""The observed-data likelihood of incomplete data: log-likelihood, score, information.

With row ``i`` observing the columns ``o(i)``, the observed-data log-likelihood is
``ℓ(θ) = Σᵢ ln φ(x_{i,o}; μ_o, Σ_oo)``. Each pattern contributes the complete-data formulas of
:mod:`mvn_estimate.fisher` at ``(μ_o, Σ_oo)``; written with the pattern's precision ``P_g``
zero-padded to ``p×p`` (``P̃_g``), ``z_g = P_g Σ_{i∈g} rᵢ`` and ``Q_g = P_g W_g P_g``
(``W_g = Σ_{i∈g} rᵢrᵢᵀ``), the totals over patterns are sums of padded terms:

* score: ``μ: Σ_g z̃_g``; ``Σ``: ``G − ½(G∘I)`` with ``G = Σ_g (Q̃_g − n_g P̃_g)``;
* observed information: ``μμ: Σ_g n_g P̃_g``; ``μΣ`` column ``(k,l)``:
  ``(m_kl/2) Σ_g (P̃_g[:,k] z̃_g[l] + P̃_g[:,l] z̃_g[k])``;
  ``ΣΣ: Σ_g D_pᵀ(P̃_g ⊗ (Q̃_g − ½n_g P̃_g))D_p`` (symmetrised);
* expected information (valid only under MCAR): ``μμ`` as above, ``μΣ = 0``,
  ``ΣΣ = ½ Σ_g n_g D_pᵀ(P̃_g⊗P̃_g)D_p``.

``Σ_g D_pᵀ(Ã_g⊗B̃_g)D_p`` is :func:`~mvn_estimate.linalg.duplication_sandwich_sum`: one
matrix product over the patterns, so no Python loop over patterns is needed. The
``observed`` information is valid under MAR (Kenward & Molenberghs, 1998).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._data import as_dataset, check_option
from ._params import aligned_params
from ._typing import FloatArray
from .fisher import _refuse_dense, sandwich
from .linalg.vech import duplication_sandwich_sum, vech_indices
from .patterns import Patterns, build_patterns, e_step, group_moments, precision

__all__ = ["information", "information_observed", "loglike_observed", "robust_param_cov",
           "score_observed", "score_terms"]


def _padded(pat: Patterns, mean: FloatArray,
            cov: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per-pattern ``(n_g, P̃_g, z̃_g, Q̃_g)`` zero-padded to ``p×p`` (patterns in group order).

    ``P̃_g = Λ − Λ_{:,m} C_g Λ_{m,:}`` (zero on the missing rows and columns),
    ``z̃_g = Σ_{i∈g} wᵢ z̃ᵢ`` and ``Q̃_g = Σ_{i∈g} wᵢ z̃ᵢz̃ᵢᵀ`` (``= P̃_g W_g P̃_g``).
    """
    prec, logdet = precision(cov)
    ns, precs, zs, qs = [], [], [], []
    for g in pat.groups:
        mom = group_moments(pat, g, mean, prec, logdet)
        w = pat.w[g.rows]
        ns.append(np.add.reduceat(w, g.starts))
        zs.append(np.add.reduceat(mom.z * w[:, None], g.starts, axis=0))
        outer = np.einsum("ri,rj->rij", mom.z * w[:, None], mom.z)
        qs.append(np.add.reduceat(outer, g.starts, axis=0))
        mask = pat.masks[g.members].astype(float)
        pad = np.broadcast_to(prec, (g.obs.shape[0], *prec.shape))
        if g.mis.shape[1]:
            lam = prec[:, g.mis].transpose(1, 0, 2)  # (G, p, m)
            pad = pad - lam @ mom.cond @ np.swapaxes(lam, 1, 2)
        precs.append(pad * mask[:, :, None] * mask[:, None, :])
    return (np.concatenate(ns), np.concatenate(precs), np.concatenate(zs), np.concatenate(qs))


def _score_from(pat: Patterns, n: FloatArray, prec: FloatArray, z: FloatArray,
                q: FloatArray) -> FloatArray:
    g = q.sum(axis=0) - np.einsum("g,gij->ij", n, prec)
    g = (g + g.T) / 2
    sym = g - 0.5 * np.diag(np.diag(g))
    rows, cols = vech_indices(pat.p)
    return np.concatenate([z.sum(axis=0), sym[rows, cols]])


def _information_from(pat: Patterns, n: FloatArray, prec: FloatArray, z: FloatArray,
                      q: FloatArray, kind: str) -> FloatArray:
    p = pat.p
    mu_block = np.einsum("g,gij->ij", n, prec)
    if kind == "observed":
        sigma = duplication_sandwich_sum(prec, q - 0.5 * n[:, None, None] * prec)
        e = (prec.reshape(len(n), p * p).T @ z).reshape(p, p, p)
        rows, cols = vech_indices(p)
        mult = np.where(rows == cols, 1.0, 2.0)
        cross = (e[:, rows, cols] + e[:, cols, rows]) * (mult / 2)
    else:
        sigma = duplication_sandwich_sum(prec, 0.5 * n[:, None, None] * prec)
        cross = np.zeros((p, sigma.shape[0]))
    out = np.block([[mu_block, cross], [cross.T, sigma]])
    return (out + out.T) / 2


def score_terms(pat: Patterns, mean: FloatArray, cov: FloatArray) -> FloatArray:
    """Score of the observed-data log-likelihood over ``θ = (μ, vech Σ)`` (clean inputs)."""
    return _score_from(pat, *_padded(pat, mean, cov))


def information(pat: Patterns, mean: FloatArray, cov: FloatArray,
                kind: str = "observed") -> FloatArray:
    """Observed (minus the Hessian) or expected information of the observed-data likelihood."""
    _refuse_dense(pat.p, "information matrix")
    return _information_from(pat, *_padded(pat, mean, cov), kind)


def score_and_information(pat: Patterns, mean: FloatArray,
                          cov: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Score and observed information from one pass over the patterns (for Newton steps)."""
    _refuse_dense(pat.p, "information matrix")
    terms = _padded(pat, mean, cov)
    return _score_from(pat, *terms), _information_from(pat, *terms, "observed")


def robust_param_cov(pat: Patterns, mean: FloatArray, cov: FloatArray,
                     info: FloatArray) -> FloatArray:
    """Sandwich ``A⁻¹BA⁻¹`` with ``B = Σᵢ wᵢ sᵢsᵢᵀ`` from per-row observed-data scores."""
    p = pat.p
    rows, cols = vech_indices(p)
    half = np.where(rows == cols, 0.5, 1.0)
    prec, logdet = precision(cov)
    _, padded, _, _ = _padded(pat, mean, cov)
    scores = np.zeros((pat.x.shape[0], p + rows.size))
    first = 0
    for g in pat.groups:
        mom = group_moments(pat, g, mean, prec, logdet)
        pads = padded[first + g.local]
        first += g.obs.shape[0]
        cov_part = (mom.z[:, rows] * mom.z[:, cols] - pads[:, rows, cols]) * half
        scores[g.rows] = np.hstack([mom.z, cov_part]) * np.sqrt(pat.w[g.rows])[:, None]
    return sandwich(info, scores)


def _prepared(data: Any, mean: Any, cov: Any) -> tuple[Patterns, FloatArray, FloatArray]:
    """Boundary of the public functions: patterns of ``data``, checked ``(μ, Σ)``."""
    ds = as_dataset(data)
    pat, _ = build_patterns(ds, None)
    mu, fac = aligned_params(mean, cov, ds.names)
    return pat, mu, fac.matrix()


def loglike_observed(data: Any, mean: Any, cov: Any) -> float:
    """Observed-data log-likelihood: each row's marginal normal density of its observed entries.

    ``Σᵢ ln φ(x_{i,o(i)}; μ_{o(i)}, Σ_{o(i)o(i)})``; rows with nothing observed contribute 0.
    Equals :func:`mvn_estimate.loglike` when nothing is missing.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
        NaN marks a missing value.
    mean : array-like of shape (n_features,) or Series
    cov : array-like of shape (n_features, n_features) or DataFrame

    Returns
    -------
    float

    Examples
    --------
    >>> x = np.array([[0.0, np.nan], [1.0, 1.0]])
    >>> round(loglike_observed(x, [0.0, 0.0], np.eye(2)), 6)
    -3.756816
    """
    return e_step(*_prepared(data, mean, cov))[2]


def score_observed(data: Any, mean: Any, cov: Any) -> FloatArray:
    """Analytic score of :func:`loglike_observed` over ``θ = (μ, vech Σ)``.

    Zero at the EM estimate; equals finite differences of :func:`loglike_observed` (tested).

    Returns
    -------
    ndarray of shape (p + p(p+1)/2,)

    Examples
    --------
    >>> x = np.array([[0.0, np.nan], [1.0, 2.0], [2.0, 1.0]])
    >>> score_observed(x, [1.0, 1.5], np.eye(2)).shape
    (5,)
    """
    return score_terms(*_prepared(data, mean, cov))


def information_observed(data: Any, mean: Any, cov: Any, *, kind: str = "observed") -> FloatArray:
    """Information of :func:`loglike_observed` over ``θ = (μ, vech Σ)`` at any ``(μ, Σ)``.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
        NaN marks a missing value.
    mean : array-like of shape (n_features,) or Series
    cov : array-like of shape (n_features, n_features) or DataFrame
    kind : {"observed", "expected"}, default "observed"
        ``"observed"``: minus the analytic Hessian, valid under MAR (equals the
        finite-difference Hessian; tested). ``"expected"``: the pattern-wise expected
        information, valid only when the data are missing completely at random.

    Returns
    -------
    ndarray of shape (k, k), k = p + p(p+1)/2

    Raises
    ------
    TooLargeError
        Above ``DENSE_PARAM_LIMIT`` parameters.

    Examples
    --------
    >>> x = np.array([[0.0, np.nan], [1.0, 2.0], [2.0, 1.0], [0.5, 0.0]])
    >>> information_observed(x, [1.0, 1.0], np.eye(2)).shape
    (5, 5)
    """
    check_option(kind, "kind", ("observed", "expected"))
    return information(*_prepared(data, mean, cov), kind)
