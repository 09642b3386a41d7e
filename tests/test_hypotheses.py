"""Tests of means and covariances against R (rrcov, stats::manova, mauchly.test, psych) and
hand computations in R (tests/reference/tests.R)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import mvn_estimate as me
from mvn_estimate.exceptions import LabelError, ShapeError, SingularCovarianceError

from .conftest import reference, reference_data

REF = reference("tests")
CRABS = ["FL", "RW", "CL", "CW", "BD"]
IRIS = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]


@pytest.fixture(scope="module")
def iris():
    return reference_data("iris.csv")


@pytest.fixture(scope="module")
def crabs():
    c = reference_data("crabs.csv")
    return c.assign(group=c["sp"] + "." + c["sex"])


def _setosa(iris, species="setosa"):
    return iris.loc[iris["Species"] == species, IRIS]


def _crabs(crabs, group):
    return crabs.loc[crabs["group"] == group, CRABS]


def test_hotelling_one_sample(iris, crabs):
    ref = REF["hotelling_one_sample"]
    t = me.hotelling_test(_setosa(iris), [5, 3.4, 1.5, 0.25])
    r = ref["iris_setosa"]
    assert np.isclose(t.statistic, r["statistic"]["T2"], rtol=1e-10)
    assert np.isclose(t.fvalue, r["statistic"]["F"], rtol=1e-10)
    assert (t.df, t.df_denom) == (r["parameter"]["df1"], r["parameter"]["df2"])
    assert np.isclose(t.pvalue, r["p.value"], rtol=1e-8)
    mu0 = pd.Series(REF["data"]["crabs"]["mu0_whole_data"])
    t = me.hotelling_test(_crabs(crabs, "B.M"), mean0=mu0.iloc[::-1])  # aligned by label
    assert np.isclose(t.statistic, ref["crabs_BM"]["statistic"]["T2"], rtol=1e-10)


@pytest.mark.parametrize(("key", "a", "b"), [("iris_setosa_vs_versicolor", "setosa", "versicolor"),
                                             ("crabs_BM_vs_BF", "B.M", "B.F")])
def test_hotelling_two_samples(iris, crabs, key, a, b):
    if key.startswith("iris"):
        x, y = _setosa(iris, a), _setosa(iris, b)
    else:
        x, y = _crabs(crabs, a), _crabs(crabs, b)
    r = REF["hotelling_two_sample_pooled"][key]
    t = me.hotelling_test(x, y)
    assert np.isclose(t.statistic, r["statistic"]["T2"], rtol=1e-10)
    assert np.isclose(t.fvalue, r["statistic"]["F"], rtol=1e-10)
    assert t.df_denom == r["parameter"]["df2"]
    for method, name in (("nel-van-der-merwe", "nel_van_der_merwe"),
                         ("krishnamoorthy-yu", "krishnamoorthy_yu")):
        u = REF["two_sample_unequal_cov"][key][name]
        t = me.hotelling_test(x, y[y.columns[::-1]], equal_cov=False, method=method)
        assert np.isclose(t.detail("nu"), u["nu"], rtol=1e-10)
        assert np.isclose(t.fvalue, u["F"], rtol=1e-10)
        assert np.isclose(t.pvalue, u["p.value"], rtol=1e-6)
        assert name.split("_")[0].capitalize()[:3] in t.method


def test_hotelling_paired(iris):
    s = _setosa(iris)
    x = s[["Sepal.Length", "Sepal.Width"]]
    y = s[["Petal.Length", "Petal.Width"]].set_axis(["Sepal.Length", "Sepal.Width"], axis=1)
    t = me.hotelling_test(x, y, paired=True)
    r = REF["hotelling_paired"]["iris_setosa"]
    assert np.isclose(t.statistic, r["statistic"]["T2"], rtol=1e-10)
    with pytest.raises(ShapeError, match="needs a second sample"):
        me.hotelling_test(x, paired=True)


@pytest.mark.parametrize(("key", "by"), [("iris_species", "Species"), ("crabs_group", "group")])
def test_manova_matches_r(iris, crabs, key, by):
    data = iris if by == "Species" else crabs[[*CRABS, "group"]]
    res = me.manova(data, by=by)
    for name, r in REF["manova"][key].items():
        row = res.table.loc[name]
        assert np.isclose(row["statistic"], r["statistic"], rtol=1e-9), name
        assert np.isclose(row["fvalue"], r["approx_F"], rtol=1e-9), name
        assert np.isclose(row["df"], r["num_Df"]) and np.isclose(row["df_denom"], r["den_Df"])
        assert np.isclose(row["pvalue"], r["p.value"], rtol=1e-6, atol=1e-300), name
    assert "Wilks" in str(res) and res.test("Pillai").df == res.table.loc["Pillai", "df"]


@pytest.mark.parametrize(("key", "by"), [("iris_species", "Species"), ("crabs_group", "group")])
def test_box_m_matches_the_r_computation(iris, crabs, key, by):
    data = iris if by == "Species" else crabs[[*CRABS, "group"]]
    r = REF["box_m"][key]
    t = me.box_m_test(data, by=by)
    assert np.isclose(t.detail("M"), r["M"], rtol=1e-10)
    assert np.isclose(t.statistic, r["chisq"]["statistic"], rtol=1e-10)
    assert np.isclose(t.pvalue, r["chisq"]["p.value"], rtol=1e-7)
    assert np.isclose(t.fvalue, r["F"]["statistic"], rtol=1e-9)
    assert np.isclose(t.df_denom, r["F"]["df2"], rtol=1e-9)
    assert np.isclose(t.f_pvalue, r["F"]["p.value"], rtol=1e-6)


def test_cov_test_sphericity_independence(iris, crabs):
    for key, x in (("iris_setosa", _setosa(iris)), ("crabs_BM", _crabs(crabs, "B.M"))):
        r = REF["cov_test_sigma0"][key]
        sigma0 = pd.DataFrame(np.diag(np.var(x.to_numpy(), axis=0)), index=x.columns,
                              columns=x.columns)
        t = me.cov_test(x, sigma0.iloc[::-1, ::-1])
        assert np.isclose(t.statistic, r["LR"], rtol=1e-10)
        assert np.isclose(t.detail("modified"), r["LR_n_minus_1_form"], rtol=1e-9)
        assert np.isclose(t.detail("bartlett"), r["LR_bartlett"], rtol=1e-9)
        s = me.sphericity_test(x)
        r = REF["sphericity"][key]
        assert np.isclose(s.detail("W"), r["W"], rtol=1e-9)
        assert np.isclose(s.pvalue, r["p.value"], rtol=1e-6, atol=1e-300)
        i = me.independence_test(x)
        r = REF["independence"][key]
        assert np.isclose(i.statistic, r["chisq"], rtol=1e-10) and i.df == r["df"]
        r = REF["block_independence"][key]
        b = me.independence_test(x, blocks=r["blocks"])
        assert np.isclose(b.statistic, r["statistic"], rtol=1e-10) and b.df == r["df"]
        assert np.isclose(b.pvalue, r["p.value"], rtol=1e-8)


def test_bad_group_and_block_inputs(iris):
    with pytest.raises(ShapeError, match="at least two groups"):
        me.manova(iris.assign(g=1), by="g", columns=IRIS)
    with pytest.raises(LabelError, match="split the columns"):
        me.independence_test(_setosa(iris), blocks=[["Sepal.Length"], ["Sepal.Width"]])
    with pytest.raises(SingularCovarianceError, match="more rows than columns"):
        me.hotelling_test(_setosa(iris).iloc[:4], [0, 0, 0, 0])


@pytest.mark.slow
def test_sizes_under_the_null(rng):
    reps, n, p = 300, 40, 3
    rejected = np.zeros(8)
    for _ in range(reps):
        x = rng.standard_normal((n, p))
        y = rng.standard_normal((n, p))
        g = np.repeat([0, 1, 2], n // 3 + 1)[:n]
        pv = [me.hotelling_test(x).pvalue, me.hotelling_test(x, y).pvalue,
              me.hotelling_test(x, y * 2, equal_cov=False).pvalue,
              me.manova(x, by=g).table.loc["Wilks", "pvalue"],
              me.box_m_test(x, by=g).pvalue, me.sphericity_test(x).pvalue,
              me.independence_test(x).pvalue,
              me.cov_test(x, np.eye(p)).detail("bartlett_pvalue")]
        rejected += np.array(pv) < 0.05
    rate = rejected / reps
    assert np.all((rate > 0.02) & (rate < 0.085)), rate  # binomial s.e. ≈ 0.013


def test_result_methods_equal_the_functions(iris):
    x = _setosa(iris)
    res = me.fit(x)
    pd.testing.assert_series_equal(res.corr.iloc[0], x.corr().iloc[0], rtol=1e-12)
    t = res.hotelling_test([5, 3.4, 1.5, 0.25])
    assert np.isclose(t.statistic, me.hotelling_test(x, [5, 3.4, 1.5, 0.25]).statistic)
    assert np.isclose(res.sphericity_test().statistic, me.sphericity_test(x).statistic)
    assert np.isclose(res.independence_test().statistic, me.independence_test(x).statistic)
    assert stats.chi2.sf(1, 1) > 0
