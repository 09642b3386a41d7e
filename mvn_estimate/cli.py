"""Command line: ``mvn-estimate fit FILE`` and ``mvn-estimate validate FILE``.

Thin by design: parse arguments, read the file, call the public API, print. Package errors
and unreadable files become one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

import mvn_estimate as me

__all__ = ["main"]


class _UsageError(Exception):
    """An unreadable file or an unsupported format."""


def read_table(path: str, *, index_col: int | None = None) -> pd.DataFrame:
    """Read a CSV file, or a Parquet file when pyarrow is installed."""
    file = Path(path)
    if not file.is_file():
        raise _UsageError(f"cannot read '{path}': no such file")
    if file.suffix.lower() in (".parquet", ".pq"):
        try:
            import pyarrow  # noqa: F401
        except ImportError as exc:
            raise _UsageError(
                "reading Parquet needs pyarrow: pip install 'mvn_estimate[parquet]'") from exc
        return pd.read_parquet(file)
    try:
        return pd.read_csv(file, index_col=index_col)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise _UsageError(f"cannot parse '{path}' as CSV: {exc}") from exc


def _fit(args: argparse.Namespace) -> int:
    frame = read_table(args.file)
    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", me.exceptions.MVNEstimateWarning)
        result = me.fit(frame, columns=columns, missing=args.missing, cov_type=args.cov_type)
    for w in caught:
        print(f"mvn-estimate: warning: {w.message}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result.summary())
    return 0


def _validate(args: argparse.Namespace) -> int:
    frame = read_table(args.file, index_col=0 if args.index_col else None)
    report = me.validate_covariance(frame, kind=args.kind)
    print(report)
    if args.repair is None:
        return 0 if report.valid else 1
    if not args.out:
        raise _UsageError("--repair needs --out FILE for the repaired matrix")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", me.exceptions.MVNEstimateWarning)
        if args.repair == "nearest":
            fixed = me.nearest_pd(frame, kind=args.kind)
        else:
            fixed = me.clip_eigenvalues(frame)
    for w in caught:
        print(f"mvn-estimate: warning: {w.message}", file=sys.stderr)
    pd.DataFrame(fixed).to_csv(args.out, index=args.index_col)
    print(f"repaired matrix written to {args.out}")
    return 0 if report.valid else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="mvn-estimate", description="Multivariate-normal maximum likelihood.")
    sub = parser.add_subparsers(dest="command", required=True)
    fit = sub.add_parser("fit", help="fit an MVN to the numeric columns of a CSV/Parquet file")
    fit.add_argument("file")
    fit.add_argument("--columns", help="comma-separated column names to use")
    fit.add_argument("--missing", choices=["raise", "drop", "em"], default="raise")
    fit.add_argument("--cov-type", choices=["classic", "robust"], default="classic")
    fit.add_argument("--format", choices=["text", "json"], default="text")
    fit.set_defaults(func=_fit)
    val = sub.add_parser("validate", help="check a covariance/correlation matrix in a CSV file")
    val.add_argument("file")
    val.add_argument("--kind", choices=["covariance", "correlation"], default="covariance")
    val.add_argument("--repair", choices=["nearest", "clip"])
    val.add_argument("--out", help="where to write the repaired matrix (CSV)")
    val.add_argument("--index-col", action="store_true",
                     help="the first CSV column holds row labels")
    val.set_defaults(func=_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``mvn-estimate``; returns the exit code.

    Exit codes: 0 success (``validate``: matrix valid), 1 ``validate`` found the matrix
    invalid, 2 an error (bad file, bad data, bad option).

    Examples
    --------
    >>> main(["fit", "no-such-file.csv"])
    2
    """
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (me.exceptions.MVNEstimateError, _UsageError, OSError) as exc:
        message = " ".join(str(exc).split())
        print(f"mvn-estimate: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
