"""Command line: ``mvn-estimate fit FILE`` and ``mvn-estimate validate FILE``.

Thin by design: parse arguments, read the file (``mvn_estimate.data`` readers), call the
public API, print. Every error — a package error, an unreadable file, a bad argument — is one
line on stderr in the command line's own terms (``--missing drop``, not ``missing='drop'``)
and exit code 2. A closed output pipe (``mvn-estimate fit … | head``) ends quietly.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd

import mvn_estimate as me
from mvn_estimate.io import open_table, read_table, spool_stdin
from mvn_estimate.options import choices

__all__ = ["CliTerms", "build_parser", "main"]

EXIT_PIPE = 141
"""Exit code after the reader closed the output pipe (128 + SIGPIPE, as Unix tools do)."""

_FLAGS = {"missing": "--missing", "cov_type": "--cov-type", "weights": "--weights",
          "weights_kind": "--weights-kind", "information": "--information", "tol": "--tol",
          "max_iter": "--max-iter", "columns": "--columns", "kind": "--kind", "by": "--by",
          "sep": "--sep", "decimal": "--decimal", "index_col": "--index-col",
          "repair": "--repair", "na_values": "--na-values", "structure": "--structure",
          "shrinkage": "--shrinkage", "y": "--y", "x": "--x",
          "small_sample": "--small-sample", "random_x": "--random-x",
          "equal": "--equal"}


class _UsageError(Exception):
    """A bad combination of command-line arguments."""


class CliTerms(me.exceptions.FileTerms):
    """The command line's terms: ``--missing drop`` for ``missing='drop'``, the data (or
    matrix) in the file for the ``data`` (``M``) argument.

    Examples
    --------
    >>> from mvn_estimate.exceptions import render, setting
    >>> render(f"Pass {setting('missing', 'drop')}.", CliTerms("x.csv"))
    'Pass --missing drop.'
    """

    def argument(self, name: str) -> str:
        if name in ("data", "M"):
            return f"The {'data' if name == 'data' else 'matrix'} in '{self.file}'"
        flag = _FLAGS.get(name)
        return f"The {flag} option" if flag else super().argument(name)

    def reference(self, name: str) -> str:
        if name in ("data", "M"):
            return f"'{self.file}'"
        return _FLAGS.get(name) or super().reference(name)

    def setting(self, name: str, value: Any) -> str:
        flag = _FLAGS.get(name)
        if flag is None:
            return super().setting(name, value)
        if isinstance(value, list | tuple):
            return f"{flag} {','.join(map(str, value))}"
        if isinstance(value, bool):  # a switch
            return flag if value else f"no {flag}"
        return f"{flag} {value}"


def _message(exc: BaseException | Warning | str, file: str) -> str:
    """An error or warning as one line in the command line's terms."""
    render = getattr(exc, "render", None)
    text = render(CliTerms(file)) if render is not None else str(exc)
    return " ".join(text.split())


def _warn_lines(caught: list[warnings.WarningMessage], file: str) -> None:
    for w in caught:
        print(f"mvn-estimate: warning: {_message(w.message, file)}", file=sys.stderr)


def _note(text: str) -> None:
    print(f"mvn-estimate: note: {text}", file=sys.stderr)


def _index_col(args: argparse.Namespace) -> Any:
    if args.no_index_col:
        return None
    if args.index_col is None:
        return "auto"
    return int(args.index_col) if str(args.index_col).isdigit() else args.index_col


def _na_values(args: argparse.Namespace) -> list[str] | None:
    if args.na_values is None:
        return None
    tokens = [t.strip() for t in args.na_values.split(",")]
    if not all(tokens):
        raise _UsageError(f"--na-values needs comma-separated cell values; got "
                          f"{args.na_values!r}")
    return tokens


def _read(args: argparse.Namespace) -> pd.DataFrame:
    frame, notes = read_table(args.file, sep=args.sep, decimal=args.decimal,
                              index_col=_index_col(args), na_values=_na_values(args))
    for text in notes:
        _note(text)
    if frame.shape[0] == 0:
        raise _UsageError(f"'{args.file}' has a header but no data rows (0 rows to fit)")
    return frame


def _numeric(frame: pd.DataFrame) -> list[Any]:
    return [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c])]


def _stray(sample: pd.DataFrame, column: Any) -> tuple[int, str] | None:
    """For a column read as text whose cells are mostly numbers: the first row (1-based)
    and value that is not a number; None for a column of text (labels, IDs)."""
    cells = sample[column]
    present = np.flatnonzero(cells.notna().to_numpy())
    text = cells.iloc[present].astype(str).str.strip()
    numbers = pd.to_numeric(text, errors="coerce").notna().to_numpy()
    if not present.size or numbers.mean() < 0.5:
        return None
    first = int(np.flatnonzero(~numbers)[0]) if not numbers.all() else 0
    return int(present[first]) + 1, str(text.iloc[first])


def _stray_advice(args: argparse.Namespace, column: Any, row: int, token: str,
                  numeric: list[Any]) -> str:
    """Stop on a stray token: name it, and suggest what fits (a short token may mark missing
    values; a quoted shell word so that the suggestion can be pasted)."""
    shown = repr(token) if len(token) <= 40 else f"{token[:40]!r}… ({len(token)} characters)"
    keep = ",".join(str(c) for c in numeric)
    advice = [f"if that marks a missing value, pass --na-values {shlex.quote(token)}"] \
        if len(token) <= 40 and "," not in token else []
    advice.append(f"to leave the column out, pass --columns {shlex.quote(keep)}" if keep else
                  "to leave the column out, list the columns to fit with --columns")
    return (f"column {column!r} of '{args.file}' holds numbers but data row {row} (line {row + 1}) "
            f"holds {shown}: "
            f"{'; '.join(advice)}")


def _columns(args: argparse.Namespace, sample: pd.DataFrame) -> list[Any]:
    """The columns to fit: those named by --columns, or every numeric one (a text column of
    labels or IDs is skipped with a note; a column of numbers with a stray token stops)."""
    if args.columns is not None:
        chosen = [c.strip() for c in args.columns.split(",")]
        if not args.columns.strip() or any(not c for c in chosen):
            raise _UsageError(f"--columns needs comma-separated column names; got "
                              f"{args.columns!r}")
        return chosen
    names, numeric_names = list(sample.columns), _numeric(sample)
    candidates = [c for c in names if c not in (args.weights, args.by)]
    numeric = [c for c in candidates if c in numeric_names]
    skipped = [c for c in candidates if c not in numeric]
    for column in skipped:
        stray = _stray(sample, column)
        if stray is not None:
            raise _UsageError(_stray_advice(args, column, *stray, numeric))
    if not numeric:
        raise _UsageError(f"'{args.file}' has no numeric column to fit; its columns are "
                          f"{list(names)[:20]}")
    if skipped:
        _note(f"skipped non-numeric columns {skipped}; fitting {numeric} (choose with "
              "--columns)")
    return numeric


def _fit_memory(args: argparse.Namespace) -> Any:
    """``--by`` (Box's M, MANOVA), ``--plot`` and ``--shrinkage`` need the rows: read the file
    into memory and fit."""
    frame = _read(args)
    columns = _columns(args, frame)
    return me.fit(frame, columns=columns, missing=args.missing, cov_type=args.cov_type,
                  weights=args.weights, weights_kind=args.weights_kind,
                  information=args.information, tol=args.tol, max_iter=args.max_iter,
                  by=args.by, structure=args.structure, shrinkage=args.shrinkage,
                  equal=_listed(args.equal))


def _fit_streamed(args: argparse.Namespace, path: str) -> Any:
    """Stream the file in chunks: memory flat in its length."""
    name = "<stdin>" if args.file == "-" else args.file
    table, notes = open_table(path, sep=args.sep, decimal=args.decimal,
                              index_col=_index_col(args), name=name,
                              na_values=_na_values(args))
    for text in notes:
        _note(text)
    if table.nrows == 0:
        raise _UsageError(f"'{name}' has a header but no data rows (0 rows to fit)")
    columns = _columns(args, table.sample)
    return me.fit_file(table, columns=columns, missing=args.missing, cov_type=args.cov_type,
                     weights=args.weights, weights_kind=args.weights_kind,
                     information=args.information, tol=args.tol, max_iter=args.max_iter,
                     structure=args.structure)


def _listed(text: str | None) -> list[str] | None:
    """A comma-separated option as a list (None when not given)."""
    return None if text is None else [t.strip() for t in text.split(",")]


def _fit_any(args: argparse.Namespace) -> Any:
    streams = me.FitSpec.of(missing=args.missing, cov_type=args.cov_type,
                            information=args.information, tol=args.tol,
                            max_iter=args.max_iter, structure=args.structure,
                            shrinkage=args.shrinkage, equal=_listed(args.equal),
                            grouped=args.by is not None).streams
    if args.by is not None or args.plot or not streams:
        return _fit_memory(args)
    if args.file != "-":
        return _fit_streamed(args, args.file)
    with tempfile.TemporaryDirectory(prefix="mvn-estimate-") as folder:
        return _fit_streamed(args, spool_stdin(folder))


def _fit(args: argparse.Namespace) -> int:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", me.exceptions.MVNEstimateWarning)
        result = _fit_any(args)
    _warn_lines(caught, args.file)
    tests = _group_tests(result, args) if args.format == "text" else ""
    if args.plot:
        _plot(result, args)
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result.summary() + tests)
    return 0


def _labels(text: str, flag: str) -> list[str]:
    names = [c.strip() for c in text.split(",")]
    if not text.strip() or not all(names):
        raise _UsageError(f"{flag} needs comma-separated column names; got {text!r}")
    return names


def _regress_source(args: argparse.Namespace, folder: str) -> Any:
    """The table to stream, or the rows in memory when the standard errors need them."""
    streams = me.FitSpec.of(missing=args.missing, cov_type=args.cov_type,
                            information=args.information, tol=args.tol,
                            max_iter=args.max_iter).streams
    if not streams:
        return _read(args)
    path = spool_stdin(folder) if args.file == "-" else args.file
    table, notes = open_table(path, sep=args.sep, decimal=args.decimal,
                              index_col=_index_col(args), na_values=_na_values(args),
                              name="<stdin>" if args.file == "-" else args.file)
    for text in notes:
        _note(text)
    return table


def _regress(args: argparse.Namespace) -> int:
    y, x = _labels(args.y, "--y"), _labels(args.x, "--x")
    with warnings.catch_warnings(record=True) as caught, \
            tempfile.TemporaryDirectory(prefix="mvn-estimate-") as folder:
        warnings.simplefilter("always", me.exceptions.MVNEstimateWarning)
        result = me.regress(_regress_source(args, folder), y=y, x=x, missing=args.missing,
                            weights=args.weights, weights_kind=args.weights_kind,
                            cov_type=args.cov_type, small_sample=args.small_sample,
                            random_x=args.random_x, information=args.information,
                            tol=args.tol, max_iter=args.max_iter)
    _warn_lines(caught, args.file)
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
        return 0
    tests = "" if result.tests is None else \
        "\n\nMultivariate tests of each regressor (type III):\n" + result.mv_test().to_string()
    print(result.summary() + tests)
    return 0


def _group_tests(result: Any, args: argparse.Namespace) -> str:
    """Box's M and the MANOVA of a grouped fit (made before anything is printed)."""
    if not isinstance(result, me.GroupedResult):
        return ""
    try:
        return f"\n\n{result.box_m_test()}\n\n{result.manova()}"
    except me.exceptions.InvalidOptionError as exc:
        _note(f"Box's M and MANOVA not run: {_message(exc, args.file)}")
        return ""


def _plot(result: Any, args: argparse.Namespace) -> None:
    figure = {"qq": result.plot_qq, "ellipses": result.plot_ellipses,
              "corr": result.plot_corr}[args.plot_kind]()
    try:
        figure.savefig(args.plot, dpi=120)
    except (OSError, ValueError) as exc:
        raise _UsageError(f"cannot write the plot to '{args.plot}': {exc}") from exc
    _note(f"{args.plot_kind} plot written to {args.plot}")


def _validate(args: argparse.Namespace) -> int:
    if args.repair is not None and not args.out:
        raise _UsageError("--repair needs --out FILE for the repaired matrix")
    if args.out and args.repair is None:
        raise _UsageError("--out writes a repaired matrix, so it needs --repair nearest|clip")
    if args.out and args.file != "-" and Path(args.out).resolve() == Path(args.file).resolve() \
            and not args.force:
        raise _UsageError(f"--out {args.out} would overwrite the input; pass --force to allow it")
    frame = _read(args)
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
            or pd.api.types.is_bool_dtype(frame[c])]
    if text:
        raise _UsageError(f"the matrix in '{args.file}' must hold numbers only; columns "
                          f"{text[:10]} do not (if the first column holds row labels, check "
                          "--index-col)")
    report = me.validate_covariance(frame, kind=args.kind)
    print(report)
    if args.repair is None:
        return 0 if report.valid else 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", me.exceptions.MVNEstimateWarning)
        if args.repair == "nearest":
            fixed = me.nearest_pd(frame, kind=args.kind)
        else:
            fixed = me.clip_eigenvalues(frame, kind=args.kind)
    _warn_lines(caught, args.file)
    labelled = not frame.index.equals(pd.RangeIndex(len(frame)))
    if labelled:  # back to the input's row order
        fixed = fixed.loc[frame.index, frame.columns]
    fixed.to_csv(args.out, index=labelled)
    after = me.validate_covariance(fixed, kind=args.kind)
    print(f"repaired matrix written to {args.out}: {'valid' if after.valid else 'INVALID'}")
    return 0 if after.valid else 1


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``mvn-estimate: error: …``) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        print(f"mvn-estimate: error: {' '.join(message.split())} (see {self.prog} --help)",
              file=sys.stderr)
        raise SystemExit(2)


def _file_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("file", help="CSV or Parquet file ('-' reads CSV from standard input)")
    sub.add_argument("--sep", help="CSV field separator (default: detected among , ; tab |)")
    sub.add_argument("--decimal", choices=[".", ","],
                     help="decimal mark (default: detected; ',' for 1,5-style numbers)")
    sub.add_argument("--index-col", nargs="?", const="0", metavar="COLUMN",
                     help="read this column (name or 0-based number; default the first) as row "
                          "labels; by default the first column is row labels when its header "
                          "is empty, as pandas to_csv() and R write.csv() write it")
    sub.add_argument("--no-index-col", action="store_true",
                     help="never read a column as row labels")
    sub.add_argument("--na-values", metavar="TOKENS",
                     help="comma-separated cell values read as missing, besides empty cells "
                          "and NA (for example '.,-99')")


def _fit_parser(sub: Any) -> None:
    fit = sub.add_parser(
        "fit", help="fit an MVN to the numeric columns of a CSV/Parquet file",
        description="Fit a multivariate normal by maximum likelihood. The file is streamed in "
                    "chunks (memory flat in its length; column types judged on its first 1000 "
                    "rows), except with --by, --plot or --shrinkage, which need every row and "
                    "read the file into memory.")
    _file_options(fit)
    fit.add_argument("--columns", help="comma-separated column names to fit (default: every "
                                       "numeric column; the others are reported)")
    fit.add_argument("--missing", choices=choices("missing"), default="raise",
                     help="missing values: raise an error, drop incomplete rows, or em (full-"
                          "information ML)")
    fit.add_argument("--cov-type", choices=choices("cov_type"), default="classic",
                     help="standard errors: classic (normal theory) or robust (sandwich)")
    fit.add_argument("--weights", metavar="COLUMN", help="column of non-negative row weights")
    fit.add_argument("--weights-kind", choices=choices("weights_kind"), default="frequency",
                     help="frequency weights are counts; analytic weights are relative")
    fit.add_argument("--information", choices=choices("information"), default="observed",
                     help="with --missing em: information behind the standard errors")
    fit.add_argument("--max-iter", type=int, help="with --missing em: iteration limit")
    fit.add_argument("--tol", type=float, help="with --missing em: convergence tolerance")
    fit.add_argument("--format", choices=choices("format"), default="text",
                     help="output: a text summary or JSON")
    fit.add_argument("--plot", metavar="FILE",
                     help="also write a plot (PNG, PDF or SVG by the file's suffix); needs "
                          "matplotlib: pip install 'mvn_estimate[plot]'")
    fit.add_argument("--plot-kind", choices=choices("plot_kind"), default="qq",
                     help="which plot: qq (chi-square Q-Q of the Mahalanobis distances, with "
                          "outliers labelled), ellipses (pairs of variables), corr (heatmap)")
    fit.add_argument("--structure", choices=choices("structure"),
                     help="a structured covariance (default: unstructured)")
    fit.add_argument("--shrinkage", choices=choices("shrinkage"),
                     help="a shrinkage estimate of the covariance (for n close to or below p)")
    fit.add_argument("--by", metavar="COLUMN",
                     help="fit each group of this column separately (then Box's M and MANOVA "
                          "are printed too)")
    fit.add_argument("--equal", metavar="NAMES",
                     help="with --by: parameters the groups share, fitted jointly: mean, cov or "
                          "mean,cov (comma-separated)")
    fit.set_defaults(func=_fit)


def _regress_parser(sub: Any) -> None:
    reg = sub.add_parser(
        "regress", help="multivariate regression of some columns on others",
        description="Regress the --y columns on the --x columns (an intercept is added) by "
                    "maximum likelihood with fixed regressors; --missing em keeps rows with "
                    "incomplete responses. The file is streamed in chunks.")
    _file_options(reg)
    reg.add_argument("--y", required=True, help="comma-separated response columns")
    reg.add_argument("--x", required=True, help="comma-separated regressor columns")
    reg.add_argument("--missing", choices=choices("missing"), default="raise",
                     help="missing values: raise, drop incomplete rows, or em (responses only)")
    reg.add_argument("--cov-type", choices=choices("cov_type"), default="classic",
                     help="standard errors: classic or robust (sandwich)")
    reg.add_argument("--small-sample", action="store_true",
                     help="divisor n - k in the coefficients' covariance, and t inference "
                          "(as R's lm)")
    reg.add_argument("--random-x", action="store_true",
                     help="model the regressors too (their missing values by EM): the "
                          "regression implied by the joint fit, as lavaan's fixed.x=FALSE")
    reg.add_argument("--weights", metavar="COLUMN", help="column of non-negative row weights")
    reg.add_argument("--weights-kind", choices=choices("weights_kind"), default="frequency",
                     help="frequency weights are counts; analytic weights are relative")
    reg.add_argument("--information", choices=choices("information"),
                     help="information behind the standard errors")
    reg.add_argument("--max-iter", type=int, help="with --missing em: iteration limit")
    reg.add_argument("--tol", type=float, help="with --missing em: convergence tolerance")
    reg.add_argument("--format", choices=choices("format"), default="text",
                     help="output: a text summary or JSON")
    reg.set_defaults(func=_regress)


def _validate_parser(sub: Any) -> None:
    val = sub.add_parser("validate", help="check (and repair) a covariance/correlation matrix",
                         description="Check a covariance or correlation matrix in a file; exit "
                                     "0 when valid, 1 when not, 2 on error.")
    _file_options(val)
    val.add_argument("--kind", choices=choices("kind"), default="covariance",
                     help="a correlation matrix must also have a unit diagonal")
    val.add_argument("--repair", choices=choices("repair"),
                     help="write a repaired matrix: nearest (positive definite, in Frobenius "
                          "norm) or clip (eigenvalues)")
    val.add_argument("--out", help="where to write the repaired matrix (CSV; needs --repair)")
    val.add_argument("--force", action="store_true", help="allow --out to overwrite the input")
    val.set_defaults(func=_validate)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = _Parser(prog="mvn-estimate",
                     description="Multivariate-normal maximum likelihood and covariance checks.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {me.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _fit_parser(sub)
    _regress_parser(sub)
    _validate_parser(sub)
    return parser


def _quiet_pipe() -> int:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``mvn-estimate``; returns the exit code.

    Exit codes: 0 success (``validate``: matrix valid), 1 ``validate`` found the matrix
    invalid, 2 an error (bad file, bad data, bad option), 141 the output pipe was closed.

    Examples
    --------
    >>> main(["fit", "no-such-file.csv"])
    2
    """
    args = build_parser().parse_args(argv)
    try:
        code = int(args.func(args))
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _quiet_pipe()
    except (me.exceptions.MVNEstimateError, _UsageError, OSError) as exc:
        print(f"mvn-estimate: error: {_message(exc, args.file)}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

