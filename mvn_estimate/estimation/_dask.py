"""``fit`` on a Dask DataFrame, Series or array: partitions reduced on the active scheduler."""

from __future__ import annotations

from typing import Any

from ..data._dask import dask_rows
from ..exceptions import InvalidOptionError, describe
from ._reduce import fit_rows
from ._results import MVNResult

__all__ = ["fit_dask"]


def fit_dask(data: Any, *, columns: Any, missing: Any, weights: Any, weights_kind: Any,
             cov_type: Any, information: Any, tol: Any, max_iter: Any, structure: Any,
             shrinkage: Any, by: Any) -> MVNResult:
    """:func:`~mvn_estimate.fit` of a Dask collection (options already checked by ``fit``).

    Each pass over the data is one tree reduction of per-partition statistics; the numbers
    equal the in-memory fit's to rounding whatever the partitioning.
    """
    if by is not None:
        raise InvalidOptionError(
            "The 'by' argument is not available for a Dask collection; got "
            f"{describe(by)}. Fit each group's rows separately (frame[frame[col] == g]), or "
            "compute() data that fit in memory.")
    if shrinkage is not None:
        raise InvalidOptionError(
            f"The 'shrinkage' argument is not available for a Dask collection; got "
            f"{describe(shrinkage)}. Shrinkage is for n <= p, where the data fit in memory: "
            "compute() them and call fit(data, shrinkage=...).")
    rows, ds = dask_rows(data, columns, weights)
    return fit_rows(rows, ds.labels, missing=missing,
                    weights_kind=None if weights is None else weights_kind, cov_type=cov_type,
                    information=information, tol=tol, max_iter=max_iter, structure=structure)
