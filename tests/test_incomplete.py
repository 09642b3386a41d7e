"""What a fit with missing values adds: conditional means (``MVNResult.impute``), the fraction
of missing information (``MVNResult.fmi``, against lavaan) and auxiliary variables
(``fit(..., auxiliary=...)``, against semTools)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate.exceptions import InvalidOptionError, LabelError

from .conftest import reference, reference_data

REF = reference("imputation")
AIR4 = ["Ozone", "Solar.R", "Wind", "Temp"]


@pytest.fixture(scope="module")
def air() -> pd.DataFrame:
    return reference_data("airquality.csv")


@pytest.fixture(scope="module")
def air_fit(air) -> me.MVNResult:
    return me.fit(air[AIR4], missing="em")


def _by_name(values: dict, names: list[str]) -> pd.Series:
    """lavaan's ``lhs~~rhs`` / ``lhs~1`` keys renamed ``cov[…]`` / ``mean[…]``."""
    order = {c: i for i, c in enumerate(names)}
    out = {}
    for key, value in values.items():
        if key.endswith("~1"):
            out[f"mean[{key[:-2]}]"] = value
        else:
            a, b = sorted(key.split("~~"), key=order.__getitem__)
            out[f"cov[{a},{b}]"] = value
    return pd.Series(out)


# ------------------------------------------------------------------------------ fmi
def test_fmi_equals_lavaan(air_fit):
    rows = REF["air_fmi"]["params"]
    ours = air_fit.fmi
    for row in rows:
        name = f"mean[{row['lhs']}]" if row["op"] == "~1" else \
            "cov[{},{}]".format(*sorted((row["lhs"], row["rhs"]), key=AIR4.index))
        assert abs(ours[name] - row["fmi"]) < 1e-6, name  # lavaan's finite differences


def test_fmi_equals_the_exact_recipe(air_fit):
    exact = _by_name(REF["air_fmi"]["hand"]["fmi_exact"], AIR4)
    np.testing.assert_allclose(air_fit.fmi[exact.index], exact, atol=1e-8)


def test_fmi_is_exactly_zero_for_fully_observed_columns(air_fit):
    complete = ["mean[Wind]", "mean[Temp]", "cov[Wind,Wind]", "cov[Wind,Temp]", "cov[Temp,Temp]"]
    assert (air_fit.fmi[complete] == 0.0).all()
    assert (air_fit.fmi.drop(complete) > 0.04).all()


def test_fmi_is_the_ratio_of_complete_and_observed_variances(air_fit):
    cov, n = air_fit.cov.to_numpy(), air_fit.nobs
    complete = np.sqrt(cov[0, 0] * cov[1, 1] + cov[0, 1] ** 2) / np.sqrt(n)  # cov[Ozone,Solar.R]
    se = air_fit.std_errors["cov[Ozone,Solar.R]"]
    assert np.isclose(air_fit.fmi["cov[Ozone,Solar.R]"], 1 - (complete / se) ** 2, rtol=1e-12)


def test_fmi_is_scale_free(air, air_fit):
    tiny = me.fit(air[AIR4] * 2.0**-500, missing="em")
    np.testing.assert_allclose(tiny.fmi, air_fit.fmi, atol=1e-9)


@pytest.mark.parametrize(("kw", "match"), [
    ({"missing": "drop"}, "needs a fit with missing='em'"),
    ({"missing": "em", "cov_type": "robust"}, "cov_type='robust'"),
    ({"missing": "em", "structure": "compound_symmetry"}, "compound_symmetry structure")])
def test_fmi_refused_where_it_is_not_defined(air, kw, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", me.exceptions.MVNEstimateWarning)
        res = me.fit(air[AIR4], **kw)
    with pytest.raises(InvalidOptionError, match=match):
        res.fmi  # noqa: B018


# ------------------------------------------------------------------------ auxiliary
@pytest.fixture(scope="module")
def aux_fit(air) -> me.MVNResult:
    return me.fit(air, columns=["Ozone", "Solar.R"], missing="em", auxiliary=["Wind", "Temp"])


def test_auxiliary_equals_semtools(aux_fit):
    ref = REF["air_auxiliary"]
    est = _by_name(ref["est"], AIR4)
    se = _by_name(ref["se"], AIR4)
    np.testing.assert_allclose(aux_fit.params[est.index], est, rtol=1e-6)  # lavaan's optimiser
    np.testing.assert_allclose(aux_fit.std_errors[se.index], se, rtol=1e-5)
    assert np.isclose(aux_fit.loglike, ref["logLik"], rtol=1e-10)
    assert aux_fit.nobs == ref["nobs"] and aux_fit.nparams == ref["npar"]


def test_auxiliary_equals_the_exact_joint_fit(aux_fit, air_fit):
    exact = REF["air_auxiliary"]["saturated_4var"]
    est, se = _by_name(exact["est_exact"], AIR4), _by_name(exact["se_exact"], AIR4)
    np.testing.assert_allclose(aux_fit.params[est.index], est, rtol=1e-8)
    np.testing.assert_allclose(aux_fit.std_errors[se.index], se, rtol=1e-7)
    names = list(aux_fit.params.index)
    np.testing.assert_allclose(aux_fit.cov_params().to_numpy(),
                               air_fit.cov_params().loc[names, names].to_numpy(), rtol=1e-10)


def test_auxiliary_result_holds_only_the_columns(aux_fit):
    assert list(aux_fit.labels) == ["Ozone", "Solar.R"] and aux_fit.auxiliary == ("Wind", "Temp")
    assert aux_fit.data is not None and aux_fit.data.nvars == 2
    assert "Auxiliary:" in aux_fit.summary() and "sub-block" in aux_fit.summary()
    assert aux_fit.aic == -2 * aux_fit.loglike + 2 * 14


def test_without_auxiliary_differs_as_lavaan_says(air):
    ref = REF["air_auxiliary"]["without_auxiliary"]
    plain = me.fit(air, columns=["Ozone", "Solar.R"], missing="em")
    est = _by_name(ref["est_exact"], AIR4)
    np.testing.assert_allclose(plain.params[est.index], est, rtol=1e-8)
    assert plain.nobs == ref["nobs"]  # the two rows with both missing drop out


def test_auxiliary_default_columns_are_the_others(air, aux_fit):
    res = me.fit(air[AIR4], missing="em", auxiliary=["Wind", "Temp"])
    np.testing.assert_allclose(res.params, aux_fit.params, rtol=1e-12)


def test_auxiliary_through_dask_equals_in_memory(air, aux_fit):
    dd = pytest.importorskip("dask.dataframe")
    res = me.fit(dd.from_pandas(air, npartitions=3), columns=["Ozone", "Solar.R"],
                 missing="em", auxiliary=["Wind", "Temp"])
    np.testing.assert_allclose(res.params, aux_fit.params, rtol=1e-9)
    np.testing.assert_allclose(res.std_errors, aux_fit.std_errors, rtol=1e-7)


def test_auxiliary_from_a_file_equals_in_memory(aux_fit, request):
    path = request.config.rootpath / "tests" / "reference" / "data" / "airquality.csv"
    res = me.fit_file(str(path), columns=["Ozone", "Solar.R"], missing="em",
                      auxiliary=["Wind", "Temp"], progress=False)
    np.testing.assert_allclose(res.params, aux_fit.params, rtol=1e-9)
    np.testing.assert_allclose(res.std_errors, aux_fit.std_errors, rtol=1e-7)
    assert res.data is None and res.auxiliary == ("Wind", "Temp")


def test_auxiliary_fmi_is_the_joint_fits(aux_fit, air_fit):
    np.testing.assert_allclose(aux_fit.fmi, air_fit.fmi[aux_fit.params.index], rtol=1e-9)


@pytest.mark.parametrize(("kw", "error", "match"), [
    ({"auxiliary": ["Wind"]}, InvalidOptionError, "missing='em'"),
    ({"missing": "em", "auxiliary": ["wind"]}, LabelError, "not in 'data'"),
    ({"missing": "em", "auxiliary": ["Wind"], "columns": ["Ozone", "Wind"]}, LabelError,
     "share ['Wind']"),
    ({"missing": "em", "auxiliary": "Wind"}, InvalidOptionError, "non-empty list")])
def test_auxiliary_refusals(air, kw, error, match):
    with pytest.raises(error, match=match.replace("[", r"\[").replace("]", r"\]")):
        me.fit(air[AIR4], **kw)


# ------------------------------------------------------------------- conditional means
def _closed_form(x: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """``μ_m + Σ_mo Σ_oo⁻¹(x_o − μ_o)`` row by row."""
    out = x.copy()
    for i, row in enumerate(x):
        m, o = np.isnan(row), ~np.isnan(row)
        if m.any():
            coef = np.linalg.solve(cov[np.ix_(o, o)], cov[np.ix_(o, m)]) if o.any() else \
                np.zeros((0, m.sum()))
            out[i, m] = mean[m] + (row[o] - mean[o]) @ coef
    return out


def test_conditional_means_equal_the_closed_form(rng):
    p = 6
    a = rng.standard_normal((p, p))
    cov, mean = a @ a.T + p * np.eye(p), rng.standard_normal(p) * 10
    x = rng.multivariate_normal(mean, cov, size=400)
    x[rng.random(x.shape) < 0.3] = np.nan
    x[7] = np.nan  # nothing observed: the mean
    res = me.fit(x, missing="em")
    ours = res.impute(x)
    np.testing.assert_allclose(ours, _closed_form(x, res.mean.to_numpy(), res.cov.to_numpy()),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours[7], res.mean.to_numpy(), rtol=1e-12)


def test_conditional_means_keep_the_frame(air, air_fit):
    frame = air.copy()
    frame.index = [f"r{i}" for i in range(len(frame))]
    before = frame.copy(deep=True)
    out = air_fit.impute(frame)
    pd.testing.assert_frame_equal(frame, before)  # the caller's frame is not touched
    assert out.index.equals(frame.index) and out.columns.equals(frame.columns)
    observed = frame[AIR4].notna()
    pd.testing.assert_frame_equal(out[AIR4][observed], frame[AIR4][observed])
    assert not out[AIR4].isna().any().any() and out["Month"].equals(frame["Month"])
    expected = _closed_form(frame[AIR4].to_numpy(), air_fit.mean.to_numpy(),
                            air_fit.cov.to_numpy())
    np.testing.assert_allclose(out[AIR4].to_numpy(), expected, rtol=1e-10)


def test_conditional_means_of_a_dask_frame_are_filled_per_partition(air):
    """A fit read from partitions fills the same partitions, lazily: the closed form, the
    frame's other columns and index kept, bad columns refused before computing."""
    dd = pytest.importorskip("dask.dataframe")  # in the [test] extra: present in CI
    frame = dd.from_pandas(air, npartitions=5)
    fit = me.fit(frame, columns=AIR4, missing="em")
    out = fit.impute(frame)
    assert hasattr(out, "__dask_graph__")  # still lazy
    got = out.compute()
    expected = _closed_form(air[AIR4].to_numpy(), fit.mean.to_numpy(), fit.cov.to_numpy())
    np.testing.assert_allclose(got[AIR4].to_numpy(), expected, rtol=1e-10)
    assert got.index.equals(air.index) and got["Month"].equals(air["Month"])
    with pytest.raises(LabelError, match="Temp"):
        fit.impute(frame.drop(columns="Temp"))
    with pytest.raises(InvalidOptionError, match=r"must be a Dask DataFrame holding the "
                                                 r"fitted columns .*; got a Dask Series"):
        fit.impute(frame["Ozone"])


def test_conditional_means_of_the_fitted_rows_by_default(air, air_fit):
    pd.testing.assert_frame_equal(air_fit.impute(), air_fit.impute(air[AIR4]), check_dtype=False)


def test_conditional_means_are_scale_free(air, air_fit):
    big = me.fit(air[AIR4] * 2.0**200, missing="em")
    np.testing.assert_allclose(big.impute().to_numpy() * 2.0**-200,
                               air_fit.impute().to_numpy(), rtol=1e-9)


def test_auxiliary_fit_imputes_from_its_columns(aux_fit, air):
    out = aux_fit.impute(air)
    assert out["Wind"].equals(air["Wind"]) and not out[["Ozone", "Solar.R"]].isna().any().any()
