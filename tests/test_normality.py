"""Tests of multivariate normality (Mardia, Henze–Zirkler, Doornik–Hansen) against R."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from mvn_estimate.exceptions import (
    DtypeError,
    InvalidOptionError,
    LabelError,
    MissingValueError,
    NonFiniteError,
    ShapeError,
    SingularCovarianceError,
)
from mvn_estimate.inference import HypothesisTest
from mvn_estimate.inference._normality import (
    MardiaResult,
    _dh_parts,
    _hz_pair_sum,
    _prepare,
    _sum_cubed_gram,
    doornik_hansen_test,
    henze_zirkler_test,
    mardia_test,
)

from .conftest import reference, reference_data

IRIS = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]
CRABS = ["FL", "RW", "CL", "CW", "BD"]
RTOL = 1e-10  # crabs B.M is nearly collinear: R's solve() and our Cholesky agree to ~1e-12
TESTS = (mardia_test, henze_zirkler_test, doornik_hansen_test)


def _setosa() -> pd.DataFrame:
    iris = reference_data("iris.csv")
    return iris[iris["Species"] == "setosa"]


def _crabs_bm() -> pd.DataFrame:
    crabs = reference_data("crabs.csv")
    return crabs[(crabs["sp"] == "B") & (crabs["sex"] == "M")]


CASES = {"iris_setosa": (_setosa, IRIS), "crabs_BM": (_crabs_bm, CRABS)}


def _case(key: str) -> tuple[pd.DataFrame, list[str]]:
    make, cols = CASES[key]
    return make(), cols


def _numbers(res: MardiaResult | HypothesisTest) -> np.ndarray:
    """Every number of a result, flattened (NaN df included), for comparisons."""
    tests = [res.skewness, res.skewness_small, res.kurtosis] if isinstance(
        res, MardiaResult) else [res]
    out = [[t.statistic, t.df, t.pvalue, *(v for _, v in t.details)] for t in tests]
    return np.array([x for row in out for x in row], dtype=float)


# --- against R (tests/reference/tests.R) --------------------------------------------------


@pytest.mark.parametrize("key", list(CASES))
def test_mardia_matches_psych(key):
    frame, cols = _case(key)
    ref = reference("tests")["mardia"][key]
    res = mardia_test(frame, columns=cols)
    assert (res.nobs, res.nvars) == (ref["n"], ref["p"])
    pairs = {"b1p": res.b1p, "b2p": res.b2p, "skew": res.skewness.statistic,
             "small.skew": res.skewness_small.statistic, "kurtosis": res.kurtosis.statistic,
             "p.skew": res.skewness.pvalue, "p.small": res.skewness_small.pvalue,
             "p.kurt": res.kurtosis.pvalue}
    for name, got in pairs.items():
        np.testing.assert_allclose(got, ref[name], rtol=RTOL, err_msg=name)
    p = ref["p"]
    assert res.skewness.df == res.skewness_small.df == p * (p + 1) * (p + 2) / 6
    n = ref["n"]  # Mardia's original (divisor n) versions, documented in the Notes
    np.testing.assert_allclose(res.b1p * (n / (n - 1)) ** 3,
                               ref["divisor_n_versions"]["b1p"], rtol=RTOL)
    np.testing.assert_allclose(res.b2p * (n / (n - 1)) ** 2,
                               ref["divisor_n_versions"]["b2p"], rtol=RTOL)


@pytest.mark.parametrize("key", list(CASES))
def test_henze_zirkler_matches_r(key):
    frame, cols = _case(key)
    ref = reference("tests")["normality"][key]["henze_zirkler"]
    res = henze_zirkler_test(frame, columns=cols)
    np.testing.assert_allclose(res.statistic, ref["statistic"], rtol=RTOL)
    np.testing.assert_allclose(res.pvalue, ref["p.value"], rtol=RTOL)
    for name in ("beta", "lognormal_mean", "lognormal_var", "meanlog", "sdlog"):
        np.testing.assert_allclose(res.detail(name), ref[name], rtol=RTOL, err_msg=name)


@pytest.mark.parametrize("key", list(CASES))
def test_doornik_hansen_matches_r(key):
    frame, cols = _case(key)
    ref = reference("tests")["normality"][key]["doornik_hansen"]
    res = doornik_hansen_test(frame, columns=cols)
    np.testing.assert_allclose(res.statistic, ref["statistic"], rtol=RTOL)
    np.testing.assert_allclose(res.pvalue, ref["p.value"], rtol=RTOL)
    assert res.df == ref["df"]
    p = len(cols)
    z1 = [res.detail(f"z1[{j + 1}]") for j in range(p)]
    z2 = [res.detail(f"z2[{j + 1}]") for j in range(p)]
    np.testing.assert_allclose(z1, ref["z1"], rtol=RTOL)
    np.testing.assert_allclose(z2, ref["z2"], rtol=1e-9)  # z2[3] of crabs is −0.0285
    ds, xc = _prepare(frame, cols, "test")
    rb1, b2, _, _ = _dh_parts(xc, ds)
    np.testing.assert_allclose(rb1, ref["sqrt_b1"], rtol=RTOL)
    np.testing.assert_allclose(b2, ref["b2"], rtol=RTOL)


# --- inputs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("test", TESTS)
def test_frame_and_array_agree(test):
    frame, cols = _case("crabs_BM")
    by_frame = test(frame[cols])
    by_array = test(frame[cols].to_numpy())
    np.testing.assert_allclose(_numbers(by_frame), _numbers(by_array), rtol=1e-13)


@pytest.mark.parametrize("test", TESTS)
def test_columns_are_selected_by_label(test):
    frame, cols = _case("iris_setosa")  # holds the string column Species as well
    wanted = test(frame[cols].to_numpy())
    np.testing.assert_allclose(_numbers(test(frame, columns=cols)), _numbers(wanted),
                               rtol=1e-13)
    renamed = frame[cols].set_axis([3, 1, "b", (0, 1)], axis=1).assign(junk="x")
    np.testing.assert_allclose(_numbers(test(renamed, columns=[3, 1, "b", (0, 1)])),
                               _numbers(wanted), rtol=1e-13)
    with pytest.raises(LabelError, match="names \\['3'\\], not in 'x'"):
        test(renamed, columns=["3", 1])


@pytest.mark.parametrize("test", TESTS)
def test_statistics_are_affine_invariant_and_accurate(test, rng):
    x = rng.standard_normal((60, 3)) @ np.array([[1.0, 0.5, 0.2], [0, 1, 0.3], [0, 0, 2]])
    base = _numbers(test(x))
    scaled = x * np.array([2.0**600, 2.0**-600, 1.0])  # scatter beyond float64's range
    np.testing.assert_allclose(_numbers(test(scaled)), base, rtol=1e-12)
    shifted = x + 1e12
    np.testing.assert_allclose(_numbers(test(shifted)), _numbers(test(shifted - 1e12)),
                               rtol=1e-8)


@pytest.mark.parametrize("test", TESTS)
def test_missing_and_infinite_values_are_refused(test, rng):
    x = pd.DataFrame(rng.standard_normal((30, 2)), columns=["a", "b"])
    x.iloc[3, 1] = np.nan
    with pytest.raises(MissingValueError,
                       match=r"'x' argument has missing values \(NaN\) in columns \{'b': 1\}"
                             r".*Drop the incomplete rows first"):
        test(x)
    x.iloc[3, 1] = np.inf
    with pytest.raises(NonFiniteError, match="must not hold infinite values"):
        test(x)


@pytest.mark.parametrize("test", TESTS)
def test_too_few_rows(test, rng):
    x = rng.standard_normal((9, 8))  # n = p + 1: the statistics would be constants
    with pytest.raises(ShapeError, match=r"needs 'x' to have at least p \+ 2 = 10 rows for "
                                         r"p = 8 variables.*got 9 row\(s\)"):
        test(x)


def test_doornik_hansen_needs_eight_rows(rng):
    x = rng.standard_normal((7, 2))
    assert mardia_test(x).nobs == 7  # fine for the other tests
    with pytest.raises(ShapeError, match=r"at least 8 rows \(the minimum of D'Agostino's "
                                         r"skewness transform\); got 7 row\(s\)"):
        doornik_hansen_test(x)
    assert doornik_hansen_test(rng.standard_normal((8, 2))).df == 4.0


@pytest.mark.parametrize("test", TESTS)
def test_singular_covariance(test, rng):
    z = rng.standard_normal((40, 3))
    frame = pd.DataFrame(z, columns=["a", "b", "c"]).assign(k=5.0)
    with pytest.raises(SingularCovarianceError, match=r"columns \['k'\] are constant"):
        test(frame)
    frame = pd.DataFrame(z, columns=["a", "b", "c"]).assign(s=z[:, 0] + 2 * z[:, 2])
    with pytest.raises(SingularCovarianceError,
                       match=r"columns \['a', 'c', 's'\] are (exactly|nearly) collinear") as info:
        test(frame)
    assert info.value.columns == ["a", "c", "s"]


@pytest.mark.parametrize("test", TESTS)
def test_other_bad_inputs(test, rng):
    with pytest.raises(InvalidOptionError, match="'columns' argument selects DataFrame"):
        test(rng.standard_normal((20, 2)), columns=[0])
    with pytest.raises(DtypeError, match="real numeric columns only"):
        test(pd.DataFrame({"a": rng.standard_normal(20), "b": ["u"] * 20}))
    with pytest.raises(ShapeError, match="must be 2-D"):
        test(rng.standard_normal(20))


# --- the block computations equal the dense n × n ones ------------------------------------


def test_blocked_sums_equal_dense(rng):
    z = rng.standard_normal((37, 3))
    gram = z @ z.T
    dense_cubed = float(np.sum(gram**3))
    d = np.diag(gram)
    dense_hz = float(np.sum(np.exp(-0.5 * 1.3**2 * (d[:, None] + d[None, :] - 2 * gram))))
    for block in (1, 5, 7, 37, 100, None):
        np.testing.assert_allclose(_sum_cubed_gram(z, block), dense_cubed, rtol=1e-12)
        np.testing.assert_allclose(_hz_pair_sum(z, 1.3, block), dense_hz, rtol=1e-12)


def test_mardia_and_hz_equal_naive_dense_formulas(rng):
    x = rng.standard_normal((45, 3)) ** 2  # skewed data, not centred
    n, p = x.shape
    xc = x - x.mean(axis=0)
    dmat = xc @ np.linalg.solve(np.cov(x.T), xc.T)  # psych::mardia, literally
    res = mardia_test(x)
    np.testing.assert_allclose(res.b1p, np.sum(dmat**3) / n**2, rtol=1e-12)
    # psych's tr(D^2) squares elementwise (R's ^): the sum of the squared diagonal
    np.testing.assert_allclose(res.b2p, np.sum(np.diag(dmat) ** 2) / n, rtol=1e-12)
    g = xc @ np.linalg.solve(xc.T @ xc / n, xc.T)  # henze_zirkler() of tests.R, literally
    djk = np.diag(g)[:, None] + np.diag(g)[None, :] - 2 * g
    b = (1 / math.sqrt(2)) * ((2 * p + 1) * n / 4) ** (1 / (p + 4))
    hz = (np.sum(np.exp(-b**2 / 2 * djk)) / n
          - 2 * (1 + b**2) ** (-p / 2) * np.sum(np.exp(-b**2 / (2 * (1 + b**2)) * np.diag(g)))
          + n * (1 + 2 * b**2) ** (-p / 2))
    np.testing.assert_allclose(henze_zirkler_test(x).statistic, hz, rtol=1e-11)


def test_results_print_and_are_frozen(rng):
    res = mardia_test(rng.standard_normal((50, 2)))
    text = str(res)
    assert text.startswith("Mardia's tests of multivariate normality (n = 50, p = 2)")
    for piece in ("b1p = ", "skewness: statistic = ", "small-sample skewness",
                  "kurtosis: z = ", "standard normal, two-sided", "H0: "):
        assert piece in text
    assert res.skewness_small.detail("k") > 1
    with pytest.raises(AttributeError):
        res.b1p = 0.0  # type: ignore[misc]
    hz = henze_zirkler_test(rng.standard_normal((50, 2)))
    assert "beta = " in str(hz) and math.isnan(hz.df)


# --- behaviour under H0 and against a heavy-tailed alternative (asymptotic tests) ---------


def _pvalues(x: np.ndarray) -> list[float]:
    m = mardia_test(x)
    return [m.skewness.pvalue, m.skewness_small.pvalue, m.kurtosis.pvalue,
            henze_zirkler_test(x).pvalue, doornik_hansen_test(x).pvalue]


@pytest.mark.slow
def test_size_under_normality(rng):
    """400 normal samples, n = 100, p = 3: each test rejects at 5% about 5% of the time.

    The references are asymptotic, so the band is wide (0.02–0.09); the binomial standard
    error of a rate of 0.05 over 400 replications is 0.011.
    """
    cov = np.array([[1.0, 0.6, 0.2], [0.6, 2.0, -0.4], [0.2, -0.4, 0.5]])
    low = np.linalg.cholesky(cov)
    pv = np.array([_pvalues(rng.standard_normal((100, 3)) @ low.T + 3.0)
                   for _ in range(400)])
    rates = (pv < 0.05).mean(axis=0)
    assert np.all((rates >= 0.02) & (rates <= 0.09)), rates
    assert sps.kstest(pv[:, 3], "uniform").pvalue > 1e-3  # HZ p-values roughly uniform


@pytest.mark.slow
def test_power_against_multivariate_t(rng):
    """Multivariate t with 3 df (n = 100, p = 3): every test rejects nearly always."""
    def sample() -> np.ndarray:
        w = np.sqrt(rng.chisquare(3, size=(100, 1)) / 3)
        return rng.standard_normal((100, 3)) / w

    pv = np.array([_pvalues(sample()) for _ in range(100)])
    rates = (pv < 0.05).mean(axis=0)
    assert np.all(rates >= 0.85), rates
