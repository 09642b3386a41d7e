"""Weights: an array, a Series aligned by index, or a column; frequency or analytic."""

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate.exceptions import (
    DtypeError,
    InvalidOptionError,
    LabelError,
    SingularCovarianceError,
)


@pytest.fixture
def frame(rng):
    x = rng.multivariate_normal([0.0, 1.0], [[1.0, 0.3], [0.3, 2.0]], size=40)
    index = pd.Index(rng.permutation(np.arange(100, 140)), name="id")
    return pd.DataFrame(x, columns=["a", "b"], index=index), rng.integers(1, 5, size=40)


def test_series_weights_are_matched_by_index(frame):
    df, w = frame
    series = pd.Series(w, index=df.index)
    expected = me.fit(df, weights=w)
    shuffled = series.sample(frac=1.0, random_state=1)
    got = me.fit(df, weights=shuffled)
    np.testing.assert_allclose(got.params, expected.params, rtol=1e-13)
    assert not np.allclose(me.fit(df, weights=shuffled.to_numpy()).params, expected.params)


def test_series_weights_with_other_labels_are_refused(frame):
    df, w = frame
    with pytest.raises(LabelError, match="one weight for each row label"):
        me.fit(df, weights=pd.Series(w, index=np.arange(40)))
    with pytest.raises(LabelError, match="'data' is an array with none"):
        me.fit(df.to_numpy(), weights=pd.Series(w, index=df.index))


def test_weights_column_is_not_a_variable(frame):
    df, w = frame
    res = me.fit(df.assign(w=w), weights="w")
    assert list(res.mean.index) == ["a", "b"] and res.weights_kind == "frequency"
    np.testing.assert_allclose(res.params, me.fit(df, weights=w).params, rtol=1e-13)
    with pytest.raises(InvalidOptionError, match="also one of the variables"):
        me.fit(df.assign(w=w), weights="w", columns=["a", "w"])
    with pytest.raises(LabelError, match="not a column of 'data'"):
        me.fit(df, weights="nope")


def test_frequency_weights_equal_repeated_rows(frame):
    df, w = frame
    rep = me.fit(df.loc[df.index.repeat(w)])
    res = me.fit(df, weights=w)
    np.testing.assert_allclose(res.params, rep.params, rtol=1e-12)
    np.testing.assert_allclose(res.std_errors, rep.std_errors, rtol=1e-12)
    assert res.nobs == w.sum()


def test_analytic_weights_count_rows(frame):
    df, w = frame
    rel = w / w.sum()  # sums to 1
    with pytest.raises(SingularCovarianceError, match="weights_kind='analytic'"):
        me.fit(df, weights=rel)
    res = me.fit(df, weights=rel, weights_kind="analytic")
    assert res.nobs == pytest.approx(40.0) and res.weights_kind == "analytic"
    x = df.to_numpy()
    mean = (rel @ x)
    cov = ((x - mean) * rel[:, None]).T @ (x - mean)
    np.testing.assert_allclose(res.mean, mean, rtol=1e-13)
    np.testing.assert_allclose(res.cov, cov, rtol=1e-12)
    np.testing.assert_allclose(res.std_errors["mean[a]"], np.sqrt(cov[0, 0] / 40), rtol=1e-12)
    scaled = me.fit(df, weights=w * 1000.0, weights_kind="analytic")
    np.testing.assert_allclose(scaled.params, res.params, rtol=1e-12)
    assert "Weights:" in res.summary() and "analytic" in res.summary()


def test_analytic_zero_weights_do_not_count(frame):
    df, w = frame
    w = w.astype(float)
    w[:10] = 0.0
    res = me.fit(df, weights=w, weights_kind="analytic")
    assert res.nobs == pytest.approx(30.0)


@pytest.mark.parametrize("bad", [
    np.ones(40, dtype=bool), np.array(["1.0"] * 40), np.ones(40) + 0j,
    pd.Series([True] * 40),
])
def test_only_real_numbers_are_weights(frame, bad):
    df, _ = frame
    if isinstance(bad, pd.Series):
        bad.index = df.index
    with pytest.raises(DtypeError, match="real numbers"):
        me.fit(df, weights=bad)


def test_complex_column_is_refused_not_truncated(rng):
    df = pd.DataFrame({"a": rng.standard_normal(10), "z": rng.standard_normal(10) + 1j})
    with pytest.raises(DtypeError, match=r"\['z'\] of dtype complex128"):
        me.fit(df)


def test_em_with_series_weights(frame):
    df, w = frame
    df = df.copy()
    df.iloc[:5, 1] = np.nan
    a = me.fit(df, missing="em", weights=pd.Series(w, index=df.index).iloc[::-1])
    b = me.fit(df.loc[df.index.repeat(w)], missing="em")
    np.testing.assert_allclose(a.params, b.params, rtol=1e-7)


def test_em_pattern_whose_rows_all_have_weight_zero(rng):
    x = rng.standard_normal((60, 3))
    x[:10, 2] = np.nan  # a pattern of 10 rows (more than p: summarised)
    w = np.ones(60)
    w[:10] = 0.0
    got = me.fit(x, missing="em", weights=w)
    want = me.fit(x[10:])  # zero weight: as if those rows were absent
    np.testing.assert_allclose(got.mean.to_numpy(), want.mean.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(got.cov.to_numpy(), want.cov.to_numpy(), rtol=1e-9)


def test_analytic_weights_count_only_rows_the_fit_uses(rng):
    # rows with nothing observed carry no information: they must not dilute the weights
    frame = pd.DataFrame(rng.normal(size=(100, 2)), columns=["a", "b"])
    frame["w"] = rng.uniform(0.5, 2.0, size=100)
    frame.loc[90:, ["a", "b"]] = np.nan
    em = me.fit(frame, weights="w", weights_kind="analytic", missing="em")
    complete = me.fit(frame.iloc[:90], weights="w", weights_kind="analytic")
    assert em.nobs == pytest.approx(90.0)
    np.testing.assert_allclose(em.std_errors.to_numpy(), complete.std_errors.to_numpy(),
                               rtol=1e-9)
    # the objective drops and weighs rows as fit does: its maximum is fit's log-likelihood
    with pytest.warns(me.exceptions.DroppedRowsWarning):
        dropped = me.fit(frame, weights="w", weights_kind="analytic", missing="drop")
    with pytest.warns(me.exceptions.DroppedRowsWarning, match="dropped 10 of 100 rows"):
        obj = me.objective(frame, weights="w", weights_kind="analytic", missing="drop")
    eta = np.concatenate([dropped.mean.to_numpy(), me.structures.Unstructured().bind(
        ["a", "b"]).to_unconstrained(me.linalg.vech(dropped.cov.to_numpy()))])
    assert obj.loglike(eta) == pytest.approx(dropped.loglike, rel=1e-12)
    assert dropped.nobs == pytest.approx(90.0)
