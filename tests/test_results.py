import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, multivariate_normal

import mvn_estimate as me
from mvn_estimate.exceptions import InvalidOptionError

from .conftest import as_frame, random_spd, reference, reference_data


@pytest.fixture
def fitted(rng):
    x = rng.multivariate_normal([0.0, 1.0, 2.0], random_spd(rng, 3), size=120)
    return x, me.fit(as_frame(x, "c"))


def test_params_in_vech_order(fitted):
    _, res = fitted
    assert list(res.params.index) == [
        "mean[c0]", "mean[c1]", "mean[c2]", "cov[c0,c0]", "cov[c0,c1]", "cov[c0,c2]",
        "cov[c1,c1]", "cov[c1,c2]", "cov[c2,c2]"]
    assert res.params["cov[c0,c2]"] == res.cov.loc["c2", "c0"]
    assert res.nparams == 9 and res.nvars == 3


IRIS = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]
ORTHODONT = ["d8", "d10", "d12", "d14"]


def test_information_criteria_equal_lavaan():
    """AIC, BIC and the log-likelihood against lavaan's fitMeasures (tests/reference/
    results.R): the saturated model on iris (exact, closed form) and compound symmetry on
    Orthodont (lavaan's optimiser is good to ~1e-9 in the log-likelihood)."""
    ref = reference("results")
    iris = me.fit(pd.read_csv("data/iris.csv"), columns=IRIS)
    want = ref["iris_saturated_expected"]
    assert iris.nparams == want["npar"]
    np.testing.assert_allclose([iris.loglike, iris.aic, iris.bic],
                               [want["logl"], want["aic"], want["bic"]], rtol=1e-12)
    cs = me.fit(reference_data("orthodont_wide.csv"), columns=ORTHODONT,
                structure="compound_symmetry")
    want = ref["orthodont_cs"]
    assert cs.nparams == want["npar"]
    np.testing.assert_allclose([cs.loglike, cs.aic, cs.bic],
                               [want["logl"], want["aic"], want["bic"]], rtol=1e-9)


def test_logpdf_and_mahalanobis(fitted):
    x, res = fitted
    ref = multivariate_normal(res.mean.to_numpy(), res.cov.to_numpy())
    np.testing.assert_allclose(res.logpdf(x), ref.logpdf(x), rtol=1e-10)
    d = x - res.mean.to_numpy()
    expected = np.einsum("ij,jk,ik->i", d, np.linalg.inv(res.cov.to_numpy()), d)
    np.testing.assert_allclose(res.mahalanobis(x), expected, rtol=1e-9)
    # the mean squared distance at the MLE is exactly p
    assert np.isclose(res.mahalanobis(x).mean(), 3.0, rtol=1e-10)
    lab = res.mahalanobis(as_frame(x, "c")[["c2", "c0", "c1"]])
    assert isinstance(lab, pd.Series)
    np.testing.assert_allclose(lab.to_numpy(), expected, rtol=1e-9)


def test_mahalanobis_roughly_chi2(rng):
    x = rng.multivariate_normal(np.zeros(4), np.eye(4), size=4000)
    d2 = me.fit(x).mahalanobis(x)
    assert abs(np.mean(d2 > chi2.ppf(0.95, 4)) - 0.05) < 0.015


def test_summary_text_html_and_str(fitted):
    _, res = fitted
    text = res.summary()
    assert str(res) == text
    for needle in ["Log-Likelihood:", f"{res.loglike:.4f}", "mean[c0]", "cov[c1,c2]", "Std. Err."]:
        assert needle in text
    assert "<table>" in res._repr_html_() and "cov[c1,c2]" in res._repr_html_()


def test_to_dict_is_json_roundtrip(fitted):
    _, res = fitted
    d = res.to_dict()
    back = json.loads(json.dumps(d))
    assert back == d
    np.testing.assert_allclose(np.array(back["cov"]), res.cov.to_numpy())
    assert back["params"]["cov[c0,c1]"] == res.params["cov[c0,c1]"]


def test_result_is_frozen(fitted):
    _, res = fitted
    with pytest.raises(AttributeError):
        res.nobs = 3


def test_conf_int_level_checked(fitted):
    _, res = fitted
    with pytest.raises(InvalidOptionError,
                       match=r"'level' argument must be a finite real number in \(0, 1\)"):
        res.conf_int(95)


def test_logpdf_and_mahalanobis_reject_missing(fitted):
    x, res = fitted
    y = x.copy()
    y[0, 1] = np.nan
    with pytest.raises(me.exceptions.MissingValueError, match=r"columns \{'x1': 1\}"):
        res.mahalanobis(y)
    with pytest.raises(me.exceptions.MissingValueError, match="missing values"):
        res.logpdf(y)


def test_summary_level_sets_the_intervals(fitted):
    _, res = fitted
    text = res.summary(level=0.9)
    assert "Confidence intervals: 90% Wald" in text
    ci = res.conf_int(0.9)
    row = next(line for line in text.splitlines() if line.startswith("mean[c0]"))
    assert f"{ci.loc['mean[c0]', 'upper']:.4g}" in row
    assert "95%" in res.summary()
    with pytest.raises(InvalidOptionError, match="'level' argument"):
        res.summary(level=95)


def test_to_dict_is_json_safe_without_standard_errors(rng):
    """A shrinkage fit has no standard errors: JSON has no NaN, so they are None."""
    x = rng.standard_normal((8, 12))
    d = me.fit(x, shrinkage="ledoit-wolf").to_dict()
    assert all(v is None for v in d["std_errors"].values())
    assert json.loads(json.dumps(d, allow_nan=False))["nobs"] == 8.0


def test_derived_values_are_computed_once(fitted):
    _, res = fitted
    assert res.params is res.params and res.std_errors is res.std_errors
    assert res.cov_type == res.param_cov.cov_type
