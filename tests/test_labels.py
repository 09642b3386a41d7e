"""Labels are honoured or refused, never half-used."""

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate.exceptions import LabelError

from .conftest import random_spd


@pytest.fixture
def setup(rng):
    cov = random_spd(rng, 3)
    x = rng.multivariate_normal([1.0, 2.0, 3.0], cov, size=60)
    df = pd.DataFrame(x, columns=["a", "b", "c"])
    mean = pd.Series([1.1, 1.9, 3.2], index=["a", "b", "c"])
    cov_df = pd.DataFrame(cov, index=list("abc"), columns=list("abc"))
    return x, df, mean, cov, cov_df


def test_labelled_mean_with_unlabelled_cov_in_another_order_is_refused(setup):
    _, df, mean, cov, _ = setup
    order = ["b", "a", "c"]
    with pytest.raises(LabelError, match=r"'cov' argument\(s\) have no labels.*different orders"):
        me.loglike(df, mean[order], cov[np.ix_([1, 0, 2], [1, 0, 2])])


def test_labelled_inputs_are_aligned_whatever_their_order(setup):
    x, df, mean, cov, cov_df = setup
    expected = me.loglike(x, mean.to_numpy(), cov)
    perm = ["c", "a", "b"]
    assert np.isclose(me.loglike(df[perm], mean[["b", "c", "a"]], cov_df.loc[perm, perm]),
                      expected, rtol=1e-13)
    rows_shuffled = cov_df.loc[["b", "c", "a"], ["a", "b", "c"]]
    assert np.isclose(me.loglike(df, mean, rows_shuffled), expected, rtol=1e-13)


def test_unlabelled_data_follow_labelled_parameters_in_one_order(setup):
    x, _, mean, cov, cov_df = setup
    perm = ["b", "c", "a"]
    idx = [1, 2, 0]
    got = me.loglike(x[:, idx], mean[perm], cov_df.loc[perm, perm])
    assert np.isclose(got, me.loglike(x, mean.to_numpy(), cov), rtol=1e-13)
    with pytest.raises(LabelError, match="'data' argument"):
        me.loglike(x, mean, cov_df.loc[perm, perm])


def test_outputs_are_labelled_when_inputs_are(setup):
    x, _, mean, cov, cov_df = setup
    s = me.score(x, mean, cov_df)
    assert list(s.mean.index) == ["a", "b", "c"] and list(s.cov.columns) == ["a", "b", "c"]
    assert list(me.observed_information(x, mean, cov).index)[:3] == ["mean[a]", "mean[b]",
                                                                     "mean[c]"]
    assert isinstance(me.score(x, mean.to_numpy(), cov).mean, np.ndarray)


def test_mismatched_labels_are_refused_with_a_hint_about_types(setup):
    x, _, _, cov, _ = setup
    df = pd.DataFrame(x, columns=[0, 1, 2])
    with pytest.raises(LabelError, match=r"compared as objects: '0' \(str\) is not 0 \(int\)"):
        me.loglike(df, pd.Series([1.0, 2.0, 3.0], index=["0", "1", "2"]), cov)


def test_guards_align_rows_to_columns(setup):
    *_, cov_df = setup
    shuffled = cov_df.loc[["c", "a", "b"]]
    report = me.validate_covariance(shuffled)
    assert report.valid and report.symmetric
    me.check_covariance(shuffled)
    with pytest.raises(LabelError, match=r"row labels .* must be its column labels"):
        me.validate_covariance(cov_df.set_axis(["x", "y", "z"], axis=0))


def test_repair_of_a_labelled_matrix_keeps_labels_and_meaning():
    m = pd.DataFrame([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]],
                     index=list("abc"), columns=list("abc"))
    with pytest.warns(me.exceptions.RepairWarning):
        ref = me.nearest_pd(m, kind="correlation")
    with pytest.warns(me.exceptions.RepairWarning):
        got = me.nearest_pd(m.loc[["c", "b", "a"]], kind="correlation")
    pd.testing.assert_frame_equal(got, ref)


def test_result_methods_select_fitted_columns_from_any_frame(rng):
    iris = pd.read_csv("data/iris.csv")
    cols = ["Sepal.Length", "Petal.Width"]
    res = me.fit(iris, columns=cols)
    full = res.logpdf(iris)  # has Species (text) and other columns
    np.testing.assert_allclose(full, res.logpdf(iris[cols].to_numpy()), rtol=1e-13)
    np.testing.assert_allclose(res.mahalanobis(iris[cols[::-1]]),
                               res.mahalanobis(iris[cols]), rtol=1e-13)
    assert full.index.equals(iris.index)


def test_integer_and_tuple_column_labels(rng):
    x = rng.standard_normal((50, 3))
    df = pd.DataFrame(x)  # 0, 1, 2
    res = me.fit(df)
    assert list(res.mean.index) == [0, 1, 2] and res.params.index[0] == "mean[0]"
    np.testing.assert_allclose(res.logpdf(df.assign(extra="t")), res.logpdf(x), rtol=1e-13)
    with pytest.raises(LabelError, match="lacks the fitted columns"):
        res.logpdf(df.set_axis(["0", "1", "2"], axis=1))
    tup = pd.DataFrame(x, columns=pd.MultiIndex.from_tuples([("g", "a"), ("g", "b"), ("h", "a")]))
    r2 = me.fit(tup)
    assert r2.mean.index[0] == ("g", "a")
    np.testing.assert_allclose(r2.logpdf(tup), res.logpdf(x), rtol=1e-13)


def test_labels_that_print_the_same_are_refused(rng):
    df = pd.DataFrame(rng.standard_normal((10, 2)), columns=[1, "1"])
    with pytest.raises(LabelError, match=r"labels \[1, '1'\] that are different objects"):
        me.fit(df)


def test_columns_selection_compares_labels_as_objects(rng):
    df = pd.DataFrame(rng.standard_normal((10, 2)), columns=[1, 2])
    with pytest.raises(LabelError, match=r"'1' \(str\) is not 1 \(int\)"):
        me.fit(df, columns=["1", "2"])
    with pytest.raises(me.exceptions.InvalidOptionError, match="tuple is refused"):
        me.fit(df, columns=(1, 2))
