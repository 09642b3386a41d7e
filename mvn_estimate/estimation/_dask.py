"""``fit`` on a Dask DataFrame, Series or array: partitions reduced on the active scheduler."""

from __future__ import annotations

from typing import Any

from ..data._dask import dask_rows
from ..exceptions import InvalidOptionError
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
    given = [name for name, value in (("by", by), ("shrinkage", shrinkage)) if value is not None]
    if given:
        raise InvalidOptionError(
            f"The {given[0]!r} argument is not available for a Dask collection (it needs the "
            "rows in memory). Fit each group's partitions separately, or compute() a sample "
            "that fits in memory.")
    rows, ds = dask_rows(data, columns, weights)
    return fit_rows(rows, ds.labels, missing=missing,
                    weights_kind=None if weights is None else weights_kind, cov_type=cov_type,
                    information=information, tol=tol, max_iter=max_iter, structure=structure)
