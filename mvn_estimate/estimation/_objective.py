"""An optimiser-ready objective: the negative log-likelihood over the model's parameters.

``η = (μ, η_Σ)``. By default ``η_Σ`` is the structure's unconstrained parameterisation (the
log-Cholesky factor for the unstructured model), so that every ``η`` in ``Rᵏ`` is a valid model
and ``scipy.optimize.minimize(obj.value_and_gradient, obj.start(), jac=True)`` needs no bounds;
with ``natural=True`` it is the structure's own parameters (``vech Σ``, variances,
correlations), as :class:`~mvn_estimate.MVNModel` uses them. Gradient and Hessian are
analytic, by the chain rule through ``T = blockdiag(I, ∂vechΣ/∂η_Σᵀ)``
(``∇ = Tᵀs``, ``∇² = −(TᵀIT − Σ_m s_Σ[m] H_m)``). The data are reduced by the same pipeline
as :func:`~mvn_estimate.fit` (the same checks, the same warning for dropped rows).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray, Missing, WeightsKind
from .._validate import check_bool
from ..data import Dataset, SufficientStats, memory_source
from ..exceptions import MVNEstimateError, ShapeError, arg, describe
from ..linalg import PDFactor
from ..missing import (
    Patterns,
    e_step,
    information_matrix,
    row_terms,
    score_and_information,
    start_values,
)
from ..model import (
    CovarianceStructure,
    chain_matrix,
    chain_score_information,
    check_nonsingular,
    expected_from,
    loglike_from,
    loglike_rows,
    observed_from,
    param_names,
    score_rows,
    score_vector_from,
)
from ._reduce import reduce_complete, reduce_patterns
from ._spec import FitSpec

__all__ = ["Objective", "objective"]


class _Complete:
    """``ℓ``, its derivatives and per-row terms over ``(μ, vech Σ)`` from ``(n, x̄, S)``."""

    def __init__(self, stats: SufficientStats, values: FloatArray) -> None:
        self.stats, self.values = stats, values

    def start(self) -> tuple[FloatArray, FloatArray]:
        return self.stats.mean, self.stats.cov()

    def _rel(self, mean: FloatArray) -> SufficientStats:
        return SufficientStats(self.stats.n, self.stats.mean - mean, self.stats.scatter)

    def loglike(self, mean: FloatArray, fac: PDFactor) -> float:
        return loglike_from(self._rel(mean), fac)

    def derivatives(self, mean: FloatArray, fac: PDFactor) -> tuple[FloatArray, FloatArray]:
        rel = self._rel(mean)
        return score_vector_from(rel, fac), observed_from(rel, fac)

    def expected(self, mean: FloatArray, fac: PDFactor) -> FloatArray:
        return expected_from(fac, self.stats.n)

    def rows(self, mean: FloatArray, fac: PDFactor) -> tuple[FloatArray, FloatArray]:
        return loglike_rows(self.values, mean, fac), score_rows(self.values, mean, fac)


class _Incomplete:
    """The observed-data ``ℓ``, its derivatives and per-row terms from missingness patterns."""

    def __init__(self, pat: Patterns, values: FloatArray) -> None:
        self.pat, self.values = pat, values

    def start(self) -> tuple[FloatArray, FloatArray]:
        mean, cov = start_values(self.pat)
        return mean + self.pat.origin, cov

    def loglike(self, mean: FloatArray, fac: PDFactor) -> float:
        return e_step(self.pat, mean - self.pat.origin, fac.matrix())[1]

    def derivatives(self, mean: FloatArray, fac: PDFactor) -> tuple[FloatArray, FloatArray]:
        return score_and_information(self.pat, mean - self.pat.origin, fac.matrix())

    def expected(self, mean: FloatArray, fac: PDFactor) -> FloatArray:
        return information_matrix(self.pat, mean - self.pat.origin, fac.matrix(), "expected")

    def rows(self, mean: FloatArray, fac: PDFactor) -> tuple[FloatArray, FloatArray]:
        n = self.values.shape[0]
        k = mean.size + mean.size * (mean.size + 1) // 2
        ll, scores = np.zeros(n), np.zeros((n, k))
        for idx, value, s in row_terms(self.pat, self.values, mean - self.pat.origin,
                                       fac.matrix()):
            ll[idx], scores[idx] = value, s
        return ll, scores


class Objective:
    """Negative log-likelihood of a multivariate normal over the model's parameters.

    Build it with :func:`objective`. ``η`` holds the ``p`` means, then the structure's
    covariance parameters (:attr:`names`): unconstrained unless built with ``natural=True``.
    """

    def __init__(self, source: _Complete | _Incomplete, structure: CovarianceStructure,
                 data: Dataset, natural: bool = False) -> None:
        self.source, self.structure = source, structure
        self.free = structure if natural else structure.unconstrained()
        self.natural = natural
        self.labels = data.labels
        self.p = len(self.labels)
        self._data = data

    @property
    def names(self) -> list[str]:
        """Names of the entries of ``η``."""
        text = [str(c) for c in self.labels]
        return param_names(text)[:self.p] + self.free.param_names(text)

    @property
    def size(self) -> int:
        """Length of ``η``."""
        return self.p + self.free.nparams()

    @property
    def nobs(self) -> int:
        """Number of rows the objective uses."""
        return self._data.nobs

    @property
    def data(self) -> FloatArray | pd.DataFrame:
        """The rows the objective uses (a DataFrame when the data were labelled)."""
        ds = self._data
        if ds.labelled:
            return pd.DataFrame(ds.values, index=ds.index, columns=ds.names)
        return ds.values

    def _eta(self, eta: Any) -> FloatArray:
        out = np.asarray(eta, dtype=float)
        if out.shape != (self.size,):
            raise ShapeError(f"{arg('theta')} must have shape ({self.size},) — the "
                             f"{self.p} means and {self.size - self.p} covariance parameters; "
                             f"got {describe(out)}.")
        return out

    def start(self) -> FloatArray:
        """Starting values: the sample (or available-case) means and the structure's start
        from the sample covariance (mapped to the unconstrained scale unless natural)."""
        mean, cov = self.source.start()
        theta = self.structure.start(cov)
        return np.concatenate([mean, theta if self.natural else
                               self.structure.to_unconstrained(theta)])

    def to_mean_cov(self, theta: Any) -> tuple[pd.Series, pd.DataFrame]:
        """``(μ, Σ)`` at ``η``, labelled by the variables."""
        eta = self._eta(theta)
        cov = self.free.cov(eta[self.p:])
        return (pd.Series(eta[:self.p], index=self.labels, name="mean"),
                pd.DataFrame(cov, index=self.labels, columns=self.labels))

    def factor(self, theta: Any) -> PDFactor | None:
        """The Cholesky factor of ``Σ(η)``, or None where ``η`` is not a valid model."""
        eta = self._eta(theta)
        if not self.free.valid(eta[self.p:]):
            return None
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                return PDFactor.of(self.free.cov(eta[self.p:]), name="cov")
        except MVNEstimateError:
            return None

    def loglike(self, theta: Any) -> float:
        """The log-likelihood at ``η`` (``-inf`` where ``Σ(η)`` is not positive definite)."""
        eta = self._eta(theta)
        fac = self.factor(eta)
        return float("-inf") if fac is None else self.source.loglike(eta[:self.p], fac)

    def value_and_gradient(self, theta: Any) -> tuple[float, FloatArray]:
        """``(−ℓ(η), −∇ℓ(η))`` — for ``scipy.optimize.minimize(..., jac=True)``.

        Where ``η`` is not a valid model (possible only for a structure without an
        unconstrained form, or with ``natural=True``) the value is ``+inf`` and the gradient
        zero, so a line search simply backs off.
        """
        eta = self._eta(theta)
        fac = self.factor(eta)
        if fac is None:
            return float("inf"), np.zeros(self.size)
        try:
            with np.errstate(all="ignore"):  # far from the optimum: overflow is "not here"
                value = -self.source.loglike(eta[:self.p], fac)
                score, _ = self.source.derivatives(eta[:self.p], fac)
                gradient = -(chain_matrix(self.free, eta[self.p:], self.p).T @ score)
        except MVNEstimateError:
            value, gradient = float("inf"), np.zeros(self.size)
        if not (np.isfinite(value) and np.all(np.isfinite(gradient))):
            return float("inf"), np.zeros(self.size)
        return float(value), gradient

    def hessian(self, theta: Any) -> FloatArray:
        """The Hessian of ``−ℓ`` at ``η`` (the observed information over ``η``), analytic."""
        eta = self._eta(theta)
        fac = self.factor(eta)
        if fac is None:
            return np.full((self.size, self.size), np.nan)
        score, info = self.source.derivatives(eta[:self.p], fac)
        return chain_score_information(self.free, eta[self.p:], score, info, True)[1]

    def information(self, theta: Any) -> FloatArray:
        """The expected (Fisher) information over ``η`` (NaN where ``η`` is not valid)."""
        eta = self._eta(theta)
        fac = self.factor(eta)
        if fac is None:
            return np.full((self.size, self.size), np.nan)
        t = chain_matrix(self.free, eta[self.p:], self.p)
        return t.T @ self.source.expected(eta[:self.p], fac) @ t

    def loglike_obs(self, theta: Any) -> FloatArray:
        """Each row's log-likelihood at ``η`` (its observed entries' with ``missing="em"``;
        ``-inf`` where ``η`` is not valid)."""
        eta = self._eta(theta)
        fac = self.factor(eta)
        if fac is None:
            return np.full(self.nobs, -np.inf)
        return self.source.rows(eta[:self.p], fac)[0]

    def score_obs(self, theta: Any) -> FloatArray:
        """Each row's score over ``η`` (NaN where ``η`` is not valid)."""
        eta = self._eta(theta)
        fac = self.factor(eta)
        if fac is None:
            return np.full((self.nobs, self.size), np.nan)
        return self.source.rows(eta[:self.p], fac)[1] @ chain_matrix(self.free, eta[self.p:],
                                                                      self.p)


def objective(data: Any, *, structure: Any = None, missing: Missing = "raise",
              columns: Any = None, weights: Any = None,
              weights_kind: WeightsKind = "frequency", natural: bool = False) -> Objective:
    """The negative log-likelihood of ``data`` as an optimiser-ready objective.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
    structure : str or CovarianceStructure, optional
        As in :func:`mvn_estimate.fit` (default unstructured: log-Cholesky coordinates).
    missing : {"raise", "drop", "em"}, default "raise"
        ``"em"`` gives the observed-data likelihood (NaN = missing); ``"drop"`` drops
        incomplete rows, with the :class:`~mvn_estimate.exceptions.DroppedRowsWarning`
        ``fit`` gives.
    columns, weights, weights_kind
        As in :func:`mvn_estimate.fit`.
    natural : bool, default False
        Parameters on the structure's own scale (``vech Σ`` for the unstructured model)
        instead of the unconstrained one; invalid points then give ``-inf`` / ``+inf``.

    Returns
    -------
    Objective
        ``start()``, ``value_and_gradient(η)``, ``hessian(η)``, ``loglike(η)``,
        ``information(η)``, ``loglike_obs(η)``, ``score_obs(η)``, ``to_mean_cov(η)`` and
        ``names``.

    Notes
    -----
    Statistics are computed once; each evaluation costs ``O(p³)`` (complete data) or one
    E-step over the missingness patterns. The minimiser equals ``fit()``'s estimate (tested
    with ``scipy.optimize.minimize``). The per-row methods (weights aside) read the rows.

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
    natural = check_bool(natural, "natural")
    spec = FitSpec.of(missing=missing, structure=structure, weighted=weights is not None,
                      weights_kind=weights_kind)
    source = memory_source(data, columns, weights)
    model = spec.structure.bind(source.labels)
    if spec.policy.em:
        inc = reduce_patterns(source, spec, common=False, rescale=False)
        assert source.dataset is not None
        return Objective(_Incomplete(inc.patterns, source.dataset.values), model,
                         source.dataset, natural)
    red = reduce_complete(source, spec, common=False, rescale=False)
    check_nonsingular(red.stats, source.labels, "use fewer columns.")
    assert red.kept is not None
    return Objective(_Complete(red.stats, red.kept.values), model, red.kept, natural)
