"""Tests of means: Hotelling's T² (one sample, two samples, paired) and one-way MANOVA."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.linalg as sla
from scipy import stats as sps

from .._docs import fill_doc
from .._typing import FloatArray
from .._validate import check_bool, check_choice, real_array
from ..data import (
    POINT_ADVICE,
    Dataset,
    SufficientStats,
    as_dataset,
    locate_nonfinite,
    powers_of_two,
    show_labels,
    split_groups,
    spread,
)
from ..exceptions import (
    LabelError,
    ShapeError,
    SingularCovarianceError,
    arg,
    describe,
    ref,
)
from ..linalg import PDFactor
from ..model import enough_rows, factor_or_explain
from ._result import HypothesisTest

__all__ = ["ManovaResult", "hotelling_from_stats", "hotelling_test", "manova"]

UnequalMethod = Literal["krishnamoorthy-yu", "nel-van-der-merwe"]


def units(*samples: Dataset, common: bool = False) -> FloatArray:
    """Powers of two that bring the columns of all ``samples`` to order one (one common power
    with ``common``): the tests form their statistics in these units, exactly, so that their
    answers do not depend on the data's scale."""
    origin = samples[0].values[0] if samples[0].nobs else np.zeros(samples[0].nvars)
    top = np.max([spread(d.values, None, np.where(np.isfinite(origin), origin, 0.0))
                  for d in samples], axis=0)
    return powers_of_two(np.full(top.size, np.max(top)) if common else top)


def sample_stats(ds: Dataset, name: str, scale: FloatArray | None = None) -> SufficientStats:
    """Statistics of a complete sample (NaN refused with advice), with ``n > p`` checked; of
    ``data / scale`` when a scale is given (:func:`units`)."""
    stats = SufficientStats.from_array(ds.values, scale=scale)
    if not stats.finite:
        locate_nonfinite(ds, name, advice=POINT_ADVICE.split(", or")[0] + ".")
    enough_rows(stats.n, ds.nvars, ds.labels, f"{ref(name)} needs more rows than columns; "
                "use more observations or fewer columns.", f" rows of {ref(name)}")
    return stats


def factor(cov: FloatArray, name: str, ds: Dataset) -> PDFactor:
    """The factor of a sample covariance, or the error naming constant/collinear columns."""
    return factor_or_explain(cov, ds.labels, "The sample covariance", name)


def aligned_vector(value: Any, ds: Dataset, name: str) -> FloatArray:
    if isinstance(value, pd.Series):
        if ds.labelled:
            if set(value.index) != set(ds.labels) or len(value) != ds.nvars:
                raise LabelError(f"{arg(name)}'s labels {show_labels(value.index)} "
                                 f"must be the columns {show_labels(ds.labels)}.")
            value = value.loc[ds.labels]
        value = value.to_numpy()
    out = real_array(value, name, shape=f"{ds.nvars} numbers, one per column").astype(float)
    if out.shape != (ds.nvars,) or not np.all(np.isfinite(out)):
        raise ShapeError(f"{arg(name)} must be {ds.nvars} finite numbers, one per "
                         f"column; got {describe(value)}.")
    return out


def hotelling_from_stats(n: float, mean: FloatArray, cov_unbiased: FloatArray,
                         mean0: FloatArray, ds: Dataset, name: str = "x") -> HypothesisTest:
    """One-sample T² from ``(n, x̄, S)`` (``S`` with divisor ``n − 1``)."""
    p = mean.size
    d = mean - mean0
    t2 = float(n * d @ factor(cov_unbiased, name, ds).solve(d))
    f = (n - p) / (p * (n - 1)) * t2
    return HypothesisTest("Hotelling T² (one sample)", t2, float(p),
                          float(sps.f.sf(f, p, n - p)), "F (exact)",
                          "the mean equals mean0", fvalue=float(f), df_denom=float(n - p),
                          details=(("T2", t2),))


def _aligned_y(x: Dataset, y: Any) -> Dataset:
    if isinstance(y, pd.DataFrame) and x.labelled:
        if set(y.columns) != set(x.labels):
            raise LabelError(f"{arg('y')}'s columns {show_labels(y.columns)} must be the "
                             f"columns of 'x' {show_labels(x.labels)}.")
        return as_dataset(y, name="y", columns=list(x.labels))
    ds = as_dataset(y, name="y")
    if ds.nvars != x.nvars:
        raise ShapeError(f"{arg('y')} must have the {x.nvars} columns of 'x'; got "
                         f"{describe(ds.values)}.")
    return ds


def _two_sample(x: Dataset, y: Dataset, equal_cov: bool, method: str) -> HypothesisTest:
    # Nel–van der Merwe's degrees of freedom are invariant only to a common scale
    scale = units(x, y, common=not equal_cov and method == "nel-van-der-merwe")
    sx, sy = sample_stats(x, "x", scale), sample_stats(y, "y", scale)
    n1, n2, p = sx.n, sy.n, x.nvars
    d = sx.mean - sy.mean
    s1, s2 = sx.cov(ddof=1), sy.cov(ddof=1)
    if equal_cov:
        pooled = ((n1 - 1) * s1 + (n2 - 1) * s2) / (n1 + n2 - 2)
        t2 = float(n1 * n2 / (n1 + n2) * d @ factor(pooled, "x", x).solve(d))
        df2 = n1 + n2 - p - 1
        f = df2 / (p * (n1 + n2 - 2)) * t2
        return HypothesisTest("Hotelling T² (two samples)", t2, float(p),
                              float(sps.f.sf(f, p, df2)), "F (exact, pooled covariance)",
                              "the two means are equal", fvalue=float(f), df_denom=float(df2),
                              details=(("T2", t2),))
    v1, v2 = s1 / n1, s2 / n2
    se = v1 + v2
    fac = factor(se, "x", x)
    t2 = float(d @ fac.solve(d))
    nu = _nu(v1, v2, se, fac, n1, n2, p, method)
    f = t2 * (nu - p + 1) / (p * nu)
    name = "Krishnamoorthy-Yu" if method == "krishnamoorthy-yu" else "Nel-van der Merwe"
    return HypothesisTest("Hotelling T² (two samples)", t2, float(p),
                          float(sps.f.sf(f, p, nu - p + 1)),
                          f"F approximation, unequal covariances ({name})",
                          "the two means are equal", fvalue=float(f),
                          df_denom=float(nu - p + 1), details=(("T2", t2), ("nu", nu)))


def _nu(v1: FloatArray, v2: FloatArray, se: FloatArray, fac: PDFactor, n1: float, n2: float,
        p: int, method: str) -> float:
    if method == "nel-van-der-merwe":
        top = np.trace(se @ se) + np.trace(se) ** 2
        bottom = sum((np.trace(v @ v) + np.trace(v) ** 2) / (n - 1)
                     for v, n in ((v1, n1), (v2, n2)))
        return float(top / bottom)
    parts = []
    for v, n in ((v1, n1), (v2, n2)):
        a = fac.solve(v.T).T  # V Se⁻¹
        parts.append((np.trace(a @ a) + np.trace(a) ** 2) / (n - 1))
    return float((p + p * p) / sum(parts))


def hotelling_test(x: Any, other: Any = None, *, mean0: Any = None, equal_cov: bool = True,
                   paired: bool = False, method: UnequalMethod = "krishnamoorthy-yu",
                   columns: Any = None) -> HypothesisTest:
    """Hotelling's T² test of a mean (one sample) or of two means (two samples, paired).

    Parameters
    ----------
    x : DataFrame or array-like of shape (n, p)
    other : array-like of shape (p,), or DataFrame / array of shape (m, p), optional
        A vector: the hypothesised mean (``hotelling_test(x, mean0)``). Data: a second sample
        (``hotelling_test(x, y)``), matched to ``x``'s columns by label when both are
        DataFrames. Default: test that the mean of ``x`` is zero (or ``mean0``).
    mean0 : array-like of shape (p,) or Series, optional
        The hypothesised mean, by keyword.
    equal_cov : bool, default True
        Two samples: pooled covariance and the exact F reference; ``False`` for the
        unequal-covariance F approximation named by ``method``.
    paired : bool, default False
        Two samples of paired rows: the one-sample test of the differences ``x − y``.
    method : {"krishnamoorthy-yu", "nel-van-der-merwe"}, default "krishnamoorthy-yu"
        The degrees of freedom of the unequal-covariance test (Krishnamoorthy & Yu, 2004,
        modified from Nel & van der Merwe, 1986).
    columns : list of labels, optional
        Columns of ``x`` (and ``y``) to use.

    Returns
    -------
    HypothesisTest
        ``statistic`` = T², ``fvalue``, ``df`` and ``df_denom`` of the F reference, ``pvalue``.

    Notes
    -----
    One sample: ``T² = n(x̄ − μ₀)ᵀS⁻¹(x̄ − μ₀)``, ``F = (n − p)T²/(p(n − 1)) ~ F(p, n − p)``.
    Two samples, pooled: ``T² = n₁n₂/(n₁+n₂) dᵀS_p⁻¹d``,
    ``F = (n₁+n₂−p−1)T²/(p(n₁+n₂−2)) ~ F(p, n₁+n₂−p−1)``. Unequal covariances:
    ``T² = dᵀ(S₁/n₁ + S₂/n₂)⁻¹d``, ``F = T²(ν−p+1)/(pν) ~ F(p, ν−p+1)``. ``S`` has divisor
    ``n − 1``. Validated against R ``rrcov::T2.test`` and hand computations in R.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(40, 2))
    >>> t = hotelling_test(x, [0.0, 0.0])
    >>> t.df, t.df_denom
    (2.0, 38.0)
    """
    check_bool(equal_cov, "equal_cov")
    check_bool(paired, "paired")
    check_choice(method, "method", UnequalMethod)
    xs = as_dataset(x, name="x", columns=columns)
    is_data = isinstance(other, pd.DataFrame) or (other is not None and np.ndim(other) == 2)
    if is_data:
        ys = _aligned_y(xs, other)
        if not paired:
            return _two_sample(xs, ys, equal_cov, method)
        if ys.nobs != xs.nobs:
            raise ShapeError(f"Paired samples need the same number of rows; got {xs.nobs} and "
                             f"{ys.nobs}.")
        xs = Dataset(xs.values - ys.values, xs.labels, xs.index, xs.labelled)
    elif paired:
        raise ShapeError("The 'paired' option needs a second sample 'y' (a DataFrame or 2-D "
                         f"array); got {describe(other)}.")
    target = mean0 if mean0 is not None else (other if other is not None and not is_data
                                              else np.zeros(xs.nvars))
    m0 = aligned_vector(target, xs, "mean0")
    scale = units(xs)
    stats = sample_stats(xs, "x", scale)
    return hotelling_from_stats(stats.n, stats.mean, stats.cov(ddof=1), m0 / scale, xs)


@dataclass(frozen=True)
class ManovaResult:
    """One-way MANOVA: the four classical statistics with their F approximations.

    Attributes
    ----------
    table : DataFrame
        Rows ``Wilks``, ``Pillai``, ``Hotelling-Lawley``, ``Roy``; columns ``statistic``,
        ``fvalue``, ``df``, ``df_denom``, ``pvalue``.
    groups : list
        Group labels.
    nobs : int
    """

    table: pd.DataFrame
    groups: list[Any]
    nobs: int

    def test(self, name: str) -> HypothesisTest:
        """One row of :attr:`table` as a :class:`HypothesisTest`."""
        row = self.table.loc[name].to_numpy(dtype=float)
        stat, f, df, den, pv = (float(v) for v in row)
        return HypothesisTest(f"MANOVA ({name})", stat, df, pv, "F approximation",
                              "equal group means", fvalue=f, df_denom=den)

    def summary(self) -> str:
        head = f"One-way MANOVA: {len(self.groups)} groups, {self.nobs} observations"
        return head + "\n" + self.table.to_string(float_format=lambda v: f"{v:.6g}")

    def __str__(self) -> str:
        return self.summary()


def manova_table(e: FloatArray, h: FloatArray, q: int, df_res: float) -> pd.DataFrame:
    """The four statistics from ``E`` (within) and ``H`` (between), as R's summary.manova."""
    p = e.shape[0]
    lam = np.clip(sla.eigh(h, e, eigvals_only=True), 0.0, None)
    s, m, n = min(p, q), 0.5 * (abs(p - q) - 1), 0.5 * (df_res - p - 1)
    rows = {}
    wilks = float(np.prod(1 / (1 + lam)))
    t1, t2 = df_res - 0.5 * (p - q + 1), (p * q - 2) / 4
    t3 = p * p + q * q - 5
    t3 = np.sqrt(((p * q) ** 2 - 4) / t3) if t3 > 0 else 1.0
    rows["Wilks"] = (wilks, (wilks ** (-1 / t3) - 1) * (t1 * t3 - 2 * t2) / (p * q), p * q,
                     t1 * t3 - 2 * t2)
    pillai = float(np.sum(lam / (1 + lam)))
    a, b = 2 * m + s + 1, 2 * n + s + 1
    rows["Pillai"] = (pillai, (b / a * pillai) / (s - pillai), s * a, s * b)
    hl = float(np.sum(lam))
    c = 2 * (s * n + 1)
    rows["Hotelling-Lawley"] = (hl, c * hl / s / s / a, s * a, c)
    roy = float(np.max(lam))
    top = max(p, q)
    rows["Roy"] = (roy, (df_res - top + q) * roy / top, top, df_res - top + q)
    table = pd.DataFrame(rows, index=["statistic", "fvalue", "df", "df_denom"]).T
    table["pvalue"] = sps.f.sf(table["fvalue"], table["df"], table["df_denom"])
    return table


@fill_doc
def manova(data: Any, *, by: Any, columns: Any = None) -> ManovaResult:
    """One-way MANOVA of the columns of ``data`` across the groups of ``by``.

    %(group_params)s
    ManovaResult
        Wilks' Λ, Pillai's trace, the Hotelling–Lawley trace and Roy's largest root, with the
        F approximations of R's ``summary.manova`` (Roy's F is an upper bound).

    Notes
    -----
    With ``E`` the within-group and ``H`` the between-group SSCP matrices and ``λᵢ`` the
    eigenvalues of ``E⁻¹H``: Wilks ``Π 1/(1+λᵢ)``, Pillai ``Σ λᵢ/(1+λᵢ)``, Hotelling–Lawley
    ``Σ λᵢ``, Roy ``max λᵢ``. Validated against R ``summary(manova(...))`` on iris and crabs.

    Examples
    --------
    >>> import pandas as pd
    >>> iris = pd.read_csv("data/iris.csv")
    >>> r = manova(iris, by="Species")
    >>> r.table.loc["Wilks", "df"]
    np.float64(8.0)
    """
    groups = split_groups(data, by, columns=columns, min_rows=1)
    scale = units(*groups.parts)
    stats = [SufficientStats.from_array(d.values, scale=scale) for d in groups.parts]
    for lab, st, d in zip(groups.labels, stats, groups.parts, strict=True):
        if not st.finite:
            locate_nonfinite(d, f"data (group {lab!r})")
    total = stats[0]
    for st in stats[1:]:
        total = total.merge(st)
    e = np.sum([st.scatter for st in stats], axis=0)
    h = total.scatter - e
    df_res = total.n - len(stats)
    if df_res < groups.parts[0].nvars:
        raise SingularCovarianceError(
            f"MANOVA needs more observations than groups plus variables; got n = {total.n:g} "
            f"for {len(stats)} groups and p = {groups.parts[0].nvars}.")
    factor(e / df_res, "data", groups.parts[0])
    table = manova_table(e, (h + h.T) / 2, len(stats) - 1, df_res)
    return ManovaResult(table, groups.labels, int(total.n))
