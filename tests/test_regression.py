"""Regressions from the fitted normal, fixed-x multivariate regression and seemingly
unrelated regressions, against R (lm, vcov(mlm), car::Anova, lavaan, systemfit:
tests/reference/regression.R), statsmodels and closed forms."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import mvn_estimate as me
from mvn_estimate.exceptions import NotIdentifiedError

from .conftest import reference, reference_data

REF = reference("regression")
Y, X = ["Sepal.Length", "Sepal.Width"], ["Petal.Length", "Petal.Width"]
AIR4 = ["Ozone", "Solar.R", "Wind", "Temp"]


@pytest.fixture(scope="module")
def iris():
    return pd.read_csv("data/iris.csv")


@pytest.fixture(scope="module")
def air():
    return pd.read_csv("data/airquality.csv")


def lavaan_regression(entry: dict, y: list[str]) -> tuple[pd.Series, pd.Series]:
    """A lavaan regression table as ``coef[y,x]``, ``intercept[y]``, ``resid_cov[a,b]``."""
    est, se = {}, {}
    for row in entry["params"]:
        if row["op"] == "~":
            name = f"coef[{row['lhs']},{row['rhs']}]"
        elif row["op"] == "~1" and row["lhs"] in y:
            name = f"intercept[{row['lhs']}]"
        elif row["op"] == "~~" and row["lhs"] in y and row["rhs"] in y:
            a, b = sorted((row["lhs"], row["rhs"]), key=y.index)
            name = f"resid_cov[{a},{b}]"
        else:
            continue
        est[name], se[name] = row["est"], row["se"]
    return pd.Series(est), pd.Series(se)


def r_names(names: list[str]) -> list[str]:
    """R's ``"<response>:<term>"`` (and systemfit's ``"<eq>_<term>"``) as parameter names."""
    out = []
    for n in names:
        resp, term = n.split(":") if ":" in n else n.split("_", 1)
        out.append(f"intercept[{resp}]" if term == "(Intercept)" else f"coef[{resp},{term}]")
    return out


def matrix(entry: dict) -> pd.DataFrame:
    return pd.DataFrame(entry["values"], index=entry["rownames"], columns=entry["colnames"])


# ------------------------------------------------------------------ fixed x, complete data
def test_multivariate_lm_equals_r(iris):
    ref = REF["mlm_iris"]
    res = me.regress(iris, y=Y, x=X, small_sample=True)
    np.testing.assert_allclose(res.coef.to_numpy(), matrix(ref["coef"]).to_numpy(), rtol=1e-12)
    vcov = matrix(ref["vcov"])
    names = r_names(list(vcov.index))
    np.testing.assert_allclose(res.cov_params().loc[names, names].to_numpy(), vcov.to_numpy(),
                               rtol=1e-10)
    np.testing.assert_allclose(res.resid_cov.to_numpy(), matrix(ref["resid_cov_ml"]).to_numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(res.rsquared.to_numpy(), list(ref["r_squared"].values()),
                               rtol=1e-12)
    np.testing.assert_allclose(res.loglike, ref["loglik_ml"], rtol=1e-12)
    assert res.df_resid == 147
    t = res.params[names] / np.sqrt(np.diag(vcov))
    from scipy import stats

    np.testing.assert_allclose(res.pvalues[names], 2 * stats.t.sf(np.abs(t), 147), rtol=1e-8)


def test_ml_standard_errors_are_lm_s_times_sqrt_n_minus_k_over_n(iris):
    ml, lm = me.regress(iris, y=Y, x=X), me.regress(iris, y=Y, x=X, small_sample=True)
    coef = [n for n in ml.params.index if not n.startswith("resid_cov")]
    np.testing.assert_allclose(ml.std_errors[coef], lm.std_errors[coef] * np.sqrt(147 / 150),
                               rtol=1e-12)
    assert ml.df_resid is None and np.isnan(ml.pvalues["resid_cov[Sepal.Length,Sepal.Length]"])


@pytest.mark.parametrize("test", ["Pillai", "Wilks", "Hotelling-Lawley", "Roy"])
def test_mv_test_equals_car_anova_type_iii(iris, test):
    ref = REF["mlm_iris"]["anova_type3"]["tests"][test]
    table = me.regress(iris, y=Y, x=X).mv_test()
    for term in ["(Intercept)", "Petal.Length", "Petal.Width"]:
        row = table.loc[("Intercept" if term == "(Intercept)" else term, test)]
        want = ref[term]
        np.testing.assert_allclose(row["statistic"], want["statistic"], rtol=1e-10)
        np.testing.assert_allclose(row["fvalue"], want["approx_F"], rtol=1e-10)
        assert (row["df"], row["df_denom"]) == (want["num_Df"], want["den_Df"])
        np.testing.assert_allclose(row["pvalue"], want["p.value"], rtol=1e-8)


def test_mv_test_equals_statsmodels(iris):
    from statsmodels.multivariate.multivariate_ols import _MultivariateOLS

    exog = sm.add_constant(iris[X]).rename(columns={"const": "Intercept"})
    theirs = _MultivariateOLS(iris[Y], exog).fit().mv_test()
    ours = me.regress(iris, y=Y, x=X).mv_test()
    for key, term in zip(theirs.results, ["Intercept", *X], strict=True):  # x0, x1, x2
        stat = theirs.results[key]["stat"]
        for name, row in [("Wilks", "Wilks' lambda"), ("Pillai", "Pillai's trace"),
                          ("Hotelling-Lawley", "Hotelling-Lawley trace"),
                          ("Roy", "Roy's greatest root")]:
            np.testing.assert_allclose(ours.loc[(term, name), "statistic"],
                                       float(stat.loc[row, "Value"]), rtol=1e-9)


def test_robust_errors_are_the_hc0_sandwich(iris):
    res = me.regress(iris, y=Y, x=X, cov_type="robust")
    for resp in Y:
        ols = sm.OLS(iris[resp], sm.add_constant(iris[X])).fit(cov_type="HC0")
        ours = res.std_errors[[f"intercept[{resp}]", *(f"coef[{resp},{c}]" for c in X)]]
        np.testing.assert_allclose(ours.to_numpy(), ols.bse.to_numpy(), rtol=1e-8)


# ----------------------------------------------------------------- random x, joint fits
def test_regression_from_the_joint_fit_equals_lavaan_fixed_x_false(iris):
    ref = REF["joint_iris"]
    res = me.fit(iris[Y + X]).regress(Y, X)
    est, se = lavaan_regression(ref, Y)
    np.testing.assert_allclose(res.params[est.index], est, rtol=1e-6)
    np.testing.assert_allclose(res.std_errors[se.index], se, rtol=1e-6)
    np.testing.assert_allclose(res.loglike, ref["logl"], rtol=1e-10)
    assert res.kind == "random x"


def test_regression_from_a_fiml_fit_equals_lavaan(air):
    ref = REF["joint_air_fiml"]
    res = me.fit(air[AIR4], missing="em").regress("Ozone", AIR4[1:])
    est, se = lavaan_regression(ref, ["Ozone"])
    np.testing.assert_allclose(res.params[est.index], est, rtol=1e-6)
    np.testing.assert_allclose(res.std_errors[se.index], se, rtol=1e-5)
    np.testing.assert_allclose(res.loglike, ref["logl"], rtol=1e-9)


@pytest.mark.parametrize("information", ["observed", "expected"])
def test_incomplete_responses_equal_lavaan_fixed_x_true(air, information):
    ref = REF["fixed_x_incomplete"]
    res = me.regress(air, y=["Ozone", "Solar.R"], x=["Wind", "Temp"], missing="em",
                     information=information)
    est, se = lavaan_regression(ref[information], ["Ozone", "Solar.R"])
    np.testing.assert_allclose(res.params[est.index], est, rtol=1e-6)
    np.testing.assert_allclose(res.std_errors[se.index], se, rtol=1e-5)
    np.testing.assert_allclose(res.loglike, ref["lavaan_logl"], rtol=1e-10)
    np.testing.assert_allclose(res.loglike + ref["loglik_marginal_x_hand"],
                               ref["fixed_x_false_logl"], rtol=1e-10)
    assert res.nobs == 153


def test_random_x_is_the_regression_of_the_joint_fit(air):
    joint = me.fit(air[AIR4], missing="em").regress("Ozone", AIR4[1:])
    direct = me.regress(air, y="Ozone", x=AIR4[1:], missing="em", random_x=True)
    pd.testing.assert_series_equal(joint.params, direct.params, rtol=1e-12)
    pd.testing.assert_series_equal(joint.std_errors, direct.std_errors, rtol=1e-10)
    assert direct.kind == "random x"


def test_identities_of_the_joint_fit(iris):
    """Conditional variances = residual covariance; fixed-x log-likelihood + the marginal of
    x = the saturated one; the joint slopes = least squares."""
    joint = me.fit(iris[Y + X])
    reg = joint.regress(Y, X)
    cond = joint.conditional(dict(zip(X, [3.0, 1.0], strict=True)))
    np.testing.assert_allclose(cond.cov.to_numpy(), reg.resid_cov.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(cond.coef.to_numpy(), reg.coef.loc[X].T.to_numpy(), rtol=1e-12)
    fixed = me.regress(iris, y=Y, x=X)
    marginal_x = me.fit(iris[X]).loglike
    np.testing.assert_allclose(fixed.loglike + marginal_x, joint.loglike, rtol=1e-12)
    design = np.column_stack([np.ones(150), iris[X]])
    ls = np.linalg.lstsq(design, iris[Y].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(reg.coef.to_numpy(), ls, rtol=1e-10)


def test_delta_method_jacobian_matches_finite_differences(iris):
    """The regression's covariance is J V Jᵀ: recompute J by differentiating the map
    (μ, vech Σ) → (a, C, vech Ψ) numerically."""
    from mvn_estimate import linalg as L

    joint = me.fit(iris.iloc[:, :4])
    p = 4

    def regression(theta):
        mean, cov = me.unpack(theta, p)
        s_xx, s_xy = cov[2:, 2:], cov[2:, :2]
        c = np.linalg.solve(s_xx, s_xy).T
        psi = cov[:2, :2] - c @ s_xy
        return np.concatenate([mean[:2] - c @ mean[2:], c.ravel(), L.vech(psi)])

    jac = L.num_jacobian(regression, joint.params.to_numpy())
    want = jac @ joint.cov_params().to_numpy() @ jac.T
    got = joint.regress(Y, X).cov_params().to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-12)


def test_a_structured_fit_carries_its_structure_into_the_regression():
    rng = np.random.default_rng(4)
    lag = np.abs(np.subtract.outer(np.arange(4), np.arange(4)))
    x = rng.multivariate_normal(np.zeros(4), 2.0 * 0.6**lag, size=300)
    fit = me.fit(x, structure="ar1")
    reg = fit.regress(["x0"], ["x1", "x2", "x3"])
    from mvn_estimate import linalg as L

    def regression(theta):
        var, rho = theta[4:]
        cov = var * rho**lag
        c = np.linalg.solve(cov[1:, 1:], cov[1:, :1]).T
        psi = cov[:1, :1] - c @ cov[1:, :1]
        return np.concatenate([theta[:1] - c @ theta[1:4], c.ravel(), L.vech(psi)])

    jac = L.num_jacobian(regression, fit.params.to_numpy())
    want = np.sqrt(np.diag(jac @ fit.cov_params().to_numpy() @ jac.T))
    big = want > 1e-8  # the slopes on x2, x3 are exactly 0 under AR(1), with no spread
    np.testing.assert_allclose(reg.std_errors.to_numpy()[big], want[big], rtol=1e-6)
    assert np.all(reg.std_errors.to_numpy()[~big] < 1e-8)
    np.testing.assert_allclose(reg.coef.loc["x2":, "x0"], 0.0, atol=1e-12)  # AR(1): Markov


# ------------------------------------------------------- seemingly unrelated regressions
GRUNFELD_EQUATIONS = {"GE": "GE_invest ~ GE_value + GE_capital",
                      "WH": "WH_invest ~ WH_value + WH_capital"}


@pytest.mark.parametrize(("key", "method"), [("iterated", "ml"), ("two_step", "two-step")])
def test_sur_equals_systemfit(key, method):
    ref = REF["sur_grunfeld"][key]
    data = reference_data("grunfeld_ge_wh.csv")
    res = me.regress(data, equations=GRUNFELD_EQUATIONS, method=method, tol=1e-12)
    names = r_names(list(ref["coef"]))
    np.testing.assert_allclose(res.params[names], list(ref["coef"].values()), rtol=1e-9)
    vcov = matrix(ref.get("vcov_hand", ref["vcov"]))
    np.testing.assert_allclose(res.cov_params().loc[names, names].to_numpy(), vcov.to_numpy(),
                               rtol=1e-9)
    np.testing.assert_allclose(res.resid_cov.to_numpy(), matrix(ref["residCov"]).to_numpy(),
                               rtol=1e-9)
    if method == "ml":
        np.testing.assert_allclose(res.loglike, ref["logLik"], rtol=1e-12)
        assert abs(res.iterations - ref["iterations"]) <= 2


def test_sur_tuples_equal_formulas_and_each_equation_alone_is_ols():
    data = reference_data("grunfeld_ge_wh.csv")
    tuples = {"GE": ("GE_invest", ["GE_value", "GE_capital"]),
              "WH": ("WH_invest", ["WH_value", "WH_capital"])}
    a = me.regress(data, equations=GRUNFELD_EQUATIONS)
    b = me.regress(data, equations=tuples)
    pd.testing.assert_series_equal(a.params, b.params)
    one = me.regress(data, equations={"GE": GRUNFELD_EQUATIONS["GE"]})
    ols = sm.OLS(data["GE_invest"], sm.add_constant(data[["GE_value", "GE_capital"]])).fit()
    np.testing.assert_allclose(one.params.iloc[:3].to_numpy(), ols.params.to_numpy(),
                               rtol=1e-10)
    assert np.isnan(a.coef.loc["WH_value", "GE"])


def test_an_unbounded_likelihood_is_an_error_not_a_number():
    """systemfit's Kmenta example: both equations explain consump, so the residual
    covariance can collapse (tests/reference/README.md: det(Σ) → 0, logLik → ∞)."""
    data = reference_data("kmenta.csv")
    equations = {"demand": "consump ~ price + income",
                 "supply": "consump ~ price + farmPrice + trend"}
    with pytest.raises(NotIdentifiedError, match="unbounded"):
        me.regress(data, equations=equations)
    two = me.regress(data, equations=equations, method="two-step")
    # two-step FGLS by hand: OLS residuals, their covariance, one GLS step
    y = data["consump"].to_numpy()
    xs = [np.column_stack([np.ones(20), data[["price", "income"]]]),
          np.column_stack([np.ones(20), data[["price", "farmPrice", "trend"]]])]
    e = np.column_stack([y - x @ np.linalg.lstsq(x, y, rcond=None)[0] for x in xs])
    w = np.linalg.inv(e.T @ e / 20)
    big = np.block([[w[i, j] * xs[i].T @ xs[j] for j in range(2)] for i in range(2)])
    rhs = np.concatenate([sum(w[i, j] * xs[i].T @ y for j in range(2)) for i in range(2)])
    want = np.linalg.solve(big, rhs)
    got = np.concatenate([two.coef["demand"].dropna(), two.coef["supply"].dropna()])
    np.testing.assert_allclose(got, want, rtol=1e-9)


def test_a_collapsing_residual_covariance_is_caught_during_the_iterations():
    """A simultaneous pair, y1 ~ y2 and y2 ~ y1: e1 − e2 vanishes at slopes 1, so the
    likelihood is unbounded although the columns are not collinear."""
    rng = np.random.default_rng(3)
    data = pd.DataFrame(rng.standard_normal((40, 2)), columns=["y1", "y2"])
    with pytest.raises(NotIdentifiedError, match="became singular"):
        me.regress(data, equations={"e1": "y1 ~ y2", "e2": "y2 ~ y1"})


# --------------------------------------------------------------- sources and labels
def test_files_and_dask_give_the_in_memory_regression(iris, tmp_path):
    path = tmp_path / "iris.parquet"
    iris.to_parquet(path)
    mem = me.regress(iris, y=Y, x=X, cov_type="robust")
    disk = me.regress(str(path), y=Y, x=X, cov_type="robust")
    pd.testing.assert_series_equal(mem.params, disk.params, rtol=1e-12)
    pd.testing.assert_series_equal(mem.std_errors, disk.std_errors, rtol=1e-10)
    dd = pytest.importorskip("dask.dataframe")
    lazy = me.regress(dd.from_pandas(iris[Y + X], npartitions=3), y=Y, x=X)
    pd.testing.assert_series_equal(me.regress(iris, y=Y, x=X).params, lazy.params, rtol=1e-12)
    csv = tmp_path / "iris.csv"
    iris.to_csv(csv, index=False)
    sur = me.regress(str(csv), equations={"a": "Sepal.Length ~ Petal.Length",
                                          "b": "Sepal.Width ~ Petal.Width"})
    assert sur.kind == "SUR" and np.isfinite(sur.loglike)


def test_labels_of_any_type_are_kept():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.standard_normal((50, 3)), columns=[10, 20, 30])
    res = me.regress(frame, y=10, x=[20, 30])
    assert res.coef.columns.tolist() == [10] and res.coef.index.tolist() == ["Intercept", 20, 30]
    assert "coef[10,20]" in res.params.index
    arr = me.regress(frame.to_numpy(), y="x0", x=["x1", "x2"])
    np.testing.assert_allclose(arr.params.to_numpy(), res.params.to_numpy(), rtol=1e-12)


def test_weights_are_frequency_counts(iris):
    doubled = pd.concat([iris, iris.iloc[:10]], ignore_index=True)
    w = np.r_[np.full(10, 2.0), np.ones(140)]
    weighted = me.regress(iris, y=Y, x=X, weights=w)
    pd.testing.assert_series_equal(weighted.params, me.regress(doubled, y=Y, x=X).params,
                                   rtol=1e-10)


def test_summary_and_dict(iris):
    import json

    res = me.regress(iris, y=Y, x=X)
    text = res.summary(level=0.9)
    assert "coef[Sepal.Width,Petal.Width]" in text and "90% Wald" in text
    assert "<table>" in res._repr_html_()
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert d["responses"] == Y and d["kind"] == "fixed x"
    assert res.wald_test("coef[Sepal.Length,Petal.Width] = coef[Sepal.Width,Petal.Width]"
                         ).df == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", me.exceptions.MVNEstimateWarning)
        gap = iris.copy()
        gap.loc[0, "Sepal.Length"] = np.nan
        em = me.regress(gap, y=Y, x=X, missing="drop")
    assert em.nobs == 149
