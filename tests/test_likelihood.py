import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal

import mvn_estimate as me
from mvn_estimate import linalg as L
from mvn_estimate.exceptions import (
    InvalidOptionError,
    NonFiniteError,
    NotPositiveDefiniteError,
    NotSymmetricError,
    ShapeError,
)

from .conftest import as_frame, random_spd


def _problem(rng, p, n=200):
    cov = random_spd(rng, p, cond=20.0)
    mean = rng.standard_normal(p)
    x = rng.multivariate_normal(mean, cov, size=n)
    return x, mean + 0.1 * rng.standard_normal(p), cov * (1 + 0.2 * rng.random())


@pytest.mark.parametrize("p", [1, 2, 5, 17, 50])
def test_loglike_matches_scipy(rng, p):
    x, mean, cov = _problem(rng, p)
    ref = multivariate_normal(mean, cov).logpdf(x)
    np.testing.assert_allclose(me.loglike_obs(x, mean, cov), ref, rtol=1e-10)
    np.testing.assert_allclose(me.loglike(x, mean, cov), ref.sum(), rtol=1e-10)
    stats = me.SufficientStats.from_array(x)
    np.testing.assert_allclose(me.loglike_stats(stats, mean, cov), ref.sum(), rtol=1e-10)


@pytest.mark.parametrize("p", [63, 97, 200])
def test_loglike_obs_across_panels_and_row_blocks_matches_scipy(rng, p):
    # several column panels of W (uneven widths) and several row blocks with a ragged last one
    n = 2 * max(1024, (1 << 17) // p) + 7
    x, mean, cov = _problem(rng, p, n=n)
    ref = multivariate_normal(mean, cov).logpdf(x)
    np.testing.assert_allclose(me.loglike_obs(x, mean, cov), ref, rtol=1e-10)


def test_dataframe_and_array_agree_and_labels_survive(rng):
    x, mean, cov = _problem(rng, 3, n=20)
    df = as_frame(x)
    df.index = [f"r{i}" for i in range(20)]
    out = me.loglike_obs(df, mean, cov)
    assert isinstance(out, pd.Series) and list(out.index) == list(df.index)
    np.testing.assert_allclose(out.to_numpy(), me.loglike_obs(x, mean, cov), rtol=1e-14)
    s = me.score(df, mean, cov)
    assert list(s.vector.index)[:3] == ["mean[v0]", "mean[v1]", "mean[v2]"]
    assert list(s.cov.columns) == ["v0", "v1", "v2"]


def test_labelled_parameters_are_aligned_by_name(rng):
    x, mean, cov = _problem(rng, 3, n=20)
    df = as_frame(x)
    names = list(df.columns)
    order = [2, 0, 1]
    m = pd.Series(mean[order], index=[names[i] for i in order])
    c = pd.DataFrame(cov[np.ix_(order, order)], index=m.index, columns=m.index)
    assert np.isclose(me.loglike(df, m, c), me.loglike(x, mean, cov), rtol=1e-13)
    with pytest.raises(InvalidOptionError, match=r"labels .* must be the variables .*unexpected"):
        me.loglike(df, m.rename({"v0": "zz"}), c)


def test_score_zero_at_mle(rng):
    x, _, _ = _problem(rng, 4, n=100)
    s = me.score(x, x.mean(0), np.cov(x, rowvar=False, bias=True))
    scale = np.abs(me.score(x, np.zeros(4), np.eye(4)).vector).max()
    assert np.max(np.abs(s.vector)) < 1e-8 * scale


@pytest.mark.parametrize("p", [1, 3, 5])
def test_score_matches_finite_differences(rng, p):
    x, mean, cov = _problem(rng, p, n=60)
    s = me.score(x, mean, cov)
    num_mu = L.num_gradient(lambda m: me.loglike(x, m, cov), mean)
    np.testing.assert_allclose(s.mean, num_mu, rtol=1e-7, atol=1e-7)
    num_cov = L.num_gradient_sym(lambda c: me.loglike(x, mean, c), cov)
    np.testing.assert_allclose(s.cov, num_cov, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(s.cov_vech, L.vech(num_cov), rtol=1e-6, atol=1e-6)
    if p > 1:  # the uncorrected G = Σ⁻¹WΣ⁻¹ − nΣ⁻¹ doubles the diagonal: visibly wrong
        prec = np.linalg.inv(cov)
        r = x - mean
        g = prec @ r.T @ r @ prec - len(x) * prec
        assert not np.allclose(g, num_cov, rtol=1e-2)
        np.testing.assert_allclose(L.sym_gradient(g / 2), num_cov, rtol=1e-6, atol=1e-6)


def test_score_obs_sums_to_score_and_matches_per_row_gradient(rng):
    x, mean, cov = _problem(rng, 3, n=30)
    so = me.score_obs(x, mean, cov)
    assert so.shape == (30, 3 + 6)
    np.testing.assert_allclose(so.sum(0), me.score(x, mean, cov).vector, rtol=1e-10, atol=1e-10)
    row = x[:1]
    num = np.concatenate([
        L.num_gradient(lambda m: me.loglike(row, m, cov), mean),
        L.vech(L.num_gradient_sym(lambda c: me.loglike(row, mean, c), cov))])
    np.testing.assert_allclose(so[0], num, rtol=1e-6, atol=1e-7)


def test_perturbing_mle_lowers_loglike(rng):
    x, _, _ = _problem(rng, 3, n=80)
    mu, sig = x.mean(0), np.cov(x, rowvar=False, bias=True)
    best = me.loglike(x, mu, sig)
    for _ in range(20):
        d = rng.standard_normal(3) * 0.05
        e = rng.standard_normal((3, 3)) * 0.02
        assert me.loglike(x, mu + d, sig) < best
        assert me.loglike(x, mu, sig + (e + e.T) / 2) < best


def test_cov_not_symmetric():
    with pytest.raises(NotSymmetricError, match="'cov' argument must be symmetric"):
        me.loglike(np.ones((3, 2)), [0.0, 0.0], [[1.0, 0.5], [0.4, 1.0]])


def test_cov_not_positive_definite_never_linalgerror():
    with pytest.raises(NotPositiveDefiniteError, match="smallest eigenvalue -1"):
        me.loglike(np.ones((3, 2)), [0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]])


def test_cov_wrong_shape():
    with pytest.raises(ShapeError, match=r"'cov' argument must have shape \(2, 2\)"):
        me.loglike(np.ones((3, 2)), [0.0, 0.0], np.eye(3))


def test_mean_wrong_shape():
    with pytest.raises(ShapeError, match=r"'mean' argument must have shape \(2,\)"):
        me.score(np.ones((3, 2)), [0.0], np.eye(2))


def test_nan_data_rejected():
    x = np.ones((3, 2))
    x[1, 0] = np.nan
    with pytest.raises(NonFiniteError, match=r"missing values \(NaN\) in columns \{'x0': 1\}"):
        me.loglike(x, [0.0, 0.0], np.eye(2))
    with pytest.raises(NonFiniteError, match="missing values"):
        me.loglike_obs(x, [0.0, 0.0], np.eye(2))


def test_inf_in_cov_rejected():
    with pytest.raises(NonFiniteError, match="'cov' argument must hold only finite values"):
        me.loglike(np.ones((3, 1)), [0.0], [[np.inf]])


def test_loglike_obs_accurate_with_large_offset(rng):
    x = 1e9 + rng.standard_normal((500, 3))
    mean, cov = x.mean(0), np.cov(x, rowvar=False, bias=True)
    reference = multivariate_normal(np.zeros(3), cov).logpdf(x - mean)  # centred exactly
    np.testing.assert_allclose(me.loglike_obs(x, mean, cov), reference, rtol=1e-12)
