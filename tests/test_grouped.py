"""fit(data, by=...): one fit per group."""

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me

IRIS = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]


@pytest.fixture(scope="module")
def iris():
    return pd.read_csv("data/iris.csv")


def test_grouped_fit_equals_per_group_fits(iris):
    g = me.fit(iris, by="Species")
    assert list(g.groups) == ["setosa", "versicolor", "virginica"] and g.by == "Species"
    for label, res in g.groups.items():
        ref = me.fit(iris.loc[iris["Species"] == label, IRIS])
        pd.testing.assert_series_equal(res.params, ref.params)
        pd.testing.assert_series_equal(res.std_errors, ref.std_errors)
    assert g.group_params.shape == (3, 14) and g.group_params.index.name == "Species"
    assert g.params.shape == (42,) and g.nparams == 42
    for label, res in g.groups.items():  # one model: each group's parameters, named @group
        own = g.params[[f"{name}@{label}" for name in res.params.index]]
        np.testing.assert_array_equal(own.to_numpy(), res.params.to_numpy())
        se = g.std_errors[[f"{name}@{label}" for name in res.params.index]]
        np.testing.assert_array_equal(se.to_numpy(), res.std_errors.to_numpy())
    assert np.isclose(g.loglike, sum(r.loglike for r in g.groups.values()))


def test_pooled_covariance_is_the_manova_error_matrix(iris):
    g = me.fit(iris, by="Species")
    within = sum(np.cov(iris.loc[iris["Species"] == s, IRIS].T) * 49 for s in g.groups)
    np.testing.assert_allclose(g.pooled, within / 147, rtol=1e-12)
    assert g.box_m_test().statistic == me.box_m_test(iris, by="Species").statistic
    pd.testing.assert_frame_equal(g.manova().table, me.manova(iris, by="Species").table)


def test_grouped_with_missing_weights_and_arrays(rng):
    x = rng.standard_normal((90, 3))
    x[rng.random(x.shape) < 0.1] = np.nan
    by = np.repeat(["a", "b", "c"], 30)
    w = rng.integers(1, 3, size=90)
    g = me.fit(x, by=by, missing="em", weights=w)
    for label, res in g.groups.items():
        rows = by == label
        ref = me.fit(x[rows], missing="em", weights=w[rows])
        np.testing.assert_allclose(res.params, ref.params, rtol=1e-10)
    df = pd.DataFrame(x, columns=list("pqr")).assign(g=by, w=w)
    h = me.fit(df, by="g", weights="w", missing="em")
    np.testing.assert_allclose(h.params.to_numpy(), g.params.to_numpy(), rtol=1e-10)
    assert "Pooled within-group covariance" in str(h)


def test_grouped_outliers_are_labelled_by_group(iris):
    out = me.fit(iris, by="Species").outliers()
    assert len(out) == 150 and set(out["group"]) == {"setosa", "versicolor", "virginica"}


def test_box_m_and_manova_use_the_rows_the_fits_used(rng):
    frame = pd.DataFrame(rng.normal(size=(90, 3)), columns=list("abc"))
    frame["g"] = np.repeat(["x", "y", "z"], 30)
    frame.loc[[3, 40, 70], "b"] = np.nan
    with pytest.warns(me.exceptions.DroppedRowsWarning):
        dropped = me.fit(frame, by="g", columns=list("abc"), missing="drop")
    complete = frame.dropna()
    assert dropped.box_m_test().statistic == pytest.approx(
        me.box_m_test(complete, by="g", columns=list("abc")).statistic, rel=1e-12)
    np.testing.assert_allclose(dropped.manova().table["statistic"],
                               me.manova(complete, by="g", columns=list("abc"))
                               .table["statistic"], rtol=1e-12)
    with pytest.warns(me.exceptions.DroppedRowsWarning):
        by_array = me.fit(frame[list("abc")], by=frame["g"].to_numpy(), missing="drop")
    assert by_array.box_m_test().statistic == pytest.approx(
        dropped.box_m_test().statistic, rel=1e-12)
    em = me.fit(frame, by="g", columns=list("abc"), missing="em")
    for test in (em.box_m_test, em.manova):
        with pytest.raises(me.exceptions.InvalidOptionError, match="missing='em'"):
            test()
    weighted = me.fit(frame.dropna().assign(w=2.0), by="g", columns=list("abc"), weights="w")
    with pytest.raises(me.exceptions.InvalidOptionError, match="weights"):
        weighted.manova()


@pytest.mark.parametrize("equal", [None, ["cov"]])
def test_grouped_results_pickle(equal):
    """Results travel to other processes (multiprocessing, joblib): a pickled copy has the
    same estimates and standard errors; the joint model's functions refuse with the reason."""
    import pickle

    iris = pd.read_csv("data/iris.csv")
    fit = me.fit(iris, by="Species", equal=equal)
    copy = pickle.loads(pickle.dumps(fit))
    pd.testing.assert_series_equal(copy.params, fit.params)
    pd.testing.assert_series_equal(copy.std_errors, fit.std_errors)
    assert copy.loglike == fit.loglike and list(copy.groups) == list(fit.groups)
    if equal:
        with pytest.raises(me.exceptions.InvalidOptionError, match="pickle"):
            copy.joint.meat()
