"""Observation weights: an array, a Series aligned by the data's row labels, or a column.

Two kinds (``weights_kind``):

* ``"frequency"`` (default): counts — a weight of 2 is the row observed twice, and the
  number of observations ``n`` is the sum of the weights;
* ``"analytic"``: relative precision weights, rescaled to sum to the number of rows with a
  non-zero weight, so ``n`` is a number of rows whatever the weights' scale.

Only real numbers are weights: booleans, strings (even numeric ones) and complex values are
refused rather than converted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray, WeightsKind
from .._validate import real_array
from ..exceptions import (
    DtypeError,
    InvalidOptionError,
    LabelError,
    NonFiniteError,
    ShapeError,
    arg,
    describe,
    ref,
    setting,
)
from ._dataset import Dataset, is_label, show_labels

__all__ = ["check_weights", "normalise_weights", "resolve_weights",
           "weights_column"]


def check_weights(weights: Any, nrows: int, name: str = "weights") -> FloatArray:
    """Validate weights: real numeric, 1-D, one per row, finite, non-negative, positive total.

    Examples
    --------
    >>> check_weights([1, 2, 0], 3)
    array([1., 2., 0.])
    """
    arr = real_array(weights, name, shape="a 1-D array of numbers",
                     advice="Convert it explicitly (booleans, strings and complex values are "
                            "not read as weights).")
    w = arr.astype(np.float64, copy=False)
    if w.shape != (nrows,):
        raise ShapeError(
            f"{arg(name)} must have shape ({nrows},), one weight per row; got "
            f"{describe(arr)}."
        )
    with np.errstate(over="ignore"):
        total = w.sum()
    if np.all(np.isfinite(w)) and not np.any(w < 0) and not np.isfinite(total):
        raise NonFiniteError(
            f"{arg(name)} must have a finite total; got weights summing beyond float64's "
            f"range (largest {np.max(w):.3g}). Divide them by a common factor: frequency "
            "weights as relative ones need "
            f"{setting('weights_kind', 'analytic')}.")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or total <= 0:
        bad = int(np.sum(~np.isfinite(w)))
        raise NonFiniteError(
            f"{arg(name)} must be finite and non-negative with a positive total; "
            f"got min {np.nanmin(w) if bad < w.size else float('nan'):g}, total "
            f"{np.nansum(w):g}, {bad} NaN or infinite."
        )
    return w


def _series(weights: pd.Series, data: Any, ds: Dataset) -> FloatArray:
    if ds.index is None:
        if not weights.index.equals(pd.RangeIndex(len(weights))):
            raise LabelError(
                f"{arg('weights')} is a Series with row labels "
                f"{show_labels(weights.index)} but {ref('data')} is an array with none, so the "
                "rows "
                "cannot be matched by label. Pass weights.to_numpy() to match by position, or "
                f"pass {ref('data')} as a DataFrame with that index."
            )
        return weights.to_numpy()
    if weights.index.has_duplicates or ds.index.has_duplicates:
        raise LabelError(
            f"The 'weights' Series is matched to the rows of {ref('data')} by index, which needs "
            "unique "
            "row labels in both. Pass weights.to_numpy() to match by position."
        )
    if len(weights) != len(ds.index) or not ds.index.isin(weights.index).all():
        lack = ds.index[~ds.index.isin(weights.index)]
        raise LabelError(
            f"The 'weights' Series must have one weight for each row label of {ref('data')}; "
            f"{len(lack)} row(s) have none (e.g. {show_labels(lack, 5)}) and the lengths are "
            f"{len(weights)} and {len(ds.index)}. Align it first, or pass weights.to_numpy()."
        )
    return weights.loc[ds.index].to_numpy()


def resolve_weights(weights: Any, data: Any, ds: Dataset) -> FloatArray | None:
    """The weights for the rows of ``ds`` (before any row is dropped), checked.

    ``weights`` may be None, an array-like (by position), a Series (by the DataFrame's row
    labels) or the label of a column of ``data`` (which ``ds`` must not hold as a variable).
    """
    if weights is None:
        return None
    if is_label(weights, data):
        column = data[weights_column(weights, data, ds)]
        values: Any = column.to_numpy(dtype=np.float64, na_value=np.nan)
    elif isinstance(weights, str):
        raise LabelError(
            f"{arg('weights')} {weights!r} is a string but not a column of {ref('data')} "
            f"({show_labels(data.columns, 12) if isinstance(data, pd.DataFrame) else 'an array'})."
            " Pass a column label of a DataFrame, or an array of weights."
        )
    elif isinstance(weights, pd.Series):
        if not pd.api.types.is_numeric_dtype(weights) or pd.api.types.is_bool_dtype(weights) \
                or pd.api.types.is_complex_dtype(weights):
            raise DtypeError(f"{arg('weights')} must hold real numbers; got a Series of "
                             f"dtype {weights.dtype}.")
        values = _series(weights, data, ds)
    else:
        values = weights
    return check_weights(values, ds.nobs)


def weights_column(weights: Any, data: pd.DataFrame, ds: Dataset) -> Any:
    """Check that the column ``weights`` of ``data`` can weight the variables of ``ds``: not
    one of them, and of a real numeric dtype. Returns the label."""
    if weights in list(ds.labels):
        raise InvalidOptionError(
            f"The weights column {weights!r} is also one of the variables in {ref('columns')}; "
            f"a column cannot be both. Remove it from {ref('columns')}."
        )
    column = data[weights]
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column) \
            or pd.api.types.is_complex_dtype(column):
        raise DtypeError(f"The weights column {weights!r} must hold real numbers; got dtype "
                         f"{column.dtype}.")
    return weights


def normalise_weights(w: FloatArray | None, kind: WeightsKind,
                      used: np.ndarray | None = None) -> FloatArray | None:
    """Frequency weights unchanged; analytic weights rescaled so that the ``used`` rows'
    weights (default: all) sum to their non-zero count. Rows a fit does not use — dropped
    for a missing value, or with nothing observed under EM — must not count.

    Examples
    --------
    >>> normalise_weights(np.array([0.2, 0.2, 0.6, 0.0]), "analytic")
    array([0.6, 0.6, 1.8, 0. ])
    >>> normalise_weights(np.array([1.0, 1.0, 8.0]), "analytic", used=np.array([1, 1, 0], bool))
    array([1., 1., 8.])
    """
    if w is None or kind == "frequency":
        return w
    part = w if used is None else w[used]
    total = part.sum()
    return w if total == 0 else w * (np.count_nonzero(part) / total)
