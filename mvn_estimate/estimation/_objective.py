"""An optimiser-ready objective: the negative log-likelihood over unconstrained parameters.

``η = (μ, η_Σ)`` where ``η_Σ`` is the structure's unconstrained parameterisation (the
log-Cholesky factor for the unstructured model), so that every ``η`` in ``Rᵏ`` is a valid
model and ``scipy.optimize.minimize(obj.value_and_gradient, obj.start(), jac=True)`` needs
no bounds or constraints. Gradient and Hessian are analytic, by the chain rule through
``T = blockdiag(I, ∂vechΣ/∂η_Σᵀ)`` (``∇ = Tᵀs``, ``∇² = −(TᵀIT − Σ_m s_Σ[m] H_m)``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.linalg import block_diag

from .._typing import FloatArray, Missing, WeightsKind
from .._validate import check_choice
from ..data import (
    Dataset,
    SufficientStats,
    as_dataset,
    is_label,
    locate_nonfinite,
    normalise_weights,
    resolve_weights,
    used_rows,
)
from ..exceptions import NotPositiveDefiniteError, ShapeError, describe
from ..linalg import PDFactor
from ..linalg.vech import vech_indices
from ..missing._conditional import e_step
from ..missing._em import _start
from ..missing._observed import score_and_information
from ..missing._patterns import Patterns, build_patterns
from ..model import (
    LOG_2PI,
    CovarianceStructure,
    observed_kernel,
    param_names,
    resolve_structure,
    sym_score,
)
from ._complete import check_nonsingular

__all__ = ["Objective", "objective"]


class _Complete:
    """``ℓ``, its score and observed information over ``(μ, vech Σ)`` from ``(n, x̄, S)``."""

    def __init__(self, stats: SufficientStats) -> None:
        self.stats = stats

    def start(self) -> tuple[FloatArray, FloatArray]:
        return self.stats.mean, self.stats.cov()

    def loglike(self, mean: FloatArray, fac: PDFactor) -> float:
        n, d = self.stats.n, self.stats.mean - mean
        trace = float(np.trace(fac.solve(self.stats.scatter))) + n * float(d @ fac.solve(d))
        return -0.5 * (n * (fac.dim * LOG_2PI + fac.logdet) + trace)

    def derivatives(self, mean: FloatArray, fac: PDFactor) -> tuple[FloatArray, FloatArray]:
        n, p = self.stats.n, fac.dim
        rel = SufficientStats(n, self.stats.mean - mean, self.stats.scatter)
        d = rel.mean
        w = rel.scatter + n * np.outer(d, d)
        g = sym_score(fac.solve(fac.solve(w).T) - n * fac.inverse())
        rows, cols = vech_indices(p)
        score = np.concatenate([fac.solve(n * d), g[rows, cols]])
        return score, observed_kernel(rel, fac)


class _Incomplete:
    """The observed-data ``ℓ``, score and observed information from missingness patterns."""

    def __init__(self, pat: Patterns) -> None:
        self.pat = pat

    def start(self) -> tuple[FloatArray, FloatArray]:
        mean, cov = _start(self.pat)
        return mean + self.pat.origin, cov

    def loglike(self, mean: FloatArray, fac: PDFactor) -> float:
        return e_step(self.pat, mean - self.pat.origin, fac.matrix())[1]

    def derivatives(self, mean: FloatArray, fac: PDFactor) -> tuple[FloatArray, FloatArray]:
        return score_and_information(self.pat, mean - self.pat.origin, fac.matrix())


class Objective:
    """Negative log-likelihood of a multivariate normal over unconstrained parameters.

    Build it with :func:`objective`. ``η`` holds the ``p`` means, then the structure's
    unconstrained covariance parameters (:attr:`names`).
    """

    def __init__(self, source: _Complete | _Incomplete, structure: CovarianceStructure,
                 labels: pd.Index) -> None:
        self.source, self.structure = source, structure
        self.free = structure.unconstrained()
        self.labels = labels
        self.p = len(labels)

    @property
    def names(self) -> list[str]:
        """Names of the entries of ``η``."""
        text = [str(c) for c in self.labels]
        return param_names(text)[:self.p] + self.free.param_names(text)

    @property
    def size(self) -> int:
        """Length of ``η``."""
        return self.p + self.free.nparams()

    def _eta(self, eta: Any) -> FloatArray:
        out = np.asarray(eta, dtype=float)
        if out.shape != (self.size,):
            raise ShapeError(f"The 'theta' argument must have shape ({self.size},) — the "
                             f"{self.p} means and {self.size - self.p} covariance parameters; "
                             f"got {describe(out)}.")
        return out

    def start(self) -> FloatArray:
        """Starting values: the sample (or available-case) means and the structure's start
        from the sample covariance, mapped to the unconstrained scale."""
        mean, cov = self.source.start()
        return np.concatenate([mean, self.structure.to_unconstrained(self.structure.start(cov))])

    def to_mean_cov(self, theta: Any) -> tuple[pd.Series, pd.DataFrame]:
        """``(μ, Σ)`` at ``η``, labelled by the variables."""
        eta = self._eta(theta)
        cov = self.free.cov(eta[self.p:])
        return (pd.Series(eta[:self.p], index=self.labels, name="mean"),
                pd.DataFrame(cov, index=self.labels, columns=self.labels))

    def _factor(self, eta: FloatArray) -> PDFactor | None:
        try:
            return PDFactor.of(self.free.cov(eta[self.p:]), name="cov")
        except NotPositiveDefiniteError:
            return None

    def loglike(self, theta: Any) -> float:
        """The log-likelihood at ``η`` (``-inf`` where ``Σ(η)`` is not positive definite)."""
        eta = self._eta(theta)
        fac = self._factor(eta)
        return float("-inf") if fac is None else self.source.loglike(eta[:self.p], fac)

    def value_and_gradient(self, theta: Any) -> tuple[float, FloatArray]:
        """``(−ℓ(η), −∇ℓ(η))`` — for ``scipy.optimize.minimize(..., jac=True)``.

        Where ``Σ(η)`` is not positive definite (possible only for a user structure without
        an unconstrained form) the value is ``+inf`` and the gradient zero, so a line search
        simply backs off.
        """
        eta = self._eta(theta)
        fac = self._factor(eta)
        if fac is None:
            return float("inf"), np.zeros(self.size)
        score, _ = self.source.derivatives(eta[:self.p], fac)
        chain = self._chain(eta)
        return -self.source.loglike(eta[:self.p], fac), -(chain.T @ score)

    def hessian(self, theta: Any) -> FloatArray:
        """The Hessian of ``−ℓ`` at ``η`` (the observed information over ``η``), analytic."""
        eta = self._eta(theta)
        fac = self._factor(eta)
        if fac is None:
            return np.full((self.size, self.size), np.nan)
        score, info = self.source.derivatives(eta[:self.p], fac)
        chain = self._chain(eta)
        out = chain.T @ info @ chain
        out[self.p:, self.p:] -= np.einsum("m,mij->ij", score[self.p:],
                                           self.free.hessian(eta[self.p:]))
        return (out + out.T) / 2

    def _chain(self, eta: FloatArray) -> FloatArray:
        return block_diag(np.eye(self.p), self.free.jacobian(eta[self.p:]))


def _source(ds: Dataset, w: FloatArray | None, missing: str) -> _Complete | _Incomplete:
    if missing == "em":
        return _Incomplete(build_patterns(ds, w))
    stats = SufficientStats.from_array(ds.values, w)
    if not stats.finite:
        locate_nonfinite(ds, allow_nan=missing == "drop")
        keep = np.asarray(~np.isnan(ds.values).any(axis=1), dtype=bool)
        ds = ds.rows(keep)
        stats = SufficientStats.from_array(ds.values, None if w is None else w[keep])
    check_nonsingular(stats, ds.labels)
    return _Complete(stats)


def objective(data: Any, *, structure: Any = None, missing: Missing = "raise",
              columns: Any = None, weights: Any = None,
              weights_kind: WeightsKind = "frequency") -> Objective:
    """The negative log-likelihood of ``data`` as an optimiser-ready objective.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
    structure : str or CovarianceStructure, optional
        As in :func:`mvn_estimate.fit` (default unstructured: log-Cholesky coordinates).
    missing : {"raise", "drop", "em"}, default "raise"
        ``"em"`` gives the observed-data likelihood (NaN = missing); ``"drop"`` drops
        incomplete rows (silently here: the objective has no result to report it in).
    columns, weights, weights_kind
        As in :func:`mvn_estimate.fit`.

    Returns
    -------
    Objective
        ``start()``, ``value_and_gradient(η)``, ``hessian(η)``, ``loglike(η)``,
        ``to_mean_cov(η)`` and ``names``.

    Notes
    -----
    Statistics are computed once; each evaluation costs ``O(p³)`` (complete data) or one
    E-step over the missingness patterns. The minimiser equals ``fit()``'s estimate (tested
    with ``scipy.optimize.minimize``).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.optimize import minimize
    >>> x = np.random.default_rng(1).multivariate_normal([0, 1], [[2, 0.5], [0.5, 1]], 100)
    >>> obj = objective(x)
    >>> opt = minimize(obj.value_and_gradient, obj.start() + 0.3, jac=True, method="BFGS")
    >>> mean, cov = obj.to_mean_cov(opt.x)
    >>> bool(np.allclose(cov, np.cov(x.T, bias=True), atol=1e-5))
    True
    """
    check_choice(missing, "missing", Missing)
    check_choice(weights_kind, "weights_kind", WeightsKind)
    column = weights if is_label(weights, data) else None
    ds = as_dataset(data, columns=columns, exclude=() if column is None else (column,))
    model = resolve_structure(structure, ds.labels)
    w = normalise_weights(resolve_weights(weights, data, ds), weights_kind,
                          used_rows(ds.values, missing))
    return Objective(_source(ds, w, missing), model, ds.labels)
