"""fit(dask_frame, by=...) and fit_file(path, by=...): groups read from partitions or a file,
each on its own or sharing parameters (equal=), by the one pipeline.

References: lavaan multi-group FIML on airquality by Month (tests/reference/groups.json: the
exact MLE and its observed-information standard errors), the pooled ML covariance recomputed
here for iris, and the in-memory fit of the same rows (the streamed reduction must not change
the numbers, also at extreme scales and with a large common offset).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate.exceptions import (
    DroppedRowsWarning,
    InvalidOptionError,
    LabelError,
    MissingValueError,
    ShapeError,
)

from .conftest import reference
from .test_groups import AIR, IRIS, MODELS, _exact

dd = pytest.importorskip("dask.dataframe")  # in the [test] extra: present in CI


@pytest.fixture(scope="module")
def air(air_data):
    return air_data


@pytest.fixture(scope="module")
def iris(iris_data):
    return iris_data


@pytest.fixture(scope="module")
def files(air, iris, tmp_path_factory):
    """The data sets as CSV and as Parquet with several row groups."""
    folder = tmp_path_factory.mktemp("groups")
    out = {}
    for name, frame in (("air", air), ("iris", iris)):
        out[name + ".csv"] = folder / f"{name}.csv"
        frame.to_csv(out[name + ".csv"], index=False)
        out[name + ".parquet"] = folder / f"{name}.parquet"
        frame.to_parquet(out[name + ".parquet"], row_group_size=40)
    return out


def _sources(frame: pd.DataFrame, files: dict, name: str):
    """The same rows as a Dask collection (uneven partitions), a CSV file and a Parquet file
    (several row groups), read in chunks smaller than a group."""
    yield "dask", lambda **kw: me.fit(dd.from_pandas(frame, npartitions=3), **kw)
    for suffix in ("csv", "parquet"):
        path = files[f"{name}.{suffix}"]
        yield suffix, lambda path=path, **kw: me.fit_file(path, chunksize=23, progress=False,
                                                          **kw)


@pytest.mark.parametrize("key", list(MODELS))
def test_streamed_groups_reproduce_lavaan(air, files, key):
    entry = reference("groups")[key]
    est, se = _exact(entry, "est"), _exact(entry, "se_observed")
    for kind, fit in _sources(air, files, "air"):
        got = fit(columns=AIR, by="Month", missing="em", equal=MODELS[key])
        assert list(got.groups) == [5, 6, 7, 8, 9], kind
        assert list(got.params.index) == list(est.index), kind
        np.testing.assert_allclose(got.params, est, rtol=1e-8, err_msg=kind)
        np.testing.assert_allclose(got.std_errors, se, rtol=1e-7, err_msg=kind)
        assert got.loglike == pytest.approx(entry["exact_mle"]["logLik"], abs=1e-8), kind
        assert got.nparams == entry["npar"]


def test_streamed_pooled_covariance_is_the_closed_form(iris, files):
    x, species = iris[IRIS].to_numpy(), iris["Species"].to_numpy()
    pooled = sum(((x[species == s] - x[species == s].mean(0)).T
                  @ (x[species == s] - x[species == s].mean(0))) for s in np.unique(species))
    pooled = pooled / len(x)
    for kind, fit in _sources(iris, files, "iris"):
        got = fit(by="Species", equal=["cov"])
        assert list(got.groups) == ["setosa", "versicolor", "virginica"], kind
        for g in got.groups.values():
            np.testing.assert_allclose(g.cov.to_numpy(), pooled, rtol=1e-12, err_msg=kind)
        np.testing.assert_allclose(got.groups["virginica"].mean,
                                   x[species == "virginica"].mean(0), rtol=1e-13)


@pytest.mark.parametrize("missing", ["drop", "em"])
@pytest.mark.parametrize("equal", [None, ["mean"], ["mean", "cov"]])
def test_streamed_groups_equal_the_fit_in_memory(air, files, missing, equal):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)
        want = me.fit(air, columns=AIR, by="Month", missing=missing, equal=equal)
        for kind, fit in _sources(air, files, "air"):
            got = fit(columns=AIR, by="Month", missing=missing, equal=equal)
            np.testing.assert_allclose(got.params, want.params, rtol=1e-10, err_msg=kind)
            np.testing.assert_allclose(got.std_errors, want.std_errors, rtol=1e-8,
                                       err_msg=kind)
            assert got.loglike == pytest.approx(want.loglike, rel=1e-12), kind
            assert got.nobs_dropped == want.nobs_dropped, kind


def test_shared_groups_give_one_warning_for_the_rows_dropped(air, files):
    for kind, fit in _sources(air, files, "air"):
        with pytest.warns(DroppedRowsWarning) as caught:
            fit(columns=AIR, by="Month", missing="drop", equal=["cov"])
        dropped = [w for w in caught if issubclass(w.category, DroppedRowsWarning)]
        assert len(dropped) == 1, kind
        assert "dropped 42 of 153 rows" in str(dropped[0].message), kind


@pytest.mark.parametrize("kind", ["frequency", "analytic"])
def test_weights_and_a_structure_reach_every_group(air, files, kind):
    weighted = air.assign(w=np.random.default_rng(3).uniform(0.5, 2.0, len(air)))
    path = files["air.csv"].with_name("weighted.csv")
    weighted.to_csv(path, index=False)
    options = dict(columns=AIR, by="Month", missing="em", weights="w", weights_kind=kind,
                   equal=["cov"], structure="compound_symmetry")
    want = me.fit(weighted, **options)
    for got in (me.fit_file(path, chunksize=17, **options),
                me.fit(dd.from_pandas(weighted, npartitions=4), **options)):
        np.testing.assert_allclose(got.params, want.params, rtol=1e-10)
        np.testing.assert_allclose(got.std_errors, want.std_errors, rtol=1e-8)


@pytest.mark.parametrize("scale, offset", [(1e-150, 0.0), (1e150, 0.0), (1.0, 1e9)])
def test_streamed_groups_at_extreme_scales_and_offsets(air, scale, offset):
    frame = air.copy()
    frame[AIR] = frame[AIR] * scale + offset
    options = dict(columns=AIR, by="Month", missing="em", equal=["cov"])
    same = me.fit(frame, **options)  # the same rows in memory
    got = me.fit(dd.from_pandas(frame, npartitions=3), **options)
    np.testing.assert_allclose(got.params, same.params, rtol=1e-10)
    np.testing.assert_allclose(got.std_errors, same.std_errors, rtol=1e-8)
    assert got.loglike == pytest.approx(same.loglike, rel=1e-12)
    if offset == 0.0:  # and the unscaled fit, scaled
        want = me.fit(air, **options)
        np.testing.assert_allclose(got.groups[5].cov.to_numpy() / scale ** 2,
                                   want.groups[5].cov.to_numpy(), rtol=1e-9)
        np.testing.assert_allclose(got.groups[7].mean / scale, want.groups[7].mean,
                                   rtol=1e-9)
        observed = int(air[AIR].notna().to_numpy().sum())  # density: 1/s per value
        assert got.loglike == pytest.approx(want.loglike - observed * np.log(scale),
                                            rel=1e-10)


def test_streamed_shared_fits_take_robust_errors_and_scaled_tests(air, iris, files):
    """Per-row passes (the sandwich's meat, Yuan–Bentler's and Satorra–Bentler's traces) read
    each group's rows again: the numbers of the fits in memory."""
    options = dict(columns=AIR, by="Month", missing="em")
    for kind, fit in _sources(air, files, "air"):
        got = fit(equal=["cov"], cov_type="robust", **options)
        want = me.fit(air, equal=["cov"], cov_type="robust", **options)
        np.testing.assert_allclose(got.std_errors, want.std_errors, rtol=1e-8, err_msg=kind)
        shared, free = fit(equal=["cov"], **options), fit(**options)
        test = me.lr_test(shared, free, scaled="yuan-bentler")
        ref = me.lr_test(me.fit(air, equal=["cov"], **options), me.fit(air, **options),
                         scaled="yuan-bentler")
        assert (test.statistic, test.df) == pytest.approx((ref.statistic, ref.df), rel=1e-9)
    sb = me.lr_test(me.fit_file(files["iris.csv"], by="Species", equal=["cov"]),
                    me.fit_file(files["iris.csv"], by="Species"), scaled="satorra-bentler")
    want = me.lr_test(me.fit(iris, by="Species", equal=["cov"]), me.fit(iris, by="Species"),
                      scaled="satorra-bentler")
    assert sb.statistic == pytest.approx(want.statistic, rel=1e-10)


def test_streamed_results_keep_no_rows_and_say_what_needs_them(iris, files):
    with pytest.raises(InvalidOptionError, match="Box's M test works on the rows in memory"):
        me.fit_file(files["iris.csv"], by="Species").box_m_test()
    with pytest.raises(InvalidOptionError, match="MANOVA works on the rows in memory"):
        me.fit(dd.from_pandas(iris, npartitions=2), by="Species").manova()


def test_separate_streamed_groups_take_robust_errors(iris, files):
    want = me.fit(iris, by="Species", cov_type="robust")
    got = me.fit_file(files["iris.parquet"], by="Species", cov_type="robust")
    np.testing.assert_allclose(got.std_errors, want.std_errors, rtol=1e-10)


def test_auxiliary_with_by_leaves_the_group_column_out(air, files):
    want = me.fit(air[["Ozone", "Wind", "Temp", "Solar.R", "Day", "Month"]],
                  columns=["Ozone", "Wind", "Solar.R", "Day"], by="Month", missing="em",
                  auxiliary=["Temp"])
    for got in (me.fit(air, by="Month", missing="em", auxiliary=["Temp"]),
                me.fit_file(files["air.csv"], by="Month", missing="em", auxiliary=["Temp"])):
        assert list(got.groups[5].mean.index) == ["Ozone", "Solar.R", "Wind", "Day"]
        np.testing.assert_allclose(got.groups[6].mean[want.groups[6].mean.index],
                                   want.groups[6].mean, rtol=1e-10)


# ------------------------------------------------------------------------------ refusals
def test_by_must_be_a_column_of_the_file_or_collection(air, files):
    with pytest.raises(LabelError, match=r"'by' argument must name a column of '.*air.csv'; "
                                         r"got 'month'. Its columns are"):
        me.fit_file(files["air.csv"], by="month")
    frame = dd.from_pandas(air, npartitions=2)
    with pytest.raises(LabelError, match="must name a column of the Dask DataFrame; got str "
                                         "'month'"):
        me.fit(frame, by="month")
    with pytest.raises(InvalidOptionError, match="Add the group labels as a column"):
        me.fit(frame, by=air["Month"].to_numpy())
    with pytest.raises(LabelError, match="cannot also be one of the variables"):
        me.fit(frame, columns=["Ozone", "Month"], by="Month")
    with pytest.raises(LabelError, match="cannot also be one of the variables"):
        me.fit_file(files["air.csv"], columns=["Ozone", "Month"], by="Month")


def test_missing_labels_and_a_single_group_are_refused(air, tmp_path):
    holes = air.assign(Month=air["Month"].where(air.index % 50 != 3))
    one = air.assign(Month=5)
    for frame, error, message in ((holes, MissingValueError, "has 3 missing group labels"),
                                  (one, ShapeError, "at least two groups; got")):
        path = tmp_path / "x.csv"
        frame.to_csv(path, index=False)
        with pytest.raises(error, match=message):
            me.fit_file(path, columns=AIR, by="Month", missing="em")
        with pytest.raises(error, match=message):
            me.fit(dd.from_pandas(frame, npartitions=3), columns=AIR, by="Month",
                   missing="em")


def test_a_group_that_drop_empties_is_named(air):
    frame = air.copy()
    frame.loc[frame["Month"] == 6, "Ozone"] = np.nan
    with pytest.raises(MissingValueError, match=r"In group Month = 6: missing='drop' drops "
                                                r"all 30 rows of this group"):
        me.fit(dd.from_pandas(frame, npartitions=3), columns=AIR, by="Month", missing="drop",
               equal=["cov"])
    with pytest.raises(MissingValueError, match=r"Month = 6"), warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)  # month 5's, fitted first
        me.fit(dd.from_pandas(frame, npartitions=3), columns=AIR, by="Month", missing="drop")


# --------------------------------------------------------- found by a review as a new user
def test_csv_labels_are_typed_for_the_whole_column_not_per_chunk(iris, tmp_path):
    """A chunk holding only "1"/"2" would read them as numbers: every chunk reads the column
    as text, and the labels get the type pandas gives the whole column."""
    frame = iris.drop(columns="Species").assign(g=np.tile(["1", "2", "x"], 50))
    path = tmp_path / "mixed.csv"
    frame.to_csv(path, index=False)
    got = me.fit_file(path, by="g", chunksize=2)
    want = me.fit(pd.read_csv(path), by="g")
    assert list(got.groups) == list(want.groups) == ["1", "2", "x"]
    assert [g.nobs for g in got.groups.values()] == [50.0, 50.0, 50.0]
    np.testing.assert_allclose(got.params, want.params, rtol=1e-12)
    for labels in (np.tile([True, False], 75), np.tile([1.5, 2.0], 75), np.tile([3, 1], 75)):
        path = tmp_path / "typed.csv"
        iris.assign(g=labels).to_csv(path, index=False)
        got = me.fit_file(path, by="g", columns=["Sepal.Length"], chunksize=7)
        want = me.fit(pd.read_csv(path), by="g", columns=["Sepal.Length"])
        assert list(got.groups) == list(want.groups)
        assert [type(k) for k in got.groups] == [type(k) for k in want.groups]


@pytest.mark.parametrize("value", [2.9, 5.0, 1 / 3, 0.1])
def test_a_column_constant_within_a_group_is_refused_as_in_memory(iris, value):
    """The group's statistics are formed about its own first rows, found by a pass when the
    first partition holds none of them: a constant column has exactly zero scatter."""
    frame = iris.copy()
    frame.loc[frame["Species"] == "virginica", "Sepal.Width"] = value
    with pytest.raises(me.exceptions.SingularCovarianceError, match=r"Sepal\.Width"):
        me.fit(frame, by="Species")
    for partitions in (1, 4, 7):
        with pytest.raises(me.exceptions.SingularCovarianceError, match=r"Sepal\.Width"):
            me.fit(dd.from_pandas(frame, npartitions=partitions), by="Species")


def test_grouped_outliers_of_a_fit_that_kept_no_rows(iris, files):
    got = me.fit_file(files["iris.csv"], by="Species")
    table = got.outliers(0.01, data=iris)
    want = pd.concat([me.fit(iris[iris["Species"] == g].drop(columns="Species"))
                      .outliers(0.01, data=iris[iris["Species"] == g]) for g in got.groups])
    np.testing.assert_allclose(table["distance"], want["distance"], rtol=1e-10)
    assert list(table["group"].unique()) == ["setosa", "versicolor", "virginica"]
    with pytest.raises(LabelError, match="group column 'Species'"):
        got.outliers(data=iris.drop(columns="Species"))
    with pytest.raises(LabelError, match=r"groups \['other'\]"):
        got.outliers(data=iris.assign(Species="other"))


def test_by_may_not_double_as_weights_variable_or_auxiliary(iris, air):
    frame = iris.assign(w=1.0)
    with pytest.raises(LabelError, match=r"'by' argument and 'weights' both name the column"):
        me.fit(frame, by="w", weights="w")
    with pytest.raises(LabelError, match=r"'by' argument and 'weights' both name the column"):
        me.fit(dd.from_pandas(frame, npartitions=2), by="w", weights="w")
    with pytest.raises(LabelError, match="cannot also be one of the variables"):
        me.fit(iris, columns=["Sepal.Length", "Species"], by="Species")
    with pytest.raises(LabelError, match="'auxiliary' argument names 'Month', the column"):
        me.fit(air, by="Month", missing="em", auxiliary=["Month"])


def test_by_needs_a_dask_dataframe(iris):
    frame = dd.from_pandas(iris, npartitions=2)
    with pytest.raises(InvalidOptionError, match="'data' is a Dask Series"):
        me.fit(frame["Sepal.Length"], by="Species")
    with pytest.raises(InvalidOptionError, match=r"got a Dask Series\. Add the group labels"):
        me.fit(frame, by=frame["Species"])


def test_results_compare_by_identity(iris):
    one, two = me.fit(iris, by="Species"), me.fit(iris, by="Species")
    assert one == one and one != two  # not an element-wise comparison that raises
    assert (one.groups["setosa"] == one.groups["setosa"]) is True
    assert len({one, two}) == 2
