"""``MVNModel``: the multivariate normal as a statsmodels ``GenericLikelihoodModel``.

Every derivative statsmodels asks for is this package's analytic one over the same parameter
vector and names as :func:`mvn_estimate.fit` — the means, then the structure's parameters —
by the chain rule ``T = blockdiag(I, ∂vechΣ/∂θᵀ)``. A trial point whose covariance is not
positive definite gives ``-inf`` (and NaN derivatives), never an exception inside an
optimiser.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from statsmodels.base.model import GenericLikelihoodModel

import mvn_estimate as me
from mvn_estimate.exceptions import DroppedRowsWarning, InvalidOptionError

__all__ = ["MVNModel"]

_COV_TYPES = {"nonrobust": "classic", "classic": "classic", "robust": "robust", "HC0": "robust"}


class MVNModel(GenericLikelihoodModel):
    """The multivariate normal as a statsmodels likelihood model.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
    columns : list of labels, optional
    structure : str or CovarianceStructure, optional
        As in :func:`mvn_estimate.fit`.
    missing : {"raise", "drop", "em"}, default "raise"
        ``"em"``: the observed-data likelihood of data with NaN.

    Notes
    -----
    Built on :func:`mvn_estimate.objective` over the model's natural parameters (the
    package's public API only). ``fit()`` starts at this package's estimate (closed form,
    Newton or EM), lets statsmodels' Newton confirm it, and gives the results the same
    covariance of the estimates as :func:`mvn_estimate.fit` — so ``params`` and ``bse``
    equal ``fit()``'s and ``summary()``, ``t_test``, ``wald_test`` and ``conf_int`` work as
    usual.

    The two summaries differ on purpose for variances. statsmodels treats every parameter
    alike: a z-test of "= 0" and a symmetric interval ``θ ± z·se``, which for a variance can
    reach below zero. :meth:`MVNResult.summary` and :meth:`MVNResult.conf_int` know which
    parameters are variances (``param_kinds``): no p-value for "variance = 0" (a boundary, not
    a hypothesis the Wald test can judge) and intervals on the log scale,
    ``exp(log θ ± z·se/θ)``, always positive. Means and covariances agree in both. Use this
    model for statsmodels' machinery (``t_test``, ``wald_test``, ``compare_lr_test``) and
    ``mvn_estimate.fit(...).summary()`` to report.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).multivariate_normal([0, 1], [[1, .3], [.3, 2]], 80)
    >>> res = MVNModel(x).fit()
    >>> res.model.exog_names[:3]
    ['mean[x0]', 'mean[x1]', 'cov[x0,x0]']
    >>> import mvn_estimate as me
    >>> bool(np.allclose(res.bse, me.fit(x).std_errors))
    True
    """

    def __init__(self, data: Any, *, columns: Any = None, structure: Any = None,
                 missing: Any = "raise", **kwargs: Any) -> None:
        self._objective = me.objective(data, columns=columns, structure=structure,
                                       missing=missing, natural=True)
        self._source = (data, columns, self._objective.structure, missing)
        super().__init__(self._objective.data, None, extra_params_names=self._objective.names,
                         missing="none", **kwargs)

    @property
    def nvars(self) -> int:
        return self._objective.p

    # -- likelihood: the objective's, over the same parameters as mvn_estimate.fit --------
    def loglikeobs(self, params: Any) -> Any:
        """Log-density of each row (observed entries only with ``missing="em"``)."""
        return self._objective.loglike_obs(params)

    def loglike(self, params: Any) -> float:
        return self._objective.loglike(params)

    def score_obs(self, params: Any) -> Any:
        """Per-row scores over the parameters (by the chain rule)."""
        return self._objective.score_obs(params)

    def score(self, params: Any) -> Any:
        value, gradient = self._objective.value_and_gradient(params)
        return -gradient if np.isfinite(value) else np.full(len(self.exog_names), np.nan)

    def hessian(self, params: Any) -> Any:
        """Analytic Hessian: ``−(TᵀI_obsT − Σ_m s_Σ[m] H_m)``."""
        return -self._objective.hessian(params)

    def information(self, params: Any) -> Any:
        """Expected (Fisher) information over the parameters."""
        return self._objective.information(params)

    # -- fitting --------------------------------------------------------------------------
    def estimate(self, *, cov_type: Any = "classic", information: Any = None) -> Any:
        """This package's fit of the same data and model (what :meth:`fit` starts from)."""
        data, columns, structure, missing = self._source
        return me.fit(data, columns=columns, structure=structure, missing=missing,
                      cov_type=cov_type, information=information)

    def fit(self, start_params: Any = None, method: str = "newton", maxiter: int = 50,
            full_output: int = 1, disp: int = 0, callback: Any = None, retall: int = 0,
            cov_type: str = "nonrobust", information: Any = None, **kwargs: Any) -> Any:
        """Fit by maximum likelihood, from this package's estimate.

        ``cov_type`` is ``"nonrobust"`` (this package's ``"classic"``) or ``"robust"``
        (``"HC0"``, the sandwich); ``information`` is as in :func:`mvn_estimate.fit`. The
        covariance of the estimates is the one :func:`mvn_estimate.fit` gives.
        """
        if cov_type not in _COV_TYPES:
            raise InvalidOptionError(
                f"The 'cov_type' argument must be one of {', '.join(map(repr, _COV_TYPES))}; "
                f"got {cov_type!r}.")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DroppedRowsWarning)
            ref = self.estimate(cov_type=_COV_TYPES[cov_type], information=information)
        start = ref.params.to_numpy() if start_params is None else start_params
        res = super().fit(start_params=start, method=method, maxiter=maxiter,
                          full_output=full_output, disp=disp, callback=callback,
                          retall=retall, **kwargs)
        # statsmodels' covariance is the inverse observed Hessian; give the results the one
        # mvn_estimate.fit computes (classic or robust, expected or observed information)
        getattr(res, "_results", res).normalized_cov_params = ref.cov_params().to_numpy()
        return res
