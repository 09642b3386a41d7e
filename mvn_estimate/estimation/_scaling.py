"""The one exact rescaling: data whose statistics would over- or underflow float64 are
summarised in units of powers of two, and every estimate is brought back to data units.

Multiplying by a power of two is exact, so the estimates in data units are the ones float64
would give if it had the range. The unstructured model is rescaled column by column
(``Σ = DΣ_uD``); a structured ``Σ(θ)`` by one common power of two ``c`` (its parameters
scale by ``c^k``, :meth:`~mvn_estimate.structures.CovarianceStructure.scale_degrees`), as are
shrinkage estimates (whose intensity is invariant only to a common scale). Every estimator
reaches this module the same way: its statistics are checked by :func:`needs_scale`, and
when they are out of range the rows are read again in units (:func:`units_of`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray
from ..data import Dataset, Rows, Source, add, dataset_source, powers_of_two, show_labels, spread
from ..exceptions import NumericalRangeError, ref
from ..inference import ParamCovariance, Scaled
from ..linalg import vech_indices
from ..model import CovarianceStructure, Unstructured

__all__ = ["Units", "units_of"]

TINY = float(np.finfo(float).tiny)

class _Divided:
    """:class:`~mvn_estimate.data.Rows` read in units: each chunk divided by ``scale``."""

    def __init__(self, rows: Rows, scale: FloatArray) -> None:
        self.rows, self.scale = rows, scale

    def total(self, fn: Any, merge: Any = add, check: Any = None) -> Any:
        return self.rows.total(partial(_divide, fn, self.scale), merge=merge, check=check)

    def head(self) -> Any:
        x, w = self.rows.head()
        return x / self.scale, w


def _divide(fn: Any, scale: FloatArray, x: FloatArray, w: FloatArray | None) -> Any:
    return fn(x / scale, w)


@dataclass(frozen=True)
class Units:
    """Units of powers of two the estimates were computed in: data = units · ``scale``.

    Examples
    --------
    >>> u = Units(np.array([2.0, 4.0]))
    >>> u.unscale_cov(np.eye(2), pd.Index(["a", "b"]))
    array([[ 4.,  0.],
           [ 0., 16.]])
    """

    scale: FloatArray

    @classmethod
    def none(cls, p: int) -> Units:
        """Data units (no rescaling)."""
        return cls(np.ones(p))

    @property
    def identity(self) -> bool:
        """Whether these are the data's own units."""
        return bool(np.all(self.scale == 1.0))

    def rows(self, rows: Rows) -> Rows:
        """``rows`` read in these units."""
        return rows if self.identity else _Divided(rows, self.scale)

    def source(self, source: Source) -> Source:
        """``source`` read in these units (its in-memory data, if any, copied)."""
        if self.identity:
            return source
        if source.dataset is None:
            return dataclasses.replace(source, rows=self.rows(source.rows))
        ds = source.dataset
        return dataset_source(Dataset(self.data(ds.values), ds.labels, ds.index, ds.labelled),
                              source.weights)

    def data(self, x: FloatArray) -> FloatArray:
        """An in-memory array in these units (a copy when rescaled)."""
        return x if self.identity else x / self.scale

    def unscale_cov(self, cov: FloatArray, labels: pd.Index) -> FloatArray:
        """``DΣ_uD`` in data units, or :class:`NumericalRangeError` naming the columns whose
        variances float64 cannot hold."""
        if self.identity:
            return cov
        with np.errstate(over="ignore", under="ignore"):
            out = cov * self.scale[:, None] * self.scale[None, :]
        bad = ~np.isfinite(out).all(axis=0)
        small = np.diag(out) < TINY
        if bad.any() or small.any():
            which = "overflow" if bad.any() else "underflow"
            cols = [c for c, b in zip(labels, bad | small, strict=True) if b]
            raise NumericalRangeError(
                f"The variances of columns {show_labels(cols)} of {ref('data')} {which} "
                "float64 (representable magnitudes: 2.2e-308 to 1.8e308 for a variance, so "
                "data spreads of about 1.5e-154 to 1.3e154). Rescale the data (e.g. multiply "
                "or divide those columns by a power of ten) and scale the estimates back.")
        return out

    def unscale_loglike(self, loglike: float, observed: float | FloatArray) -> float:
        """The log-likelihood in data units: ``ℓ_u − Σⱼ nⱼ log sⱼ``, ``nⱼ`` the (weighted)
        number of observed values of column ``j`` (``n`` for complete data)."""
        counts = np.broadcast_to(np.asarray(observed, dtype=float), self.scale.shape)
        return loglike - float(counts @ np.log(self.scale))

    def factors(self, structure: CovarianceStructure) -> tuple[FloatArray, FloatArray]:
        """Per-parameter units of ``(μ, θ)`` as two factors whose product is the unit (so a
        unit beyond float64's range is never formed): ``(s, 1)`` for the means; ``(s_i, s_j)``
        for ``vech Σ``; ``c^k`` split in two for a structure's parameters."""
        p = self.scale.size
        if isinstance(structure, Unstructured):
            rows, cols = vech_indices(p)
            return (np.concatenate([self.scale, self.scale[rows]]),
                    np.concatenate([np.ones(p), self.scale[cols]]))
        c, k = self.scale[0], structure.scale_degrees()  # degrees 0, 1 or 2
        return (np.concatenate([self.scale, np.where(k >= 1, c, 1.0)]),
                np.concatenate([np.ones(p), np.where(k >= 2, c, 1.0)]))

    def unscale_theta(self, structure: CovarianceStructure, theta: FloatArray) -> FloatArray:
        """The structure's parameters in data units."""
        if self.identity:
            return theta
        first, second = self.factors(structure)
        p = self.scale.size
        with np.errstate(over="ignore", under="ignore"):
            return theta * first[p:] * second[p:]

    def wrap(self, covariance: ParamCovariance,
             structure: CovarianceStructure) -> ParamCovariance:
        """The covariance of the estimates in data units."""
        if self.identity:
            return covariance
        return Scaled(covariance, *self.factors(structure))


def units_of(rows: Rows, origin: FloatArray, common: bool) -> Units:
    """The units for ``rows`` (one pass): per column, or one common power of two."""
    top = rows.total(partial(spread, origin=origin), merge=np.maximum)
    top = np.zeros(origin.size) if top is None else top
    scale = powers_of_two(np.full(top.size, np.max(top)) if common else top)
    return Units(scale)
