"""``MVNResult``: the frozen, pandas-labelled result of a fit.

A result holds one estimator of the covariance of the estimates (``param_cov``); everything
inferential — ``std_errors``, ``cov_params()``, ``conf_int``, ``pvalues`` — derives from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .. import plots
from .._typing import FloatArray, OutlierMethod
from ..data import ROW_ADVICE, Dataset, locate_nonfinite, select_columns
from ..guards import ShrinkageResult
from ..inference import HypothesisTest, ParamCovariance, wald_pvalues
from ..linalg import PDFactor
from ..model import CovarianceStructure, loglike_rows, param_names
from ..regression import ConditionalNormal, RegressionResult, conditional_normal, joint_regression
from ._analysis import (
    corr_conf_int,
    corr_std_errors,
    correlation,
    intervals,
    outliers,
    sample_test,
    wald_test,
)
from ._incomplete import conditional_means, fraction_missing_information
from ._marginal import marginal
from ._scaled import ScoreMoments
from ._summary import summary_html, summary_text, to_dict

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


@dataclass(frozen=True, eq=False)
class MVNResult:
    """Maximum-likelihood fit of a multivariate normal.

    A result holds the estimates, what the fit reports about itself, and the one estimator
    of the covariance of the estimates; everything else (``params``, ``std_errors``, AIC,
    correlations, …) is derived from those, once (cached). The analyses after a fit live in
    :mod:`._analysis` and the rendering in :mod:`._summary`; the methods here document them.

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
    data_id : str
        A digest of the data's summaries (counts and means of the observed values), equal
        for fits of the same data whatever the model: what :func:`lr_test` compares.
    param_cov : ParamCovariance
        The one estimator of the covariance of the estimates: ``std_errors``,
        :meth:`cov_params`, :meth:`conf_int` and p-values all derive from it.
    data : Dataset or None
        The fitted rows (a reference, not a copy, for an ndarray), kept for
        :meth:`outliers` and the plots; None when fitted from a file or statistics.
    shrinkage : ShrinkageResult or None
        For ``fit(..., shrinkage=...)``: the intensity, target and method (no standard
        errors then).
    auxiliary : tuple of labels
        For ``fit(..., auxiliary=[...])``: the auxiliary variables of the joint model (see
        :func:`mvn_estimate.fit`); ``loglike``, ``nparams``, AIC and BIC are the joint
        model's. Empty otherwise.
    scores : ScoreMoments or None
        What a scaled :func:`lr_test` reads (the information and per-row score outer
        products of the free parameters, and the trace of the ADF ``Γ``), computed from the
        rows only when a scaled test asks (see :func:`lr_test` for the memory it takes).

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
    auxiliary: tuple[Any, ...] = field(default=(), repr=False)
    scores: ScoreMoments | None = field(default=None, repr=False, compare=False)

    # -- derived from the fields (computed once) -------------------------------------------
    @property
    def cov_type(self) -> str:
        """``"classic"`` or ``"robust"`` (``"none"`` for a shrinkage fit): the covariance
        estimator's."""
        return self.param_cov.cov_type

    @property
    def information(self) -> str:
        """The information behind the standard errors (``"expected"`` or ``"observed"``)."""
        return self.param_cov.information

    @cached_property
    def names(self) -> list[str]:
        """Variable names as strings (as in the parameter names ``mean[x]``)."""
        return [str(c) for c in self.mean.index]

    @property
    def labels(self) -> pd.Index:
        """Variable labels as given (any type): the index of :attr:`mean`."""
        return self.mean.index

    @property
    def nvars(self) -> int:
        """Number of variables ``p``."""
        return int(self.mean.size)

    @property
    def nparams(self) -> int:
        """Number of parameters: ``p`` means plus the structure's (``p(p+1)/2``
        unstructured); with auxiliary variables, the joint model's ``q + q(q+1)/2``."""
        if self.auxiliary:
            q = self.nvars + len(self.auxiliary)
            return q + q * (q + 1) // 2
        return self.nvars + int(self.theta.size)

    @cached_property
    def params(self) -> pd.Series:
        """``(μ̂, θ̂)`` labelled ``mean[x]`` and the structure's names (``cov[x,y]`` in vech
        order for the unstructured model)."""
        names = param_names(self.names)[:self.nvars] + self.structure.param_names(self.names)
        values = np.concatenate([self.mean.to_numpy(), self.theta])
        return pd.Series(values, index=names, name="params")

    @cached_property
    def std_errors(self) -> pd.Series:
        """Standard errors of :attr:`params`: ``sqrt(diag(cov_params()))``, from the one
        covariance estimator (computed without building the dense matrix)."""
        return pd.Series(self.param_cov.std(), index=self.params.index, name="std_errors")

    @cached_property
    def zvalues(self) -> pd.Series:
        """``params / std_errors``."""
        return (self.params / self.std_errors).rename("zvalues")

    @cached_property
    def param_kinds(self) -> pd.Series:
        """What each parameter is: ``"free"``, ``"variance"`` or ``"correlation"`` (see
        :meth:`conf_int`)."""
        return pd.Series(["free"] * self.nvars + self.structure.param_kinds(),
                         index=self.params.index, name="kind")

    @cached_property
    def pvalues(self) -> pd.Series:
        """Two-sided normal p-values of ``zvalues``; NaN for variances, for which "= 0" is on
        the boundary of the parameter space and the normal reference does not apply."""
        p = wald_pvalues(self.zvalues.to_numpy(), self.param_kinds.to_numpy())
        return pd.Series(p, index=self.params.index, name="pvalues")

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

    @cached_property
    def corr(self) -> pd.DataFrame:
        """The correlation matrix of the fitted covariance."""
        return correlation(self)

    @cached_property
    def fmi(self) -> pd.Series:
        """Fraction of missing information of each parameter (``missing="em"`` fits):
        ``1 − se_complete²/se²``, with ``se_complete`` what complete data of the same size
        would give at the estimates (``√(σ̂ᵢᵢ/N)`` for a mean, ``√((σ̂ᵢᵢσ̂ⱼⱼ + σ̂ᵢⱼ²)/N)`` for a
        covariance): lavaan's ``parameterEstimates(fmi = TRUE)``, validated against it.
        Exactly 0 for the parameters of fully observed columns. Refused
        (:class:`~mvn_estimate.exceptions.InvalidOptionError`) for other fits, structured
        models and robust standard errors.

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> air = pd.read_csv("data/airquality.csv")[["Ozone", "Solar.R", "Wind", "Temp"]]
        >>> fmi = me.fit(air, missing="em").fmi
        >>> round(float(fmi["mean[Ozone]"]), 4), float(fmi["mean[Wind]"])
        (0.1187, 0.0)
        """
        return fraction_missing_information(self)

    # -- inference from the covariance of the estimates ------------------------------------
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
        lower, upper = intervals(self.params.to_numpy(), self.std_errors.to_numpy(),
                                 self.param_kinds.to_numpy(), level, alpha)
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

    def corr_std_errors(self) -> pd.Series:
        """Standard errors of the correlations (delta method from :meth:`cov_params`, so they
        are right for EM and robust fits too), indexed ``corr[x,y]``."""
        return corr_std_errors(self)

    def corr_conf_int(self, level: float = 0.95, *, alpha: float | None = None,
                      method: str = "delta") -> pd.DataFrame:
        """Intervals for the correlations on the Fisher-z (``atanh``) scale.

        Parameters
        ----------
        level : float, default 0.95
        alpha : float, optional
            ``1 − level``; give one of the two.
        method : {"delta", "fisher"}, default "delta"
            ``"delta"``: ``tanh(atanh r ± z·se/(1 − r²))`` with the delta-method standard
            errors of :meth:`corr_std_errors` — right for EM, robust and weighted fits too
            (for complete normal data ``se/(1 − r²) = 1/√n``, lavaan's convention).
            ``"fisher"``: ``tanh(atanh r ± z/√(n − 3))``, Fisher's small-sample variance, as
            R's ``cor.test`` and ``psych::corr.test`` (complete, unweighted data only).

        Returns
        -------
        DataFrame
            ``corr``, ``std_error`` (delta method), ``lower``, ``upper``, indexed
            ``corr[x,y]``.

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> iris = pd.read_csv("data/iris.csv").iloc[:, :2]
        >>> ci = me.fit(iris).corr_conf_int(method="fisher")
        >>> round(float(ci["lower"].iloc[0]), 4)  # cor.test(iris[, 1], iris[, 2])
        -0.2727
        """
        return corr_conf_int(self, level, alpha, method)

    def wald_test(self, R: Any, r: Any = None) -> HypothesisTest:
        """Wald test of ``Rθ = r`` over :attr:`params`, with :meth:`cov_params` (so it is right
        for EM, robust and structured fits).

        ``R`` is a matrix (one row per restriction) or hypotheses over the parameter names:
        ``"mean[a] = mean[b]"``, ``"mean[a] = 0; mean[b] = 0"`` or a list of such strings.

        Examples
        --------
        >>> import numpy as np, mvn_estimate as me
        >>> x = np.random.default_rng(0).normal(size=(50, 2))
        >>> t = me.fit(x).wald_test("mean[x0] = mean[x1]")
        >>> t.df
        1.0
        """
        return wald_test(self, R, r)

    # -- tests on the fitted sample ---------------------------------------------------------
    def hotelling_test(self, mean0: Any) -> HypothesisTest:
        """Hotelling's one-sample T² of the fitted mean against ``mean0`` (see
        :func:`mvn_estimate.hotelling_test`)."""
        return sample_test(self, "hotelling_test", mean0)

    def sphericity_test(self) -> HypothesisTest:
        """Mauchly's test on the fitted sample (see :func:`mvn_estimate.sphericity_test`)."""
        return sample_test(self, "sphericity_test")

    def independence_test(self, *, blocks: Any = None) -> HypothesisTest:
        """(Block) independence on the fitted sample (see
        :func:`mvn_estimate.independence_test`)."""
        return sample_test(self, "independence_test", blocks)

    def cov_test(self, cov0: Any) -> HypothesisTest:
        """``Σ = Σ₀`` on the fitted sample (see :func:`mvn_estimate.cov_test`)."""
        return sample_test(self, "cov_test", cov0)

    # -- rows under the fitted normal -------------------------------------------------------
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

    def outliers(self, alpha: float = 0.05, *, data: Any = None,
                 method: OutlierMethod = "mvn") -> pd.DataFrame:
        """Squared Mahalanobis distances of the rows, with χ² and exact Beta p-values.

        Parameters
        ----------
        alpha : float, default 0.05
            A row is flagged when its p-value is below ``alpha`` (per row: for a family-wise
            rate over ``n`` rows use ``alpha / n``).
        data : DataFrame or array, optional
            Rows to judge; default the fitted rows (kept by the fit).
        method : {"mvn", "mcd"}, default "mvn"
            ``"mvn"``: distances to this fit, which the outliers themselves pull towards
            them (masking). ``"mcd"``: distances to the MCD of the fitted rows (complete,
            unweighted, in memory), with its finite-sample calibrated reference — see
            :meth:`mvn_estimate.MCDResult.outliers`.

        Returns
        -------
        DataFrame
            Indexed like the data: ``distance`` (``d² = (x−μ̂)ᵀΣ̂⁻¹(x−μ̂)``, over the observed
            entries for incomplete rows), ``df`` (entries used), ``pvalue_chi2`` (``χ²(df)``
            reference), ``pvalue_beta`` (for the fitted rows themselves:
            ``d²/(n−1) ~ Beta(p/2, (n−p−1)/2)`` exactly under normality — Wilks, 1962;
            NaN for new rows, incomplete rows or weighted fits), ``pvalue`` (Beta when
            available, else χ²) and ``outlier``. With ``method="mcd"``: ``distance`` (to the
            reweighted MCD), ``pvalue`` and ``outlier``.

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> hbk = pd.read_csv("tests/reference/data/hbk.csv")[["X1", "X2", "X3"]]
        >>> res = me.fit(hbk)  # its 14 leverage points mask each other in the normal fit
        >>> int(res.outliers().outlier.sum()), int(res.outliers(method="mcd").outlier.sum())
        (2, 14)
        """
        return outliers(self, alpha, data, method)

    def impute(self, data: Any = None) -> Any:
        """A copy of ``data`` (default: the fitted rows) with each missing value of the fitted
        columns replaced by its conditional mean given the row's observed values,
        ``μ̂_m + Σ̂_mo Σ̂_oo⁻¹(x_o − μ̂_o)`` (``μ̂`` for a row with nothing observed).

        A DataFrame keeps its index and every column (the fitted ones matched by label,
        only they are filled); an array must have the fitted columns, in order, and an array
        comes back. A Dask DataFrame gives a Dask DataFrame, filled partition by partition
        when it is computed (so a fit of data larger than memory can fill them: pass the
        collection, e.g. ``dd.read_parquet(...)``, the fit read). One imputation understates
        the spread of the missing values: for inference use :func:`mvn_estimate.impute`.

        Examples
        --------
        >>> import mvn_estimate as me
        >>> res = me.fit(np.array([[1.0, 2.0], [2.0, 1.0], [4.0, 5.0], [3.0, 3.0]]))
        >>> res.impute(np.array([[np.nan, 2.75]]))
        array([[2.5 , 2.75]])
        """
        return conditional_means(self, data)

    # -- plots (matplotlib, the optional extra [plot]) ---------------------------------------
    def plot_qq(self, *, data: Any = None, alpha: float = 0.05, band: float = 0.95,
                figsize: Any = None) -> Any:
        """χ² Q–Q plot of the squared Mahalanobis distances, with a pointwise band and the
        outliers labelled; returns the matplotlib Figure (see
        :func:`mvn_estimate.plots.plot_qq`)."""
        return plots.plot_qq(self, data=data, alpha=alpha, band=band, figsize=figsize)

    def plot_ellipses(self, *, data: Any = None, columns: Any = None,
                      levels: tuple[float, ...] = (0.5, 0.95), mean_level: float = 0.95,
                      figsize: Any = None) -> Any:
        """Pairs of variables: the data, the mean, the ``levels`` ellipses of the fitted normal
        and the mean's confidence ellipse; returns the Figure (see
        :func:`mvn_estimate.plots.plot_ellipses`)."""
        return plots.plot_ellipses(self, data=data, columns=columns, levels=levels,
                                   mean_level=mean_level, figsize=figsize)

    def plot_corr(self, *, annotate: bool = True, figsize: Any = None) -> Any:
        """Heatmap of the fitted correlations; returns the Figure (see
        :func:`mvn_estimate.plots.plot_corr`)."""
        return plots.plot_corr(self, annotate=annotate, figsize=figsize)

    # -- using the fitted normal ------------------------------------------------------------
    def conditional(self, given: Any) -> ConditionalNormal:
        """The distribution of the other columns given values of some:
        ``y | x = g ~ N(μ_y + C (g − μ_x), Σ_yy − C Σ_xy)`` with ``C = Σ_yx Σ_xx⁻¹``.

        Parameters
        ----------
        given : mapping, Series or DataFrame
            ``{column: value}``; or a DataFrame of rows of values (its columns are the given
            columns): ``.mean`` is then a DataFrame, one row per given row.

        Returns
        -------
        ConditionalNormal
            ``mean``, ``cov``, ``coef`` (``C``: rows responses, columns given), ``logpdf``,
            ``sample``. Computed by solves with the Cholesky factor of ``Σ_xx``; a singular
            ``Σ_xx`` names the collinear given columns.

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> iris = pd.read_csv("data/iris.csv").iloc[:, :4]
        >>> c = me.fit(iris).conditional({"Petal.Length": 4.0})
        >>> c.mean.round(3).tolist()
        [5.942, 3.032, 1.3]
        """
        return conditional_normal(self.mean, self.cov, given)

    def marginal(self, columns: Any) -> MVNResult:
        """The fit restricted to ``columns``: their means, the sub-block of the covariance
        and the matching block of the covariance of the estimates (through the structure
        for a structured fit, whose marginal is then reported unstructured).

        The marginal of a maximum-likelihood fit is the ML estimate of the marginal for
        complete data; with ``missing="em"`` it keeps what the other columns told about
        these (it is not a refit). Its ``loglike`` is that of the fitted rows' values in
        these columns at the marginal estimates (NaN for a weighted fit of incomplete data or
        of a file, whose rows are not kept).

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> iris = pd.read_csv("data/iris.csv").iloc[:, :4]
        >>> m = me.fit(iris).marginal(["Sepal.Length", "Petal.Length"])
        >>> m.params.index.tolist()[:3]
        ['mean[Sepal.Length]', 'mean[Petal.Length]', 'cov[Sepal.Length,Sepal.Length]']
        """
        return marginal(self, columns)

    def regress(self, y: Any, x: Any) -> RegressionResult:
        """The regression of ``y`` on ``x`` implied by this fit (random regressors, no
        refit): ``B = Σ̂_xx⁻¹Σ̂_xy``, intercepts ``μ̂_y − Bᵀμ̂_x`` and the residual covariance
        ``Σ̂_yy − Σ̂_yxΣ̂_xx⁻¹Σ̂_xy``, with delta-method standard errors from this fit's
        covariance of the estimates — so EM (FIML, also with missing regressors), robust and
        structured fits carry over.

        This is what lavaan reports with ``fixed.x=FALSE``. With complete data and the
        expected information the coefficients' covariance is ``Ψ̂ ⊗ (XᵀX)⁻¹`` with the ML
        ``Ψ̂`` (divisor n), not ``lm``'s (divisor n − k): see
        :func:`mvn_estimate.regress` (``small_sample=True``) for that. ``loglike`` is the
        joint one.

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> air = pd.read_csv("data/airquality.csv").iloc[:, :4]
        >>> r = me.fit(air, missing="em").regress("Ozone", ["Solar.R", "Wind", "Temp"])
        >>> round(float(r.coef.loc["Temp", "Ozone"]), 3)
        1.661
        """
        chain = None if self.structure.name == "unstructured" else \
            self.structure.jacobian(self.theta)
        return joint_regression(self.mean, self.cov, self.param_cov, chain, y, x,
                                kind="random x", loglike=self.loglike, nobs=self.nobs,
                                missing=self.missing)

    # -- presentation ---------------------------------------------------------------------
    def summary(self, level: float = 0.95) -> str:
        """Text table: fit statistics, then each parameter with inference (``level``
        confidence intervals, default 95%).

        Also ``str(result)``; notebooks show the HTML form (``_repr_html_``).

        Examples
        --------
        >>> import mvn_estimate as me
        >>> text = me.fit(np.array([[1.0], [2.0], [4.0], [3.0]])).summary(level=0.9)
        >>> text.splitlines()[0].strip()
        'MVN Maximum-Likelihood Estimates'
        >>> text.splitlines()[-1].split(":")[1].split(" Wald")[0]
        ' 90%'
        """
        return summary_text(self, level)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return summary_html(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary of the fit: plain floats, lists and strings, with None where a
        number is undefined (a shrinkage fit's standard errors).

        Examples
        --------
        >>> import json, mvn_estimate as me
        >>> d = me.fit(np.array([[1.0], [2.0], [4.0]])).to_dict()
        >>> sorted(d)[:4]
        ['aic', 'at_bounds', 'bic', 'cov']
        >>> json.loads(json.dumps(d, allow_nan=False))["nobs"]
        3.0
        """
        return to_dict(self)
