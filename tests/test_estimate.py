import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal

import mvn_estimate as me
from mvn_estimate.exceptions import (
    DroppedRowsWarning,
    DtypeError,
    InvalidOptionError,
    LabelError,
    MissingValueError,
    NonFiniteError,
    ShapeError,
    SingularCovarianceError,
)

from .conftest import as_frame, random_spd


@pytest.fixture
def sample(rng):
    return rng.multivariate_normal([1.0, -2.0, 0.5], random_spd(rng, 3), size=300)


@pytest.mark.parametrize("frame", [False, True])
def test_fit_matches_scipy_and_numpy(sample, frame):
    data = as_frame(sample) if frame else sample
    res = me.fit(data)
    mean_ref, cov_ref = multivariate_normal.fit(sample)
    np.testing.assert_allclose(res.mean.to_numpy(), mean_ref, rtol=1e-12)
    np.testing.assert_allclose(res.cov.to_numpy(), cov_ref, rtol=1e-10)
    np.testing.assert_allclose(res.cov.to_numpy(), np.cov(sample, rowvar=False, bias=True),
                               rtol=1e-12)
    np.testing.assert_allclose(res.cov_unbiased.to_numpy(), np.cov(sample, rowvar=False),
                               rtol=1e-12)
    ll = multivariate_normal(mean_ref, cov_ref).logpdf(sample).sum()
    assert np.isclose(res.loglike, ll, rtol=1e-10)


def test_dataframe_labels_and_no_mutation(sample):
    df = pd.DataFrame(sample, columns=["a", "b", "c"])
    before = df.copy()
    res = me.fit(df)
    pd.testing.assert_frame_equal(df, before)
    assert list(res.mean.index) == ["a", "b", "c"]
    assert list(res.cov.columns) == ["a", "b", "c"]
    np.testing.assert_allclose(res.params.to_numpy(), me.fit(sample).params.to_numpy())


def test_columns_selects_and_orders(sample):
    df = pd.DataFrame(sample, columns=["a", "b", "c"]).assign(s=["x"] * len(sample))
    res = me.fit(df, columns=["c", "a"])
    assert list(res.mean.index) == ["c", "a"]
    np.testing.assert_allclose(res.mean.to_numpy(), sample[:, [2, 0]].mean(0))


def test_weighted_fit_equals_repeated_rows(rng, sample):
    w = rng.integers(0, 4, size=len(sample))
    res = me.fit(sample, weights=w)
    rep = me.fit(np.repeat(sample, w, axis=0))
    np.testing.assert_allclose(res.params.to_numpy(), rep.params.to_numpy(), rtol=1e-11)
    assert np.isclose(res.loglike, rep.loglike, rtol=1e-11)
    assert res.nobs == rep.nobs


def test_missing_drop_warns_with_count(sample):
    x = sample.copy()
    x[[3, 10], [0, 2]] = np.nan
    with pytest.warns(DroppedRowsWarning, match="dropped 2 of 300 rows"):
        res = me.fit(x, missing="drop")
    np.testing.assert_allclose(res.mean.to_numpy(), np.delete(sample, [3, 10], 0).mean(0))
    assert res.nobs == 298 and res.nobs_dropped == 2


def test_missing_raise_names_columns(sample):
    df = as_frame(sample)
    df.iloc[5, 1] = np.nan
    with pytest.raises(MissingValueError, match=r"columns \{'v1': 1\}.*missing='drop'"):
        me.fit(df)


def test_inf_is_not_missing(sample):
    x = sample.copy()
    x[0, 0] = np.inf
    with pytest.raises(NonFiniteError, match=r"infinite values; got them in columns \['x0'\]"):
        me.fit(x, missing="drop")


def test_strings_rejected():
    with pytest.raises(DtypeError, match="must hold real numbers"):
        me.fit(np.array([["a", "b"], ["c", "d"]]))


def test_object_column_named(sample):
    df = as_frame(sample).assign(label="x")
    with pytest.raises(DtypeError, match=r"real numeric columns only; got \['label'\] of dtype"):
        me.fit(df)


def test_empty_frame():
    with pytest.raises(ShapeError, match="at least 1 row"):
        me.fit(pd.DataFrame({"a": [], "b": []}, dtype=float))


def test_one_row():
    with pytest.raises(SingularCovarianceError, match="needs more than 2 observations; got n = 1"):
        me.fit(np.array([[1.0, 2.0]]))


def test_n_not_above_p(rng):
    with pytest.raises(SingularCovarianceError, match="p = 4 variables needs more than 4"):
        me.fit(rng.standard_normal((4, 4)))


def test_constant_column_named(sample):
    df = as_frame(sample).assign(k=7.0)
    with pytest.raises(SingularCovarianceError, match=r"columns \['k'\] of 'data' are constant") \
            as info:
        me.fit(df)
    assert info.value.columns == ["k"]


def test_collinear_columns_named(sample):
    df = as_frame(sample).assign(w=lambda d: 2 * d.v0 - d.v2, z=sample[:, 1] ** 2)
    with pytest.raises(SingularCovarianceError, match="exactly collinear") as info:
        me.fit(df)
    assert sorted(info.value.columns) == ["v0", "v2", "w"]


def test_duplicated_column():
    df = pd.DataFrame(np.ones((3, 2)), columns=["a", "a"])
    with pytest.raises(LabelError, match=r"unique column labels; got duplicated \['a'\]"):
        me.fit(df)


def test_one_dimensional_array():
    with pytest.raises(ShapeError, match=r"must be 2-D.*x.reshape\(-1, 1\)"):
        me.fit(np.ones(5))


@pytest.mark.parametrize(("kw", "value"), [("missing", "ignore"), ("cov_type", "hc0")])
def test_unknown_option(sample, kw, value):
    with pytest.raises(InvalidOptionError, match=f"'{kw}' argument must be one of"):
        me.fit(sample, **{kw: value})


def test_unknown_column(sample):
    with pytest.raises(LabelError, match=r"names \['zz'\], not in 'data'"):
        me.fit(as_frame(sample), columns=["v0", "zz"])


def test_columns_with_array(sample):
    with pytest.raises(InvalidOptionError, match="selects DataFrame columns"):
        me.fit(sample, columns=["a"])


def test_no_warning_on_clean_fit(sample):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        me.fit(sample)


def test_fit_matches_scikit_learn_empirical_covariance(sample):
    from sklearn.covariance import EmpiricalCovariance

    ref = EmpiricalCovariance().fit(sample)
    res = me.fit(sample)
    np.testing.assert_allclose(res.mean.to_numpy(), ref.location_, rtol=1e-12)
    np.testing.assert_allclose(res.cov.to_numpy(), ref.covariance_, rtol=1e-10)
    np.testing.assert_allclose(res.mahalanobis(sample), ref.mahalanobis(sample), rtol=1e-8)
