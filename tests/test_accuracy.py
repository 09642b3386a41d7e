"""Accuracy at the edges of float64: large offsets, over- and underflow, near singularity."""

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate.exceptions import NumericalRangeError, SingularCovarianceError

from .conftest import random_spd


@pytest.mark.parametrize("offset", [1e9, 1e12])
def test_point_functions_keep_full_accuracy_with_a_large_offset(rng, offset):
    small = rng.multivariate_normal([0.0, 0.5, -0.5], random_spd(rng, 3), size=200)
    mu_small = np.array([0.1, 0.4, -0.3])
    cov = random_spd(rng, 3)
    x, mu = small + offset, mu_small + offset
    exact_x, exact_mu = x - offset, mu - offset  # exact (Sterbenz): the data as stored
    assert np.isclose(me.loglike(x, mu, cov), me.loglike(exact_x, exact_mu, cov), rtol=1e-13)
    s, ref = me.score(x, mu, cov), me.score(exact_x, exact_mu, cov)
    np.testing.assert_allclose(s.vector, ref.vector, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(me.observed_information(x, mu, cov),
                               me.observed_information(exact_x, exact_mu, cov), rtol=1e-10,
                               atol=1e-10)
    np.testing.assert_allclose(me.loglike_obs(x, mu, cov), me.loglike_obs(exact_x, exact_mu, cov),
                               rtol=1e-12)
    xm = x.copy()
    xm[:20, 1] = np.nan
    em = xm - offset
    assert np.isclose(me.missing.loglike(xm, mu, cov), me.missing.loglike(em, exact_mu, cov),
                      rtol=1e-12)
    np.testing.assert_allclose(me.missing.score(xm, mu, cov),
                               me.missing.score(em, exact_mu, cov), rtol=1e-9, atol=1e-9)


def test_em_keeps_full_accuracy_with_a_large_offset(rng):
    small = rng.multivariate_normal([0.0, 0.5, -0.5], random_spd(rng, 3), size=300)
    small[rng.random(small.shape) < 0.15] = np.nan
    a = me.fit(small + 1e9, missing="em")
    b = me.fit(small, missing="em")
    np.testing.assert_allclose(a.mean - 1e9, b.mean, atol=1e-6)  # 1e9·eps ≈ 2e-7 in storage
    np.testing.assert_allclose(a.cov, b.cov, rtol=1e-7, atol=1e-8)  # EM tolerance 1e-10
    np.testing.assert_allclose(a.std_errors, b.std_errors, rtol=1e-6)


def test_scatter_beyond_float64_is_summarised_in_scaled_units(rng):
    s = 2.0**509  # variances near 1e306: representable; n times them is not
    y = rng.standard_normal((2000, 2)) @ np.array([[1.0, 0.5], [0.0, 1.0]])
    res = me.fit(y * s)
    ref = me.fit(y)
    np.testing.assert_allclose(res.mean, ref.mean * s, rtol=1e-13)
    np.testing.assert_allclose(res.cov, ref.cov * s * s, rtol=1e-12)
    assert np.isclose(res.loglike, ref.loglike - 2000 * 2 * np.log(s), rtol=1e-13)
    np.testing.assert_allclose(res.std_errors["cov[x0,x1]"], ref.std_errors["cov[x0,x1]"] * s * s,
                               rtol=1e-12)
    with pytest.raises(NumericalRangeError, match="std_errors are available"):
        res.cov_params()  # Var(σ̂) ≈ σ⁴/n ≈ 1e612 is beyond float64


@pytest.mark.parametrize(("scale", "word"), [(1e160, "overflow"), (1e300, "overflow"),
                                             (1e-300, "underflow"), (1e-160, "underflow")])
def test_variances_beyond_float64_are_named_not_misreported(rng, scale, word):
    x = pd.DataFrame(rng.standard_normal((50, 2)) * scale, columns=["u", "v"])
    with pytest.raises(NumericalRangeError, match=rf"columns \['u', 'v'\] of 'data' {word}"):
        me.fit(x)


def test_point_functions_report_overflow_naming_data():
    x = np.array([[1e200, 0.0], [-1e200, 1.0], [0.0, 2.0]])
    with pytest.raises(NumericalRangeError, match="'data' argument's scatter about 'mean'"):
        me.loglike(x, [0.0, 0.0], np.eye(2))


def test_nearly_collinear_is_not_called_exact(rng):
    a = rng.standard_normal(400)
    b = rng.standard_normal(400)
    df = pd.DataFrame({"a": a, "b": b, "c": a + 1e-6 * rng.standard_normal(400)})
    with pytest.raises(SingularCovarianceError,
                       match=r"\['a', 'c'\] are nearly collinear: the condition number of their "
                             r"correlation matrix is \d\.\d+e\+1[12]") as info:
        me.fit(df)
    assert info.value.columns == ["a", "c"]
    df["c"] = 2 * df["a"] - 3.0
    with pytest.raises(SingularCovarianceError, match="exactly collinear"):
        me.fit(df)


def test_variables_on_very_different_scales(rng):
    x = rng.multivariate_normal([0, 0], [[1.0, 0.6], [0.6, 1.0]], size=300)
    scaled = x * np.array([1e7, 1e-5])
    res = me.fit(scaled)
    ref = me.fit(x)
    np.testing.assert_allclose(res.cov.to_numpy() / np.outer([1e7, 1e-5], [1e7, 1e-5]), ref.cov,
                               rtol=1e-12)
    assert me.validate_covariance(res.cov).valid
