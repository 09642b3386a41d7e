"""Fits from row chunks: files streamed from disk and (see ``_dask``) Dask partitions.

Everything reduces to :class:`~mvn_estimate.data.SufficientStats` (complete data) or to
per-pattern statistics (missing data, :mod:`mvn_estimate.missing._patterns`), which merge
exactly; the result is then assembled as for in-memory data. Memory is one chunk plus
``O(p²)`` (or ``O(patterns · p²)`` for EM).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from .._optional import require
from .._typing import CovType, FloatArray, Information, Missing, WeightsKind
from .._validate import check_bool, check_choice, check_int
from ..data import Dataset, SufficientStats, as_dataset, show_labels
from ..data._dataset import is_label
from ..data._io import Table, open_table
from ..data._weights import weights_column
from ..exceptions import (
    DroppedRowsWarning,
    InvalidOptionError,
    LabelError,
    MissingValueError,
    NonFiniteError,
)
from ..inference import FromInformation
from ..missing._em import _Model, chained, em
from ..missing._patterns import chunk_summaries, merge_summaries, patterns_from_summaries
from ..model import Unstructured, resolve_structure
from ._assemble import assemble, data_digest
from ._complete import (
    needs_scale,
    powers_of_two,
    rescaled_result,
    structured_result,
    unstructured_result,
)
from ._fit import _check_iteration
from ._results import EMInfo, MVNResult

__all__ = ["fit_file", "fit_stream", "fit_table"]

Chunks = Callable[[], Iterable[tuple[FloatArray, FloatArray | None]]]


def _clean(x: FloatArray, w: FloatArray | None, missing: str, labels: pd.Index,
           start: int) -> tuple[FloatArray, FloatArray | None, int]:
    """One chunk with its missing rows handled by the policy; returns rows dropped."""
    finite = np.isfinite(x)
    if finite.all():
        return x, w, 0
    _check_infinite(x, labels, start)
    if missing == "raise":
        counts = {labels[j]: int(k) for j, k in enumerate((~finite).sum(axis=0)) if k}
        raise MissingValueError(
            f"The 'data' argument has missing values (NaN) in columns {counts} (column: count, "
            f"in the block of rows from {start}; there may be more later). Pass "
            "missing='drop' to drop incomplete rows, or missing='em' for full-information "
            "maximum likelihood.")
    keep = finite.all(axis=1)
    return x[keep], None if w is None else w[keep], int((~keep).sum())


def _check_infinite(x: FloatArray, labels: pd.Index, start: int) -> None:
    if np.isinf(x).any():
        cols = [labels[int(j)] for j in np.flatnonzero(np.isinf(x).any(axis=0))]
        raise NonFiniteError(f"The 'data' argument must not hold infinite values; got them in "
                             f"columns {show_labels(cols)} (rows from {start}). Replace them.")


def _check_weights(w: FloatArray | None, start: int) -> None:
    if w is not None and (not np.all(np.isfinite(w)) or np.any(w < 0)):
        bad = int(np.sum(~np.isfinite(w)))
        low = np.nanmin(w) if bad < w.size else float("nan")
        raise NonFiniteError(
            f"The 'weights' argument must be finite and non-negative with a positive total; got "
            f"min {low:g}, {bad} NaN or infinite, in the block of rows from {start}.")


def _complete_pass(chunks: Iterable[tuple[FloatArray, FloatArray | None]], labels: pd.Index,
                   missing: str) -> tuple[SufficientStats, int, int, int]:
    """``(stats, rows read, rows dropped, rows with a non-zero weight)`` in one pass."""
    total = SufficientStats.empty(len(labels))
    rows = dropped = nonzero = 0
    for x, w in chunks:
        _check_weights(w, rows)
        xc, wc, gone = _clean(x, w, missing, labels, rows)
        rows += x.shape[0]
        dropped += gone
        nonzero += xc.shape[0] if wc is None else int(np.count_nonzero(wc))
        if xc.shape[0]:
            total = total.merge(SufficientStats.from_array(xc, wc))
    if rows and dropped == rows:
        raise MissingValueError(
            f"missing='drop' would drop all {rows} rows of 'data': every row has a missing "
            "value. Use missing='em' (full-information maximum likelihood) or fewer columns.")
    if rows == 0:
        raise MissingValueError("The 'data' argument has no rows to fit.")
    if total.n <= 0:
        raise NonFiniteError("The 'weights' argument must be finite and non-negative with a "
                             "positive total; got total 0.")
    return total, rows, dropped, nonzero


def _rescaled(chunks: Chunks, p: int) -> tuple[SufficientStats, FloatArray]:
    """Statistics in units where the data are of order one (two more passes), and the units."""
    origin: FloatArray | None = None
    top = np.zeros(p)
    for x, _ in chunks():
        if x.shape[0]:
            origin = x[0] if origin is None else origin
            top = np.maximum(top, np.max(np.abs(x - origin), axis=0))
    scale = powers_of_two(top)
    total = SufficientStats.empty(p)
    for x, w in chunks():
        if x.shape[0]:
            total = total.merge(SufficientStats.from_array(x, w, origin=origin, scale=scale))
    return total, scale


def fit_stream(source: Chunks, labels: pd.Index, *, missing: Missing = "raise",
               weights_kind: WeightsKind | None = None, cov_type: CovType = "classic",
               information: Information | None = None, tol: float | None = None,
               max_iter: int | None = None, structure: Any = None) -> MVNResult:
    """Fit from a source of row chunks ``(x, w)`` (callable again for a second pass).

    What :func:`fit_file` and the Dask path share; ``weights_kind`` is None when unweighted.
    """
    model = resolve_structure(structure, labels)
    tol_v, iters = _check_iteration(missing, tol, max_iter, model)
    meta = Dataset(np.empty((0, len(labels))), labels, None, True)
    if missing == "em":
        return _stream_em(source, meta, cov_type, weights_kind, information or "observed",
                          tol_v, iters, model)
    stats, rows, dropped, nonzero = _complete_pass(source(), labels, missing)
    factor = nonzero / stats.n if weights_kind == "analytic" else 1.0
    if factor != 1.0:
        stats = SufficientStats(float(nonzero), stats.mean, stats.scatter * factor)
    if dropped:
        warnings.warn(f"missing='drop' dropped {dropped} of {rows} rows with missing values.",
                      DroppedRowsWarning, stacklevel=3)

    def again() -> Iterator[tuple[FloatArray, FloatArray | None]]:
        for x, w in source():
            xc, wc, _ = _clean(x, w, "drop", labels, 0)
            yield xc, wc if wc is None or factor == 1.0 else wc * factor

    if not isinstance(model, Unstructured):
        return structured_result(meta, stats, again, cov_type, weights_kind, missing, dropped,
                                 model, information or "expected", tol_v, iters,
                                 keep_data=False)
    if needs_scale(stats):
        scaled, scale = _rescaled(again, len(labels))
        if not np.all(scale == 1.0):
            def divided() -> Iterator[tuple[FloatArray, FloatArray | None]]:
                return ((x / scale, w) for x, w in again())

            return rescaled_result(meta, scaled, scale, divided, cov_type, weights_kind,
                                   missing, dropped, keep_data=False)
    return unstructured_result(meta, stats, again, cov_type, weights_kind, missing, dropped,
                               keep_data=False)


def _stream_em(source: Chunks, meta: Dataset, cov_type: str, weights_kind: str | None,
               information: str, tol: float, max_iter: int, model: Any) -> MVNResult:
    if cov_type == "robust":
        raise InvalidOptionError(
            "Robust standard errors with missing='em' need every row's observed-data score, "
            "which a stream or partitions do not keep; use fit() on data in memory, or "
            "cov_type='classic'.")
    summaries: dict[Any, Any] = {}
    excluded = rows = 0
    origin: FloatArray | None = None
    missing_counts = np.zeros(meta.nvars)
    for x, w in source():
        _check_weights(w, rows)
        _check_infinite(x, meta.labels, rows)
        if origin is None:
            origin = np.nan_to_num(np.nanmean(np.where(np.isinf(x), np.nan, x), axis=0))
        part, gone = chunk_summaries(x, w, origin)
        summaries = merge_summaries(summaries, part)
        excluded += gone
        rows += x.shape[0]
        missing_counts += np.isnan(x).sum(axis=0)
    if origin is None:
        raise MissingValueError("The data have no rows.")
    if weights_kind == "analytic":
        summaries = _normalised(summaries)
    pat = patterns_from_summaries(meta.labels, origin, summaries, excluded)
    out = em(pat, tol=tol, max_iter=max_iter, structure=model)
    info = chained(_Model(model, tol, max_iter), pat, out.mean, out.theta, information)[1]
    covariance = FromInformation(info, information, "the observed data")
    covariance.diag()
    frac = pd.Series(missing_counts / rows, index=meta.labels, name="missing")
    counts = pat.n @ pat.masks
    digest = data_digest(meta.labels, counts, (pat.n @ (pat.mean * pat.masks)) / counts
                         + pat.origin)
    em_info = EMInfo(out.iterations, out.converged, pat.npatterns, frac, excluded, information,
                     out.newton_steps)
    return assemble(meta, out.mean + pat.origin, out.cov, pat.total, out.loglike, covariance,
                    missing="em", dropped=excluded, weights_kind=weights_kind, em=em_info,
                    structure=model, theta=out.theta, data_id=digest, keep_data=False)


def _normalised(summaries: dict[Any, Any]) -> dict[Any, Any]:
    """Analytic weights rescaled so that they sum to the rows they weight."""
    total = sum(s.n for _, s in summaries.values())
    rows = sum(k for k, _ in summaries.values())
    factor = rows / total
    return {key: (k, SufficientStats(s.n * factor, s.mean, s.scatter * factor))
            for key, (k, s) in summaries.items()}


def _columns(table: Table, columns: Any, weights: Any) -> list[Any]:
    """The columns to fit, checked as :func:`~mvn_estimate.fit` checks a DataFrame's."""
    frame = table.prototype
    if weights is not None and not is_label(weights, frame):
        raise LabelError(f"The 'weights' argument {weights!r} is not a column of "
                         f"'{table.name}'; its columns are {show_labels(frame.columns, 20)}.")
    ds = as_dataset(frame, columns=columns, min_rows=0,
                    exclude=() if weights is None else (weights,))
    if weights is not None:
        weights_column(weights, frame, ds)
    return list(ds.labels)


def _progress(chunks: Iterable[tuple[FloatArray, FloatArray | None]], table: Table,
              show: bool | None) -> Iterable[tuple[FloatArray, FloatArray | None]]:
    on = sys.stderr.isatty() if show is None else check_bool(show, "progress")
    if not on:
        return chunks
    tqdm = require("tqdm", "A progress bar").tqdm
    bar = tqdm(total=table.nrows, unit="rows", unit_scale=True, desc=table.name, leave=False)

    def counted() -> Iterator[tuple[FloatArray, FloatArray | None]]:
        for x, w in chunks:
            bar.update(x.shape[0])
            yield x, w
        bar.close()

    return counted()


def fit_file(path: str, *, columns: Any = None, missing: Missing = "raise", weights: Any = None,
             weights_kind: WeightsKind = "frequency", cov_type: CovType = "classic",
             information: Information | None = None, tol: float | None = None,
             max_iter: int | None = None, structure: Any = None, chunksize: int | None = None,
             progress: bool | None = None, sep: str | None = None, decimal: str | None = None,
             index_col: Any = "auto") -> MVNResult:
    """Fit a multivariate normal to a CSV or Parquet file, streamed in chunks.

    Parameters
    ----------
    path : str
        A CSV file (separator, decimal mark and a row-label column detected, or given by
        ``sep``, ``decimal``, ``index_col`` as in the command line) or a Parquet file (read
        by record batches, only the needed columns).
    columns : list of str, optional
        Columns to fit (default: every column but ``weights``; they must be numeric).
    missing, weights_kind, cov_type, information, tol, max_iter, structure
        As in :func:`mvn_estimate.fit`; ``weights`` is a column name. ``missing="em"`` reads
        the file once into per-pattern statistics; its robust standard errors are not
        available from a stream.
    chunksize : int, optional
        Rows per chunk (default about 2 million values).
    progress : bool, optional
        A progress bar on standard error (needs ``tqdm``); default: on when standard error is
        a terminal.

    Returns
    -------
    MVNResult
        As :func:`mvn_estimate.fit` gives for the same data (to rounding); no rows are kept
        (``data`` is None: pass ``data=`` to :meth:`MVNResult.outliers`).

    Notes
    -----
    Memory is ``O(chunksize · p + p²)``, flat in the file's length. Robust standard errors
    read the file a second time (fourth moments about the final mean).

    Examples
    --------
    >>> import mvn_estimate as me
    >>> res = me.fit_file("data/iris.csv", columns=["Sepal.Length", "Sepal.Width"])
    >>> res.nobs
    150.0
    """
    table, _ = open_table(path, sep=sep, decimal=decimal, index_col=index_col)
    return fit_table(table, columns=columns, missing=missing, weights=weights,
                     weights_kind=weights_kind, cov_type=cov_type, information=information,
                     tol=tol, max_iter=max_iter, structure=structure, chunksize=chunksize,
                     progress=progress)


def fit_table(table: Table, *, columns: Any = None, missing: Missing = "raise",
              weights: Any = None, weights_kind: WeightsKind = "frequency",
              cov_type: CovType = "classic", information: Information | None = None,
              tol: float | None = None, max_iter: int | None = None, structure: Any = None,
              chunksize: int | None = None, progress: bool | None = None) -> MVNResult:
    """:func:`fit_file` on a table already opened (by :func:`~mvn_estimate.data._io.open_table`,
    which the command line uses to report what it detected)."""
    check_choice(missing, "missing", Missing)
    check_choice(cov_type, "cov_type", CovType)
    check_choice(weights_kind, "weights_kind", WeightsKind)
    chosen = _columns(table, columns, weights)
    rows = 0 if chunksize is None else check_int(chunksize, "chunksize", minimum=1)
    step = rows or max(1024, (1 << 21) // max(1, len(chosen)))
    first = [True]

    def source() -> Iterable[tuple[FloatArray, FloatArray | None]]:
        chunks = table.chunks(chosen, weights, step)
        if first[0]:
            first[0] = False
            return _progress(chunks, table, progress)
        return chunks

    return fit_stream(source, pd.Index(chosen), missing=missing,
                      weights_kind=None if weights is None else weights_kind,
                      cov_type=cov_type, information=information, tol=tol, max_iter=max_iter,
                      structure=structure)
