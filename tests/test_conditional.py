"""Conditional and marginal distributions of a fitted normal, against closed forms recomputed
here (with explicit inverses, as a naive reference), scipy and simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import mvn_estimate as me

COLS = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]


@pytest.fixture(scope="module")
def fit():
    return me.fit(pd.read_csv("data/iris.csv")[COLS])


def _naive(fit, given: dict):
    mu, s = fit.mean, fit.cov
    x = list(given)
    y = [c for c in COLS if c not in x]
    c = s.loc[y, x].to_numpy() @ np.linalg.inv(s.loc[x, x].to_numpy())
    mean = mu[y].to_numpy() + c @ (np.array(list(given.values())) - mu[x].to_numpy())
    cov = s.loc[y, y].to_numpy() - c @ s.loc[x, y].to_numpy()
    return y, mean, cov, c


def test_conditional_moments_equal_the_closed_form(fit):
    given = {"Petal.Length": 4.5, "Sepal.Width": 3.1}
    cond = fit.conditional(given)
    y, mean, cov, c = _naive(fit, given)
    assert cond.mean.index.tolist() == y and cond.coef.columns.tolist() == list(given)
    np.testing.assert_allclose(cond.mean.to_numpy(), mean, rtol=1e-12)
    np.testing.assert_allclose(cond.cov.to_numpy(), cov, rtol=1e-12)
    np.testing.assert_allclose(cond.coef.to_numpy(), c, rtol=1e-12)
    point = {"Sepal.Length": 6.0, "Petal.Width": 1.4}
    want = stats.multivariate_normal(mean, cov).logpdf([6.0, 1.4])
    np.testing.assert_allclose(cond.logpdf(point), want, rtol=1e-12)


def test_given_rows_give_one_conditional_mean_per_row(fit):
    rows = pd.DataFrame({"Petal.Length": [1.5, 4.5, 6.0]}, index=["a", "b", "c"])
    cond = fit.conditional(rows)
    assert isinstance(cond.mean, pd.DataFrame) and cond.mean.index.tolist() == ["a", "b", "c"]
    for label, value in zip(rows.index, rows["Petal.Length"], strict=True):
        one = fit.conditional({"Petal.Length": value})
        np.testing.assert_allclose(cond.mean.loc[label].to_numpy(), one.mean.to_numpy(),
                                   rtol=1e-12)
    values = cond.mean + 0.1
    got = cond.logpdf(values)
    assert got.index.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(got.to_numpy(), got.iloc[0], rtol=1e-12)  # same offsets


def test_samples_have_the_conditional_moments(fit):
    cond = fit.conditional({"Petal.Length": 4.5})
    draws = cond.sample(40_000, random_state=1)
    assert draws.columns.tolist() == cond.labels.tolist()
    se = np.sqrt(np.diag(cond.cov.to_numpy()) / 40_000)
    assert np.all(np.abs(draws.mean().to_numpy() - cond.mean.to_numpy()) < 5 * se)
    np.testing.assert_allclose(np.cov(draws.to_numpy().T), cond.cov.to_numpy(), rtol=0.05,
                               atol=0.005)
    again = cond.sample(5, random_state=1)
    pd.testing.assert_frame_equal(again, cond.sample(5, random_state=1))
    several = fit.conditional(pd.DataFrame({"Petal.Length": [1.5, 6.0]})).sample(3, 0)
    assert several.shape == (6, 3) and several.index.names == [None, "draw"]


def test_marginal_equals_the_fit_of_those_columns(fit):
    iris = pd.read_csv("data/iris.csv")
    cols = ["Petal.Width", "Sepal.Length"]
    mine, direct = fit.marginal(cols), me.fit(iris[cols])
    pd.testing.assert_series_equal(mine.params, direct.params, rtol=1e-12)
    pd.testing.assert_series_equal(mine.std_errors, direct.std_errors, rtol=1e-12)
    np.testing.assert_allclose(mine.cov_params().to_numpy(), direct.cov_params().to_numpy(),
                               rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(mine.loglike, direct.loglike, rtol=1e-12)


def test_marginal_of_em_and_robust_fits_is_the_sub_block():
    air = pd.read_csv("data/airquality.csv").iloc[:, :4]
    for kw in ({"missing": "em"}, {"missing": "drop", "cov_type": "robust"}):
        full = me.fit(air, **kw) if kw["missing"] == "em" else _quiet_drop(air, **kw)
        part = full.marginal(["Ozone", "Temp"])
        names = part.params.index
        np.testing.assert_allclose(part.cov_params().to_numpy(),
                                   full.cov_params().loc[names, names].to_numpy(), rtol=1e-12)
        assert np.isfinite(part.loglike)


def _quiet_drop(data, **kw):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", me.exceptions.DroppedRowsWarning)
        return me.fit(data, **kw)


def test_marginal_of_a_structured_fit_is_reported_unstructured():
    from mvn_estimate import linalg as L

    rng = np.random.default_rng(2)
    lag = np.abs(np.subtract.outer(np.arange(4), np.arange(4)))
    x = rng.multivariate_normal(np.zeros(4), 0.5**lag, size=200)
    fit = me.fit(x, structure="ar1")
    part = fit.marginal(["x0", "x2"])
    assert part.structure.name == "unstructured"

    def moments(theta):
        cov = theta[4] * theta[5] ** lag
        return np.concatenate([theta[[0, 2]], L.vech(cov[np.ix_([0, 2], [0, 2])])])

    jac = L.num_jacobian(moments, fit.params.to_numpy())
    want = jac @ fit.cov_params().to_numpy() @ jac.T
    np.testing.assert_allclose(part.cov_params().to_numpy(), want, rtol=1e-6, atol=1e-12)
