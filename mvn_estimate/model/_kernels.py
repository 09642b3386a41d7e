"""The one home of each formula from statistics: log-likelihood, score and information at any
``(μ, Σ)``, the chain rule to a structure's parameters, and the sandwich.

Every kernel takes checked inputs: statistics *about* ``μ`` (``rel.mean = x̄ − μ``, the scatter
about ``x̄``; :meth:`~mvn_estimate.data.SufficientStats.about` forms them without the rounding
of a large offset) and the one Cholesky factor of ``Σ`` (:class:`~mvn_estimate.linalg.PDFactor`).
With ``P = Σ⁻¹`` and ``W = S + n(x̄ − μ)(x̄ − μ)ᵀ``:

* ``ℓ = −½[n(p ln 2π + ln|Σ|) + tr(PW)]``;
* score: ``μ: nP(x̄ − μ)``; ``Σ``: ``G − ½(G∘I)`` with ``G = PWP − nP`` (DIGEST §2–§3);
* observed and expected information over ``θ = (μ, vech Σ)`` (see :mod:`._information`);
* ``T = blockdiag(I_p, ∂vech Σ/∂θᵀ)``: ``score_θ = Tᵀ score``, ``I_θ = TᵀIT`` (− the
  score-weighted Hessian of ``vech Σ(θ)`` for the observed information).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import block_diag

from .._typing import FloatArray
from ..data import SufficientStats
from ..linalg import PDFactor, duplication_sandwich, vech_indices, vech_multiplicity
from ._structure_base import CovarianceStructure

__all__ = ["LOG_2PI", "chain_matrix", "chain_score_information", "expected_from", "loglike_at_mle",
           "loglike_from",
           "observed_from", "sandwich_from", "score_from", "score_vector_from", "sym_score",
           "vech_score"]

LOG_2PI = float(np.log(2.0 * np.pi))


def sym_score(g: FloatArray) -> FloatArray:
    """``G − ½(G∘I)`` for a symmetric ``G``: the rule ``A + Aᵀ − A∘I`` with ``A = ½G``."""
    g = (g + g.T) / 2
    return g - 0.5 * np.diag(np.diag(g))


def loglike_from(rel: SufficientStats, fac: PDFactor) -> float:
    """Total log-likelihood from statistics about ``μ``: ``tr(PW) = tr(PS) + n dᵀPd`` (no
    rank-one update of ``S`` is formed).

    Examples
    --------
    >>> rel = SufficientStats(2.0, np.zeros(1), np.array([[2.0]]))
    >>> round(loglike_from(rel, PDFactor.of(np.eye(1))), 6)
    -2.837877
    """
    d = rel.mean
    trace = float(np.trace(fac.solve(rel.scatter))) + rel.n * float(d @ fac.solve(d))
    return -0.5 * (rel.n * (rel.nvars * LOG_2PI + fac.logdet) + trace)


def loglike_at_mle(n: float, fac: PDFactor) -> float:
    """``ℓ`` at the unstructured MLE ``(x̄, S/n)``, where ``tr(Σ̂⁻¹W) = np``: no solve.

    Examples
    --------
    >>> round(loglike_at_mle(2.0, PDFactor.of(np.eye(1))), 6)
    -2.837877
    """
    return -0.5 * n * (fac.dim * LOG_2PI + fac.logdet + fac.dim)


def _w(rel: SufficientStats) -> FloatArray:
    return rel.scatter + rel.n * np.outer(rel.mean, rel.mean)


def score_from(rel: SufficientStats, fac: PDFactor) -> tuple[FloatArray, FloatArray]:
    """Analytic score from statistics about ``μ``: (mean part, symmetric ``Σ`` part)."""
    g = fac.solve(fac.solve(_w(rel)).T) - rel.n * fac.inverse()
    return fac.solve(rel.n * rel.mean), sym_score(g)


def score_vector_from(rel: SufficientStats, fac: PDFactor) -> FloatArray:
    """The score over ``θ = (μ, vech Σ)``."""
    score_mu, score_cov = score_from(rel, fac)
    rows, cols = vech_indices(fac.dim)
    return np.concatenate([score_mu, score_cov[rows, cols]])


def vech_score(n: float, s: FloatArray, fac: PDFactor) -> FloatArray:
    """Score over ``vech Σ`` at ``μ = x̄`` for the ML covariance ``s`` of ``n`` rows."""
    rows, cols = vech_indices(fac.dim)
    rel = SufficientStats(n, np.zeros(fac.dim), n * s)
    return score_from(rel, fac)[1][rows, cols]


def observed_from(rel: SufficientStats, fac: PDFactor) -> FloatArray:
    """Observed information (minus the Hessian of ``ℓ``) from statistics about ``μ``."""
    p, n = fac.dim, rel.n
    prec = fac.inverse()
    z = fac.solve(n * rel.mean)
    q = fac.solve(fac.solve(_w(rel)).T)
    q = (q + q.T) / 2
    rows, cols = vech_indices(p)
    cross = (prec[:, rows] * z[cols] + prec[:, cols] * z[rows]) * (vech_multiplicity(p) / 2)
    sigma = np.asarray(duplication_sandwich(prec, q) - 0.5 * n * duplication_sandwich(prec, prec),
                       dtype=np.float64)
    out = block_diag(n * prec, sigma)
    out[:p, p:] = cross
    out[p:, :p] = cross.T
    return out


def expected_from(fac: PDFactor, nobs: float) -> FloatArray:
    """Expected information ``n · blockdiag(P, ½ Dᵀ(P⊗P)D)``."""
    prec = fac.inverse()
    block = np.asarray(duplication_sandwich(prec, prec), dtype=np.float64)
    return float(nobs) * block_diag(prec, 0.5 * block)


def chain_matrix(structure: CovarianceStructure, theta: FloatArray, p: int) -> FloatArray:
    """``T = blockdiag(I_p, J)``: from ``(μ, θ)`` to ``(μ, vech Σ)``."""
    return block_diag(np.eye(p), structure.jacobian(theta))


def chain_score_information(structure: CovarianceStructure, theta: FloatArray,
                            score: FloatArray, information: FloatArray,
                            observed: bool) -> tuple[FloatArray, FloatArray]:
    """Score and information over ``(μ, θ)`` from those over ``(μ, vech Σ)``: ``Tᵀs`` and
    ``TᵀIT`` (minus ``Σ_m s_Σ[m] H_m`` for the observed information)."""
    p = score.size - structure.jacobian(theta).shape[0]
    t = chain_matrix(structure, theta, p)
    out = t.T @ information @ t
    if observed:
        out[p:, p:] -= np.einsum("m,mij->ij", score[p:], structure.hessian(theta))
    return t.T @ score, (out + out.T) / 2


def sandwich_from(fac: PDFactor, meat: FloatArray) -> FloatArray:
    """``A⁻¹BA⁻¹`` for the factor of ``A`` and ``B``, by solves (no inverse)."""
    half = fac.solve(meat)
    out = fac.solve(half.T)
    return (out + out.T) / 2
