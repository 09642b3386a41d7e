"""Outliers of a fit judged against the robust (MCD) fit of its rows: what
``MVNResult.outliers(method="mcd")`` does (the MCD itself is :mod:`mvn_estimate.robust`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..exceptions import InvalidOptionError, setting
from ..robust import mcd

if TYPE_CHECKING:
    from ._results import MVNResult

__all__ = ["mcd_outliers"]


def mcd_outliers(res: MVNResult, alpha: float, data: Any) -> pd.DataFrame:
    """The fitted rows' MCD (deterministic, reweighted) and its finite-sample calibrated
    outliers among the fitted rows, or among ``data``."""
    why = None
    if res.data is None:
        why = "this fit keeps no rows (it was fitted from a file or a Dask collection)"
    elif res.weights_kind is not None:
        why = "the MCD does not take weights"
    elif np.isnan(res.data.values).any():
        why = "the fitted rows have missing values and the MCD needs complete rows"
    if why is not None:
        raise InvalidOptionError(
            f"{setting('method', 'mcd')} fits the MCD to the fitted rows, but {why}. Call "
            "mvn_estimate.mcd(rows).outliers() on complete, unweighted rows in memory, or use "
            f"{setting('method', 'mvn')}.")
    assert res.data is not None
    frame = res.data.values if not res.data.labelled else \
        pd.DataFrame(res.data.values, index=res.data.index, columns=res.data.labels)
    return mcd(frame).outliers(alpha, data=data)
