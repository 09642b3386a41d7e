"""``MVNResult``: the frozen, pandas-labelled result of a fit, and its summary.

A result holds one estimator of the covariance of the estimates (``param_cov``); everything
inferential — ``std_errors``, ``cov_params()``, ``conf_int``, ``pvalues`` — derives from it.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._typing import FloatArray
from .._validate import check_level
from ..data import ROW_ADVICE, Dataset, locate_nonfinite, select_columns
from ..guards import ShrinkageResult
from ..inference import ParamCovariance
from ..linalg import PDFactor
from ..model import CovarianceStructure, loglike_rows, param_names
from ._analysis import Analysis

__all__ = ["EMInfo", "MVNResult"]


@dataclass(frozen=True)
class EMInfo:
    """How an EM fit with missing data went.

    Attributes
    ----------
    iterations : int
    converged : bool
    npatterns : int
        Distinct missingness patterns among the rows used.
    missing_fraction : Series
        Fraction of missing values per column.
    rows_all_missing : int
        Rows with no observed value (reported and excluded).
    information : str
        ``"observed"`` or ``"expected"``.
    newton_steps : int
        Newton steps taken after EM (see :mod:`mvn_estimate.em`).

    Examples
    --------
    >>> import mvn_estimate as me
    >>> x = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 4.0], [5.0, 7.0]])
    >>> me.fit(x, missing="em").em.rows_all_missing
    0
    """

    iterations: int
    converged: bool
    npatterns: int
    missing_fraction: pd.Series
    rows_all_missing: int
    information: str
    newton_steps: int = 0


@dataclass(frozen=True)
class MVNResult(Analysis):
    """Maximum-likelihood fit of a multivariate normal.

    Attributes
    ----------
    mean : Series
        ``μ̂``, indexed by variable.
    cov : DataFrame
        ``Σ̂ = S/n``, the ML (biased) covariance.
    nobs : float
        Number of observations (total weight when weighted).
    loglike : float
        Log-likelihood at the estimate.
    std_errors : Series
        Standard errors of ``params`` (per ``cov_type``).
    cov_type : str
        ``"classic"`` or ``"robust"``.
    missing : str
        Missing-value policy used (``"raise"``, ``"drop"``, ``"em"``).
    nobs_dropped : int
        Rows dropped (``missing="drop"``) or excluded as entirely missing (``"em"``).
    em : EMInfo or None
        Iterations, convergence and patterns for ``missing="em"``.
    weights_kind : str or None
        ``"frequency"`` or ``"analytic"`` for a weighted fit, None when unweighted.
    structure : CovarianceStructure
        The covariance model (bound to the variables); unstructured by default.
    theta : ndarray
        The structure's parameters (``vech Σ̂`` for the unstructured model).
    at_bounds : tuple of str
        Parameters held at a bound (a Heywood case of a factor model); no standard errors.
    shrinkage : ShrinkageResult or None
        For ``fit(..., shrinkage=...)``: the intensity, target and method (no standard
        errors then).
    data : Dataset or None
        The fitted rows (a reference, not a copy, for an ndarray), kept for
        :meth:`outliers` and the plots; None when fitted from a file or statistics.
    data_id : str
        A digest of the data's summaries (counts and means of the observed values), equal
        for fits of the same data whatever the model: what :func:`lr_test` compares.
    param_cov : ParamCovariance
        The one estimator of the covariance of the estimates: ``std_errors``,
        :meth:`cov_params`, :meth:`conf_int` and p-values all derive from it.

    Examples
    --------
    >>> import mvn_estimate as me
    >>> res = me.fit(np.array([[1.0, 2.0], [2.0, 1.0], [4.0, 5.0], [3.0, 3.0]]))
    >>> res.params.index.tolist()
    ['mean[x0]', 'mean[x1]', 'cov[x0,x0]', 'cov[x0,x1]', 'cov[x1,x1]']
    """

    mean: pd.Series
    cov: pd.DataFrame
    nobs: float
    loglike: float
    cov_type: str
    missing: str
    nobs_dropped: int
    em: EMInfo | None
    weights_kind: str | None
    structure: CovarianceStructure = field(repr=False)
    theta: FloatArray = field(repr=False, compare=False)
    at_bounds: tuple[str, ...]
    data_id: str = field(repr=False)
    param_cov: ParamCovariance = field(repr=False, compare=False)
    data: Dataset | None = field(default=None, repr=False, compare=False)
    shrinkage: ShrinkageResult | None = field(default=None, repr=False, compare=False)

    @property
    def names(self) -> list[str]:
        """Variable names as strings (as in the parameter names ``mean[x]``)."""
        return [str(c) for c in self.mean.index]

    @property
    def labels(self) -> pd.Index:
        """Variable labels as given (any type): the index of :attr:`mean`."""
        return self.mean.index

    @property
    def information(self) -> str:
        """The information behind the standard errors (``"expected"`` or ``"observed"``)."""
        return self.param_cov.information

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors of :attr:`params`: ``sqrt(diag(cov_params()))``, from the one
        covariance estimator (computed without building the dense matrix)."""
        return pd.Series(self.param_cov.std(), index=self.params.index, name="std_errors")

    @property
    def nvars(self) -> int:
        """Number of variables ``p``."""
        return int(self.mean.size)

    @property
    def nparams(self) -> int:
        """Number of parameters: ``p`` means plus the structure's (``p(p+1)/2``
        unstructured)."""
        return self.nvars + int(self.theta.size)

    @property
    def cov_unbiased(self) -> pd.DataFrame:
        """Unbiased covariance ``S/(n−1)`` (not the MLE)."""
        return self.cov * (self.nobs / (self.nobs - 1.0))

    @property
    def aic(self) -> float:
        """``−2 ln L + 2k``."""
        return -2.0 * self.loglike + 2.0 * self.nparams

    @property
    def bic(self) -> float:
        """``−2 ln L + k ln n``."""
        return -2.0 * self.loglike + self.nparams * float(np.log(self.nobs))

    @property
    def params(self) -> pd.Series:
        """``(μ̂, θ̂)`` labelled ``mean[x]`` and the structure's names (``cov[x,y]`` in vech
        order for the unstructured model)."""
        names = param_names(self.names)[:self.nvars] + self.structure.param_names(self.names)
        values = np.concatenate([self.mean.to_numpy(), self.theta])
        return pd.Series(values, index=names, name="params")

    @property
    def zvalues(self) -> pd.Series:
        """``params / std_errors``."""
        return (self.params / self.std_errors).rename("zvalues")

    @property
    def param_kinds(self) -> pd.Series:
        """What each parameter is: ``"free"``, ``"variance"`` or ``"correlation"`` (see
        :meth:`conf_int`)."""
        return pd.Series(["free"] * self.nvars + self.structure.param_kinds(),
                         index=self.params.index, name="kind")

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided normal p-values of ``zvalues``; NaN for variances, for which "= 0" is on
        the boundary of the parameter space and the normal reference does not apply."""
        p = 2 * sps.norm.sf(np.abs(self.zvalues.to_numpy()))
        p[(self.param_kinds == "variance").to_numpy()] = np.nan
        return pd.Series(p, index=self.params.index, name="pvalues")

    def conf_int(self, level: float = 0.95, *, alpha: float | None = None) -> pd.DataFrame:
        """Wald confidence intervals that respect the parameter space.

        Free parameters (means, covariances, loadings): ``θ̂ ± z·se``. Variances: on the log
        scale, ``θ̂·exp(±z·se/θ̂)`` — never negative, and closer to nominal coverage in small
        samples. Correlation parameters (``rho``): on the ``atanh`` (Fisher-z) scale,
        ``tanh(atanh θ̂ ± z·se/(1 − θ̂²))`` — always inside (−1, 1). Each is the delta method
        on its scale, from the same standard errors.

        Parameters
        ----------
        level : float, default 0.95
            Coverage, in (0, 1).
        alpha : float, optional
            ``1 − level``, as statsmodels users write it; give one of the two.

        Examples
        --------
        >>> import mvn_estimate as me
        >>> ci = me.fit(np.array([[1.0], [2.0], [4.0], [3.0]])).conf_int(0.9)
        >>> ci.columns.tolist()
        ['lower', 'upper']
        """
        level = check_level(level, alpha)
        q = float(sps.norm.ppf(0.5 + level / 2))
        est, se = self.params.to_numpy(), self.std_errors.to_numpy()
        kinds = self.param_kinds.to_numpy()
        lower, upper = est - q * se, est + q * se
        with np.errstate(divide="ignore", invalid="ignore"):
            var = (kinds == "variance") & (est > 0)
            lower[var] = est[var] * np.exp(-q * se[var] / est[var])
            upper[var] = est[var] * np.exp(q * se[var] / est[var])
            cor = (kinds == "correlation") & (np.abs(est) < 1)
            z, half = np.arctanh(est[cor]), q * se[cor] / (1 - est[cor] ** 2)
            lower[cor], upper[cor] = np.tanh(z - half), np.tanh(z + half)
        return pd.DataFrame({"lower": lower, "upper": upper}, index=self.params.index)

    def cov_params(self) -> pd.DataFrame:
        """Dense covariance matrix of ``params`` (built on request; refused when huge).

        From the one covariance estimator (:attr:`param_cov`): complete data classic,
        ``blockdiag(Σ̂, 2D⁺(Σ̂⊗Σ̂)D⁺ᵀ)/n`` in closed form; robust, the sandwich ``UᵀWU/n²``;
        EM, the inverse observed (or expected) information of the observed data, or its
        sandwich. Its diagonal is ``std_errors²`` exactly.

        Examples
        --------
        >>> import mvn_estimate as me
        >>> res = me.fit(np.array([[1.0], [2.0], [4.0], [3.0]]))
        >>> res.cov_params().round(4)
                  mean[x0]  cov[x0,x0]
        mean[x0]    0.3125      0.0000
        cov[x0,x0]  0.0000      0.7812
        """
        names = self.params.index
        return pd.DataFrame(self.param_cov.dense(), index=names, columns=names)

    def _prepared(self, data: Any) -> tuple[Dataset, FloatArray, PDFactor]:
        ds = select_columns(data, self.labels)
        return ds, self.mean.to_numpy(), PDFactor.of(self.cov.to_numpy(), name="cov")

    def logpdf(self, data: Any) -> FloatArray | pd.Series:
        """Log-density of each row of ``data`` under the fitted normal.

        A DataFrame is matched to the fitted columns by label, whatever other columns it has
        (Series out, indexed like ``data``); an array must have the fitted columns, in order.

        Examples
        --------
        >>> import mvn_estimate as me
        >>> res = me.fit(np.array([[1.0], [2.0], [4.0], [3.0]]))
        >>> np.round(res.logpdf(np.array([[2.5]])), 6)
        array([-1.03051])
        """
        ds, mu, fac = self._prepared(data)
        out = loglike_rows(ds.values, mu, fac)
        if not np.all(np.isfinite(out)):
            locate_nonfinite(ds, advice=ROW_ADVICE)
        return pd.Series(out, index=ds.index, name="logpdf") if ds.labelled else out

    def mahalanobis(self, data: Any) -> FloatArray | pd.Series:
        """Squared Mahalanobis distances ``(xᵢ−μ̂)ᵀΣ̂⁻¹(xᵢ−μ̂)`` of the rows of ``data``.

        Examples
        --------
        >>> import mvn_estimate as me
        >>> res = me.fit(np.array([[1.0], [2.0], [4.0], [3.0]]))
        >>> res.mahalanobis(np.array([[2.5], [4.0]]))
        array([0. , 1.8])
        """
        ds, mu, fac = self._prepared(data)
        with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf rows are reported below
            d2 = fac.mahalanobis(ds.values - mu)
        if not np.all(np.isfinite(d2)):
            locate_nonfinite(ds, advice=ROW_ADVICE)
        return pd.Series(d2, index=ds.index, name="mahalanobis") if ds.labelled else d2

    def _table(self, level: float = 0.95) -> pd.DataFrame:
        ci = self.conf_int(level)
        return pd.DataFrame({"Estimate": self.params, "Std. Err.": self.std_errors,
                             "z": self.zvalues, "P>|z|": self.pvalues,
                             "Lower CI": ci["lower"], "Upper CI": ci["upper"]})

    def _header(self) -> list[tuple[str, str, str, str]]:
        conv = "" if self.em is None else ("yes" if self.em.converged else "NO")
        rows = [("No. Observations:", f"{self.nobs:g}", "Log-Likelihood:", f"{self.loglike:.4f}"),
                ("No. Variables:", str(self.nvars), "AIC:", f"{self.aic:.4f}"),
                ("Missing:", self.missing, "BIC:", f"{self.bic:.4f}"),
                ("Covariance Type:", self.cov_type, "No. Parameters:", str(self.nparams))]
        if self.weights_kind is not None:
            rows.append(("Weights:", self.weights_kind, "", ""))
        if self.structure.name != "unstructured":
            rows.append(("Structure:", str(self.structure), "", ""))
        if self.at_bounds:
            rows.append(("At bounds:", ", ".join(self.at_bounds), "", ""))
        if self.shrinkage is not None:
            rows.append(("Shrinkage:", self.shrinkage.method, "Intensity:",
                         f"{self.shrinkage.intensity:.4g}"))
            rows.append(("Condition No.:", f"{self.shrinkage.condition_number:.4g}", "", ""))
        if self.nobs_dropped:
            rows.append(("Rows Dropped:", str(self.nobs_dropped), "", ""))
        if self.em is not None:
            rows.append(("EM Iterations:", f"{self.em.iterations} (+{self.em.newton_steps} "
                         "Newton)", "Converged:", conv))
            rows.append(("Patterns:", str(self.em.npatterns), "Information:",
                         self.em.information))
        return rows

    def summary(self) -> str:
        """Text table: fit statistics, then each parameter with inference (95% CI).

        Also ``str(result)``; notebooks show the HTML form (``_repr_html_``).

        Examples
        --------
        >>> import mvn_estimate as me
        >>> text = me.fit(np.array([[1.0], [2.0], [4.0], [3.0]])).summary()
        >>> text.splitlines()[0].strip()
        'MVN Maximum-Likelihood Estimates'
        """
        table = self._table().to_string(float_format=lambda v: f"{v:.4g}", na_rep="")
        width = max(78, len(table.splitlines()[0]))
        half = width // 2
        lines = [self._title().center(width).rstrip(), "=" * width]
        lines += [f"{a:<18}{b:>{half - 21}}   {c:<18}{d:>{width - half - 18}}"
                  for a, b, c, d in self._header()]
        if self.em is not None:
            frac = ", ".join(f"{k}: {v:.1%}" for k, v in self.em.missing_fraction.items())
            lines.append(f"Missing by column: {frac}")
        lines.append("=" * width)
        lines += table.splitlines()
        lines.append("=" * width)
        if self.shrinkage is not None:
            lines.append("Standard errors: not available — a shrinkage estimate is not the "
                         "maximum-likelihood estimate.")
            return "\n".join(lines)
        lines.append(f"Standard errors: {self.cov_type}, {self.param_cov.formula}.")
        lines.append("Confidence intervals: 95% Wald (variances on the log scale, correlations "
                     "on the atanh scale); no p-values for variances.")
        return "\n".join(lines)

    def _title(self) -> str:
        if self.shrinkage is not None:
            return f"MVN Estimates ({self.shrinkage.method} shrinkage)"
        return "MVN Maximum-Likelihood Estimates"

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        head = "".join(f"<tr><th>{html.escape(a)}</th><td>{html.escape(b)}</td>"
                       f"<th>{html.escape(c)}</th><td>{html.escape(d)}</td></tr>"
                       for a, b, c, d in self._header())
        return (f"<h4>{html.escape(self._title())}</h4><table>{head}</table>"
                + self._table().to_html(float_format=lambda v: f"{v:.4g}"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary of the fit (plain floats, lists and strings).

        Examples
        --------
        >>> import json, mvn_estimate as me
        >>> d = me.fit(np.array([[1.0], [2.0], [4.0]])).to_dict()
        >>> sorted(d)[:4]
        ['aic', 'at_bounds', 'bic', 'cov']
        >>> json.loads(json.dumps(d))["nobs"]
        3.0
        """
        out: dict[str, Any] = {
            "names": self.names, "nobs": self.nobs, "nvars": self.nvars,
            "loglike": self.loglike, "aic": self.aic, "bic": self.bic,
            "mean": dict(zip(self.names, self.mean.tolist(), strict=True)),
            "cov": self.cov.to_numpy().tolist(),
            "params": self.params.to_dict(), "std_errors": self.std_errors.to_dict(),
            "cov_type": self.cov_type, "information": self.information,
            "missing": self.missing, "nobs_dropped": self.nobs_dropped,
            "weights_kind": self.weights_kind, "structure": repr(self.structure),
            "at_bounds": list(self.at_bounds),
        }
        if self.em is not None:
            out["em"] = {"iterations": self.em.iterations, "converged": self.em.converged,
                         "npatterns": self.em.npatterns, "information": self.em.information,
                         "newton_steps": self.em.newton_steps,
                         "rows_all_missing": self.em.rows_all_missing,
                         "missing_fraction": dict(zip(self.names,
                                                      self.em.missing_fraction.tolist(),
                                                      strict=True))}
        return json.loads(json.dumps(out, allow_nan=True))

