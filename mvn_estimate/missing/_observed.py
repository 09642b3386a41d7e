"""The observed-data likelihood of incomplete data: log-likelihood, score, information.

With row ``i`` observing the columns ``o(i)``, the observed-data log-likelihood is
``ℓ(θ) = Σᵢ ln φ(x_{i,o}; μ_o, Σ_oo)``. Each pattern contributes the complete-data formulas of
:mod:`mvn_estimate.model` at ``(μ_o, Σ_oo)``; written with the pattern's precision ``P_g``
zero-padded to ``p×p`` (``P̃_g``), ``z_g = P_g Σ_{i∈g} rᵢ`` and ``Q_g = P_g W_g P_g``
(``W_g = Σ_{i∈g} rᵢrᵢᵀ``), the totals over patterns are sums of padded terms:

* score: ``μ: Σ_g z̃_g``; ``Σ``: ``G − ½(G∘I)`` with ``G = Σ_g (Q̃_g − n_g P̃_g)``;
* observed information: ``μμ: Σ_g n_g P̃_g``; ``μΣ`` column ``(k,l)``:
  ``(m_kl/2) Σ_g (P̃_g[:,k] z̃_g[l] + P̃_g[:,l] z̃_g[k])``;
  ``ΣΣ: Σ_g D_pᵀ(P̃_g ⊗ (Q̃_g − ½n_g P̃_g))D_p`` (symmetrised);
* expected information (valid only under MCAR): ``μμ`` as above, ``μΣ = 0``,
  ``ΣΣ = ½ Σ_g n_g D_pᵀ(P̃_g⊗P̃_g)D_p``.

``Σ_g D_pᵀ(Ã_g⊗B̃_g)D_p`` is :func:`~mvn_estimate.linalg.duplication_sandwich_sum`: one
matrix product per batch of patterns. The ``observed`` information is valid under MAR
(Kenward & Molenberghs, 1998).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .._docs import fill_doc
from .._typing import FloatArray, Information, IntArray
from .._validate import check_choice
from ..data import Dataset, as_dataset
from ..linalg import vech_multiplicity
from ..model import LOG_2PI, checked_point, param_names, refuse_dense, sym_score
from ._conditional import (
    Terms,
    conditional,
    group_terms,
    observed_loglike,
    pattern_precisions,
    precision,
    row_moments,
    row_scores,
    vech_pairs,
)
from ._patterns import Patterns, build_patterns

__all__ = ["chunk_meat", "information", "information_matrix", "loglike", "robust_meat",
           "row_mahalanobis", "row_terms", "score", "score_and_information", "score_vector"]


def _unvech(v: FloatArray, p: int) -> FloatArray:
    out = np.zeros((p, p))
    rows, cols = vech_pairs(p)
    out[rows, cols] = v
    out[cols, rows] = v
    return out


def _score_from(p: int, terms: Iterable[Terms]) -> FloatArray:
    z_total = np.zeros(p)
    g = np.zeros(p * (p + 1) // 2)
    for t in terms:
        z_total += t.z.sum(axis=0)
        g += t.qv.sum(axis=0) - t.n @ t.pv
    rows, cols = vech_pairs(p)
    return np.concatenate([z_total, sym_score(_unvech(g, p))[rows, cols]])


@lru_cache(maxsize=8)
def _multiplicity(p: int) -> FloatArray:
    """``vech_multiplicity(p)``, computed once per ``p``."""
    return vech_multiplicity(p)


@lru_cache(maxsize=8)
def _positions(p: int) -> tuple[IntArray, IntArray]:
    """``V[i, j]``: the ``vech`` position of entry ``(i, j)`` of a symmetric ``p×p`` matrix,
    and the vech rows ``(i, j)``."""
    rows, cols = vech_pairs(p)
    at = np.zeros((p, p), dtype=np.intp)
    at[rows, cols] = at[cols, rows] = np.arange(rows.size)
    return at, np.stack([rows, cols])


def _sandwich_from(cv: FloatArray, p: int) -> FloatArray:
    """``Σ_g D_pᵀ(A_g⊗B_g)D_p`` from ``cv = Σ_g vech(A_g) vech(B_g)ᵀ`` (``A_g``, ``B_g``
    symmetric): entry ``((i,j),(k,l))`` is ``(m_ij m_kl / 4)(c_jl,ik + c_jk,il + c_il,jk +
    c_ik,jl)`` with ``c_ab,cd = Σ_g A_g[a,b] B_g[c,d] = cv[V(a,b), V(c,d)]`` — the formula of
    :func:`~mvn_estimate.linalg.duplication_sandwich_sum` read off a product over half-vectors
    (a quarter of the flops)."""
    at, (i, j) = _positions(p)
    ri, rj, ci, cj = i[:, None], j[:, None], i[None, :], j[None, :]
    total = (cv[at[rj, cj], at[ri, ci]] + cv[at[rj, ci], at[ri, cj]]
             + cv[at[ri, cj], at[rj, ci]] + cv[at[ri, ci], at[rj, cj]])
    mult = _multiplicity(p)
    return total * np.outer(mult, mult) / 4.0


def _information_from(p: int, terms: Iterable[Terms], kind: str) -> FloatArray:
    at, (rows, cols) = _positions(p)
    k = rows.size
    mu_v = np.zeros(k)
    cv = np.zeros((k, k))
    ev = np.zeros((k, p))
    for t in terms:
        mu_v += t.n @ t.pv
        half = 0.5 * t.n[:, None] * t.pv
        cv += t.pv.T @ (t.qv - half if kind == "observed" else half)
        if kind == "observed":
            ev += t.pv.T @ t.z
    if kind == "observed":
        e3 = ev[at]  # e3[a, b, l] = Σ_g P̃_g[a, b] z̃_g[l]
        cross = (e3[:, rows, cols] + e3[:, cols, rows]) * (_multiplicity(p) / 2)
    else:
        cross = np.zeros((p, k))
    out = np.block([[_unvech(mu_v, p), cross], [cross.T, _sandwich_from(cv, p)]])
    return (out + out.T) / 2


def score_vector(pat: Patterns, mean: FloatArray, cov: FloatArray) -> FloatArray:
    """Score of the observed-data log-likelihood over ``θ = (μ, vech Σ)`` (clean inputs;
    ``mean`` relative to ``pat.origin``)."""
    return _score_from(pat.p, group_terms(pat, mean, cov))


def information_matrix(pat: Patterns, mean: FloatArray, cov: FloatArray,
                       kind: str = "observed") -> FloatArray:
    """Observed (minus the Hessian) or expected information of the observed-data likelihood."""
    refuse_dense(pat.p, "information matrix")
    return _information_from(pat.p, group_terms(pat, mean, cov), kind)


def score_and_information(pat: Patterns, mean: FloatArray,
                          cov: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Score and observed information from one pass over the patterns (for Newton steps)."""
    refuse_dense(pat.p, "information matrix")
    terms = list(group_terms(pat, mean, cov))
    return _score_from(pat.p, terms), _information_from(pat.p, terms, "observed")


def _row_groups(pat: Patterns) -> IntArray:
    """The group of every data row (−1 for rows with nothing observed)."""
    group_of = np.full(pat.npatterns, -1)
    for gi, g in enumerate(pat.groups):
        group_of[g.ids] = gi
    return np.where(pat.row_pattern >= 0, group_of[pat.row_pattern], -1)


def _local_of(pat: Patterns, ids: IntArray) -> IntArray:
    local_of = np.full(pat.npatterns, -1)
    local_of[ids] = np.arange(ids.size)
    return local_of


def row_terms(pat: Patterns, x: FloatArray, mean: FloatArray,
              cov: FloatArray) -> Iterator[tuple[np.ndarray, FloatArray, FloatArray]]:
    """Per-row observed-data log-density and score over ``(μ, vech Σ)``, in row chunks.

    Yields ``(rows, loglike, scores)``; ``x`` is the original data (NaN = missing) and
    ``mean`` is relative to ``pat.origin``. Rows with nothing observed are not yielded (they
    contribute zero).
    """
    p = pat.p
    rows_v, cols_v = vech_pairs(p)
    half = 0.5 * _multiplicity(p)
    prec, logdet = precision(cov)
    step = max(16, (1 << 18) // (p + rows_v.size))
    row_group = _row_groups(pat)
    for gi, g in enumerate(pat.groups):
        con = conditional(g, prec, logdet)
        local_of = _local_of(pat, g.ids)
        members = np.flatnonzero(row_group == gi)
        for start in range(0, members.size, step):
            idx = members[start:start + step]
            local = local_of[pat.row_pattern[idx]]
            rel = np.nan_to_num(x[idx] - pat.origin)
            _, y, u, maha = row_moments(rel, local, pat.masks, g, con, mean, prec)
            z = row_scores(y, u, local, pat.masks, g, prec)
            present, rank = np.unique(local, return_inverse=True)
            pv = pattern_precisions(prec, g, con, present)[rank.ravel()]
            s = np.hstack([z, (z[:, rows_v] * z[:, cols_v] - pv) * half])
            kk = p - g.nmissing
            yield idx, -0.5 * (kk * LOG_2PI + con.logdet[local] + maha), s


def row_mahalanobis(pat: Patterns, x: FloatArray, mean: FloatArray,
                    cov: FloatArray) -> Iterator[tuple[np.ndarray, FloatArray, FloatArray]]:
    """``(rows, d², k)``: each row's squared Mahalanobis distance over its ``k`` observed
    entries, ``(x_o − μ_o)ᵀΣ_oo⁻¹(x_o − μ_o)`` (``mean`` relative to ``pat.origin``)."""
    prec, logdet = precision(cov)
    row_group = _row_groups(pat)
    for gi, g in enumerate(pat.groups):
        con = conditional(g, prec, logdet)
        idx = np.flatnonzero(row_group == gi)
        local = _local_of(pat, g.ids)[pat.row_pattern[idx]]
        _, _, _, maha = row_moments(np.nan_to_num(x[idx] - pat.origin), local, pat.masks, g, con,
                                    mean, prec)
        yield idx, maha, np.full(idx.size, float(pat.p - g.nmissing))


def robust_meat(pat: Patterns, x: FloatArray, w: FloatArray | None, mean: FloatArray,
                cov: FloatArray) -> FloatArray:
    """``B = Σᵢ wᵢ sᵢsᵢᵀ`` from the per-row observed-data scores ``sᵢ``, in row chunks."""
    k = pat.p + pat.p * (pat.p + 1) // 2
    meat = np.zeros((k, k))
    for idx, _, s in row_terms(pat, x, mean, cov):
        weights = np.ones(idx.size) if w is None else w[idx]
        meat += (s * weights[:, None]).T @ s
    return (meat + meat.T) / 2


def chunk_meat(x: FloatArray, w: FloatArray | None, mean: FloatArray,
               cov: FloatArray) -> FloatArray:
    """:func:`robust_meat` of one chunk of rows (``mean`` in the rows' own coordinates): the
    score outer products add up over any split of the rows, so a stream sums these.

    Examples
    --------
    >>> x = np.array([[0.0, np.nan], [1.0, 2.0], [np.nan, 1.0], [2.0, 0.5]])
    >>> m, c = np.array([1.0, 1.0]), np.eye(2)
    >>> np.allclose(chunk_meat(x[:2], None, m, c) + chunk_meat(x[2:], None, m, c),
    ...             chunk_meat(x, None, m, c))
    True
    """
    p = x.shape[1]
    if not (~np.isnan(x)).any():
        k = p + p * (p + 1) // 2
        return np.zeros((k, k))
    pat = build_patterns(Dataset(x, pd.RangeIndex(p), None, False), w, identify=False)
    return robust_meat(pat, x, w, mean - pat.origin, cov)


def _prepared(data: Any, mean: Any, cov: Any) -> tuple[Patterns, FloatArray, FloatArray,
                                                        pd.Index | None]:
    """Boundary of the public functions: patterns of ``data``, checked ``(μ, Σ)``."""
    ds = as_dataset(data)
    pat = build_patterns(ds, None)
    pt = checked_point(ds, mean, cov)
    return pat, pt.mean - pat.origin, pt.fac.matrix(), pt.labels if pt.labelled else None


def _names(labels: pd.Index) -> list[str]:
    return param_names([str(c) for c in labels])


@fill_doc
def loglike(data: Any, mean: Any, cov: Any) -> float:
    """Observed-data log-likelihood: each row's marginal normal density of its observed entries.

    ``Σᵢ ln φ(x_{i,o(i)}; μ_{o(i)}, Σ_{o(i)o(i)})``; rows with nothing observed contribute 0.
    Equals :func:`mvn_estimate.loglike` when nothing is missing.

    %(observed_point_params)s

    Returns
    -------
    float

    Examples
    --------
    >>> import mvn_estimate as me
    >>> x = np.array([[0.0, np.nan], [1.0, 1.0]])
    >>> round(me.missing.loglike(x, [0.0, 0.0], np.eye(2)), 6)
    -3.756816
    """
    pat, mu, sigma, _ = _prepared(data, mean, cov)
    return observed_loglike(pat, mu, sigma)


def score(data: Any, mean: Any, cov: Any) -> FloatArray | pd.Series:
    """Analytic score of :func:`loglike` over ``θ = (μ, vech Σ)``.

    Zero at the EM estimate; equals finite differences of :func:`loglike` (tested).

    Returns
    -------
    ndarray of shape (p + p(p+1)/2,), or Series labelled ``mean[x]``, ``cov[x,y]`` when any
    input is labelled

    Examples
    --------
    >>> import mvn_estimate as me
    >>> x = np.array([[0.0, np.nan], [1.0, 2.0], [2.0, 1.0]])
    >>> me.missing.score(x, [1.0, 1.5], np.eye(2)).shape
    (5,)
    """
    pat, mu, sigma, labels = _prepared(data, mean, cov)
    out = score_vector(pat, mu, sigma)
    return out if labels is None else pd.Series(out, index=_names(labels), name="score")


@fill_doc
def information(data: Any, mean: Any, cov: Any, *,
                kind: Information = "observed") -> FloatArray | pd.DataFrame:
    """Information of :func:`loglike` over ``θ = (μ, vech Σ)`` at any ``(μ, Σ)``.

    %(observed_point_params)s
    kind : {"observed", "expected"}, default "observed"
        ``"observed"``: minus the analytic Hessian, valid under MAR (equals the
        finite-difference Hessian; tested). ``"expected"``: the pattern-wise expected
        information, valid only when the data are missing completely at random.

    Returns
    -------
    ndarray of shape (k, k), k = p + p(p+1)/2, or DataFrame when any input is labelled

    Raises
    ------
    TooLargeError
        Above ``DENSE_PARAM_LIMIT`` parameters.

    Examples
    --------
    >>> import mvn_estimate as me
    >>> x = np.array([[0.0, np.nan], [1.0, 2.0], [2.0, 1.0], [0.5, 0.0]])
    >>> me.missing.information(x, [1.0, 1.0], np.eye(2)).shape
    (5, 5)
    """
    check_choice(kind, "kind", Information)
    pat, mu, sigma, labels = _prepared(data, mean, cov)
    out = information_matrix(pat, mu, sigma, kind)
    if labels is None:
        return out
    names = _names(labels)
    return pd.DataFrame(out, index=names, columns=names)
