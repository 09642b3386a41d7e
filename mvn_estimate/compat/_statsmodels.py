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
import pandas as pd
from scipy.linalg import block_diag
from statsmodels.base.model import GenericLikelihoodModel

from .._typing import CovType, FloatArray, Information, Missing
from .._validate import check_choice
from ..data import SufficientStats, as_dataset, locate_nonfinite
from ..estimation import MVNResult
from ..estimation import fit as mvn_fit
from ..exceptions import DroppedRowsWarning, InvalidOptionError, NotPositiveDefiniteError, warn
from ..linalg import PDFactor
from ..linalg.vech import vech_indices
from ..missing._observed import information_matrix, row_terms, score_and_information
from ..missing._patterns import build_patterns
from ..model import (
    information_blocks,
    loglike_rows,
    observed_kernel,
    param_names,
    resolve_structure,
    score_rows,
    stats_about,
    sym_score,
)

__all__ = ["MVNModel"]

_COV_TYPES: dict[str, CovType] = {"nonrobust": "classic", "classic": "classic",
                                  "robust": "robust", "HC0": "robust"}


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
    ``fit()`` starts at this package's estimate (closed form, Newton or EM), lets statsmodels'
    Newton confirm it, and gives the results the same covariance of the estimates as
    :func:`mvn_estimate.fit` — so ``params`` and ``bse`` equal ``fit()``'s and
    ``summary()``, ``t_test``, ``wald_test`` and ``conf_int`` work as usual.

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
                 missing: Missing = "raise", **kwargs: Any) -> None:
        check_choice(missing, "missing", Missing)
        ds = as_dataset(data, columns=columns)
        if missing != "em" and not np.isfinite(ds.values).all():
            locate_nonfinite(ds, allow_nan=missing == "drop")
            keep = np.asarray(~np.isnan(ds.values).any(axis=1), dtype=bool)
            warn(f"missing='drop' dropped {int((~keep).sum())} of {ds.nobs} rows with "
                 "missing values.", DroppedRowsWarning)
            ds = ds.rows(keep)
        self._ds, self._missing = ds, missing
        self._source = (data, columns)
        self._mvn_structure = resolve_structure(structure, ds.labels)
        self._pat = build_patterns(ds, None) if missing == "em" else None
        self._stats = None if missing == "em" else SufficientStats.from_array(ds.values)
        names = param_names(ds.names)[:ds.nvars] + self._mvn_structure.param_names(ds.names)
        endog = pd.DataFrame(ds.values, index=ds.index, columns=ds.names) if ds.labelled \
            else ds.values
        super().__init__(endog, None, extra_params_names=names, missing="none", **kwargs)

    # -- parameters -----------------------------------------------------------------------
    @property
    def nvars(self) -> int:
        return self._ds.nvars

    def _point(self, params: Any) -> tuple[FloatArray, FloatArray, PDFactor] | None:
        t = np.asarray(params, dtype=float)
        p = self.nvars
        theta = t[p:]
        if not self._mvn_structure.valid(theta):
            return None
        try:
            return t[:p], theta, PDFactor.of(self._mvn_structure.cov(theta), name="cov")
        except NotPositiveDefiniteError:
            return None

    def _chain(self, theta: FloatArray) -> FloatArray:
        return block_diag(np.eye(self.nvars), self._mvn_structure.jacobian(theta))

    # -- likelihood -----------------------------------------------------------------------
    def loglikeobs(self, params: Any) -> FloatArray:
        """Log-density of each row (observed entries only with ``missing="em"``)."""
        point = self._point(params)
        n = self._ds.nobs
        if point is None:
            return np.full(n, -np.inf)
        mean, _, fac = point
        if self._pat is None:
            return loglike_rows(self._ds.values, mean, fac)
        out = np.zeros(n)
        for idx, ll, _ in row_terms(self._pat, self._ds.values, mean - self._pat.origin,
                                    fac.matrix()):
            out[idx] = ll
        return out

    def loglike(self, params: Any) -> float:
        return float(np.sum(self.loglikeobs(params)))

    def score_obs(self, params: Any) -> FloatArray:
        """Per-row scores over the parameters (rows by the chain rule)."""
        point = self._point(params)
        if point is None:
            return np.full((self._ds.nobs, len(self.exog_names)), np.nan)
        mean, theta, fac = point
        if self._pat is None:
            full = score_rows(self._ds.values, mean, fac)
        else:
            full = np.zeros((self._ds.nobs, self._chain(theta).shape[0]))
            for idx, _, s in row_terms(self._pat, self._ds.values, mean - self._pat.origin,
                                       fac.matrix()):
                full[idx] = s
        return full @ self._chain(theta)

    def _derivatives(self, mean: FloatArray, fac: PDFactor) -> tuple[FloatArray, FloatArray]:
        if self._pat is not None:
            return score_and_information(self._pat, mean - self._pat.origin, fac.matrix())
        rel = stats_about(self._ds, mean)
        n, d = rel.n, rel.mean
        g = sym_score(fac.solve(fac.solve(rel.scatter + n * np.outer(d, d)).T)
                      - n * fac.inverse())
        rows, cols = vech_indices(fac.dim)
        return np.concatenate([fac.solve(n * d), g[rows, cols]]), observed_kernel(rel, fac)

    def score(self, params: Any) -> FloatArray:
        point = self._point(params)
        if point is None:
            return np.full(len(self.exog_names), np.nan)
        mean, theta, fac = point
        score, _ = self._derivatives(mean, fac)
        return self._chain(theta).T @ score

    def hessian(self, params: Any) -> FloatArray:
        """Analytic Hessian: ``−(TᵀI_obsT − Σ_m s_Σ[m] H_m)``."""
        point = self._point(params)
        k = len(self.exog_names)
        if point is None:
            return np.full((k, k), np.nan)
        mean, theta, fac = point
        score, info = self._derivatives(mean, fac)
        t = self._chain(theta)
        out = t.T @ info @ t
        out[self.nvars:, self.nvars:] -= np.einsum(
            "m,mij->ij", score[self.nvars:], self._mvn_structure.hessian(theta))
        return -(out + out.T) / 2

    def information(self, params: Any) -> FloatArray:
        """Expected (Fisher) information over the parameters."""
        point = self._point(params)
        k = len(self.exog_names)
        if point is None:
            return np.full((k, k), np.nan)
        mean, theta, fac = point
        if self._pat is None:
            info = information_blocks(fac, self._ds.nobs)
        else:
            info = information_matrix(self._pat, mean - self._pat.origin, fac.matrix(),
                                      "expected")
        t = self._chain(theta)
        return t.T @ info @ t

    # -- fitting --------------------------------------------------------------------------
    def estimate(self, *, cov_type: CovType = "classic",
                 information: Information | None = None) -> MVNResult:
        """This package's fit of the same data and model (what :meth:`fit` starts from)."""
        data, columns = self._source
        return mvn_fit(data, columns=columns, structure=self._mvn_structure,
                       missing=self._missing, cov_type=cov_type, information=information)

    def fit(self, start_params: Any = None, method: str = "newton", maxiter: int = 50,
            full_output: int = 1, disp: int = 0, callback: Any = None, retall: int = 0,
            cov_type: str = "nonrobust", information: Information | None = None,
            **kwargs: Any) -> Any:
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
        getattr(res, "_results", res).normalized_cov_params = ref.param_cov.dense()
        return res
