"""A catalogue of bad inputs to groups that share parameters (``fit(..., by=, equal=)``) and to
what their results answer: the most specific package error, with a message that names the
argument, the rule and the value (the rules of :mod:`tests.test_bad_inputs`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate.exceptions import (
    DtypeError,
    InvalidOptionError,
    LabelError,
    MissingValueError,
    NonFiniteError,
    NotIdentifiedError,
    NotNestedError,
    ShapeError,
    SingularCovarianceError,
)

from .test_bad_inputs import assert_refused, case

_rng = np.random.default_rng(20261205)
X = _rng.standard_normal((30, 3))
BY = np.repeat(["a", "b", "c"], 10)
FRAME = pd.DataFrame(X, columns=["p", "q", "r"]).assign(g=BY)


def _with(**cells: tuple[slice | int, int, float]) -> np.ndarray:
    """``X`` with values set: name → (rows, column, value)."""
    out = X.copy()
    for rows, col, value in cells.values():
        out[rows, col] = value
    return out


def _fit(x: np.ndarray = X, by: object = BY, **options: object) -> me.GroupedResult:
    return me.fit(x, by=by, **options)


SHARED = _fit(equal=["cov"])

OPTIONS = [
    case("equal-without-by", lambda: me.fit(X, equal=["cov"]), InvalidOptionError,
         "'equal' argument", "no 'by' was given", "equal=['cov']"),
    case("equal-unknown-name", lambda: _fit(equal=["var"]), InvalidOptionError,
         "'equal' argument must be one of 'mean', 'cov'", "'var'"),
    case("equal-padded-name", lambda: _fit(equal="cov "), InvalidOptionError,
         "'equal' argument", "'cov '"),
    case("equal-not-a-list", lambda: _fit(equal=3), InvalidOptionError,
         "'equal' argument must be a list", "int 3"),
    case("equal-twice", lambda: _fit(equal=["cov", "cov"]), InvalidOptionError,
         "more than once", "['cov', 'cov']"),
    case("equal-with-shrinkage", lambda: _fit(equal=["cov"], shrinkage="oas"),
         InvalidOptionError, "shrinkage='oas'", "equal=['cov']"),
    case("equal-with-auxiliary",
         lambda: _fit(equal=["cov"], missing="em", auxiliary=["Day"]),
         InvalidOptionError, "'auxiliary'", "equal=['cov']"),
    case("equal-cov-closed-form-tol", lambda: _fit(equal=["cov"], tol=1e-6),
         InvalidOptionError, "'tol' argument", "closed form", "equal=['mean']"),
    case("by-labels-that-read-alike",
         lambda: _fit(by=np.array([1] * 15 + ["1"] * 15, dtype=object), equal=["cov"]),
         LabelError, "'by' argument has group labels [1, '1']", "distinct labels"),
    case("equal-by-one-group", lambda: _fit(by=np.repeat("a", 30), equal=["cov"]),
         ShapeError, "'by' argument must define at least two groups"),
]

DATA = [
    case("equal-nan-raise", lambda: _fit(_with(a=(0, 0, np.nan)), equal=["cov"]),
         MissingValueError, "missing values (NaN) in columns {'x0': 1}", "missing='drop'"),
    case("equal-inf", lambda: _fit(_with(a=(2, 1, np.inf)), equal=["mean"]), NonFiniteError,
         "infinite values", "['x1']"),
    case("equal-drop-empties-a-group",
         lambda: _fit(_with(a=(slice(0, 10), 2, np.nan)), equal=["cov"], missing="drop"),
         MissingValueError, "In group group = 'a'", "missing='drop' drops all 10 rows"),
    case("equal-em-column-never-observed-in-a-group",
         lambda: _fit(_with(a=(slice(10, 20), 1, np.nan)), equal=["cov"], missing="em"),
         NotIdentifiedError, "In group group = 'b'", "['x1'] are never observed"),
    case("equal-cov-too-few-rows-for-the-pooled-covariance",
         lambda: _fit(X[:5], by=np.array(["a", "a", "b", "b", "c"]), equal=["cov"]),
         NotIdentifiedError, "fewer than p + 3 = 6 rows", "(5 rows)",
         "covariance common to the groups"),
    case("equal-mean-too-few-rows-in-a-group",
         lambda: _fit(X[:14], by=np.array(["a"] * 11 + ["b"] * 3), equal=["mean"]),
         NotIdentifiedError, "covariance of group group = 'b'", "(3 rows)",
         "equal=['cov']"),
    case("equal-constant-column",
         lambda: _fit(_with(a=(slice(None), 2, 1.0)), equal=["cov"]),
         SingularCovarianceError, "covariance common to the groups is singular", "['x2']",
         "constant"),
    case("equal-collinear-columns",
         lambda: _fit(np.c_[X[:, :2], X[:, 0] - X[:, 1]], equal=["mean", "cov"]),
         SingularCovarianceError, "collinear", "x0", "x2"),
]

RESULTS = [
    case("lr-test-grouped-against-single", lambda: me.lr_test(SHARED, me.fit(X)),
         NotNestedError, "both be grouped fits"),
    case("lr-test-shares-more-in-full", lambda: me.lr_test(_fit(equal=["mean"]), SHARED),
         NotNestedError, "'full' model shares ['cov']", "not nested"),
    case("lr-test-different-groups",
         lambda: me.lr_test(SHARED, _fit(by=np.tile(["a", "b", "c"], 10))), NotNestedError,
         "different data"),
    case("lr-test-not-a-result", lambda: me.lr_test(SHARED, "free"), DtypeError,
         "'full' argument must be a fitted MVNResult or GroupedResult", "str 'free'"),
    case("wald-unknown-group-parameter", lambda: SHARED.wald_test("mean[x0]@z = 0"),
         InvalidOptionError, "not parameters of this fit", "mean[x0]@a"),
    case("grouped-conf-int-level", lambda: SHARED.conf_int(1.5), InvalidOptionError,
         "1.5"),
]

_EM = _with(hole=(slice(0, 4), 0, np.nan))
SCALED = [
    case("lr-scaled-grouped-against-single",
         lambda: me.lr_test(SHARED, me.fit(X), scaled="satorra-bentler"), NotNestedError,
         "both be grouped fits", "same by="),
    case("lr-scaled-grouped-sb-missing",
         lambda: me.lr_test(_fit(_EM, missing="em", equal=["cov"]), _fit(_EM, missing="em"),
                            scaled="satorra-bentler"),
         InvalidOptionError, "scaled='satorra-bentler'", "complete data",
         "scaled='yuan-bentler'"),
    case("lr-scaled-grouped-sb-missing-free-side",
         lambda: me.lr_test(_fit(_EM, missing="em", equal=["mean", "cov"]),
                            _fit(_EM, missing="em", equal=["cov"]), scaled="satorra-bentler"),
         InvalidOptionError, "scaled='satorra-bentler'", "complete data"),
    case("lr-scaled-grouped-unknown", lambda: me.lr_test(SHARED, _fit(), scaled="MLR"),
         InvalidOptionError, "'scaled'", "'satorra-bentler', 'yuan-bentler'", "MLR"),
    case("lr-scaled-grouped-shrinkage",
         lambda: me.lr_test(_fit(structure="compound_symmetry"), _fit(shrinkage="ledoit-wolf"),
                            scaled="yuan-bentler"),
         InvalidOptionError, "scaled='yuan-bentler'", "shrinkage"),
]

CASES = OPTIONS + DATA + RESULTS + SCALED


@pytest.mark.parametrize(("call", "error", "match"), CASES)
def test_groups_refusal(call, error, match):
    assert_refused(call, error, match, quiet=True)


def test_groups_case_ids_are_unique():
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids))


def test_an_empty_equal_is_the_groups_on_their_own():
    free, none = _fit(equal=[]), _fit()
    assert free.equal == () and free.joint is None
    pd.testing.assert_series_equal(free.params, none.params)


def test_the_frame_and_its_group_column_are_accepted():
    by_column = me.fit(FRAME, by="g", equal=["cov"])
    np.testing.assert_allclose(by_column.params.to_numpy(), SHARED.params.to_numpy())
    assert by_column.params.index[0] == "mean[p]@a"
