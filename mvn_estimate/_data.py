"""The one input normaliser: ndarray or DataFrame in, float64 2-D array plus labels out.

Boundary code calls :func:`as_dataset` once; everything below works on ``Dataset.values``
(float64, 2-D, C- or F-ordered, never written to) and the column ``names``. Finiteness is *not*
scanned here: a full ``isfinite`` pass would cost a boolean copy of the data, so the sufficient
statistics are checked instead (any NaN or inf in the input makes them non-finite) and
:func:`locate_nonfinite` is called only on that error path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._typing import FloatArray
from .exceptions import (
    DtypeError,
    InvalidOptionError,
    MissingValueError,
    NonFiniteError,
    ShapeError,
    describe,
)

__all__ = ["Dataset", "as_dataset", "check_option", "locate_nonfinite"]


@dataclass(frozen=True)
class Dataset:
    """Validated data: ``values`` (n, p) float64, ``names`` (p labels), and the row ``index``.

    ``labelled`` says whether the caller passed pandas (results are then labelled the same way).
    """

    values: FloatArray
    names: list[str]
    index: pd.Index | None
    labelled: bool

    @property
    def nobs(self) -> int:
        return int(self.values.shape[0])

    @property
    def nvars(self) -> int:
        return int(self.values.shape[1])


def check_option(value: Any, name: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``; else raise :class:`InvalidOptionError`."""
    if not isinstance(value, str) or value not in choices:
        raise InvalidOptionError(
            f"The '{name}' argument must be one of {', '.join(map(repr, choices))}; "
            f"got {value!r}."
        )
    return value


def _select(frame: pd.DataFrame, columns: Sequence[str] | None, name: str) -> pd.DataFrame:
    if frame.columns.has_duplicates:
        dup = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise ShapeError(
            f"The '{name}' argument must have unique column names; got duplicated {dup}. "
            "Rename or drop the duplicates."
        )
    if columns is None:
        return frame
    if isinstance(columns, str) or not all(isinstance(c, str | int) for c in columns):
        raise InvalidOptionError(
            f"The 'columns' argument must be a list of column names; got {describe(columns)}."
        )
    wanted = list(columns)
    absent = [c for c in wanted if c not in frame.columns]
    if absent:
        raise InvalidOptionError(
            f"The 'columns' argument names columns that are not in '{name}': {absent}. "
            f"Available: {[str(c) for c in frame.columns]}."
        )
    if len(set(wanted)) != len(wanted):
        raise InvalidOptionError(f"The 'columns' argument repeats a name: {wanted}.")
    return frame.loc[:, wanted]


def _frame_values(frame: pd.DataFrame, name: str) -> FloatArray:
    bad = [str(c) for c, t in frame.dtypes.items()
           if not (pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t))]
    if bad:
        raise DtypeError(
            f"The '{name}' argument must have numeric columns only; got non-numeric {bad}. "
            "Select the numeric ones with columns=[...]."
        )
    return frame.to_numpy(dtype=np.float64, na_value=np.nan)


def _array_values(value: Any, name: str) -> FloatArray:
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise ShapeError(
            f"The '{name}' argument must be a rectangular 2-D array; got {describe(value)}."
        ) from exc
    if arr.dtype.kind not in "iuf":
        raise DtypeError(
            f"The '{name}' argument must hold real numbers; got {describe(arr)}. "
            "Convert it to a numeric array (or pass a DataFrame and select columns)."
        )
    if arr.ndim != 2:
        raise ShapeError(
            f"The '{name}' argument must be 2-D (n observations × p variables); got "
            f"{describe(arr)}. For one variable use x.reshape(-1, 1)."
        )
    return arr.astype(np.float64, copy=False)


def as_dataset(data: Any, *, name: str = "data", columns: Sequence[str] | None = None,
               min_rows: int = 1) -> Dataset:
    """Normalise ``data`` (DataFrame or array-like) to a :class:`Dataset`.

    Raises :class:`DtypeError` for non-numeric columns, :class:`ShapeError` for a wrong number
    of dimensions, duplicated column names or fewer than ``min_rows`` rows, and
    :class:`InvalidOptionError` for a bad ``columns`` selection. The caller's object is never
    modified; an ndarray that is already float64 is used without a copy.
    """
    if isinstance(data, pd.Series):
        data = data.to_frame()
    if isinstance(data, pd.DataFrame):
        frame = _select(data, columns, name)
        values, names = _frame_values(frame, name), [str(c) for c in frame.columns]
        index, labelled = frame.index, True
    else:
        if columns is not None:
            raise InvalidOptionError(
                "The 'columns' argument selects DataFrame columns; got an array for "
                f"'{name}' ({describe(data)}). Slice the array instead."
            )
        values = _array_values(data, name)
        names, index, labelled = [f"x{i}" for i in range(values.shape[1])], None, False
    if values.shape[1] == 0 or values.shape[0] < min_rows:
        raise ShapeError(
            f"The '{name}' argument must have at least {min_rows} row(s) and 1 column; got "
            f"{values.shape[0]} row(s) and {values.shape[1]} column(s)."
        )
    return Dataset(values, names, index, labelled)


def locate_nonfinite(ds: Dataset, name: str = "data", *, allow_nan: bool = False) -> None:
    """Raise the specific error for NaN (missing) or infinite values in ``ds``, if any.

    Infinite values are always an error (:class:`NonFiniteError`); NaN is reported as missing
    (:class:`MissingValueError`, naming the columns and counts) unless ``allow_nan``.
    """
    x = ds.values
    inf_cols = [n for n, k in zip(ds.names, np.isinf(x).sum(axis=0), strict=True) if k]
    if inf_cols:
        raise NonFiniteError(
            f"The '{name}' argument must not hold infinite values; got them in columns "
            f"{inf_cols}. Replace them (they are not missing values)."
        )
    counts = np.isnan(x).sum(axis=0)
    missing = {n: int(k) for n, k in zip(ds.names, counts, strict=True) if k}
    if missing and not allow_nan:
        raise MissingValueError(
            f"The '{name}' argument has missing values (NaN) in columns {missing} "
            "(column: count). Pass missing='drop' to drop incomplete rows, or missing='em' "
            "for full-information maximum likelihood."
        )
