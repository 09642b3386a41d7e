"""fit on Dask collections: the in-memory numbers whatever the partitioning, on a real cluster."""

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate.exceptions import (
    DroppedRowsWarning,
    DtypeError,
    InvalidOptionError,
    LabelError,
    MissingValueError,
    NonFiniteError,
    ShapeError,
)

from .conftest import lavaan_table, reference

dd = pytest.importorskip("dask.dataframe")  # in the [test] extra: present in CI
da = pytest.importorskip("dask.array")

COLS = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]
AIR = ["Ozone", "Solar.R", "Wind", "Temp"]
RTOL = 1e-12


@pytest.fixture(scope="module")
def iris():
    return pd.read_csv("data/iris.csv")


@pytest.fixture(scope="module")
def air():
    return pd.read_csv("data/airquality.csv")


def _same(got, want, rtol=RTOL):
    for name in ("mean", "cov", "std_errors"):
        np.testing.assert_allclose(getattr(got, name).to_numpy(), getattr(want, name).to_numpy(),
                                   rtol=rtol, err_msg=name)
    np.testing.assert_allclose(got.loglike, want.loglike, rtol=rtol)
    vcov = want.cov_params().to_numpy()
    np.testing.assert_allclose(got.cov_params().to_numpy(), vcov, rtol=10 * rtol,
                               atol=10 * rtol * np.nanmax(np.abs(vcov)))
    assert list(got.params.index) == list(want.params.index)
    assert got.nobs == pytest.approx(want.nobs, rel=1e-15)
    assert got.data is None


@pytest.mark.parametrize("npartitions", [1, 7, 64])
@pytest.mark.parametrize("cov_type", ["classic", "robust"])
def test_dataframe_equals_in_memory(iris, npartitions, cov_type):
    frame = dd.from_pandas(iris, npartitions=npartitions)
    assert frame.npartitions == npartitions
    got = me.fit(frame, columns=COLS, cov_type=cov_type)
    _same(got, me.fit(iris, columns=COLS, cov_type=cov_type))


@pytest.mark.parametrize("npartitions", [1, 7, 64])
def test_em_equals_in_memory(air, npartitions):
    frame = dd.from_pandas(air, npartitions=npartitions)
    for information in ("observed", "expected"):
        got = me.fit(frame, columns=AIR, missing="em", information=information)
        want = me.fit(air, columns=AIR, missing="em", information=information)
        _same(got, want, rtol=1e-9)
        assert got.em.npatterns == want.em.npatterns
        np.testing.assert_allclose(got.em.missing_fraction, want.em.missing_fraction)


def test_drop_warns_the_count(air):
    frame = dd.from_pandas(air, npartitions=5)
    with pytest.warns(DroppedRowsWarning, match="dropped 42 of 153 rows"):
        got = me.fit(frame, columns=AIR, missing="drop", cov_type="robust")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)
        _same(got, me.fit(air, columns=AIR, missing="drop", cov_type="robust"))
    with pytest.raises(MissingValueError, match="Ozone"):
        me.fit(frame, columns=AIR)


@pytest.mark.parametrize("kind", ["frequency", "analytic"])
def test_weights_column(rng, kind):
    frame = pd.DataFrame(rng.standard_normal((90, 3)), columns=["a", "b", "c"])
    frame["w"] = rng.uniform(0.0, 2.0, size=90)
    frame.loc[::7, "w"] = 0.0
    parts = dd.from_pandas(frame, npartitions=6)
    for cov_type in ("classic", "robust"):
        got = me.fit(parts, weights="w", weights_kind=kind, cov_type=cov_type)
        _same(got, me.fit(frame, weights="w", weights_kind=kind, cov_type=cov_type))


def test_array_chunked_both_ways_with_weights(rng):
    x = rng.standard_normal((200, 5)) + 1e6  # a large offset: merged relative to an origin
    w = rng.integers(0, 4, size=200).astype(float)
    got = me.fit(da.from_array(x, chunks=(33, 2)), weights=da.from_array(w, chunks=50),
                 cov_type="robust")
    want = me.fit(x, weights=w, cov_type="robust")
    _same(got, want, rtol=1e-10)
    assert list(got.mean.index) == [f"x{i}" for i in range(5)]


def test_structures(iris):
    frame = dd.from_pandas(iris, npartitions=4)
    for structure in ("compound_symmetry", "ar1"):
        got = me.fit(frame, columns=COLS, structure=structure, cov_type="robust")
        _same(got, me.fit(iris, columns=COLS, structure=structure, cov_type="robust"),
              rtol=1e-8)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"columns": ["Sepal.Length", "Nope"]}, LabelError, "Nope"),
    ({"columns": [*COLS[:2], "Species"]}, DtypeError, "Species"),
    ({"columns": COLS, "weights": np.ones(150)}, InvalidOptionError, "column"),
    ({"columns": COLS, "weights": "Species"}, DtypeError, "Species"),
    ({"columns": COLS, "by": np.arange(150) % 2}, InvalidOptionError,
     "'by' argument must name a column of a Dask DataFrame.*Add the group labels"),
    ({"columns": COLS, "shrinkage": "oas"}, InvalidOptionError, "'shrinkage'"),
])
def test_bad_options(iris, kwargs, error, match):
    with pytest.raises(error, match=match):
        me.fit(dd.from_pandas(iris, npartitions=3), **kwargs)


def test_bad_arrays_and_values(rng):
    with pytest.raises(ShapeError, match="2-D"):
        me.fit(da.ones(10, chunks=5))
    with pytest.raises(DtypeError, match="complex"):
        me.fit(da.ones((10, 2), chunks=5, dtype=complex))
    x = rng.standard_normal((40, 2))
    x[33, 1] = np.inf
    with pytest.raises(NonFiniteError, match=r"infinite.*x1"):
        me.fit(da.from_array(x, chunks=10))
    with pytest.raises(InvalidOptionError, match="1-D Dask array"):
        me.fit(da.from_array(x, chunks=10), weights=np.ones(40))


def test_dask_is_imported_only_for_dask_input():
    code = ("import sys, numpy as np, mvn_estimate as me; "
            "me.fit(np.random.default_rng(0).standard_normal((20, 2)), cov_type='robust'); "
            "print(any(m == 'dask' or m.startswith('dask.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def test_local_cluster_with_two_worker_processes(client, iris, air):
    distributed = pytest.importorskip("distributed")
    assert len(client.scheduler_info()["workers"]) == 2
    frame = dd.from_pandas(iris, npartitions=8)
    with distributed.get_task_stream(client) as stream:
        got = me.fit(frame, columns=COLS, cov_type="robust")
    _same(got, me.fit(iris, columns=COLS, cov_type="robust"))
    assert len({task["worker"] for task in stream.data}) == 2  # both processes worked
    em = me.fit(dd.from_pandas(air, npartitions=7), columns=AIR, missing="em")
    _same(em, me.fit(air, columns=AIR, missing="em"), rtol=1e-9)
    with pytest.raises(NonFiniteError, match="weights"):  # checked on the driver, one line
        bad = iris.assign(w=np.where(np.arange(150) == 140, -1.0, 1.0))
        me.fit(dd.from_pandas(bad, npartitions=8), columns=COLS, weights="w")


def test_series_and_analytic_em(rng):
    frame = pd.DataFrame(rng.normal(size=(100, 2)), columns=["a", "b"])
    series = dd.from_pandas(frame, npartitions=4)["a"]
    got = me.fit(series)
    _same(got, me.fit(frame["a"]))
    frame["w"] = rng.uniform(0.5, 2.0, size=100)
    frame.loc[90:, ["a", "b"]] = np.nan  # rows with nothing observed: not counted
    em = me.fit(dd.from_pandas(frame, npartitions=3), weights="w", weights_kind="analytic",
                missing="em")
    _same(em, me.fit(frame, weights="w", weights_kind="analytic", missing="em"), rtol=1e-9)
    assert em.nobs == pytest.approx(90.0)


@pytest.mark.parametrize("kind", ["frequency", "analytic"])
def test_em_robust_sums_the_scores_over_partitions(air, kind):
    """The sandwich's meat from every row's observed-data score, partition by partition
    (weights normalised as in memory; rows with nothing observed add nothing)."""
    frame = air.assign(w=np.linspace(0.5, 2.0, len(air)))
    frame.loc[[3, 40], AIR] = np.nan
    options = dict(columns=AIR, missing="em", cov_type="robust", weights="w",
                   weights_kind=kind)
    got = me.fit(dd.from_pandas(frame, npartitions=6), **options)
    _same(got, me.fit(frame, **options), rtol=1e-9)


def test_refusals_give_the_right_advice(iris):
    frame = dd.from_pandas(iris, npartitions=2)
    with pytest.raises(InvalidOptionError, match="compute\\(\\) them and call fit"):
        me.fit(frame, columns=COLS, shrinkage="oas")
    with pytest.raises(InvalidOptionError, match="a Dask Series"):
        me.fit(da.ones((10, 2), chunks=5), weights=frame["Sepal.Length"])


@pytest.mark.parametrize(("cov_type", "key"), [("classic", "iris_saturated_expected"),
                                               ("robust", "iris_saturated_robust")])
def test_partitions_reproduce_lavaan(iris, cov_type, key):
    """Fixed numbers from lavaan (tests/reference/results.R), not only the in-memory fit."""
    ref = reference("results")[key]
    want = lavaan_table(ref, COLS)
    got = me.fit(dd.from_pandas(iris, npartitions=7), columns=COLS, cov_type=cov_type)
    np.testing.assert_allclose(got.params.loc[want.index], want["est"], rtol=1e-7)
    np.testing.assert_allclose(got.std_errors.loc[want.index], want["se"], rtol=1e-6)
    np.testing.assert_allclose(got.loglike, ref["logl"], rtol=1e-9)


def test_em_partitions_reproduce_lavaan(air):
    ref = reference("results")["air_fiml_observed"]
    want = lavaan_table(ref, AIR)
    got = me.fit(dd.from_pandas(air, npartitions=5), columns=AIR, missing="em")
    np.testing.assert_allclose(got.params.loc[want.index], want["est"], rtol=1e-5)
    np.testing.assert_allclose(got.std_errors.loc[want.index], want["se"], rtol=1e-4)
    np.testing.assert_allclose(got.loglike, ref["logl"], rtol=1e-9)
