"""The command line on files as people have them."""

import io
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import mvn_estimate as me
from mvn_estimate.cli import build_parser, main

COLS = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]


@pytest.fixture
def iris():
    return pd.read_csv("data/iris.csv")


def _fit_json(args, capsys):
    code = main(["fit", *args, "--format", "json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else None), captured.err


def test_pandas_to_csv_index_column_is_row_labels(iris, tmp_path, capsys):
    path = tmp_path / "iris.csv"
    iris[COLS].to_csv(path)  # writes the index as a first column with an empty header
    code, out, err = _fit_json([str(path)], capsys)
    assert code == 0 and out["names"] == COLS
    assert "first column" in err and "row labels" in err
    np.testing.assert_allclose(out["cov"], me.fit(iris[COLS]).cov.to_numpy(), rtol=1e-12)
    code, out, _ = _fit_json([str(path), "--no-index-col"], capsys)
    assert code == 0 and out["names"][0] == "Unnamed: 0"


def test_r_write_csv_with_quoted_row_names(tmp_path, capsys):
    path = tmp_path / "r.csv"
    path.write_text('"","a","b"\n"1",1.5,2\n"2",2.5,1\n"3",4,5\n"4",3,3.5\n')
    code, out, _ = _fit_json([str(path)], capsys)
    assert code == 0 and out["names"] == ["a", "b"]
    assert out["mean"] == {"a": 2.75, "b": 2.875}


def test_semicolon_and_decimal_comma(iris, tmp_path, capsys):
    path = tmp_path / "eu.csv"
    iris[COLS].to_csv(path, sep=";", decimal=",", index=False)
    code, out, err = _fit_json([str(path)], capsys)
    assert code == 0 and out["names"] == COLS
    assert "separator ';'" in err and "decimal commas" in err
    np.testing.assert_allclose(out["mean"]["Petal.Length"], iris["Petal.Length"].mean(),
                               rtol=1e-12)


def test_tab_separated_and_explicit_options(iris, tmp_path, capsys):
    path = tmp_path / "iris.tsv"
    iris[COLS].to_csv(path, sep="\t", index=False)
    code, out, _ = _fit_json([str(path)], capsys)
    assert code == 0 and out["names"] == COLS
    code, out, _ = _fit_json([str(path), "--sep", "\t", "--decimal", "."], capsys)
    assert code == 0 and out["names"] == COLS


def test_standard_input(iris, monkeypatch, capsys):
    data = iris[COLS].to_csv(index=False).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = _fit_json(["-"], capsys)
    assert code == 0 and out["nobs"] == 150.0


def test_duplicated_headers_are_refused(tmp_path, capsys):
    path = tmp_path / "dup.csv"
    path.write_text("a,a,b\n1,2,3\n4,5,7\n2,2,2\n0,1,1\n")
    assert main(["fit", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "duplicated column names ['a']" in err


def test_corrupt_parquet_is_one_line(tmp_path, capsys):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    assert main(["fit", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("mvn-estimate: error: cannot read")
    assert "Traceback" not in err


def test_messages_speak_command_line(tmp_path, capsys):
    path = tmp_path / "na.csv"
    path.write_text("a,b\n1,2\n,3\n2,5\n4,4\n3,1\n")
    assert main(["fit", str(path)]) == 2
    err = capsys.readouterr().err
    assert "--missing drop" in err and "--missing em" in err and "missing=" not in err


def test_em_options_reach_the_fit(tmp_path, capsys):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((80, 3))
    x[rng.random(x.shape) < 0.2] = np.nan
    path = tmp_path / "m.csv"
    pd.DataFrame(x, columns=list("abc")).to_csv(path, index=False)
    code, out, err = _fit_json([str(path), "--missing", "em", "--max-iter", "2"], capsys)
    assert code == 0 and out["em"]["iterations"] == 2 and not out["em"]["converged"]
    assert "--max-iter 2" in err
    code, out, _ = _fit_json([str(path), "--missing", "em", "--tol", "1e-4"], capsys)
    assert code == 0 and out["em"]["converged"]


def test_empty_columns_option_is_an_error(iris, tmp_path, capsys):
    path = tmp_path / "i.csv"
    iris.to_csv(path, index=False)
    assert main(["fit", str(path), "--columns", ""]) == 2
    assert "--columns needs comma-separated column names" in capsys.readouterr().err


def test_every_option_has_help_and_version(capsys):
    parser = build_parser()
    subs = next(a for a in parser._actions if a.dest == "command").choices
    for sub in subs.values():
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, f"{sub.prog} {action.dest} has no help text"
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and me.__version__ in capsys.readouterr().out


def test_argparse_errors_are_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        main(["fit", "x.csv", "--missing", "bogus"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("mvn-estimate: error: argument --missing")


def test_closed_pipe_ends_quietly(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "wide.csv"
    pd.DataFrame(rng.standard_normal((200, 60))).add_prefix("v").to_csv(path, index=False)
    proc = subprocess.Popen([sys.executable, "-m", "mvn_estimate", "fit", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`: the summary is far larger than the pipe's buffer
    err = proc.stderr.read().decode()
    assert proc.wait() == 141
    assert err == ""


def test_fit_by_group_prints_box_m_and_manova(capsys):
    assert main(["fit", "data/iris.csv", "--by", "Species"]) == 0
    out = capsys.readouterr().out
    assert "Species = 'setosa'" in out and "Box's M" in out and "Wilks" in out
    assert main(["fit", "data/iris.csv", "--by", "Species", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["by"] == "Species" and set(d["groups"]) == {"setosa", "versicolor", "virginica"}
    assert d["groups"]["setosa"]["names"] == COLS


@pytest.mark.parametrize("kind", ["qq", "ellipses", "corr"])
def test_fit_writes_a_plot(tmp_path, capsys, kind):
    out = tmp_path / f"{kind}.png"
    code = main(["fit", "data/iris.csv", "--by", "Species", "--plot", str(out), "--plot-kind",
                 kind])
    assert code == 0 and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000
    assert f"{kind} plot written to" in capsys.readouterr().err


def test_cli_grouped_tests_follow_the_missing_policy(tmp_path, capsys, rng):
    frame = pd.DataFrame(rng.normal(size=(90, 3)), columns=list("abc"))
    frame["g"] = np.repeat(["x", "y", "z"], 30)
    frame.loc[[3, 40, 70], "b"] = np.nan
    path = tmp_path / "groups.csv"
    frame.to_csv(path, index=False)
    assert main(["fit", str(path), "--by", "g", "--missing", "drop"]) == 0
    out = capsys.readouterr().out
    assert "Box's M" in out and "Wilks" in out
    assert main(["fit", str(path), "--by", "g", "--missing", "em"]) == 0
    captured = capsys.readouterr()
    assert "g = 'x'" in captured.out and "Box's M" not in captured.out
    assert "Box's M and MANOVA not run" in captured.err and "--missing em" in captured.err


def test_cli_robust_em_reads_into_memory(tmp_path, capsys):
    code, out, _ = _fit_json(["data/airquality.csv", "--columns", "Ozone,Solar.R,Wind,Temp",
                              "--missing", "em", "--cov-type", "robust"], capsys)
    want = me.fit(pd.read_csv("data/airquality.csv"), columns=["Ozone", "Solar.R", "Wind",
                                                                "Temp"],
                  missing="em", cov_type="robust")
    assert code == 0
    np.testing.assert_allclose(list(out["std_errors"].values()), want.std_errors.to_numpy(),
                               rtol=1e-10)


def test_cli_parquet_with_an_index_and_on_standard_input(tmp_path, capsys, monkeypatch, iris):
    subset = iris.loc[iris["Sepal.Length"] > 5, COLS]  # a non-range index, stored by pyarrow
    path = tmp_path / "sub.parquet"
    subset.to_parquet(path)
    code, out, _ = _fit_json([str(path)], capsys)
    assert code == 0 and out["names"] == COLS
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    code, piped, _ = _fit_json(["-"], capsys)
    assert code == 0 and piped["mean"] == out["mean"]


def test_cli_bad_separator_is_one_line(capsys):
    assert main(["fit", "data/iris.csv", "--sep", ",,"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sep" in err and "one character" in err


@pytest.mark.parametrize("rows", [30, 3000])  # within and beyond the rows read to sniff kinds
def test_na_values_declares_tokens_missing(tmp_path, capsys, rows):
    rng = np.random.default_rng(2)
    x = pd.DataFrame(rng.standard_normal((rows, 3)), columns=list("abc"))
    x.iloc[rows - 5, 1], x.iloc[2, 2] = np.nan, np.nan
    text = x.astype(object).where(x.notna(), None)
    text.iloc[rows - 5, 1], text.iloc[2, 2] = ".", "-99"
    path = tmp_path / "tokens.csv"
    text.to_csv(path, index=False)
    code, out, err = _fit_json([str(path), "--na-values", ".,-99", "--missing", "em"], capsys)
    assert code == 0, err
    expected = me.fit(x, missing="em")
    np.testing.assert_allclose(out["loglike"], expected.loglike, rtol=1e-10)
    api = me.fit_file(str(path), na_values=[".", "-99"], missing="em", progress=False)
    np.testing.assert_allclose(api.cov.to_numpy(), expected.cov.to_numpy(), rtol=1e-9)
    frame, _ = me.io.read_table(str(path), na_values=[".", "-99"])
    pd.testing.assert_frame_equal(frame, x)


def test_a_column_of_text_is_skipped_but_a_column_of_numbers_is_not(tmp_path, capsys):
    x = pd.DataFrame(np.random.default_rng(3).standard_normal((40, 2)), columns=["a", "b"])
    x.insert(0, "id", [f"p{i:03d}" for i in range(40)])
    path = tmp_path / "ids.csv"
    x.to_csv(path, index=False)
    code, out, err = _fit_json([str(path)], capsys)
    assert code == 0 and "skipped non-numeric columns ['id']" in err
    np.testing.assert_allclose(out["loglike"], me.fit(x[["a", "b"]]).loglike, rtol=1e-12)
    x = x.astype({"a": object})
    x.loc[7, "a"] = "n.a."
    x.to_csv(path, index=False)
    code, out, err = _fit_json([str(path)], capsys)
    assert code == 2 and out is None
    assert "data row 8" in err and "'n.a.'" in err and "--columns b" in err


def test_na_values_must_be_strings(tmp_path):
    path = tmp_path / "x.csv"
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 1.0, 0.0]}).to_csv(path, index=False)
    with pytest.raises(me.exceptions.FileFormatError, match=r"'na_values'.*-99"):
        me.fit_file(str(path), na_values=[-99])


def test_structure_and_shrinkage_reach_the_fit(iris, capsys):
    code, out, _ = _fit_json(["data/iris.csv", "--structure", "ar1"], capsys)
    assert code == 0
    np.testing.assert_allclose(out["loglike"], me.fit(iris[COLS], structure="ar1").loglike,
                               rtol=1e-10)
    code, out, _ = _fit_json(["data/iris.csv", "--shrinkage", "oas"], capsys)
    assert code == 0
    expected = me.shrink_covariance(iris[COLS], method="oas")
    np.testing.assert_allclose(np.array(out["cov"]), expected.cov.to_numpy(), rtol=1e-10)


def test_regress_on_the_command_line_equals_the_api(capsys, tmp_path):
    air = pd.read_csv("data/airquality.csv")
    args = ["regress", "data/airquality.csv", "--y", "Ozone,Solar.R", "--x", "Wind,Temp",
            "--missing", "em", "--format", "json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    api = me.regress(air, y=["Ozone", "Solar.R"], x=["Wind", "Temp"], missing="em")
    assert out["params"] == pytest.approx(api.params.to_dict(), rel=1e-10)
    assert main(["regress", "data/iris.csv", "--y", "Sepal.Length,Sepal.Width", "--x",
                 "Petal.Length,Petal.Width", "--small-sample"]) == 0
    text = capsys.readouterr().out
    assert "Multivariate tests of each regressor" in text and "Pillai" in text
    assert "t(147)" in text
    path = tmp_path / "air.csv"
    air.to_csv(path, index=False)
    assert main(["regress", str(path), "--y", "Ozone", "--x", "Wind,Temp", "--missing", "em",
                 "--cov-type", "robust", "--format", "json"]) == 0  # robust EM: in memory
    robust = json.loads(capsys.readouterr().out)
    want = me.regress(air, y="Ozone", x=["Wind", "Temp"], missing="em", cov_type="robust")
    assert robust["std_errors"] == pytest.approx(want.std_errors.to_dict(), rel=1e-8)
