"""Likelihood-ratio tests between fitted models."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import mvn_estimate as me
from mvn_estimate.exceptions import DtypeError, NotNestedError

from .conftest import reference, reference_data

ORTH = ["d8", "d10", "d12", "d14"]


def test_compound_symmetry_against_unstructured_matches_the_gls_fits():
    orth = reference_data("orthodont_wide.csv")
    cs = me.fit(orth, columns=ORTH, structure="compound_symmetry")
    un = me.fit(orth, columns=ORTH)
    t = me.lr_test(cs, un)
    ref = reference("structures")  # nlme::gls ML fits
    ll_cs, ll_un = ref["gls_cs"]["logLik"], ref["gls_unstructured"]["logLik"]
    assert np.isclose(t.statistic, 2 * (ll_un - ll_cs), rtol=1e-6)
    assert t.df == 8 and np.isclose(t.pvalue, stats.chi2.sf(t.statistic, 8), rtol=1e-12)
    assert "compound" in t.null and "likelihood ratio" in str(t)


def test_lr_test_with_missing_data(rng):
    x = rng.multivariate_normal(np.zeros(4), 0.5 + 0.5 * np.eye(4), size=200)
    x[rng.random(x.shape) < 0.1] = np.nan
    t = me.lr_test(me.fit(x, missing="em", structure="compound_symmetry"),
                   me.fit(x, missing="em"))
    assert t.df == 8 and 0 <= t.pvalue <= 1


@pytest.mark.slow
def test_size_under_the_null(rng):
    cov = 0.4 + 0.6 * np.eye(4)
    pvals = []
    for _ in range(300):
        x = rng.multivariate_normal(np.zeros(4), cov, size=150)
        pvals.append(me.lr_test(me.fit(x, structure="compound_symmetry"), me.fit(x)).pvalue)
    assert abs(np.mean(np.array(pvals) < 0.05) - 0.05) < 0.035


def test_models_of_different_data_are_refused(rng):
    x = rng.standard_normal((100, 3))
    y = rng.standard_normal((100, 3))
    with pytest.raises(NotNestedError, match=r"different data \(data:"):
        me.lr_test(me.fit(x, structure="spherical"), me.fit(y))
    with pytest.raises(NotNestedError, match=r"number of observations"):
        me.lr_test(me.fit(x[:50], structure="spherical"), me.fit(x))
    df = pd.DataFrame(x, columns=list("abc"))
    with pytest.raises(NotNestedError, match=r"variables"):
        me.lr_test(me.fit(df[["a", "b"]], structure="spherical"), me.fit(df[["a", "c"]]))


def test_reversed_or_non_nested_models_are_refused(rng):
    x = rng.standard_normal((100, 3))
    with pytest.raises(NotNestedError, match="fewer parameters"):
        me.lr_test(me.fit(x), me.fit(x, structure="spherical"))
    with pytest.raises(DtypeError, match="'full' argument must be a fitted MVNResult"):
        me.lr_test(me.fit(x, structure="spherical"), x)
