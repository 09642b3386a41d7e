"""``TResult``: the frozen, pandas-labelled result of :func:`~mvn_estimate.fit_t`. Like
:class:`~mvn_estimate.MVNResult` it holds one estimator of the covariance of the estimates,
from which ``std_errors``, ``cov_params()``, ``conf_int`` and p-values derive, and it reads
through the same table and summary machinery."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._typing import FloatArray
from .._validate import check_level, check_real, check_tail
from ..data import ROW_ADVICE, Dataset, Source, locate_nonfinite, select_columns
from ..exceptions import InvalidOptionError, NumericalRangeError
from ..inference import (
    HypothesisTest,
    ParamCovariance,
    estimates_table,
    render_html,
    render_text,
    wald_intervals,
    wald_named,
    wald_pvalues,
)
from ..linalg import vech_indices
from ..model import param_names, t_logdensity
from ._results import EMInfo
from ._t_passes import observed_groups

if TYPE_CHECKING:
    from ._estimate import Estimate
    from ._spec import FitSpec

__all__ = ["TResult", "t_result"]


@dataclass(frozen=True, eq=False)
class TResult:
    """Maximum-likelihood fit of a multivariate t distribution (see
    :func:`mvn_estimate.fit_t`).

    Attributes
    ----------
    mean : Series
        The location ``μ̂`` (the mean when ``ν > 1``).
    scatter : DataFrame
        The scale matrix ``Σ̂`` (the covariance is ``ν/(ν − 2)·Σ̂``, :attr:`cov`).
    df : float
        The degrees of freedom ``ν̂`` (or the fixed value).
    df_fixed : bool
        Whether ``df`` was given rather than estimated.
    nobs : float
        Number of observations (total weight when weighted).
    loglike : float
        The (observed-data) log-likelihood at the estimate.
    missing : str
        The missing-value policy (``"raise"``, ``"drop"``, ``"em"``).
    nobs_dropped : int
        Rows dropped (``"drop"``) or with nothing observed (``"em"``).
    weights_kind : str or None
        ``"frequency"`` or ``"analytic"`` for a weighted fit.
    em : EMInfo
        Iterations and convergence of the ECME iterations (patterns for ``missing="em"``).
    at_bounds : tuple of str
        ``("df",)`` when the estimate of ``ν`` ended at a bound of its range.
    data_id : str
        A digest of the data's summaries.
    param_cov : ParamCovariance
        The inverse observed information over ``(μ, vech Σ[, ν])``.
    data : Dataset or None
        The fitted rows (in memory), for :meth:`outliers`.

    Examples
    --------
    >>> import pandas as pd, mvn_estimate as me
    >>> x = pd.read_csv("tests/reference/data/t_n200_p3.csv")
    >>> res = me.fit_t(x, df=5)
    >>> res.params.index.tolist()[:4]
    ['mean[a]', 'mean[b]', 'mean[c]', 'scatter[a,a]']
    """

    mean: pd.Series
    scatter: pd.DataFrame
    df: float
    df_fixed: bool
    nobs: float
    loglike: float
    missing: str
    nobs_dropped: int
    weights_kind: str | None
    em: EMInfo
    at_bounds: tuple[str, ...]
    data_id: str = field(repr=False)
    param_cov: ParamCovariance = field(repr=False, compare=False)
    data: Dataset | None = field(default=None, repr=False, compare=False)

    # -- derived ---------------------------------------------------------------------------
    @property
    def cov(self) -> pd.DataFrame:
        """The covariance ``ν/(ν − 2)·Σ̂`` of the fitted t (finite only when ``ν > 2``).

        Raises
        ------
        NumericalRangeError
            ``ν ≤ 2``: the fitted distribution has infinite variances.
        """
        if self.df <= 2:
            raise NumericalRangeError(
                f"A multivariate t with ν = {self.df:.4g} ≤ 2 degrees of freedom has infinite "
                "variances, so the fit has no covariance; use .scatter (the scale matrix), or "
                "fix df above 2 if a covariance is what you need.")
        return self.scatter * (self.df / (self.df - 2))

    @property
    def labels(self) -> pd.Index:
        """Variable labels as given."""
        return self.mean.index

    @property
    def nvars(self) -> int:
        """Number of variables ``p``."""
        return int(self.mean.size)

    @property
    def nparams(self) -> int:
        """``p`` locations, ``p(p+1)/2`` scatter entries, and ``ν`` when estimated."""
        p = self.nvars
        return p + p * (p + 1) // 2 + (0 if self.df_fixed else 1)

    @property
    def cov_type(self) -> str:
        """``"classic"``: the inverse observed information."""
        return self.param_cov.cov_type

    @cached_property
    def params(self) -> pd.Series:
        """``(μ̂, vech Σ̂[, ν̂])`` labelled ``mean[x]``, ``scatter[x,y]`` and ``df``."""
        names = [str(c) for c in self.labels]
        labels = [n.replace("cov[", "scatter[", 1) for n in param_names(names)]
        values = [self.mean.to_numpy(), self.scatter.to_numpy()[vech_indices(self.nvars)]]
        if not self.df_fixed:
            labels.append("df")
            values.append(np.array([self.df]))
        return pd.Series(np.concatenate(values), index=labels, name="params")

    @cached_property
    def param_kinds(self) -> pd.Series:
        """``"variance"`` for the scatter's diagonal, ``"positive"`` for ``df``, ``"free"``
        otherwise (see :meth:`conf_int`)."""
        rows, cols = vech_indices(self.nvars)
        kinds = ["free"] * self.nvars + ["variance" if r == c else "free"
                                         for r, c in zip(rows, cols, strict=True)]
        return pd.Series(kinds + ([] if self.df_fixed else ["positive"]),
                         index=self.params.index, name="kind")

    def _scale_kinds(self) -> np.ndarray:
        """Kinds for the Wald machinery: ``ν`` is treated as a variance (log scale)."""
        return np.where(self.param_kinds == "positive", "variance", self.param_kinds)

    @cached_property
    def std_errors(self) -> pd.Series:
        """Standard errors of :attr:`params`, from the inverse observed information."""
        return pd.Series(self.param_cov.std(), index=self.params.index, name="std_errors")

    @cached_property
    def zvalues(self) -> pd.Series:
        """``params / std_errors``."""
        return (self.params / self.std_errors).rename("zvalues")

    @cached_property
    def pvalues(self) -> pd.Series:
        """Two-sided normal p-values; NaN for the scatter's diagonal and ``df`` (positive
        parameters, for which "= 0" is on the boundary)."""
        p = wald_pvalues(self.zvalues.to_numpy(), self._scale_kinds())
        return pd.Series(p, index=self.params.index, name="pvalues")

    @property
    def aic(self) -> float:
        """``−2 ln L + 2k``."""
        return -2.0 * self.loglike + 2.0 * self.nparams

    @property
    def bic(self) -> float:
        """``−2 ln L + k ln n``."""
        return -2.0 * self.loglike + self.nparams * float(np.log(self.nobs))

    @cached_property
    def corr(self) -> pd.DataFrame:
        """The correlation matrix (of the scatter, which is that of the covariance)."""
        s = self.scatter.to_numpy()
        d = np.sqrt(np.diag(s))
        return pd.DataFrame(s / np.outer(d, d), index=self.labels, columns=self.labels)

    # -- inference -------------------------------------------------------------------------
    def conf_int(self, level: float = 0.95, *, alpha: float | None = None) -> pd.DataFrame:
        """Wald intervals: the scatter's diagonal and ``df`` on the log scale, the rest
        ``θ̂ ± z·se``.

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> x = pd.read_csv("tests/reference/data/t_n200_p3.csv")
        >>> ci = me.fit_t(x).conf_int()
        >>> bool(ci.loc["df", "lower"] > 0)
        True
        """
        q = float(sps.norm.isf(check_tail(level, alpha) / 2))
        lower, upper = wald_intervals(self.params.to_numpy(), self.std_errors.to_numpy(),
                                      self._scale_kinds(), q)
        return pd.DataFrame({"lower": lower, "upper": upper}, index=self.params.index)

    def cov_params(self) -> pd.DataFrame:
        """Dense covariance matrix of :attr:`params` (the inverse observed information)."""
        names = self.params.index
        return pd.DataFrame(self.param_cov.dense(), index=names, columns=names)

    def wald_test(self, R: Any, r: Any = None) -> HypothesisTest:
        """Wald test of ``Rθ = r`` over :attr:`params` (a matrix, or hypotheses as text such
        as ``"mean[a] = mean[b]"``).

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> x = pd.read_csv("tests/reference/data/t_n200_p3.csv")
        >>> me.fit_t(x, df=5).wald_test("mean[a] = 1").df
        1.0
        """
        return wald_named(self.params, self.param_cov.dense(), R, r)

    # -- rows under the fitted t -----------------------------------------------------------
    def _rows(self, data: Any) -> Dataset:
        if data is not None:
            return select_columns(data, self.labels)
        if self.data is None:
            raise InvalidOptionError("This result keeps no data (it was fitted from a file or "
                                     "a Dask collection); pass the rows as data=.")
        return self.data

    def _distances(self, ds: Dataset) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Squared distances ``Q`` over each row's observed entries, their number ``k`` and
        ``½ ln|Σ_oo|`` (NaN for rows with nothing observed)."""
        x, mu, s = ds.values, self.mean.to_numpy(), self.scatter.to_numpy()
        if np.isinf(x).any():
            locate_nonfinite(ds, advice=ROW_ADVICE, allow_nan=True)
        q, k, half = (np.full(ds.nobs, np.nan) for _ in range(3))
        for rows, o in observed_groups(x):
            low = np.linalg.cholesky(s[np.ix_(o, o)])
            u = np.linalg.solve(low, (x[np.ix_(rows, o)] - mu[o]).T)
            q[rows] = np.einsum("ij,ij->j", u, u)
            k[rows] = o.size
            half[rows] = float(np.log(np.diag(low)).sum())
        return q, k, half

    def _series(self, values: FloatArray, ds: Dataset, name: str) -> Any:
        return pd.Series(values, index=ds.index, name=name) if ds.labelled else values

    def mahalanobis(self, data: Any) -> FloatArray | pd.Series:
        """Squared distances ``(x − μ̂)ᵀΣ̂⁻¹(x − μ̂)`` to the location and scatter (over the
        observed entries of incomplete rows).

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> x = pd.read_csv("tests/reference/data/t_n200_p3.csv")
        >>> res = me.fit_t(x, df=5)
        >>> float(res.mahalanobis(res.mean.to_frame().T).iloc[0])
        0.0
        """
        ds = select_columns(data, self.labels)
        return self._series(self._distances(ds)[0], ds, "mahalanobis")

    def logpdf(self, data: Any) -> FloatArray | pd.Series:
        """The fitted t's log-density of each row (of its observed entries).

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> x = pd.read_csv("tests/reference/data/t_n200_p3.csv")
        >>> res = me.fit_t(x, df=5)
        >>> bool(abs(res.logpdf(x).sum() - res.loglike) < 1e-8)
        True
        """
        ds = select_columns(data, self.labels)
        q, k, half = self._distances(ds)
        return self._series(t_logdensity(q, k, self.df) - half, ds, "logpdf")

    def outliers(self, alpha: float = 0.05, *, data: Any = None) -> pd.DataFrame:
        """Rows unusually far from the fitted t: ``Q/k ~ F(k, ν)`` for a row of the fitted
        distribution with ``k`` observed entries (exact with the parameters known).

        Parameters
        ----------
        alpha : float, default 0.05
            Per-row level (for a family-wise level over ``n`` rows use ``alpha / n``).
        data : DataFrame or array, optional
            Rows to judge; default the fitted rows.

        Returns
        -------
        DataFrame
            ``distance`` (``Q``), ``df`` (``k``), ``pvalue`` and ``outlier``.

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> x = pd.read_csv("tests/reference/data/t_n200_p3.csv")
        >>> out = me.fit_t(x).outliers(alpha=0.01)
        >>> out.columns.tolist()
        ['distance', 'df', 'pvalue', 'outlier']
        """
        a = check_real(alpha, "alpha", low=0.0, high=1.0)
        ds = self._rows(data)
        q, k, _ = self._distances(ds)
        with np.errstate(invalid="ignore"):
            pval = sps.f.sf(q / k, k, self.df)
        index = ds.index if ds.index is not None else pd.RangeIndex(ds.nobs)
        return pd.DataFrame({"distance": q, "df": k, "pvalue": pval, "outlier": pval < a},
                            index=index)

    # -- presentation ----------------------------------------------------------------------
    def _table(self, level: float) -> pd.DataFrame:
        return estimates_table(self.params, self.std_errors, self.zvalues, self.pvalues,
                               self.conf_int(level))

    def _header(self) -> list[tuple[str, str, str, str]]:
        df = f"{self.df:.4g}" + (" (fixed)" if self.df_fixed else "")
        rows = [("No. Observations:", f"{self.nobs:g}", "Log-Likelihood:", f"{self.loglike:.4f}"),
                ("No. Variables:", str(self.nvars), "AIC:", f"{self.aic:.4f}"),
                ("df (ν):", df, "BIC:", f"{self.bic:.4f}"),
                ("Missing:", self.missing, "No. Parameters:", str(self.nparams)),
                ("Iterations:", str(self.em.iterations), "Converged:",
                 "yes" if self.em.converged else "NO")]
        if self.weights_kind is not None:
            rows.append(("Weights:", self.weights_kind, "", ""))
        if self.nobs_dropped:
            rows.append(("Rows Dropped:", str(self.nobs_dropped), "", ""))
        if self.at_bounds:
            rows.append(("At bounds:", ", ".join(self.at_bounds), "", ""))
        return rows

    def summary(self, level: float = 0.95) -> str:
        """Text table: fit statistics, then each parameter with inference.

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> x = pd.read_csv("tests/reference/data/t_n200_p3.csv")
        >>> me.fit_t(x).summary().splitlines()[0].strip()
        'Multivariate t Maximum-Likelihood Estimates'
        """
        level = check_level(level, None)
        notes = [f"Standard errors: {self.param_cov.formula}.",
                 f"Confidence intervals: {level * 100:g}% Wald (scatter variances and df on "
                 "the log scale); no p-values for them. Covariance = df/(df − 2) × scatter."]
        return render_text("Multivariate t Maximum-Likelihood Estimates", self._header(),
                           self._table(level), (), notes)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return render_html("Multivariate t Maximum-Likelihood Estimates", self._header(),
                           self._table(0.95))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary (None where a number is undefined).

        Examples
        --------
        >>> import json, pandas as pd, mvn_estimate as me
        >>> x = pd.read_csv("tests/reference/data/t_n200_p3.csv")
        >>> d = me.fit_t(x, df=5).to_dict()
        >>> json.loads(json.dumps(d, allow_nan=False))["df"]
        5.0
        """
        def clean(v: Any) -> Any:
            return None if isinstance(v, float) and not np.isfinite(v) else v

        names = [str(c) for c in self.labels]
        return {"names": names, "nobs": self.nobs, "nvars": self.nvars, "df": self.df,
                "df_fixed": self.df_fixed, "loglike": self.loglike, "aic": self.aic,
                "bic": self.bic, "mean": dict(zip(names, self.mean.tolist(), strict=True)),
                "scatter": self.scatter.to_numpy().tolist(),
                "params": {k: clean(v) for k, v in self.params.items()},
                "std_errors": {k: clean(v) for k, v in self.std_errors.items()},
                "missing": self.missing, "nobs_dropped": self.nobs_dropped,
                "weights_kind": self.weights_kind, "at_bounds": list(self.at_bounds),
                "iterations": self.em.iterations, "converged": self.em.converged}


def t_result(source: Source, spec: FitSpec, e: Estimate,
             covariance: ParamCovariance) -> TResult:
    """The result of a t fit, in the data's units and labels."""
    labels = source.labels
    scatter = e.units.unscale_cov(e.cov, labels)
    assert e.em is not None and e.observed is not None
    return TResult(
        mean=pd.Series(e.mean * e.units.scale, index=labels, name="mean"),
        scatter=pd.DataFrame((scatter + scatter.T) / 2, index=labels, columns=labels),
        df=float(e.theta[0]), df_fixed=spec.nu is not None, nobs=float(e.nobs),
        loglike=float(e.units.unscale_loglike(e.loglike, e.observed)), missing=spec.missing,
        nobs_dropped=e.dropped, em=e.em, at_bounds=e.at_bounds, data_id=e.data_id,
        weights_kind=spec.weights_kind if spec.weighted else None, param_cov=covariance,
        data=e.kept if source.in_memory else None)
