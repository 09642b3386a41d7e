"""Scale-free statistics give the same answer at any scale of the data (issue: trust at the
edges). Every statistic invariant to a rescaling of the data is computed at 1, 1e-160 and
1e+150 (1e-150 where the caller must also pass a matrix in the data's squared units, which
would otherwise be subnormal) and must agree to ~1e-12 relative — or be refused by name."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import mvn_estimate as me

SCALES = [1e-160, 1e150]
FIT_SCALES = [1e-150, 1e150]
"""Estimates hold variances (the square of the data's scale): at 1e-160 they would be
subnormal, and a fit refuses them by name (test_fits_refuse_subnormal_variances)."""
RTOL = 1e-11


@pytest.fixture(scope="module")
def sample():
    rng = np.random.default_rng(20261203)
    cov = np.array([[2.0, 0.6, 0.3], [0.6, 1.0, 0.2], [0.3, 0.2, 1.5]])
    x = rng.multivariate_normal([1.0, -2.0, 0.5], cov, size=90)
    g = np.repeat(["a", "b", "c"], 30)
    return x, g


def _close(got, want, rtol=RTOL):
    np.testing.assert_allclose(got, want, rtol=rtol)


@pytest.mark.parametrize("c", SCALES)
def test_tests_of_covariances_and_means(sample, c):
    x, g = sample
    pairs = [
        (lambda k: me.box_m_test(x * k, by=g), "statistic"),
        (lambda k: me.box_m_test(x * k, by=g), "fvalue"),
        (lambda k: me.sphericity_test(x * k), "statistic"),
        (lambda k: me.independence_test(x * k), "statistic"),
        (lambda k: me.independence_test(x * k, blocks=[["x0"], ["x1", "x2"]]), "statistic"),
        (lambda k: me.hotelling_test(x * k, mean0=np.array([1.0, -2.0, 0.4]) * k), "statistic"),
        (lambda k: me.hotelling_test(x[:45] * k, x[45:] * k), "statistic"),
        (lambda k: me.hotelling_test(x[:45] * k, x[45:] * k, equal_cov=False), "statistic"),
        (lambda k: me.mardia_test(x * k).skewness, "statistic"),
        (lambda k: me.henze_zirkler_test(x * k), "statistic"),
        (lambda k: me.doornik_hansen_test(x * k), "statistic"),
    ]
    for call, field in pairs:
        _close(getattr(call(c), field), getattr(call(1.0), field))
    wilks = me.manova(x * c, by=g).table
    _close(wilks.to_numpy(), me.manova(x, by=g).table.to_numpy())


@pytest.mark.parametrize("c", [1e-150, 1e150])
def test_cov_test_with_cov0_in_the_data_units(sample, c):
    x, _ = sample
    cov0 = np.diag([2.0, 1.0, 1.5])
    _close(me.cov_test(x * c, cov0 * c * c).statistic, me.cov_test(x, cov0).statistic)


@pytest.mark.parametrize("c", FIT_SCALES)
@pytest.mark.parametrize("method", ["ledoit-wolf", "oas", "schafer-strimmer", 0.3])
def test_shrinkage(sample, c, method):
    x, _ = sample
    wide = np.hstack([x, x[:, :2] ** 2])[:6]  # n < p is what shrinkage is for
    want = me.shrink_covariance(wide, method)
    got = me.shrink_covariance(wide * c, method)
    _close(got.intensity, want.intensity)
    _close(got.cov.to_numpy() / c / c, want.cov.to_numpy())
    fitted = me.fit(wide * c, shrinkage=method)
    _close(fitted.shrinkage.intensity, want.intensity)


@pytest.mark.parametrize("c", FIT_SCALES)
@pytest.mark.parametrize("structure", ["diagonal", "spherical", "compound_symmetry", "ar1",
                                       me.structures.Factor(1)])
def test_structured_fits(sample, c, structure):
    x, _ = sample
    want = me.fit(x, structure=structure)
    got = me.fit(x * c, structure=structure)
    p = x.shape[1]
    _close(got.loglike, want.loglike - x.shape[0] * p * np.log(c), rtol=1e-12)
    degrees = np.concatenate([np.ones(p), got.structure.scale_degrees()])
    with np.errstate(over="ignore", under="ignore"):
        unit = np.exp(degrees * np.log(c))
    _close(got.params.to_numpy() / unit, want.params.to_numpy(), rtol=1e-9)
    _close(got.std_errors.to_numpy() / unit, want.std_errors.to_numpy(), rtol=1e-8)


@pytest.mark.parametrize("c", FIT_SCALES)
def test_em(sample, c):
    x, _ = sample
    y = x.copy()
    y[::7, 2] = np.nan
    want = me.fit(y, missing="em")
    got = me.fit(y * c, missing="em")
    _close(got.loglike, want.loglike - np.log(c) * (~np.isnan(y)).sum(), rtol=1e-10)
    _close(got.mean.to_numpy() / c, want.mean.to_numpy(), rtol=1e-9)
    _close(got.cov.to_numpy() / c / c, want.cov.to_numpy(), rtol=1e-9)


@pytest.mark.parametrize("c", [1e-150, 1e150])
def test_nearest_with_a_kept_diagonal(c):
    a = np.array([[4.0, 3.9, 0.1], [3.9, 4.0, 3.9], [0.1, 3.9, 4.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, info = me.nearest_pd(a, keep_diag=True, return_info=True)
        got, got_info = me.nearest_pd(a * c, keep_diag=True, return_info=True)
    assert got_info.iterations == info.iterations and got_info.converged
    _close(got / c, want, rtol=1e-9)


@pytest.mark.parametrize("c", [1e-300, 1e300])
def test_validation_of_matrices_near_the_ends_of_float64(c):
    a = np.array([[4.0, 1.0], [1.0, 3.0]])
    report = me.validate_covariance(a * c)
    assert report.valid and np.isfinite(report.min_eigenvalue)
    _close(report.min_eigenvalue / c, np.linalg.eigvalsh(a)[0], rtol=1e-12)
    bad = np.array([[1.0, 2.0], [2.0, 1.0]]) * c
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fixed = me.nearest_pd(bad)
    assert np.all(np.isfinite(fixed)) and me.validate_covariance(fixed).valid


@pytest.mark.parametrize("call", [
    lambda x: me.fit(x), lambda x: me.fit(x, structure="ar1"),
    lambda x: me.fit(x, structure="diagonal"), lambda x: me.shrink_covariance(x),
    lambda x: me.fit(np.where(np.arange(x.size).reshape(x.shape) % 7 == 0, np.nan, x),
                     missing="em"),
], ids=["unstructured", "ar1", "diagonal", "shrinkage", "em"])
def test_fits_refuse_subnormal_variances(sample, call):
    x, _ = sample
    with pytest.raises(me.exceptions.NumericalRangeError,
                       match=r"of 'data' underflow float64"):
        call(x * 1e-160)


@pytest.mark.parametrize("c", [1e-100, 1e100, 1e-150, 1e150])
@pytest.mark.parametrize("structure", [None, "ar1"])
def test_robust_standard_errors_form_fourth_moments_in_range(sample, c, structure):
    """Robust errors square the data twice: at 1e±100 the fourth moments leave float64's
    range although the variances do not, so the fit rescales for them too."""
    x, _ = sample
    want = me.fit(x, cov_type="robust", structure=structure)
    got = me.fit(x * c, cov_type="robust", structure=structure)
    p = x.shape[1]
    degrees = np.concatenate([np.ones(p), got.structure.scale_degrees()])
    if structure is None:  # vech Σ: each entry is a variance or covariance
        degrees = np.concatenate([np.ones(p), np.full(got.theta.size, 2)])
    unit = np.exp(degrees * np.log(c))
    _close(got.std_errors.to_numpy() / unit, want.std_errors.to_numpy(), rtol=1e-8)


@pytest.mark.parametrize("c", [1e-100, 1e100])
def test_em_robust_at_moderate_extremes(sample, c):
    x, _ = sample
    y = x.copy()
    y[::5, 1] = np.nan
    want = me.fit(y, missing="em", cov_type="robust")
    got = me.fit(y * c, missing="em", cov_type="robust")
    _close(got.std_errors.to_numpy()[:3] / c, want.std_errors.to_numpy()[:3], rtol=1e-8)


# -------------------------------------------------- every scale between, not only the extremes
BETWEEN = [1e-120, 1e-60, 1e-20, 1e20, 1e60, 1e120]
"""Scales at which the data need no rescaling for the estimates, but the information
(``∝ Σ⁻¹⊗Σ⁻¹``) or the standard errors' squares do, and where an information matrix whose
blocks differ by ``c²`` must still be inverted accurately."""


def _powers(names) -> np.ndarray:
    """How each parameter scales with the data: means 1, (co)variances 2."""
    return np.array([2.0 if n.startswith("cov") else 1.0 for n in names])


@pytest.fixture(scope="module")
def air():
    import pandas as pd

    frame = pd.read_csv("data/airquality.csv")
    return frame[["Ozone", "Solar.R", "Wind", "Temp", "Month"]]


@pytest.mark.parametrize("c", BETWEEN)
@pytest.mark.parametrize("options", [
    {"missing": "em"},
    {"missing": "em", "information": "expected"},
    {"missing": "em", "cov_type": "robust"},
    {"missing": "drop"},
    {"missing": "em", "by": "Month"},
    {"missing": "em", "by": "Month", "equal": ["cov"]},
    {"missing": "drop", "by": "Month", "equal": ["mean"]},
], ids=["em", "em-expected", "em-robust", "drop", "by", "by-equal-cov", "by-equal-mean"])
def test_estimates_and_standard_errors_scale_exactly(air, c, options):
    """The fit of ``c·x`` is the fit of ``x`` scaled: means by ``c``, covariances by ``c²``,
    and their standard errors alike (the squares of some exceed float64 at 1e±120: the
    standard errors are formed without them)."""
    cols = ["Ozone", "Solar.R", "Wind", "Temp"]
    scaled = air.copy()
    scaled[cols] = scaled[cols] * c
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", me.exceptions.DroppedRowsWarning)
        base = me.fit(air, columns=cols, **options)
        got = me.fit(scaled, columns=cols, **options)
    k = _powers(got.params.index)
    _close(got.params.to_numpy() / c ** k, base.params.to_numpy(), rtol=1e-9)
    _close(got.std_errors.to_numpy() / c ** k, base.std_errors.to_numpy(), rtol=1e-9)


# ----------------------------------------------------- one column on its own scale (a review)
@pytest.mark.parametrize("c", [1e-40, 1e-20, 1e10, 1e40, 1e70])
@pytest.mark.parametrize("column", ["Ozone", "Wind"])
def test_em_with_one_column_on_another_scale(air, c, column):
    """Columns 1e20 apart (dollars and proportions): EM runs in units brought together
    column by column, and its start is each column's own variance (a floor shared by all
    columns had lifted the small ones to the large one's scale: 'singular at iteration 1')."""
    cols = ["Ozone", "Solar.R", "Wind", "Temp"]
    base = me.fit(air, columns=cols, missing="em")
    got = me.fit(air.assign(**{column: air[column] * c}), columns=cols, missing="em")
    power = np.array([(n.count(column)) for n in got.params.index], dtype=float)
    _close(got.params.to_numpy() / c ** power, base.params.to_numpy(), rtol=1e-8)
    _close(got.std_errors.to_numpy() / c ** power, base.std_errors.to_numpy(), rtol=1e-7)
    reg = me.regress(air.assign(**{column: air[column] * c}), y=["Ozone"], x=["Wind", "Temp"],
                     missing="em")
    want = me.regress(air, y=["Ozone"], x=["Wind", "Temp"], missing="em")
    _close(reg.rsquared.to_numpy(), want.rsquared.to_numpy(), rtol=1e-8)
    _close(reg.tvalues.to_numpy(), want.tvalues.to_numpy(), rtol=1e-7)


def test_fixed_df_t_and_marginals_at_extreme_scales(air):
    """A fixed ν is not a parameter of the rescaled covariance of the estimates; a
    marginal's standard errors are its parent's (never √ of an overflowing variance)."""
    import pandas as pd

    iris = pd.read_csv("data/iris.csv").iloc[:, :4]
    base = me.fit_t(iris, df=5)
    got = me.fit_t(iris * 1e80, df=5)
    k = _powers([n.replace("scatter", "cov") for n in got.params.index])
    _close(got.params.to_numpy() / 1e80 ** k, base.params.to_numpy(), rtol=1e-8)
    _close(got.std_errors.to_numpy() / 1e80 ** k, base.std_errors.to_numpy(), rtol=1e-8)
    cols = ["Ozone", "Solar.R", "Wind", "Temp"]
    for c in (1e80, 1e-90):
        fit = me.fit(air[cols] * c, missing="em").marginal(["Ozone", "Temp"])
        want = me.fit(air[cols], missing="em").marginal(["Ozone", "Temp"])
        k = _powers(fit.params.index)
        _close(fit.std_errors.to_numpy() / c ** k, want.std_errors.to_numpy(), rtol=1e-9)


def test_an_information_beyond_range_is_named(air):
    """One column 1e80 apart in a structured model (one common unit): refused by name, not
    as an argument the caller never passed."""
    import pandas as pd

    iris = pd.read_csv("data/iris.csv").iloc[:, :4]
    wide = iris.assign(**{"Petal.Width": iris["Petal.Width"] * 1e80})
    with pytest.raises(me.exceptions.NumericalRangeError,
                       match=r"information matrix of the diagonal model .* beyond float64"):
        me.fit(wide, structure="diagonal")
