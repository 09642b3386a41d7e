"""``RegressionResult``: the frozen, pandas-labelled result of a regression — from a joint
normal fit (random x), a fixed-x multivariate regression, or seemingly unrelated regressions.
Like :class:`~mvn_estimate.MVNResult`, it holds one estimator of the covariance of the
estimates, from which every inferential quantity derives."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._validate import check_level, check_tail
from ..exceptions import InvalidOptionError, setting
from ..inference import (
    HypothesisTest,
    ParamCovariance,
    estimates_table,
    manova_table,
    render_html,
    render_text,
    wald_intervals,
    wald_named,
    wald_pvalues,
)
from ..linalg import vech_indices

__all__ = ["MultivariateTests", "RegressionResult"]


@dataclass(frozen=True)
class MultivariateTests:
    """What the multivariate tests of each regressor need: the error SSCP ``E``, each term's
    hypothesis SSCP ``H`` (adjusted for the other regressors: type III) and the error
    degrees of freedom."""

    error: np.ndarray
    terms: dict[str, np.ndarray]
    df_resid: float


@dataclass(frozen=True, eq=False)
class RegressionResult:
    """A multivariate regression ``y = a + C x + e``, ``e ~ N(0, Ψ)``.

    Attributes
    ----------
    params : Series
        ``intercept[<y>]``, ``coef[<y>,<x>]`` (response-major), ``resid_cov[<a>,<b>]`` (vech
        order). For seemingly unrelated regressions ``<y>`` is the equation's name and only
        the regressors of each equation appear.
    coef : DataFrame
        Rows ``"Intercept"`` and the regressors, columns the responses (equations); NaN where
        a regressor is not in an equation.
    resid_cov : DataFrame
        The ML residual covariance ``Ψ̂`` (divisor n).
    rsquared : Series
        ``1 − Ψ̂_jj / σ̂²_yj`` per response (ML moments, as lavaan and ``summary(lm)``).
    loglike : float
        The log-likelihood of the model the estimates come from: of the joint normal of
        ``(y, x)`` for a regression derived from a joint fit (lavaan's ``fixed.x=FALSE``); of
        ``y`` given ``x`` for :func:`mvn_estimate.regress` (lavaan's ``fixed.x=TRUE``, R's
        ``logLik`` of a multivariate ``lm`` at the ML residual covariance).
    nobs : float
    kind : str
        ``"random x"``, ``"fixed x"``, ``"SUR"`` (iterated to the ML) or ``"SUR two-step"``.
    missing : str
        The missing-value policy of the fit behind the estimates.
    param_cov : ParamCovariance
        The one estimator of the covariance of the estimates.
    df_resid : float or None
        ``n − k`` when inference uses Student's t (``small_sample=True``); None for normal
        (Wald) inference.
    iterations : int or None
        Iterations of seemingly unrelated regressions.

    Examples
    --------
    >>> import pandas as pd, mvn_estimate as me
    >>> iris = pd.read_csv("data/iris.csv")
    >>> r = me.regress(iris, y=["Sepal.Length"], x=["Petal.Length"])
    >>> round(float(r.coef.loc["Petal.Length", "Sepal.Length"]), 4)
    0.4089
    """

    params: pd.Series
    coef: pd.DataFrame
    resid_cov: pd.DataFrame
    rsquared: pd.Series
    loglike: float
    nobs: float
    kind: str
    missing: str
    param_cov: ParamCovariance = field(repr=False, compare=False)
    df_resid: float | None = None
    iterations: int | None = None
    tests: MultivariateTests | None = field(default=None, repr=False, compare=False)

    # -- derived ---------------------------------------------------------------------------
    @property
    def intercept(self) -> pd.Series:
        """The intercepts, one per response (the ``"Intercept"`` row of :attr:`coef`)."""
        return pd.Series(self.coef.loc["Intercept"].to_numpy(dtype=float),
                         index=self.coef.columns, name="intercept")

    @property
    def cov_type(self) -> str:
        """``"classic"`` or ``"robust"``."""
        return self.param_cov.cov_type

    @property
    def nparams(self) -> int:
        """Number of parameters."""
        return int(self.params.size)

    @cached_property
    def std_errors(self) -> pd.Series:
        """Standard errors of :attr:`params`."""
        return pd.Series(self.param_cov.std(), index=self.params.index, name="std_errors")

    @cached_property
    def param_kinds(self) -> pd.Series:
        """``"variance"`` for the residual variances, ``"free"`` otherwise."""
        rows, cols = vech_indices(self.resid_cov.shape[0])
        kinds = np.full(self.params.size, "free", dtype=object)
        kinds[self.params.size - rows.size:][rows == cols] = "variance"
        return pd.Series(kinds, index=self.params.index, name="kind")

    @cached_property
    def tvalues(self) -> pd.Series:
        """``params / std_errors`` (z-values; t-values with ``small_sample=True``)."""
        return (self.params / self.std_errors).rename("tvalues")

    @cached_property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values of :attr:`tvalues` (normal, or t with ``df_resid`` degrees of
        freedom); NaN for residual variances."""
        p = wald_pvalues(self.tvalues.to_numpy(), self.param_kinds.to_numpy(), self.df_resid)
        return pd.Series(p, index=self.params.index, name="pvalues")

    def cov_params(self) -> pd.DataFrame:
        """Dense covariance matrix of :attr:`params`."""
        names = self.params.index
        return pd.DataFrame(self.param_cov.dense(), index=names, columns=names)

    def conf_int(self, level: float = 0.95, *, alpha: float | None = None) -> pd.DataFrame:
        """Wald intervals (residual variances on the log scale; t quantiles with
        ``small_sample=True``).

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> iris = pd.read_csv("data/iris.csv")
        >>> ci = me.regress(iris, y=["Sepal.Length"], x=["Petal.Length"]).conf_int()
        >>> ci.columns.tolist()
        ['lower', 'upper']
        """
        tail = check_tail(level, alpha)
        dist = sps.norm if self.df_resid is None else sps.t(self.df_resid)
        lower, upper = wald_intervals(self.params.to_numpy(), self.std_errors.to_numpy(),
                                      self.param_kinds.to_numpy(), float(dist.isf(tail / 2)))
        return pd.DataFrame({"lower": lower, "upper": upper}, index=self.params.index)

    def wald_test(self, R: Any, r: Any = None) -> HypothesisTest:
        """Wald test of ``Rθ = r`` over :attr:`params` (a matrix, or hypotheses written as
        text such as ``"coef[a,x] = coef[b,x]"``), with :meth:`cov_params`.

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> iris = pd.read_csv("data/iris.csv")
        >>> r = me.regress(iris, y=["Sepal.Length"], x=["Petal.Length", "Petal.Width"])
        >>> r.wald_test("coef[Sepal.Length,Petal.Width] = 0").df
        1.0
        """
        return wald_named(self.params, self.param_cov.dense(), R, r)

    def mv_test(self) -> pd.DataFrame:
        """Multivariate tests of each regressor adjusted for the others (type III):
        Pillai, Wilks, Hotelling–Lawley and Roy with their F approximations, as
        ``car::Anova(fit, type="III")`` for ``lm(cbind(y...) ~ x...)`` and statsmodels'
        ``mv_test``. For complete data (a fixed-x regression without ``missing="em"``).

        Returns
        -------
        DataFrame
            Indexed by (term, statistic): ``statistic``, ``fvalue``, ``df``, ``df_denom``,
            ``pvalue``.

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> iris = pd.read_csv("data/iris.csv")
        >>> r = me.regress(iris, y=["Sepal.Length", "Sepal.Width"], x=["Petal.Length"])
        >>> r.mv_test().loc[("Petal.Length", "Pillai"), "df"]
        np.float64(2.0)
        """
        if self.tests is None:
            raise InvalidOptionError(
                f"mv_test needs the error and hypothesis SSCP matrices of complete data: this "
                f"is a {self.kind} regression with {setting('missing', self.missing)}. Use "
                "mvn_estimate.regress(...) on complete data, or wald_test for Wald tests "
                "with this fit's standard errors.")
        t = self.tests
        parts = {term: manova_table(t.error, h, 1, t.df_resid) for term, h in t.terms.items()}
        return pd.concat(parts, names=["term", "test"])

    # -- presentation ---------------------------------------------------------------------
    def _table(self, level: float) -> pd.DataFrame:
        return estimates_table(self.params, self.std_errors, self.tvalues, self.pvalues,
                               self.conf_int(level), "t" if self.df_resid else "z")

    def _header(self) -> list[tuple[str, str, str, str]]:
        rows = [("No. Observations:", f"{self.nobs:g}", "Log-Likelihood:",
                 f"{self.loglike:.4f}"),
                ("No. Responses:", str(self.coef.shape[1]), "No. Regressors:",
                 str(self.coef.shape[0] - 1)),
                ("Model:", self.kind, "No. Parameters:", str(self.nparams)),
                ("Missing:", self.missing, "Covariance Type:", self.cov_type)]
        if self.iterations is not None:
            rows.append(("Iterations:", str(self.iterations), "", ""))
        rows.append(("R-squared:", ", ".join(f"{v:.4f}" for v in self.rsquared), "", ""))
        return rows

    def summary(self, level: float = 0.95) -> str:
        """Text table: fit statistics, then each parameter with inference.

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> iris = pd.read_csv("data/iris.csv")
        >>> r = me.regress(iris, y=["Sepal.Length"], x=["Petal.Length"])
        >>> r.summary().splitlines()[0].strip()
        'Multivariate Regression (fixed x)'
        """
        level = check_level(level, None)
        dist = "normal" if self.df_resid is None else f"t({self.df_resid:g})"
        notes = [f"Standard errors: {self.cov_type}, {self.param_cov.formula}.",
                 f"Confidence intervals: {level * 100:g}% Wald ({dist}; residual variances "
                 "on the log scale); no p-values for variances."]
        return render_text(f"Multivariate Regression ({self.kind})", self._header(),
                           self._table(level), (), notes)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return render_html(f"Multivariate Regression ({self.kind})", self._header(),
                           self._table(0.95))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary (None where a number is undefined).

        Examples
        --------
        >>> import json, pandas as pd, mvn_estimate as me
        >>> iris = pd.read_csv("data/iris.csv")
        >>> d = me.regress(iris, y=["Sepal.Length"], x=["Petal.Length"]).to_dict()
        >>> json.loads(json.dumps(d, allow_nan=False))["kind"]
        'fixed x'
        """
        def clean(v: Any) -> Any:
            return None if isinstance(v, float) and not np.isfinite(v) else v

        return {"kind": self.kind, "nobs": self.nobs, "loglike": clean(self.loglike),
                "missing": self.missing, "cov_type": self.cov_type,
                "responses": [str(c) for c in self.coef.columns],
                "regressors": [str(c) for c in self.coef.index],
                "params": {k: clean(v) for k, v in self.params.items()},
                "std_errors": {k: clean(v) for k, v in self.std_errors.items()},
                "coef": [[clean(v) for v in row] for row in self.coef.to_numpy().tolist()],
                "resid_cov": self.resid_cov.to_numpy().tolist(),
                "rsquared": [clean(v) for v in self.rsquared.tolist()],
                "df_resid": self.df_resid, "iterations": self.iterations}
