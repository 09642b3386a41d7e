"""A catalogue of bad inputs to the command line.

Every error is exit code 2 and exactly one line on stderr, ``mvn-estimate: error: …``, in the
command line's own terms (``--missing drop``, never ``missing='drop'``, ``columns=[`` or a
Python argument name such as ``'data'``); ``validate`` exits 1 for an invalid matrix. Cases
are written as the command line *should* behave.
"""

from __future__ import annotations

import io
import re
import sys

import numpy as np
import pandas as pd
import pytest

from mvn_estimate.cli import main

PREFIX = "mvn-estimate: error:"
# API wording that must never reach a command-line user
PY_TERMS = ("missing='", "columns=[", "weights_kind='", "cov_type='", "Traceback", "ndarray",
            "codec", "'data'", "'columns'", "'M' argument", "'weights' argument",
            "'tol' argument", "'max_iter' argument", "mvn_estimate.")

_rng = np.random.default_rng(7)
_X = _rng.standard_normal((30, 3))


def _csv(frame: pd.DataFrame, **kw) -> bytes:
    return frame.to_csv(index=False, **kw).encode()


_OK = pd.DataFrame(_X, columns=["a", "b", "c"])
_NAN = _OK.copy()
_NAN.loc[3, "b"] = np.nan
_ALLNAN = pd.DataFrame({"a": [1.0, np.nan, 3.0, np.nan], "b": [np.nan, 2.0, np.nan, 4.0]})
_INF = _OK.copy()
_INF.loc[2, "c"] = np.inf


def _stray(token: str) -> pd.DataFrame:
    """Column b holds numbers but one stray token (data row 5)."""
    out = _OK.astype(object)
    out.loc[4, "b"] = token
    return out


def _late_dot() -> pd.DataFrame:
    """A stray token far below the rows read to decide the columns' kinds."""
    out = pd.DataFrame(np.random.default_rng(8).standard_normal((3000, 2)),
                       columns=["a", "b"]).astype(object)
    out.loc[2500, "b"] = "."
    return out


_ONCE = _OK.copy()
_ONCE.loc[1:, "c"] = np.nan

FILES: dict[str, bytes] = {
    "ok.csv": _csv(_OK),
    "mixed.csv": _csv(_OK.assign(s=["x", "y", "z"] * 10)),
    "nan.csv": _csv(_NAN),
    "allnan.csv": _csv(_ALLNAN),
    "inf.csv": _csv(_INF),
    "once.csv": _csv(_ONCE),
    "const.csv": _csv(_OK.assign(b=5.0)),
    "few.csv": _csv(_OK.iloc[:3]),
    "huge.csv": _csv(_OK * 1e300),
    "weights.csv": _csv(_OK.assign(w=1.0, wbool=[True, False] * 15, wtext=["p", "q"] * 15,
                                   wneg=[-1.0] + [1.0] * 29, wsum1=1 / 30)),
    "text.csv": b"name,city\nann,oslo\nbob,rome\n",
    "header_only.csv": b"a,b,c\n",
    "dup.csv": b"a,a,b\n1,2,3\n2,1,5\n4,5,1\n3,3,2\n",
    "empty.csv": b"",
    "blank.csv": b"\n   \n\n",
    "latin1.csv": "a,caf\u00e9\n1,2\n2,1\n4,5\n3,3\n".encode("latin-1"),
    "tailbad.csv": b"a,b\n1,2\n2,1\n4,5\n3,\xff\xfe\n",
    "bad.parquet": b"this is not a parquet file at all\n",
    "mat_ok.csv": b",a,b\na,1,0.5\nb,0.5,1\n",
    "mat_bad.csv": b",a,b\na,1,2\nb,2,1\n",
    "mat_text.csv": b"a,b\nx,y\nz,w\n",
    "mat_rows.csv": b",a,b\na,1,0\nq,0,1\n",
    "small_group.csv": _csv(_OK.assign(g=np.repeat([1, 2], [27, 3]))),
    "dot.csv": _csv(_stray("."), na_rep=""),
    "formula.csv": _csv(_stray("=cmd|' /C calc'!A0")),
    "naish.csv": _csv(_stray("N/A?")),
    "digits.csv": _csv(_stray("9" * 10_000 + "x")),
    "late_dot.csv": _csv(_late_dot()),
}


@pytest.fixture
def folder(tmp_path):
    for name, content in FILES.items():
        (tmp_path / name).write_bytes(content)
    return tmp_path


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code if isinstance(exc.code, int) else 2
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rx(*parts: str, forbid: tuple[str, ...] = ()) -> str:
    pos = "".join(f"(?=.*{re.escape(p)})" for p in parts)
    neg = "".join(f"(?!.*{re.escape(f)})" for f in (*PY_TERMS, *forbid))
    return rf"(?s)\A{pos}{neg}"


def case(id_: str, argv: str, *parts: str, code: int = 2, forbid: tuple[str, ...] = ()):
    """``argv`` is split on '|'; ``{d}`` is the folder holding FILES."""
    return pytest.param(argv.split("|"), code, rx(*parts, forbid=forbid), id=id_)


CASES = [
    # ---------------------------------------------------------------- unreadable files
    case("fit-missing-file", "fit|{d}/none.csv", "none.csv", "no such file"),
    case("fit-missing-parquet-file", "fit|{d}/none.parquet", "none.parquet", "no such file"),
    case("fit-empty-file", "fit|{d}/empty.csv", "empty.csv", "empty"),
    case("fit-whitespace-only-file", "fit|{d}/blank.csv", "blank.csv", "empty"),
    case("fit-header-only", "fit|{d}/header_only.csv", "0 row"),
    case("fit-not-utf8-header", "fit|{d}/latin1.csv", "latin1.csv", "not UTF-8"),
    case("fit-not-utf8-last-line", "fit|{d}/tailbad.csv", "tailbad.csv", "not UTF-8"),
    case("fit-duplicated-headers", "fit|{d}/dup.csv", "dup.csv", "duplicated", "a"),
    case("validate-duplicated-headers", "validate|{d}/dup.csv", "dup.csv", "duplicated"),
    case("fit-corrupt-parquet", "fit|{d}/bad.parquet", "bad.parquet", "Parquet"),
    case("fit-no-numeric-column", "fit|{d}/text.csv", "no numeric column", "name"),
    case("fit-index-col-absent", "fit|{d}/ok.csv|--index-col|zz", "zz", "row labels"),
    case("fit-index-col-out-of-range", "fit|{d}/ok.csv|--index-col|9", "9", "does not exist"),
    # ------------------------------------------------------------------------ --columns
    case("fit-columns-empty", "fit|{d}/ok.csv|--columns|", "--columns", "''"),
    case("fit-columns-only-commas", "fit|{d}/ok.csv|--columns| , ", "--columns", "' , '"),
    case("fit-columns-empty-item", "fit|{d}/ok.csv|--columns|a,,b", "--columns", "a,,b"),
    case("fit-columns-absent", "fit|{d}/ok.csv|--columns|a,zz", "--columns", "zz",
         "ok.csv"),
    case("fit-columns-repeated", "fit|{d}/ok.csv|--columns|a,a", "--columns", "repeats"),
    case("fit-columns-text-column", "fit|{d}/mixed.csv|--columns|a,s", "'s'", "--columns"),
    # ------------------------------------------------------------------ choice options
    case("fit-missing-bogus", "fit|{d}/ok.csv|--missing|bogus", "--missing", "'bogus'",
         "invalid choice"),
    case("fit-cov-type-bogus", "fit|{d}/ok.csv|--cov-type|sandwich", "--cov-type",
         "'sandwich'"),
    case("fit-weights-kind-bogus", "fit|{d}/ok.csv|--weights-kind|relative", "--weights-kind",
         "'relative'"),
    case("fit-information-bogus", "fit|{d}/ok.csv|--information|fisher", "--information",
         "'fisher'"),
    case("fit-format-bogus", "fit|{d}/ok.csv|--format|xml", "--format", "'xml'"),
    case("fit-decimal-bogus", "fit|{d}/ok.csv|--decimal|;", "--decimal", "';'"),
    # ------------------------------------------------------------- --tol / --max-iter
    case("fit-max-iter-zero", "fit|{d}/nan.csv|--missing|em|--max-iter|0", "--max-iter",
         "got 0"),
    case("fit-max-iter-negative", "fit|{d}/nan.csv|--missing|em|--max-iter|-3", "--max-iter",
         "-3"),
    case("fit-max-iter-float", "fit|{d}/nan.csv|--missing|em|--max-iter|1.5", "--max-iter",
         "'1.5'"),
    case("fit-max-iter-text", "fit|{d}/nan.csv|--missing|em|--max-iter|many", "--max-iter",
         "'many'"),
    case("fit-tol-negative", "fit|{d}/nan.csv|--missing|em|--tol|-1", "--tol", "-1"),
    case("fit-tol-zero", "fit|{d}/nan.csv|--missing|em|--tol|0", "--tol", "got 0"),
    case("fit-tol-two", "fit|{d}/nan.csv|--missing|em|--tol|2", "--tol", "2"),
    case("fit-tol-nan", "fit|{d}/nan.csv|--missing|em|--tol|nan", "--tol", "nan"),
    case("fit-tol-inf", "fit|{d}/nan.csv|--missing|em|--tol|inf", "--tol", "inf"),
    case("fit-tol-text", "fit|{d}/nan.csv|--missing|em|--tol|small", "--tol", "'small'"),
    case("fit-tol-without-em", "fit|{d}/ok.csv|--tol|1e-6", "--tol", "--missing em",
         "--missing raise"),
    case("fit-max-iter-without-em", "fit|{d}/ok.csv|--max-iter|5", "--max-iter",
         "--missing em"),
    case("fit-tol-with-drop", "fit|{d}/nan.csv|--missing|drop|--tol|1e-6", "--tol",
         "--missing drop"),
    # ----------------------------------------------------------------------- --weights
    case("fit-weights-absent-column", "fit|{d}/ok.csv|--weights|zz", "--weights", "zz"),
    case("fit-weights-also-in-columns", "fit|{d}/weights.csv|--weights|w|--columns|a,w",
         "'w'", "--columns"),
    case("fit-weights-bool-column", "fit|{d}/weights.csv|--weights|wbool|--columns|a,b,c",
         "wbool", "bool"),
    case("fit-weights-text-column", "fit|{d}/weights.csv|--weights|wtext|--columns|a,b,c",
         "wtext", "real numbers"),
    case("fit-weights-negative", "fit|{d}/weights.csv|--weights|wneg|--columns|a,b,c",
         "--weights", "non-negative", "-1"),
    case("fit-weights-sum-to-one", "fit|{d}/weights.csv|--weights|wsum1|--columns|a,b,c",
         "--weights-kind analytic", "sum to 1"),
    # ------------------------------------------------------------------- bad data
    case("fit-nan-default-missing", "fit|{d}/nan.csv", "--missing drop", "--missing em",
         "'b': 1"),
    case("fit-drop-leaves-no-rows", "fit|{d}/allnan.csv|--missing|drop", "--missing drop",
         "all 4 rows"),
    case("fit-inf-value", "fit|{d}/inf.csv", "infinite", "'c'"),
    case("fit-constant-column", "fit|{d}/const.csv", "constant", "'b'"),
    case("fit-too-few-rows", "fit|{d}/few.csv", "n = 3"),
    case("fit-1e300-spread", "fit|{d}/huge.csv", "overflow", forbid=("'cov'",)),
    case("fit-em-column-observed-once", "fit|{d}/once.csv|--missing|em", "'c'"),
    # ----------------------------------------------------------------------- validate
    case("validate-out-without-repair", "validate|{d}/mat_ok.csv|--out|{d}/x.csv", "--out",
         "--repair"),
    case("validate-repair-without-out", "validate|{d}/mat_ok.csv|--repair|nearest",
         "--repair", "--out"),
    case("validate-out-is-input", "validate|{d}/mat_bad.csv|--index-col|--repair|nearest|"
         "--out|{d}/mat_bad.csv", "--force", "overwrite"),
    case("validate-kind-bogus", "validate|{d}/mat_ok.csv|--kind|corr", "--kind", "'corr'"),
    case("validate-repair-bogus", "validate|{d}/mat_ok.csv|--repair|fix|--out|{d}/x.csv",
         "--repair", "'fix'"),
    case("validate-missing-file", "validate|{d}/none.csv", "none.csv", "no such file"),
    case("validate-text-matrix", "validate|{d}/mat_text.csv", "mat_text.csv", "numbers"),
    case("validate-row-labels-not-column-labels", "validate|{d}/mat_rows.csv|--index-col",
         "row labels", "'q'"),
    # ------------------------------------------------------------------ command usage
    # ------------------------------------------- mostly-numeric columns, --na-values, --by
    case("fit-stray-dot", "fit|{d}/dot.csv", "'b'", "data row 5", "'.'", "--na-values .",
         "--columns a,c"),
    case("fit-stray-formula", "fit|{d}/formula.csv", "'b'", "data row 5", "=cmd",
         "--na-values '=cmd", "--columns a,c"),
    case("fit-stray-na-ish", "fit|{d}/naish.csv", "'b'", "'N/A?'", "--na-values 'N/A?'"),
    case("fit-stray-10000-digit-field", "fit|{d}/digits.csv", "'b'", "10001 characters",
         "--columns a,c", forbid=("--na-values",)),
    case("fit-stray-beyond-the-sniffed-rows", "fit|{d}/late_dot.csv", "'.'", "'b'",
         "--na-values .", "--columns a"),
    case("fit-na-values-empty-item", "fit|{d}/dot.csv|--na-values|.,", "--na-values", "'.,'"),
    case("fit-by-group-too-small", "fit|{d}/small_group.csv|--by|g",
         "In group g = 2 (3 rows; one of 2 groups)", "--structure diagonal",
         "--shrinkage ledoit-wolf", forbid=("structure=", "shrinkage=")),
    case("fit-by-also-in-columns", "fit|{d}/small_group.csv|--by|g|--columns|a,g", "--by",
         "--columns", "'g'"),
    case("fit-by-absent-column", "fit|{d}/small_group.csv|--by|zz", "--by", "'zz'"),
    case("fit-structure-bogus", "fit|{d}/ok.csv|--structure|toeplitz", "--structure",
         "'toeplitz'"),
    case("fit-shrinkage-bogus", "fit|{d}/ok.csv|--shrinkage|james-stein", "--shrinkage",
         "'james-stein'"),
    # -------------------------------------------------------------------------- regress
    case("regress-without-y", "regress|{d}/ok.csv|--x|a", "--y", "required"),
    case("regress-y-empty-item", "regress|{d}/ok.csv|--y|a,,b|--x|c", "--y", "a,,b"),
    case("regress-unknown-column", "regress|{d}/ok.csv|--y|a|--x|zz", "'zz'", "ok.csv"),
    case("regress-column-in-both", "regress|{d}/ok.csv|--y|a,b|--x|b", "--y", "'b'", "both"),
    case("regress-em-missing-regressor", "regress|{d}/nan.csv|--y|a|--x|b|--missing|em",
         "--x", "'b'", "missing", "--random-x"),
    case("regress-nan-default", "regress|{d}/nan.csv|--y|a|--x|b", "--missing drop"),
    # ---------------------------------------------------------------------- subcommands
    case("no-subcommand", "", "required"),
    case("unknown-subcommand", "frobnicate", "invalid choice", "'frobnicate'"),
    case("fit-without-file", "fit", "required", "file"),
]


@pytest.mark.parametrize(("argv", "code", "match"), CASES)
def test_cli_error(folder, capsys, argv, code, match):
    argv = [] if argv == [""] else [a.replace("{d}", str(folder)) for a in argv]
    got, _, err = run(argv, capsys)
    lines = err.splitlines()
    assert got == code, f"exit {got}, stderr {err!r}"
    assert len(lines) == 1, f"stderr is not one line: {err!r}"
    assert lines[0].startswith(f"{PREFIX} "), lines[0]
    assert re.search(match, lines[0]), f"{lines[0]!r} !~ {match!r}"


def test_cli_catalogue_size():
    assert len(CASES) >= 40
    assert len({p.id for p in CASES}) == len(CASES)


def test_stdin_empty(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    code, _, err = run(["fit", "-"], capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(PREFIX)
    assert "<stdin>" in err and "empty" in err


def test_validate_invalid_matrix_exits_1(folder, capsys):
    code, out, err = run(["validate", str(folder / "mat_bad.csv"), "--index-col"], capsys)
    assert code == 1
    assert "INVALID" in out and "not positive definite" in out
    assert err == ""


def test_validate_valid_matrix_exits_0(folder, capsys):
    code, out, err = run(["validate", str(folder / "mat_ok.csv"), "--index-col"], capsys)
    assert code == 0
    assert "valid" in out and "INVALID" not in out
    assert err == ""


def test_out_equal_to_input_is_not_overwritten(folder, capsys):
    path = folder / "mat_bad.csv"
    before = path.read_bytes()
    code, _, _ = run(["validate", str(path), "--index-col", "--repair", "nearest", "--out",
                      str(path)], capsys)
    assert code == 2
    assert path.read_bytes() == before


def test_failed_fit_leaves_file_unchanged(folder, capsys):
    path = folder / "nan.csv"
    before = path.read_bytes()
    code, _, _ = run(["fit", str(path)], capsys)
    assert code == 2
    assert path.read_bytes() == before
