"""The one input normaliser and the one alignment rule for labels.

Boundary code calls :func:`as_dataset` once; everything below works on ``Dataset.values``
(float64, 2-D, never written to), the column ``labels`` as the caller gave them, and their
string ``names`` used in parameter names. Finiteness is *not* scanned here: a full ``isfinite``
pass would cost a boolean copy of the data, so the sufficient statistics are checked instead
(any NaN or inf in the input makes them non-finite) and :func:`locate_nonfinite` is called
only on that error path.

The alignment rule (:func:`align_params`, :func:`align_matrix`, :func:`select_columns`)
-----------------------------------------------------------------------------------------
* Labelled inputs (DataFrame columns, a Series index, a covariance DataFrame's rows and
  columns) are aligned by label. Labels are compared as the objects they are: ``1`` and
  ``"1"`` are different labels.
* An unlabelled input (ndarray, list) is read by position, which is allowed only when every
  labelled input lists the labels in the same order; otherwise the position is ambiguous and
  :class:`~mvn_estimate.exceptions.LabelError` says how to disambiguate.
* A labelled matrix whose rows are in another order than its columns is reordered rows to
  columns before anything is judged or computed.
"""

from __future__ import annotations

import ast
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray
from .._validate import real_array
from ..exceptions import (
    DtypeError,
    InvalidOptionError,
    LabelError,
    MissingValueError,
    NonFiniteError,
    ShapeError,
    arg,
    describe,
    ref,
    setting,
)

__all__ = [
    "POINT_ADVICE",
    "ROW_ADVICE",
    "Dataset",
    "align_matrix",
    "align_params",
    "as_dataset",
    "locate_nonfinite",
    "select_advice",
    "select_columns",
    "show_labels",
]


@dataclass(frozen=True)
class Dataset:
    """Validated data: ``values`` (n, p) float64, column ``labels``, and the row ``index``.

    ``labels`` are the caller's column labels (``x0, x1, …`` for arrays); ``names`` are their
    strings, unique, used in parameter names such as ``mean[x]``. ``labelled`` says whether
    the caller passed pandas (results are then labelled the same way).
    """

    values: FloatArray
    labels: pd.Index
    index: pd.Index | None
    labelled: bool

    @property
    def names(self) -> list[str]:
        return [str(c) for c in self.labels]

    @property
    def nobs(self) -> int:
        return int(self.values.shape[0])

    @property
    def nvars(self) -> int:
        return int(self.values.shape[1])

    def rows(self, keep: np.ndarray) -> Dataset:
        """The rows selected by the boolean mask ``keep`` (a copy of those rows only)."""
        index = None if self.index is None else self.index[keep]
        return Dataset(self.values[keep], self.labels, index, self.labelled)


def show_labels(labels: Any, limit: int = 8) -> str:
    """Labels as a short list for messages, with their reprs so that ``1`` and ``'1'`` differ.

    Examples
    --------
    >>> show_labels(pd.Index([1, "1"]))
    "[1, '1']"
    """
    items = list(labels)
    text = ", ".join(repr(x) for x in items[:limit])
    return f"[{text}{', …' if len(items) > limit else ''}]"


def _check_unique(labels: pd.Index, name: str, what: str) -> None:
    if labels.has_duplicates:
        dup = show_labels(labels[labels.duplicated()].unique())
        raise LabelError(
            f"{arg(name)} must have unique {what}; got duplicated {dup}. Rename or "
            "drop the duplicates."
        )


def _check_names(labels: pd.Index, name: str) -> None:
    names = [str(c) for c in labels]
    if len(set(names)) != len(names):
        seen: dict[str, list[Any]] = {}
        for label, text in zip(labels, names, strict=True):
            seen.setdefault(text, []).append(label)
        clash = next(v for v in seen.values() if len(v) > 1)
        raise LabelError(
            f"{arg(name)} has column labels {show_labels(clash)} that are different "
            f"objects but print the same ('{clash[0]}'), so parameter names such as "
            f"mean[{clash[0]}] would be ambiguous. Rename one of them."
        )


def _select(frame: pd.DataFrame, columns: Any, name: str, exclude: tuple[Any, ...]) -> pd.DataFrame:
    _check_unique(frame.columns, name, "column labels")
    if columns is None:
        keep = [c for c in frame.columns if not any(_same(c, e) for e in exclude)]
        return frame.loc[:, keep]
    if not isinstance(columns, list | pd.Index | np.ndarray):
        raise InvalidOptionError(
            f"{arg('columns')} must be a list of column labels; got {describe(columns)}."
            " (A tuple is refused because it could also be one label of a MultiIndex.)"
        )
    wanted = list(columns)
    if not wanted:
        raise InvalidOptionError(f"{arg('columns')} must name at least one column; got [].")
    if len(pd.Index(wanted).unique()) != len(wanted):
        raise LabelError(f"{arg('columns')} repeats a label: {show_labels(wanted)}.")
    absent = [c for c in wanted if c not in frame.columns]
    if absent:
        raise LabelError(f"{arg('columns')} names {show_labels(absent)}, not in "
                         f"{ref(name)}. {_near_miss(absent, frame.columns)}Available: "
                         f"{show_labels(frame.columns, 20)}.")
    return frame.loc[:, wanted]


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(type(a) is type(b) and a == b)
    except (TypeError, ValueError):
        return False


def _near_miss(absent: list[Any], available: pd.Index) -> str:
    """A hint when wanted labels exist with another type (``1`` vs ``'1'``)."""
    by_text = {str(c): c for c in available}
    pairs = [(a, by_text[str(a)]) for a in absent if str(a) in by_text]
    if not pairs:
        return ""
    a, b = pairs[0]
    return (f"Labels are compared as objects: {a!r} ({type(a).__name__}) is not {b!r} "
            f"({type(b).__name__}); convert one of them. ")


def _frame_values(frame: pd.DataFrame, name: str) -> FloatArray:
    dtypes = list(frame.dtypes)
    bad = [c for c, t in zip(frame.columns, dtypes, strict=True)
           if not pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t)
           or pd.api.types.is_complex_dtype(t)]
    if bad:
        kinds = sorted({str(t) for c, t in zip(frame.columns, dtypes, strict=True) if c in bad})
        good = [c for c in frame.columns if c not in bad]
        raise DtypeError(
            f"{arg(name)} must have real numeric columns only; got {show_labels(bad)} "
            f"of dtype {', '.join(kinds)}. {select_advice(good)} (or convert them: booleans "
            "and complex numbers are not read as real data)."
        )
    return frame.to_numpy(dtype=np.float64, na_value=np.nan)


def select_advice(good: list[Any]) -> str:
    """Advice to select the columns ``good`` (named, so that it can be followed as written)."""
    try:
        literal = ast.literal_eval(repr(list(good))) == list(good)
    except (ValueError, SyntaxError):
        literal = False
    if good and literal:
        return f"Select the numeric ones with {setting('columns', list(good))}"
    return "Select numeric columns with columns=[...]" if good else "Convert them"


def _array_values(value: Any, name: str) -> FloatArray:
    arr = real_array(value, name, shape="a rectangular 2-D array",
                     advice="Convert it to a real numeric array (or pass a DataFrame and "
                            "select columns).")
    if arr.ndim != 2:
        raise ShapeError(
            f"{arg(name)} must be 2-D (n observations × p variables); got "
            f"{describe(arr)}. For one variable use x.reshape(-1, 1)."
        )
    return arr.astype(np.float64, copy=False)


def as_dataset(data: Any, *, name: str = "data", columns: Any = None, min_rows: int = 1,
               exclude: tuple[Any, ...] = ()) -> Dataset:
    """Normalise ``data`` (DataFrame or array-like) to a :class:`Dataset`.

    Raises :class:`DtypeError` for non-numeric (also boolean or complex) columns,
    :class:`ShapeError` for a wrong number of dimensions or fewer than ``min_rows`` rows,
    :class:`LabelError` for duplicated labels or a ``columns`` label that is absent, and
    :class:`InvalidOptionError` for a malformed ``columns``. ``exclude`` lists labels left out
    when ``columns`` is None (a weights column). The caller's object is never modified; an
    ndarray that is already float64 is used without a copy.
    """
    if isinstance(data, pd.Series):
        data = data.to_frame()
    if isinstance(data, pd.DataFrame):
        frame = _select(data, columns, name, exclude)
        _check_names(frame.columns, name)
        values, labels = _frame_values(frame, name), frame.columns
        index, labelled = frame.index, True
    else:
        if columns is not None:
            raise InvalidOptionError(
                f"{arg('columns')} selects DataFrame columns; got an array for "
                f"{ref(name)} ({describe(data)}). Slice the array instead."
            )
        values = _array_values(data, name)
        labels = pd.Index([f"x{i}" for i in range(values.shape[1])])
        index, labelled = None, False
    if values.shape[1] == 0 or values.shape[0] < min_rows:
        raise ShapeError(
            f"{arg(name)} must have at least {min_rows} row(s) and 1 column; got "
            f"{values.shape[0]} row(s) and {values.shape[1]} column(s)."
        )
    return Dataset(values, labels, index, labelled)


def select_columns(data: Any, labels: pd.Index, *, name: str = "data",
                   min_rows: int = 1) -> Dataset:
    """The columns ``labels`` of ``data``, by label from a DataFrame (other columns ignored,
    whatever their type) or by position from an array (which must have exactly those columns);
    at least ``min_rows`` rows (0 for a partition, which may be empty).

    Raises :class:`LabelError` when a label is absent (with a hint when it exists as another
    type), :class:`ShapeError` when an array has another number of columns.
    """
    if isinstance(data, pd.Series):
        raise ShapeError(
            f"{arg(name)} must be a DataFrame or a 2-D array (rows = observations); got "
            "a Series. For one observation pass series.to_frame().T."
        )
    if isinstance(data, pd.DataFrame):
        absent = [c for c in labels if c not in data.columns]
        if absent:
            raise LabelError(
                f"{arg(name)} lacks the fitted columns {show_labels(absent)}. "
                f"{_near_miss(absent, data.columns)}Its columns are "
                f"{show_labels(data.columns, 20)}."
            )
        chosen = data.columns[data.columns.isin(labels)]
        _check_unique(chosen, name, "labels for the fitted columns")
        return as_dataset(data, name=name, columns=list(labels), min_rows=min_rows)
    ds = as_dataset(data, name=name, min_rows=min_rows)
    if ds.nvars != len(labels):
        raise ShapeError(
            f"{arg(name)} must have {len(labels)} columns (the fitted variables "
            f"{show_labels(labels)}, in that order); got {describe(ds.values)}."
        )
    return ds


def _vector_labels(value: Any) -> pd.Index | None:
    return value.index if isinstance(value, pd.Series) else None


def align_matrix(value: Any, name: str) -> tuple[Any, pd.Index | None]:
    """A labelled matrix with its rows reordered to its columns; other input passes through.

    Returns ``(values, labels)``; ``labels`` is None for unlabelled input. Rows with the
    default index ``0 … p−1`` carry no labels and are read by position. Raises
    :class:`LabelError` when the row labels are not the column labels (as sets) or repeat.

    Examples
    --------
    >>> m = pd.DataFrame([[1.0, 3.0], [2.0, 1.0]], index=["b", "a"], columns=["a", "b"])
    >>> values, labels = align_matrix(m, "cov")
    >>> values.tolist(), list(labels)
    ([[2.0, 1.0], [1.0, 3.0]], ['a', 'b'])
    """
    if not isinstance(value, pd.DataFrame):
        return value, None
    _check_unique(value.columns, name, "column labels")
    p = value.shape[1]
    if value.shape[0] == p and value.index.equals(pd.RangeIndex(p)) \
            and not value.columns.equals(pd.RangeIndex(p)):
        return value.to_numpy(), value.columns  # rows carry no labels: read by position
    _check_unique(value.index, name, "row labels")
    if set(value.index) != set(value.columns) or len(value.index) != len(value.columns):
        raise LabelError(
            f"{arg(name)}'s row labels {show_labels(value.index)} must be its column "
            f"labels {show_labels(value.columns)} (in any order). Label both axes with the "
            "same names, or pass .to_numpy() to use it by position."
        )
    return value.loc[value.columns, value.columns].to_numpy(), value.columns


def _same_labels(labels: pd.Index, reference: pd.Index, name: str) -> None:
    if len(labels) != len(reference) or set(labels) != set(reference):
        extra = [x for x in labels if x not in set(reference)]
        lack = [x for x in reference if x not in set(labels)]
        raise LabelError(
            f"{arg(name)}'s labels {show_labels(labels)} must be the variables "
            f"{show_labels(reference)}; unexpected {show_labels(extra)}, missing "
            f"{show_labels(lack)}. {_near_miss(extra, reference)}".rstrip()
        )


def _aligned(value: Any, labels: pd.Index | None, reference: pd.Index, name: str,
             matrix: bool) -> Any:
    if labels is None:
        return value
    _same_labels(labels, reference, name)
    frame = pd.DataFrame(value, index=labels, columns=labels) if matrix else None
    if matrix:
        return frame.loc[reference, reference].to_numpy()  # type: ignore[union-attr]
    return pd.Series(np.asarray(value), index=labels).loc[reference].to_numpy()


def align_params(ds: Dataset, mean: Any, cov: Any) -> tuple[Any, Any, pd.Index, bool]:
    """Align a caller's ``(mean, cov)`` with ``ds`` by the package's one rule.

    Returns ``(mean, cov, labels, labelled)``: the two inputs reordered to ``labels`` (the
    data's columns, or the parameters' labels when only they are labelled), and whether any
    input carried labels (outputs are then labelled).

    Raises
    ------
    LabelError
        Labels that do not match, or an unlabelled input that could be read in two orders.
    """
    mean_labels = _vector_labels(mean)
    mean_values = mean.to_numpy() if mean_labels is not None else mean
    cov_values, cov_labels = align_matrix(cov, "cov")
    orders = [(n, lab) for n, lab in (("data", ds.labels if ds.labelled else None),
                                      ("mean", mean_labels), ("cov", cov_labels))
              if lab is not None]
    if not orders:
        return mean_values, cov_values, ds.labels, False
    reference = orders[0][1]
    for name, lab in orders[1:]:
        _same_labels(lab, reference, name)
    plain = [n for n, lab in (("data", ds.labelled), ("mean", mean_labels is not None),
                              ("cov", cov_labels is not None)) if not lab]
    if plain and any(not lab.equals(reference) for _, lab in orders[1:]):
        listed = "; ".join(f"'{n}' {show_labels(lab)}" for n, lab in orders)
        raise LabelError(
            f"The {' and '.join(repr(n) for n in plain)} argument(s) have no labels and would be "
            f"read by position, but the labelled inputs list the variables in different "
            f"orders ({listed}), so the position is ambiguous. Label every input (Series / "
            "DataFrame) or give them all in the same order."
        )
    mean_out = _aligned(mean_values, mean_labels, reference, "mean", False)
    cov_out = _aligned(cov_values, cov_labels, reference, "cov", True)
    return mean_out, cov_out, reference, True


POINT_ADVICE = ("Drop the incomplete rows, or use mvn_estimate.missing.loglike (score, "
                "information) for the likelihood of the observed values.")
ROW_ADVICE = ("Drop the incomplete rows first: a row with a missing value has no density "
              "under the full model.")


def locate_nonfinite(ds: Dataset, name: str = "data", *, allow_nan: bool = False,
                     advice: str = "") -> None:
    """Raise the specific error for NaN (missing) or infinite values in ``ds``, if any.

    Infinite values are always an error (:class:`NonFiniteError`); NaN is reported as missing
    (:class:`MissingValueError`, naming the columns and counts, with ``advice`` on what the
    caller can do) unless ``allow_nan``.
    """
    x = ds.values
    inf_cols = [n for n, k in zip(ds.labels, np.isinf(x).sum(axis=0), strict=True) if k]
    if inf_cols:
        raise NonFiniteError(
            f"{arg(name)} must not hold infinite values; got them in columns "
            f"{show_labels(inf_cols)}. Replace them (they are not missing values)."
        )
    counts = np.isnan(x).sum(axis=0)
    missing = {n: int(k) for n, k in zip(ds.labels, counts, strict=True) if k}
    if missing and not allow_nan:
        raise MissingValueError(
            f"{arg(name)} has missing values (NaN) in columns {missing} (column: count). "
            f"{advice}".rstrip()
        )


def is_label(value: Any, frame: Any) -> bool:
    """Whether ``value`` names a column of the DataFrame ``frame`` (a scalar label)."""
    return (isinstance(frame, pd.DataFrame) and isinstance(value, Hashable)
            and not isinstance(value, tuple | np.ndarray) and value in frame.columns) \
        or (isinstance(frame, pd.DataFrame) and isinstance(value, tuple)
            and value in frame.columns)
