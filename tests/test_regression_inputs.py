"""A catalogue of bad inputs to conditional distributions, marginals and regressions (the
rules of tests/test_bad_inputs.py: the most specific package error, a message naming the
argument and the value)."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate.exceptions import (
    DtypeError,
    InvalidOptionError,
    LabelError,
    NonFiniteError,
    NotIdentifiedError,
    ShapeError,
    SingularCovarianceError,
)

from .test_bad_inputs import assert_refused, case

IRIS = pd.read_csv("data/iris.csv")
Y, X = ["Sepal.Length", "Sepal.Width"], ["Petal.Length", "Petal.Width"]
AIR = pd.read_csv("data/airquality.csv").iloc[:, :4]
TWICE = IRIS.assign(double=2 * IRIS["Petal.Length"])


@functools.cache
def fitted() -> me.MVNResult:
    return me.fit(IRIS[Y + X])


@functools.cache
def em_fitted() -> me.MVNResult:
    return me.fit(AIR, missing="em")


def _em_regression():
    return me.regress(AIR, y=["Ozone", "Solar.R"], x=["Wind", "Temp"], missing="em")


CONDITIONAL = [
    case("conditional-given-list", lambda: fitted().conditional([1.0, 2.0]), DtypeError,
         "'given'", "mapping", "list"),
    case("conditional-given-unknown", lambda: fitted().conditional({"Petal.Lenght": 4.0}),
         LabelError, "'given'", "'Petal.Lenght'", "Petal.Length"),
    case("conditional-given-every-column",
         lambda: fitted().conditional(dict.fromkeys(Y + X, 1.0)), ShapeError, "'given'",
         "every column", "nothing is left"),
    case("conditional-given-nan", lambda: fitted().conditional({"Petal.Length": np.nan}),
         NonFiniteError, "'given'", "finite", "1 NaN"),
    case("conditional-given-text", lambda: fitted().conditional({"Petal.Length": "4"}),
         DtypeError, "'given'", "real numbers", "['Petal.Length']"),
    case("conditional-given-empty-frame", lambda: fitted().conditional(pd.DataFrame()),
         ShapeError, "'given'", "at least one column"),
    case("conditional-logpdf-missing-response",
         lambda: fitted().conditional({"Petal.Length": 4.0}).logpdf({"Sepal.Length": 5.0}),
         LabelError, "'values'", "every response column", "Sepal.Width"),
    case("conditional-logpdf-rows-not-aligned",
         lambda: fitted().conditional(pd.DataFrame({"Petal.Length": [4.0, 5.0]})).logpdf(
             {"Sepal.Length": 5.0, "Sepal.Width": 3.0, "Petal.Width": 1.0}),
         LabelError, "'values'", "index of the given rows"),
    case("conditional-sample-size-zero",
         lambda: fitted().conditional({"Petal.Length": 4.0}).sample(0), InvalidOptionError,
         "'size'", "0"),
    case("marginal-unknown-column", lambda: fitted().marginal(["Sepal.Length", "zz"]),
         LabelError, "'columns'", "'zz'"),
    case("marginal-repeated-column", lambda: fitted().marginal(["Sepal.Length"] * 2),
         LabelError, "'columns'", "repeats"),
    case("marginal-empty", lambda: fitted().marginal([]), ShapeError, "'columns'", "empty"),
]

REGRESS = [
    case("regress-no-y", lambda: me.regress(IRIS), InvalidOptionError, "'y'", "'x'",
         "equations"),
    case("regress-unknown-y", lambda: me.regress(IRIS, y="zz", x=X), LabelError, "'zz'",
         "Sepal.Length"),
    case("regress-column-in-both", lambda: me.regress(IRIS, y=Y, x=["Sepal.Length"]),
         LabelError, "['Sepal.Length']", "both", "'y'"),
    case("regress-text-column", lambda: me.regress(IRIS, y="Species", x=X), DtypeError,
         "Species"),
    case("regress-empty-x", lambda: me.regress(IRIS, y=Y, x=[]), ShapeError, "'x'", "empty"),
    case("regress-y-dict", lambda: me.regress(IRIS, y={"a": 1}, x=X), LabelError, "'y'",
         "dict"),
    case("regress-x-named-intercept",
         lambda: me.regress(IRIS.rename(columns={"Petal.Width": "Intercept"}), y=Y,
                            x=["Petal.Length", "Intercept"]),
         LabelError, "'x'", "'Intercept'", "rename"),
    case("regress-n-le-k", lambda: me.regress(IRIS.iloc[:4], y=Y, x=X),
         SingularCovarianceError, "n = 4"),
    case("regress-collinear-regressors",
         lambda: me.regress(TWICE, y=Y, x=["Petal.Length", "double"]),
         SingularCovarianceError, "['Petal.Length', 'double']", "collinear"),
    case("regress-em-missing-regressor",
         lambda: me.regress(AIR, y=["Ozone"], x=["Solar.R", "Wind"], missing="em"),
         InvalidOptionError, "'x'", "['Solar.R']", "4.6%", "random_x=True"),
    case("regress-small-sample-with-em",
         lambda: me.regress(AIR, y=["Ozone"], x=["Wind"], missing="em", small_sample=True),
         InvalidOptionError, "small_sample=True", "missing='raise'"),
    case("regress-small-sample-not-bool",
         lambda: me.regress(IRIS, y=Y, x=X, small_sample="yes"), InvalidOptionError,
         "'small_sample'", "'yes'"),
    case("regress-method-without-equations",
         lambda: me.regress(IRIS, y=Y, x=X, method="two-step"), InvalidOptionError,
         "'method'", "equations"),
    case("mv-test-with-incomplete-responses", lambda: _em_regression().mv_test(),
         InvalidOptionError, "mv_test", "missing='em'", "wald_test"),
    case("mv-test-random-x-fit", lambda: em_fitted().regress("Ozone", ["Wind"]).mv_test(),
         InvalidOptionError, "mv_test", "random x"),
]

SUR = [
    case("equations-not-a-dict", lambda: me.regress(IRIS, equations=["y ~ x"]),
         InvalidOptionError, "'equations'", "dict", "list"),
    case("equations-empty", lambda: me.regress(IRIS, equations={}), InvalidOptionError,
         "'equations'", "non-empty"),
    case("equations-interaction",
         lambda: me.regress(IRIS, equations={"a": "Sepal.Length ~ Petal.Length * Petal.Width"}),
         InvalidOptionError, "'a'", "Petal.Length * Petal.Width", "y ~ a + b"),
    case("equations-two-tildes",
         lambda: me.regress(IRIS, equations={"a": "Sepal.Length ~ Petal.Length ~ Sepal.Width"}),
         InvalidOptionError, "'a'", "2 '~'"),
    case("equations-transformed-response",
         lambda: me.regress(IRIS, equations={"a": "log(Sepal.Length) ~ Petal.Length"}),
         InvalidOptionError, "'a'", "log(Sepal.Length)"),
    case("equations-no-intercept",
         lambda: me.regress(IRIS, equations={"a": "Sepal.Length ~ Petal.Length - 1"}),
         InvalidOptionError, "'a'", "'- 1'"),
    case("equations-unknown-column",
         lambda: me.regress(IRIS, equations={"a": "Sepal.Length ~ Petal.Lenght"}),
         LabelError, "'Petal.Lenght'"),
    case("equations-response-among-regressors",
         lambda: me.regress(IRIS, equations={"a": ("Sepal.Length", ["Sepal.Length"])}),
         LabelError, "'a'", "response", "regressors"),
    case("equations-regressor-twice",
         lambda: me.regress(IRIS, equations={"a": "Sepal.Length ~ Petal.Length + Petal.Length"}),
         LabelError, "'a'", "twice"),
    case("equations-name-not-a-string",
         lambda: me.regress(IRIS, equations={1: "Sepal.Length ~ Petal.Length"}),
         InvalidOptionError, "'equations'", "names", "int 1"),
    case("equations-with-y", lambda: me.regress(IRIS, y=Y, equations={"a": "Sepal.Length ~ "
                                                                             "Petal.Length"}),
         InvalidOptionError, "'equations'", "not both"),
    case("equations-with-em",
         lambda: me.regress(IRIS, equations={"a": "Sepal.Length ~ Petal.Length"},
                            missing="em"),
         InvalidOptionError, "complete data", "missing='em'"),
    case("equations-robust",
         lambda: me.regress(IRIS, equations={"a": "Sepal.Length ~ Petal.Length"},
                            cov_type="robust"),
         InvalidOptionError, "classic", "cov_type='robust'"),
    case("equations-method-bogus",
         lambda: me.regress(IRIS, equations={"a": "Sepal.Length ~ Petal.Length"},
                            method="3sls"),
         InvalidOptionError, "'method'", "'3sls'", "'two-step'"),
    case("equations-tol-negative",
         lambda: me.regress(IRIS, equations={"a": "Sepal.Length ~ Petal.Length"}, tol=-1.0),
         InvalidOptionError, "'tol'", "-1"),
    case("equations-same-response-twice",
         lambda: me.regress(IRIS, equations={"a": "Sepal.Length ~ Petal.Length",
                                             "b": "Sepal.Length ~ Petal.Width"}),
         NotIdentifiedError, "'a'", "'b'", "'Sepal.Length'", "unbounded", "two-step"),
]

ALL = CONDITIONAL + REGRESS + SUR


@pytest.mark.parametrize(("call", "error", "match"), ALL)
def test_refusal(call, error, match):
    assert_refused(call, error, match)


def test_ids_are_unique():
    ids = [p.id for p in ALL]
    assert len(ids) == len(set(ids))


def test_the_caller_s_frame_is_not_modified():
    data = AIR.copy(deep=True)
    before = data.copy(deep=True)
    me.regress(data, y=["Ozone", "Solar.R"], x=["Wind", "Temp"], missing="em")
    me.fit(data, missing="em").conditional(data[["Wind"]].iloc[:3])
    pd.testing.assert_frame_equal(data, before)


def test_a_singular_covariance_of_the_given_columns_names_them():
    """Unreachable from a valid fit (a positive definite Σ has positive definite blocks), so
    checked on the kernel with a singular Σ."""
    from mvn_estimate.regression import conditional_normal

    labels = pd.Index(["y", "a", "b"])
    cov = np.array([[2.0, 1.0, 2.0], [1.0, 1.0, 2.0], [2.0, 2.0, 4.0]])  # b = 2a
    with pytest.raises(SingularCovarianceError, match=r"given columns.*\['a', 'b'\]"):
        conditional_normal(pd.Series(0.0, index=labels), pd.DataFrame(cov, labels, labels),
                           {"a": 1.0, "b": 2.0})
