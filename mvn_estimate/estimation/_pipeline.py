"""The one pipeline: reduce → estimate → covariance of the estimates → assemble.

:func:`fit_rows` fits any :class:`~mvn_estimate.data.Source` — an in-memory array or
DataFrame, a file read in chunks, Dask partitions — with a :class:`FitSpec`: the estimator the
spec names reduces the rows and estimates (:mod:`._estimators`), the builder registered for
its family and ``cov_type`` makes the covariance of the estimates (:mod:`._covariances`), and
the estimator's :meth:`~._estimate.Estimator.result` (by default :func:`~._estimate.assemble`)
brings everything to the data's units and labels.
"""

from __future__ import annotations

from typing import Any

from ..data import Source
from ..exceptions import InvalidOptionError, arg, describe
from ..inference import Embedded
from ._covariances import refuse_stream
from ._registry import ESTIMATORS
from ._spec import FitSpec

__all__ = ["fit_rows"]


def _refusals(source: Source, spec: FitSpec) -> None:
    """What needs the rows in memory, refused for rows read in chunks (before any pass)."""
    if source.in_memory:
        return
    estimator = ESTIMATORS[spec.estimator]
    if not estimator.streams:
        raise InvalidOptionError(
            f"{arg(spec.estimator)} is not available for {source.kind}; got "
            f"{describe(spec.shrinkage)}. Shrinkage is for n <= p, where the data fit in "
            f"memory: {source.load} with shrinkage=...")
    builder = spec.builder()
    if not builder.streams:
        refuse_stream(builder, source.load)


def fit_rows(source: Source, spec: FitSpec) -> Any:
    """Fit ``source`` as ``spec`` says: the one function behind ``fit``, ``fit_file`` and the
    Dask path (an :class:`MVNResult` for the ML estimators; the result the spec's estimator
    makes otherwise).

    Examples
    --------
    >>> import numpy as np
    >>> from mvn_estimate.data import memory_source
    >>> res = fit_rows(memory_source(np.array([[1.0], [2.0], [4.0]])), FitSpec.of())
    >>> res.nobs, round(float(res.cov.iloc[0, 0]), 6)
    (3.0, 1.555556)
    """
    _refusals(source, spec)
    structure = spec.structure.bind(source.labels)
    estimate = ESTIMATORS[spec.estimator].estimate(source, spec, structure)
    covariance = spec.builder().make(estimate, spec.information)
    if estimate.free is not None and not estimate.free.all():
        covariance = Embedded(covariance, estimate.free)
    covariance = estimate.units.wrap(covariance, structure)
    covariance.diag()  # now (a robust pass reads the rows), not when the rows may be gone
    return ESTIMATORS[spec.estimator].result(source, spec, estimate, covariance)
