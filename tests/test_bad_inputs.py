"""A catalogue of bad and extreme inputs to the public API.

Every case asserts the most specific package error and a message that names the argument and
the value received (or the rule it breaks). The package's rule: every bad input gets the
package's own error, nothing is silently dropped, clipped or converted, and the caller's data
is never modified. Cases are written as the package *should* behave.
"""

from __future__ import annotations

import functools
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate import linalg as L
from mvn_estimate.exceptions import (
    DtypeError,
    InvalidOptionError,
    LabelError,
    MissingValueError,
    MVNEstimateError,
    NonFiniteError,
    NotIdentifiedError,
    NotPositiveDefiniteError,
    NotSymmetricError,
    NumericalRangeError,
    ShapeError,
    SingularCovarianceError,
)


class R(str):
    """A message fragment that is a regular expression (plain strings are literal)."""


def rx(*parts: str, forbid: tuple[str, ...] = ()) -> str:
    """A pattern for ``pytest.raises(match=...)``: every part present, no forbidden text."""
    pos = "".join(f"(?=.*{p if isinstance(p, R) else re.escape(p)})" for p in parts)
    neg = "".join(f"(?!.*{re.escape(f)})" for f in forbid)
    return rf"(?s)\A{pos}{neg}"


def case(id_: str, call, error: type[MVNEstimateError], *parts: str,
         forbid: tuple[str, ...] = ()):
    return pytest.param(call, error, rx(*parts, forbid=forbid), id=id_)


def assert_refused(call, error: type[MVNEstimateError], match: str, *,
                   quiet: bool = False) -> None:
    """``call()`` raises exactly ``error`` (not a subclass or a sibling) with a message that
    matches ``match``; ``quiet`` ignores the package's warnings on the way."""
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", me.exceptions.MVNEstimateWarning)
        with pytest.raises(MVNEstimateError) as info:
            call()
    assert type(info.value) is error, (
        f"expected {error.__name__}, got {type(info.value).__name__}: {info.value}")
    assert re.search(match, str(info.value)), f"message {str(info.value)!r} !~ {match!r}"


# --------------------------------------------------------------------------------- fixtures
_rng = np.random.default_rng(20261122)
X = _rng.standard_normal((30, 3))
DF = pd.DataFrame(X, columns=["a", "b", "c"])
DF_NAN = DF.copy()
DF_NAN.iloc[0, 1] = np.nan
X_NAN = X.copy()
X_NAN[0, 1] = np.nan
X_INF = X.copy()
X_INF[2, 2] = np.inf
DF_INF = pd.DataFrame(X_INF, columns=["a", "b", "c"])
MEAN = np.zeros(3)
COV = np.eye(3)
NOT_SYM = np.array([[1.0, 0.5, 0.0], [0.4, 1.0, 0.0], [0.0, 0.0, 1.0]])
NOT_PD = np.array([[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
ZERO_DIAG = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
COV_NAN = np.eye(3)
COV_NAN[0, 1] = COV_NAN[1, 0] = np.nan
MEAN_NAN = np.array([0.0, np.nan, 0.0])
MEAN_S = pd.Series(MEAN, index=["a", "b", "c"])
MEAN_XYZ = pd.Series(MEAN, index=["x", "y", "z"])
COV_DF = pd.DataFrame(COV, index=["a", "b", "c"], columns=["a", "b", "c"])
COV_CBA = pd.DataFrame(COV, index=["c", "b", "a"], columns=["c", "b", "a"])
COV_XYZ = pd.DataFrame(COV, index=["x", "y", "z"], columns=["x", "y", "z"])
COV_ROWS_BAD = pd.DataFrame(COV, index=["a", "b", "q"], columns=["a", "b", "c"])
COV_DUP = pd.DataFrame(COV, index=["a", "a", "b"], columns=["a", "a", "b"])
BAD_2x2 = np.array([[1.0, 2.0], [2.0, 1.0]])  # symmetric, indefinite
CORR_BAD = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.9], [0.0, 0.9, 1.0]])  # not PD
NAN_2x2 = np.array([[1.0, np.nan], [np.nan, 1.0]])

# missing-data frames
DF_ONCE = DF.copy()
DF_ONCE.loc[1:, "c"] = np.nan  # column c observed in one row only
DF_NEVER = DF.copy()
DF_NEVER["c"] = np.nan
DF_APART = DF.copy()
DF_APART.loc[:14, "a"] = np.nan
DF_APART.loc[15:, "b"] = np.nan  # a and b never observed together
DF_ALLNAN_ROWS = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [np.nan, 2.0, np.nan]})

# extreme data
_z = _rng.standard_normal(50)
NEAR_COLLINEAR = pd.DataFrame({"a": _z, "b": _z + 2e-6 * _rng.standard_normal(50),
                               "c": _rng.standard_normal(50)})
EXACT_COLLINEAR = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 0] + X[:, 1]})
CONSTANT = DF.assign(b=3.0)
HUGE = pd.DataFrame(X * 1e300, columns=["a", "b", "c"])
TINY = pd.DataFrame(X * 1e-300, columns=["a", "b", "c"])

W_OK = np.ones(30)


@functools.cache
def fitted() -> me.MVNResult:
    return me.fit(DF)


@functools.cache
def info_df() -> pd.DataFrame:
    return me.expected_information(COV_DF.iloc[:2, :2], 30)


def _frame(columns, values=None) -> pd.DataFrame:
    return pd.DataFrame(X[:, :len(columns)] if values is None else values, columns=columns)


def _em(data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", me.exceptions.MVNEstimateWarning)
        return me.fit(data, missing="em", **kw)


# ----------------------------------------------------------------------------- fit: data
FIT_DATA = [
    case("fit-data-strings", lambda: me.fit(np.array([["a", "b"], ["c", "d"]])), DtypeError,
         "'data' argument", "real numbers", "<U1"),
    case("fit-data-1d", lambda: me.fit(np.ones(5)), ShapeError,
         "'data' argument", "2-D", "shape (5,)"),
    case("fit-data-3d", lambda: me.fit(np.ones((2, 2, 2))), ShapeError,
         "'data' argument", "2-D", "shape (2, 2, 2)"),
    case("fit-data-scalar", lambda: me.fit(5.0), ShapeError,
         "'data' argument", "2-D", "shape ()"),
    case("fit-data-no-rows", lambda: me.fit(np.empty((0, 2))), ShapeError,
         "'data' argument", "at least 1 row", "0 row(s)"),
    case("fit-data-no-columns", lambda: me.fit(np.empty((5, 0))), ShapeError,
         "'data' argument", "0 column(s)"),
    case("fit-data-empty-frame", lambda: me.fit(pd.DataFrame()), ShapeError,
         "'data' argument", "0 row(s)"),
    case("fit-data-ragged", lambda: me.fit([[1.0, 2.0], [3.0]]), ShapeError,
         "'data' argument", "rectangular", "list"),
    case("fit-data-bool-array", lambda: me.fit(np.ones((4, 2), bool)), DtypeError,
         "'data' argument", "real numbers", "dtype bool"),
    case("fit-data-complex-array", lambda: me.fit(X + 1j), DtypeError,
         "'data' argument", "real numbers", "complex128"),
    case("fit-data-object-array", lambda: me.fit(X.astype(object)), DtypeError,
         "'data' argument", "real numbers", "dtype object"),
    case("fit-data-none", lambda: me.fit(None), DtypeError,
         "'data' argument", "real numbers", "object"),
    case("fit-data-complex-column", lambda: me.fit(DF.assign(z=DF["a"] + 1j)), DtypeError,
         "'data' argument", "['z']", "complex128"),
    case("fit-data-bool-column", lambda: me.fit(DF.assign(f=DF["a"] > 0)), DtypeError,
         "'data' argument", "['f']", "bool"),
    case("fit-data-text-column", lambda: me.fit(DF.assign(s="x")), DtypeError,
         "'data' argument", "['s']", "real numeric columns"),
    case("fit-data-numeric-string-column",
         lambda: me.fit(DF.assign(s=DF["a"].astype(str))), DtypeError,
         "'data' argument", "['s']", "real numeric columns"),
    case("fit-data-inf", lambda: me.fit(DF_INF), NonFiniteError,
         "'data' argument", "infinite", "['c']"),
    case("fit-data-inf-with-drop", lambda: me.fit(DF_INF, missing="drop"), NonFiniteError,
         "'data' argument", "infinite", "['c']"),
    case("fit-data-nan-default-raise", lambda: me.fit(DF_NAN), MissingValueError,
         "'data' argument", "missing values", "{'b': 1}", "missing='drop'"),
    case("fit-data-duplicated-labels", lambda: me.fit(_frame(["a", "a", "b"])), LabelError,
         "'data' argument", "unique column labels", "duplicated ['a']"),
    case("fit-data-labels-1-and-str-1", lambda: me.fit(_frame([1, "1"])), LabelError,
         "'data' argument", "[1, '1']"),
    case("fit-data-1e300-spread", lambda: me.fit(HUGE), NumericalRangeError,
         "'data'", "overflow", "['a', 'b', 'c']", forbid=("'cov'",)),
    case("fit-data-1e-300-spread", lambda: me.fit(TINY), NumericalRangeError,
         "'data'", "underflow", forbid=("constant", "'cov'")),
    case("fit-data-subnormal-spread", lambda: me.fit(X * 1e-310), NumericalRangeError,
         "'data'", "underflow", forbid=("'scale'", "constant")),
    case("fit-data-nearly-collinear", lambda: me.fit(NEAR_COLLINEAR), SingularCovarianceError,
         "'data'", "nearly collinear", "['a', 'b']",
         R(r"condition number of their correlation matrix is \d(\.\d+)?e\+1[12]")),
    case("fit-data-exactly-collinear", lambda: me.fit(EXACT_COLLINEAR),
         SingularCovarianceError, "'data'", "exactly collinear", "['a', 'b', 'c']"),
    case("fit-data-constant-column", lambda: me.fit(CONSTANT), SingularCovarianceError,
         "'data'", "['b']", "constant"),
    case("fit-data-n-le-p", lambda: me.fit(X[:3]), SingularCovarianceError,
         "p = 3", "more than 3 observations", "n = 3"),
]

# -------------------------------------------------------------------------- fit: columns
FIT_COLUMNS = [
    case("fit-columns-string", lambda: me.fit(DF, columns="a"), InvalidOptionError,
         "'columns' argument", "list of column labels", "str 'a'"),
    case("fit-columns-tuple", lambda: me.fit(DF, columns=("a", "b")), InvalidOptionError,
         "'columns' argument", "tuple"),
    case("fit-columns-empty", lambda: me.fit(DF, columns=[]), InvalidOptionError,
         "'columns' argument", "at least one column", "[]"),
    case("fit-columns-repeated", lambda: me.fit(DF, columns=["a", "a"]), LabelError,
         "'columns' argument", "repeats", "['a', 'a']"),
    case("fit-columns-absent", lambda: me.fit(DF, columns=["a", "zz"]), LabelError,
         "'columns' argument", "['zz']", "Available: ['a', 'b', 'c']"),
    case("fit-columns-int-vs-str-label", lambda: me.fit(_frame(["1", "2"]), columns=[1, 2]),
         LabelError, "'columns' argument", "[1, 2]", "compared as objects"),
    case("fit-columns-with-array", lambda: me.fit(X, columns=["a"]), InvalidOptionError,
         "'columns' argument", "array"),
]

# ---------------------------------------------------------------- fit: string options
FIT_CHOICES = [
    case("fit-missing-bogus", lambda: me.fit(DF, missing="bogus"), InvalidOptionError,
         "'missing' argument", "'raise', 'drop', 'em'", "str 'bogus'"),
    case("fit-missing-uppercase", lambda: me.fit(DF, missing="DROP"), InvalidOptionError,
         "'missing' argument", "str 'DROP'"),
    case("fit-missing-none", lambda: me.fit(DF, missing=None), InvalidOptionError,
         "'missing' argument", "NoneType None"),
    case("fit-missing-bool", lambda: me.fit(DF, missing=True), InvalidOptionError,
         "'missing' argument", "bool True"),
    case("fit-cov_type-sandwich", lambda: me.fit(DF, cov_type="sandwich"), InvalidOptionError,
         "'cov_type' argument", "'classic', 'robust'", "str 'sandwich'"),
    case("fit-cov_type-none", lambda: me.fit(DF, cov_type=None), InvalidOptionError,
         "'cov_type' argument", "NoneType None"),
    case("fit-weights_kind-relative", lambda: me.fit(DF, weights_kind="relative"),
         InvalidOptionError, "'weights_kind' argument", "'frequency', 'analytic'",
         "str 'relative'"),
    case("fit-weights_kind-int", lambda: me.fit(DF, weights_kind=1), InvalidOptionError,
         "'weights_kind' argument", "int 1"),
    case("fit-information-fisher", lambda: me.fit(DF, information="fisher"),
         InvalidOptionError, "'information' argument", "'observed', 'expected'",
         "str 'fisher'"),
    case("fit-information-int", lambda: me.fit(DF, information=0), InvalidOptionError,
         "'information' argument", "int 0"),
]

# ------------------------------------------------------------------- fit: missing data
FIT_MISSING = [
    case("fit-drop-leaves-no-rows", lambda: me.fit(DF_ALLNAN_ROWS, missing="drop"),
         MissingValueError, "missing='drop'", "all 3 rows", "'data'"),
    case("fit-em-column-observed-once", lambda: _em(DF_ONCE), NotIdentifiedError,
         "'data'", "'c'", R(r"\b1 row")),
    case("fit-em-column-observed-twice", lambda: _em(DF.assign(c=[*X[:2, 2], *[np.nan] * 28])),
         NotIdentifiedError, "'data'", "'c' (2 rows)"),
    case("fit-em-column-never-observed", lambda: _em(DF_NEVER), NotIdentifiedError,
         "['c']", "never observed"),
    case("fit-em-pair-never-together", lambda: _em(DF_APART), NotIdentifiedError,
         "('a', 'b')", "never observed together"),
    case("fit-em-inf", lambda: _em(DF_INF), NonFiniteError,
         "'data' argument", "infinite", "['c']"),
]

# ------------------------------------------------------------------------- fit: weights
FIT_WEIGHTS = [
    case("fit-weights-bool", lambda: me.fit(DF, weights=np.ones(30, bool)), DtypeError,
         "'weights' argument", "real numbers", "dtype bool"),
    case("fit-weights-numeric-strings", lambda: me.fit(DF, weights=["1"] * 30), DtypeError,
         "'weights' argument", "real numbers", "<U1"),
    case("fit-weights-complex", lambda: me.fit(DF, weights=W_OK + 0j), DtypeError,
         "'weights' argument", "real numbers", "complex128"),
    case("fit-weights-bool-series", lambda: me.fit(DF, weights=pd.Series(W_OK > 0)),
         DtypeError, "'weights' argument", "real numbers", "bool"),
    case("fit-weights-object-array", lambda: me.fit(DF, weights=W_OK.astype(object)),
         DtypeError, "'weights' argument", "real numbers", "object"),
    case("fit-weights-bool-column", lambda: me.fit(DF.assign(w=True), weights="w"),
         DtypeError, "weights column 'w'", "real numbers", "bool"),
    case("fit-weights-text-column", lambda: me.fit(DF.assign(w="1"), weights="w"),
         DtypeError, "weights column 'w'", "real numbers"),
    case("fit-weights-complex-column", lambda: me.fit(DF.assign(w=1 + 1j), weights="w"),
         DtypeError, "weights column 'w'", "complex128"),
    case("fit-weights-absent-column", lambda: me.fit(DF, weights="zz"), LabelError,
         "'weights' argument 'zz'", "not a column"),
    case("fit-weights-column-also-variable",
         lambda: me.fit(DF.assign(w=1.0), columns=["a", "w"], weights="w"),
         InvalidOptionError, "weights column 'w'", "'columns'"),
    case("fit-weights-wrong-length", lambda: me.fit(DF, weights=np.ones(5)), ShapeError,
         "'weights' argument", "shape (30,)", "shape (5,)"),
    case("fit-weights-2d", lambda: me.fit(DF, weights=np.ones((30, 1))), ShapeError,
         "'weights' argument", "shape (30,)", "(30, 1)"),
    case("fit-weights-negative", lambda: me.fit(DF, weights=np.r_[-1.0, np.ones(29)]),
         NonFiniteError, "'weights' argument", "non-negative", "min -1"),
    case("fit-weights-nan", lambda: me.fit(DF, weights=np.r_[np.nan, np.ones(29)]),
         NonFiniteError, "'weights' argument", "finite", "1 NaN or infinite"),
    case("fit-weights-all-zero", lambda: me.fit(DF, weights=np.zeros(30)), NonFiniteError,
         "'weights' argument", "positive total", "total 0"),
    case("fit-weights-series-index-mismatch",
         lambda: me.fit(DF, weights=pd.Series(W_OK, index=range(1, 31))), LabelError,
         "'weights' Series", "row label", "[0]"),
    case("fit-weights-series-duplicated-index",
         lambda: me.fit(DF, weights=pd.Series(W_OK, index=[0] * 30)), LabelError,
         "'weights' Series", "unique row labels"),
    case("fit-weights-labelled-series-with-array",
         lambda: me.fit(X, weights=pd.Series(W_OK, index=list("abcdefghijklmnopqrstuvwxyz1234"))),
         LabelError, "'weights' argument", "row labels", "array"),
    case("fit-weights-sum-to-one-frequency", lambda: me.fit(DF, weights=W_OK / 30),
         SingularCovarianceError, "weights_kind='analytic'", "sum to 1", "n = 1"),
]

# -------------------------------------------------------------- fit: tol and max_iter
FIT_ITER = [
    case("fit-tol-negative", lambda: _em(DF_NAN, tol=-1), InvalidOptionError,
         "'tol' argument", "(0, 1)", "-1.0"),
    case("fit-tol-zero", lambda: _em(DF_NAN, tol=0), InvalidOptionError,
         "'tol' argument", "(0, 1)", "0.0"),
    case("fit-tol-one", lambda: _em(DF_NAN, tol=1.0), InvalidOptionError,
         "'tol' argument", "(0, 1)", "1.0"),
    case("fit-tol-nan", lambda: _em(DF_NAN, tol=float("nan")), InvalidOptionError,
         "'tol' argument", "finite", "nan"),
    case("fit-tol-inf", lambda: _em(DF_NAN, tol=float("inf")), InvalidOptionError,
         "'tol' argument", "finite", "inf"),
    case("fit-tol-string", lambda: _em(DF_NAN, tol="1e-8"), InvalidOptionError,
         "'tol' argument", "str '1e-8'"),
    case("fit-tol-bool", lambda: _em(DF_NAN, tol=True), InvalidOptionError,
         "'tol' argument", "bool True"),
    case("fit-tol-complex", lambda: _em(DF_NAN, tol=1e-8j), InvalidOptionError,
         "'tol' argument", "complex"),
    case("fit-tol-with-missing-raise", lambda: me.fit(DF, tol=1e-6), InvalidOptionError,
         "'tol' argument", "missing='raise'", "missing='em'"),
    case("fit-tol-with-missing-drop", lambda: me.fit(DF_NAN, missing="drop", tol=1e-6),
         InvalidOptionError, "'tol' argument", "missing='drop'"),
    case("fit-max_iter-zero", lambda: _em(DF_NAN, max_iter=0), InvalidOptionError,
         "'max_iter' argument", ">= 1", "got 0"),
    case("fit-max_iter-negative", lambda: _em(DF_NAN, max_iter=-5), InvalidOptionError,
         "'max_iter' argument", ">= 1", "got -5"),
    case("fit-max_iter-float", lambda: _em(DF_NAN, max_iter=10.0), InvalidOptionError,
         "'max_iter' argument", "integer", "float 10.0"),
    case("fit-max_iter-bool", lambda: _em(DF_NAN, max_iter=True), InvalidOptionError,
         "'max_iter' argument", "integer", "bool True"),
    case("fit-max_iter-string", lambda: _em(DF_NAN, max_iter="100"), InvalidOptionError,
         "'max_iter' argument", "integer", "str '100'"),
    case("fit-max_iter-nan", lambda: _em(DF_NAN, max_iter=float("nan")), InvalidOptionError,
         "'max_iter' argument", "integer", "nan"),
    case("fit-max_iter-with-missing-raise", lambda: me.fit(DF, max_iter=5), InvalidOptionError,
         "'max_iter' argument", "missing='raise'"),
]

# ------------------------------------------- loglike, loglike_obs, score, score_obs
FUNCS = {"loglike": me.loglike, "loglike_obs": me.loglike_obs, "score": me.score,
         "score_obs": me.score_obs}


def _at(name, data=X, mean=MEAN, cov=COV):
    return lambda: FUNCS[name](data, mean, cov)


LIKELIHOOD = [
    case("loglike-mean-wrong-length", _at("loglike", mean=np.zeros(2)), ShapeError,
         "'mean' argument", "shape (3,)", "shape (2,)"),
    case("loglike-mean-2d", _at("loglike", mean=np.zeros((3, 1))), ShapeError,
         "'mean' argument", "(3, 1)"),
    case("loglike-mean-nan", _at("loglike", mean=MEAN_NAN), NonFiniteError,
         "'mean' argument", "finite", "1 NaN"),
    case("loglike-mean-strings", _at("loglike", mean=["0", "0", "0"]), DtypeError,
         "'mean' argument", "real numbers"),
    case("loglike-mean-complex", _at("loglike", mean=MEAN + 1j), DtypeError,
         "'mean' argument", "real numbers"),
    case("loglike-cov-wrong-shape", _at("loglike", cov=np.eye(2)), ShapeError,
         "'cov' argument", "(3, 3)", "shape (2, 2)"),
    case("loglike-cov-not-square", _at("loglike", cov=np.ones((3, 2))), ShapeError,
         "'cov' argument", "(3, 2)"),
    case("loglike-cov-1d", _at("loglike", cov=np.ones(3)), ShapeError,
         "'cov' argument", "2-D", "shape (3,)"),
    case("loglike-cov-nan", _at("loglike", cov=COV_NAN), NonFiniteError,
         "'cov' argument", "finite", "2 NaN"),
    case("loglike-cov-not-symmetric", _at("loglike", cov=NOT_SYM), NotSymmetricError,
         "'cov' argument", "symmetric", "0.1"),
    case("loglike-cov-not-pd", _at("loglike", cov=NOT_PD), NotPositiveDefiniteError,
         "'cov' argument", "positive definite", "smallest eigenvalue -1"),
    case("loglike-cov-zero-variance", _at("loglike", cov=ZERO_DIAG), NotPositiveDefiniteError,
         "'cov' argument", "diagonal entry 1 is 0"),
    case("loglike-cov-complex", _at("loglike", cov=COV + 0j), DtypeError,
         "'cov' argument", "real numbers"),
    case("loglike-data-nan", _at("loglike", data=X_NAN), MissingValueError,
         "'data' argument", "missing values", "{'x1': 1}", forbid=("missing='drop'",)),
    case("loglike-data-inf", _at("loglike", data=X_INF), NonFiniteError,
         "'data' argument", "infinite", "['x2']"),
    case("loglike-data-wrong-width", _at("loglike", data=X[:, :2]), ShapeError,
         "'mean' argument", "shape (2,)", "shape (3,)"),
    case("loglike-mean-labels-mismatch", _at("loglike", data=DF, mean=MEAN_XYZ), LabelError,
         "'mean' argument's labels", "['x', 'y', 'z']", "['a', 'b', 'c']"),
    case("loglike-cov-labels-mismatch", _at("loglike", data=DF, cov=COV_XYZ), LabelError,
         "'cov' argument's labels", "['x', 'y', 'z']"),
    case("loglike-cov-rows-not-columns", _at("loglike", cov=COV_ROWS_BAD), LabelError,
         "'cov' argument's row labels", "['a', 'b', 'q']"),
    case("loglike-cov-duplicated-labels", _at("loglike", data=X, cov=COV_DUP), LabelError,
         "'cov' argument", "duplicated ['a']"),
    case("loglike-unlabelled-data-ambiguous", _at("loglike", mean=MEAN_S, cov=COV_CBA),
         LabelError, "'data'", "ambiguous", "['c', 'b', 'a']"),
    case("loglike-unlabelled-mean-ambiguous", _at("loglike", data=DF, cov=COV_CBA),
         LabelError, "'mean'", "ambiguous"),
    case("loglike-int-vs-str-labels",
         _at("loglike", data=_frame(["1", "2"], X[:, :2]),
             mean=pd.Series([0.0, 0.0], index=[1, 2]), cov=np.eye(2)),
         LabelError, "'mean' argument's labels", "[1, 2]", "compared as objects"),
    case("loglike_obs-mean-wrong-length", _at("loglike_obs", mean=np.zeros(4)), ShapeError,
         "'mean' argument", "shape (4,)"),
    case("loglike_obs-cov-nan", _at("loglike_obs", cov=COV_NAN), NonFiniteError,
         "'cov' argument", "finite"),
    case("loglike_obs-cov-not-pd", _at("loglike_obs", cov=NOT_PD), NotPositiveDefiniteError,
         "'cov' argument", "smallest eigenvalue -1"),
    case("loglike_obs-cov-not-symmetric", _at("loglike_obs", cov=NOT_SYM), NotSymmetricError,
         "'cov' argument", "symmetric"),
    case("loglike_obs-labels-mismatch", _at("loglike_obs", data=DF, cov=COV_XYZ), LabelError,
         "'cov' argument's labels", "unexpected ['x', 'y', 'z']"),
    case("loglike_obs-data-nan", _at("loglike_obs", data=DF_NAN), MissingValueError,
         "'data' argument", "{'b': 1}"),
    case("score-mean-wrong-length", _at("score", mean=np.zeros(2)), ShapeError,
         "'mean' argument", "shape (2,)"),
    case("score-mean-nan", _at("score", mean=MEAN_NAN), NonFiniteError,
         "'mean' argument", "finite"),
    case("score-cov-not-symmetric", _at("score", cov=NOT_SYM), NotSymmetricError,
         "'cov' argument", "symmetric"),
    case("score-cov-not-pd", _at("score", cov=NOT_PD), NotPositiveDefiniteError,
         "'cov' argument", "smallest eigenvalue -1"),
    case("score-cov-labels-mismatch", _at("score", data=DF, cov=COV_XYZ), LabelError,
         "'cov' argument's labels", "['x', 'y', 'z']"),
    case("score-unlabelled-mean-ambiguous", _at("score", data=DF, cov=COV_CBA), LabelError,
         "'mean'", "ambiguous"),
    case("score_obs-cov-wrong-shape", _at("score_obs", cov=np.eye(4)), ShapeError,
         "'cov' argument", "(3, 3)", "(4, 4)"),
    case("score_obs-mean-nan", _at("score_obs", mean=MEAN_NAN), NonFiniteError,
         "'mean' argument", "finite"),
    case("score_obs-cov-not-pd", _at("score_obs", cov=NOT_PD), NotPositiveDefiniteError,
         "'cov' argument", "positive definite"),
    case("score_obs-unlabelled-cov-ambiguous",
         _at("score_obs", data=DF, mean=MEAN_S[["c", "b", "a"]], cov=COV), LabelError,
         "'cov'", "ambiguous"),
    case("score_obs-data-inf", _at("score_obs", data=DF_INF), NonFiniteError,
         "'data' argument", "infinite", "['c']"),
]

STATS = me.SufficientStats.from_array(X)
LOGLIKE_STATS = [
    case("loglike_stats-ndarray", lambda: me.loglike_stats(X, MEAN, COV), DtypeError,
         "'stats' argument", "SufficientStats", "ndarray of shape (30, 3)"),
    case("loglike_stats-dataframe", lambda: me.loglike_stats(DF, MEAN, COV), DtypeError,
         "'stats' argument", "SufficientStats", "DataFrame"),
    case("loglike_stats-mean-wrong-length", lambda: me.loglike_stats(STATS, np.zeros(2), COV),
         ShapeError, "'mean' argument", "shape (2,)"),
    case("loglike_stats-cov-not-pd", lambda: me.loglike_stats(STATS, MEAN, NOT_PD),
         NotPositiveDefiniteError, "'cov' argument", "smallest eigenvalue -1"),
    case("loglike_stats-cov-nan", lambda: me.loglike_stats(STATS, MEAN, COV_NAN),
         NonFiniteError, "'cov' argument", "finite"),
]

# ----------------------------------------------------------------------- information
INFORMATION = [
    case("expected_information-nobs-negative", lambda: me.expected_information(COV, -1),
         InvalidOptionError, "'nobs' argument", "> 0", "-1.0"),
    case("expected_information-nobs-zero", lambda: me.expected_information(COV, 0),
         InvalidOptionError, "'nobs' argument", "> 0", "0.0"),
    case("expected_information-nobs-nan", lambda: me.expected_information(COV, float("nan")),
         InvalidOptionError, "'nobs' argument", "finite", "nan"),
    case("expected_information-nobs-inf", lambda: me.expected_information(COV, float("inf")),
         InvalidOptionError, "'nobs' argument", "finite", "inf"),
    case("expected_information-nobs-string", lambda: me.expected_information(COV, "10"),
         InvalidOptionError, "'nobs' argument", "str '10'"),
    case("expected_information-nobs-bool", lambda: me.expected_information(COV, True),
         InvalidOptionError, "'nobs' argument", "bool True"),
    case("expected_information-nobs-none", lambda: me.expected_information(COV, None),
         InvalidOptionError, "'nobs' argument", "NoneType None"),
    case("expected_information-cov-not-pd", lambda: me.expected_information(NOT_PD, 10),
         NotPositiveDefiniteError, "'cov' argument", "smallest eigenvalue -1"),
    case("expected_information-cov-not-symmetric",
         lambda: me.expected_information(NOT_SYM, 10), NotSymmetricError,
         "'cov' argument", "symmetric"),
    case("expected_information-cov-1d", lambda: me.expected_information(np.ones(3), 10),
         ShapeError, "'cov' argument", "2-D", "shape (3,)"),
    case("expected_information-cov-rows-not-columns",
         lambda: me.expected_information(COV_ROWS_BAD, 10), LabelError,
         "'cov' argument's row labels", "['a', 'b', 'q']"),
    case("observed_information-mean-wrong-length",
         lambda: me.observed_information(X, np.zeros(2), COV), ShapeError,
         "'mean' argument", "shape (2,)"),
    case("observed_information-cov-not-pd", lambda: me.observed_information(X, MEAN, NOT_PD),
         NotPositiveDefiniteError, "'cov' argument", "smallest eigenvalue -1"),
    case("observed_information-data-nan", lambda: me.observed_information(DF_NAN, MEAN, COV),
         MissingValueError, "'data' argument", "{'b': 1}"),
    case("observed_information-labels-mismatch",
         lambda: me.observed_information(DF, MEAN_XYZ, COV), LabelError,
         "'mean' argument's labels", "['x', 'y', 'z']"),
    case("sandwich-scores-wrong-width", lambda: me.sandwich(np.eye(3), np.ones((5, 2))),
         ShapeError, "'scores' argument", "3 columns", "shape (5, 2)"),
    case("sandwich-scores-1d", lambda: me.sandwich(np.eye(3), np.ones(3)), ShapeError,
         "'scores' argument", "2-D", "shape (3,)"),
    case("sandwich-scores-nan", lambda: me.sandwich(np.eye(2), NAN_2x2), NonFiniteError,
         "'scores' argument", "finite"),
    case("sandwich-information-not-pd", lambda: me.sandwich(BAD_2x2, np.ones((4, 2))),
         NotPositiveDefiniteError, "'information' argument", "smallest eigenvalue -1"),
    case("sandwich-information-not-symmetric",
         lambda: me.sandwich(NOT_SYM, np.ones((4, 3))), NotSymmetricError,
         "'information' argument", "symmetric"),
    case("sandwich-information-not-square", lambda: me.sandwich(np.ones((3, 2)), np.ones((4, 2))),
         ShapeError, "'information' argument", "square", "(3, 2)"),
    case("sandwich-scores-labels-absent",
         lambda: me.sandwich(info_df(), pd.DataFrame(np.ones((4, 5)), columns=list("vwxyz"))),
         LabelError, "'scores' argument", "mean[a]"),
]

# ----------------------------------------------------------------------------- guards
GUARDS = [
    case("validate_covariance-kind-bogus", lambda: me.validate_covariance(COV, kind="corr"),
         InvalidOptionError, "'kind' argument", "'covariance', 'correlation'", "str 'corr'"),
    case("validate_covariance-tol-negative", lambda: me.validate_covariance(COV, tol=-1),
         InvalidOptionError, "'tol' argument", "[0, 1)", "-1"),
    case("validate_covariance-tol-nan", lambda: me.validate_covariance(COV, tol=float("nan")),
         InvalidOptionError, "'tol' argument", "nan"),
    case("validate_covariance-tol-text", lambda: me.validate_covariance(COV, tol="abc"),
         InvalidOptionError, "'tol' argument", "'abc'"),
    case("validate_covariance-tol-numeric-string",
         lambda: me.validate_covariance(COV, tol="0.1"),
         InvalidOptionError, "'tol' argument", "'0.1'"),
    case("validate_covariance-tol-bool-false", lambda: me.validate_covariance(COV, tol=False),
         InvalidOptionError, "'tol' argument", "False"),
    case("validate_covariance-M-strings",
         lambda: me.validate_covariance(np.array([["a", "b"], ["c", "d"]])), DtypeError,
         "'M' argument", "real numbers", "<U1"),
    case("validate_covariance-M-3d", lambda: me.validate_covariance(np.ones((2, 2, 2))),
         ShapeError, "'M' argument", "2-D", "(2, 2, 2)"),
    case("validate_covariance-M-rows-not-columns",
         lambda: me.validate_covariance(COV_ROWS_BAD), LabelError,
         "'M' argument's row labels", "['a', 'b', 'q']"),
    case("check_covariance-kind-bogus", lambda: me.check_covariance(COV, kind="cov"),
         InvalidOptionError, "'kind' argument", "str 'cov'"),
    case("check_covariance-tol-two", lambda: me.check_covariance(COV, tol=2), InvalidOptionError,
         "'tol' argument", "[0, 1)", "2"),
    case("check_covariance-tol-text", lambda: me.check_covariance(COV, tol="x"),
         InvalidOptionError, "'tol' argument", "'x'"),
    case("check_covariance-nan", lambda: me.check_covariance(NAN_2x2), NonFiniteError,
         "'M' argument", "finite", "2 NaN or infinite"),
    case("check_covariance-not-square", lambda: me.check_covariance(np.ones((2, 3))),
         ShapeError, "'M' argument", "square", "(2, 3)"),
    case("check_covariance-not-symmetric", lambda: me.check_covariance(NOT_SYM),
         NotSymmetricError, "'M' argument", "symmetric", "0.1"),
    case("check_covariance-not-pd", lambda: me.check_covariance(BAD_2x2),
         NotPositiveDefiniteError, "'M' argument", "positive definite", "-1"),
    case("check_covariance-correlation-diagonal",
         lambda: me.check_covariance(2 * np.eye(2), kind="correlation"), InvalidOptionError,
         "'M' argument", "correlation", "diagonal is not 1"),
    case("check_covariance-named", lambda: me.check_covariance(BAD_2x2, name="Sigma"),
         NotPositiveDefiniteError, "'Sigma' argument", "-1"),
    case("check_covariance-named-text", lambda: me.check_covariance([["a", "b"]], name="Sigma"),
         DtypeError, "'Sigma' argument", "real numbers", forbid=("'M'",)),
    case("hotelling_test-mean0-text", lambda: me.hotelling_test(DF, mean0=["0", "0", "0"]),
         DtypeError, "'mean0' argument", "real numbers", "<U1"),
    case("hotelling_test-mean0-bool", lambda: me.hotelling_test(DF, mean0=[True, False, True]),
         DtypeError, "'mean0' argument", "real numbers", "bool"),
    case("nearest_pd-floor-negative", lambda: me.nearest_pd(BAD_2x2, floor=-1),
         InvalidOptionError, "'floor' argument", "> 0", "-1.0"),
    case("nearest_pd-floor-zero", lambda: me.nearest_pd(BAD_2x2, floor=0), InvalidOptionError,
         "'floor' argument", "> 0", "0.0"),
    case("nearest_pd-floor-nan", lambda: me.nearest_pd(BAD_2x2, floor=float("nan")),
         InvalidOptionError, "'floor' argument", "finite", "nan"),
    case("nearest_pd-floor-one-correlation",
         lambda: me.nearest_pd(CORR_BAD, kind="correlation", floor=1.0), InvalidOptionError,
         "'floor' argument", "(0, 1)", "1.0"),
    case("nearest_pd-floor-above-one-correlation",
         lambda: me.nearest_pd(CORR_BAD, kind="correlation", floor=2), InvalidOptionError,
         "'floor' argument", "(0, 1)", "2.0"),
    case("nearest_pd-floor-string", lambda: me.nearest_pd(BAD_2x2, floor="0.1"),
         InvalidOptionError, "'floor' argument", "str '0.1'"),
    case("nearest_pd-tol-negative", lambda: me.nearest_pd(BAD_2x2, tol=-1), InvalidOptionError,
         "'tol' argument", "-1.0"),
    case("nearest_pd-tol-nan", lambda: me.nearest_pd(BAD_2x2, tol=float("nan")),
         InvalidOptionError, "'tol' argument", "nan"),
    case("nearest_pd-max_iter-zero", lambda: me.nearest_pd(BAD_2x2, max_iter=0),
         InvalidOptionError, "'max_iter' argument", ">= 1", "got 0"),
    case("nearest_pd-max_iter-float", lambda: me.nearest_pd(BAD_2x2, max_iter=5.0),
         InvalidOptionError, "'max_iter' argument", "integer", "float 5.0"),
    case("nearest_pd-max_iter-bool", lambda: me.nearest_pd(BAD_2x2, max_iter=True),
         InvalidOptionError, "'max_iter' argument", "bool True"),
    case("nearest_pd-keep_diag-string", lambda: me.nearest_pd(BAD_2x2, keep_diag="yes"),
         InvalidOptionError, "'keep_diag' argument", "True or False", "str 'yes'"),
    case("nearest_pd-keep_diag-int", lambda: me.nearest_pd(BAD_2x2, keep_diag=1),
         InvalidOptionError, "'keep_diag' argument", "int 1"),
    case("nearest_pd-kind-bogus", lambda: me.nearest_pd(BAD_2x2, kind="corr"),
         InvalidOptionError, "'kind' argument", "str 'corr'"),
    case("nearest_pd-M-nan", lambda: me.nearest_pd(NAN_2x2), NonFiniteError,
         "'M' argument", "finite", R(r"\b2 (non-finite|NaN)")),
    case("nearest_pd-M-not-square", lambda: me.nearest_pd(np.ones((2, 3))), ShapeError,
         "'M' argument", "square", "(2, 3)"),
    case("nearest_pd-keep_diag-nonpositive-diagonal",
         lambda: me.nearest_pd(np.array([[0.0, 1.0], [1.0, 1.0]]), keep_diag=True),
         NotPositiveDefiniteError, "'M' argument's diagonal", "positive", "min 0"),
    case("clip_eigenvalues-floor-negative", lambda: me.clip_eigenvalues(BAD_2x2, floor=-1),
         InvalidOptionError, "'floor' argument", "-1.0"),
    case("clip_eigenvalues-floor-nan",
         lambda: me.clip_eigenvalues(BAD_2x2, floor=float("nan")), InvalidOptionError,
         "'floor' argument", "nan"),
    case("clip_eigenvalues-floor-string", lambda: me.clip_eigenvalues(BAD_2x2, floor="x"),
         InvalidOptionError, "'floor' argument", "str 'x'"),
    case("clip_eigenvalues-tol-negative", lambda: me.clip_eigenvalues(BAD_2x2, tol=-1),
         InvalidOptionError, "'tol' argument", "-1.0"),
    case("clip_eigenvalues-M-nan", lambda: me.clip_eigenvalues(NAN_2x2), NonFiniteError,
         "'M' argument", "finite", R(r"\b2 (non-finite|NaN)")),
]

# ---------------------------------------------------------------------- missing module
MISSING = [
    case("little_mcar_test-complete-data", lambda: me.little_mcar_test(DF), NotIdentifiedError,
         "'data'", "no missing value"),
    case("little_mcar_test-columns-string", lambda: me.little_mcar_test(DF_NAN, columns="a"),
         InvalidOptionError, "'columns' argument", "str 'a'"),
    case("little_mcar_test-strings", lambda: me.little_mcar_test(np.array([["a"], ["b"]])),
         DtypeError, "'data' argument", "real numbers"),
    case("missing.information-kind-bogus",
         lambda: me.missing.information(X_NAN, MEAN, COV, kind="fisher"), InvalidOptionError,
         "'kind' argument", "'observed', 'expected'", "str 'fisher'"),
    case("missing.information-kind-none",
         lambda: me.missing.information(X_NAN, MEAN, COV, kind=None), InvalidOptionError,
         "'kind' argument", "NoneType None"),
    case("missing.loglike-mean-wrong-length",
         lambda: me.missing.loglike(X_NAN, np.zeros(2), COV), ShapeError,
         "'mean' argument", "shape (2,)"),
    case("missing.loglike-data-inf", lambda: me.missing.loglike(X_INF, MEAN, COV),
         NonFiniteError, "'data' argument", "infinite", "['x2']"),
    case("missing.score-cov-not-pd", lambda: me.missing.score(X_NAN, MEAN, NOT_PD),
         NotPositiveDefiniteError, "'cov' argument", "smallest eigenvalue -1"),
    case("missing.score-labels-mismatch", lambda: me.missing.score(DF_NAN, MEAN, COV_XYZ),
         LabelError, "'cov' argument's labels", "['x', 'y', 'z']"),
]

# --------------------------------------------------------------------------- MVNResult
RESULT = [
    case("conf_int-level-percentage", lambda: fitted().conf_int(95), InvalidOptionError,
         "'level' argument", "(0, 1)", "95.0", "percentage"),
    case("conf_int-level-zero", lambda: fitted().conf_int(0), InvalidOptionError,
         "'level' argument", "(0, 1)", "0.0"),
    case("conf_int-level-one", lambda: fitted().conf_int(1.0), InvalidOptionError,
         "'level' argument", "(0, 1)", "1.0"),
    case("conf_int-level-nan", lambda: fitted().conf_int(float("nan")), InvalidOptionError,
         "'level' argument", "nan"),
    case("conf_int-level-string", lambda: fitted().conf_int("0.95"), InvalidOptionError,
         "'level' argument", "str '0.95'"),
    case("conf_int-alpha-zero", lambda: fitted().conf_int(alpha=0), InvalidOptionError,
         "'alpha' argument", "(0, 1)", "0.0"),
    case("conf_int-alpha-above-one", lambda: fitted().conf_int(alpha=1.5), InvalidOptionError,
         "'alpha' argument", "1.5"),
    case("conf_int-alpha-bool", lambda: fitted().conf_int(alpha=True), InvalidOptionError,
         "'alpha' argument", "bool True"),
    case("conf_int-level-and-alpha", lambda: fitted().conf_int(0.9, alpha=0.1),
         InvalidOptionError, "'level' or 'alpha'", "level=0.9", "alpha=0.1"),
    case("logpdf-array-wrong-width", lambda: fitted().logpdf(np.ones((2, 2))), ShapeError,
         "'data' argument", "3 columns", "shape (2, 2)"),
    case("logpdf-frame-lacks-fitted-column", lambda: fitted().logpdf(DF[["a", "b"]]),
         LabelError, "'data' argument", "fitted columns ['c']"),
    case("logpdf-nan-row", lambda: fitted().logpdf(DF_NAN), MissingValueError,
         "'data' argument", "missing values", "{'b': 1}", forbid=("missing='drop'",)),
    case("logpdf-inf-row", lambda: fitted().logpdf(DF_INF), NonFiniteError,
         "'data' argument", "infinite", "['c']"),
    case("logpdf-series", lambda: fitted().logpdf(DF.iloc[0]), ShapeError,
         "'data' argument", "Series"),
    case("mahalanobis-array-wrong-width", lambda: fitted().mahalanobis(np.ones((2, 4))),
         ShapeError, "'data' argument", "3 columns", "shape (2, 4)"),
    case("mahalanobis-frame-lacks-fitted-column",
         lambda: fitted().mahalanobis(DF[["b", "c"]]), LabelError,
         "'data' argument", "fitted columns ['a']"),
    case("mahalanobis-nan-row", lambda: fitted().mahalanobis(X_NAN), MissingValueError,
         "'data' argument", "missing values"),
    case("mahalanobis-strings", lambda: fitted().mahalanobis(np.array([["a", "b", "c"]])),
         DtypeError, "'data' argument", "real numbers"),
]

# ------------------------------------------------------------------- SufficientStats
SS = me.SufficientStats.from_array
SUFFICIENT = [
    case("SufficientStats-weights-bool", lambda: SS(X, np.ones(30, bool)), DtypeError,
         "'weights' argument", "dtype bool"),
    case("SufficientStats-weights-negative", lambda: SS(X, -W_OK), NonFiniteError,
         "'weights' argument", "non-negative", "min -1"),
    case("SufficientStats-weights-wrong-length", lambda: SS(X, np.ones(3)), ShapeError,
         "'weights' argument", "shape (30,)", "shape (3,)"),
    case("SufficientStats-scale-zero", lambda: SS(X, scale=np.zeros(3)), InvalidOptionError,
         "'scale' argument", "positive"),
    case("SufficientStats-scale-negative", lambda: SS(X, scale=-np.ones(3)),
         InvalidOptionError, "'scale' argument", "positive"),
    case("SufficientStats-scale-nan", lambda: SS(X, scale=np.full(3, np.nan)),
         InvalidOptionError, "'scale' argument", "finite"),
    case("SufficientStats-scale-wrong-shape", lambda: SS(X, scale=np.ones(2)), ShapeError,
         "'scale' argument", "shape (3,)", "(2,)"),
    case("SufficientStats-scale-strings", lambda: SS(X, scale=["2", "2", "2"]), DtypeError,
         "'scale' argument", "real numbers"),
    case("SufficientStats-origin-wrong-shape", lambda: SS(X, origin=np.zeros(5)), ShapeError,
         "'origin' argument", "shape (3,)", "(5,)"),
    case("SufficientStats-x-1d", lambda: SS(np.ones(4)), ShapeError,
         "'x' argument", "2-D", "(4,)"),
    case("SufficientStats-x-text", lambda: SS(np.array([["a", "b"]])), DtypeError,
         "'x' argument", "real numbers"),
    case("SufficientStats-x-numeric-strings", lambda: SS(np.array([["1", "2"], ["3", "4"]])),
         DtypeError, "'x' argument", "real numbers"),
    case("SufficientStats-x-bool", lambda: SS(np.ones((3, 2), bool)), DtypeError,
         "'x' argument", "bool"),
]

# ---------------------------------------------------------------------------- linalg
LINALG = [
    case("vech-not-square", lambda: L.vech(np.ones((2, 3))), ShapeError,
         "'A' argument", "square", "(2, 3)"),
    case("unvech-not-triangular", lambda: L.unvech(np.ones(4)), ShapeError,
         "'v' argument", "triangular", "shape (4,)"),
    case("duplication_matrix-zero", lambda: L.duplication_matrix(0), InvalidOptionError,
         "'p' argument", "positive integer", "got 0"),
    case("duplication_matrix-float", lambda: L.duplication_matrix(2.0), InvalidOptionError,
         "'p' argument", "positive integer", "float 2.0"),
    case("duplication_matrix-bool", lambda: L.duplication_matrix(True), InvalidOptionError,
         "'p' argument", "bool True"),
    case("elimination_matrix-string", lambda: L.elimination_matrix("3"), InvalidOptionError,
         "'p' argument", "str '3'"),
    case("commutation_matrix-negative", lambda: L.commutation_matrix(2, -1),
         InvalidOptionError, "'n' argument", "got -1"),
    case("classify-method-unknown", lambda: L.classify(np.eye(2), method="svd"),
         InvalidOptionError, "'method' argument", "'svd'"),
    case("classify-tol-negative", lambda: L.classify(np.eye(2), tol=-1), InvalidOptionError,
         "'tol' argument", "-1"),
    case("classify-tol-text", lambda: L.classify(np.eye(2), tol="x"), InvalidOptionError,
         "'tol' argument", "'x'"),
    case("hadamard-shape-mismatch", lambda: L.hadamard(np.ones((2, 2)), np.ones((2, 3))),
         ShapeError, "'A' and 'B' arguments", "(2, 2)", "(2, 3)"),
]

ALL_CASES = (FIT_DATA + FIT_COLUMNS + FIT_CHOICES + FIT_MISSING + FIT_WEIGHTS + FIT_ITER
             + LIKELIHOOD + LOGLIKE_STATS + INFORMATION + GUARDS + MISSING + RESULT
             + SUFFICIENT + LINALG)


@pytest.mark.parametrize(("call", "error", "match"), ALL_CASES)
def test_bad_input(call, error, match):
    assert_refused(call, error, match)


def test_catalogue_size():
    assert len(ALL_CASES) >= 110
    ids = [p.id for p in ALL_CASES]
    assert len(ids) == len(set(ids))


# ------------------------------------------------------- inputs unchanged after an error
def _copy(value):
    return value.copy(deep=True) if isinstance(value, pd.DataFrame | pd.Series) else \
        np.array(value, copy=True)


def _same(a, b):
    if isinstance(a, pd.DataFrame):
        return a.equals(b) and a.columns.equals(b.columns) and a.index.equals(b.index)
    if isinstance(a, pd.Series):
        return a.equals(b) and a.index.equals(b.index)
    return np.array_equal(a, b, equal_nan=True)


def _df_nan():
    return DF_NAN.copy(deep=True)


UNCHANGED = [
    pytest.param(lambda d: me.fit(d), _df_nan, MissingValueError, id="fit-nan-frame"),
    pytest.param(lambda d: me.fit(d, missing="drop", tol=1e-3), _df_nan, InvalidOptionError,
                 id="fit-drop-with-tol-frame"),
    pytest.param(lambda d: me.fit(d), lambda: HUGE.copy(deep=True), NumericalRangeError,
                 id="fit-huge-frame"),
    pytest.param(lambda d: _em(d), lambda: DF_ONCE.copy(deep=True), MVNEstimateError,
                 id="fit-em-unidentified-frame"),
    pytest.param(lambda w: me.fit(DF, weights=w), lambda: np.r_[-1.0, np.ones(29)],
                 NonFiniteError, id="fit-negative-weights-array"),
    pytest.param(lambda w: me.fit(DF, weights=w),
                 lambda: pd.Series(W_OK, index=range(1, 31)), LabelError,
                 id="fit-misaligned-weights-series"),
    pytest.param(lambda c: me.loglike(X, MEAN, c), lambda: NOT_PD.copy(),
                 NotPositiveDefiniteError, id="loglike-not-pd-cov"),
    pytest.param(lambda c: me.loglike(X, MEAN_S, c), lambda: COV_CBA.copy(deep=True),
                 LabelError, id="loglike-ambiguous-cov-frame"),
    pytest.param(lambda m: me.nearest_pd(m, floor=-1), lambda: BAD_2x2.copy(),
                 InvalidOptionError, id="nearest_pd-bad-floor"),
    pytest.param(lambda m: me.check_covariance(m), lambda: NOT_SYM.copy(),
                 NotSymmetricError, id="check_covariance-not-symmetric"),
]


@pytest.mark.parametrize(("call", "make", "error"), UNCHANGED)
def test_input_unchanged_after_error(call, make, error):
    value = make()
    before = _copy(value)
    with pytest.raises(error):
        call(value)
    assert _same(value, before)


def test_repair_does_not_modify_input():
    m = np.array([[1.0, 0.9, 0.1], [0.8, 1.0, 0.9], [0.1, 0.9, 1.0]])  # asymmetric, not PD
    before = m.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", me.exceptions.MVNEstimateWarning)
        me.nearest_pd(m, kind="correlation")
        me.clip_eigenvalues(m)
    np.testing.assert_array_equal(m, before)


def test_drop_does_not_modify_input():
    data = DF_NAN.copy(deep=True)
    before = data.copy(deep=True)
    with pytest.warns(me.exceptions.DroppedRowsWarning, match="dropped 1 of 30 rows"):
        me.fit(data, missing="drop")
    pd.testing.assert_frame_equal(data, before)
