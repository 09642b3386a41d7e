"""The estimator seam: an :class:`Estimator` reads a source and returns one :class:`Estimate`;
the pipeline turns it into a result (:meth:`Estimator.result`, by default :func:`assemble`).

An estimator reduces the source (:mod:`._reduce`), estimates in the units the statistics were
formed in, and hands back what the covariance builders (:mod:`._covariances`) and the result
need: the estimates, the log-likelihood, the information at the estimate and the per-row
"meat" of a sandwich, the rows for a second pass, and what the fit reports. A new estimator
is one module with its class and one line in :data:`~mvn_estimate.estimation.ESTIMATORS`
(:mod:`._registry`); its standard errors, one builder in
:data:`~mvn_estimate.estimation.BUILDERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from .._typing import FloatArray
from ..data import Dataset, Rows, Source
from ..guards import ShrinkageResult
from ..inference import ParamCovariance
from ..model import CovarianceStructure, Unstructured
from ._results import EMInfo, MVNResult
from ._scaled import score_moments
from ._scaling import Units

if TYPE_CHECKING:
    from ._spec import FitSpec

__all__ = ["Estimate", "Estimator", "assemble"]


@dataclass(frozen=True, eq=False)
class Estimate:
    """What an estimator found, in ``units`` (the pipeline brings it to the data's units).

    ``information(kind)`` is the information at the estimate over the free parameters ``(μ,
    θ)``; ``meat()`` the outer products of the per-row scores (a second pass over ``rows``);
    ``free`` marks the parameters not held at a bound.
    """

    mean: FloatArray
    cov: FloatArray
    theta: FloatArray
    structure: CovarianceStructure
    loglike: float
    nobs: float
    units: Units
    data_id: str
    dropped: int = 0
    rows: Rows | None = None
    kept: Dataset | None = None
    information: Callable[[str], FloatArray] | None = None
    meat: Callable[[], FloatArray] | None = None
    free: np.ndarray | None = None
    at_bounds: tuple[str, ...] = ()
    em: EMInfo | None = None
    shrinkage: ShrinkageResult | None = None
    what: str = field(default="the model")
    observed: FloatArray | None = None
    """Observed (weighted) values per column, when not every row observes every column."""


class Estimator:
    """Base class: a way of estimating ``(μ, Σ)`` from a source (see the module notes)."""

    family: ClassVar[str] = ""
    streams: ClassVar[bool] = True
    """Whether rows read in chunks (files, Dask) suffice, or the rows must be in memory."""

    def accepts(self, spec: FitSpec, given: list[str]) -> None:
        """Refuse options this estimator cannot honour (``given``: options the caller set)."""

    def estimate(self, source: Source, spec: FitSpec,
                 structure: CovarianceStructure) -> Estimate:
        raise NotImplementedError  # pragma: no cover - every estimator implements it

    def result(self, source: Source, spec: FitSpec, estimate: Estimate,
               covariance: ParamCovariance) -> Any:
        """The result the pipeline returns (default: an :class:`MVNResult`)."""
        return assemble(source, spec, estimate, covariance)


def assemble(source: Source, spec: FitSpec, e: Estimate,
             covariance: ParamCovariance) -> MVNResult:
    """The one result assembler: estimates in data units and labels, and the one covariance
    estimator of the estimates."""
    labels = source.labels
    cov = e.units.unscale_cov(e.cov, labels)
    cov = (cov + cov.T) / 2
    mean = e.mean * e.units.scale
    theta = e.structure.start(cov) if isinstance(e.structure, Unstructured) else \
        e.units.unscale_theta(e.structure, e.theta)
    return MVNResult(
        mean=pd.Series(mean, index=labels, name="mean"),
        cov=pd.DataFrame(cov, index=labels, columns=labels),
        nobs=float(e.nobs),
        loglike=float(e.units.unscale_loglike(e.loglike, e.nobs if e.observed is None else
                                              e.observed)),
        missing=spec.missing, nobs_dropped=e.dropped, em=e.em,
        weights_kind=spec.weights_kind if spec.weighted else None, structure=e.structure,
        theta=np.asarray(theta, dtype=float), at_bounds=e.at_bounds, data_id=e.data_id,
        param_cov=covariance, data=e.kept if source.in_memory else None,
        shrinkage=e.shrinkage, scores=score_moments(e, spec))
