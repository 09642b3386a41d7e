"""Scaled likelihood-ratio tests against lavaan 0.6-14 (tests/reference/robust.R): MLM
(Satorra–Bentler) and MLR (Yuan–Bentler, Mplus variant) on compound symmetry for Orthodont,
one- and two-factor models for Holzinger–Swineford (and their scaled difference), and MLR
with missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import mvn_estimate as me
from mvn_estimate.exceptions import InvalidOptionError
from mvn_estimate.structures import Factor

from .conftest import REFERENCE, reference, reference_data

REF = reference("robust")
ORTH = ["d8", "d10", "d12", "d14"]
LAVAAN = 2e-6
"""lavaan's estimates are accurate to about 1e-7 (nlminb); its statistics and factors move
by about that much relative to the exact MLE's."""


@pytest.fixture(scope="module")
def orthodont():
    orth = reference_data("orthodont_wide.csv")[ORTH]
    return me.fit(orth, structure="compound_symmetry"), me.fit(orth)


@pytest.fixture(scope="module")
def holzinger():
    hs = reference_data("holzinger_x1_x9.csv")
    return me.fit(hs, structure=Factor(1)), me.fit(hs, structure=Factor(2)), me.fit(hs)


def _check(test, measures: dict) -> None:
    np.testing.assert_allclose(test.detail("unscaled"), measures["chisq"], rtol=1e-9)
    np.testing.assert_allclose(test.detail("scaling_factor"), measures["chisq.scaling.factor"],
                               rtol=LAVAAN)
    np.testing.assert_allclose(test.statistic, measures["chisq.scaled"], rtol=LAVAAN)
    # lavaan's 1 − pchisq rounds p-values below 1e-16 to 0
    np.testing.assert_allclose(test.pvalue, measures["pvalue.scaled"], rtol=1e-5, atol=1e-15)
    assert test.df == measures["df"]


@pytest.mark.parametrize(("scaled", "estimator"), [("satorra-bentler", "MLM"),
                                                   ("yuan-bentler", "MLR")])
def test_compound_symmetry_on_orthodont(orthodont, scaled, estimator):
    cs, un = orthodont
    _check(me.lr_test(cs, un, scaled=scaled), REF["sb_orthodont_cs"][estimator]["fit_measures"])


def test_orthodont_factors_against_the_hand_traces(orthodont):
    """The exact-MLE factors against robust.R's hand computation (lavaan's estimates)."""
    cs, un = orthodont
    hand = REF["sb_orthodont_cs"]["hand"]
    sb = me.lr_test(cs, un, scaled="satorra-bentler").detail("scaling_factor")
    np.testing.assert_allclose(sb * 8, hand["satorra_bentler"]["trace_UGamma"], rtol=LAVAAN)
    yb = me.lr_test(cs, un, scaled="yuan-bentler").detail("scaling_factor")
    np.testing.assert_allclose(yb, hand["yuan_bentler_mplus"]["scaling_factor"], rtol=LAVAAN)


@pytest.mark.parametrize(("model", "index"), [("one", 0), ("two", 1)])
@pytest.mark.parametrize(("scaled", "estimator"), [("satorra-bentler", "MLM"),
                                                   ("yuan-bentler", "MLR")])
def test_factor_models_on_holzinger_swineford(holzinger, model, index, scaled, estimator):
    fits = holzinger
    test = me.lr_test(fits[index], fits[2], scaled=scaled)
    _check(test, REF["sb_hs"][f"{model}_{estimator}"]["fit_measures"])


@pytest.mark.parametrize(("scaled", "key"), [("satorra-bentler", "MLM_satorra_bentler_2001"),
                                             ("yuan-bentler", "MLR_default")])
def test_scaled_difference_of_two_factor_models(holzinger, scaled, key):
    """lavTestLRT(two, one): the Satorra–Bentler (2001) scaled difference."""
    one, two, _ = holzinger
    ref = REF["sb_hs"]["difference_tests"][key]
    test = me.lr_test(one, two, scaled=scaled)
    assert test.df == ref["df"] == 8
    np.testing.assert_allclose(test.detail("unscaled"), ref["Chisq"][1] - ref["Chisq"][0],
                               rtol=1e-9)
    np.testing.assert_allclose(test.statistic, ref["statistic"], rtol=LAVAAN)
    if "scaling_factor" in ref:
        np.testing.assert_allclose(test.detail("scaling_factor"), ref["scaling_factor"],
                                   rtol=LAVAAN)
    np.testing.assert_allclose(np.log(test.pvalue), np.log(ref["p.value"]), rtol=1e-5)


def test_the_difference_is_the_combination_of_each_model_s_factor(holzinger):
    """c_d = (r₀c₀ − r₁c₁)/m with each c against the saturated model."""
    one, two, sat = holzinger
    for scaled in ("satorra-bentler", "yuan-bentler"):
        c0 = me.lr_test(one, sat, scaled=scaled).detail("scaling_factor")
        c1 = me.lr_test(two, sat, scaled=scaled).detail("scaling_factor")
        cd = me.lr_test(one, two, scaled=scaled).detail("scaling_factor")
        np.testing.assert_allclose(cd, (27 * c0 - 19 * c1) / 8, rtol=1e-12)


def test_yuan_bentler_with_missing_values():
    """lavaan MLR with missing="ml": against the exact-MLE hand computation and lavaan's
    tight-EM refit."""
    orth = reference_data("orthodont_wide_missing.csv")[ORTH]
    cs = me.fit(orth, structure="compound_symmetry", missing="em")
    un = me.fit(orth, missing="em")
    test = me.lr_test(cs, un, scaled="yuan-bentler")
    hand = REF["yb_orthodont_missing"]["hand"]
    np.testing.assert_allclose(test.detail("unscaled"), hand["chisq"], rtol=1e-9)
    np.testing.assert_allclose(test.detail("scaling_factor"), hand["scaling_factor"], rtol=1e-9)
    np.testing.assert_allclose(test.statistic, hand["chisq_scaled"], rtol=1e-9)
    np.testing.assert_allclose(test.pvalue, hand["pvalue_scaled"], rtol=1e-8)
    _check(test, REF["yb_orthodont_missing"]["MLR_em_tight"]["fit_measures"])


def test_satorra_bentler_needs_complete_data():
    orth = reference_data("orthodont_wide_missing.csv")[ORTH]
    cs = me.fit(orth, structure="compound_symmetry", missing="em")
    with pytest.raises(InvalidOptionError, match=r"scaled='satorra-bentler' needs complete "
                                                 r"data .* scaled='yuan-bentler'"):
        me.lr_test(cs, me.fit(orth, missing="em"), scaled="satorra-bentler")


@pytest.mark.parametrize("chunksize", [1, 5])
def test_missing_values_from_a_file_give_lavaans_mlr(chunksize):
    """The per-row observed-data scores summed chunk by chunk (chunks of one row, and chunks
    whose rows leave columns unobserved) give the exact-MLE hand computation of lavaan's
    MLR with missing="ml", as the rows in memory do."""
    path = str(REFERENCE / "data" / "orthodont_wide_missing.csv")
    cs = me.fit_file(path, columns=ORTH, structure="compound_symmetry", missing="em",
                     chunksize=chunksize)
    un = me.fit_file(path, columns=ORTH, missing="em", chunksize=chunksize)
    test = me.lr_test(cs, un, scaled="yuan-bentler")
    hand = REF["yb_orthodont_missing"]["hand"]
    np.testing.assert_allclose(test.detail("scaling_factor"), hand["scaling_factor"], rtol=1e-9)
    np.testing.assert_allclose(test.statistic, hand["chisq_scaled"], rtol=1e-9)


def test_complete_data_from_a_file_is_the_in_memory_test(orthodont):
    path = str(REFERENCE / "data" / "orthodont_wide.csv")
    cs = me.fit_file(path, columns=ORTH, structure="compound_symmetry")
    un = me.fit_file(path, columns=ORTH)
    for scaled in ("satorra-bentler", "yuan-bentler"):
        a = me.lr_test(cs, un, scaled=scaled)
        b = me.lr_test(*orthodont, scaled=scaled)
        np.testing.assert_allclose(a.statistic, b.statistic, rtol=1e-10)


def test_normal_data_give_factors_near_one(rng):
    x = rng.multivariate_normal(np.zeros(4), 0.5 + 0.5 * np.eye(4), size=4000)
    cs, un = me.fit(x, structure="compound_symmetry"), me.fit(x)
    for scaled in ("satorra-bentler", "yuan-bentler"):
        assert abs(me.lr_test(cs, un, scaled=scaled).detail("scaling_factor") - 1) < 0.1


def test_frequency_weights_are_repeated_rows(rng):
    x = rng.standard_t(5, size=(120, 3)) + rng.standard_normal((120, 1))
    w = rng.integers(1, 4, 120).astype(float)
    rep = np.repeat(x, w.astype(int), axis=0)
    for scaled in ("satorra-bentler", "yuan-bentler"):
        a = me.lr_test(me.fit(x, weights=w, structure="compound_symmetry"),
                       me.fit(x, weights=w), scaled=scaled)
        b = me.lr_test(me.fit(rep, structure="compound_symmetry"), me.fit(rep), scaled=scaled)
        np.testing.assert_allclose(a.statistic, b.statistic, rtol=1e-9)


@pytest.mark.parametrize("scale", [1e-150, 1e150])
def test_scaling_is_invariant_to_the_data_s_units(scale):
    orth = reference_data("orthodont_wide.csv")[ORTH]
    base = me.lr_test(me.fit(orth, structure="compound_symmetry"), me.fit(orth),
                      scaled="yuan-bentler")
    moved = orth * scale + 10 * scale
    test = me.lr_test(me.fit(moved, structure="compound_symmetry"), me.fit(moved),
                      scaled="yuan-bentler")
    np.testing.assert_allclose(test.statistic, base.statistic, rtol=1e-8)


@pytest.mark.slow
def test_satorra_bentler_has_its_size_under_heavy_tails():
    """t₅ data (kurtosis: the unscaled test over-rejects) under compound symmetry: the
    scaled tests reject near 5%, the unscaled one far more often."""
    rng = np.random.default_rng(20261214)
    cov = 0.4 + 0.6 * np.eye(4)
    dist = stats.multivariate_t(np.zeros(4), cov * 3 / 5, df=5)
    plain, sb, yb = [], [], []
    for _ in range(200):
        x = dist.rvs(300, random_state=rng)
        cs, un = me.fit(x, structure="compound_symmetry"), me.fit(x)
        plain.append(me.lr_test(cs, un).pvalue < 0.05)
        sb.append(me.lr_test(cs, un, scaled="satorra-bentler").pvalue < 0.05)
        yb.append(me.lr_test(cs, un, scaled="yuan-bentler").pvalue < 0.05)
    assert np.mean(plain) > 0.12
    assert abs(np.mean(sb) - 0.05) < 0.04 and abs(np.mean(yb) - 0.05) < 0.04


def test_labels_carry_through_pandas(orthodont):
    cs, un = orthodont
    test = me.lr_test(cs, un, scaled="satorra-bentler")
    assert "Satorra–Bentler" in str(test) and "scaling_factor" in str(test)
    assert isinstance(pd.Series(dict(test.details)), pd.Series)


def test_fits_stay_picklable_and_a_copy_refuses_the_scaled_test(orthodont):
    import pickle

    cs, un = (pickle.loads(pickle.dumps(f)) for f in orthodont)
    assert cs.loglike == orthodont[0].loglike
    assert me.lr_test(cs, un).statistic == me.lr_test(*orthodont).statistic
    with pytest.raises(InvalidOptionError, match="a copy made by pickle"):
        me.lr_test(cs, un, scaled="yuan-bentler")
