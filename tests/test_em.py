import numpy as np
import pandas as pd
import pytest
from scipy import optimize

import mvn_estimate as me
from mvn_estimate import linalg as L
from mvn_estimate.cli import main as cli_main
from mvn_estimate.data import as_dataset
from mvn_estimate.exceptions import ConvergenceWarning, InvalidOptionError, NotIdentifiedError
from mvn_estimate.missing import _em
from mvn_estimate.missing._observed import information_matrix
from mvn_estimate.missing._patterns import build_patterns

COV = np.array([[2.0, 0.8, 0.3], [0.8, 1.0, -0.2], [0.3, -0.2, 1.5]])


def _mar(rng, n=150, frac=0.25):
    x = rng.multivariate_normal([1.0, 0.0, -1.0], COV, size=n)
    out = x.copy()
    drop1 = rng.random(n) < frac * (1 + np.tanh(x[:, 0]))  # depends on the observed column 0
    out[drop1, 1] = np.nan
    out[rng.random(n) < frac, 2] = np.nan
    return out


def test_no_missing_is_closed_form_in_one_step(rng):
    x = rng.multivariate_normal(np.zeros(3), COV, size=80)
    res = me.fit(x, missing="em")
    ref = me.fit(x)
    assert res.em.iterations == 1 and res.em.converged
    np.testing.assert_allclose(res.params.to_numpy(), ref.params.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(res.std_errors.to_numpy(), ref.std_errors.to_numpy(), rtol=1e-8)


def test_monotone_pattern_matches_factored_closed_form(rng):
    n = 200
    x = rng.multivariate_normal([0.0, 1.0], COV[:2, :2], size=n)
    x[120:, 1] = np.nan
    res = me.fit(x, missing="em")
    # closed form: x0 from all rows; regression of x1 on x0 from complete rows
    mu0, s00 = x[:, 0].mean(), x[:, 0].var()
    cc = x[:120]
    beta = np.cov(cc.T, bias=True)[0, 1] / cc[:, 0].var()
    alpha = cc[:, 1].mean() - beta * cc[:, 0].mean()
    resid = cc[:, 1] - alpha - beta * cc[:, 0]
    mu1, s11 = alpha + beta * mu0, resid.var() + beta**2 * s00
    expected = np.array([[s00, beta * s00], [beta * s00, s11]])
    np.testing.assert_allclose(res.mean.to_numpy(), [mu0, mu1], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(res.cov.to_numpy(), expected, rtol=1e-8)


def _chol_objective(x, p):
    rows, cols = np.tril_indices(p)

    def unpack(t):
        low = np.zeros((p, p))
        low[rows, cols] = t[p:]
        return t[:p], low @ low.T

    def f(t):
        mu, sig = unpack(t)
        try:
            return -me.missing.loglike(x, mu, sig)
        except me.exceptions.MVNEstimateError:
            return 1e10
    return f, unpack, rows, cols


def test_em_maximises_observed_likelihood(rng):
    x = _mar(rng)
    res = me.fit(x, missing="em")
    mu, sig = res.mean.to_numpy(), res.cov.to_numpy()
    ll = me.missing.loglike(x, mu, sig)
    assert np.isclose(ll, res.loglike, rtol=1e-12)
    score = me.missing.score(x, mu, sig)
    assert np.max(np.abs(score)) < 1e-5
    num = L.num_gradient(lambda t: me.missing.loglike(x, t[:3], L.unvech(t[3:])),
                         np.concatenate([mu + 0.1, L.vech(sig) * 1.1]))
    ana = me.missing.score(x, mu + 0.1, sig * 1.1)
    np.testing.assert_allclose(ana, num, rtol=1e-6, atol=1e-6)
    f, unpack, rows, cols = _chol_objective(x, 3)
    start = np.concatenate([np.nanmean(x, 0), np.eye(3)[rows, cols]])
    opt = optimize.minimize(f, start, method="BFGS", options={"gtol": 1e-8, "maxiter": 2000})
    mu_o, sig_o = unpack(opt.x)
    assert np.isclose(-opt.fun, ll, rtol=1e-9)
    np.testing.assert_allclose(mu_o, mu, atol=1e-4)
    np.testing.assert_allclose(sig_o, sig, atol=1e-4)
    for _ in range(10):
        e = rng.standard_normal((3, 3)) * 0.02
        assert me.missing.loglike(x, mu + rng.standard_normal(3) * 0.02, sig) < ll
        assert me.missing.loglike(x, mu, sig + (e + e.T) / 2) < ll


def test_observed_information_matches_finite_difference_hessian(rng):
    x = _mar(rng, n=80)
    mu, sig = np.nanmean(x, 0), np.diag(np.nanvar(x, 0)) + 0.1
    info = me.missing.information(x, mu, sig)
    num = -L.num_jacobian(lambda t: me.missing.score(x, t[:3], L.unvech(t[3:])),
                          np.concatenate([mu, L.vech(sig)]))
    np.testing.assert_allclose(info, num, rtol=1e-6, atol=1e-6)


def test_std_errors_shrink_to_complete_data(rng):
    x = rng.multivariate_normal(np.zeros(3), COV, size=400)
    full = me.fit(x).std_errors.to_numpy()
    gaps = []
    for frac in (0.3, 0.1, 0.01):
        y = x.copy()
        y[rng.random(400) < frac, 1] = np.nan
        gaps.append(np.max(np.abs(me.fit(y, missing="em").std_errors.to_numpy() / full - 1)))
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 0.05


def test_result_records_em(rng):
    df = pd.DataFrame(_mar(rng), columns=["a", "b", "c"])
    res = me.fit(df, missing="em")
    assert res.missing == "em" and res.em.converged and res.em.npatterns >= 3
    assert np.isclose(res.em.missing_fraction["b"], df["b"].isna().mean())
    assert "EM Iterations:" in res.summary() and "Missing by column:" in res.summary()


def test_airquality_cli_shows_std_errors(request, capsys):
    path = str(request.config.rootpath / "data" / "airquality.csv")
    assert cli_main(["fit", path, "--columns", "Ozone,Solar.R,Wind,Temp", "--missing",
                        "em"]) == 0
    out = capsys.readouterr().out
    assert "Std. Err." in out and "Patterns:" in out


def test_little_mcar_and_mar(rng):
    x = rng.multivariate_normal(np.zeros(3), COV, size=600)
    mcar = x.copy()
    mcar[rng.random((600, 3)) < 0.15] = np.nan
    r = me.little_mcar_test(mcar)
    assert r.pvalue > 0.001 and abs(r.statistic - r.df) < 5 * np.sqrt(2 * r.df)
    mar = x.copy()
    mar[x[:, 0] > 0.5, 1] = np.nan
    assert me.little_mcar_test(mar).pvalue < 1e-6


def test_all_missing_column():
    x = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, np.nan]])
    with pytest.raises(NotIdentifiedError, match=r"Columns \['x1'\] are never observed"):
        me.fit(x, missing="em")


def test_never_co_observed_pair():
    x = np.array([[1.0, np.nan], [2.0, np.nan], [np.nan, 3.0], [np.nan, 1.0]])
    with pytest.raises(NotIdentifiedError, match=r"pairs \[\('x0', 'x1'\)\] are never observed"):
        me.fit(x, missing="em")


def test_all_rows_missing():
    with pytest.raises(NotIdentifiedError, match="no observed value in any row"):
        me.fit(np.full((4, 2), np.nan), missing="em")


def test_rows_all_missing_reported(rng):
    x = _mar(rng)
    x[:3] = np.nan
    res = me.fit(x, missing="em")
    assert res.em.rows_all_missing == 3 and res.nobs_dropped == 3 and res.nobs == len(x) - 3


def test_max_iter_zero_and_warning(rng):
    with pytest.raises(InvalidOptionError, match="'max_iter' argument must be an integer >= 1"):
        me.fit(_mar(rng), missing="em", max_iter=0)
    with pytest.warns(ConvergenceWarning, match=r"EM stopped at max_iter=2 .*last parameter "
                      r"change was [0-9.e-]+ and the log-likelihood"):
        me.fit(_mar(rng), missing="em", max_iter=2)


def test_newton_finish_equals_plain_em(rng, monkeypatch):
    x = _mar(rng, n=200)
    fast = me.fit(x, missing="em")
    assert fast.em.newton_steps > 0
    monkeypatch.setattr(_em, "NEWTON_SWITCH", 0.0)
    slow = me.fit(x, missing="em")
    assert slow.em.newton_steps == 0 and slow.em.iterations > fast.em.iterations
    np.testing.assert_allclose(fast.params.to_numpy(), slow.params.to_numpy(), rtol=1e-8,
                               atol=1e-10)


def test_expected_information_is_sum_of_pattern_blocks(rng):
    x = _mar(rng, n=120)
    mu, sig = np.nanmean(x, 0), COV
    pat = build_patterns(as_dataset(x), None)
    got = information_matrix(pat, mu - pat.origin, sig, "expected")
    p = 3
    pos = np.zeros((p, p), dtype=int)
    r, c = L.vech_indices(p)
    pos[r, c] = pos[c, r] = np.arange(r.size)
    expected = np.zeros_like(got)
    observed = ~np.isnan(x)
    for mask in np.unique(observed, axis=0):
        n_g = int(np.all(observed == mask, axis=1).sum())
        o = np.flatnonzero(mask)
        block = me.expected_information(sig[np.ix_(o, o)], n_g)
        ro, co = L.vech_indices(o.size)
        idx = np.concatenate([o, p + pos[o[ro], o[co]]])
        expected[np.ix_(idx, idx)] += block
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_expected_information_option_changes_only_std_errors(rng):
    x = _mar(rng)
    obs = me.fit(x, missing="em")
    exp = me.fit(x, missing="em", information="expected")
    assert exp.em.information == "expected"
    np.testing.assert_allclose(exp.params.to_numpy(), obs.params.to_numpy())
    ratio = exp.std_errors.to_numpy() / obs.std_errors.to_numpy()
    assert np.all(np.abs(ratio - 1) < 0.3) and not np.allclose(ratio, 1.0)


def test_robust_em_equals_complete_data_robust(rng):
    x = rng.standard_t(6, size=(150, 3)) @ np.linalg.cholesky(COV).T
    em = me.fit(x, missing="em", cov_type="robust")
    ref = me.fit(x, cov_type="robust")
    np.testing.assert_allclose(em.std_errors.to_numpy(), ref.std_errors.to_numpy(), rtol=1e-8)
    assert em.cov_params().shape == (9, 9)


def test_em_weights_equal_repeated_rows(rng):
    x = _mar(rng, n=60)
    w = rng.integers(1, 4, size=60)
    a = me.fit(x, missing="em", weights=w)
    b = me.fit(np.repeat(x, w, axis=0), missing="em")
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(a.std_errors.to_numpy(), b.std_errors.to_numpy(), rtol=1e-7)


def test_little_degrees_of_freedom(rng):
    x = rng.multivariate_normal(np.zeros(3), COV, size=100)
    x[:10, 0] = np.nan          # pattern observing 2 columns
    x[10:20, [0, 1]] = np.nan   # pattern observing 1 column
    r = me.little_mcar_test(x)  # plus the complete pattern (3): df = 3 + 2 + 1 − 3
    assert r.df == 3 and r.npatterns == 3


@pytest.mark.slow
def test_coverage_under_mar(rng):
    truth_mean = np.array([1.0, 0.0, -1.0])
    theta = np.concatenate([truth_mean, L.vech(COV)])
    hits = np.zeros(9)
    reps = 200
    for _ in range(reps):
        x = rng.multivariate_normal(truth_mean, COV, size=250)
        x[rng.random(250) < 0.2 * (1 + np.tanh(x[:, 0])), 1] = np.nan  # MAR on column 0
        x[rng.random(250) < 0.15, 2] = np.nan
        ci = me.fit(x, missing="em").conf_int(0.95)
        hits += (ci["lower"].to_numpy() <= theta) & (theta <= ci["upper"].to_numpy())
    cover = hits / reps
    assert np.all(np.abs(cover - 0.95) < 0.05), cover


@pytest.mark.slow
def test_little_small_simulation(rng):
    stats, rejections = [], 0
    for _ in range(30):
        x = rng.multivariate_normal(np.zeros(3), COV, size=300)
        mcar = x.copy()
        mcar[rng.random((300, 3)) < 0.15] = np.nan
        r = me.little_mcar_test(mcar)
        stats.append(r.statistic / r.df)
        mar = x.copy()
        mar[(x[:, 0] > 0.3) & (rng.random(300) < 0.7), 1] = np.nan
        mar[rng.random(300) < 0.1, 2] = np.nan
        rejections += me.little_mcar_test(mar).pvalue < 0.05
    assert abs(np.mean(stats) - 1.0) < 0.15  # E[χ²(df)]/df = 1 under MCAR
    assert rejections >= 27


def test_too_many_variables_for_the_information(rng):
    x = rng.standard_normal((300, 99))
    x[rng.random((300, 99)) < 0.02] = np.nan
    with pytest.raises(me.exceptions.TooLargeError, match="above the limit of 5000 parameters"):
        me.fit(x, missing="em")


def test_information_observed_kind_checked():
    with pytest.raises(InvalidOptionError, match="'kind' argument must be one of"):
        me.missing.information(np.eye(3), np.zeros(3), np.eye(3), kind="hessian")


def test_summarised_and_raw_patterns_give_the_same_numbers(rng):
    from mvn_estimate.missing._conditional import e_step
    from mvn_estimate.missing._observed import score_vector

    x = rng.multivariate_normal(np.zeros(5), np.eye(5) + 0.5, size=120) + 100.0
    x[rng.random(x.shape) < 0.25] = np.nan
    w = rng.integers(1, 3, size=120).astype(float)
    ds = as_dataset(x)
    every = build_patterns(ds, w, summarise_above=0)
    none = build_patterns(ds, w, summarise_above=10**9)
    mixed = build_patterns(ds, w)
    assert every.raw_x.shape[0] == 0 and none.scatter.shape[0] == 0
    assert mixed.raw_x.shape[0] > 0 and mixed.scatter.shape[0] > 0
    mu = np.nanmean(x, axis=0) + 0.1
    sig = np.eye(5) * 1.5 + 0.3
    ref_stats, ref_ll = e_step(none, mu - none.origin, sig)
    for pat in (every, mixed):
        stats, ll = e_step(pat, mu - pat.origin, sig)
        assert np.isclose(ll, ref_ll, rtol=1e-12)
        np.testing.assert_allclose(stats.mean + pat.origin, ref_stats.mean + none.origin,
                                   rtol=1e-12)
        np.testing.assert_allclose(stats.scatter, ref_stats.scatter, rtol=1e-10)
        np.testing.assert_allclose(score_vector(pat, mu - pat.origin, sig),
                                   score_vector(none, mu - none.origin, sig), rtol=1e-9,
                                   atol=1e-9)
        np.testing.assert_allclose(information_matrix(pat, mu - pat.origin, sig),
                                   information_matrix(none, mu - none.origin, sig), rtol=1e-10)


def test_patterns_of_more_than_62_columns(rng):
    from mvn_estimate.missing._patterns import pattern_keys

    x = rng.standard_normal((400, 70))
    x[:50, 65] = np.nan
    x[50:60, [3, 66]] = np.nan
    keys = pattern_keys(~np.isnan(x))
    assert keys.dtype.kind == "V" and np.unique(keys).size == 3
    pat = build_patterns(as_dataset(x), None)
    assert pat.npatterns == 3 and sorted(pat.nrows.tolist()) == [10, 50, 340]
    assert not pat.masks[pat.nrows == 50][0, 65] and pat.masks[pat.nrows == 50][0, 66]


def test_column_observed_in_at_most_p_rows_is_not_identified(rng):
    x = rng.standard_normal((50, 3))
    x[3:, 2] = np.nan
    with pytest.raises(NotIdentifiedError, match=r"'x2' \(3 rows\) of 'data' are observed in at "
                                                 r"most p = 3 rows"):
        me.fit(x, missing="em")


def test_scoring_steps_where_the_observed_information_is_indefinite(rng):
    from mvn_estimate.data import as_dataset
    from mvn_estimate.missing._em import EMModel, _direction, start_values
    from mvn_estimate.missing._observed import score_and_information
    from mvn_estimate.structures import Unstructured

    x = rng.standard_normal((50, 3))
    x[5:, 2] = np.nan
    pat = build_patterns(as_dataset(x), None)
    mean, cov = start_values(pat)
    score, observed = score_and_information(pat, mean, cov)
    model = EMModel(Unstructured().bind(pat.labels), 1e-10, 100)
    step, newton = _direction(model, pat, mean, L.vech(cov))
    assert newton == bool(np.linalg.eigvalsh(observed)[0] > 0)
    assert step @ score > 0  # an ascent direction either way
