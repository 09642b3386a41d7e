"""A catalogue of bad inputs to the robust companions — ``fit_t``, ``mcd``, the scaled
``lr_test`` and ``MVNResult.outliers(method=...)`` — each refused with the package's most
specific error and a message that names the argument and what it received (the rules of
:mod:`tests.test_bad_inputs`)."""

from __future__ import annotations

import dataclasses
import functools

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
    NumericalRangeError,
    SingularCovarianceError,
    TooLargeError,
)

from .conftest import REFERENCE
from .test_bad_inputs import R, case, rx

_rng = np.random.default_rng(20261215)
X = _rng.standard_t(5, size=(40, 3))
DF = pd.DataFrame(X, columns=["a", "b", "c"])
DF_NAN = DF.copy()
DF_NAN.iloc[2, 1] = np.nan
X_INF = X.copy()
X_INF[3, 0] = np.inf
CONSTANT = DF.assign(b=2.5)
COLLINEAR = DF.assign(c=DF["a"] + DF["b"])
TEXT = DF.assign(c=["u"] * 40)
SMALL = X[:4]
ORTH = ["d8", "d10", "d12", "d14"]
ORTH_MISSING = str(REFERENCE / "data" / "orthodont_wide_missing.csv")


@functools.cache
def _cs_em() -> tuple[me.MVNResult, me.MVNResult]:
    frame = pd.read_csv(ORTH_MISSING)[ORTH]
    return (me.fit(frame, structure="compound_symmetry", missing="em"),
            me.fit(frame, missing="em"))


@functools.cache
def _cs_stream() -> tuple[me.MVNResult, me.MVNResult]:
    return (me.fit_file(ORTH_MISSING, columns=ORTH, structure="compound_symmetry",
                        missing="em"),
            me.fit_file(ORTH_MISSING, columns=ORTH, missing="em"))


def _scaled(pair, scaled):
    return lambda: me.lr_test(*pair(), scaled=scaled)


FIT_T = [
    case("t-df-zero", lambda: me.fit_t(X, df=0), InvalidOptionError, "'df'", "> 0", "0.0"),
    case("t-df-negative", lambda: me.fit_t(X, df=-3), InvalidOptionError, "'df'", "> 0",
         "-3.0"),
    case("t-df-nan", lambda: me.fit_t(X, df=np.nan), InvalidOptionError, "'df'", "finite",
         "nan"),
    case("t-df-inf", lambda: me.fit_t(X, df=np.inf), InvalidOptionError, "'df'", "finite",
         "inf"),
    case("t-df-text", lambda: me.fit_t(X, df="5"), InvalidOptionError, "'df'", "str '5'"),
    case("t-df-bool", lambda: me.fit_t(X, df=True), InvalidOptionError, "'df'", "bool True"),
    case("t-tol-zero", lambda: me.fit_t(X, tol=0.0), InvalidOptionError, "'tol'", "(0, 1)"),
    case("t-max-iter-float", lambda: me.fit_t(X, max_iter=10.0), InvalidOptionError,
         "'max_iter'", "integer", "10.0"),
    case("t-max-iter-zero", lambda: me.fit_t(X, max_iter=0), InvalidOptionError, "'max_iter'",
         ">= 1", "got 0"),
    case("t-missing-unknown", lambda: me.fit_t(X, missing="ignore"), InvalidOptionError,
         "'missing'", "'raise', 'drop', 'em'", "ignore"),
    case("t-weights-kind-unknown", lambda: me.fit_t(X, weights=np.ones(40), weights_kind="x"),
         InvalidOptionError, "'weights_kind'", "'frequency', 'analytic'"),
    case("t-nan", lambda: me.fit_t(DF_NAN), MissingValueError, "'b'", "missing='em'"),
    case("t-inf", lambda: me.fit_t(X_INF), NonFiniteError, "infinite"),
    case("t-text-column", lambda: me.fit_t(TEXT), DtypeError, "'c'"),
    case("t-absent-column", lambda: me.fit_t(DF, columns=["a", "z"]), LabelError, "'z'"),
    case("t-constant-column", lambda: me.fit_t(CONSTANT), SingularCovarianceError, "['b']",
         "constant"),
    case("t-collinear", lambda: me.fit_t(COLLINEAR), SingularCovarianceError, "collinear"),
    case("t-n-le-p", lambda: me.fit_t(X[:3]), SingularCovarianceError, "p = 3",
         "more than 3 observations"),
    case("t-negative-weight", lambda: me.fit_t(X, weights=np.r_[-1.0, np.ones(39)]),
         NonFiniteError, "'weights'", "non-negative", "min -1"),
    case("t-too-many-columns", lambda: me.fit_t(_rng.standard_normal((200, 100))),
         TooLargeError, "p = 100", "at most 98 columns"),
    case("t-cov-df-le-2", lambda: me.fit_t(X, df=2.0).cov, NumericalRangeError, "ν = 2",
         "infinite variances", ".scatter"),
    case("t-outliers-alpha", lambda: me.fit_t(X, df=5).outliers(alpha=1.5), InvalidOptionError,
         "'alpha'", "(0, 1)", "1.5"),
    case("t-outliers-columns", lambda: me.fit_t(DF, df=5).outliers(data=DF[["a", "b"]]),
         LabelError, "'c'"),
    case("t-file-absent-column", lambda: me.fit_t(str(REFERENCE / "data" / "t_n200_p3.csv"),
                                                  columns=["a", "q"]), LabelError, "'q'"),
]

MCD = [
    case("mcd-support-half", lambda: me.mcd(X, support_fraction=0.5), InvalidOptionError,
         "'support_fraction'", "(0.5, 1]", "got 0.5"),
    case("mcd-support-low", lambda: me.mcd(X, support_fraction=0.3), InvalidOptionError,
         "'support_fraction'", "[0.5, 1]", "0.3"),
    case("mcd-support-above-one", lambda: me.mcd(X, support_fraction=1.2), InvalidOptionError,
         "'support_fraction'", "1.2"),
    case("mcd-support-nan", lambda: me.mcd(X, support_fraction=np.nan), InvalidOptionError,
         "'support_fraction'", "finite"),
    case("mcd-method-unknown", lambda: me.mcd(X, method="random"), InvalidOptionError,
         "'method'", "'deterministic', 'fast'", "random"),
    case("mcd-reweight-int", lambda: me.mcd(X, reweight=1), InvalidOptionError, "'reweight'",
         "True or False", "int 1"),
    case("mcd-random-state-deterministic", lambda: me.mcd(X, random_state=3),
         InvalidOptionError, "'random_state'", "method='fast'"),
    case("mcd-random-state-text", lambda: me.mcd(X, method="fast", random_state="seed"),
         InvalidOptionError, "'random_state'", "integer", "str 'seed'"),
    case("mcd-random-state-negative", lambda: me.mcd(X, method="fast", random_state=-1),
         InvalidOptionError, "'random_state'", ">= 0", "-1"),
    case("mcd-too-few-rows", lambda: me.mcd(SMALL), SingularCovarianceError, "p = 3",
         "p + 2 = 5", "n = 4"),
    case("mcd-constant-column", lambda: me.mcd(CONSTANT), SingularCovarianceError, "['b']",
         "constant"),
    case("mcd-nan", lambda: me.mcd(DF_NAN), MissingValueError, "'data'", "1 row(s)",
         "dropna"),
    case("mcd-inf", lambda: me.mcd(X_INF), NonFiniteError, "infinite"),
    case("mcd-text-column", lambda: me.mcd(TEXT), DtypeError, "'c'"),
    case("mcd-path", lambda: me.mcd(str(REFERENCE / "data" / "hbk.csv")), InvalidOptionError,
         "in memory", "read_table"),
    case("mcd-empty", lambda: me.mcd(np.empty((0, 3))), me.exceptions.ShapeError, "'data'",
         "0 row(s)"),
    case("mcd-outliers-alpha", lambda: me.mcd(X).outliers(alpha=0.0), InvalidOptionError,
         "'alpha'", "(0, 1)"),
    case("mcd-outliers-columns", lambda: me.mcd(DF).outliers(data=DF[["a"]]), LabelError,
         "'b'"),
]

SCALED = [
    case("lr-scaled-unknown", lambda: me.lr_test(me.fit(X, structure="spherical"), me.fit(X),
                                                 scaled="mlm"),
         InvalidOptionError, "'scaled'", "'satorra-bentler', 'yuan-bentler'", "mlm"),
    case("lr-scaled-sb-missing", _scaled(_cs_em, "satorra-bentler"), InvalidOptionError,
         "scaled='satorra-bentler'", "complete data", "scaled='yuan-bentler'"),
    case("lr-scaled-sb-stream-missing", _scaled(_cs_stream, "satorra-bentler"),
         InvalidOptionError, "scaled='satorra-bentler'", "complete data"),
    case("lr-scaled-not-a-fit", lambda: me.lr_test(me.fit(X, structure="spherical"),
                                                   me.fit_t(X), scaled="yuan-bentler"),
         DtypeError, "'full'", "MVNResult", "TResult"),
    case("lr-scaled-reversed", lambda: me.lr_test(me.fit(X), me.fit(X, structure="spherical"),
                                                  scaled="satorra-bentler"),
         me.exceptions.NotNestedError, "fewer parameters"),
]

OUTLIERS = [
    case("outliers-method-unknown", lambda: me.fit(X).outliers(method="robust"),
         InvalidOptionError, "'method'", "'mvn', 'mcd'", "robust"),
    case("outliers-mcd-weighted", lambda: me.fit(X, weights=np.ones(40)).outliers(method="mcd"),
         InvalidOptionError, "method='mcd'", "weights"),
    case("outliers-mcd-incomplete", lambda: me.fit(DF_NAN, missing="em").outliers(method="mcd"),
         InvalidOptionError, "method='mcd'", "missing values"),
    case("outliers-mcd-file", lambda: me.fit_file(str(REFERENCE / "data" / "hbk.csv"))
         .outliers(method="mcd"), InvalidOptionError, "method='mcd'", "keeps no rows"),
]

CASES = FIT_T + MCD + SCALED + OUTLIERS


@pytest.mark.parametrize(("call", "error", "match"), CASES)
def test_refusal(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_the_caller_s_data_is_never_modified():
    frame = DF.copy()
    array = X.copy()
    me.fit_t(frame)
    me.mcd(array)
    me.mcd(frame, method="fast", random_state=0)
    pd.testing.assert_frame_equal(frame, DF)
    assert np.array_equal(array, X)


def test_an_outlier_test_needs_enough_screened_rows():
    """Too few rows kept by the screening (at most p + 1) cannot calibrate: refused."""
    m = me.mcd(X)
    few = np.zeros(40, dtype=bool)
    few[:4] = True
    thin = dataclasses.replace(m, reference=dataclasses.replace(m.reference, kept=few))
    with pytest.raises(NotIdentifiedError, match=r"more than p \+ 1 = 4 rows .* 4 were kept"):
        thin.outliers()


_ = (R, rx)
