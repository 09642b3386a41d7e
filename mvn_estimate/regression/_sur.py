"""Seemingly unrelated regressions from the moments of the variables involved.

Every equation has an intercept, so the intercepts are ``a_i = ȳ_i − w̄_iᵀ c_i`` and the
slopes ``c`` solve the GLS equations on centred data, ``Σ_j ψ^{ij} S_{W_i W_j} c_j =
Σ_j ψ^{ij} S_{W_i y_j}``, with ``S`` the ML covariance of the variables and ``ψ^{ij}`` the
entries of ``Ψ⁻¹``. Iterating GLS and ``Ψ = E'E/n`` converges to the Gaussian ML (systemfit's
``method="SUR"`` with ``methodResidCov="noDfCor"``); one step from the OLS residuals is the
two-step (feasible GLS) estimator. Everything is a function of ``(x̄, S, n)``, so the rows are
read once, from any source.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._typing import FloatArray
from ..exceptions import ConvergenceWarning, NotIdentifiedError, setting, warn
from ..inference import Classic
from ..linalg import PDFactor, classify_eigenvalues, vech_indices

__all__ = ["Equation", "SURFit", "sur", "sur_names"]


@dataclass(frozen=True)
class Equation:
    """One equation: its name, the position of its response and of its regressors."""

    name: str
    response: int
    regressors: np.ndarray


@dataclass(frozen=True)
class SURFit:
    """Estimates (intercepts, slopes per equation), residual covariance, the covariance of
    all estimates ``(a, c, vech Ψ)`` and how the iterations went."""

    intercept: FloatArray
    slopes: list[FloatArray]
    resid_cov: FloatArray
    cov: FloatArray
    loglike: float
    iterations: int
    converged: bool


def _resid_cov(s: FloatArray, eqs: list[Equation], c: list[FloatArray]) -> FloatArray:
    """``E'E/n`` from the moments: ``S_{y_i y_j} − c_iᵀS_{W_i y_j} − S_{y_i W_j}c_j +
    c_iᵀ S_{W_i W_j} c_j``."""
    m = len(eqs)
    out = np.empty((m, m))
    for i, a in enumerate(eqs):
        for j, b in enumerate(eqs):
            wa, wb = a.regressors, b.regressors
            out[i, j] = (s[a.response, b.response] - c[i] @ s[wa, b.response]
                         - s[a.response, wb] @ c[j] + c[i] @ s[np.ix_(wa, wb)] @ c[j])
    return (out + out.T) / 2


def _system(s: FloatArray, eqs: list[Equation], inv: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The GLS normal equations ``A c = b`` on centred data, for ``Ψ⁻¹ = inv``."""
    sizes = [e.regressors.size for e in eqs]
    start = np.concatenate([[0], np.cumsum(sizes)])
    a, b = np.zeros((start[-1], start[-1])), np.zeros(start[-1])
    for i, ei in enumerate(eqs):
        rows = slice(start[i], start[i + 1])
        for j, ej in enumerate(eqs):
            a[rows, start[j]:start[j + 1]] = inv[i, j] * s[np.ix_(ei.regressors, ej.regressors)]
            b[rows] += inv[i, j] * s[ei.regressors, ej.response]
    return (a + a.T) / 2, b


def _split(c: FloatArray, eqs: list[Equation]) -> list[FloatArray]:
    return np.split(c, np.cumsum([e.regressors.size for e in eqs])[:-1])


def _collapsing(psi: FloatArray, eqs: list[Equation], iteration: int) -> None:
    """Refuse a residual covariance that has become singular: the likelihood is unbounded."""
    d = 1.0 / np.sqrt(np.diag(psi))
    w = np.linalg.eigvalsh(psi * d[:, None] * d[None, :])
    if classify_eigenvalues(w) != "positive definite":
        raise NotIdentifiedError(
            f"The residual covariance of the equations {[e.name for e in eqs]} became "
            f"singular at iteration {iteration} (smallest correlation-scale eigenvalue "
            f"{w[0]:.3g}): some combination of the equations fits exactly, so the Gaussian "
            "likelihood is unbounded and has no maximum. Check the equations, or use "
            f"{setting('method', 'two-step')} (feasible GLS, not ML).")


def _coef_cov(mean: FloatArray, eqs: list[Equation], used: FloatArray, psi: FloatArray,
              a: FloatArray, n: float) -> FloatArray:
    """The covariance of ``(a, c, vech Ψ)``: in centred coordinates ``(α, c)`` it is
    ``blockdiag(Ψ/n, A⁻¹/n)`` at the ``Ψ`` the last GLS step ``used``; ``a = α − w̄ᵀc``
    carries it to the intercepts; ``vech Ψ̂`` has ``2D⁺(Ψ̂⊗Ψ̂)D⁺ᵀ/n``."""
    m, k = len(eqs), a.shape[0]
    base = Classic(used, n).dense()  # (α, vech Ψ): blockdiag(Ψ/n, 2D⁺(Ψ⊗Ψ)D⁺ᵀ/n)
    slopes = PDFactor.of(a, name="the GLS normal matrix").inverse() / n
    t = np.zeros((m + k, m + k))
    t[:m, :m] = np.eye(m)
    t[m:, m:] = np.eye(k)
    start = np.concatenate([[0], np.cumsum([e.regressors.size for e in eqs])])
    for i, e in enumerate(eqs):
        t[i, m + start[i]:m + start[i + 1]] = -mean[e.regressors]
    inner = np.zeros((m + k, m + k))
    inner[:m, :m], inner[m:, m:] = base[:m, :m], slopes
    v = np.zeros((m + k + base.shape[0] - m,) * 2)
    v[:m + k, :m + k] = t @ inner @ t.T
    v[m + k:, m + k:] = Classic(psi, n).dense()[m:, m:]
    return v


def sur(mean: FloatArray, s: FloatArray, n: float, eqs: list[Equation], *, method: str,
        tol: float, max_iter: int) -> SURFit:
    """Seemingly unrelated regressions by iterated GLS (``method="ml"``) or one GLS step
    from the OLS residuals (``"two-step"``), from the ML moments ``(mean, s)`` of ``n``
    observations (see the module notes).

    Examples
    --------
    >>> s = np.array([[2.0, 1.0, 0.5], [1.0, 1.0, 0.0], [0.5, 0.0, 1.0]])
    >>> eqs = [Equation("a", 0, np.array([1])), Equation("b", 0, np.array([2]))]
    >>> sur(np.zeros(3), s, 50.0, eqs[:1], method="ml", tol=1e-10, max_iter=50).slopes
    [array([1.])]
    """
    c = [np.linalg.solve(s[np.ix_(e.regressors, e.regressors)], s[e.regressors, e.response])
         if e.regressors.size else np.zeros(0) for e in eqs]
    psi = _resid_cov(s, eqs, c)
    used, converged, iterations = psi, False, 0
    for iterations in range(1, (1 if method == "two-step" else max_iter) + 1):
        _collapsing(psi, eqs, iterations - 1)
        used = psi
        a, b = _system(s, eqs, PDFactor.of(psi, name="resid_cov").inverse())
        new = _split(PDFactor.of(a, name="the GLS normal matrix").solve(b), eqs)
        old_all = np.concatenate([_intercepts(mean, eqs, c), *c])
        new_all = np.concatenate([_intercepts(mean, eqs, new), *new])
        c, psi = new, _resid_cov(s, eqs, new)
        change = np.sqrt(np.sum((new_all - old_all) ** 2) / max(np.sum(old_all**2), 1e-300))
        if change <= tol:
            converged = True
            break
    _collapsing(psi, eqs, iterations)
    if method == "ml" and not converged:
        warn(f"Seemingly unrelated regressions stopped after {iterations} iterations before "
             f"reaching tol = {tol:g}; the estimates are approximate. Raise max_iter.",
             ConvergenceWarning)
    final = psi if method == "ml" else used
    a, _ = _system(s, eqs, PDFactor.of(final, name="resid_cov").inverse())
    cov = _coef_cov(mean, eqs, final, psi, a, n)
    m = len(eqs)
    fac = PDFactor.of(psi, name="resid_cov")
    loglike = -0.5 * n * (m * np.log(2 * np.pi) + fac.logdet + m)
    return SURFit(_intercepts(mean, eqs, c), c, psi, cov, float(loglike), iterations,
                  converged or method == "two-step")


def _intercepts(mean: FloatArray, eqs: list[Equation], c: list[FloatArray]) -> FloatArray:
    return np.array([mean[e.response] - mean[e.regressors] @ ci for e, ci in
                     zip(eqs, c, strict=True)])


def sur_names(eqs: list[Equation], labels: pd.Index) -> list[str]:
    """``intercept[eq]``, ``coef[eq,x]`` per equation, ``resid_cov[a,b]`` (vech order)."""
    rows, cols = vech_indices(len(eqs))
    return ([f"intercept[{e.name}]" for e in eqs]
            + [f"coef[{e.name},{labels[j]}]" for e in eqs for j in e.regressors]
            + [f"resid_cov[{eqs[c].name},{eqs[r].name}]" for r, c in
               zip(rows, cols, strict=True)])
