import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate.cli import main

IRIS_COLS = "Sepal.Length,Sepal.Width,Petal.Length,Petal.Width"


@pytest.fixture
def iris_path(request):
    return str(request.config.rootpath / "data" / "iris.csv")


def test_fit_iris_summary(iris_path, capsys):
    assert main(["fit", iris_path, "--columns", IRIS_COLS]) == 0
    out = capsys.readouterr().out
    iris = pd.read_csv(iris_path).iloc[:, :4]
    expected = me.fit(iris)
    assert f"{expected.loglike:.4f}" in out
    assert "mean[Petal.Width]" in out


def test_fit_json_round_trips(iris_path, capsys):
    assert main(["fit", iris_path, "--columns", IRIS_COLS, "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    iris = pd.read_csv(iris_path).iloc[:, :4].to_numpy()
    np.testing.assert_allclose(np.array(d["cov"]), np.cov(iris, rowvar=False, bias=True))
    assert d["names"] == IRIS_COLS.split(",")
    assert json.loads(json.dumps(d)) == d


def test_text_column_is_skipped_and_reported(iris_path, capsys):
    assert main(["fit", iris_path, "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "skipped non-numeric columns ['Species']" in captured.err
    assert json.loads(captured.out)["names"] == IRIS_COLS.split(",")


def test_text_column_named_in_columns_is_exit_2_one_line(iris_path, capsys):
    assert main(["fit", iris_path, "--columns", "Sepal.Length,Species"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "['Species'] of dtype" in err
    # the advice names the real numeric columns, so it can be followed as written
    assert "--columns Sepal.Length " in err and "a,b" not in err and "columns=[" not in err


def test_missing_file_is_exit_2(tmp_path, capsys):
    assert main(["fit", str(tmp_path / "none.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_missing_drop_via_cli(request, capsys):
    path = str(request.config.rootpath / "data" / "airquality.csv")
    assert main(["fit", path, "--columns", "Ozone,Solar.R,Wind,Temp", "--missing", "drop"]) == 0
    captured = capsys.readouterr()
    assert "dropped 42 of 153 rows" in captured.err
    assert "No. Observations:" in captured.out


def test_python_dash_m(iris_path):
    proc = subprocess.run([sys.executable, "-m", "mvn_estimate", "fit", iris_path, "--columns",
                           IRIS_COLS, "--format", "json"], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["nobs"] == 150.0


def _write(tmp_path, m, name="m.csv"):
    path = tmp_path / name
    pd.DataFrame(m, columns=list("abc")[: len(m)], index=list("abc")[: len(m)]).to_csv(path)
    return str(path)


def test_validate_exit_codes(tmp_path, capsys):
    good = _write(tmp_path, np.array([[2.0, 0.5], [0.5, 1.0]]), "good.csv")
    bad = _write(tmp_path, np.array([[1.0, 2.0], [2.0, 1.0]]), "bad.csv")
    assert main(["validate", good, "--index-col"]) == 0
    assert main(["validate", bad, "--index-col"]) == 1
    assert "not positive definite" in capsys.readouterr().out
    assert main(["validate", str(tmp_path / "nope.csv")]) == 2


def test_validate_repair_writes_labelled_matrix(tmp_path):
    bad = _write(tmp_path, np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]]))
    out = tmp_path / "fixed.csv"
    code = main(["validate", bad, "--index-col", "--kind", "correlation", "--repair", "nearest",
                 "--out", str(out)])
    assert code == 0  # the written matrix is valid
    fixed = pd.read_csv(out, index_col=0)
    assert list(fixed.columns) == ["a", "b", "c"] and list(fixed.index) == ["a", "b", "c"]
    assert me.validate_covariance(fixed, kind="correlation").valid


def test_validate_repair_needs_out(tmp_path, capsys):
    bad = _write(tmp_path, np.array([[1.0, 2.0], [2.0, 1.0]]))
    assert main(["validate", bad, "--index-col", "--repair", "clip"]) == 2
    assert "--out" in capsys.readouterr().err


def test_fit_parquet(iris_path, tmp_path, capsys):
    frame = pd.read_csv(iris_path).iloc[:, :4]
    path = tmp_path / "iris.parquet"
    frame.to_parquet(path)
    assert main(["fit", str(path), "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(np.array(d["cov"]), np.cov(frame.to_numpy(), rowvar=False,
                                                          bias=True))


def test_unparseable_csv_is_exit_2(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\xff\xfe\x00garbage")
    assert main(["fit", str(path)]) == 2
    assert capsys.readouterr().err.startswith("mvn-estimate: error:")


def _matrix_file(tmp_path, m, name="m.csv"):
    labels = list("abcdef")[: len(m)]
    path = tmp_path / name
    pd.DataFrame(m, index=labels, columns=labels).to_csv(path)
    return str(path)


HIGHAM3 = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])


@pytest.mark.parametrize("repair", ["nearest", "clip"])
def test_repair_exits_0_when_the_written_matrix_is_valid(tmp_path, capsys, repair):
    bad = _matrix_file(tmp_path, HIGHAM3)
    out = tmp_path / "fixed.csv"
    code = main(["validate", bad, "--kind", "correlation", "--repair", repair, "--out",
                 str(out)])
    captured = capsys.readouterr()
    assert code == 0
    assert "INVALID" in captured.out and f"written to {out}: valid" in captured.out
    assert "changed the matrix by" in captured.err
    fixed = pd.read_csv(out, index_col=0)
    assert list(fixed.index) == list("abc") and list(fixed.columns) == list("abc")
    assert me.validate_covariance(fixed, kind="correlation").valid
    np.testing.assert_allclose(np.diag(fixed), 1.0)


def test_repair_keeps_the_input_row_order(tmp_path, capsys):
    m = pd.DataFrame(HIGHAM3, index=list("abc"), columns=list("abc")).loc[["c", "a", "b"]]
    path = tmp_path / "shuffled.csv"
    m.to_csv(path)
    out = tmp_path / "fixed.csv"
    assert main(["validate", str(path), "--kind", "correlation", "--repair", "nearest",
                 "--out", str(out)]) == 0
    fixed = pd.read_csv(out, index_col=0)
    assert list(fixed.index) == ["c", "a", "b"] and list(fixed.columns) == list("abc")
    assert fixed.loc["a", "b"] == pytest.approx(0.7607, abs=1e-4)


def test_out_without_repair_is_an_error(tmp_path, capsys):
    good = _matrix_file(tmp_path, np.eye(2))
    assert main(["validate", good, "--out", str(tmp_path / "x.csv")]) == 2
    assert "needs --repair" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_repair_without_out_fails_before_any_work(tmp_path, capsys):
    bad = _matrix_file(tmp_path, HIGHAM3)
    assert main(["validate", bad, "--repair", "nearest"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "--repair needs --out" in captured.err


def test_out_over_the_input_needs_force(tmp_path, capsys):
    bad = _matrix_file(tmp_path, HIGHAM3)
    before = Path(bad).read_text()
    assert main(["validate", bad, "--kind", "correlation", "--repair", "nearest", "--out",
                 bad]) == 2
    assert "--force" in capsys.readouterr().err and Path(bad).read_text() == before
    assert main(["validate", bad, "--kind", "correlation", "--repair", "nearest", "--out", bad,
                 "--force"]) == 0
    assert me.validate_covariance(pd.read_csv(bad, index_col=0), kind="correlation").valid


def test_invalid_matrix_without_repair_exits_1(tmp_path, capsys):
    assert main(["validate", _matrix_file(tmp_path, HIGHAM3), "--kind", "correlation"]) == 1
    assert "not positive definite" in capsys.readouterr().out
