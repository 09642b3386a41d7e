"""What users do after a fit: correlations with their uncertainty, Wald tests, outliers, and
the tests of means and covariances on the fitted sample (``MVNResult`` methods)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .. import plots
from .._typing import FloatArray
from .._validate import check_level, check_real
from ..data import Dataset, SufficientStats, select_columns
from ..exceptions import InvalidOptionError
from ..inference import (
    HypothesisTest,
    aligned_matrix,
    aligned_vector,
    cov_test_from_stats,
    hotelling_from_stats,
    independence_from_stats,
    parse_constraints,
    sphericity_from_stats,
    wald,
)
from ..linalg import PDFactor, vech_indices
from ..missing import build_patterns, row_mahalanobis

if TYPE_CHECKING:  # pragma: no cover
    from ..inference import ParamCovariance
    from ..model import CovarianceStructure

__all__ = ["Analysis"]


class Analysis:
    """Methods of :class:`MVNResult` that use its estimates and their covariance."""

    if TYPE_CHECKING:  # the fields and properties of MVNResult that these methods use
        cov: pd.DataFrame
        mean: pd.Series
        nobs: float
        missing: str
        weights_kind: str | None
        structure: CovarianceStructure
        theta: FloatArray
        param_cov: ParamCovariance
        data: Dataset | None

        @property
        def nvars(self) -> int: ...

        @property
        def names(self) -> list[str]: ...

        @property
        def labels(self) -> pd.Index: ...

        @property
        def params(self) -> pd.Series: ...

    # -- correlations ---------------------------------------------------------------------
    @property
    def corr(self) -> pd.DataFrame:
        """The correlation matrix of the fitted covariance."""
        d = np.sqrt(np.diag(self.cov.to_numpy()))
        return pd.DataFrame(self.cov.to_numpy() / np.outer(d, d), index=self.cov.index,
                            columns=self.cov.columns)

    def _corr_gradient(self) -> tuple[FloatArray, list[tuple[int, int]]]:
        """``∂r_ij/∂θ`` for every pair ``i < j`` (rows), through ``vech Σ`` and ``J``."""
        p = self.nvars
        cov = self.cov.to_numpy()
        rows, cols = vech_indices(p)
        pos = {(int(i), int(j)): k for k, (i, j) in enumerate(zip(rows, cols, strict=True))}
        pairs = [(i, j) for j in range(p) for i in range(j + 1, p)]
        grad = np.zeros((len(pairs), rows.size))
        for row, (i, j) in enumerate(pairs):
            r = cov[i, j] / np.sqrt(cov[i, i] * cov[j, j])
            grad[row, pos[(i, j)]] = 1 / np.sqrt(cov[i, i] * cov[j, j])
            grad[row, pos[(i, i)]] = -r / (2 * cov[i, i])
            grad[row, pos[(j, j)]] = -r / (2 * cov[j, j])
        return grad @ self.structure.jacobian(self.theta), pairs

    def corr_std_errors(self) -> pd.Series:
        """Standard errors of the correlations (delta method from :meth:`cov_params`, so they
        are right for EM and robust fits too), indexed ``corr[x,y]``."""
        grad, pairs = self._corr_gradient()
        v = self.param_cov.dense()[self.nvars:, self.nvars:]
        se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", grad, v, grad), 0.0))
        names = self.names
        return pd.Series(se, index=[f"corr[{names[j]},{names[i]}]" for i, j in pairs],
                         name="corr_std_errors")

    def corr_conf_int(self, level: float = 0.95, *,
                      alpha: float | None = None) -> pd.DataFrame:
        """Fisher-z intervals for the correlations: ``tanh(atanh r ± z·se/(1 − r²))``, with the
        delta-method standard errors of :meth:`corr_std_errors`."""
        q = float(sps.norm.ppf(0.5 + check_level(level, alpha) / 2))
        se = self.corr_std_errors()
        corr = self.corr.to_numpy()
        p = self.nvars
        r = np.array([corr[i, j] for j in range(p) for i in range(j + 1, p)])
        z, half = np.arctanh(r), q * se.to_numpy() / (1 - r**2)
        return pd.DataFrame({"corr": r, "std_error": se.to_numpy(), "lower": np.tanh(z - half),
                             "upper": np.tanh(z + half)}, index=se.index)

    # -- Wald tests -------------------------------------------------------------------------
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
        names = list(self.params.index)
        if isinstance(R, str) or (isinstance(R, list | tuple) and R and isinstance(R[0], str)):
            if r is not None:
                raise InvalidOptionError("Give the right-hand sides inside the hypotheses "
                                         "(\"mean[a] = 1\"), not as 'r', when R is text.")
            R, r = parse_constraints(R, names)
        return wald(self.params.to_numpy(), self.param_cov.dense(), R, r)

    # -- the fitted sample ----------------------------------------------------------------------
    def _sample_stats(self, what: str) -> tuple[SufficientStats, Dataset]:
        if self.missing == "em" or self.structure.name != "unstructured" or self.data is None:
            raise InvalidOptionError(
                f"{what} on a fit uses its complete-data sample statistics: it needs a fit of "
                "complete data with the unstructured model (this one is missing="
                f"{self.missing!r}, structure {self.structure}). Use wald_test, or call the "
                "function on the data.")
        n = self.nobs
        scatter = self.cov.to_numpy() * n
        return SufficientStats(n, self.mean.to_numpy(), scatter), self.data

    def hotelling_test(self, mean0: Any) -> HypothesisTest:
        """Hotelling's one-sample T² of the fitted mean against ``mean0`` (see
        :func:`mvn_estimate.hotelling_test`)."""
        stats, ds = self._sample_stats("hotelling_test")
        return hotelling_from_stats(stats.n, stats.mean, stats.cov(ddof=1),
                                    aligned_vector(mean0, ds, "mean0"), ds)

    def sphericity_test(self) -> HypothesisTest:
        """Mauchly's test on the fitted sample (see :func:`mvn_estimate.sphericity_test`)."""
        return sphericity_from_stats(*self._sample_stats("sphericity_test"))

    def independence_test(self, *, blocks: Any = None) -> HypothesisTest:
        """(Block) independence on the fitted sample (see
        :func:`mvn_estimate.independence_test`)."""
        stats, ds = self._sample_stats("independence_test")
        return independence_from_stats(stats, ds, blocks)

    def cov_test(self, cov0: Any) -> HypothesisTest:
        """``Σ = Σ₀`` on the fitted sample (see :func:`mvn_estimate.cov_test`)."""
        stats, ds = self._sample_stats("cov_test")
        return cov_test_from_stats(stats, aligned_matrix(cov0, ds, "cov0"), ds)

    # -- outliers ---------------------------------------------------------------------------
    def outliers(self, alpha: float = 0.05, *, data: Any = None) -> pd.DataFrame:
        """Squared Mahalanobis distances of the rows, with χ² and exact Beta p-values.

        Parameters
        ----------
        alpha : float, default 0.05
            A row is flagged when its p-value is below ``alpha`` (per row: for a family-wise
            rate over ``n`` rows use ``alpha / n``).
        data : DataFrame or array, optional
            Rows to judge; default the fitted rows (kept by the fit).

        Returns
        -------
        DataFrame
            Indexed like the data: ``distance`` (``d² = (x−μ̂)ᵀΣ̂⁻¹(x−μ̂)``, over the observed
            entries for incomplete rows), ``df`` (entries used), ``pvalue_chi2`` (``χ²(df)``
            reference), ``pvalue_beta`` (for the fitted rows themselves:
            ``d²/(n−1) ~ Beta(p/2, (n−p−1)/2)`` exactly under normality — Wilks, 1962;
            NaN for new rows, incomplete rows or weighted fits), ``pvalue`` (Beta when
            available, else χ²) and ``outlier``.
        """
        a = check_real(alpha, "alpha", low=0.0, high=1.0)
        fitted = data is None
        ds = self._outlier_data(data)
        d2, k = self._distances(ds)
        n, p = self.nobs, self.nvars
        chi = sps.chi2.sf(d2, k)
        beta = np.full(d2.size, np.nan)
        if fitted and self.weights_kind is None and n > p + 1:
            full = k == p
            beta[full] = sps.beta.sf(d2[full] / (n - 1), p / 2, (n - p - 1) / 2)
        pval = np.where(np.isnan(beta), chi, beta)
        index = ds.index if ds.index is not None else pd.RangeIndex(ds.nobs)
        return pd.DataFrame({"distance": d2, "df": k, "pvalue_chi2": chi, "pvalue_beta": beta,
                             "pvalue": pval, "outlier": pval < a}, index=index)

    def _outlier_data(self, data: Any) -> Dataset:
        if data is not None:
            return select_columns(data, self.labels)
        if self.data is None:
            raise InvalidOptionError("This result keeps no data (it was fitted from a file or "
                                     "statistics); pass the rows as data=.")
        return self.data

    def _distances(self, ds: Dataset) -> tuple[FloatArray, FloatArray]:
        mean, cov = self.mean.to_numpy(), self.cov.to_numpy()
        x = ds.values
        if not np.isnan(x).any():
            fac = PDFactor.of(cov, name="cov")
            return fac.mahalanobis(x - mean), np.full(ds.nobs, float(self.nvars))
        pat = build_patterns(ds, None)
        d2, k = np.full(ds.nobs, np.nan), np.zeros(ds.nobs)
        for idx, dist, used in row_mahalanobis(pat, x, mean - pat.origin, cov):
            d2[idx], k[idx] = dist, used
        return d2, k

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
