"""What users do after a fit — correlations with their uncertainty, Wald tests, the tests of
means and covariances on the fitted sample, outliers — as functions of a fitted result
(:class:`MVNResult`'s methods call them and carry their documentation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._typing import FloatArray, OutlierMethod
from .._validate import check_choice, check_real, check_tail
from ..data import Dataset, SufficientStats, select_columns
from ..exceptions import InvalidOptionError, setting
from ..inference import (
    HypothesisTest,
    ParamCovariance,
    aligned_matrix,
    aligned_vector,
    cov_test_from_stats,
    hotelling_from_stats,
    independence_from_stats,
    sphericity_from_stats,
    wald_intervals,
    wald_named,
)
from ..linalg import PDFactor, vech_indices
from ..missing import build_patterns, row_mahalanobis
from ._mcd_outliers import mcd_outliers

if TYPE_CHECKING:
    from ._results import MVNResult

CorrMethod = Literal["delta", "fisher"]

__all__ = ["Fitted", "corr_conf_int", "corr_std_errors", "correlation", "intervals", "outliers",
           "sample_test", "wald_test"]


class Fitted(Protocol):
    """What a Wald test or an interval reads from a fit: the estimates and the one estimator
    of their covariance (an :class:`MVNResult`, a :class:`GroupedResult`)."""

    @property
    def params(self) -> pd.Series: ...

    @property
    def param_cov(self) -> ParamCovariance: ...


def intervals(est: FloatArray, se: FloatArray, kinds: np.ndarray, level: float,
              alpha: float | None) -> tuple[FloatArray, FloatArray]:
    """Wald intervals that respect the parameter space (see :meth:`MVNResult.conf_int`) at
    ``level`` (or ``alpha``)."""
    return wald_intervals(est, se, kinds, float(sps.norm.isf(check_tail(level, alpha) / 2)))


def correlation(res: MVNResult) -> pd.DataFrame:
    """The correlation matrix of the fitted covariance."""
    d = np.sqrt(np.diag(res.cov.to_numpy()))
    return pd.DataFrame(res.cov.to_numpy() / np.outer(d, d), index=res.cov.index,
                        columns=res.cov.columns)


def _corr_gradient(res: MVNResult) -> tuple[FloatArray, list[tuple[int, int]]]:
    """``∂r_ij/∂θ`` for every pair ``i < j`` (rows), through ``vech Σ`` and ``J``."""
    p = res.nvars
    cov = res.cov.to_numpy()
    rows, cols = vech_indices(p)
    pos = {(int(i), int(j)): k for k, (i, j) in enumerate(zip(rows, cols, strict=True))}
    pairs = [(i, j) for j in range(p) for i in range(j + 1, p)]
    grad = np.zeros((len(pairs), rows.size))
    for row, (i, j) in enumerate(pairs):
        r = cov[i, j] / np.sqrt(cov[i, i] * cov[j, j])
        grad[row, pos[(i, j)]] = 1 / np.sqrt(cov[i, i] * cov[j, j])
        grad[row, pos[(i, i)]] = -r / (2 * cov[i, i])
        grad[row, pos[(j, j)]] = -r / (2 * cov[j, j])
    return grad @ res.structure.jacobian(res.theta), pairs


def corr_std_errors(res: MVNResult) -> pd.Series:
    """Delta-method standard errors of the correlations, from the covariance of the
    estimates."""
    grad, pairs = _corr_gradient(res)
    v = res.param_cov.dense()[res.nvars:, res.nvars:]
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", grad, v, grad), 0.0))
    names = res.names
    return pd.Series(se, index=[f"corr[{names[j]},{names[i]}]" for i, j in pairs],
                     name="corr_std_errors")


def corr_conf_int(res: MVNResult, level: float, alpha: float | None,
                  method: str) -> pd.DataFrame:
    """Fisher-z intervals ``tanh(atanh r ± z·h)`` of the correlations: ``h = se/(1 − r²)``
    from the delta method, or ``h = 1/√(n − 3)`` as R's ``cor.test``."""
    q = float(sps.norm.isf(check_tail(level, alpha) / 2))
    check_choice(method, "method", CorrMethod)
    se = corr_std_errors(res)
    corr = res.corr.to_numpy()
    p = res.nvars
    r = np.array([corr[i, j] for j in range(p) for i in range(j + 1, p)])
    if method == "fisher":
        if res.missing == "em" or res.weights_kind is not None or res.nobs <= 3:
            raise InvalidOptionError(
                f"{setting('method', 'fisher')} (R's cor.test: 1/√(n − 3) on the atanh scale) "
                "needs complete, unweighted data and n > 3; this fit is "
                f"{setting('missing', res.missing)} with {res.nobs:g} observations"
                f"{' and weights' if res.weights_kind else ''}. Use "
                f"{setting('method', 'delta')}.")
        half = np.full(r.size, q / np.sqrt(res.nobs - 3))
    else:
        half = q * se.to_numpy() / (1 - r**2)
    z = np.arctanh(r)
    return pd.DataFrame({"corr": r, "std_error": se.to_numpy(), "lower": np.tanh(z - half),
                         "upper": np.tanh(z + half)}, index=se.index)


def wald_test(res: Fitted, R: Any, r: Any) -> HypothesisTest:
    """Wald test of ``Rθ = r`` (``R`` a matrix or hypotheses over the parameter names)."""
    return wald_named(res.params, res.param_cov.dense(), R, r)


def _sample_stats(res: MVNResult, what: str) -> tuple[SufficientStats, Dataset]:
    if res.missing == "em" or res.structure.name != "unstructured" or res.data is None:
        raise InvalidOptionError(
            f"{what} on a fit uses its complete-data sample statistics: it needs a fit of "
            f"complete data with the unstructured model (this one is "
            f"{setting('missing', res.missing)}, structure {res.structure}). Use wald_test, "
            "or call the function on the data.")
    n = res.nobs
    return SufficientStats(n, res.mean.to_numpy(), res.cov.to_numpy() * n), res.data


def sample_test(res: MVNResult, test: str, argument: Any = None) -> HypothesisTest:
    """A test of means or covariances on the fitted sample: ``"hotelling_test"``
    (``argument`` = mean0), ``"sphericity_test"``, ``"independence_test"`` (blocks) or
    ``"cov_test"`` (cov0)."""
    stats, ds = _sample_stats(res, test)
    if test == "hotelling_test":
        return hotelling_from_stats(stats.n, stats.mean, stats.cov(ddof=1),
                                    aligned_vector(argument, ds, "mean0"), ds)
    if test == "sphericity_test":
        return sphericity_from_stats(stats, ds)
    if test == "independence_test":
        return independence_from_stats(stats, ds, argument)
    return cov_test_from_stats(stats, aligned_matrix(argument, ds, "cov0"), ds)


def outliers(res: MVNResult, alpha: float, data: Any, method: str = "mvn") -> pd.DataFrame:
    """Squared Mahalanobis distances of the rows with χ² and exact Beta p-values, or against
    the MCD (see :meth:`MVNResult.outliers`)."""
    a = check_real(alpha, "alpha", low=0.0, high=1.0)
    if check_choice(method, "method", OutlierMethod) == "mcd":
        return mcd_outliers(res, a, data)
    fitted = data is None
    ds = _outlier_data(res, data)
    d2, k = _distances(res, ds)
    n, p = res.nobs, res.nvars
    chi = sps.chi2.sf(d2, k)
    beta = np.full(d2.size, np.nan)
    if fitted and res.weights_kind is None and n > p + 1:
        full = k == p
        beta[full] = sps.beta.sf(d2[full] / (n - 1), p / 2, (n - p - 1) / 2)
    pval = np.where(np.isnan(beta), chi, beta)
    index = ds.index if ds.index is not None else pd.RangeIndex(ds.nobs)
    return pd.DataFrame({"distance": d2, "df": k, "pvalue_chi2": chi, "pvalue_beta": beta,
                         "pvalue": pval, "outlier": pval < a}, index=index)


def _outlier_data(res: MVNResult, data: Any) -> Dataset:
    if data is not None:
        return select_columns(data, res.labels)
    if res.data is None:
        raise InvalidOptionError("This result keeps no data (it was fitted from a file or "
                                 "statistics); pass the rows as data=.")
    return res.data


def _distances(res: MVNResult, ds: Dataset) -> tuple[FloatArray, FloatArray]:
    mean, cov = res.mean.to_numpy(), res.cov.to_numpy()
    x = ds.values
    if not np.isnan(x).any():
        fac = PDFactor.of(cov, name="cov")
        return fac.mahalanobis(x - mean), np.full(ds.nobs, float(res.nvars))
    pat = build_patterns(ds, None)
    d2, k = np.full(ds.nobs, np.nan), np.zeros(ds.nobs)
    for idx, dist, used in row_mahalanobis(pat, x, mean - pat.origin, cov):
        d2[idx], k[idx] = dist, used
    return d2, k
