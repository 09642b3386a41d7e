"""Scaled likelihood-ratio tests between grouped fits (``lr_test(..., scaled=...)`` with
``fit(..., by=, equal=)``) against lavaan 0.6-14's multi-group MLM and MLR (``group=``,
``group.equal=``, ``lavTestLRT``) and the same traces recomputed by hand at the exact MLE
(tests/reference/groups_scaled.R): iris by Species, the complete rows of airquality by
Month, and airquality with its missing values (MLR, ``missing="ml"``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate.exceptions import NotNestedError

from .conftest import reference

REF = reference("groups_scaled")
AIR = ["Ozone", "Solar.R", "Wind", "Temp"]
METHOD = {"MLM": "satorra-bentler", "MLR": "yuan-bentler"}
HAND = 1e-8
"""The hand traces at the exact MLE: numDeriv observed information (about 1e-9 relative)."""
LAVAAN = 2e-6
"""lavaan, started at the exact MLE, stops within about 1e-7 of it (nlminb)."""


def _data(case: str) -> tuple[pd.DataFrame, dict]:
    if case == "iris_species":
        return pd.read_csv("data/iris.csv"), {"by": "Species"}
    air = pd.read_csv("data/airquality.csv")
    if case == "air_month_complete":
        return air.dropna(subset=AIR), {"by": "Month", "columns": AIR}
    return air, {"by": "Month", "columns": AIR, "missing": "em"}


def _fits(case: str, data: pd.DataFrame | None = None) -> dict[str, me.GroupedResult]:
    frame, options = _data(case)
    frame = frame if data is None else data
    return {key: me.fit(frame, equal=model["equal"] or None, structure=model["structure"],
                        **options)
            for key, model in REF[case]["models"].items()}


@pytest.fixture(scope="module")
def fits():
    return {case: _fits(case) for case in ("iris_species", "air_month_complete",
                                          "air_month_missing")}


def _pairs(positive: bool) -> list[tuple[str, str, str]]:
    out = []
    for case in ("iris_species", "air_month_complete", "air_month_missing"):
        for est in ("MLM", "MLR"):
            for pair, lr in REF[case].get(f"lr_{est}", {}).items():
                if (lr["hand_at_exact_mle"]["scaling_factor"] > 0) == positive:
                    out.append((case, est, pair))
    return out


@pytest.mark.parametrize(("case", "est", "pair"), _pairs(positive=True))
def test_scaled_difference_matches_lavaan(fits, case, est, pair):
    restricted, full = pair.split("_vs_")
    ref = REF[case][f"lr_{est}"][pair]
    test = me.lr_test(fits[case][restricted], fits[case][full], scaled=METHOD[est])
    factor = test.detail("scaling_factor")
    np.testing.assert_allclose(factor, ref["hand_at_exact_mle"]["scaling_factor"], rtol=HAND)
    np.testing.assert_allclose(factor, ref["scaling_factor"], rtol=LAVAAN)
    np.testing.assert_allclose(test.detail("unscaled"), ref["statistic_unscaled"], rtol=1e-8)
    np.testing.assert_allclose(test.statistic, ref["chisq_diff_scaled"], rtol=LAVAAN)
    np.testing.assert_allclose(test.pvalue, ref["pvalue"], rtol=1e-4, atol=1e-15)
    assert test.df == ref["df"]


@pytest.mark.parametrize(("case", "est", "pair"), _pairs(positive=False))
def test_a_negative_difference_factor_is_refused_as_lavaan_does(fits, case, est, pair):
    """lavaan warns and reports NA; here the test is refused with the reason."""
    restricted, full = pair.split("_vs_")
    with pytest.raises(NotNestedError, match="not positive"):
        me.lr_test(fits[case][restricted], fits[case][full], scaled=METHOD[est])


@pytest.mark.parametrize("scaled", ["satorra-bentler", "yuan-bentler"])
def test_groups_on_their_own_add_their_single_group_traces(fits, scaled):
    """Compound symmetry per month against the unstructured months, both fitted group by
    group: ``r·c`` is the sum of the months' single-fit ``r·c`` (each its own lr_test)."""
    frame, _ = _data("air_month_complete")
    grouped = me.lr_test(fits["air_month_complete"]["cs_free"],
                         fits["air_month_complete"]["free"], scaled=scaled)
    total = 0.0
    for _, rows in frame.groupby("Month"):
        single = me.lr_test(me.fit(rows[AIR], structure="compound_symmetry"), me.fit(rows[AIR]),
                            scaled=scaled)
        total += single.detail("scaling_factor") * single.df
    np.testing.assert_allclose(grouped.detail("scaling_factor") * grouped.df, total, rtol=1e-10)


@pytest.mark.parametrize("factor", [1e-150, 1e150])
@pytest.mark.parametrize(("case", "scaled"), [("air_month_complete", "satorra-bentler"),
                                              ("air_month_complete", "yuan-bentler"),
                                              ("air_month_missing", "yuan-bentler")])
def test_the_scaling_does_not_change_with_the_units(fits, case, scaled, factor):
    frame, _ = _data(case)
    frame = frame.assign(**{c: frame[c] * factor for c in AIR})
    rescaled = _fits(case, frame)
    ours = me.lr_test(rescaled["equal_cov"], rescaled["free"], scaled=scaled)
    base = me.lr_test(fits[case]["equal_cov"], fits[case]["free"], scaled=scaled)
    np.testing.assert_allclose(ours.detail("scaling_factor"), base.detail("scaling_factor"),
                               rtol=1e-8)
    np.testing.assert_allclose(ours.statistic, base.statistic, rtol=1e-8)


def test_the_centred_meat_is_the_adf_gamma_sandwich(fits):
    """Satorra–Bentler's ``B`` of iris with a common covariance, recomputed naively:
    ``Σ_g n_gΔ_gᵀAΓ_gAΔ_g`` with ``Γ_g`` the covariance of ``(x, vech((x − x̄_g)(x − x̄_g)ᵀ))``
    (divisor ``n_g``) and ``A = blockdiag(Σ̂⁻¹, ½Dᵀ(Σ̂⁻¹⊗Σ̂⁻¹)D)`` at the pooled ``Σ̂``; each
    group's ``(μ_g, vech Σ)`` are its own parameters (``Δ_g`` selects them)."""
    fit = fits["iris_species"]["equal_cov"]
    first = fit._first
    labels, p = list(first.mean.index), fit.nvars
    pairs = [tuple(labels.index(v) for v in name[4:-1].split(","))
             for name in first.params.index[p:]]
    dup = np.zeros((p * p, len(pairs)))
    for k, (i, j) in enumerate(pairs):
        dup[i * p + j, k] = dup[j * p + i, k] = 1
    prec = np.linalg.inv(first.cov.to_numpy())
    a = np.zeros((p + len(pairs), p + len(pairs)))
    a[:p, :p] = prec
    a[p:, p:] = 0.5 * dup.T @ np.kron(prec, prec) @ dup
    iris = pd.read_csv("data/iris.csv")
    meat = np.zeros((fit.nparams, fit.nparams))
    for pos, label in zip(fit.layout.positions, fit.groups, strict=True):
        x = iris[iris["Species"] == label][labels].to_numpy()
        d = x - x.mean(axis=0)
        z = np.hstack([x] + [d[:, [i]] * d[:, [j]] for i, j in pairs])
        meat[np.ix_(pos, pos)] += x.shape[0] * a @ np.cov(z.T, bias=True) @ a
    np.testing.assert_allclose(fit.joint.scores.centred_meat(), meat, rtol=1e-9,
                               atol=1e-10 * np.abs(meat).max())


def test_the_common_mean_fit_reaches_the_global_maximum(fits):
    """Iris by species with one mean: the likelihood has several local maxima (ECM from a
    diagonal start ended at ℓ = −267.997); the fit starts from each group's own estimate and
    reaches lavaan's −235.842 (the reference's exact MLE)."""
    ref = REF["iris_species"]["models"]["equal_mean"]["MLM"]["fit_measures"]
    fit = fits["iris_species"]["equal_mean"]
    np.testing.assert_allclose(fit.loglike, ref["logl"], rtol=1e-9)
