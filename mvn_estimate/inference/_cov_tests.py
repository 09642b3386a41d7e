"""Tests of covariance matrices: Box's M, Σ = Σ₀, sphericity, and (block) independence."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats as sps

from .._docs import fill_doc
from .._typing import FloatArray
from ..data import Dataset, SufficientStats, align_matrix, as_dataset, show_labels, split_groups
from ..exceptions import LabelError, ShapeError, arg, describe, ref
from ..linalg import PDFactor, as_square
from ._means import factor, sample_stats, units
from ._result import HypothesisTest

__all__ = [
    "box_m_test",
    "cov_test",
    "cov_test_from_stats",
    "independence_from_stats",
    "independence_test",
    "sphericity_from_stats",
    "sphericity_test",
]


@fill_doc
def box_m_test(data: Any, *, by: Any, columns: Any = None) -> HypothesisTest:
    """Box's M test that the groups of ``by`` share one covariance matrix.

    %(group_params)s
    HypothesisTest
        ``statistic``, ``df``, ``pvalue``: Box's χ² approximation ``M(1 − c₁)``; ``fvalue``,
        ``df_denom``, ``f_pvalue``: his F approximation; ``details``: ``M``, ``c1``, ``c2``.

    Notes
    -----
    ``M = (N − g) ln|S_p| − Σᵢ (nᵢ − 1) ln|Sᵢ|`` (divisor ``nᵢ − 1``; ``S_p`` pooled),
    ``c₁ = [Σ 1/(nᵢ−1) − 1/(N−g)](2p²+3p−1)/(6(p+1)(g−1))``,
    ``c₂ = [Σ 1/(nᵢ−1)² − 1/(N−g)²](p−1)(p+2)/(6(g−1))``, ``df₁ = (g−1)p(p+1)/2``,
    ``df₂ = (df₁+2)/|c₂−c₁²|`` (Box, 1949; Rencher, 2002, §7.3.2). Sensitive to
    non-normality: a rejection may mean heavy tails rather than unequal covariances.
    Validated against a hand computation in R (``tests/reference/tests.R``).

    Examples
    --------
    >>> import pandas as pd
    >>> iris = pd.read_csv("data/iris.csv")
    >>> t = box_m_test(iris, by="Species")
    >>> t.df
    20.0
    """
    groups = split_groups(data, by, columns=columns)
    p, g = groups.parts[0].nvars, len(groups.labels)
    scale = units(*groups.parts)
    covs, sizes, logdets = [], [], []
    for lab, part in zip(groups.labels, groups.parts, strict=True):
        st = sample_stats(part, f"data (group {lab!r})", scale)
        covs.append(st.cov(ddof=1))
        sizes.append(st.n)
        logdets.append(factor(covs[-1], f"data (group {lab!r})", part).logdet)
    n = np.array(sizes)
    big = n.sum()
    pooled = sum((k - 1) * c for k, c in zip(n, covs, strict=True)) / (big - g)
    m = float((big - g) * factor(pooled, "data", groups.parts[0]).logdet
              - np.sum((n - 1) * np.array(logdets)))
    c1 = (np.sum(1 / (n - 1)) - 1 / (big - g)) * (2 * p * p + 3 * p - 1) / (6 * (p + 1) * (g - 1))
    c2 = (np.sum(1 / (n - 1) ** 2) - 1 / (big - g) ** 2) * (p - 1) * (p + 2) / (6 * (g - 1))
    df1 = (g - 1) * p * (p + 1) / 2
    df2 = (df1 + 2) / abs(c2 - c1**2)
    if c2 > c1**2:
        f = m * (1 - c1 - df1 / df2) / df1
    else:
        b2 = (1 - c1 + 2 / df2) / df2
        f = df2 * b2 * m / (df1 * (1 - b2 * m))
    chi = m * (1 - c1)
    return HypothesisTest("Box's M", float(chi), float(df1), float(sps.chi2.sf(chi, df1)),
                          "chi2 approximation (F approximation in fvalue)",
                          f"the {g} groups of {groups.name} have equal covariance matrices",
                          fvalue=float(f), df_denom=float(df2),
                          f_pvalue=float(sps.f.sf(f, df1, df2)),
                          details=(("M", m), ("c1", float(c1)), ("c2", float(c2))))


def aligned_matrix(value: Any, ds: Dataset, name: str) -> FloatArray:
    values, labels = align_matrix(value, name)
    if labels is not None and ds.labelled:
        if set(labels) != set(ds.labels):
            raise LabelError(f"{arg(name)}'s labels {show_labels(labels)} must be the "
                             f"columns {show_labels(ds.labels)}.")
        order = [list(labels).index(c) for c in ds.labels]
        values = np.asarray(values)[np.ix_(order, order)]
    out = as_square(values, name, complex_ok=False)
    if out.shape[0] != ds.nvars:
        raise ShapeError(f"{arg(name)} must be {ds.nvars}×{ds.nvars}; got "
                         f"{describe(out)}.")
    return out


def cov_test_from_stats(stats: SufficientStats, cov0: FloatArray, ds: Dataset) -> HypothesisTest:
    """``Σ = Σ₀`` from sample statistics (mean unknown)."""
    n, p = stats.n, stats.nvars
    fac0 = PDFactor.of(cov0, name="cov0")
    s_ml = stats.cov()
    a = fac0.solve(s_ml)
    logdet_a = factor(s_ml, "x", ds).logdet - fac0.logdet
    lr = float(n * (np.trace(a) - logdet_a - p))
    modified = float((n - 1) * (np.trace(a) * n / (n - 1) - (logdet_a + p * np.log(n / (n - 1)))
                                - p))
    corrected = modified * (1 - (2 * p + 1 - 2 / (p + 1)) / (6 * (n - 1)))
    df = p * (p + 1) / 2
    return HypothesisTest("covariance equals cov0", lr, df, float(sps.chi2.sf(lr, df)),
                          "chi2 (likelihood ratio); Bartlett-corrected form in details",
                          "the covariance equals cov0",
                          details=(("bartlett", corrected),
                                   ("bartlett_pvalue", float(sps.chi2.sf(corrected, df))),
                                   ("modified", modified)))


def cov_test(x: Any, cov0: Any, *, columns: Any = None) -> HypothesisTest:
    """Likelihood-ratio test that the covariance of ``x`` is ``cov0`` (mean unknown).

    Parameters
    ----------
    x : DataFrame or array-like of shape (n, p)
    cov0 : array-like of shape (p, p) or DataFrame
        Symmetric positive definite; a DataFrame is matched to ``x``'s columns by label.
    columns : list of labels, optional

    Returns
    -------
    HypothesisTest
        ``statistic`` = ``−2 ln λ = n[tr(Σ₀⁻¹S) − ln|Σ₀⁻¹S| − p]`` (``S`` the ML covariance)
        with its ``χ²(p(p+1)/2)`` p-value; ``details``: the Bartlett-corrected statistic
        ``(n−1)[tr(Σ₀⁻¹S_u) − ln|Σ₀⁻¹S_u| − p](1 − (2p + 1 − 2/(p+1))/(6(n−1)))`` and its
        p-value (more accurate in small samples; Anderson, 2003, §10.8), and the unmodified
        ``(n − 1)`` form.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(60, 2))
    >>> t = cov_test(x, np.eye(2))
    >>> t.df, bool(t.pvalue > 0.01)
    (3.0, True)
    """
    ds = as_dataset(x, name="x", columns=columns)
    scale = units(ds)
    cov0 = aligned_matrix(cov0, ds, "cov0") / scale[:, None] / scale[None, :]
    return cov_test_from_stats(sample_stats(ds, "x", scale), cov0, ds)


def sphericity_from_stats(stats: SufficientStats, ds: Dataset) -> HypothesisTest:
    """Mauchly's test from sample statistics."""
    two_columns(ds, "Mauchly's sphericity test")
    n, p = stats.n, stats.nvars
    s = stats.cov(ddof=1)
    log_w = factor(s, "x", ds).logdet - p * np.log(np.trace(s) / p)
    nu = n - 1
    rho = 1 - (2 * p * p + p + 2) / (6 * p * nu)
    z = float(-nu * rho * log_w)
    f = p * (p + 1) / 2 - 1
    w2 = (p + 2) * (p - 1) * (p - 2) * (2 * p**3 + 6 * p * p + 3 * p + 2) / (
        288 * (nu * p * rho) ** 2)
    pr1, pr2 = sps.chi2.sf(z, f), sps.chi2.sf(z, f + 4)
    return HypothesisTest("Mauchly's sphericity", z, float(f), float(pr1 + w2 * (pr2 - pr1)),
                          "chi2 with the second-order term of R's mauchly.test",
                          "the covariance is proportional to the identity",
                          details=(("W", float(np.exp(log_w))),
                                   ("pvalue_chi2", float(pr1))))


def sphericity_test(x: Any, *, columns: Any = None) -> HypothesisTest:
    """Mauchly's test that the covariance of ``x`` is ``σ²I``.

    Returns
    -------
    HypothesisTest
        ``statistic`` = ``−(n−1)ρ ln W`` with ``W = |S|/(tr S/p)^p``,
        ``ρ = 1 − (2p²+p+2)/(6p(n−1))``, ``df = p(p+1)/2 − 1``; the p-value adds the
        second-order term of R's ``mauchly.test`` (whose value it reproduces); ``details``:
        ``W`` and the plain χ² p-value.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(60, 3))
    >>> t = sphericity_test(x)
    >>> t.df
    5.0
    """
    ds = as_dataset(x, name="x", columns=columns)
    return sphericity_from_stats(sample_stats(ds, "x", units(ds, common=True)), ds)


def _positions(blocks: list[Any], ds: Dataset) -> list[list[Any]] | None:
    """Blocks of an unlabelled array given as column positions, as labels; None otherwise."""
    items = [c for b in blocks for c in b]
    if ds.labelled or not all(isinstance(c, int | np.integer) and not isinstance(c, bool)
                              for c in items):
        return None
    bad = [c for c in items if not 0 <= c < ds.nvars]
    if bad:
        raise ShapeError(f"{arg('blocks')} gives column positions {bad} outside 0 … "
                         f"{ds.nvars - 1} (the array has {ds.nvars} columns).")
    return [[ds.labels[int(c)] for c in b] for b in blocks]


def _blocks(blocks: Any, ds: Dataset) -> list[np.ndarray]:
    if blocks is None:
        return [np.array([j]) for j in range(ds.nvars)]
    if isinstance(blocks, str) or not all(isinstance(b, list | tuple) for b in blocks):
        raise ShapeError(f"{arg('blocks')} must be a list of lists of column labels (or, for "
                         f"an array, of column positions); got {describe(blocks)}.")
    blocks = _positions(blocks, ds) or blocks
    index = {repr(c): j for j, c in enumerate(ds.labels)}
    flat = [repr(c) for b in blocks for c in b]
    if sorted(flat) != sorted(index) or len(blocks) < 2:
        what = "labels" if ds.labelled else "positions 0 … p−1 (or labels x0, x1, …)"
        raise LabelError(f"{arg('blocks')} must split the columns {show_labels(ds.labels)}"
                         f" into at least two groups, each column once, by their {what}; got "
                         f"{blocks}.{_by_label(blocks, ds)}")
    return [np.array([index[repr(c)] for c in b]) for b in blocks]


def _by_label(blocks: list[Any], ds: Dataset) -> str:
    """For positions given with a labelled frame: the same blocks written as labels."""
    items = [c for b in blocks for c in b]
    if not ds.labelled or not all(isinstance(c, int | np.integer) and not isinstance(c, bool)
                                  and 0 <= c < ds.nvars for c in items):
        return ""
    return (" Positions are read only for an unlabelled array; for these columns write "
            f"{[[ds.labels[int(c)] for c in b] for b in blocks]}.")


def two_columns(ds: Dataset, test: str) -> None:
    """Tests of a covariance's shape need at least two variables."""
    if ds.nvars < 2:
        raise ShapeError(f"{test} needs at least 2 columns in {ref('x')} (with one the "
                         f"covariance has no shape to test); got 1, {show_labels(ds.labels)}. "
                         "Test more columns.")


def independence_from_stats(stats: SufficientStats, ds: Dataset,
                            blocks: Any = None) -> HypothesisTest:
    """Block independence from sample statistics."""
    two_columns(ds, "The independence test")
    n, p = stats.n, stats.nvars
    parts = _blocks(blocks, ds)
    s = stats.cov(ddof=1)
    log_v = factor(s, "x", ds).logdet - sum(PDFactor.of(s[np.ix_(b, b)]).logdet for b in parts)
    sizes = np.array([b.size for b in parts], dtype=float)
    a2, a3 = p * p - np.sum(sizes**2), p**3 - np.sum(sizes**3)
    stat = float(-(n - 1.5 - a3 / (3 * a2)) * log_v)
    df = a2 / 2
    what = "the variables are independent" if blocks is None else \
        "the blocks are independent of each other"
    return HypothesisTest("independence" if blocks is None else "block independence", stat,
                          float(df), float(sps.chi2.sf(stat, df)),
                          "chi2 with Bartlett's/Box's correction", what,
                          details=(("V", float(np.exp(log_v))),))


def independence_test(x: Any, *, blocks: Any = None, columns: Any = None) -> HypothesisTest:
    """Test that the covariance of ``x`` is diagonal, or block-diagonal over ``blocks``.

    Parameters
    ----------
    x : DataFrame or array-like of shape (n, p)
    blocks : list of lists of labels (or of positions, for an array), optional
        Groups of columns; the test is that the groups are independent of each other. Default:
        every column its own group (Bartlett's test that Σ is diagonal). At least two
        columns are needed.
    columns : list of labels, optional

    Returns
    -------
    HypothesisTest
        ``statistic = −(n − 3/2 − (p³ − Σpₖ³)/(3(p² − Σpₖ²))) ln V``, ``V = |S|/Π|Sₖₖ|``,
        ``df = (p² − Σpₖ²)/2`` (Anderson, 2003, §9.4, with Box's correction); with single
        columns this is Bartlett's ``−(n − 1 − (2p+5)/6) ln|R|`` (R ``psych::cortest.bartlett``).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(60, 3))
    >>> independence_test(x).df
    3.0
    """
    ds = as_dataset(x, name="x", columns=columns)
    return independence_from_stats(sample_stats(ds, "x", units(ds)), ds, blocks)

