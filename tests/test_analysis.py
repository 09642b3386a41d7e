"""After the fit: correlations with standard errors, Wald tests, outliers."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import mvn_estimate as me
from mvn_estimate.exceptions import InvalidOptionError

from .conftest import reference, reference_data

IRIS = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]
AIR = ["Ozone", "Solar.R", "Wind", "Temp"]
CORR = reference("tests")["correlations"]


def _check_corr(res, entry, columns):
    se = res.corr_std_errors()
    ci = res.corr_conf_int()
    for row in entry["correlations"]:
        a, b = sorted((row["lhs"], row["rhs"]), key=columns.index)
        name = f"corr[{a},{b}]"
        assert np.isclose(ci.loc[name, "corr"], row["est"], rtol=1e-5), name
        assert np.isclose(se[name], row["se"], rtol=2e-4), name


@pytest.mark.parametrize(("key", "cov_type"), [("iris_expected", "classic"),
                                               ("iris_robust_huber_white", "robust")])
def test_correlation_standard_errors_match_lavaan(key, cov_type):
    iris = reference_data("iris.csv")
    res = me.fit(iris, columns=IRIS, cov_type=cov_type)
    _check_corr(res, CORR[key], IRIS)


def test_correlation_standard_errors_under_em_match_lavaan_fiml():
    air = reference_data("airquality.csv")
    res = me.fit(air, columns=AIR, missing="em")
    _check_corr(res, CORR["airquality_fiml_observed"], AIR)


def test_correlation_intervals_are_fisher_z():
    iris = reference_data("iris.csv")
    res = me.fit(iris, columns=IRIS)
    ci = res.corr_conf_int(alpha=0.1)
    r = ci["corr"].to_numpy()
    np.testing.assert_allclose(ci["std_error"], (1 - r**2) / np.sqrt(150), rtol=1e-10)
    q = stats.norm.ppf(0.95)
    np.testing.assert_allclose(ci["lower"], np.tanh(np.arctanh(r) - q / np.sqrt(150)),
                               rtol=1e-10)
    assert (ci["upper"] < 1).all() and (ci["lower"] > -1).all()
    psych = {p["r"]: p for p in CORR["iris_fisher_z"]["pairs"]}  # psych uses n − 3
    for value in r:
        ref = min(psych, key=lambda k: abs(k - value))
        assert np.isclose(value, ref, rtol=1e-8)


def test_correlations_of_a_structured_fit(rng):
    x = rng.multivariate_normal(np.zeros(4), 0.6 + 0.4 * np.eye(4), size=200)
    res = me.fit(x, structure="compound_symmetry")
    se = res.corr_std_errors()
    # every correlation is c/v: by the delta method over (v, c)
    v, c = res.params["variance"], res.params["covariance"]
    g = np.array([-c / v**2, 1 / v])
    cov = res.cov_params().loc[["variance", "covariance"], ["variance", "covariance"]]
    np.testing.assert_allclose(se, np.sqrt(g @ cov.to_numpy() @ g), rtol=1e-10)


def test_wald_test_text_and_matrix_agree(rng):
    df = pd.DataFrame(rng.standard_normal((80, 3)), columns=["a", "b", "c"])
    df.iloc[:10, 2] = np.nan
    res = me.fit(df, missing="em")
    t = res.wald_test("mean[a] = mean[b]; 2*mean[c] - cov[a,b] = 0.1")
    R = np.zeros((2, res.nparams))
    R[0, :2] = [1, -1]
    R[1, 2] = 2
    R[1, list(res.params.index).index("cov[a,b]")] = -1
    u = me.fit(df, missing="em").wald_test(R, [0, 0.1])
    assert np.isclose(t.statistic, u.statistic, rtol=1e-12) and t.df == 2
    d = R @ res.params.to_numpy() - [0, 0.1]
    v = R @ res.cov_params().to_numpy() @ R.T
    assert np.isclose(t.statistic, d @ np.linalg.solve(v, d), rtol=1e-10)
    with pytest.raises(InvalidOptionError, match="only linear hypotheses"):
        res.wald_test("mean[a] * mean[b] = 0")
    with pytest.raises(InvalidOptionError, match=r"names \['mean\[zz\]'\], which are not"):
        res.wald_test("mean[zz] = 0")


def test_outliers_with_exact_beta_and_chi_square(rng):
    x = rng.standard_normal((60, 3))
    x[0] = [5.0, -5.0, 5.0]
    df = pd.DataFrame(x, index=[f"r{i}" for i in range(60)], columns=list("abc"))
    res = me.fit(df)
    out = res.outliers(alpha=0.01)
    d2 = res.mahalanobis(df)
    np.testing.assert_allclose(out["distance"], d2, rtol=1e-12)
    np.testing.assert_allclose(out["pvalue_beta"], stats.beta.sf(d2 / 59, 1.5, (60 - 4) / 2))
    np.testing.assert_allclose(out["pvalue_chi2"], stats.chi2.sf(d2, 3))
    assert out.index[0] == "r0" and out.loc["r0", "outlier"] and out["outlier"].sum() == 1
    new = res.outliers(data=df.iloc[:5])  # rows judged against the fit: χ² only
    assert new["pvalue_beta"].isna().all()


def test_outliers_of_incomplete_rows_use_their_observed_entries(rng):
    x = rng.standard_normal((100, 3))
    x[:10, 1] = np.nan
    res = me.fit(x, missing="em")
    out = res.outliers()
    assert (out["df"].iloc[:10] == 2).all() and (out["df"].iloc[10:] == 3).all()
    o = [0, 2]
    sig = res.cov.to_numpy()[np.ix_(o, o)]
    d = x[0, o] - res.mean.to_numpy()[o]
    assert np.isclose(out["distance"].iloc[0], d @ np.linalg.solve(sig, d), rtol=1e-10)


@pytest.mark.slow
def test_beta_reference_is_exact(rng):
    hits, reps = 0, 400
    for _ in range(reps):
        out = me.fit(rng.standard_normal((30, 4))).outliers(alpha=0.05)
        hits += int(out["outlier"].iloc[0])
    assert abs(hits / reps - 0.05) < 0.03
