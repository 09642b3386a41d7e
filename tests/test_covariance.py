"""The covariance of the estimates: one source for std_errors, cov_params and intervals."""

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate import linalg as L

from .conftest import lavaan_params, reference, reference_data

AIR = ["Ozone", "Solar.R", "Wind", "Temp"]


def _data(rng, n=120, p=3, nan=0.0):
    x = rng.multivariate_normal(np.arange(p), np.eye(p) + 0.4, size=n)
    x = x + rng.standard_t(5, size=x.shape) * 0.3
    if nan:
        x[rng.random(x.shape) < nan] = np.nan
    return pd.DataFrame(x, columns=list("abcdefgh")[:p])


@pytest.mark.filterwarnings("ignore::mvn_estimate.exceptions.DroppedRowsWarning")
@pytest.mark.parametrize("missing", ["raise", "drop", "em"])
@pytest.mark.parametrize("cov_type", ["classic", "robust"])
@pytest.mark.parametrize("weighted", [False, True])
def test_std_errors_are_the_root_diagonal_of_cov_params(rng, missing, cov_type, weighted):
    df = _data(rng, nan=0.0 if missing == "raise" else 0.1)
    w = rng.integers(1, 4, size=len(df)).astype(float) if weighted else None
    res = me.fit(df, missing=missing, cov_type=cov_type, weights=w)
    dense = res.cov_params()
    assert list(dense.index) == list(res.params.index)
    np.testing.assert_allclose(np.sqrt(np.diag(dense)), res.std_errors.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(dense, dense.T, atol=0)
    ci = res.conf_int()
    free = res.param_kinds == "free"
    np.testing.assert_allclose((ci["upper"] - ci["lower"])[free] / (2 * 1.959963984540054),
                               res.std_errors[free], rtol=1e-9)
    var = ~free
    half = np.log(ci["upper"][var] / ci["lower"][var]) / 2 / 1.959963984540054
    np.testing.assert_allclose(half, (res.std_errors / res.params)[var], rtol=1e-9)


def test_em_cov_params_is_the_inverse_observed_information(rng):
    df = _data(rng, n=200, nan=0.15)
    res = me.fit(df, missing="em")
    info = me.missing.information(df, res.mean, res.cov)
    np.testing.assert_allclose(res.cov_params().to_numpy(), np.linalg.inv(info.to_numpy()),
                               rtol=1e-8, atol=1e-12)
    # the complete-data formula at the same estimate (what cov_params() once returned) is
    # several percent too small under missingness
    naive = np.sqrt(np.diag(np.linalg.inv(me.expected_information(res.cov, res.nobs))))
    assert np.max(res.std_errors.to_numpy() / naive - 1) > 0.05


@pytest.mark.parametrize(("information", "key"), [("observed", "fiml_air_observed"),
                                                  ("expected", "fiml_air_expected")])
def test_em_airquality_matches_lavaan_fiml(information, key):
    air = reference_data("airquality.csv")
    est, se = lavaan_params(reference("structures")[key], AIR)
    res = me.fit(air, columns=AIR, missing="em", information=information)
    np.testing.assert_allclose(res.params[est.index], est, rtol=2e-6)
    np.testing.assert_allclose(res.std_errors[se.index], se, rtol=1e-4)
    np.testing.assert_allclose(np.sqrt(np.diag(res.cov_params().loc[se.index, se.index])), se,
                               rtol=1e-4)
    assert np.isclose(res.loglike, reference("structures")[key]["logLik"], rtol=1e-9)


def test_em_robust_matches_lavaan_huber_white():
    air = reference_data("airquality.csv")
    entry = reference("structures")["fiml_air_robust_huber_white_observed"]
    _, se = lavaan_params(entry, AIR)
    res = me.fit(air, columns=AIR, missing="em", cov_type="robust")
    np.testing.assert_allclose(res.std_errors[se.index], se, rtol=1e-4)


def test_robust_diagonal_and_dense_agree(rng):
    x = rng.standard_t(4, size=(500, 4))
    res = me.fit(x, cov_type="robust", weights=rng.integers(0, 3, 500))
    assert "dense" not in res.param_cov._cache  # built only when asked for
    dense = res.cov_params().to_numpy()
    np.testing.assert_allclose(np.diag(dense), res.std_errors.to_numpy() ** 2, rtol=1e-10)


def test_robust_dense_equals_generic_sandwich(rng):
    x = rng.standard_t(5, size=(300, 3))
    res = me.fit(x, cov_type="robust")
    mu, sig = res.mean.to_numpy(), res.cov.to_numpy()
    generic = me.sandwich(me.expected_information(sig, len(x)), me.score_obs(x, mu, sig))
    np.testing.assert_allclose(res.cov_params().to_numpy(), generic, rtol=1e-9, atol=1e-14)


def test_classic_dense_is_the_inverse_expected_information(rng):
    res = me.fit(_data(rng))
    info = me.expected_information(res.cov, res.nobs)
    np.testing.assert_allclose(res.cov_params().to_numpy(), np.linalg.inv(info.to_numpy()),
                               rtol=1e-9, atol=1e-14)
    assert res.information == "expected"


def test_summary_states_the_estimator(rng):
    res = me.fit(_data(rng, nan=0.1), missing="em")
    assert "inverse observed information" in res.summary()
    assert res.to_dict()["information"] == "observed"


def test_vech_of_the_score_is_the_symmetric_gradient_rule(rng):
    x = rng.standard_normal((40, 3))
    mu, sig = x.mean(0) + 0.1, np.cov(x.T) * 1.2
    s = me.score(x, mu, sig)
    ref = L.num_gradient_sym(lambda m: me.loglike(x, mu, m), sig)
    np.testing.assert_allclose(s.cov, ref, rtol=1e-6, atol=1e-8)
