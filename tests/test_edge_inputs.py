"""A catalogue of bad and extreme inputs to the newer surfaces: structures, hypothesis tests,
groups, shrinkage, repairs, Wald hypotheses, custom structures, plots, files, the objective.

Refusals follow the rules of :mod:`tests.test_bad_inputs` (the most specific package error, a
message naming the argument and the value); the second half holds the inputs that must be
*accepted* and the answers that must be finite. Case ids are grouped by the cause they guard.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate import linalg as L
from mvn_estimate import plots
from mvn_estimate.exceptions import (
    DtypeError,
    FileFormatError,
    InvalidOptionError,
    LabelError,
    NonFiniteError,
    NotIdentifiedError,
    NotSymmetricError,
    NumericalRangeError,
    ShapeError,
    SingularCovarianceError,
    TooLargeError,
)
from mvn_estimate.structures import CompoundSymmetry

from .test_bad_inputs import R, assert_refused, case, rx

_rng = np.random.default_rng(20261203)
X = _rng.standard_normal((30, 3))
DF = pd.DataFrame(X, columns=["a", "b", "c"])
DF_NAN = DF.copy()
DF_NAN.iloc[0, 1] = np.nan
GROUPS = np.repeat([1, 2], [27, 3])
_z = _rng.standard_normal(60)
COLLINEAR_1E15 = pd.DataFrame({"a": _z, "b": _z + 3e-8 * _rng.standard_normal(60),
                               "c": _rng.standard_normal(60)})
ZERO_WEIGHT_ONLY = DF.copy()
ZERO_WEIGHT_ONLY.loc[1:, "c"] = np.nan  # c observed in row 0 only ...
W_ROW0_ZERO = np.r_[0.0, np.ones(29)]  # ... which has weight zero


@functools.cache
def fitted() -> me.MVNResult:
    return me.fit(DF)


class _Broken(CompoundSymmetry):
    """Compound symmetry with one method broken (a user's custom structure)."""

    def __init__(self, method: str, value):
        super().__init__()
        self.name, self._method, self._value = f"broken-{method}", method, value

    def _maybe(self, method, normal):
        return self._value(self) if self._method == method else normal

    def start(self, S):
        return self._maybe("start", super().start(S))

    def closed_form(self, S):
        return None  # iterate, so that start() is used

    def cov(self, theta):
        return self._maybe("cov", super().cov(theta))

    def jacobian(self, theta):
        return self._maybe("jacobian", super().jacobian(theta))

    def param_names(self, columns):
        return self._maybe("param_names", super().param_names(columns))


def _raises(self):
    raise KeyError("lag")


def _structure(method, value):
    return lambda: me.fit(DF, structure=_Broken(method, value))


# ------------------------------------------------------ 2. no NaN or inf answers: refuse
NO_NAN = [
    case("sphericity-one-column", lambda: me.sphericity_test(DF[["a"]]), ShapeError,
         "sphericity", "at least 2 columns", "got 1", "['a']"),
    case("independence-one-column", lambda: me.independence_test(DF[["a"]]), ShapeError,
         "independence", "at least 2 columns", "got 1", "['a']"),
    case("wald-r-nan", lambda: fitted().wald_test(np.eye(1, 9), [np.nan]), NonFiniteError,
         "'r'", "finite", "1 NaN"),
    case("wald-R-nan", lambda: fitted().wald_test(np.full((1, 9), np.nan)), NonFiniteError,
         "'R'", "finite", "9 NaN"),
    case("wald-constant-1e400", lambda: fitted().wald_test("mean[a] = 1e400"),
         InvalidOptionError, "'mean[a] = 1e400'", "float64", "finite number"),
]

# --------------------------------------------------------- 5. silent acceptance: refuse
SILENT = [
    case("pack-non-symmetric-cov", lambda: me.pack([0, 0], [[1, 5], [0, 1]]),
         NotSymmetricError, "'cov'", "symmetric", "got max|A - Aᴴ| = 5"),
    case("sufficient-stats-no-rows", lambda: me.SufficientStats.from_array(np.empty((0, 2))),
         ShapeError, "'x'", "at least one row", "(0, 2)", "SufficientStats.empty"),
]

# ------------------------------------------------- 6. raw Python errors become our own
RAW = [
    case("fit_file-none", lambda: me.fit_file(None), FileFormatError, "'path'", "None"),
    case("fit_file-int", lambda: me.fit_file(3), FileFormatError, "'path'", "int 3"),
    case("wald-text-in-R", lambda: fitted().wald_test([["x"] * 9]), DtypeError, "'R'",
         "real numbers", "<U1"),
    case("wald-dict", lambda: fitted().wald_test({"mean[a]": 1}), InvalidOptionError, "'R'",
         "dict", "mean[a] = mean[b]"),
    case("structure-start-wrong-length",
         _structure("start", lambda s: np.ones(5)), ShapeError,
         "'broken-start'", "start()", "shape (2,)", "(5,)"),
    case("structure-cov-wrong-shape",
         _structure("cov", lambda s: np.eye(2)), ShapeError,
         "'broken-cov'", "cov(θ)", "(3, 3)", "(2, 2)"),
    case("structure-jacobian-wrong-shape",
         _structure("jacobian", lambda s: np.ones((6, 3))), ShapeError,
         "'broken-jacobian'", "jacobian(θ)", "(6, 2)", "(6, 3)"),
    case("structure-jacobian-raises",
         _structure("jacobian", _raises), ShapeError,
         "'broken-jacobian'", "jacobian(θ)", "failed", "KeyError"),
    case("structure-param-names-wrong-length",
         _structure("param_names", lambda s: ["v"]), ShapeError,
         "'broken-param_names'", "param_names(columns)", "2 strings", "['v']"),
    case("structure-cov-text",
         _structure("cov", lambda s: np.full((3, 3), "x")), ShapeError,
         "'broken-cov'", "real numbers", "<U1"),
    case("block-diagonal-none", lambda: me.structures.BlockDiagonal(None),
         InvalidOptionError, "'groups'", "lists of column labels", "None"),
    case("pack-mismatched-labels",
         lambda: me.pack(pd.Series([0.0, 0.0], index=["a", "b"]),
                         pd.DataFrame(np.eye(2), index=["x", "y"], columns=["x", "y"])),
         LabelError, "'cov'", "['x', 'y']", "['a', 'b']"),
    case("plot_qq-none", lambda: plots.plot_qq(None), DtypeError, "'result'",
         "fitted result", "None"),
    case("plot_corr-array", lambda: plots.plot_corr(np.eye(3)), DtypeError, "'result'",
         "fitted result", "ndarray of shape (3, 3)"),
    case("plot-figsize-text", lambda: plots.plot_corr(fitted(), figsize="big"),
         InvalidOptionError, "'figsize'", "(width, height)", "'big'"),
    case("num_gradient-not-callable", lambda: L.num_gradient(3, [1.0]), InvalidOptionError,
         "'f'", "callable", "int 3"),
    case("kron-too-large", lambda: L.kron(np.ones((300, 300)), np.ones((300, 300))),
         TooLargeError, "'A' (300, 300)", "'B' (300, 300)", "8,100,000,000 entries",
         "GiB"),
]

# --------------------------------------------------- 7. messages that point at the cause
CAUSE = [
    case("by-group-too-small",
         lambda: me.fit(DF.assign(g=GROUPS), by="g", columns=["a", "b", "c"]),
         SingularCovarianceError, "In group g = 2 (3 rows; one of 2 groups)",
         "more than 3 observations",
         forbid=("np.int64",)),
    case("overflow-named-as-data-ar1", lambda: me.fit(DF * 1e300, structure="ar1"),
         NumericalRangeError, "'data'", "overflow", forbid=("'cov'", "'information'")),
    case("overflow-named-as-data-em",
         lambda: me.fit(DF_NAN * 1e300, missing="em"),
         NumericalRangeError, "'data'", "overflow", forbid=("'cov'",)),
    case("overflow-named-as-data-shrinkage", lambda: me.shrink_covariance(DF * 1e300),
         NumericalRangeError, "'data'", "overflow", forbid=("'cov'",)),
    case("shrinkage-constant-column-by-label", lambda: me.shrink_covariance(DF.assign(b=3.0)),
         SingularCovarianceError, "columns ['b']", "constant", forbid=("variances",)),
    case("nearly-collinear-condition-number", lambda: me.fit(COLLINEAR_1E15),
         SingularCovarianceError, "['a', 'b']", "condition number", R(r"e\+1[45]")),
    case("weights-sum-overflows", lambda: me.fit(DF, weights=np.full(30, 1e307)),
         NonFiniteError, "'weights'", "finite total", "1e+307"),
    case("column-observed-only-in-zero-weight-rows",
         lambda: me.fit(ZERO_WEIGHT_ONLY, missing="em", weights=W_ROW0_ZERO),
         NotIdentifiedError, "['c']", "weight zero", "'weights'",
         forbid=("The 'weights' argument",)),
]

# ---------------------------------------------------------- 10. documentation that is right
DOCS = [
    case("independence-positions-on-a-frame",
         lambda: me.independence_test(DF, blocks=[[0], [1, 2]]), LabelError, "'blocks'",
         "labels", "[[0], [1, 2]]", "[['a'], ['b', 'c']]"),
    case("corr-conf-int-fisher-with-em",
         lambda: me.fit(DF_NAN, missing="em").corr_conf_int(method="fisher"),
         InvalidOptionError, "method='fisher'", "complete, unweighted", "method='delta'"),
    case("corr-conf-int-method-bogus", lambda: fitted().corr_conf_int(method="exact"),
         InvalidOptionError, "'method'", "'exact'", "'delta'", "'fisher'"),
]

EDGE_CASES = NO_NAN + SILENT + RAW + CAUSE + DOCS


@pytest.mark.parametrize(("call", "error", "match"), EDGE_CASES)
def test_edge_refusal(call, error, match):
    assert_refused(call, error, match, quiet=True)


def test_edge_ids_are_unique():
    ids = [p.id for p in EDGE_CASES]
    assert len(ids) == len(set(ids))


def test_the_dense_robust_covariance_is_refused_before_it_is_built():
    """5. At p = 98 one matrix over (μ, vech Σ) fits the limit, the two the robust
    computation holds do not."""
    x = _rng.standard_normal((150, 98))
    res = me.fit(x, cov_type="robust")
    with pytest.raises(TooLargeError, match=rx("98", "robust parameter covariance")):
        res.cov_params()
    assert res.std_errors.notna().all()  # the O(p²) route still answers


# ------------------------------------------------ 2. no NaN or inf answers: finite values
def test_a_tiny_alpha_gives_finite_intervals():
    res = fitted()
    ci = res.conf_int(alpha=1e-16)
    assert np.isfinite(ci.to_numpy()).all()
    from scipy import stats

    z = stats.norm.isf(0.5e-16)  # from the tail: 1 − 1e-16 rounds to 1 in float64
    mean = ci.loc["mean[a]"]
    np.testing.assert_allclose(mean.iloc[1] - res.mean["a"],
                               z * res.std_errors["mean[a]"], rtol=1e-12)
    corr = res.corr_conf_int(alpha=1e-16)
    assert np.isfinite(corr[["lower", "upper"]].to_numpy()).all()
    assert ((corr["lower"] > -1) & (corr["upper"] < 1)).all()


def test_to_dict_of_a_shrinkage_fit_is_json_safe():
    import json

    res = me.fit(DF, shrinkage="ledoit-wolf")
    text = json.dumps(res.to_dict(), allow_nan=False)
    assert "NaN" not in text and "null" in text


# ------------------------------------------------------------- 4. valid input accepted
@pytest.mark.parametrize("structure", ["spherical", "diagonal", "compound_symmetry", "ar1"])
def test_structures_identified_from_few_rows_accept_n_below_p(structure):
    x = _rng.standard_normal((4, 6)) * np.arange(1, 7)
    res = me.fit(x, structure=structure)
    dev = x - x.mean(axis=0)
    s = dev.T @ dev / 4
    if structure == "spherical":
        np.testing.assert_allclose(res.cov.to_numpy(), np.eye(6) * np.trace(s) / 6)
    elif structure == "diagonal":
        np.testing.assert_allclose(res.cov.to_numpy(), np.diag(np.diag(s)))
    else:  # the maximum found by a generic optimiser over (variance, covariance or rho)
        from scipy import optimize, stats

        lag = np.abs(np.subtract.outer(np.arange(6), np.arange(6)))

        def cov(t):
            if structure == "ar1":
                return t[0] * np.tanh(t[1]) ** lag
            return np.where(lag == 0, t[0], t[1])

        def negative(t):
            try:
                return -stats.multivariate_normal(x.mean(axis=0), cov(t)).logpdf(x).sum()
            except (ValueError, np.linalg.LinAlgError):
                return np.inf

        theta = res.params.to_numpy()[6:]
        start = theta * [1.1, 0.5] if structure != "ar1" else [theta[0], 0.0]
        best = optimize.minimize(negative, start, method="Nelder-Mead",
                                 options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000})
        assert res.loglike >= -best.fun - 1e-8
        np.testing.assert_allclose(res.loglike, -best.fun, atol=1e-6)


def test_a_semicolon_inside_a_column_name_is_not_a_separator():
    frame = DF.rename(columns={"a": "a;b"})
    res = me.fit(frame)
    test = res.wald_test("mean[a;b] = 0")
    z = res.mean["a;b"] / res.std_errors["mean[a;b]"]
    np.testing.assert_allclose(test.statistic, z**2, rtol=1e-12)
    two = res.wald_test("mean[a;b] = 0; mean[c] = 0")
    assert two.df == 2


def test_the_objective_is_infinite_far_from_the_optimum():
    obj = me.objective(DF)
    value, gradient = obj.value_and_gradient(np.full(obj.size, 800.0))
    assert value == np.inf and gradient.shape == (obj.size,)
    assert np.isfinite(obj.value_and_gradient(np.zeros(obj.size))[0])


# ----------------------------------------------------- 10. documentation that runs and is right
def test_independence_blocks_as_positions_for_an_array():
    by_position = me.independence_test(X, blocks=[[0], [1, 2]])
    by_label = me.independence_test(DF, blocks=[["a"], ["b", "c"]])
    np.testing.assert_allclose(by_position.statistic, by_label.statistic, rtol=1e-12)


def test_corr_conf_int_fisher_matches_cor_test():
    """R: cor.test(iris$Sepal.Length, iris$Sepal.Width)$conf.int = (-0.27269325, 0.04351158);
    recomputed here in closed form, tanh(atanh r ± z/√(n − 3))."""
    from scipy import stats

    iris = pd.read_csv("data/iris.csv").iloc[:, :2]
    ci = me.fit(iris).corr_conf_int(method="fisher")
    r = stats.pearsonr(iris.iloc[:, 0], iris.iloc[:, 1]).statistic
    half = stats.norm.isf(0.025) / np.sqrt(150 - 3)
    np.testing.assert_allclose(ci[["lower", "upper"]].to_numpy()[0],
                               np.tanh(np.arctanh(r) + np.array([-half, half])), rtol=1e-12)
    np.testing.assert_allclose(ci[["lower", "upper"]].to_numpy()[0],
                               [-0.27269325, 0.04351158], atol=5e-9)
    delta = me.fit(iris).corr_conf_int()
    assert (delta["upper"] - delta["lower"]).iloc[0] < (ci["upper"] - ci["lower"]).iloc[0]
