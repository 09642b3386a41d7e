"""Tests of multivariate normality: Mardia, Henze–Zirkler and Doornik–Hansen.

All three are *asymptotic* tests of the hypothesis that the rows of the data are independent
draws from some multivariate normal distribution (mean and covariance unknown). They take a
DataFrame or an array of complete observations, are invariant to affine changes of units,
and refuse missing values, too few rows and a singular sample covariance with the package's
errors. Mardia's and Henze–Zirkler's statistics need all ``n²`` pairs of observations: they
are accumulated in blocks of rows, so memory stays ``O(block · n)`` and the ``n × n`` matrix
is never formed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from .._docs import fill_doc
from .._typing import FloatArray
from ..data import CHUNK_ELEMENTS, Dataset, as_dataset, locate_nonfinite, show_labels
from ..exceptions import ShapeError, SingularCovarianceError, ref
from ..linalg import PDFactor
from ..model import enough_rows, factor_or_explain
from ._result import HypothesisTest

__all__ = ["MardiaResult", "doornik_hansen_test", "henze_zirkler_test", "mardia_test"]

_NULL = "the rows are independent draws from a multivariate normal distribution"
_ADVICE = ("Drop the incomplete rows first (for a DataFrame, data.dropna()): the tests of "
           "normality need complete observations.")
DH_MIN_ROWS = 8
"""Fewest rows for D'Agostino's skewness transform used by Doornik–Hansen (at n = 7 its
``log √w²`` is 0)."""


@dataclass(frozen=True)
class MardiaResult:
    """Result of :func:`mardia_test`: Mardia's skewness and kurtosis tests.

    Attributes
    ----------
    skewness : HypothesisTest
        ``n b1p / 6`` against ``χ²(p(p+1)(p+2)/6)``.
    skewness_small : HypothesisTest
        The small-sample corrected skewness ``n k b1p / 6`` against the same ``χ²``.
    kurtosis : HypothesisTest
        ``z = (b2p − p(p+2)) √(n / (8p(p+2)))`` against ``N(0, 1)``, two-sided (``df`` is
        NaN: there are no degrees of freedom).
    b1p, b2p : float
        Mardia's multivariate skewness and kurtosis (psych::mardia's convention, see
        :func:`mardia_test`).
    nobs, nvars : int
        Number of observations ``n`` and of variables ``p``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> res = mardia_test(rng.standard_normal((100, 2)))
    >>> res.nobs, res.nvars, res.skewness.df
    (100, 2, 4.0)
    """

    skewness: HypothesisTest
    skewness_small: HypothesisTest
    kurtosis: HypothesisTest
    b1p: float
    b2p: float
    nobs: int
    nvars: int

    def summary(self) -> str:
        """The three tests as text, one line each (also ``str(result)``)."""
        lines = [f"Mardia's tests of multivariate normality (n = {self.nobs}, "
                 f"p = {self.nvars})", f"b1p = {self.b1p:.6g}, b2p = {self.b2p:.6g}"]
        for label, t in (("skewness", self.skewness), ("small-sample skewness",
                                                       self.skewness_small)):
            lines.append(f"{label}: statistic = {t.statistic:.6g}, df = {t.df:g}, "
                         f"p-value = {t.pvalue:.4g} ({t.method})")
        k = self.kurtosis
        lines.append(f"kurtosis: z = {k.statistic:.6g}, p-value = {k.pvalue:.4g} ({k.method})")
        return "\n".join([*lines, f"H0: {_NULL}"])

    def __str__(self) -> str:
        return self.summary()


def _prepare(x: Any, columns: Any, test: str, minimum: int = 0,
             why: str = "") -> tuple[Dataset, FloatArray]:
    """Checked data and their centred values, each column rescaled by a power of two."""
    ds = as_dataset(x, name="x", columns=columns)
    values = ds.values
    if not np.isfinite(values).all():
        locate_nonfinite(ds, "x", advice=_ADVICE)
    n, p = ds.nobs, ds.nvars
    enough_rows(n, p, ds.labels, f"{test} needs more rows than columns in {ref('x')}; use "
                "more observations or fewer columns.", f" rows of {ref('x')}")
    if n < max(p + 2, minimum):
        rule = (f"at least {minimum} rows ({why})" if minimum > p + 2 else
                f"at least p + 2 = {p + 2} rows for p = {p} variables (with n ≤ p the sample "
                "covariance is singular; with n = p + 1 the statistic is a constant)")
        raise ShapeError(f"{test} needs 'x' to have {rule}; got {n} row(s). Use more "
                         "observations or fewer columns.")
    constant = [c for c, r in zip(ds.labels, np.ptp(values, axis=0), strict=True) if r == 0]
    if constant:
        raise SingularCovarianceError(
            f"The sample covariance of 'x' is singular: columns {show_labels(constant)} are "
            "constant (zero variance). Drop them.", columns=[str(c) for c in constant])
    top = np.max(np.abs(values), axis=0)  # exact rescaling: no overflow, same statistics
    y = values / np.exp2(np.round(np.log2(top)))
    y = y - y.mean(axis=0)
    return ds, y - y.mean(axis=0)


def _factor(cov: FloatArray, ds: Dataset) -> PDFactor:
    """Cholesky factor of the sample covariance, or :class:`SingularCovarianceError`."""
    return factor_or_explain(cov, ds.labels, "The sample covariance", "x")


def _whitened(xc: FloatArray, ds: Dataset, ddof: int) -> FloatArray:
    """Rows ``L⁻¹ xᵢ`` with ``S = LLᵀ`` the covariance of divisor ``n − ddof``."""
    cov = (xc.T @ xc) / (xc.shape[0] - ddof)
    return _factor((cov + cov.T) / 2, ds).whiten(xc)


def _gram_blocks(z: FloatArray, block: int | None = None
                 ) -> Iterator[tuple[slice, FloatArray]]:
    """Row blocks ``(rows, z[rows] zᵀ)`` of the Gram matrix ``zzᵀ``, each ``block × n``."""
    n = z.shape[0]
    step = block or max(1, CHUNK_ELEMENTS // n)
    for start in range(0, n, step):
        rows = slice(start, min(start + step, n))
        yield rows, z[rows] @ z.T


def _sum_cubed_gram(z: FloatArray, block: int | None = None) -> float:
    """``Σⱼₖ (zⱼᵀzₖ)³`` without forming the ``n × n`` matrix.

    When ``p³ < n`` it is the squared norm of the third-moment tensor ``Σⱼ zⱼ⊗zⱼ⊗zⱼ``
    (``O(np³)`` time, ``O(p³)`` memory); otherwise by row blocks of the Gram matrix
    (``O(n²p)``).
    """
    n, p = z.shape
    if block is None and p**3 < n:
        tensor = np.zeros((p, p, p))
        step = max(1, CHUNK_ELEMENTS // (p * p))
        for start in range(0, n, step):
            rows = z[start:start + step]
            tensor += np.einsum("ri,rj,rk->ijk", rows, rows, rows)
        return float(np.sum(tensor * tensor))
    return float(sum(np.sum(g * g * g) for _, g in _gram_blocks(z, block)))


def _hz_pair_sum(z: FloatArray, beta: float, block: int | None = None) -> float:
    """``Σⱼₖ exp(−β²/2 ‖zⱼ − zₖ‖²)`` without forming the ``n × n`` matrix."""
    d = np.einsum("ij,ij->i", z, z)
    total = 0.0
    for rows, g in _gram_blocks(z, block):
        dist = np.maximum(d[rows, None] + d[None, :] - 2.0 * g, 0.0)
        total += float(np.sum(np.exp(-0.5 * beta**2 * dist)))
    return total


@fill_doc
def mardia_test(x: Any, *, columns: Any = None) -> MardiaResult:
    """Mardia's (1970) tests of multivariate skewness and kurtosis.

    %(normality_params)s

    Returns
    -------
    MardiaResult
        The skewness, small-sample skewness and kurtosis tests, ``b1p`` and ``b2p``.

    Raises
    ------
    MissingValueError
        ``x`` holds NaN (drop the incomplete rows first); infinite values raise
        :class:`~mvn_estimate.exceptions.NonFiniteError`.
    ShapeError
        Fewer than ``p + 2`` rows.
    SingularCovarianceError
        Constant or collinear columns.

    Notes
    -----
    The conventions of R's ``psych::mardia``: with ``xᵢ`` centred at the sample mean and
    ``S`` the covariance of divisor ``n − 1``, ``D = X S⁻¹ Xᵀ`` (by a Cholesky solve),
    ``b1p = Σⱼₖ Dⱼₖ³ / n²`` and ``b2p = Σᵢ Dᵢᵢ² / n``. Skewness ``n b1p / 6`` is referred
    to ``χ²(p(p+1)(p+2)/6)``; the small-sample version multiplies it by
    ``k = (p+1)(n+1)(n+3) / (n((n+1)(p+1) − 6))``; kurtosis
    ``z = (b2p − p(p+2)) √(n / (8p(p+2)))`` is referred to ``N(0, 1)``, two-sided. Mardia's
    original definitions use the divisor ``n`` (so ``D`` is ``n/(n−1)`` times larger): they are
    ``b1p (n/(n−1))³`` and ``b2p (n/(n−1))²`` (checked against a direct computation in
    R). All three references are asymptotic (the kurtosis test is
    conservative in small samples).

    ``Σⱼₖ Dⱼₖ³`` is accumulated over row blocks of ``D``: the cost is ``O(n²p)`` time and
    ``O(block · n)`` memory; the ``n × n`` matrix is never formed.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> res = mardia_test(rng.standard_normal((100, 3)))
    >>> res.skewness.df, res.kurtosis.method
    (10.0, 'standard normal, two-sided')
    >>> bool(res.skewness_small.statistic > res.skewness.statistic)
    True
    """
    ds, xc = _prepare(x, columns, "Mardia's test")
    n, p = xc.shape
    z = _whitened(xc, ds, ddof=1)
    b1p = _sum_cubed_gram(z) / n**2
    b2p = float(np.sum(np.einsum("ij,ij->i", z, z) ** 2)) / n
    df = p * (p + 1) * (p + 2) / 6
    k = (p + 1) * (n + 1) * (n + 3) / (n * ((n + 1) * (p + 1) - 6))
    skew = n * b1p / 6
    kurt = (b2p - p * (p + 2)) * math.sqrt(n / (8 * p * (p + 2)))
    chi2 = "chi2 (asymptotic)"
    return MardiaResult(
        skewness=HypothesisTest("Mardia skewness", skew, df, float(sps.chi2.sf(skew, df)),
                                chi2, _NULL, details=(("b1p", b1p),)),
        skewness_small=HypothesisTest(
            "Mardia skewness (small-sample)", skew * k, df, float(sps.chi2.sf(skew * k, df)),
            chi2, _NULL, details=(("b1p", b1p), ("k", k))),
        kurtosis=HypothesisTest("Mardia kurtosis", kurt, math.nan,
                                float(2 * sps.norm.sf(abs(kurt))), "standard normal, two-sided",
                                _NULL, details=(("b2p", b2p), ("expected", p * (p + 2.0)))),
        b1p=b1p, b2p=b2p, nobs=n, nvars=p)


def _hz_lognormal(n: int, p: int, beta: float) -> tuple[float, float]:
    """Mean and variance of HZ under normality (Henze & Zirkler 1990)."""
    b2 = beta**2
    a, w = 1 + 2 * b2, (1 + b2) * (1 + 3 * b2)
    mu = 1 - a ** (-p / 2) * (1 + p * b2 / a + p * (p + 2) * b2**2 / (2 * a**2))
    s2 = (2 * (1 + 4 * b2) ** (-p / 2)
          + 2 * a ** (-p) * (1 + 2 * p * b2**2 / a**2 + 3 * p * (p + 2) * b2**4 / (4 * a**4))
          - 4 * w ** (-p / 2) * (1 + 3 * p * b2**2 / (2 * w) + p * (p + 2) * b2**4 / (2 * w**2)))
    return mu, s2


@fill_doc
def henze_zirkler_test(x: Any, *, columns: Any = None) -> HypothesisTest:
    """Henze and Zirkler's (1990) test of multivariate normality.

    %(normality_test)s
        ``statistic`` is HZ, ``pvalue`` its lognormal upper tail (``df`` is NaN);
        ``details`` hold ``beta``, ``lognormal_mean``, ``lognormal_var``, ``meanlog`` and
        ``sdlog``.

    Raises
    ------
    MissingValueError, ShapeError, SingularCovarianceError
        As :func:`mardia_test`.

    Notes
    -----
    With ``S`` the covariance of divisor ``n``, ``Dⱼₖ = (xⱼ − xₖ)ᵀS⁻¹(xⱼ − xₖ)``,
    ``Dⱼ = (xⱼ − x̄)ᵀS⁻¹(xⱼ − x̄)`` and ``β = (1/√2)((2p+1)n/4)^(1/(p+4))``::

        HZ = (1/n) Σⱼₖ exp(−β²Dⱼₖ/2) − 2(1+β²)^(−p/2) Σⱼ exp(−β²Dⱼ/(2(1+β²)))
             + n(1+2β²)^(−p/2)

    HZ is referred to the lognormal distribution with HZ's mean ``μ`` and variance ``σ²``
    under normality (Henze & Zirkler 1990, as R's ``MVN::hz``): ``a = 1 + 2β²``,
    ``w = (1+β²)(1+3β²)``, ``μ = 1 − a^(−p/2)(1 + pβ²/a + p(p+2)β⁴/(2a²))``,
    ``σ² = 2(1+4β²)^(−p/2) + 2a^(−p)(1 + 2pβ⁴/a² + 3p(p+2)β⁸/(4a⁴))
    − 4w^(−p/2)(1 + 3pβ⁴/(2w) + p(p+2)β⁸/(2w²))``; ``meanlog = log(μ²/√(σ²+μ²))``,
    ``sdlog = √log(1 + σ²/μ²)``. The p-value is asymptotic.

    The pair sum is accumulated over row blocks: ``O(n²p)`` time, ``O(block · n)`` memory.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> res = henze_zirkler_test(rng.standard_normal((100, 3)))
    >>> res.method, round(res.detail("beta"), 6)
    ('lognormal (asymptotic)', 1.478833)
    """
    ds, xc = _prepare(x, columns, "The Henze–Zirkler test")
    n, p = xc.shape
    z = _whitened(xc, ds, ddof=0)
    beta = (1 / math.sqrt(2)) * ((2 * p + 1) * n / 4) ** (1 / (p + 4))
    b2 = beta**2
    dj = np.einsum("ij,ij->i", z, z)
    hz = (_hz_pair_sum(z, beta) / n
          - 2 * (1 + b2) ** (-p / 2) * float(np.sum(np.exp(-b2 / (2 * (1 + b2)) * dj)))
          + n * (1 + 2 * b2) ** (-p / 2))
    mu, s2 = _hz_lognormal(n, p, beta)
    meanlog = math.log(mu**2 / math.sqrt(s2 + mu**2))
    sdlog = math.sqrt(math.log((s2 + mu**2) / mu**2))
    pvalue = float(sps.lognorm.sf(hz, s=sdlog, scale=math.exp(meanlog)))
    return HypothesisTest("Henze-Zirkler", hz, math.nan, pvalue, "lognormal (asymptotic)",
                          _NULL, details=(("beta", beta), ("lognormal_mean", mu),
                                          ("lognormal_var", s2), ("meanlog", meanlog),
                                          ("sdlog", sdlog)))


def _dagostino_skewness(rb1: FloatArray, n: int) -> FloatArray:
    """D'Agostino's (1970) normalising transform of ``√b1`` (needs n ≥ 8)."""
    beta = 3 * (n**2 + 27 * n - 70) * (n + 1) * (n + 3) / (
        (n - 2) * (n + 5) * (n + 7) * (n + 9))
    w2 = -1 + math.sqrt(2 * (beta - 1))
    delta = 1 / math.sqrt(math.log(math.sqrt(w2)))
    y = rb1 * math.sqrt((w2 - 1) * (n + 1) * (n + 3) / (12 * (n - 2)))
    return np.asarray(delta * np.log(y + np.sqrt(y**2 + 1)), dtype=np.float64)


def _dh_kurtosis(b1: FloatArray, b2: FloatArray, n: int) -> FloatArray:
    """Doornik & Hansen's (2008, eq. 3) gamma/Wilson–Hilferty transform of ``b2``."""
    d = (n - 3) * (n + 1) * (n**2 + 15 * n - 4)
    a = (n - 2) * (n + 5) * (n + 7) * (n**2 + 27 * n - 70) / (6 * d)
    c = (n - 7) * (n + 5) * (n + 7) * (n**2 + 2 * n - 5) / (6 * d)
    k = (n + 5) * (n + 7) * (n**3 + 37 * n**2 + 11 * n - 313) / (12 * d)
    alpha = a + b1 * c
    chi = np.maximum(b2 - 1 - b1, 0.0) * 2 * k  # b2 ≥ 1 + b1 always; max() guards rounding
    return np.asarray((np.cbrt(chi / (2 * alpha)) - 1 + 1 / (9 * alpha))
                      * np.sqrt(9 * alpha), dtype=np.float64)


def _dh_parts(xc: FloatArray, ds: Dataset) -> tuple[FloatArray, ...]:
    """``(√b1, b2, z1, z2)`` of the components ``yᵢ = H Λ^(−1/2) Hᵀ V xᵢ``."""
    n = xc.shape[0]
    cov = (xc.T @ xc) / n
    _factor((cov + cov.T) / 2, ds)  # refuses a singular covariance by the package's rule
    v = 1 / np.sqrt(np.diag(cov))
    lam, h = np.linalg.eigh(cov * v[:, None] * v[None, :])
    y = (xc * v) @ (h / np.sqrt(lam)) @ h.T
    m2, m3, m4 = (np.mean(y**k, axis=0) for k in (2, 3, 4))
    rb1, b2 = m3 / m2**1.5, m4 / m2**2
    return rb1, b2, _dagostino_skewness(rb1, n), _dh_kurtosis(rb1**2, b2, n)


@fill_doc
def doornik_hansen_test(x: Any, *, columns: Any = None) -> HypothesisTest:
    """Doornik and Hansen's (2008) omnibus test of multivariate normality.

    %(normality_test)s
        ``statistic`` is ``E``, referred to ``χ²(2p)``; ``details`` hold the transformed
        skewness ``z1[j]`` and kurtosis ``z2[j]`` of each component ``j = 1 … p``.

    Raises
    ------
    MissingValueError, SingularCovarianceError
        As :func:`mardia_test`.
    ShapeError
        Fewer than ``max(p + 2, 8)`` rows (8 is the minimum of D'Agostino's transform).

    Notes
    -----
    With ``V = diag(S)^(−1/2)`` and the correlation matrix ``C = VSV = HΛHᵀ``, the data are
    transformed by the *symmetric* inverse square root, ``yᵢ = HΛ^(−1/2)Hᵀ V(xᵢ − x̄)``
    (the choice of ``S``'s divisor does not matter). For each component, ``√b1 = m₃/m₂^(3/2)``
    and ``b2 = m₄/m₂²`` (moments of divisor ``n``). Skewness is transformed by D'Agostino
    (1970): ``β = 3(n²+27n−70)(n+1)(n+3)/((n−2)(n+5)(n+7)(n+9))``, ``w² = −1 + √(2(β−1))``,
    ``δ = 1/√log √w²``, ``y = √b1 √((w²−1)(n+1)(n+3)/(12(n−2)))``,
    ``z1 = δ log(y + √(y²+1))``. Kurtosis by the gamma approximation of Doornik & Hansen
    (2008, eq. 3): ``d = (n−3)(n+1)(n²+15n−4)``, ``a = (n−2)(n+5)(n+7)(n²+27n−70)/(6d)``,
    ``c = (n−7)(n+5)(n+7)(n²+2n−5)/(6d)``, ``k = (n+5)(n+7)(n³+37n²+11n−313)/(12d)``,
    ``α = a + b1 c``, ``χ = 2k(b2 − 1 − b1)``, ``z2 = ((χ/(2α))^(1/3) − 1 + 1/(9α))√(9α)``.
    Then ``E = Σⱼ z1ⱼ² + z2ⱼ² ~ χ²(2p)`` asymptotically. Cost ``O(np²)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> res = doornik_hansen_test(rng.standard_normal((100, 3)))
    >>> res.df, res.method
    (6.0, 'chi2 (asymptotic)')
    """
    ds, xc = _prepare(x, columns, "The Doornik–Hansen test", DH_MIN_ROWS,
                      "the minimum of D'Agostino's skewness transform")
    p = xc.shape[1]
    _, _, z1, z2 = _dh_parts(xc, ds)
    stat = float(np.sum(z1**2) + np.sum(z2**2))
    details = tuple((f"z1[{j + 1}]", float(v)) for j, v in enumerate(z1)) + tuple(
        (f"z2[{j + 1}]", float(v)) for j, v in enumerate(z2))
    return HypothesisTest("Doornik-Hansen", stat, 2.0 * p, float(sps.chi2.sf(stat, 2 * p)),
                          "chi2 (asymptotic)", _NULL, details=details)
