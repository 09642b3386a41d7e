"""fit_file: CSV and Parquet streamed in chunks give the in-memory fit, standard errors included."""

import io
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate.data import SufficientStats
from mvn_estimate.exceptions import (
    DroppedRowsWarning,
    DtypeError,
    FileFormatError,
    InvalidOptionError,
    LabelError,
    MissingValueError,
    NonFiniteError,
    NumericalRangeError,
)

from .conftest import lavaan_params, lavaan_table, reference

COLS = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]
RTOL = 1e-12


@pytest.fixture
def iris():
    return pd.read_csv("data/iris.csv")


@pytest.fixture
def air():
    return pd.read_csv("data/airquality.csv")


def _same(got, want, rtol=RTOL, dense=True):
    np.testing.assert_allclose(got.mean.to_numpy(), want.mean.to_numpy(), rtol=rtol)
    np.testing.assert_allclose(got.cov.to_numpy(), want.cov.to_numpy(), rtol=rtol)
    np.testing.assert_allclose(got.loglike, want.loglike, rtol=rtol)
    np.testing.assert_allclose(got.std_errors.to_numpy(), want.std_errors.to_numpy(),
                               rtol=1e3 * rtol)
    if dense:
        vcov = want.cov_params().to_numpy()
        np.testing.assert_allclose(got.cov_params().to_numpy(), vcov, rtol=1e3 * rtol,
                                   atol=1e3 * rtol * np.abs(vcov).max())
    assert list(got.params.index) == list(want.params.index)
    assert got.nobs == pytest.approx(want.nobs, rel=1e-14)


@pytest.mark.parametrize("chunksize", [7, 150, 10_000])
@pytest.mark.parametrize("cov_type", ["classic", "robust"])
def test_csv_equals_in_memory_fit(iris, tmp_path, chunksize, cov_type):
    path = tmp_path / "iris.csv"
    iris.to_csv(path, index=False)
    got = me.fit_file(str(path), columns=COLS, cov_type=cov_type, chunksize=chunksize)
    _same(got, me.fit(iris, columns=COLS, cov_type=cov_type))
    assert got.data is None


def test_parquet_equals_in_memory_fit(iris, tmp_path):
    path = tmp_path / "iris.parquet"
    iris.to_parquet(path)
    got = me.fit_file(str(path), columns=COLS, cov_type="robust", chunksize=11)
    _same(got, me.fit(iris, columns=COLS, cov_type="robust"))


def test_default_columns_are_all_but_weights(rng, tmp_path):
    frame = pd.DataFrame(rng.standard_normal((60, 3)), columns=["a", "b", "c"])
    frame["w"] = rng.integers(1, 4, size=60)
    path = tmp_path / "w.csv"
    frame.to_csv(path, index=False)
    got = me.fit_file(str(path), weights="w", chunksize=9)
    _same(got, me.fit(frame, weights="w"))
    assert list(got.mean.index) == ["a", "b", "c"]


@pytest.mark.parametrize("kind", ["frequency", "analytic"])
def test_weights_column(rng, tmp_path, kind):
    frame = pd.DataFrame(rng.standard_normal((80, 3)), columns=["a", "b", "c"])
    frame["w"] = rng.uniform(0.0, 2.0, size=80)
    frame.loc[::9, "w"] = 0.0
    path = tmp_path / "w.parquet"
    frame.to_parquet(path)
    for cov_type in ("classic", "robust"):
        got = me.fit_file(str(path), weights="w", weights_kind=kind, cov_type=cov_type,
                          chunksize=13)
        _same(got, me.fit(frame, weights="w", weights_kind=kind, cov_type=cov_type))


def test_pandas_index_column_is_not_fitted(iris, tmp_path):
    path = tmp_path / "iris.csv"
    iris[COLS].to_csv(path)  # first column: the index, with an empty header
    got = me.fit_file(str(path), chunksize=40)
    assert list(got.mean.index) == COLS
    _same(got, me.fit(iris[COLS]))


def test_semicolon_and_decimal_comma(iris, tmp_path):
    path = tmp_path / "iris.csv"
    iris[COLS].to_csv(path, sep=";", decimal=",", index=False)
    _same(me.fit_file(str(path), chunksize=33), me.fit(iris[COLS]))


def test_drop_matches_in_memory_and_warns_the_count(air, tmp_path):
    path = tmp_path / "air.csv"
    air.to_csv(path, index=False)
    cols = ["Ozone", "Solar.R", "Wind", "Temp"]
    with pytest.warns(DroppedRowsWarning, match="dropped 42 of 153 rows"):
        got = me.fit_file(str(path), columns=cols, missing="drop", chunksize=20,
                          cov_type="robust")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)
        want = me.fit(air, columns=cols, missing="drop", cov_type="robust")
    _same(got, want)
    assert got.nobs_dropped == 42


def test_missing_raise_names_the_columns(air, tmp_path):
    path = tmp_path / "air.csv"
    air.to_csv(path, index=False)
    with pytest.raises(MissingValueError, match=r"The file '.*air\.csv' has missing.*Ozone"):
        me.fit_file(str(path), columns=["Ozone", "Wind"])


@pytest.mark.parametrize("information", ["observed", "expected"])
def test_em_matches_in_memory(air, tmp_path, information):
    path = tmp_path / "air.csv"
    air.to_csv(path, index=False)
    cols = ["Ozone", "Solar.R", "Wind", "Temp"]
    got = me.fit_file(str(path), columns=cols, missing="em", information=information,
                      chunksize=17)
    want = me.fit(air, columns=cols, missing="em", information=information)
    _same(got, want, rtol=1e-9)
    assert got.em.npatterns == want.em.npatterns
    np.testing.assert_allclose(got.em.missing_fraction, want.em.missing_fraction, rtol=1e-15)


@pytest.mark.parametrize("chunksize", [1, 17, 1000])
def test_em_robust_streams_and_matches_lavaan(air, tmp_path, chunksize):
    """Every row's observed-data score outer product, summed chunk by chunk (a chunk of one
    row; chunks whose rows leave a column unobserved), equals lavaan's Huber–White FIML
    standard errors and the in-memory sandwich."""
    path = tmp_path / "air.csv"
    air.to_csv(path, index=False)
    cols = ["Ozone", "Solar.R", "Wind", "Temp"]
    got = me.fit_file(str(path), columns=cols, missing="em", cov_type="robust",
                      chunksize=chunksize)
    entry = reference("structures")["fiml_air_robust_huber_white_observed"]
    _, se = lavaan_params(entry, cols)
    np.testing.assert_allclose(got.std_errors[se.index], se, rtol=1e-4)
    want = me.fit(air, columns=cols, missing="em", cov_type="robust")
    np.testing.assert_allclose(got.std_errors, want.std_errors, rtol=1e-9)
    np.testing.assert_allclose(got.cov_params(), want.cov_params(), rtol=1e-8, atol=1e-12)


def test_structure_matches_in_memory(iris, tmp_path):
    path = tmp_path / "iris.csv"
    iris.to_csv(path, index=False)
    for structure in ("compound_symmetry", "ar1"):
        got = me.fit_file(str(path), columns=COLS, structure=structure, chunksize=16,
                          cov_type="robust")
        _same(got, me.fit(iris, columns=COLS, structure=structure, cov_type="robust"),
              rtol=1e-9)


def test_memory_is_one_chunk(rng, tmp_path, monkeypatch):
    frame = pd.DataFrame(rng.standard_normal((1000, 4)), columns=list("abcd"))
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    seen = []
    original = SufficientStats.about.__func__

    def spy(cls, x, *args, **kwargs):
        seen.append(np.shape(x)[0])
        return original(cls, x, *args, **kwargs)

    monkeypatch.setattr(SufficientStats, "about", classmethod(spy))
    me.fit_file(str(path), chunksize=64)
    assert max(seen) <= 64 and sum(seen) == 1000


def test_exact_rescaling_of_huge_and_tiny_data(rng, tmp_path):
    base = rng.standard_normal((50, 2))
    for factor in (1e150, 1e-150):  # variances near 1e300 and 1e-300: representable
        frame = pd.DataFrame(base * factor, columns=["a", "b"])
        path = tmp_path / "scaled.csv"
        frame.to_csv(path, index=False, float_format="%.17g")
        got = me.fit_file(str(path), chunksize=8, cov_type="robust")
        want = me.fit(frame, cov_type="robust")
        _same(got, want, rtol=1e-11, dense=False)
        with pytest.raises(NumericalRangeError, match="fourth power"):
            got.cov_params()  # entries near factor**4: beyond float64, as in memory
        np.testing.assert_allclose(got.cov.to_numpy() / factor**2,
                                   np.cov(base, rowvar=False, bias=True), rtol=1e-11)


def test_overflowing_variances_are_refused(tmp_path):
    path = tmp_path / "huge.csv"
    pd.DataFrame({"a": [1e300, -1e300, 5e299, 0.0], "b": [1.0, 2.0, 0.5, 3.0]}).to_csv(
        path, index=False)
    with pytest.raises(NumericalRangeError, match="overflow"):
        me.fit_file(str(path))


def test_progress_bar_only_when_asked_or_on_a_terminal(iris, tmp_path, capsys, monkeypatch):
    path = tmp_path / "iris.csv"
    iris.to_csv(path, index=False)
    me.fit_file(str(path), columns=COLS)  # stderr is captured: not a terminal
    assert capsys.readouterr().err == ""
    me.fit_file(str(path), columns=COLS, progress=True)
    assert "rows" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    me.fit_file(str(path), columns=COLS)
    assert "rows" in sys.stderr.getvalue()


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"columns": ["Sepal.Length", "Nope"]}, LabelError, "Nope"),
    ({"columns": ["Sepal.Length", "Sepal.Length"]}, LabelError, "repeats"),
    ({"columns": ["Sepal.Length", "Species"]}, DtypeError, "Species"),
    ({"columns": "Sepal.Length"}, InvalidOptionError, "list"),
    ({"weights": "nope"}, LabelError, "nope"),
    ({"weights": "Species", "columns": COLS}, DtypeError, "Species"),
    ({"weights": "Petal.Width", "columns": COLS}, InvalidOptionError, "also one of"),
    ({"chunksize": 0, "columns": COLS}, InvalidOptionError, "chunksize"),
    ({"chunksize": 2.5, "columns": COLS}, InvalidOptionError, "chunksize"),
    ({"progress": "yes", "columns": COLS}, InvalidOptionError, "progress"),
    ({"missing": "pairwise", "columns": COLS}, InvalidOptionError, "missing"),
    ({"tol": 1e-6, "columns": COLS}, InvalidOptionError, "tol"),
])
def test_bad_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        me.fit_file("data/iris.csv", **kwargs)


def test_bad_values_in_the_file(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"a": [1.0, 2.0, np.inf, 4.0], "b": [1.0, 3.0, 2.0, 5.0],
                  "w": [1.0, -1.0, 1.0, 1.0]}).to_csv(path, index=False)
    with pytest.raises(NonFiniteError, match=r"infinite.*'a'"):
        me.fit_file(str(path), columns=["a", "b"])
    with pytest.raises(NonFiniteError, match="min -1"):
        me.fit_file(str(path), columns=["b"], weights="w")
    late = tmp_path / "late.csv"
    late.write_text("a,b\n" + "1,2\n3,4\n" * 1000 + "x,5\n")
    with pytest.raises(FileFormatError, match="non-numeric"):
        me.fit_file(str(late), chunksize=100)
    with pytest.raises(FileFormatError, match="no such file"):
        me.fit_file(str(tmp_path / "absent.csv"))


def test_drop_leaving_no_rows(tmp_path):
    path = tmp_path / "nan.csv"
    path.write_text("a,b\n1,\n,2\n")
    with pytest.raises(MissingValueError, match="all 2 rows"):
        me.fit_file(str(path), missing="drop")


@pytest.mark.parametrize("kind", ["frequency", "analytic"])
def test_em_with_a_weights_column(air, rng, tmp_path, kind):
    frame = air[["Ozone", "Solar.R", "Wind", "Temp"]].copy()
    frame["w"] = rng.uniform(0.0, 3.0, size=len(frame))
    frame.loc[::10, "w"] = 0.0
    frame.loc[5, ["Ozone", "Solar.R", "Wind", "Temp"]] = np.nan  # a row with nothing observed
    path = tmp_path / "air.parquet"
    frame.to_parquet(path)
    got = me.fit_file(str(path), missing="em", weights="w", weights_kind=kind, chunksize=25)
    want = me.fit(frame, missing="em", weights="w", weights_kind=kind)
    _same(got, want, rtol=1e-9)
    assert got.em.rows_all_missing == want.em.rows_all_missing == 1


def test_review_edge_files(tmp_path, rng):
    frame = pd.DataFrame(rng.standard_normal((30, 2)), columns=["a", "b"])
    empty = tmp_path / "empty.parquet"
    frame.iloc[:0].to_parquet(empty)
    for missing in ("raise", "drop", "em"):
        with pytest.raises(FileFormatError, match="has no rows"):
            me.fit_file(str(empty), missing=missing)
    header = tmp_path / "header.csv"
    header.write_text("a,b,c\n")
    with pytest.raises(FileFormatError, match="header but no data rows"):
        me.fit_file(str(header))
    csv = tmp_path / "x.csv"
    frame.to_csv(csv, index=False)
    with pytest.raises(InvalidOptionError, match=r"'information'.*'nope'"):
        me.fit_file(str(csv), information="nope")
    with pytest.raises(FileFormatError, match=r"'sep'.*',,'"):
        me.fit_file(str(csv), sep=",,")
    with pytest.raises(LabelError, match=r"'weights'.*got list") as err:
        me.fit_file(str(csv), weights=[1.0] * 3000)
    assert len(str(err.value)) < 300  # the value described, not printed whole


def test_late_text_names_the_value_also_in_the_weights(tmp_path, rng):
    frame = pd.DataFrame(rng.standard_normal((3000, 2)), columns=["a", "b"])
    frame["w"] = 1.0
    frame = frame.astype(object)
    frame.loc[2500, "w"] = "heavy"
    path = tmp_path / "late.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(FileFormatError, match="'heavy' in column 'w'"):
        me.fit_file(str(path), weights="w")
    frame.loc[2500, "w"] = 1.0
    frame.loc[2700, "b"] = "n/a?"
    frame.to_csv(path, index=False)
    with pytest.raises(FileFormatError, match=r"'n/a\?' in column 'b'"):
        me.fit_file(str(path), chunksize=500)


def test_parquet_is_known_by_its_bytes_and_its_index_is_not_data(tmp_path, rng):
    frame = pd.DataFrame(rng.standard_normal((40, 3)), columns=["a", "b", "c"])
    subset = frame[frame["a"] > -1]  # an index that is not a range: stored as a column
    odd = tmp_path / "data.bin"
    subset.to_parquet(odd)
    got = me.fit_file(str(odd))
    assert list(got.mean.index) == ["a", "b", "c"]
    _same(got, me.fit(subset))


def test_messages_speak_of_the_file(tmp_path, rng):
    path = tmp_path / "few.csv"
    pd.DataFrame(rng.standard_normal((3, 4)), columns=list("abcd")).to_csv(path, index=False)
    with pytest.raises(me.exceptions.SingularCovarianceError) as err:
        me.fit_file(str(path))
    text = str(err.value)
    assert "'data'" not in text
    assert "shrinkage='ledoit-wolf'" not in text and "fit(..., shrinkage=...)" in text


def _matches_lavaan(got, key, columns, rtol):
    """Estimates and standard errors against lavaan's (tests/reference/results.R), and the
    log-likelihood against its logl: the fixed numbers the stream must reproduce, whatever
    the path it shares with in-memory fits."""
    ref = reference("results")[key]
    want = lavaan_table(ref, columns)
    np.testing.assert_allclose(got.params.loc[want.index], want["est"], rtol=rtol)
    np.testing.assert_allclose(got.std_errors.loc[want.index], want["se"], rtol=10 * rtol)
    np.testing.assert_allclose(got.loglike, ref["logl"], rtol=1e-9)


@pytest.mark.parametrize(("cov_type", "key"), [("classic", "iris_saturated_expected"),
                                               ("robust", "iris_saturated_robust")])
@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_files_reproduce_lavaan(iris, tmp_path, cov_type, key, suffix):
    path = tmp_path / f"iris.{suffix}"
    iris.to_csv(path, index=False) if suffix == "csv" else iris.to_parquet(path)
    got = me.fit_file(str(path), columns=COLS, cov_type=cov_type, chunksize=17)
    _matches_lavaan(got, key, COLS, 1e-7)


def test_em_file_reproduces_lavaan(air, tmp_path):
    path = tmp_path / "air.csv"
    air.to_csv(path, index=False)
    got = me.fit_file(str(path), columns=["Ozone", "Solar.R", "Wind", "Temp"], missing="em",
                      chunksize=10)
    _matches_lavaan(got, "air_fiml_observed", ["Ozone", "Solar.R", "Wind", "Temp"], 1e-5)
