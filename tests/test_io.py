"""The readers behind one protocol: the registry, a new format as one reader, and the
refusals of paths that are not readable files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate.data import Chunked
from mvn_estimate.exceptions import FileFormatError


def test_the_registry_picks_parquet_by_its_bytes_and_csv_otherwise(tmp_path):
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 1.0, 5.0]})
    frame.to_parquet(tmp_path / "t.data")
    frame.to_csv(tmp_path / "t.csv", index=False)
    assert me.io.reader_for(str(tmp_path / "t.data")).name == "Parquet"
    assert me.io.reader_for(str(tmp_path / "t.csv")).name == "CSV"
    assert [r.name for r in me.io.READERS] == ["Parquet", "CSV"]


@dataclass(frozen=True)
class _NpyTable(me.io.Table):
    format: ClassVar[str] = "npy"

    def _x(self, columns: list[str]) -> np.ndarray:
        x = np.load(self.path)
        return x[:, [self.columns.index(c) for c in columns]]

    def head(self, columns: list[str], weights: str | None) -> Any:
        return self._x(columns)[:5], None

    def chunks(self, columns: list[str], weights: str | None, rows: int) -> Any:
        x = self._x(columns)
        return iter([(x[i:i + rows], None) for i in range(0, x.shape[0], rows)])

    def rows(self, columns: list[str], weights: str | None, rows: int,
             progress: Any = None) -> Any:
        return Chunked(lambda: self.chunks(columns, weights, rows),
                       lambda: self.head(columns, weights))


class _NpyReader:
    name = "npy"

    def accepts(self, path: str) -> bool:
        return path.endswith(".npy")

    def open(self, path: str, name: str, options: dict[str, Any]) -> Any:
        x = np.load(path)
        cols = [f"c{j}" for j in range(x.shape[1])]
        return _NpyTable(path, name, cols, cols, x.shape[0],
                         pd.DataFrame(x[:5], columns=cols)), []

    def read(self, path: str, name: str, options: dict[str, Any], columns: Any) -> Any:
        x = np.load(path)
        return pd.DataFrame(x, columns=[f"c{j}" for j in range(x.shape[1])]), []


def test_a_new_format_is_one_reader_in_the_registry(tmp_path, rng, monkeypatch):
    x = rng.standard_normal((50, 3))
    np.save(tmp_path / "x.npy", x)
    monkeypatch.setattr(me.data.io, "READERS", (_NpyReader(), *me.data.io.READERS))
    got = me.fit_file(str(tmp_path / "x.npy"), chunksize=7)
    want = me.fit(x)
    np.testing.assert_allclose(got.cov.to_numpy(), want.cov.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(got.std_errors.to_numpy(), want.std_errors.to_numpy(),
                               rtol=1e-12)

    with pytest.raises(FileFormatError, match=r"'by' argument needs a reader that reads "
                                              r"groups, and the npy reader"):
        me.fit_file(str(tmp_path / "x.npy"), by="c0")


@pytest.mark.parametrize(("path", "match"), [
    (None, r"'path' argument must be a file path .*got NoneType None"),
    (3, r"'path' argument must be a file path .*got int 3"),
])
def test_paths_that_are_not_paths(path, match):
    with pytest.raises(FileFormatError, match=match):
        me.fit_file(path)


def test_a_directory_is_not_no_such_file(tmp_path):
    with pytest.raises(FileFormatError, match="is a directory, not a file"):
        me.fit_file(str(tmp_path))


def test_an_unreadable_file_is_named(tmp_path, monkeypatch):
    path = tmp_path / "secret.csv"
    path.write_text("a,b\n1,2\n3,4\n5,7\n")
    monkeypatch.setattr("os.access", lambda *a, **k: False)  # root reads anything: simulate
    with pytest.raises(FileFormatError, match=r"secret\.csv': permission denied"):
        me.fit_file(str(path))
