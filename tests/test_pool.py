"""Rubin's rules (``Imputations.pool``) against mice 3.15, mitools 2.4 and statsmodels, on the
five completed airquality data sets that mice made (``tests/reference/imputation.R``)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from statsmodels.imputation.bayes_mi import MI

import mvn_estimate as me
from mvn_estimate.exceptions import InvalidOptionError, LabelError

from .conftest import reference, reference_data

REF = reference("imputation")
TERMS = ["Intercept", "Solar.R", "Wind", "Temp"]
FORMULA = "Ozone ~ Q('Solar.R') + Wind + Temp"


def _sets() -> me.Imputations:
    return me.Imputations([reference_data(f"air_imp_{i}.csv") for i in range(1, 6)])


def _ols(d: pd.DataFrame):
    return smf.ols(FORMULA, d).fit()


@pytest.fixture(scope="module")
def pooled() -> me.PooledResult:
    return _sets().pool(_ols)


def _mice(column: str) -> np.ndarray:
    return np.array([row[column] for row in REF["rubin_pool"]["pooled"]])


@pytest.mark.parametrize(("ours", "theirs"), [
    ("params", "estimate"), ("within", "ubar"), ("between", "b"), ("total", "t"),
    ("df", "df"), ("riv", "riv"), ("lambda_", "lambda"), ("fmi", "fmi")])
def test_pooled_columns_equal_mice_pool(pooled, ours, theirs):
    np.testing.assert_allclose(getattr(pooled, ours).to_numpy(), _mice(theirs), rtol=1e-10)


def test_complete_data_df_comes_from_the_regression(pooled):
    assert pooled.m == 5 and pooled.dfcom == 149 == REF["rubin_pool"]["pooled"][0]["dfcom"]


def test_summary_rows_equal_mice_summary(pooled):
    rows = REF["rubin_pool"]["summary"]["rows"]
    ci = pooled.conf_int(0.95)
    for k, row in enumerate(rows):
        np.testing.assert_allclose(
            [pooled.std_errors.iloc[k], pooled.tvalues.iloc[k], pooled.pvalues.iloc[k],
             ci["lower"].iloc[k], ci["upper"].iloc[k]],
            [row["std.error"], row["statistic"], row["p.value"], row["2.5 %"], row["97.5 %"]],
            rtol=1e-9)


def test_total_covariance_equals_mitools(pooled):
    ref = np.array(REF["mitools_MIcombine"]["default"]["variance"]["values"])
    np.testing.assert_allclose(pooled.cov_params().to_numpy(), ref, rtol=1e-10)


def test_large_sample_df_equals_mitools_default():
    ours = _sets().pool(_ols, dfcom=np.inf)
    ref = REF["mitools_MIcombine"]["default"]
    np.testing.assert_allclose(ours.df.to_numpy(), list(ref["df"].values()), rtol=1e-10)
    np.testing.assert_allclose(ours.fmi.to_numpy(), list(ref["missinfo"].values()), rtol=1e-10)


def test_statsmodels_combining_rule_agrees(pooled):
    fits = [_ols(d) for d in _sets()]
    params, cov, fmi = MI._combine(None, [f.params for f in fits],
                                   [f.cov_params() for f in fits])
    np.testing.assert_allclose(pooled.params.to_numpy(), params, rtol=1e-12)
    np.testing.assert_allclose(pooled.cov_params().to_numpy(), cov, rtol=1e-12)
    np.testing.assert_allclose(pooled.lambda_.to_numpy(), fmi, rtol=1e-12)  # its "fmi" is λ


def test_scalar_pooling_equals_mice_pool_scalar():
    ref = REF["pool_scalar"]

    def mean_ozone(d):
        n = len(d)
        return SimpleNamespace(params=pd.Series({"Ozone": d["Ozone"].mean()}),
                               std_errors=pd.Series({"Ozone": np.sqrt(d["Ozone"].var() / n)}))

    ours = _sets().pool(mean_ozone)
    assert np.isinf(ours.dfcom)
    np.testing.assert_allclose(
        [ours.params.iloc[0], ours.within.iloc[0], ours.between.iloc[0], ours.total.iloc[0],
         ours.df.iloc[0], ours.riv.iloc[0], ours.fmi.iloc[0]],
        [ref["qbar"], ref["ubar"], ref["b"], ref["t"], ref["df"], ref["r"], ref["fmi"]],
        rtol=1e-10)
    with pytest.raises(InvalidOptionError, match="standard errors only"):
        ours.cov_params()


def test_mvn_results_pool_with_large_sample_df():
    pooled = _sets().pool(lambda d: me.fit(d))
    first = me.fit(reference_data("air_imp_1.csv"))
    assert np.isinf(pooled.dfcom) and list(pooled.params.index) == list(first.params.index)
    means = np.mean([me.fit(d).params for d in _sets()], axis=0)
    np.testing.assert_allclose(pooled.params.to_numpy(), means, rtol=1e-12)


def test_summary_reads_as_a_table(pooled):
    text = pooled.summary(level=0.9)
    assert text.splitlines()[0].strip() == "Multiple Imputation: Rubin's Rules"
    assert "Complete-data df: 149" in text and "FMI" in text
    assert str(pooled) == pooled.summary() and "<table" in pooled._repr_html_()


def test_frames_given_are_copied_and_checked():
    frames = [reference_data(f"air_imp_{i}.csv") for i in (1, 2)]
    imps = me.Imputations(frames)
    frames[0].iloc[0, 0] = -1.0
    assert imps[0].iloc[0, 0] != -1.0 and imps.method == "given" and imps.imputed is None
    first = imps[0]
    first.iloc[0, 0] = -2.0
    assert imps[0].iloc[0, 0] != -2.0  # each access is a new frame
    assert [f.shape for f in imps[0:2]] == [(153, 4), (153, 4)]
    with pytest.raises(LabelError, match="share the columns and index"):
        me.Imputations([frames[0], frames[1].rename(columns={"Wind": "wind"})])


def test_one_imputation_cannot_be_pooled():
    imps = me.Imputations([reference_data("air_imp_1.csv")])
    with pytest.raises(InvalidOptionError, match="at least 2 imputations"):
        imps.pool(_ols)
