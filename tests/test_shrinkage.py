"""Shrinkage estimates against scikit-learn and R's corpcor; fits when n <= p."""

import numpy as np
import pandas as pd
import pytest
from sklearn.covariance import OAS, LedoitWolf

import mvn_estimate as me
from mvn_estimate.exceptions import InvalidOptionError, SingularCovarianceError

from .conftest import reference, reference_data

SHRINK = reference("nearpd")["shrinkage"]
FILES = {"n20_p30": "shrink_n20_p30.csv", "n100_p10": "shrink_n100_p10.csv"}


@pytest.mark.parametrize("key", list(FILES))
def test_schafer_strimmer_matches_corpcor(key):
    x = reference_data(FILES[key])
    ref = SHRINK[key]
    r = me.shrink_covariance(x, "schafer-strimmer")
    assert np.isclose(r.intensity, ref["cov_shrink"]["lambda"], rtol=1e-12)
    assert np.isclose(r.variance_intensity, ref["cov_shrink"]["lambda.var"], rtol=1e-12)
    np.testing.assert_allclose(r.cov, ref["cov_shrink"]["matrix"]["values"], rtol=1e-12,
                               atol=1e-14)
    assert list(r.cov.columns) == list(x.columns)


@pytest.mark.parametrize("key", list(FILES))
@pytest.mark.parametrize(("method", "cls"), [("ledoit-wolf", LedoitWolf), ("oas", OAS)])
def test_ledoit_wolf_and_oas_match_scikit_learn(key, method, cls):
    x = reference_data(FILES[key])
    ref = cls().fit(x)  # centred on the sample mean, divisor n: the same conventions
    r = me.shrink_covariance(x, method)
    assert np.isclose(r.intensity, ref.shrinkage_, rtol=1e-12)
    np.testing.assert_allclose(r.cov, ref.covariance_, rtol=1e-12, atol=1e-14)


def test_independent_ledoit_wolf_formula(rng):
    # Ledoit & Wolf (2004), Lemma 3.2-3.4, written out with the n-divisor covariance
    x = rng.standard_normal((15, 6)) @ rng.standard_normal((6, 6))
    n, p = x.shape
    xc = x - x.mean(0)
    s = xc.T @ xc / n
    m = np.trace(s) / p
    d2 = np.sum((s - m * np.eye(p)) ** 2) / p
    b2_bar = sum(np.sum((np.outer(r, r) - s) ** 2) for r in xc) / n**2 / p
    b2 = min(b2_bar, d2)
    r = me.shrink_covariance(x)
    assert np.isclose(r.intensity, b2 / d2, rtol=1e-10)


def test_fixed_intensity_and_targets(rng):
    x = rng.standard_normal((30, 4))
    s = np.cov(x.T, bias=True)
    r = me.shrink_covariance(x, 0.3, "diagonal")
    np.testing.assert_allclose(r.cov, 0.7 * s + 0.3 * np.diag(np.diag(s)), rtol=1e-12)
    with pytest.raises(InvalidOptionError, match="'target' argument of 'oas'"):
        me.shrink_covariance(x, "oas", "diagonal")
    with pytest.raises(InvalidOptionError, match="'method' argument must be a finite real"):
        me.shrink_covariance(x, 1.5)


def test_fit_with_shrinkage_when_n_is_below_p(rng):
    x = pd.DataFrame(rng.standard_normal((10, 25))).add_prefix("v")
    with pytest.raises(SingularCovarianceError, match="shrinkage='ledoit-wolf'"):
        me.fit(x)
    res = me.fit(x, shrinkage="ledoit-wolf")
    ref = LedoitWolf().fit(x)
    np.testing.assert_allclose(res.cov, ref.covariance_, rtol=1e-12)
    np.testing.assert_allclose(res.mean, x.mean(), rtol=1e-12)
    assert np.isclose(res.loglike, me.loglike(x, res.mean, res.cov), rtol=1e-12)
    assert res.std_errors.isna().all()
    text = res.summary()
    assert "ledoit-wolf shrinkage" in text and "Intensity:" in text and "Condition No.:" in text
    assert "not the maximum-likelihood estimate" in text
    with pytest.raises(InvalidOptionError, match="no covariance of the estimates"):
        res.cov_params()
    with pytest.raises(InvalidOptionError, match="with missing='em'"):
        me.fit(x, shrinkage="oas", missing="em")


@pytest.mark.parametrize(("method", "passes"), [("ledoit-wolf", 2), ("schafer-strimmer", 2),
                                                ("oas", 1)])
def test_a_shrinkage_fit_reads_the_rows_once_plus_the_fourth_moments(rng, monkeypatch, method,
                                                                      passes):
    """The statistics pass, and one more for the fourth moments (none for OAS)."""
    from mvn_estimate.data import Chunked

    calls = []
    total = Chunked.total

    def counted(self, fn, *args, **kwargs):
        calls.append(fn)
        return total(self, fn, *args, **kwargs)

    monkeypatch.setattr(Chunked, "total", counted)
    x = rng.standard_normal((40, 5))
    res = me.fit(x, shrinkage=method)
    assert len(calls) == passes
    monkeypatch.undo()
    np.testing.assert_allclose(res.cov.to_numpy(),
                               me.shrink_covariance(x, method).cov.to_numpy(), rtol=1e-12)
