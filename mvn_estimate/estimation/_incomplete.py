"""What a fit with missing values adds to its result: the conditional means of the missing
entries (:meth:`MVNResult.impute`), the fraction of missing information
(:attr:`MVNResult.fmi`), and auxiliary variables (``fit(..., auxiliary=[...])``).

Auxiliary variables (Graham, 2003; semTools ``auxiliary()``) are saturated correlates: the
fit is the unstructured FIML fit of ``columns + auxiliary`` (the auxiliaries correlate freely
with every variable and with each other), and the result keeps the ``columns``: their means
and covariance, the matching sub-block of the covariance of the estimates, and — as semTools
reports them — the log-likelihood and number of parameters of the joint model.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._typing import FloatArray, IntArray
from ..data import (
    Dataset,
    is_dask,
    locate_nonfinite,
    powers_of_two,
    select_columns,
    show_labels,
)
from ..exceptions import InvalidOptionError, LabelError, arg, describe, ref, setting
from ..inference import ParamCovariance, classic_variance
from ..linalg import vech_indices
from ..missing import fill, row_groups
from ..model import Unstructured

if TYPE_CHECKING:
    from ._results import MVNResult

__all__ = ["Selected", "check_auxiliary", "conditional_means", "fraction_missing_information",
           "joint_columns", "restrict"]


def conditional_means(res: MVNResult, data: Any) -> Any:
    """``data`` (default: the fitted rows) with each missing entry of the fitted columns
    replaced by ``E[x_m | x_o]`` under the fit (see :meth:`MVNResult.impute`); a Dask
    DataFrame gives a Dask DataFrame, filled partition by partition when computed."""
    if data is None:
        if res.data is None:
            raise InvalidOptionError(
                "This fit kept no rows (it was fitted from a file, Dask partitions or "
                "statistics); pass them: result.impute(data).")
        ds = res.data
        frame: Any = pd.DataFrame(ds.values, index=ds.index, columns=ds.labels) \
            if ds.labelled else ds.values
        return _filled(frame, ds, res.mean.to_numpy(), res.cov.to_numpy())
    if is_dask(data):
        return _dask_means(res, data)
    return _filled(data, select_columns(data, res.labels), res.mean.to_numpy(),
                   res.cov.to_numpy())


def _filled(frame: Any, ds: Dataset, mean: FloatArray, cov: FloatArray) -> Any:
    """``frame`` (a DataFrame or an array, whose fitted columns ``ds`` holds) with its missing
    entries replaced by their conditional means under ``N(mean, cov)``."""
    if np.isinf(ds.values).any():
        locate_nonfinite(ds, allow_nan=True)
    missing = np.isnan(ds.values)
    filled = fill(ds.values, mean, cov, row_groups(~missing)) if missing.any() \
        else ds.values.copy()
    if not isinstance(frame, pd.DataFrame):
        return filled
    out = frame.copy()
    at = out.columns.get_indexer(ds.labels)  # unique labels: checked when reading them
    for j in np.flatnonzero(missing.any(axis=0)).tolist():  # only these change (dtypes kept)
        out.isetitem(int(at[j]), filled[:, j])
    return out


def _fill_partition(frame: pd.DataFrame, mean: FloatArray, cov: FloatArray,
                    labels: list[Any]) -> pd.DataFrame:
    return _filled(frame, select_columns(frame, pd.Index(labels), min_rows=0), mean, cov)


def _dask_means(res: MVNResult, data: Any) -> Any:
    """A Dask DataFrame filled lazily, partition by partition (its columns checked now)."""
    meta = getattr(data, "_meta", None)
    if not isinstance(meta, pd.DataFrame):
        raise InvalidOptionError(
            f"{arg('data')} must be a Dask DataFrame holding the fitted columns (matched by "
            f"label); got {describe(data)}. Convert it with to_dask_dataframe(columns=[...]).")
    select_columns(meta, res.labels, min_rows=0)  # bad columns: refused before computing
    return data.map_partitions(_fill_partition, res.mean.to_numpy(), res.cov.to_numpy(),
                               list(res.labels), meta=meta)


def fraction_missing_information(res: MVNResult) -> pd.Series:
    """lavaan's fraction of missing information per parameter (see :attr:`MVNResult.fmi`)."""
    if res.missing != "em":
        raise InvalidOptionError(
            f"The fraction of missing information compares the information of the observed "
            f"data with that of complete data, so it needs a fit with "
            f"{setting('missing', 'em')}; this fit used {setting('missing', res.missing)}. "
            "Refit with missing='em'.")
    if not isinstance(res.structure, Unstructured) or res.cov_type != "classic":
        what = f"cov_type={res.cov_type!r}" if res.cov_type != "classic" else \
            f"the {res.structure.name} structure"
        raise InvalidOptionError(
            f"The fraction of missing information is available for the unstructured model "
            f"with classic (information) standard errors; this fit has {what}. Refit with "
            f"{setting('structure', 'unstructured')} and {setting('cov_type', 'classic')}.")
    cov = res.cov.to_numpy()
    scale = powers_of_two(np.sqrt(np.diag(cov)))
    rows, cols = vech_indices(res.nvars)
    first = np.concatenate([scale, scale[rows]])
    second = np.concatenate([np.ones(res.nvars), scale[cols]])
    fiml = (res.param_cov.std() / first) / second  # standardised units: no overflow
    complete = classic_variance(cov / scale[:, None] / scale[None, :], res.nobs)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1.0 - complete / fiml**2
    assert res.em is not None
    full = (res.em.missing_fraction.loc[res.labels] == 0).to_numpy()
    out[np.concatenate([full, full[rows] & full[cols]])] = 0.0
    return pd.Series(out, index=res.params.index, name="fmi")


def check_auxiliary(auxiliary: Any, missing: str, structure: Any) -> tuple[Any, ...]:
    """``auxiliary`` as a tuple of labels, checked against the fit's options (the labels
    themselves are checked against the data by :func:`joint_columns`)."""
    if auxiliary is None:
        return ()
    if not isinstance(auxiliary, list | pd.Index | np.ndarray) or not len(auxiliary):
        raise InvalidOptionError(
            f"{arg('auxiliary')} must be a non-empty list of column labels; got "
            f"{describe(auxiliary)}.")
    labels = list(auxiliary)
    if len(pd.Index(labels).unique()) != len(labels):
        raise LabelError(f"{arg('auxiliary')} repeats a label: {show_labels(labels)}.")
    if missing != "em":
        raise InvalidOptionError(
            f"{arg('auxiliary')} names variables that inform the estimates of incomplete data "
            f"through {setting('missing', 'em')}; got {setting('missing', missing)}. Pass "
            "missing='em', or drop the auxiliary variables.")
    if not isinstance(structure, Unstructured):
        raise InvalidOptionError(
            f"{arg('auxiliary')} is available for the unstructured model (the auxiliaries are "
            f"saturated correlates of an unstructured covariance); got the "
            f"{structure.name} structure. Fit without a structure, or without auxiliaries.")
    return tuple(labels)


def joint_columns(data: Any, columns: Any, auxiliary: tuple[Any, ...],
                  weights: Any = None, by: Any = None) -> list[Any]:
    """The columns of the joint model, ``columns + auxiliary``, checked against ``data``'s
    columns (default ``columns``: every other column but a ``weights`` or ``by`` column)."""
    available = getattr(data, "columns", None)
    if available is None:
        raise InvalidOptionError(
            f"{arg('auxiliary')} names DataFrame columns; got an array for {ref('data')}. "
            "Pass a DataFrame (pd.DataFrame(x, columns=[...])).")
    if by is not None and np.ndim(by) == 0 and any(_same(a, by) for a in auxiliary):
        raise LabelError(f"{arg('auxiliary')} names {by!r}, the column that defines the "
                         f"groups ({ref('by')}); an auxiliary variable informs the fit of "
                         "every group. Leave it out of auxiliary.")
    absent = [c for c in auxiliary if c not in available]
    if absent:
        raise LabelError(f"{arg('auxiliary')} names {show_labels(absent)}, not in "
                         f"{ref('data')}. Available: {show_labels(available, 20)}.")
    if columns is None:
        return [c for c in available if c not in auxiliary and not _same(c, weights)
                and not _same(c, by)] + list(auxiliary)
    if not isinstance(columns, list | pd.Index | np.ndarray):
        return columns  # type: ignore[no-any-return]  # refused by the data check
    both = [c for c in columns if c in auxiliary]
    if both:
        raise LabelError(
            f"{arg('auxiliary')} and {ref('columns')} share {show_labels(both)}: a variable is "
            "either modelled (columns) or auxiliary (informs the fit, not reported). Remove it "
            "from one of them.")
    return [*columns, *auxiliary]


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(type(a) is type(b) and a == b)
    except (TypeError, ValueError):
        return False


class Selected(ParamCovariance):
    """The covariance of some of the estimates: rows and columns ``index`` of ``base``'s."""

    def __init__(self, base: ParamCovariance, index: IntArray, note: str) -> None:
        super().__init__(index.size)
        self.base, self.index = base, index
        self.cov_type, self.information = base.cov_type, base.information
        self.formula = f"{base.formula} ({note})"

    def diag(self) -> FloatArray:
        return self.base.diag()[self.index]

    def std(self) -> FloatArray:
        return self.base.std()[self.index]

    def _dense(self) -> FloatArray:
        return self.base.dense()[np.ix_(self.index, self.index)]


def _positions(q: int, p: int) -> IntArray:
    """Positions in ``(μ, vech Σ)`` of ``q`` variables of the parameters of the first ``p``."""
    at = np.zeros((q, q), dtype=np.intp)
    rows, cols = vech_indices(q)
    at[rows, cols] = np.arange(rows.size)
    sub_rows, sub_cols = vech_indices(p)
    return np.concatenate([np.arange(p), q + at[sub_rows, sub_cols]])


def restrict(res: MVNResult, auxiliary: tuple[Any, ...]) -> MVNResult:
    """The result of a joint fit of ``columns + auxiliary`` reduced to the ``columns`` (the
    first variables): everything but the log-likelihood, the data digest and the EM report,
    which stay those of the joint model."""
    q, p = res.nvars, res.nvars - len(auxiliary)
    labels = res.labels[:p]
    cov = res.cov.iloc[:p, :p]
    structure = Unstructured().bind(labels)
    data = None if res.data is None else Dataset(res.data.values[:, :p], labels,
                                                 res.data.index, res.data.labelled)
    note = f"sub-block of the joint model with auxiliary {show_labels(auxiliary)}"
    return replace(res, mean=res.mean.iloc[:p], cov=cov, structure=structure,
                   theta=structure.start(cov.to_numpy()),
                   param_cov=Selected(res.param_cov, _positions(q, p), note), data=data,
                   auxiliary=tuple(auxiliary))
