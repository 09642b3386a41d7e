"""The marginal of a fit over some of its columns: the sub-vector of the mean, the sub-block of
the covariance, and the matching block of the covariance of the estimates (by the delta
method through the structure for a structured fit)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._typing import FloatArray
from ..data import Dataset
from ..inference import NotAvailable, ParamCovariance, Selected, Transformed
from ..linalg import vech_indices
from ..missing import loglike as observed_loglike
from ..model import Unstructured, vech_position
from ..regression import block_labels, label_positions

if TYPE_CHECKING:
    from ._results import MVNResult

__all__ = ["marginal"]


def _param_cov(res: MVNResult, pos: np.ndarray) -> ParamCovariance:
    p, q = res.nvars, pos.size
    rows, cols = vech_indices(q)
    entries = vech_position(p)[pos[rows], pos[cols]]
    if isinstance(res.param_cov, NotAvailable):
        return NotAvailable(q + rows.size, res.param_cov.why)
    if res.structure.name == "unstructured":
        return Selected(res.param_cov, np.concatenate([pos, p + entries]))
    jac = np.zeros((q + rows.size, res.nparams))
    jac[np.arange(q), pos] = 1.0
    jac[q:, p:] = res.structure.jacobian(res.theta)[entries]
    return Transformed(res.param_cov, jac)


def _loglike(res: MVNResult, pos: np.ndarray, mean: FloatArray, cov: FloatArray) -> float:
    """At the marginal estimates: in closed form for complete data and the unstructured
    model (they are then the marginal sample moments); from the kept rows otherwise
    (unweighted fits in memory); NaN when neither is available."""
    q = pos.size
    if res.missing != "em" and res.structure.name == "unstructured":
        logdet = np.linalg.slogdet(cov)[1]
        return float(-0.5 * res.nobs * (q * np.log(2 * np.pi) + logdet + q))
    if res.data is None or res.weights_kind is not None:
        return float("nan")
    return float(observed_loglike(res.data.values[:, pos], mean, cov))


def marginal(res: MVNResult, columns: Any) -> MVNResult:
    """See :meth:`MVNResult.marginal`."""
    cols = block_labels(columns, "columns")
    pos = label_positions(cols, res.labels, "columns")
    labels = res.labels[pos]
    mean, cov = res.mean.to_numpy()[pos], res.cov.to_numpy()[np.ix_(pos, pos)]
    rows, cc = vech_indices(pos.size)
    data = None if res.data is None else Dataset(res.data.values[:, pos], labels,
                                                 res.data.index, res.data.labelled)
    em = None if res.em is None else dataclasses.replace(
        res.em, missing_fraction=res.em.missing_fraction.iloc[pos])
    return dataclasses.replace(
        res, mean=pd.Series(mean, index=labels, name="mean"),
        cov=pd.DataFrame(cov, index=labels, columns=labels),
        loglike=_loglike(res, pos, mean, cov), em=em,
        structure=Unstructured().bind(labels), theta=cov[rows, cc], at_bounds=(),
        data_id=f"{res.data_id}/columns{pos.tolist()}", param_cov=_param_cov(res, pos),
        data=data)
