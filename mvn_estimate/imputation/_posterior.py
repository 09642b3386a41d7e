"""Data augmentation (Tanner & Wong, 1987; Schafer, 1997, ch. 5; norm2's ``mcmcNorm``): a
Markov chain whose draws of ``(μ, Σ)`` come from their posterior given the observed data.

Each iteration is an I-step — draw the missing values from their conditional normal given
the current ``(μ, Σ)`` — and a P-step — draw ``(μ, Σ)`` from the complete-data posterior
under Jeffreys' prior ``π(μ, Σ) ∝ |Σ|^{−(q+1)/2}`` (Schafer's standard noninformative prior):
``Σ | Y ~ W⁻¹(n − 1, S)`` with ``S`` the completed data's scatter about their mean, and
``μ | Σ, Y ~ N(ȳ, Σ/n)``. The chain starts at the FIML estimate, runs ``burn`` iterations,
then keeps an imputation every ``thin`` iterations: a draw of the missing values given that
iteration's ``(μ, Σ)``. By default ``thin`` is the smallest lag at which the worst linear
function's autocorrelation, about ``rateᵗʰⁱⁿ`` with ``rate`` the worst fraction of missing
information, falls below 0.05, and ``burn`` is twice that (at least 10).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import linalg as sla

from .._typing import FloatArray, IntArray
from ..exceptions import TooLargeError, setting
from ..inference import Classic
from ..linalg import vech, vech_indices
from ..missing import fill
from ._imputations import ChainDiagnostics
from ._work import Progress, Work

__all__ = ["p_step", "posterior", "worst_linear_function"]

INDEPENDENT = 0.05
"""The autocorrelation between imputations the default thinning aims below."""


def p_step(z: FloatArray, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """A draw of ``(μ, Σ)`` from the posterior given complete data ``z`` under Jeffreys'
    prior: ``Σ ~ W⁻¹(n − 1, S)`` by Bartlett's decomposition (``S = LLᵀ``, ``A`` lower
    triangular with ``A_ii² ~ χ²(n − 1 − i)`` and standard normal entries below, ``Σ = BBᵀ``
    with ``B = LA⁻ᵀ``), then ``μ = ȳ + Bε/√n``.

    Examples
    --------
    >>> z = np.random.default_rng(0).standard_normal((500, 2))
    >>> mean, cov = p_step(z, np.random.default_rng(1))
    >>> bool(np.all(np.abs(mean) < 0.3) and np.all(np.abs(np.diag(cov) - 1) < 0.3))
    True
    """
    n, q = z.shape
    centre = z.mean(axis=0)
    dev = z - centre
    low = np.linalg.cholesky(dev.T @ dev)
    bartlett = np.zeros((q, q))
    bartlett[np.tril_indices(q, -1)] = rng.standard_normal(q * (q - 1) // 2)
    bartlett[np.diag_indices(q)] = np.sqrt(rng.chisquare(n - 1 - np.arange(q)))
    factor = np.linalg.solve(bartlett, low.T).T  # B = L A⁻ᵀ (A is well conditioned)
    cov = factor @ factor.T
    mean = centre + factor @ rng.standard_normal(q) / np.sqrt(n)
    return mean, (cov + cov.T) / 2


def worst_linear_function(work: Work, fit: object) -> tuple[FloatArray, float]:
    """``(v, rate)``: the worst linear function's coefficients over ``θ = (μ, vech Σ)`` in
    standardised units, scaled to unit posterior variance (``vᵀ Cov(θ̂) v = 1``), and the
    worst fraction of missing information — the generalised eigenproblem
    ``I_c⁻¹ v = μ I_obs⁻¹ v`` at its smallest eigenvalue ``μ = 1 − rate``."""
    q = work.z.shape[1]
    rows, cols = vech_indices(q)
    first = np.concatenate([work.scale, work.scale[rows]])
    second = np.concatenate([np.ones(q), work.scale[cols]])
    try:
        observed = fit.param_cov.dense()  # type: ignore[attr-defined]
    except TooLargeError as exc:
        raise TooLargeError(
            f"{setting('method', 'posterior')} chooses its thinning from the "
            f"{first.size}×{first.size} information of the imputation model, which is above "
            "the limit; use method='bootstrap'.") from exc
    observed = observed / first[:, None] / first[None, :] / second[:, None] / second[None, :]
    complete = Classic(work.cov, float(fit.nobs)).dense()  # type: ignore[attr-defined]
    values, vectors = sla.eigh(complete, observed)
    rate = float(np.clip(1.0 - values[0], 0.0, 1.0 - 1e-12))
    return vectors[:, 0], rate


def _default_thin(rate: float) -> int:
    if rate <= INDEPENDENT:
        return 1
    return max(1, math.ceil(math.log(INDEPENDENT) / math.log(rate)))


def _acf(x: FloatArray, lags: int) -> pd.Series:
    dev = x - x.mean()
    denom = float(dev @ dev)
    values = [float(dev[:-k] @ dev[k:]) / denom if denom > 0 else np.nan
              for k in range(1, lags + 1)]
    return pd.Series(values, index=pd.RangeIndex(1, lags + 1, name="lag"), name="acf")


def posterior(work: Work, m: int, rng: np.random.Generator, show: bool, redraws: IntArray,
              fit: object, burn: int | None,
              thin: int | None) -> tuple[FloatArray, ChainDiagnostics]:
    """``m`` imputations by data augmentation: the imputed values ``(m, cells)`` and the
    chain's diagnostics (see the module notes)."""
    coef, rate = worst_linear_function(work, fit)
    thin = _default_thin(rate) if thin is None else thin
    burn = max(10, 2 * thin) if burn is None else burn
    total = burn + m * thin
    hat = np.concatenate([work.mean, vech(work.cov)])
    mean, cov = work.mean, work.cov
    wlf = np.empty(total)
    values = np.empty((m, work.rows.size))
    bar = Progress(total, show, "data augmentation")
    try:
        for t in range(total):
            mean, cov = p_step(fill(work.z, mean, cov, work.groups, rng=rng), rng)
            wlf[t] = coef @ (np.concatenate([mean, vech(cov)]) - hat)
            kept, step = divmod(t + 1 - burn, thin)
            if t + 1 > burn and step == 0:
                values[kept - 1] = work.draw(mean, cov, rng, redraws)
            bar.update()
    finally:
        bar.close()
    names = fit.params.index  # type: ignore[attr-defined]
    after = wlf[burn:]
    diagnostics = ChainDiagnostics(
        burn, thin, total, rate, pd.Series(coef / np.linalg.norm(coef), index=names,
                                           name="coef"),
        pd.Series(wlf, index=pd.RangeIndex(1, total + 1, name="iteration"), name="wlf"),
        _acf(after, min(after.size - 1, max(20, 2 * thin))))
    return values, diagnostics
