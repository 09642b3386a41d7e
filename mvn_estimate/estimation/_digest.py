"""The digest that identifies the data a result was fitted to (what :func:`lr_test` compares)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from .._typing import FloatArray

__all__ = ["data_digest"]


def data_digest(labels: pd.Index, counts: FloatArray, means: FloatArray) -> str:
    """A digest of the data's summaries (same data → same digest, whatever the model).

    Examples
    --------
    >>> len(data_digest(pd.Index(["a"]), np.array([3.0]), np.array([1.5])))
    24
    """
    text = "|".join([repr(list(labels)), *(f"{v:.10g}" for v in np.ravel(counts)),
                     *(f"{v:.10g}" for v in np.ravel(means))])
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
