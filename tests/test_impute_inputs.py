"""A catalogue of bad inputs to multiple imputation, the fraction of missing information,
auxiliary variables and Rubin's rules (the rules of :mod:`tests.test_bad_inputs`: the most
specific package error, a message naming the argument and the value received)."""

from __future__ import annotations

import functools
import warnings
from types import SimpleNamespace

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
)

from .test_bad_inputs import assert_refused, case

_rng = np.random.default_rng(20261203)
X = _rng.standard_normal((40, 3))
X[_rng.random(X.shape) < 0.2] = np.nan
DF = pd.DataFrame(X, columns=["a", "b", "c"])
DF_STR = DF.assign(s="x")
X_INF = X.copy()
X_INF[3, 0] = np.inf
DF_NEVER = DF.assign(c=np.nan)
FRAMES = [DF.fillna(0.0), DF.fillna(1.0)]


@functools.cache
def em_fit() -> me.MVNResult:
    return me.fit(DF, missing="em")


@functools.cache
def imputations() -> me.Imputations:
    return me.Imputations(FRAMES)


def _quiet(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", me.exceptions.MVNEstimateWarning)
        return call()


def _mean(d):
    return SimpleNamespace(params=d.mean(), std_errors=d.std())


def _dask():
    dd = pytest.importorskip("dask.dataframe")
    return dd.from_pandas(DF, npartitions=2)


IMPUTE = [
    case("impute-m-zero", lambda: me.impute(DF, m=0), InvalidOptionError,
         "'m' argument", ">= 1", "got 0"),
    case("impute-m-float", lambda: me.impute(DF, m=2.5), InvalidOptionError,
         "'m' argument", "integer", "2.5"),
    case("impute-method-unknown", lambda: me.impute(DF, method="mice"), InvalidOptionError,
         "'method' argument", "'bootstrap', 'posterior'", "'mice'"),
    case("impute-bounds-not-dict", lambda: me.impute(DF, bounds=[(0, 1)]), InvalidOptionError,
         "'bounds' argument", "dict", "list"),
    case("impute-bounds-unknown-column", lambda: me.impute(DF, bounds={"A": (0, 1)}),
         LabelError, "'bounds' argument", "['A']", "not imputed columns", "['a', 'b', 'c']"),
    case("impute-bounds-lower-above-upper", lambda: me.impute(DF, bounds={"a": (2, 1)}),
         InvalidOptionError, "'bounds' argument", "lower < upper", "(2, 1)", "'a'"),
    case("impute-bounds-label-type", lambda: me.impute(DF.set_axis([1, 2, 3], axis=1),
                                                       bounds={1.0: (0, None)}),
         LabelError, "[1.0]", "not imputed columns", "[1, 2, 3]"),
    case("impute-bounds-equal", lambda: me.impute(DF, bounds={"a": (1, 1)}),
         InvalidOptionError, "lower < upper", "(1, 1)"),
    case("impute-bounds-not-pair", lambda: me.impute(DF, bounds={"a": 0}), InvalidOptionError,
         "'bounds' argument", "pair (lower, upper)", "'a'"),
    case("impute-bounds-nan", lambda: me.impute(DF, bounds={"a": (np.nan, None)}),
         InvalidOptionError, "'bounds' argument", "finite numbers or None", "lower bound"),
    case("impute-bounds-string", lambda: me.impute(DF, bounds={"a": ("0", None)}),
         InvalidOptionError, "finite numbers or None", "'0'"),
    case("impute-bounds-auxiliary", lambda: me.impute(DF, columns=["a", "b"], auxiliary=["c"],
                                                      bounds={"c": (0, None)}),
         LabelError, "['c']", "not imputed columns", "auxiliary variables are not imputed"),
    case("impute-random-state-string", lambda: me.impute(DF, random_state="seed"),
         InvalidOptionError, "'random_state' argument", "SeedSequence", "'seed'"),
    case("impute-random-state-negative", lambda: me.impute(DF, random_state=-1),
         InvalidOptionError, "'random_state' argument", "non-negative integer", "-1"),
    case("impute-burn-with-bootstrap", lambda: me.impute(DF, burn=5), InvalidOptionError,
         "'burn' argument", "method='posterior'", "Remove it"),
    case("impute-thin-zero", lambda: me.impute(DF, method="posterior", thin=0),
         InvalidOptionError, "'thin' argument", ">= 1", "got 0"),
    case("impute-burn-negative", lambda: me.impute(DF, method="posterior", burn=-1),
         InvalidOptionError, "'burn' argument", ">= 0", "-1"),
    case("impute-max-redraws-zero", lambda: me.impute(DF, max_redraws=0), InvalidOptionError,
         "'max_redraws' argument", ">= 1"),
    case("impute-progress-string", lambda: me.impute(DF, progress="yes"), InvalidOptionError,
         "'progress' argument", "True or False", "'yes'"),
    case("impute-file-path", lambda: me.impute("data/airquality.csv"), InvalidOptionError,
         "in memory", "'data/airquality.csv'", "read_table"),
    case("impute-dask", lambda: me.impute(_dask()), InvalidOptionError,
         "in memory", "Dask collection", "compute()"),
    case("impute-auxiliary-array", lambda: me.impute(X, auxiliary=["x0"]), InvalidOptionError,
         "'auxiliary' argument", "DataFrame columns", "got an array"),
    case("impute-auxiliary-overlap", lambda: me.impute(DF, columns=["a", "b"],
                                                       auxiliary=["b"]),
         LabelError, "'auxiliary' argument", "'columns'", "['b']"),
    case("impute-auxiliary-unknown", lambda: me.impute(DF, auxiliary=["z"]), LabelError,
         "'auxiliary' argument", "['z']", "not in 'data'"),
    case("impute-columns-of-array", lambda: me.impute(X, columns=["x0"]), InvalidOptionError,
         "'columns' argument", "Slice the array"),
    case("impute-infinite", lambda: me.impute(X_INF), NonFiniteError,
         "'data' argument", "infinite", "['x0']"),
    case("impute-strings", lambda: me.impute(DF_STR), DtypeError,
         "'data' argument", "real numeric columns", "['s']"),
    case("impute-never-observed", lambda: _quiet(lambda: me.impute(DF_NEVER)),
         NotIdentifiedError, "['c']", "never observed"),
    case("impute-one-row", lambda: me.impute(DF.iloc[:1]), ShapeError,
         "'data' argument", "at least 2 row(s)"),
]

RESULT = [
    case("fmi-complete-fit", lambda: me.fit(DF.fillna(0.0)).fmi, InvalidOptionError,
         "fraction of missing information", "missing='em'", "missing='raise'"),
    case("fmi-dropped-rows", lambda: _quiet(lambda: me.fit(DF, missing="drop").fmi),
         InvalidOptionError, "missing='em'", "missing='drop'"),
    case("fmi-robust", lambda: me.fit(DF, missing="em", cov_type="robust").fmi,
         InvalidOptionError, "cov_type='robust'", "cov_type='classic'"),
    case("fmi-structured", lambda: me.fit(DF, missing="em", structure="diagonal").fmi,
         InvalidOptionError, "diagonal structure", "structure='unstructured'"),
    case("result-impute-missing-columns", lambda: em_fit().impute(DF[["a", "b"]]), LabelError,
         "'data' argument", "lacks the fitted columns ['c']"),
    case("result-impute-array-shape", lambda: em_fit().impute(X[:, :2]), ShapeError,
         "'data' argument", "3 columns", "shape (40, 2)"),
    case("result-impute-infinite", lambda: em_fit().impute(DF.assign(a=np.inf)),
         NonFiniteError, "'data' argument", "infinite", "['a']"),
    case("result-impute-no-rows-kept",
         lambda: me.fit_file("data/airquality.csv", columns=["Ozone", "Wind"],
                             missing="em").impute(),
         InvalidOptionError, "kept no rows", "result.impute(data)"),
]

AUXILIARY = [
    case("fit-auxiliary-without-em", lambda: me.fit(DF, auxiliary=["c"]), InvalidOptionError,
         "'auxiliary' argument", "missing='em'", "got missing='raise'"),
    case("fit-auxiliary-structure", lambda: me.fit(DF, missing="em", structure="diagonal",
                                                   auxiliary=["c"]),
         InvalidOptionError, "'auxiliary' argument", "unstructured", "diagonal structure"),
    case("fit-auxiliary-unknown", lambda: me.fit(DF, missing="em", auxiliary=["C"]),
         LabelError, "'auxiliary' argument", "['C']", "not in 'data'", "['a', 'b', 'c']"),
    case("fit-auxiliary-overlap", lambda: me.fit(DF, columns=["a", "c"], missing="em",
                                                 auxiliary=["c"]),
         LabelError, "share ['c']", "either modelled"),
    case("fit-auxiliary-string", lambda: me.fit(DF, missing="em", auxiliary="c"),
         InvalidOptionError, "'auxiliary' argument", "non-empty list", "'c'"),
    case("fit-auxiliary-empty", lambda: me.fit(DF, missing="em", auxiliary=[]),
         InvalidOptionError, "'auxiliary' argument", "non-empty list"),
    case("fit-auxiliary-repeated", lambda: me.fit(DF, missing="em", auxiliary=["c", "c"]),
         LabelError, "'auxiliary' argument", "repeats a label"),
    case("fit-auxiliary-array", lambda: me.fit(X, missing="em", auxiliary=["x2"]),
         InvalidOptionError, "'auxiliary' argument", "got an array"),
]

POOL = [
    case("pool-one-imputation", lambda: me.Imputations(FRAMES[:1]).pool(_mean),
         InvalidOptionError, "at least 2 imputations", "got 1"),
    case("pool-fn-not-callable", lambda: imputations().pool(3), InvalidOptionError,
         "'fn' argument", "function", "int"),
    case("pool-fn-without-params", lambda: imputations().pool(lambda d: 3.0),
         InvalidOptionError, "'fn' argument", ".params", "imputation 0"),
    case("pool-fn-without-variances", lambda: imputations().pool(
        lambda d: SimpleNamespace(params=d.mean())), InvalidOptionError,
         "'fn' argument", ".cov_params() or .std_errors"),
    case("pool-params-differ", lambda: imputations().pool(
        lambda d: _mean(d if d.equals(FRAMES[0]) else d[["a"]])), LabelError,
         "'fn' argument", "other parameters for imputation 1"),
    case("pool-dfcom-negative", lambda: imputations().pool(_mean, dfcom=-1),
         InvalidOptionError, "'dfcom' argument", "> 0", "-1"),
    case("pool-cov-params-unknown", lambda: imputations().pool(_mean).cov_params(),
         InvalidOptionError, "standard errors only", "cov_params()"),
    case("pool-level-percent", lambda: imputations().pool(_mean).conf_int(95),
         InvalidOptionError, "'level' argument", "not a percentage"),
    case("imputations-one-frame-not-list", lambda: me.Imputations(DF), InvalidOptionError,
         "'frames' argument", "list of completed DataFrames", "DataFrame"),
    case("imputations-empty", lambda: me.Imputations([]), InvalidOptionError,
         "'frames' argument", "non-empty list"),
    case("imputations-not-frames", lambda: me.Imputations([X, X]), InvalidOptionError,
         "'frames' argument", "['ndarray', 'ndarray']"),
    case("imputations-shapes-differ", lambda: me.Imputations([DF, DF.iloc[:5]]), ShapeError,
         "'frames' argument", "frame 1 is 5×3", "frame 0 is 40×3"),
    case("imputations-columns-differ", lambda: me.Imputations([DF, DF.add_prefix("v")]),
         LabelError, "'frames' argument", "frame 1 differs"),
]

ALL_CASES = IMPUTE + RESULT + AUXILIARY + POOL


@pytest.mark.parametrize(("call", "error", "match"), ALL_CASES)
def test_bad_input(call, error, match):
    assert_refused(call, error, match)


def test_catalogue_ids_are_unique():
    ids = [p.id for p in ALL_CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 50


def test_frame_unchanged_after_a_refused_imputation():
    frame = DF.copy(deep=True)
    with pytest.raises(InvalidOptionError):
        me.impute(frame, bounds={"a": (3, 1)})
    pd.testing.assert_frame_equal(frame, DF)
