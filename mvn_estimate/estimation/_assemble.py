"""The one result assembler, and the digest that identifies the data a result was fitted to."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from .._typing import FloatArray
from ..data import Dataset
from ..inference import ParamCovariance
from ..model import CovarianceStructure, Unstructured
from ._results import EMInfo, MVNResult

__all__ = ["assemble", "data_digest"]


def data_digest(labels: pd.Index, counts: FloatArray, means: FloatArray) -> str:
    """A digest of the data's summaries (same data → same digest, whatever the model)."""
    text = "|".join([repr(list(labels)), *(f"{v:.10g}" for v in np.ravel(counts)),
                     *(f"{v:.10g}" for v in np.ravel(means))])
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def assemble(ds: Dataset, mean: FloatArray, cov: FloatArray, nobs: float, loglike: float,
             covariance: ParamCovariance, *, missing: str, dropped: int,
             weights_kind: str | None, data_id: str, em: EMInfo | None = None,
             structure: CovarianceStructure | None = None, theta: FloatArray | None = None,
             at_bounds: tuple[str, ...] = (), keep_data: bool = True) -> MVNResult:
    """The one result assembler: labelled estimates plus the one covariance estimator."""
    labels = ds.labels
    cov = (cov + cov.T) / 2
    if structure is None:
        structure = Unstructured().bind(labels)
    if theta is None or isinstance(structure, Unstructured):
        theta = structure.start(cov)
    return MVNResult(
        mean=pd.Series(mean, index=labels, name="mean"),
        cov=pd.DataFrame(cov, index=labels, columns=labels),
        nobs=float(nobs), loglike=float(loglike), cov_type=covariance.cov_type,
        missing=missing, nobs_dropped=dropped, em=em, weights_kind=weights_kind,
        structure=structure, theta=np.asarray(theta, dtype=float), at_bounds=at_bounds,
        data_id=data_id, param_cov=covariance, data=ds if keep_data else None,
    )
