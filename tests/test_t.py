"""The multivariate t fit against R (tests/reference/robust.R: MASS::cov.trob and a direct
maximisation with a numDeriv Hessian), its kernels against finite differences, and its
sources, weights and invariances."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import mvn_estimate as me
from mvn_estimate.exceptions import BoundaryWarning, ConvergenceWarning, NumericalRangeError
from mvn_estimate.linalg import num_hessian
from mvn_estimate.model import TGroup, t_information, t_logdensity, t_nu_derivatives, t_score

from .conftest import REFERENCE, reference, reference_data

REF = reference("robust")
DATA = "t_n200_p3.csv"
MISSING = "t_n200_p3_missing.csv"


def _matrix(entry: dict) -> np.ndarray:
    return np.array(entry["values"], dtype=float)


@pytest.fixture(scope="module")
def x() -> pd.DataFrame:
    return reference_data(DATA)


@pytest.mark.parametrize(("key", "options", "data"), [
    ("t_ml_nu5", {"df": 5}, DATA), ("t_ml_free", {}, DATA),
    ("t_ml_missing", {"missing": "em"}, MISSING)])
def test_estimates_and_standard_errors_match_r(key, options, data):
    ref = REF[key]
    res = me.fit_t(reference_data(data), **options)
    np.testing.assert_allclose(res.params.to_numpy(), ref["est"], rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(res.loglike, ref["loglik"], rtol=1e-13)
    np.testing.assert_allclose(res.std_errors.to_numpy(), list(ref["se"].values()), rtol=1e-8)
    hessian = _matrix(ref["hessian"])
    np.testing.assert_allclose(np.linalg.inv(res.cov_params().to_numpy()), -hessian,
                               rtol=1e-7, atol=1e-9 * np.abs(hessian).max())
    np.testing.assert_allclose(res.cov.to_numpy(), _matrix(ref["cov_implied"]), rtol=1e-9)
    assert res.em.converged and res.df_fixed == ("df" in options)


def test_fixed_df_is_mass_cov_trob(x):
    ref = REF["trob_nu5"]
    res = me.fit_t(x, df=5)
    np.testing.assert_allclose(res.mean.to_numpy(), list(ref["center"].values()), rtol=1e-9)
    np.testing.assert_allclose(res.scatter.to_numpy(), _matrix(ref["cov"]), rtol=1e-9)


def test_the_estimated_df_is_the_cov_trob_fixed_point(x):
    """At ν̂ the location and scatter are cov.trob's for ν = ν̂ (the profile optimum)."""
    free = me.fit_t(x)
    fixed = me.fit_t(x, df=free.df)
    np.testing.assert_allclose(fixed.scatter.to_numpy(), free.scatter.to_numpy(), rtol=1e-9)


# ----------------------------------------------------------------------------- kernels
def _group(x: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> TGroup:
    prec = np.linalg.inv(sigma)
    z = (x - mu) @ prec
    return TGroup(prec, z, np.einsum("ij,ij->i", x - mu, z), float(x.shape[1]),
                  np.ones(x.shape[0]))


def _loglike(theta: np.ndarray, x: np.ndarray) -> float:
    p = x.shape[1]
    mu, sigma = theta[:p], me.linalg.unvech(theta[p:-1])
    q = np.einsum("ij,ij->i", x - mu, np.linalg.solve(sigma, (x - mu).T).T)
    return float(np.sum(t_logdensity(q, p, theta[-1]) - 0.5 * np.linalg.slogdet(sigma)[1]))


def test_score_and_information_are_the_derivatives_of_the_loglike(rng):
    x = stats.multivariate_t(np.zeros(3), np.eye(3) + 0.3, df=6).rvs(40, random_state=rng)
    mu, sigma, nu = np.array([0.1, -0.2, 0.05]), np.eye(3) * 1.2 + 0.25, 5.5
    theta = np.concatenate([mu, me.linalg.vech(sigma), [nu]])
    group = _group(x, mu, sigma)
    step = 1e-6
    numeric = np.array([(_loglike(theta + step * e, x) - _loglike(theta - step * e, x))
                        / (2 * step) for e in np.eye(theta.size)])
    np.testing.assert_allclose(t_score(group, nu, True), numeric, rtol=1e-6, atol=1e-6)
    hess = num_hessian(lambda t: _loglike(t, x), theta)
    np.testing.assert_allclose(t_information(group, nu, True), -hess, rtol=1e-4, atol=1e-4)


def test_the_nu_derivatives_by_finite_differences(rng):
    q = rng.chisquare(3, 50) * 2
    k = np.full(50, 3.0)

    def value(nu: float) -> float:
        return float(t_logdensity(q, k, nu).sum())

    nu, h = 4.3, 1e-5
    first, second = t_nu_derivatives(q, k, nu)
    np.testing.assert_allclose(first, (value(nu + h) - value(nu - h)) / (2 * h), rtol=1e-7)
    slope = (t_nu_derivatives(q, k, nu + h)[0] - t_nu_derivatives(q, k, nu - h)[0]) / (2 * h)
    np.testing.assert_allclose(second, slope, rtol=1e-7)


def test_the_log_density_is_scipy_s(rng):
    sigma = np.array([[2.0, 0.3], [0.3, 1.0]])
    x = rng.standard_normal((5, 2))
    q = np.einsum("ij,ij->i", x, np.linalg.solve(sigma, x.T).T)
    ours = t_logdensity(q, 2, 3.5) - 0.5 * np.linalg.slogdet(sigma)[1]
    np.testing.assert_allclose(ours, stats.multivariate_t(np.zeros(2), sigma, df=3.5).logpdf(x),
                               rtol=1e-13)


# ----------------------------------------------------------------------------- the result
def test_logpdf_and_mahalanobis(x):
    res = me.fit_t(x)
    dist = stats.multivariate_t(res.mean.to_numpy(), res.scatter.to_numpy(), df=res.df)
    np.testing.assert_allclose(res.logpdf(x).to_numpy(), dist.logpdf(x.to_numpy()), rtol=1e-12)
    np.testing.assert_allclose(res.logpdf(x).sum(), res.loglike, rtol=1e-12)
    d = x.to_numpy() - res.mean.to_numpy()
    q = np.einsum("ij,ij->i", d, np.linalg.solve(res.scatter.to_numpy(), d.T).T)
    np.testing.assert_allclose(res.mahalanobis(x).to_numpy(), q, rtol=1e-12)


def test_logpdf_of_incomplete_rows_sums_to_the_observed_data_loglike():
    xm = reference_data(MISSING)
    res = me.fit_t(xm, missing="em")
    np.testing.assert_allclose(res.logpdf(xm).sum(), res.loglike, rtol=1e-12)


def test_outliers_use_the_f_law(x):
    res = me.fit_t(x)
    out = res.outliers(alpha=0.01)
    q = res.mahalanobis(x).to_numpy()
    np.testing.assert_allclose(out["pvalue"], stats.f.sf(q / 3, 3, res.df), rtol=1e-12)
    assert out["outlier"].equals(out["pvalue"] < 0.01)
    new = res.outliers(data=x.iloc[:5])
    np.testing.assert_allclose(new["pvalue"], out["pvalue"].iloc[:5], rtol=1e-12)


def test_cov_needs_more_than_two_degrees_of_freedom(x):
    res = me.fit_t(x, df=1.5)
    with pytest.raises(NumericalRangeError, match=r"ν = 1.5 ≤ 2 .* infinite variances"):
        res.cov  # noqa: B018
    assert res.nparams == 9 and "df" not in res.params.index


def test_inference_tables(x):
    res = me.fit_t(x)
    assert np.isnan(res.pvalues["df"]) and np.isnan(res.pvalues["scatter[a,a]"])
    ci = res.conf_int(0.9)
    est, se = res.params["df"], res.std_errors["df"]
    np.testing.assert_allclose(ci.loc["df"], est * np.exp(np.array([-1, 1]) * 1.6448536 * se / est),
                               rtol=1e-6)
    np.testing.assert_allclose(ci.loc["mean[a]"], res.params["mean[a]"]
                               + np.array([-1, 1]) * 1.6448536 * res.std_errors["mean[a]"],
                               rtol=1e-6)
    assert res.wald_test("mean[a] = mean[c]").df == 1.0
    json.dumps(res.to_dict(), allow_nan=False)
    assert "<table>" in res._repr_html_() and "df (ν):" in str(res)
    np.testing.assert_allclose(res.aic, -2 * res.loglike + 20)


# ----------------------------------------------------------------------------- options
def test_light_tails_put_df_at_its_upper_bound(rng):
    x = rng.uniform(-1.0, 1.0, (300, 2))
    with pytest.warns(BoundaryWarning, match="upper bound ν = 1000"):
        res = me.fit_t(x)
    assert res.at_bounds == ("df",) and np.isnan(res.std_errors["df"])
    assert np.isfinite(res.std_errors.iloc[:-1]).all()


def test_iteration_limit_warns(x):
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        res = me.fit_t(x, max_iter=3)
    assert not res.em.converged


def test_frequency_weights_are_repeated_rows(x):
    w = np.r_[np.full(50, 3.0), np.ones(150)]
    weighted = me.fit_t(x, weights=w)
    repeated = me.fit_t(pd.concat([x.iloc[:50]] * 2 + [x]))
    np.testing.assert_allclose(weighted.params, repeated.params, rtol=1e-8)
    np.testing.assert_allclose(weighted.std_errors, repeated.std_errors, rtol=1e-6)
    np.testing.assert_allclose(weighted.loglike, repeated.loglike, rtol=1e-12)


def test_analytic_weights_sum_to_the_rows(x):
    w = np.r_[np.full(50, 3.0), np.ones(150)]
    res = me.fit_t(x, weights=w, weights_kind="analytic")
    same = me.fit_t(x, weights=w / 7.0, weights_kind="analytic")
    np.testing.assert_allclose(res.nobs, 200.0, rtol=1e-14)
    np.testing.assert_allclose(res.params, same.params, rtol=1e-10)


def test_drop_is_the_fit_of_the_complete_rows():
    xm = reference_data(MISSING)
    with pytest.warns(me.exceptions.DroppedRowsWarning):
        dropped = me.fit_t(xm, missing="drop")
    complete = me.fit_t(xm.dropna())
    np.testing.assert_allclose(dropped.params, complete.params, rtol=1e-10)
    assert dropped.nobs_dropped == 44 and dropped.nobs == 156


@pytest.mark.parametrize("scale", [1e-150, 1e150])
def test_extreme_scales_and_offsets(x, scale):
    base = me.fit_t(x)
    res = me.fit_t(x * scale + 3e6 * scale)
    np.testing.assert_allclose(res.df, base.df, rtol=1e-8)
    np.testing.assert_allclose(res.scatter.to_numpy() / scale**2, base.scatter.to_numpy(),
                               rtol=1e-8)
    np.testing.assert_allclose(res.loglike, base.loglike - 600 * np.log(scale), rtol=1e-10)
    np.testing.assert_allclose(res.std_errors["df"], base.std_errors["df"], rtol=1e-8)
    np.testing.assert_allclose(res.std_errors["mean[b]"] / scale, base.std_errors["mean[b]"],
                               rtol=1e-8)


def test_files_and_dask_read_the_same_rows(x, tmp_path):
    base = me.fit_t(x)
    from_csv = me.fit_t(str(REFERENCE / "data" / DATA))
    np.testing.assert_allclose(from_csv.params, base.params, rtol=1e-10)
    assert from_csv.data is None
    with pytest.raises(me.exceptions.InvalidOptionError, match="keeps no data"):
        from_csv.outliers()
    path = tmp_path / "t.parquet"
    x.to_parquet(path)
    np.testing.assert_allclose(me.fit_t(path).params, base.params, rtol=1e-10)
    dd = pytest.importorskip("dask.dataframe")
    np.testing.assert_allclose(me.fit_t(dd.from_pandas(x, npartitions=4)).params, base.params,
                               rtol=1e-10)


def test_incomplete_data_from_a_file_is_the_in_memory_fit():
    xm = reference_data(MISSING)
    base = me.fit_t(xm, missing="em")
    streamed = me.fit_t(str(REFERENCE / "data" / MISSING), missing="em")
    np.testing.assert_allclose(streamed.params, base.params, rtol=1e-9)
    np.testing.assert_allclose(streamed.std_errors, base.std_errors, rtol=1e-7)


@pytest.mark.slow
def test_coverage_of_the_df_interval_by_simulation():
    """ν's 90% Wald interval (log scale) covers the true ν = 5 in about 90% of samples."""
    rng = np.random.default_rng(20261213)
    dist = stats.multivariate_t(np.zeros(2), [[1.0, 0.4], [0.4, 1.0]], df=5)
    hits = []
    for _ in range(60):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BoundaryWarning)
            res = me.fit_t(dist.rvs(400, random_state=rng))
        ci = res.conf_int(0.9).loc["df"]
        hits.append(ci["lower"] <= 5 <= ci["upper"])
    assert 0.78 <= np.mean(hits) <= 0.98


def test_streamed_incomplete_rows_with_analytic_weights(tmp_path):
    """Analytic weights of a stream with missing values are rescaled as in memory."""
    xm = reference_data(MISSING).assign(w=np.linspace(0.5, 2.0, 200))
    path = tmp_path / "w.csv"
    xm.to_csv(path, index=False)
    options = {"missing": "em", "weights": "w", "weights_kind": "analytic"}
    base = me.fit_t(xm, columns=["a", "b", "c"], **options)
    streamed = me.fit_t(str(path), **options)
    np.testing.assert_allclose(streamed.params, base.params, rtol=1e-9)
    np.testing.assert_allclose(streamed.loglike, base.loglike, rtol=1e-11)
    dd = pytest.importorskip("dask.dataframe")
    lazy = me.fit_t(dd.from_pandas(xm, npartitions=3), columns=["a", "b", "c"], **options)
    np.testing.assert_allclose(lazy.params, base.params, rtol=1e-9)


def test_results_pickle(x):
    import pickle

    res = me.fit_t(x)
    back = pickle.loads(pickle.dumps(res))
    pd.testing.assert_series_equal(back.params, res.params)
    pd.testing.assert_series_equal(back.std_errors, res.std_errors)
    m = me.mcd(x)
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(m)).outliers(), m.outliers())
