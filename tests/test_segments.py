"""Files read by parallel threads: segments cut at line breaks, merged in file order."""

from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_info

import mvn_estimate as me
from mvn_estimate.data import _segments
from mvn_estimate.data._segments import Segmented, byte_ranges, prefetch, quote_free
from mvn_estimate.exceptions import FileFormatError
from mvn_estimate.io import open_table

RTOL = 1e-12


@pytest.fixture
def small_segments(monkeypatch):
    monkeypatch.setattr(_segments, "SEGMENT_BYTES", (512, 2048))


@pytest.fixture
def frame(rng):
    x = rng.standard_normal((700, 4)) * [1.0, 10.0, 0.1, 3.0] + [1e6, -5.0, 0.0, 7.0]
    return pd.DataFrame(x, columns=["a", "b", "c", "d"])


def _same(got, want):
    np.testing.assert_allclose(got.mean.to_numpy(), want.mean.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(got.cov.to_numpy(), want.cov.to_numpy(), rtol=1e-11)
    np.testing.assert_allclose(got.std_errors.to_numpy(), want.std_errors.to_numpy(),
                               rtol=1e-10)
    assert got.nobs == want.nobs


def test_ranges_cover_the_file_and_end_at_line_breaks(tmp_path, frame, small_segments):
    path = tmp_path / "x.csv"
    frame.to_csv(path, index=False)
    table, _ = open_table(str(path))
    ranges = byte_ranges(str(path), table.fmt.data_start, 8)
    data = path.read_bytes()
    assert len(ranges) > 5
    assert ranges[0][0] == data.index(b"\n") + 1 and ranges[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in pairwise(ranges))
    assert all(data[end - 1:end] == b"\n" for _, end in ranges)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_segmented_csv_equals_in_memory(tmp_path, frame, small_segments, newline):
    path = tmp_path / "x.csv"
    frame.to_csv(path, index=False, lineterminator=newline, float_format="%.17g")
    table, _ = open_table(str(path))
    assert isinstance(table.rows(list(frame.columns), None, 50), Segmented)
    for cov_type in ("classic", "robust"):
        got = me.fit_file(str(path), cov_type=cov_type, chunksize=50)
        _same(got, me.fit(frame, cov_type=cov_type))


def test_results_do_not_depend_on_thread_timing(tmp_path, frame, small_segments):
    path = tmp_path / "x.csv"
    frame.to_csv(path, index=False)
    first = me.fit_file(str(path), chunksize=40)
    for _ in range(3):  # merged in file order: bit for bit the same
        again = me.fit_file(str(path), chunksize=40)
        assert np.array_equal(again.cov.to_numpy(), first.cov.to_numpy())


def test_no_trailing_newline_and_blank_lines(tmp_path, small_segments):
    path = tmp_path / "x.csv"
    body = "\n".join(f"{i},{i * i % 7},{(3 * i) % 11}" for i in range(300))
    path.write_text("a,b,c\n" + body + "\n\n")
    want = me.fit(np.array([[i, i * i % 7, (3 * i) % 11] for i in range(300)], dtype=float))
    got = me.fit_file(str(path), chunksize=30)
    np.testing.assert_allclose(got.cov.to_numpy(), want.cov.to_numpy(), rtol=RTOL)
    path.write_text("a,b,c\n" + body)
    assert me.fit_file(str(path), chunksize=30).nobs == 300


def test_quoted_file_is_read_by_one_reader(tmp_path, frame, small_segments):
    path = tmp_path / "q.csv"
    labelled = frame.assign(note=['say "hi"\nthere' if i % 50 == 0 else "x"
                                  for i in range(len(frame))])
    labelled.to_csv(path, index=False)
    assert not quote_free(str(path))
    table, _ = open_table(str(path))
    assert not isinstance(table.rows(["a", "b"], None, 50), Segmented)
    got = me.fit_file(str(path), columns=["a", "b", "c", "d"], chunksize=50)
    _same(got, me.fit(frame))


def test_a_bad_value_in_a_late_segment(tmp_path, rng, small_segments):
    path = tmp_path / "x.csv"
    frame = pd.DataFrame(rng.standard_normal((2500, 2)), columns=["a", "b"])
    text = frame.to_csv(index=False).splitlines()
    text[2200] = "oops," + text[2200].split(",", 1)[1]  # after the sampled first 1000 rows
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(FileFormatError, match="non-numeric"):
        me.fit_file(str(path), chunksize=50)


def test_parquet_row_groups_are_segments(tmp_path, frame):
    path = tmp_path / "x.parquet"
    frame.to_parquet(path, row_group_size=97)
    table, _ = open_table(str(path))
    rows = table.rows(list(frame.columns), None, 40)
    assert isinstance(rows, Segmented) and len(rows.segments) == 8
    _same(me.fit_file(str(path), cov_type="robust", chunksize=40),
          me.fit(frame, cov_type="robust"))


def test_parquet_nulls_in_integer_columns_are_missing(tmp_path):
    path = tmp_path / "n.parquet"
    frame = pd.DataFrame({"a": pd.array([1, 2, None, 4, 5, 6], dtype="Int64"),
                          "b": [1.0, 3.0, 2.0, 5.0, 4.0, 7.0]})
    frame.to_parquet(path)
    with pytest.warns(me.exceptions.DroppedRowsWarning, match="dropped 1 of 6"):
        got = me.fit_file(str(path), missing="drop")
    want = me.fit(frame.dropna().astype(float))
    np.testing.assert_allclose(got.cov.to_numpy(), want.cov.to_numpy(), rtol=RTOL)
    assert got.nobs_dropped == 1


def test_blas_threads_are_restored(tmp_path, frame, small_segments):
    path = tmp_path / "x.csv"
    frame.to_csv(path, index=False)
    before = [i["num_threads"] for i in threadpool_info()]
    me.fit_file(str(path), chunksize=50)
    assert [i["num_threads"] for i in threadpool_info()] == before


def test_prefetch_passes_chunks_and_errors_in_order():
    chunks = [(np.full((2, 1), float(i)), None) for i in range(5)]
    assert [int(x[0, 0]) for x, _ in prefetch(iter(chunks))] == [0, 1, 2, 3, 4]

    def broken():
        yield chunks[0]
        raise FileFormatError("bad block")

    got = []
    with pytest.raises(FileFormatError, match="bad block"):
        for x, _ in prefetch(broken()):
            got.append(x)
    assert len(got) == 1
    early = prefetch(iter(chunks))
    next(early)
    early.close()  # stops the reader thread without reading the rest


def test_large_in_memory_data_reduced_by_threads(rng, monkeypatch):
    from threadpoolctl import threadpool_limits

    from mvn_estimate.data import SufficientStats, _stats

    x = rng.standard_normal((6000, 3)) + 1e8
    monkeypatch.setattr(_stats, "CHUNK_ELEMENTS", 300)  # 100-row chunks
    monkeypatch.setattr(_stats, "_THREADED_ELEMENTS", 0)  # threads engage on small data
    monkeypatch.setattr(_stats, "_THREADED_ROWS", 0)
    monkeypatch.setattr(_stats, "workers", lambda: 3)
    calls = []

    def spy(jobs, threads):
        calls.append((len(jobs), threads))
        return _segments.in_parallel(jobs, threads)

    monkeypatch.setattr(_stats, "in_parallel", spy)
    threaded = SufficientStats.from_array(x)
    assert calls == [(3, 3)]
    monkeypatch.setattr(_stats, "workers", lambda: 1)
    serial = SufficientStats.from_array(x)
    np.testing.assert_allclose(threaded.scatter, serial.scatter, rtol=1e-12)
    np.testing.assert_allclose(threaded.mean, serial.mean, rtol=1e-15)
    np.testing.assert_allclose(threaded.cov(), np.cov(x - 1e8, rowvar=False, bias=True),
                               rtol=1e-12)
    with threadpool_limits(1):
        assert _segments.workers() == 1  # a caller's limit on threads is honoured


def test_small_in_memory_data_stay_on_one_thread(rng, monkeypatch):
    from mvn_estimate.data import SufficientStats, _stats

    monkeypatch.setattr(_stats, "workers", lambda: 3)
    monkeypatch.setattr(_stats, "in_parallel", lambda *a: pytest.fail("threads on small data"))
    x = rng.standard_normal((_stats._THREADED_ROWS - 1, 80))  # above the elements, below rows
    np.testing.assert_allclose(SufficientStats.from_array(x).cov(),
                               np.cov(x, rowvar=False, bias=True), rtol=1e-12, atol=1e-14)


def test_fits_from_other_threads_leave_blas_threads_alone(rng, tmp_path, frame, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(_segments, "SEGMENT_BYTES", (512, 2048))
    path = tmp_path / "x.csv"
    frame.to_csv(path, index=False)
    before = [i["num_threads"] for i in threadpool_info()]
    want = me.fit_file(str(path), chunksize=50).cov.to_numpy()  # threads, from the main thread

    def job(_):
        return me.fit_file(str(path), chunksize=50).cov.to_numpy()  # serial in a thread

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(job, range(8)))
    assert all(np.array_equal(r, want) for r in results)
    assert [i["num_threads"] for i in threadpool_info()] == before


def test_parse_errors_give_the_file_line(tmp_path, rng, small_segments):
    lines = ["a,b,c"] + [f"{i},{i % 7},{i % 5}" for i in range(3000)]
    lines[2401] = "1,2,3,4"  # the file's line 2402 (1-based, the header is line 1)
    path = tmp_path / "x.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(FileFormatError, match="line 2402"):
        me.fit_file(str(path), chunksize=100)


@pytest.mark.parametrize("threaded", [False, True])
def test_column_major_data_give_the_row_major_statistics(rng, monkeypatch, threaded):
    from mvn_estimate.data import SufficientStats, _stats

    monkeypatch.setattr(_stats, "CHUNK_ELEMENTS", 700)  # 100-row chunks, a ragged last one
    if threaded:
        monkeypatch.setattr(_stats, "_THREADED_ELEMENTS", 0)
        monkeypatch.setattr(_stats, "_THREADED_ROWS", 0)
        monkeypatch.setattr(_stats, "workers", lambda: 2)
    x = rng.standard_normal((1234, 7)) * [1, 2, 3, 4, 5, 6, 7] + 1e6
    fortran = np.asfortranarray(x)  # a DataFrame's float block has this layout
    got, want = SufficientStats.from_array(fortran), SufficientStats.from_array(x)
    np.testing.assert_allclose(got.mean, want.mean, rtol=1e-15)
    np.testing.assert_allclose(got.scatter, want.scatter, rtol=1e-13)
    np.testing.assert_allclose(got.cov(), np.cov(x, rowvar=False, bias=True), rtol=1e-9)
