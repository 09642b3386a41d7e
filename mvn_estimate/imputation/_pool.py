"""Rubin's rules: the estimates of ``m`` analyses of completed data pooled into one inference.

With ``Q̂ᵢ`` the estimates and ``Uᵢ`` their covariance in completed data set ``i``:
``Q̄ = mean(Q̂ᵢ)``, within ``Ū = mean(Uᵢ)``, between ``B = Σ(Q̂ᵢ − Q̄)(Q̂ᵢ − Q̄)ᵀ/(m − 1)``, total
``T = Ū + (1 + 1/m)B`` (Rubin, 1987). Per parameter: the relative increase in variance
``r = (1 + 1/m)b/ū``, ``λ = (1 + 1/m)b/t``, Barnard & Rubin's (1999) degrees of freedom and the
fraction of missing information ``(r + 2/(ν + 3))/(r + 1)`` — mice's ``pool()`` formulas
(validated against mice 3.15 and mitools 2.4 on the same completed data).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._validate import check_real, check_tail
from ..exceptions import InvalidOptionError, LabelError, MVNEstimateError, arg, describe

__all__ = ["PooledResult", "pool_results", "rubin"]

LAMBDA_FLOOR = 1e-4
"""mice's floor on ``λ`` in the Barnard–Rubin degrees of freedom."""


@dataclass(frozen=True, eq=False)
class PooledResult:
    """Estimates pooled over multiply imputed data by Rubin's rules (see
    :meth:`Imputations.pool`).

    Attributes
    ----------
    params : Series
        ``Q̄``, the mean of the estimates.
    within : Series
        ``ū``, the mean of their variances (the within-imputation variance).
    between : Series
        ``b``, the variance of the estimates across imputations (divisor ``m − 1``).
    df : Series
        Barnard & Rubin's (1999) degrees of freedom for ``dfcom`` complete-data degrees of
        freedom (Rubin's 1987 large-sample ``(m − 1)/λ²`` when ``dfcom`` is infinite).
    m : int
        Number of imputations.
    dfcom : float
        The complete-data degrees of freedom used (``inf`` for large-sample estimates).

    Examples
    --------
    >>> import pandas as pd
    >>> r = rubin([pd.Series({"a": 1.0}), pd.Series({"a": 3.0})],
    ...           [pd.Series({"a": 0.5}), pd.Series({"a": 1.5})])
    >>> float(r.params["a"]), float(r.within["a"]), float(r.between["a"])
    (2.0, 1.0, 2.0)
    >>> float(r.std_errors["a"]) ** 2  # ū + (1 + 1/m) b
    4.0
    """

    params: pd.Series
    within: pd.Series
    between: pd.Series
    df: pd.Series
    m: int
    dfcom: float
    total_cov: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    """``T = Ū + (1 + 1/m)B`` when every analysis gave its full covariance."""

    @property
    def total(self) -> pd.Series:
        """``t = ū + (1 + 1/m) b``, the total variance of each estimate."""
        return (self.within + (1 + 1 / self.m) * self.between).rename("total")

    @property
    def std_errors(self) -> pd.Series:
        """``√t``."""
        return np.sqrt(self.total).rename("std_errors")

    @property
    def riv(self) -> pd.Series:
        """Relative increase in variance due to nonresponse, ``r = (1 + 1/m) b / ū``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return ((1 + 1 / self.m) * self.between / self.within).rename("riv")

    @property
    def lambda_(self) -> pd.Series:
        """``λ = (1 + 1/m) b / t``, the proportion of the total variance due to the missing
        values (what statsmodels' ``MI`` reports as ``fmi``)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return ((1 + 1 / self.m) * self.between / self.total).rename("lambda")

    @property
    def fmi(self) -> pd.Series:
        """Fraction of missing information, ``(r + 2/(ν + 3)) / (r + 1)`` (mice's)."""
        r = self.riv
        return ((r + 2 / (self.df + 3)) / (r + 1)).rename("fmi")

    @property
    def tvalues(self) -> pd.Series:
        """``Q̄ / √t``."""
        return (self.params / self.std_errors).rename("tvalues")

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values of ``tvalues`` against Student's t with ``df`` (at least 0.001,
        as mice)."""
        p = 2 * sps.t.sf(np.abs(self.tvalues.to_numpy()), np.maximum(self.df.to_numpy(), 1e-3))
        return pd.Series(p, index=self.params.index, name="pvalues")

    def conf_int(self, level: float = 0.95, *, alpha: float | None = None) -> pd.DataFrame:
        """``Q̄ ± t_{ν, 1−α/2} √t`` for each parameter.

        Examples
        --------
        >>> r = rubin([pd.Series({"a": 1.0}), pd.Series({"a": 3.0})],
        ...           [pd.Series({"a": 0.5}), pd.Series({"a": 1.5})])
        >>> r.conf_int(0.9).columns.tolist()
        ['lower', 'upper']
        """
        q = sps.t.isf(check_tail(level, alpha) / 2, self.df.to_numpy())
        half = q * self.std_errors.to_numpy()
        est = self.params.to_numpy()
        return pd.DataFrame({"lower": est - half, "upper": est + half}, index=self.params.index)

    def cov_params(self) -> pd.DataFrame:
        """The total covariance ``T = Ū + (1 + 1/m)B`` of the pooled estimates.

        Raises
        ------
        InvalidOptionError
            When the analyses gave standard errors only (no ``cov_params()``).
        """
        if self.total_cov is None:
            raise InvalidOptionError(
                "The analyses gave standard errors only, so the covariances between pooled "
                "estimates are unknown; return a result with cov_params() from the analysis "
                "function.")
        return self.total_cov

    def _table(self, level: float) -> pd.DataFrame:
        ci = self.conf_int(level)
        return pd.DataFrame({"Estimate": self.params, "Std. Err.": self.std_errors,
                             "t": self.tvalues, "df": self.df, "P>|t|": self.pvalues,
                             "Lower CI": ci["lower"], "Upper CI": ci["upper"],
                             "FMI": self.fmi})

    def summary(self, level: float = 0.95) -> str:
        """Text table of the pooled estimates with their inference.

        Examples
        --------
        >>> r = rubin([pd.Series({"a": 1.0}), pd.Series({"a": 3.0})],
        ...           [pd.Series({"a": 0.5}), pd.Series({"a": 1.5})])
        >>> r.summary().splitlines()[0].strip()
        "Multiple Imputation: Rubin's Rules"
        """
        table = self._table(level).to_string(float_format=lambda v: f"{v:.4g}", na_rep="")
        width = max(78, len(table.splitlines()[0]))
        dfcom = "inf" if np.isinf(self.dfcom) else f"{self.dfcom:g}"
        return "\n".join([
            "Multiple Imputation: Rubin's Rules".center(width).rstrip(), "=" * width,
            f"Imputations: {self.m}    Complete-data df: {dfcom}", "=" * width,
            *table.splitlines(), "=" * width,
            f"Standard errors: total variance ū + (1 + 1/m) b; {level * 100:g}% intervals "
            "and p-values from Student's t with Barnard-Rubin df; FMI as mice's pool()."])

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        title = f"Multiple Imputation: Rubin's Rules ({self.m} imputations)"
        return (f"<h4>{html.escape(title)}</h4>"
                + self._table(0.95).to_html(float_format=lambda v: f"{v:.4g}"))


def _barnard_rubin(lam: np.ndarray, m: int, dfcom: float) -> np.ndarray:
    """Barnard & Rubin's (1999) degrees of freedom, as mice computes them."""
    lam = np.maximum(lam, LAMBDA_FLOOR)
    old = (m - 1) / lam**2
    if np.isinf(dfcom):
        return np.asarray(old)
    observed = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lam)
    return np.asarray(old * observed / (old + observed))


def rubin(estimates: Sequence[pd.Series], covariances: Sequence[pd.Series | pd.DataFrame],
          dfcom: float = np.inf) -> PooledResult:
    """Rubin's rules for ``m`` estimate vectors and their variances (Series) or covariance
    matrices (DataFrames), all labelled alike.

    Examples
    --------
    >>> r = rubin([pd.Series({"a": 1.0}), pd.Series({"a": 3.0})],
    ...           [pd.Series({"a": 0.5}), pd.Series({"a": 1.5})], dfcom=10)
    >>> round(float(r.df["a"]), 4)
    0.966
    """
    m = len(estimates)
    if m < 2:
        raise InvalidOptionError(
            f"Rubin's rules need at least 2 imputations (the between-imputation variance "
            f"has divisor m - 1); got {m}. Impute with m >= 2 (20 or more is usual).")
    names = estimates[0].index
    q = np.array([e.to_numpy(dtype=float) for e in estimates])
    full = all(isinstance(c, pd.DataFrame) for c in covariances)
    if full:
        u = np.array([c.to_numpy(dtype=float) for c in covariances])
        within_cov = u.mean(axis=0)
        within = np.diag(within_cov)
    else:
        within = np.array([np.diag(c) if isinstance(c, pd.DataFrame) else c.to_numpy(float)
                           for c in covariances]).mean(axis=0)
    qbar = q.mean(axis=0)
    dev = q - qbar
    between_cov = dev.T @ dev / (m - 1)
    between = np.diag(between_cov)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = (1 + 1 / m) * between / (within + (1 + 1 / m) * between)
    total = None
    if full:
        total = pd.DataFrame(within_cov + (1 + 1 / m) * between_cov, index=names, columns=names)
    return PooledResult(pd.Series(qbar, index=names, name="params"),
                        pd.Series(within, index=names, name="within"),
                        pd.Series(between, index=names, name="between"),
                        pd.Series(_barnard_rubin(lam, m, dfcom), index=names, name="df"),
                        m, float(dfcom), total)


def _params(result: Any, i: int) -> pd.Series:
    params = getattr(result, "params", None)
    if params is None:
        raise InvalidOptionError(
            f"{arg('fn')} must return a fitted result with .params and .cov_params() (or "
            f".std_errors, or .bse), such as an MVNResult or a statsmodels results object; "
            f"got {describe(result)} for imputation {i}.")
    if isinstance(params, pd.Series):
        return params.astype(float)
    return pd.Series(np.atleast_1d(np.asarray(params, dtype=float)))


def _covariance(result: Any, names: pd.Index) -> pd.Series | pd.DataFrame:
    """The result's ``cov_params()`` (a DataFrame), else its standard errors squared."""
    if callable(getattr(result, "cov_params", None)):
        try:
            cov = result.cov_params()
        except MVNEstimateError:  # too large to build, or not available: variances only
            cov = None
        if cov is not None:
            values = np.asarray(cov, dtype=float)
            if values.shape == (len(names), len(names)):
                return pd.DataFrame(values, index=names, columns=names)
    for attr in ("std_errors", "bse"):
        se = getattr(result, attr, None)
        if se is not None:
            return pd.Series(np.asarray(se, dtype=float) ** 2, index=names)
    raise InvalidOptionError(
        f"{arg('fn')} must return a result with .cov_params() or .std_errors (or .bse); "
        f"got {describe(result)}.")


def _dfcom(results: list[Any], dfcom: Any) -> float:
    if dfcom is not None:
        if isinstance(dfcom, float | int) and np.isinf(dfcom) and dfcom > 0:
            return float("inf")
        return check_real(dfcom, "dfcom", low=0.0)
    value = getattr(results[0], "df_resid", None)
    return float(value) if isinstance(value, int | float | np.number) and value > 0 \
        else float("inf")


def pool_results(frames: Sequence[pd.DataFrame], fn: Callable[[pd.DataFrame], Any],
                 dfcom: Any = None) -> PooledResult:
    """``fn`` applied to each completed data set, pooled by :func:`rubin` (see
    :meth:`Imputations.pool`)."""
    if not callable(fn):
        raise InvalidOptionError(f"{arg('fn')} must be a function of one completed DataFrame "
                                 f"returning a fitted result; got {describe(fn)}.")
    results = [fn(frame) for frame in frames]
    estimates = [_params(r, i) for i, r in enumerate(results)]
    names = estimates[0].index
    for i, e in enumerate(estimates[1:], start=1):
        if not e.index.equals(names):
            raise LabelError(
                f"{arg('fn')} returned other parameters for imputation {i} "
                f"({list(e.index)[:6]}) than for imputation 0 ({list(names)[:6]}); each "
                "analysis must estimate the same parameters.")
    covariances = [_covariance(r, names) for r in results]
    return rubin(estimates, covariances, _dfcom(results, dfcom))
