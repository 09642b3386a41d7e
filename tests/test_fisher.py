import tracemalloc

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate import linalg as L
from mvn_estimate.data import Chunked
from mvn_estimate.exceptions import TooLargeError
from mvn_estimate.inference import Classic, Robust, classic_variance
from mvn_estimate.inference import robust_variance as _robust_variance

from .conftest import lavaan_table, random_spd, reference


def std_errors_classic(cov, n):
    return np.sqrt(classic_variance(cov, n))


def param_cov(cov, n, *, x=None, mean=None, weights=None):
    if x is None:
        return Classic(cov, n).dense()
    return Robust(Chunked.of(x, weights), x.mean(0) if mean is None else mean, cov, n).dense()


def robust_variance(x, mean, cov, weights=None):
    n = float(len(x)) if weights is None else float(np.sum(weights))
    return _robust_variance(Chunked.of(x, weights), mean, cov, n)



def _point(rng, p, n=40):
    cov = random_spd(rng, p, cond=5.0)
    x = rng.multivariate_normal(np.zeros(p), cov, size=n)
    return x, 0.3 * rng.standard_normal(p), random_spd(rng, p, cond=4.0)


@pytest.mark.parametrize("p", [1, 2, 4])
def test_observed_information_is_minus_jacobian_of_score(rng, p):
    x, mean, cov = _point(rng, p)
    q = L.vech_size(p)

    def grad(theta):
        return me.score(x, theta[:p], L.unvech(theta[p:])).vector

    theta = np.concatenate([mean, L.vech(cov)])
    numeric = -L.num_jacobian(grad, theta)
    analytic = me.observed_information(x, mean, cov)
    assert analytic.shape == (p + q, p + q)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6)
    assert np.abs(analytic[:p, p:]).max() > 1e-3  # the cross block is really there


def test_observed_equals_expected_at_mle(rng):
    x, _, _ = _point(rng, 3, n=200)
    mu, sig = x.mean(0), np.cov(x, rowvar=False, bias=True)
    np.testing.assert_allclose(me.observed_information(x, mu, sig),
                               me.expected_information(sig, len(x)), rtol=1e-9, atol=1e-9)


def test_expected_information_formula_with_kronecker(rng):
    p, n = 3, 17.0
    sig = random_spd(rng, p)
    prec = np.linalg.inv(sig)
    d = L.duplication_matrix(p)
    block = 0.5 * d.T @ np.kron(prec, prec) @ d
    expected = n * np.block([[prec, np.zeros((p, block.shape[0]))],
                             [np.zeros((block.shape[0], p)), block]])
    np.testing.assert_allclose(me.expected_information(sig, n), expected, rtol=1e-12)


def test_information_symmetric_positive_definite(rng):
    x, _, cov = _point(rng, 3, n=500)
    mle = np.cov(x, rowvar=False, bias=True)
    for info in (me.expected_information(cov, 500), me.observed_information(x, x.mean(0), mle)):
        np.testing.assert_allclose(info, info.T, atol=1e-10)
        assert L.classify(info) == "positive definite"


@pytest.mark.parametrize("p", [1, 2, 5])
def test_closed_form_std_errors_equal_inverse_information(rng, p):
    sig, n = random_spd(rng, p), 123.0
    dense_inv = np.linalg.inv(me.expected_information(sig, n))
    np.testing.assert_allclose(std_errors_classic(sig, n), np.sqrt(np.diag(dense_inv)),
                               rtol=1e-10)
    np.testing.assert_allclose(param_cov(sig, n), dense_inv, rtol=1e-9, atol=1e-14)


def test_std_errors_at_p_1000_without_dense_matrix(rng):
    p, n = 1000, 5000.0
    sig = random_spd(rng, p, cond=3.0)
    tracemalloc.start()
    se = std_errors_classic(sig, n)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    k = p + p * (p + 1) // 2
    assert se.shape == (k,)
    assert peak < 100 * p * p  # O(p²); the dense k×k matrix would be 2 TB
    i, j = 10, 3
    rows, cols = L.vech_indices(p)
    pos = int(np.flatnonzero((rows == i) & (cols == j))[0])
    assert np.isclose(se[p + pos], np.sqrt((sig[i, i] * sig[j, j] + sig[i, j] ** 2) / n))
    with pytest.raises(TooLargeError, match=r"GiB\), above the limit"):
        me.expected_information(sig, n)


def test_robust_equals_generic_sandwich_from_score_obs(rng):
    x = rng.standard_t(5, size=(300, 3)) @ np.array([[1, 0.3, 0], [0, 1, 0.2], [0, 0, 1.]])
    res = me.fit(x, cov_type="robust")
    mu, sig = res.mean.to_numpy(), res.cov.to_numpy()
    generic = me.sandwich(me.observed_information(x, mu, sig), me.score_obs(x, mu, sig))
    np.testing.assert_allclose(res.cov_params().to_numpy(), generic, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(res.std_errors.to_numpy(), np.sqrt(np.diag(generic)), rtol=1e-8)
    np.testing.assert_allclose(robust_variance(x, mu, sig), np.diag(generic), rtol=1e-8)


def test_classic_result_inference(rng):
    x = rng.multivariate_normal([0, 0], [[2, 0.5], [0.5, 1]], size=400)
    res = me.fit(x)
    np.testing.assert_allclose(res.std_errors.to_numpy(),
                               np.sqrt(np.diag(np.linalg.inv(
                                   me.expected_information(res.cov.to_numpy(), 400)))),
                               rtol=1e-10)
    ci = res.conf_int(0.9)
    z90 = 1.6448536269514722
    free = ["mean[x0]", "mean[x1]", "cov[x0,x1]"]
    np.testing.assert_allclose((ci["upper"] - res.params)[free], z90 * res.std_errors[free])
    var = ["cov[x0,x0]", "cov[x1,x1]"]  # log scale: upper = θ̂ exp(z se/θ̂)
    np.testing.assert_allclose(np.log(ci["upper"] / res.params)[var],
                               z90 * (res.std_errors / res.params)[var], rtol=1e-12)
    assert (ci["lower"][var] > 0).all()
    assert res.pvalues[var].isna().all() and res.pvalues[free].notna().all()
    assert list(res.cov_params().index) == list(res.params.index)


def _coverage(rng, draw, cov_type, reps=300, n=200):
    p = 2
    truth = np.array([[1.0, 0.5], [0.5, 2.0]])
    theta = np.concatenate([np.zeros(p), L.vech(truth)])
    hits = np.zeros(p + 3)
    for _ in range(reps):
        ci = me.fit(draw(rng, n, truth), cov_type=cov_type).conf_int(0.95)
        hits += (ci["lower"].to_numpy() <= theta) & (theta <= ci["upper"].to_numpy())
    return hits / reps


def _normal(rng, n, truth):
    return rng.multivariate_normal(np.zeros(2), truth, size=n)


def _mvt(rng, n, truth, df=5):
    z = rng.multivariate_normal(np.zeros(2), truth * (df - 2) / df, size=n)
    return z / np.sqrt(rng.chisquare(df, size=(n, 1)) / df)  # covariance = truth


@pytest.mark.slow
def test_coverage_normal_data_classic(rng):
    cover = _coverage(rng, _normal, "classic")
    assert np.all(np.abs(cover - 0.95) < 0.04), cover


@pytest.mark.slow
def test_coverage_heavy_tails_robust_not_classic(rng):
    robust = _coverage(rng, _mvt, "robust", reps=300, n=400)
    classic = _coverage(rng, _mvt, "classic", reps=300, n=400)
    assert np.all(np.abs(robust[:2] - 0.95) < 0.04), robust
    assert np.all(robust[2:] > 0.85), robust  # fourth moments of t5 converge slowly
    assert np.all(classic[2:] < 0.80), classic  # normal theory understates Var σ̂ badly
    assert np.all(robust[2:] - classic[2:] > 0.1)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: me.expected_information([[1.0, 2.0], [2.0, 1.0]], 10),
     me.exceptions.NotPositiveDefiniteError, "'cov' argument must be positive definite"),
    (lambda: me.expected_information(np.ones((2, 3)), 10), me.exceptions.ShapeError,
     r"'cov' argument must be a square matrix"),
    (lambda: me.observed_information(np.ones((5, 2)), [0.0], np.eye(2)),
     me.exceptions.ShapeError, r"'mean' argument must have shape \(2,\)"),
    (lambda: me.sandwich([[1.0, 0.0], [0.0, -1.0]], np.ones((3, 2))),
     me.exceptions.NotPositiveDefiniteError, "'information' argument must be positive"),
])
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_sigma_block_equals_symmetric_finite_difference_hessian(rng):
    x, mean, cov = _point(rng, 3)
    num = -L.num_hessian_sym(lambda c: me.loglike(x, mean, c), cov)
    analytic = me.observed_information(x, mean, cov)[3:, 3:]
    np.testing.assert_allclose(analytic, num, rtol=1e-5, atol=1e-5)


def test_matrix_variable_hessian(rng):
    b = rng.standard_normal((2, 2))
    b = b @ b.T
    hess = L.num_hessian(lambda a: float(np.trace(a.T @ b @ a)), np.eye(2))
    # f(A) = tr(AᵀBA): Hessian over row-major vec(A) is 2(B ⊗ I)
    np.testing.assert_allclose(hess, 2 * np.kron(b, np.eye(2)), rtol=1e-6, atol=1e-6)


IRIS = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]


@pytest.mark.parametrize(("key", "cov_type"), [("iris_saturated_expected", "classic"),
                                               ("iris_saturated_robust", "robust")])
def test_inference_equals_lavaan(key, cov_type):
    """Estimates, standard errors, z values, p-values and (for means and covariances) Wald
    intervals against lavaan's parameter table (tests/reference/results.R); lavaan's
    estimates are accurate to ~1e-8 relative, the rest follows."""
    want = lavaan_table(reference("results")[key], IRIS)
    res = me.fit(pd.read_csv("data/iris.csv"), columns=IRIS, cov_type=cov_type)
    got = pd.DataFrame({"est": res.params, "se": res.std_errors, "z": res.zvalues,
                        "pvalue": res.pvalues}).loc[want.index]
    for column, rtol in (("est", 1e-7), ("se", 1e-6), ("z", 1e-6)):
        np.testing.assert_allclose(got[column], want[column], rtol=rtol, err_msg=column)
    free = [n for n in want.index if n.startswith("mean") or n.split(",")[0][4:] !=
            n.split(",")[1][:-1]]
    np.testing.assert_allclose(got.loc[free, "pvalue"], want.loc[free, "pvalue"], rtol=1e-5,
                               atol=1e-12)
    if "ci.lower" in want:
        ci = res.conf_int(0.95).loc[free]
        np.testing.assert_allclose(ci["lower"], want.loc[free, "ci.lower"], rtol=1e-6)
        np.testing.assert_allclose(ci["upper"], want.loc[free, "ci.upper"], rtol=1e-6)


def test_em_inference_equals_lavaan():
    want = lavaan_table(reference("results")["air_fiml_observed"],
                        ["Ozone", "Solar.R", "Wind", "Temp"])
    res = me.fit(pd.read_csv("data/airquality.csv"), columns=["Ozone", "Solar.R", "Wind",
                                                              "Temp"], missing="em")
    for column, got in (("est", res.params), ("se", res.std_errors), ("z", res.zvalues)):
        np.testing.assert_allclose(got.loc[want.index], want[column], rtol=1e-5,
                                   err_msg=column)
