"""MVNModel: the multivariate normal as a statsmodels GenericLikelihoodModel."""

import warnings

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate import linalg as L
from mvn_estimate.structures import Factor


@pytest.fixture
def frame(rng):
    lam = np.array([[1.0], [0.8], [0.6]])
    cov = lam @ lam.T + np.diag([0.5, 0.7, 0.9])
    return pd.DataFrame(rng.multivariate_normal([1.0, 0.0, -1.0], cov, size=120),
                        columns=["a", "b", "c"])


@pytest.mark.parametrize(("structure", "missing", "cov_type"), [
    (None, "raise", "nonrobust"), ("ar1", "raise", "nonrobust"), (Factor(1), "raise", "robust"),
    (None, "em", "nonrobust"), ("compound_symmetry", "em", "robust"),
])
def test_params_and_bse_equal_fit(frame, rng, structure, missing, cov_type):
    df = frame.copy()
    if missing == "em":
        df = df.mask(rng.random(df.shape) < 0.1)
    res = me.MVNModel(df, structure=structure, missing=missing).fit(cov_type=cov_type)
    ref = me.fit(df, structure=structure, missing=missing,
                 cov_type="classic" if cov_type == "nonrobust" else "robust")
    assert list(res.model.exog_names) == list(ref.params.index)
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(res.bse, ref.std_errors, rtol=1e-10)
    assert np.isclose(res.llf, ref.loglike, rtol=1e-10)


@pytest.mark.parametrize(("structure", "missing"), [(None, "raise"), ("ar1", "raise"),
                                                    (None, "em")])
def test_analytic_derivatives_match_finite_differences(frame, rng, structure, missing):
    df = frame.copy()
    if missing == "em":
        df = df.mask(rng.random(df.shape) < 0.1)
    model = me.MVNModel(df, structure=structure, missing=missing)
    theta = me.fit(df, structure=structure, missing=missing).params.to_numpy()
    theta = theta + rng.normal(0, 0.02, theta.size)
    np.testing.assert_allclose(model.score(theta), L.num_gradient(model.loglike, theta),
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(model.score_obs(theta).sum(axis=0), model.score(theta),
                               rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(model.hessian(theta), L.num_jacobian(model.score, theta),
                               rtol=1e-5, atol=1e-5)
    assert np.isclose(model.loglikeobs(theta).sum(), model.loglike(theta))


def test_expected_information(frame):
    model = me.MVNModel(frame)
    res = me.fit(frame)
    np.testing.assert_allclose(model.information(res.params.to_numpy()),
                               me.expected_information(res.cov, res.nobs), rtol=1e-12)


def test_non_positive_definite_trial_point_is_rejected_quietly(frame):
    model = me.MVNModel(frame, structure="ar1")
    bad = np.array([0.0, 0.0, 0.0, 1.0, 1.5])  # |rho| > 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.loglike(bad) == -np.inf
        assert np.isnan(model.score(bad)).all() and np.isnan(model.hessian(bad)).all()


def test_statsmodels_tools_work(frame):
    res = me.MVNModel(frame).fit()
    text = str(res.summary())
    assert "mean[a]" in text and "cov[a,b]" in text
    t = res.t_test("mean[a] - mean[b] = 0")
    ref = me.fit(frame)
    diff = ref.params["mean[a]"] - ref.params["mean[b]"]
    cov = ref.cov_params()
    se = np.sqrt(cov.loc["mean[a]", "mean[a]"] + cov.loc["mean[b]", "mean[b]"]
                 - 2 * cov.loc["mean[a]", "mean[b]"])
    assert np.isclose(float(np.squeeze(t.effect)), diff)
    assert np.isclose(float(np.squeeze(t.sd)), se)
    free = (ref.param_kinds == "free").to_numpy()  # statsmodels' intervals are all symmetric
    np.testing.assert_allclose(res.conf_int()[free], ref.conf_int()[free], rtol=1e-9)


def test_the_summaries_differ_only_for_variances_as_documented(frame):
    """statsmodels: symmetric intervals and a p-value for every parameter; MVNResult: log-scale
    intervals and no p-value for a variance. Means and covariances agree."""
    from scipy import stats

    sm = me.MVNModel(frame).fit(disp=False)
    ours = me.fit(frame)
    z = stats.norm.isf(0.025)
    theirs_ci = pd.DataFrame(np.asarray(sm.conf_int()), index=ours.params.index)
    variance = ours.param_kinds == "variance"
    est, se = ours.params[variance], ours.std_errors[variance]
    np.testing.assert_allclose(theirs_ci[variance][0], est - z * se, rtol=1e-8)
    np.testing.assert_allclose(ours.conf_int()[variance]["lower"],
                               est * np.exp(-z * se / est), rtol=1e-8)
    assert ours.pvalues[variance].isna().all()
    assert np.isfinite(np.asarray(sm.pvalues)[variance.to_numpy()]).all()
    np.testing.assert_allclose(theirs_ci[~variance].to_numpy(),
                               ours.conf_int()[~variance].to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(np.asarray(sm.pvalues)[~variance.to_numpy()],
                               ours.pvalues[~variance], rtol=1e-6)
