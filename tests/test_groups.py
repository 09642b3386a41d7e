"""fit(data, by=..., equal=[...]): groups that share their mean, their covariance or both,
fitted jointly by ML (complete data) and FIML (missing values).

References: lavaan multi-group FIML with equality labels on airquality by Month
(tests/reference/groups.R, groups.json: the exact MLE, its observed-information standard errors,
log-likelihoods, npar and LR tests), closed forms recomputed here (the pooled ML covariance, its
expected-information standard errors, the fit of all rows), scipy's multivariate normal, and
finite differences of an independent FIML log-likelihood.
"""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

import mvn_estimate as me
from mvn_estimate.exceptions import ConvergenceWarning, DroppedRowsWarning, NotNestedError

from .conftest import reference

AIR = ["Ozone", "Solar.R", "Wind", "Temp"]
IRIS = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]
MODELS = {"air_month_free": None, "air_month_equal_cov": ["cov"],
          "air_month_equal_mean": ["mean"], "air_month_equal_both": ["mean", "cov"]}


@pytest.fixture(scope="module")
def ref():
    return reference("groups")


@pytest.fixture(scope="module")
def air():
    return pd.read_csv("data/airquality.csv")


@pytest.fixture(scope="module")
def iris():
    return pd.read_csv("data/iris.csv")


@pytest.fixture(scope="module")
def air_fits(air):
    return {key: me.fit(air, by="Month", columns=AIR, missing="em", equal=equal)
            for key, equal in MODELS.items()}


def _ours(name: str) -> str:
    """lavaan's ``Ozone~1@5`` / ``Ozone~~Solar.R`` as this package's ``mean[Ozone]@5`` /
    ``cov[Ozone,Solar.R]`` (the reference lists the earlier variable first)."""
    if found := re.fullmatch(r"(.+)~1(@.+)?", name):
        return f"mean[{found.group(1)}]{found.group(2) or ''}"
    found = re.fullmatch(r"(.+)~~([^@]+)(@.+)?", name)
    assert found is not None
    return f"cov[{found.group(1)},{found.group(2)}]{found.group(3) or ''}"


def _exact(entry: dict, what: str) -> pd.Series:
    return pd.Series({_ours(k): v for k, v in entry["exact_mle"][what].items()})


# ------------------------------------------------------------------ airquality against lavaan
@pytest.mark.parametrize("key", list(MODELS))
def test_airquality_fiml_matches_the_exact_mle(ref, air_fits, key):
    fit, entry = air_fits[key], ref[key]
    est, se = _exact(entry, "est"), _exact(entry, "se_observed")
    assert list(fit.params.index) == list(est.index)  # means first, shared names once
    np.testing.assert_allclose(fit.params, est, rtol=1e-8)
    np.testing.assert_allclose(fit.std_errors, se, rtol=1e-7)
    assert fit.loglike == pytest.approx(entry["exact_mle"]["logLik"], abs=1e-8)
    assert fit.nparams == entry["npar"]


@pytest.mark.parametrize("key", list(MODELS)[1:])
def test_airquality_groups_loglikes_and_lavaan_estimates(ref, air_fits, key):
    fit, entry = air_fits[key], ref[key]
    per_group = [r.loglike for r in fit.groups.values()]
    np.testing.assert_allclose(per_group, list(entry["logLik_group"].values()), atol=1e-8)
    for row in entry["params"]:  # lavaan's own table: every group has a row, shared or not
        col = row["lhs"] if row["op"] == "~1" else None
        group = fit.groups[int(row["group_label"])]
        if col is not None:
            assert group.mean[col] == pytest.approx(row["est"], rel=1e-6)
        else:
            assert group.cov.loc[row["lhs"], row["rhs"]] == pytest.approx(row["est"], rel=1e-6)


@pytest.mark.parametrize("key", list(MODELS)[1:])
def test_lr_tests_against_the_free_model_match_lavaan(ref, air_fits, key):
    want = ref[key]["lr_test_vs_free"]
    got = me.lr_test(air_fits[key], air_fits["air_month_free"])
    assert got.df == want["df"]
    assert got.statistic == pytest.approx(want["statistic"], rel=1e-9)
    assert got.pvalue == pytest.approx(want["p.value"], rel=1e-6)
    assert "shared across Month" in got.null


def test_the_shared_parameters_are_one_estimate_in_every_group(air_fits):
    fit = air_fits["air_month_equal_cov"]
    covs = [r.cov.to_numpy() for r in fit.groups.values()]
    assert all(np.array_equal(c, covs[0]) for c in covs)
    assert fit.layout.shared.sum() == 10 and not any("@" in n for n in fit.params.index[20:])
    june = fit.groups[6]  # its results are its rows of the joint covariance of the estimates
    own = [f"{n}@6" if n.startswith("mean") else n for n in june.params.index]
    np.testing.assert_allclose(june.params, fit.params[own])
    np.testing.assert_allclose(june.cov_params(), fit.cov_params().loc[own, own])
    np.testing.assert_allclose(june.std_errors, fit.std_errors[own])
    assert june.em is not None and june.em.npatterns == 2 and fit.joint.converged


def test_equal_mean_and_cov_is_the_fit_of_all_rows(ref, air, air_fits):
    both = air_fits["air_month_equal_both"]
    ungrouped = me.fit(air[AIR], missing="em")
    assert list(both.params.index) == list(ungrouped.params.index)  # all shared: no group
    np.testing.assert_allclose(both.params, ungrouped.params, rtol=1e-9)
    np.testing.assert_allclose(both.std_errors, ungrouped.std_errors, rtol=1e-8)
    assert both.loglike == pytest.approx(ref["air_ungrouped_saturated"]["logLik"], abs=1e-8)
    robust = me.fit(air, by="Month", columns=AIR, missing="em", equal=["mean", "cov"],
                    cov_type="robust")
    np.testing.assert_allclose(robust.std_errors,
                               me.fit(air[AIR], missing="em", cov_type="robust").std_errors,
                               rtol=1e-8)


# ------------------------------------------------------------------- complete data, closed forms
def _pooled(iris: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    parts = [g[IRIS].to_numpy() for _, g in iris.groupby("Species", sort=False)]
    n = np.array([len(x) for x in parts], dtype=float)
    within = sum(np.cov(x.T, bias=True) * len(x) for x in parts) / n.sum()
    means = pd.DataFrame([x.mean(axis=0) for x in parts], columns=IRIS)
    return within, means, n


def test_iris_equal_cov_is_the_pooled_ml_covariance(ref, iris):
    fit = me.fit(iris, by="Species", equal=["cov"])
    within, means, n = _pooled(iris)
    setosa = fit.groups["setosa"]
    np.testing.assert_allclose(setosa.cov, within, rtol=1e-13)
    np.testing.assert_allclose(fit.group_params.iloc[:, :4], means, rtol=1e-13)
    np.testing.assert_allclose(setosa.cov, ref["iris_species_equal_cov"]["closed_form"]
                               ["pooled_cov_ml"]["values"], atol=5e-15)
    logl = sum(sps.multivariate_normal(means.iloc[i], within).logpdf(
        iris.loc[iris.Species == s, IRIS]).sum() for i, s in enumerate(fit.groups))
    assert fit.loglike == pytest.approx(logl, rel=1e-13)
    assert fit.joint.iterations == 1 and fit.joint.newton_steps == 0  # the closed form
    d = np.diag(within)
    rows, cols = np.tril_indices(4)  # vech order: columns of the lower triangle
    order = np.lexsort((rows, cols))
    r, c = rows[order], cols[order]
    want = np.sqrt((d[r] * d[c] + within[r, c] ** 2) / n.sum())
    np.testing.assert_allclose(fit.std_errors.iloc[12:], want, rtol=1e-12)
    np.testing.assert_allclose(fit.std_errors.iloc[:4], np.sqrt(d / n[0]), rtol=1e-12)


def test_iris_equal_cov_lr_test_is_the_closed_form(ref, iris):
    fit, free = me.fit(iris, by="Species", equal=["cov"]), me.fit(iris, by="Species")
    within, _, n = _pooled(iris)
    logdets = [np.linalg.slogdet(r.cov)[1] for r in free.groups.values()]
    closed = n.sum() * np.linalg.slogdet(within)[1] - n @ logdets
    test = me.lr_test(fit, free)
    assert test.statistic == pytest.approx(closed, rel=1e-11)
    assert test.statistic == pytest.approx(ref["iris_species_equal_cov"]["closed_form"]
                                           ["lr_statistic"], rel=1e-9)
    assert test.df == 20 and fit.nparams == 22 and free.nparams == 42


def test_complete_equal_mean_is_the_precision_weighted_mean(iris):
    fit = me.fit(iris, by="Species", columns=IRIS[:2], equal=["mean"])
    covs = [r.cov.to_numpy() for r in fit.groups.values()]
    parts = [g[IRIS[:2]].to_numpy() for _, g in iris.groupby("Species", sort=False)]
    mu = fit.params.iloc[:2].to_numpy()
    # the score is zero: Σ_g n_gΣ_g⁻¹(x̄_g − μ) = 0 and Σ_g = S_g + (x̄_g − μ)(x̄_g − μ)ᵀ
    total = sum(len(x) * np.linalg.solve(c, x.mean(0) - mu)
                for x, c in zip(parts, covs, strict=True))
    np.testing.assert_allclose(total, 0.0, atol=1e-10)
    for x, c in zip(parts, covs, strict=True):
        d = x.mean(0) - mu
        np.testing.assert_allclose(c, np.cov(x.T, bias=True) + np.outer(d, d), rtol=1e-10)
    info = sum(len(x) * np.linalg.inv(c) for x, c in zip(parts, covs, strict=True))
    np.testing.assert_allclose(fit.cov_params().iloc[:2, :2], np.linalg.inv(info), rtol=1e-10)
    shifted = fit.params.to_numpy().copy()
    shifted[0] += 1e-3
    assert fit.loglike > sum(sps.multivariate_normal(shifted[:2], c).logpdf(x).sum()
                             for x, c in zip(parts, covs, strict=True))


def test_a_group_smaller_than_p_may_share_the_covariance(rng):
    x = rng.standard_normal((12, 3))
    by = np.array(["a"] * 10 + ["b"] * 2)
    fit = me.fit(x, by=by, equal=["cov"])
    within = (np.cov(x[:10].T, bias=True) * 10 + np.cov(x[10:].T, bias=True) * 2) / 12
    np.testing.assert_allclose(fit.groups["b"].cov, within, rtol=1e-12)
    with pytest.raises(me.exceptions.SingularCovarianceError, match="group = 'b'"):
        me.fit(x, by=by)


# ----------------------------------------------------------------------------- structures
@pytest.mark.parametrize(("key", "equal"), [("air_month_equal_cov_cs", ["cov"]),
                                            ("air_month_free_cs", None),
                                            ("air_month_equal_mean_cs", ["mean"])])
def test_compound_symmetry_shared_or_per_group_matches_lavaan(ref, air, key, equal):
    entry = ref[key]
    fit = me.fit(air, by="Month", columns=AIR, missing="em", equal=equal,
                 structure="compound_symmetry")
    exact = entry["exact_mle"]
    np.testing.assert_allclose(fit.params, exact["est"], rtol=1e-7)
    np.testing.assert_allclose(fit.std_errors, exact["se_observed"], rtol=1e-7)
    assert fit.loglike == pytest.approx(exact["logLik"], abs=1e-8)
    assert fit.loglike == pytest.approx(entry["logLik"], abs=1e-7)  # lavaan, default start
    assert fit.nparams == entry["npar"]
    if equal == ["cov"]:
        assert list(fit.params.index[-2:]) == ["variance", "covariance"]
        free = me.fit(air, by="Month", columns=AIR, missing="em", structure="compound_symmetry")
        lr = me.lr_test(fit, free)
        assert lr.df == entry["lr_test_vs_free"]["df"] == 8
        assert lr.statistic == pytest.approx(entry["lr_test_vs_free"]["statistic"], rel=1e-6)


@pytest.mark.parametrize("structure", ["compound_symmetry", "ar1", "diagonal"])
def test_a_shared_structure_with_complete_data_is_fitted_to_the_pooled_covariance(iris,
                                                                                   structure):
    fit = me.fit(iris, by="Species", equal=["cov"], structure=structure)
    within, means, _ = _pooled(iris)
    # the same problem for one group: data whose ML covariance is S_pool, with N rows
    white = np.random.default_rng(5).standard_normal((150, 4))
    white -= white.mean(0)
    white = np.linalg.solve(np.linalg.cholesky(np.cov(white.T, bias=True)), white.T).T
    single = me.fit(pd.DataFrame(white @ np.linalg.cholesky(within).T, columns=IRIS),
                    structure=structure)
    np.testing.assert_allclose(fit.params.iloc[12:], single.params.iloc[4:], rtol=1e-8)
    np.testing.assert_allclose(fit.params.iloc[:4], means.iloc[0], rtol=1e-13)
    assert list(fit.params.index[12:]) == list(single.params.index[4:])


@pytest.mark.parametrize("structure", ["compound_symmetry", "ar1", me.structures.Factor(1)])
def test_a_structure_shared_with_the_mean_is_the_structured_fit_of_all_rows(air, structure):
    both = me.fit(air, by="Month", columns=AIR, missing="em", equal=["mean", "cov"],
                  structure=structure)
    one = me.fit(air[AIR], missing="em", structure=structure)
    assert list(both.params.index) == list(one.params.index)
    np.testing.assert_allclose(both.params, one.params, rtol=1e-9)
    np.testing.assert_allclose(both.std_errors, one.std_errors, rtol=1e-9)
    assert both.loglike == pytest.approx(one.loglike, abs=1e-8)


# --------------------------------------------------------------------- options and policies
def test_frequency_weights_are_repeated_rows(rng):
    x = rng.standard_normal((60, 3))
    x[rng.random(x.shape) < 0.1] = np.nan
    by = np.repeat(["a", "b", "c"], 20)
    w = rng.integers(1, 4, size=60)
    weighted = me.fit(x, by=by, weights=w, missing="em", equal=["cov"])
    repeated = me.fit(np.repeat(x, w, axis=0), by=np.repeat(by, w), missing="em",
                      equal=["cov"])
    np.testing.assert_allclose(weighted.params, repeated.params, rtol=1e-9)
    np.testing.assert_allclose(weighted.std_errors, repeated.std_errors, rtol=1e-8)
    assert weighted.nobs == w.sum()


def test_analytic_weights_are_normalised_within_each_group(rng):
    x = rng.standard_normal((60, 2))
    by = np.repeat(["a", "b"], 30)
    w = rng.uniform(0.5, 2.0, size=60)
    scaled = w * np.where(by == "a", 10.0, 0.1)  # one factor per group changes nothing
    one = me.fit(x, by=by, weights=w, weights_kind="analytic", equal=["mean"])
    two = me.fit(x, by=by, weights=scaled, weights_kind="analytic", equal=["mean"])
    np.testing.assert_allclose(one.params, two.params, rtol=1e-9)
    free = me.fit(x, by=by, weights=w, weights_kind="analytic")
    assert me.lr_test(one, free).df == 2  # the same data as the separate fits


def test_drop_warns_once_and_equals_the_fit_of_the_complete_rows(air):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dropped = me.fit(air, by="Month", columns=AIR, missing="drop", equal=["cov"])
    assert [type(w.message) for w in caught] == [DroppedRowsWarning]
    assert "42 of 153" in str(caught[0].message)
    complete = me.fit(air.dropna(subset=AIR), by="Month", columns=AIR, equal=["cov"])
    np.testing.assert_allclose(dropped.params, complete.params, rtol=1e-12)
    assert dropped.nobs_dropped == 42 and dropped.nobs == 111


def test_observed_information_with_complete_data_and_common_means(iris):
    fit = me.fit(iris, by="Species", columns=IRIS[:2], equal=["mean"], information="observed")
    parts = [g[IRIS[:2]].to_numpy() for _, g in iris.groupby("Species", sort=False)]
    theta = fit.params.to_numpy()

    def loglike(t: np.ndarray) -> float:  # the model's log-likelihood, written out
        out = 0.0
        for g, x in enumerate(parts):
            a, b, c = t[2 + 3 * g: 5 + 3 * g]
            out += sps.multivariate_normal(t[:2], [[a, b], [b, c]]).logpdf(x).sum()
        return out

    h = np.zeros((theta.size, theta.size))
    step = 1e-4 * np.maximum(np.abs(theta), 1e-2)
    for i in range(theta.size):
        for j in range(theta.size):
            e_i, e_j = np.eye(theta.size)[i] * step[i], np.eye(theta.size)[j] * step[j]
            h[i, j] = (loglike(theta + e_i + e_j) - loglike(theta + e_i - e_j)
                       - loglike(theta - e_i + e_j) + loglike(theta - e_i - e_j)) \
                / (4 * step[i] * step[j])
    np.testing.assert_allclose(fit.cov_params(), np.linalg.inv(-h), rtol=2e-4)


def test_robust_standard_errors_with_a_shared_covariance(iris):
    fit = me.fit(iris, by="Species", equal=["cov"], cov_type="robust")
    assert fit.cov_type == "robust"
    # means: the sandwich is Σ_i r_i r_iᵀ / n_g² for the group's own mean
    setosa = iris.loc[iris.Species == "setosa", IRIS].to_numpy()
    r = setosa - setosa.mean(0)
    np.testing.assert_allclose(fit.std_errors.iloc[:4], np.sqrt((r**2).sum(0)) / 50,
                               rtol=1e-10)
    # covariances: Var σ̂_jk = Σ_i (r_ij r_ik − σ̂_jk)² / N² over all rows, pooled
    resid = np.vstack([g[IRIS].to_numpy() - g[IRIS].to_numpy().mean(0)
                       for _, g in iris.groupby("Species", sort=False)])
    within = fit.groups["setosa"].cov.to_numpy()
    var00 = ((resid[:, 0] ** 2 - within[0, 0]) ** 2).sum() / 150**2
    assert fit.std_errors["cov[Sepal.Length,Sepal.Length]"] == pytest.approx(
        np.sqrt(var00), rel=1e-10)


def test_max_iter_warns_and_tol_is_accepted_for_common_means(air, iris):
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        fit = me.fit(air, by="Month", columns=AIR, missing="em", equal=["cov"], max_iter=3)
    assert not fit.joint.converged
    loose = me.fit(iris, by="Species", equal=["mean"], tol=1e-6)
    assert loose.joint.converged


@pytest.mark.parametrize("factor", [2.0**-500, 1e-150, 1e150])
def test_estimates_scale_with_the_data(air, air_fits, factor):
    scaled = air.copy()
    scaled[AIR] = scaled[AIR] * factor
    fit = me.fit(scaled, by="Month", columns=AIR, missing="em", equal=["cov"])
    base = air_fits["air_month_equal_cov"]
    np.testing.assert_allclose(fit.params.iloc[:20] / factor, base.params.iloc[:20], rtol=1e-9)
    np.testing.assert_allclose(fit.params.iloc[20:] / factor**2, base.params.iloc[20:],
                               rtol=1e-9)
    np.testing.assert_allclose(fit.std_errors.iloc[:20] / factor, base.std_errors.iloc[:20],
                               rtol=1e-8)
    observed = (~np.isnan(air[AIR].to_numpy())).sum()
    assert fit.loglike == pytest.approx(base.loglike - observed * np.log(factor), rel=1e-12)


def test_a_large_offset_costs_no_accuracy(air):
    shifted = air.copy()
    shifted[AIR] = shifted[AIR] + 1e9
    back = shifted.copy()
    back[AIR] = back[AIR] - 1e9  # exactly the data the offset fit saw
    for equal in (["cov"], ["mean"]):
        a = me.fit(shifted, by="Month", columns=AIR, missing="em", equal=equal)
        b = me.fit(back, by="Month", columns=AIR, missing="em", equal=equal)
        np.testing.assert_allclose(a.params.iloc[-10:], b.params.iloc[-10:], rtol=1e-9)
        assert a.loglike == pytest.approx(b.loglike, abs=1e-8)


def test_the_data_are_not_modified(air):
    before = air.copy()
    me.fit(air, by="Month", columns=AIR, missing="em", equal=["mean"])
    pd.testing.assert_frame_equal(air, before)


# -------------------------------------------------------------------------- the result
def test_lr_test_refuses_models_that_are_not_nested(air, air_fits, iris):
    cov, mean = air_fits["air_month_equal_cov"], air_fits["air_month_equal_mean"]
    with pytest.raises(NotNestedError, match="not nested"):
        me.lr_test(mean, cov)
    with pytest.raises(NotNestedError, match="both be grouped"):
        me.lr_test(air_fits["air_month_equal_both"], me.fit(air[AIR], missing="em"))
    with pytest.raises(NotNestedError, match="different data"):
        me.lr_test(cov, me.fit(air.iloc[:-1], by="Month", columns=AIR, missing="em"))


def test_wald_test_and_intervals_over_the_joint_parameters(air_fits):
    fit = air_fits["air_month_equal_cov"]
    t = fit.wald_test("mean[Temp]@5 = mean[Temp]@6")
    diff = fit.params["mean[Temp]@5"] - fit.params["mean[Temp]@6"]
    cov = fit.cov_params()
    var = cov.loc["mean[Temp]@5", "mean[Temp]@5"] + cov.loc["mean[Temp]@6", "mean[Temp]@6"] \
        - 2 * cov.loc["mean[Temp]@5", "mean[Temp]@6"]
    assert t.statistic == pytest.approx(diff**2 / var, rel=1e-10)
    ci = fit.conf_int(0.9)
    v = "cov[Ozone,Ozone]"
    z = sps.norm.isf(0.05)
    assert ci.loc[v, "lower"] == pytest.approx(
        fit.params[v] * np.exp(-z * fit.std_errors[v] / fit.params[v]), rel=1e-12)
    assert np.isnan(fit.pvalues[v]) and fit.pvalues["cov[Ozone,Wind]"] < 1e-3
    assert fit.aic == pytest.approx(-2 * fit.loglike + 60) and fit.nobs == 153


def test_summary_and_dict_say_what_is_shared(air_fits):
    text = air_fits["air_month_equal_mean"].summary()
    assert "Shared across Month: the mean vector (mean[...] without a group)" in text
    assert "No. Parameters:" in text and "cov[Ozone,Ozone]@9" in text
    free = str(air_fits["air_month_free"])
    assert free.startswith("Shared across Month: nothing")
    d = json.loads(json.dumps(air_fits["air_month_equal_cov"].to_dict(), allow_nan=False))
    assert d["equal"] == ["cov"] and d["nparams"] == 30 and d["joint"]["converged"]
    assert d["params"]["cov[Ozone,Ozone]"] == pytest.approx(798.9, rel=1e-3)


def test_outliers_and_pooled_of_a_joint_fit(air_fits):
    fit = air_fits["air_month_equal_cov"]
    out = fit.outliers()
    assert len(out) == 153 and set(out["group"]) == {5, 6, 7, 8, 9}
    assert fit.pooled.shape == (4, 4)


def test_command_line_equal(tmp_path, capsys):
    from mvn_estimate.cli import main

    code = main(["fit", "data/airquality.csv", "--columns", "Ozone,Temp", "--by", "Month",
                 "--missing", "em", "--equal", "cov"])
    out = capsys.readouterr().out
    assert code == 0 and "Shared across Month: the covariance matrix" in out
    assert main(["fit", "data/airquality.csv", "--columns", "Ozone,Temp", "--equal", "cov"]) == 2
    assert "--equal option makes the groups of --by" in capsys.readouterr().err
