"""The MCD against robustbase 0.95 ``covMcd`` (tests/reference/robust.R), its invariances,
exact fits, and the finite-sample outlier reference."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import mvn_estimate as me
from mvn_estimate.exceptions import ExactFitWarning
from mvn_estimate.robust import cerioli_pvalues, qn_scale, screening_cutoff, tau2_scale
from mvn_estimate.robust._scales import _brute, kth_pair_distance

from .conftest import reference, reference_data

REF = reference("robust")


def _matrix(entry: dict) -> np.ndarray:
    return np.array(entry["values"], dtype=float)


def _hbk3() -> pd.DataFrame:
    return reference_data("hbk.csv")[["X1", "X2", "X3"]]


CASES = {
    "mcd_hbk_x123": (_hbk3, {}),
    "mcd_hbk_all": (lambda: reference_data("hbk.csv"), {}),
    "mcd_stackloss": (lambda: reference_data("stackloss.csv"), {}),
    "mcd_wood": (lambda: reference_data("wood.csv"), {}),
    "mcd_hbk_x123_alpha075": (_hbk3, {"support_fraction": 0.75}),
    "mcd_hbk_x123_alpha090": (_hbk3, {"support_fraction": 0.9}),
    "mcd_n10_p3": (lambda: reference_data("mcd_n10_p3.csv"), {}),
    "mcd_n60_p25": (lambda: reference_data("mcd_n60_p25.csv"), {}),
    "mcd_n1200_p3": (lambda: reference_data("mcd_n1200_p3.csv"), {}),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    data, options = CASES[request.param]
    return REF[request.param], me.mcd(data(), **options)


def test_the_subset_and_raw_estimate_are_robustbase_s(case):
    ref, m = case
    assert (np.flatnonzero(m.support) + 1).tolist() == ref["best"]
    assert m.h == ref["quan"]
    np.testing.assert_allclose(m.raw_mean.to_numpy(), list(ref["raw.center"].values()),
                               rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(m.raw_cov.to_numpy(), _matrix(ref["raw.cov"]), rtol=1e-11,
                               atol=1e-14)
    np.testing.assert_allclose(m.crit, ref["crit"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(m.raw_factors, ref["raw.cnp2"], rtol=1e-13)


def test_the_reweighted_estimate_and_distances_are_robustbase_s(case):
    ref, m = case
    kept = np.array(ref["raw.weights"]) == 1
    np.testing.assert_array_equal(m.reweighted_support.to_numpy(), kept)
    np.testing.assert_allclose(m.mean.to_numpy(), list(ref["center"].values()), rtol=1e-12,
                               atol=1e-13)
    np.testing.assert_allclose(m.cov.to_numpy(), _matrix(ref["cov"]), rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(m.factors, ref["cnp2"], rtol=1e-13)
    np.testing.assert_allclose(m.raw_distances.to_numpy(), ref["raw.mah"], rtol=1e-9)
    np.testing.assert_allclose(m.distances.to_numpy(), ref["mah"], rtol=1e-9)


def test_the_deterministic_starts_are_robustbase_s(case):
    """The same starts reach the minimum (iBest); robustbase counts one C-step more where the
    repeated subset comes in another order of distance."""
    ref, m = case
    assert [i + 1 for i in m.best_starts] == list(np.atleast_1d(ref["iBest"]))
    steps = np.array(ref["n.csteps"]) - np.array(m.csteps)
    assert set(steps.tolist()) <= {0, 1}


def test_the_subset_is_a_concentration_fixed_point():
    x = _hbk3().to_numpy()
    m = me.mcd(x)
    rows = np.flatnonzero(m.support)
    d2 = me.fit(x[rows]).mahalanobis(x)
    assert np.array_equal(np.sort(np.argsort(d2, kind="stable")[:m.h]), rows)


def test_raw_only_reports_the_raw_estimate():
    m = me.mcd(_hbk3(), reweight=False)
    ref = REF["mcd_hbk_x123"]
    np.testing.assert_allclose(m.cov.to_numpy(), _matrix(ref["raw.cov"]), rtol=1e-11)
    np.testing.assert_allclose(m.distances.to_numpy(), ref["raw.mah"], rtol=1e-9)
    assert not m.reweighted and m.factors == m.raw_factors


def test_support_fraction_one_is_the_classical_estimate(rng):
    x = rng.standard_normal((40, 3))
    m = me.mcd(x, support_fraction=1.0, reweight=False)
    assert m.h == 40 and m.support.all()
    np.testing.assert_allclose(m.raw_cov.to_numpy(), np.cov(x, rowvar=False), rtol=1e-12)


def test_fastmcd_reaches_robustbase_s_determinant_and_reweighted_estimate():
    ref = REF["mcd_hbk_x123_fast_seed1"]
    for seed in range(3):
        m = me.mcd(_hbk3(), method="fast", random_state=seed)
        assert m.crit <= ref["crit"] + 1e-12  # R's FastMCD (seed 1) ends at -1.0430
        np.testing.assert_allclose(m.cov.to_numpy(), _matrix(ref["cov"]), rtol=1e-11)
    again = me.mcd(_hbk3(), method="fast", random_state=7)
    assert again.support.equals(me.mcd(_hbk3(), method="fast", random_state=7).support)


def test_fastmcd_with_blocks(rng):
    """From 600 rows on the trials run in blocks; the planted shift is screened out."""
    x = rng.standard_normal((900, 3))
    x[:90] += 8.0
    m = me.mcd(x, method="fast", random_state=0)
    assert not m.support.iloc[:90].any() and not m.reweighted_support.iloc[:90].any()
    assert m.crit <= me.mcd(x).crit + 1e-3


@pytest.mark.parametrize("scale", [1e-150, 1e150])
def test_scale_and_offset_are_handled_exactly(scale):
    x = _hbk3().to_numpy()
    base = me.mcd(x)
    m = me.mcd(x * scale + 1e6 * scale)
    assert m.support.equals(base.support)
    np.testing.assert_allclose(m.raw_cov.to_numpy() / scale**2, base.raw_cov.to_numpy(),
                               rtol=1e-8)
    np.testing.assert_allclose(m.distances.to_numpy(), base.distances.to_numpy(), rtol=1e-6)


def test_affine_equivariance(rng):
    x = _hbk3().to_numpy()
    a = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    b = np.array([5.0, -2.0, 100.0])
    base, moved = me.mcd(x), me.mcd(x @ a + b)
    assert moved.support.equals(base.support)
    np.testing.assert_allclose(moved.mean.to_numpy(), base.mean.to_numpy() @ a + b, rtol=1e-10)
    np.testing.assert_allclose(moved.cov.to_numpy(), a.T @ base.cov.to_numpy() @ a, rtol=1e-9)


def test_labels_are_kept(rng):
    frame = pd.DataFrame(rng.standard_normal((30, 2)), columns=["u", 7],
                         index=[f"r{i}" for i in range(30)])
    m = me.mcd(frame)
    assert m.mean.index.tolist() == ["u", 7] and m.support.index[0] == "r0"
    assert m.outliers().index.equals(frame.index)


# ------------------------------------------------------------------------- exact fits
def test_an_exact_fit_is_reported_with_its_hyperplane():
    x = reference_data("mcd_exact_fit.csv")
    ref = REF["mcd_exact_fit"]["fast_seed1"]
    for method, seed in (("deterministic", None), ("fast", 1)):
        with pytest.warns(ExactFitWarning, match=r"20 of the 30 rows .* hyperplane 0.4082·x1 \+ "
                                                  r"0.8165·x2 − 0.4082·x3 = 0"):
            m = me.mcd(x, method=method, random_state=seed)
        plane = m.exact_fit
        assert plane is not None and plane.count == 20 and plane.offset == 0.0
        np.testing.assert_allclose(plane.coef.to_numpy(), np.array([1, 2, -1]) / np.sqrt(6),
                                   atol=1e-12)
        assert plane.on_plane.iloc[:20].all() and not plane.on_plane.iloc[20:].any()
        # robustbase's FastMCD reports the same: the rows on the plane, raw factors
        np.testing.assert_allclose(m.mean.to_numpy(), list(ref["center"].values()), rtol=1e-12)
        np.testing.assert_allclose(m.cov.to_numpy(), _matrix(ref["cov"]), rtol=1e-10,
                                   atol=1e-12)
        assert m.crit == -np.inf
        out = m.outliers()
        assert out["outlier"].tolist() == [False] * 20 + [True] * 10
        assert np.isinf(m.distances.iloc[20:]).all() and np.isfinite(m.distances.iloc[:20]).all()


def test_deterministic_mcd_misses_the_spread_exact_fit_as_robustbase_does():
    x = reference_data("mcd_exact_fit_spread.csv")
    ref = REF["mcd_exact_fit_spread"]["deterministic"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = me.mcd(x)
    np.testing.assert_allclose(m.raw_cov.to_numpy(), _matrix(ref["raw.cov"]), rtol=1e-11)
    np.testing.assert_allclose(m.crit, ref["crit"], rtol=1e-12)


def test_fastmcd_finds_the_spread_exact_fit_with_the_right_count():
    """robustbase's FastMCD finds the plane but counts all 30 rows on it; the 10 general rows
    are 0.9 to 31 units off it, and are reported as outliers here."""
    x = reference_data("mcd_exact_fit_spread.csv")
    with pytest.warns(ExactFitWarning, match="20 of the 30 rows"):
        m = me.mcd(x, method="fast", random_state=1)
    assert m.exact_fit is not None and m.exact_fit.count == 20
    assert m.outliers()["outlier"].sum() == 10


def test_new_rows_under_an_exact_fit():
    x = reference_data("mcd_exact_fit.csv")
    with pytest.warns(ExactFitWarning):
        m = me.mcd(x)
    new = pd.DataFrame({"x1": [1.0, 1.0], "x2": [1.0, 1.0], "x3": [3.0, 4.0]})
    out = m.outliers(data=new)
    assert out["outlier"].tolist() == [False, True]


# ------------------------------------------------------------------------- size and speed
def test_p_near_half_n(rng):
    x = rng.standard_normal((61, 29))
    m = me.mcd(x)
    assert m.h == 45 and np.all(np.linalg.eigvalsh(m.cov.to_numpy()) > 0)


@pytest.mark.slow
def test_p_about_150_where_statsmodels_fails(rng):
    x = rng.standard_normal((301, 149))
    m = me.mcd(x)
    assert m.h == 225 and m.support.sum() == 225
    assert np.all(np.linalg.eigvalsh(m.cov.to_numpy()) > 0)


# ------------------------------------------------------------------------- robust scales
def test_qn_and_scale_tau2_are_robustbase_s():
    """robustbase's Qn returns some values rounded to single precision (hbk X1: 0.8 as
    0.800000011920929 before its constants); the k-th pairwise distance here is exact."""
    for entry in REF["scales"]["cases"]:
        y = _scale_data(entry["label"])
        np.testing.assert_allclose(qn_scale(y[:, None])[0], entry["Qn"], rtol=2e-8)
        np.testing.assert_allclose(tau2_scale(y[:, None])[0], entry["scaleTau2"], rtol=1e-13)


def _scale_data(label: str) -> np.ndarray:
    if label.startswith("scales_y15.csv"):
        y = reference_data("scales_y15.csv")["y"].to_numpy()
        return y[:int(label.split("-")[1])] if "rows" in label else y
    if label == "scales_t2001.csv":
        return reference_data("scales_t2001.csv")["y"].to_numpy()
    if label == "hbk X1":
        return reference_data("hbk.csv")["X1"].to_numpy()
    return np.array([float(v) for v in label[2:-1].split(",")])


@pytest.mark.parametrize("n", [5, 12, 90, 101, 300])
def test_the_kth_pairwise_distance_is_exact(rng, n):
    """Against all the pairs, with ties (integers) and without."""
    for y in (rng.standard_normal((20, n)), rng.integers(0, 6, (20, n)).astype(float)):
        ys = np.sort(y, axis=1)
        for k in (1, n, n * (n - 1) // 4, n * (n - 1) // 2):
            assert np.array_equal(kth_pair_distance(ys, k), _brute(ys, k))


def test_qn_against_statsmodels(rng):
    from statsmodels.robust.scale import qn_scale as sm_qn

    y = rng.standard_normal(257)
    h = y.size // 2 + 1
    raw = kth_pair_distance(np.sort(y)[None, :], h * (h - 1) // 2)[0]
    np.testing.assert_allclose(raw, sm_qn(y, c=1.0), rtol=1e-15)


def test_robust_scales_do_not_modify_their_input(rng):
    x = rng.standard_normal((50, 1))
    keep = x.copy()
    tau2_scale(x)
    qn_scale(x)
    assert np.array_equal(x, keep)


# ------------------------------------------------------------------------- outliers
def test_cerioli_p_values_are_the_beta_and_f_laws():
    d2 = np.array([2.0, 7.5, 40.0])
    kept = np.array([True, True, False])
    m, p = 40, 3
    got = cerioli_pvalues(d2, kept, m, p)
    np.testing.assert_allclose(got[:2], stats.beta.sf(m * d2[:2] / (m - 1) ** 2, 1.5, 18.0))
    np.testing.assert_allclose(got[2], stats.f.sf(m * (m - p) * 40.0 / ((m * m - 1) * p), 3, 37))


def test_the_screening_cutoff_is_hardin_and_rocke_s_f_quantile():
    """The cutoff is the F quantile scaled by its degrees of freedom, and it lies above the
    χ² quantile (the MCD's distances have heavier tails than χ²) and tends to it."""
    for n, p in ((100, 25), (200, 10), (50, 5)):
        assert screening_cutoff(n, p, (n + p + 1) // 2 / n) > stats.chi2.ppf(0.975, p)
    big = screening_cutoff(10**7, 3, 0.5)
    np.testing.assert_allclose(big, stats.chi2.ppf(0.975, 3), rtol=0.02)


def test_outliers_use_the_screened_rows(rng):
    x = rng.standard_normal((80, 4))
    x[:6] += 6.0
    m = me.mcd(x)
    out = m.outliers()
    assert out["outlier"].iloc[:6].all() and out["outlier"].iloc[6:].sum() <= 4
    ref = m.reference
    kept = x[ref.kept]
    d = x - kept.mean(axis=0)
    d2 = np.einsum("ij,jk,ik->i", d, np.linalg.inv(np.cov(kept, rowvar=False)), d)
    np.testing.assert_allclose(ref.d2, d2, rtol=1e-10)
    np.testing.assert_allclose(out["pvalue"], cerioli_pvalues(d2, ref.kept, ref.kept.sum(), 4))
    new = m.outliers(data=x[:10])
    np.testing.assert_allclose(new["distance"], out["distance"].iloc[:10], rtol=1e-10)
    assert new["outlier"].iloc[:6].all()


@pytest.mark.slow
def test_false_positive_rate_near_nominal_at_n100_p25():
    """Clean normal data, n = 100, p = 25, alpha = 0.025: about 2.5% flagged (Cerioli's
    reference); robustbase's χ²_p(0.975) cutoff on the reweighted distances flags ~22%."""
    rng = np.random.default_rng(20261212)
    ours, chi2 = [], []
    for _ in range(30):
        m = me.mcd(rng.standard_normal((100, 25)))
        ours.append(m.outliers()["outlier"].mean())
        chi2.append(np.mean(m.distances > stats.chi2.ppf(0.975, 25)))
    assert 0.015 < np.mean(ours) < 0.035
    assert 0.18 < np.mean(chi2) < 0.27


def test_summary_and_str():
    m = me.mcd(_hbk3())
    text = str(m)
    assert text.startswith("Minimum Covariance Determinant (deterministic, h = 39 of 75")
    assert "X1" in text


# ------------------------------------------------------------------------- MVNResult.outliers
def test_mvn_outliers_against_the_mcd():
    """hbk's 14 leverage points mask each other in the normal fit; the MCD shows them."""
    hbk = _hbk3()
    res = me.fit(hbk)
    robust = res.outliers(method="mcd")
    direct = me.mcd(hbk).outliers()
    pd.testing.assert_frame_equal(robust, direct)
    assert robust["outlier"].iloc[:14].all() and not robust["outlier"].iloc[14:].any()
    assert res.outliers()["outlier"].sum() < 14
    new = res.outliers(method="mcd", data=hbk.iloc[:3], alpha=0.01)
    assert new["outlier"].all()
