"""Units of powers of two: the one exact rescaling of data whose statistics would over- or
underflow float64 (or lose digits as subnormal numbers).

Dividing by a power of two is exact, so statistics formed in such units are the ones float64
would give with unlimited range. Fits use it through
:mod:`mvn_estimate.estimation._scaling` (only when the statistics are out of range); the
scale-free tests and shrinkage form their statistics in these units always (one more pass),
so that their answers do not depend on the data's scale.
"""

from __future__ import annotations

import numpy as np

from .._typing import FloatArray
from ._stats import SufficientStats

__all__ = ["needs_scale", "powers_of_two", "spread", "unit_scale"]

TINY = float(np.finfo(float).tiny)
STEP = 1 << 19
"""Values per block of the pass that finds the data's spread."""


def powers_of_two(top: FloatArray) -> FloatArray:
    """The power of two nearest each column's largest deviation ``top`` (1 where it is 0 or
    not finite).

    Examples
    --------
    >>> np.log2(powers_of_two(np.array([3e-200, 0.0, 5e250])))
    array([-663.,    0.,  832.])
    """
    top = np.where((top == 0) | ~np.isfinite(top), 1.0, top)
    return np.exp2(np.round(np.log2(top)))


def needs_scale(stats: SufficientStats, power: int = 1) -> bool:
    """Statistics that over- or underflow float64, or come close to it — with ``power=2``,
    the fourth moments formed from the same rows (robust standard errors, shrinkage)."""
    if not stats.finite:
        return True
    diag = np.diag(stats.scatter)
    if power == 2:
        with np.errstate(over="ignore", under="ignore"):
            diag = diag * (diag / max(stats.n, 1.0))
    return bool(np.any((diag > 0) & (diag < 1e16 * TINY)) or np.any(diag > 1e300)
                or np.any(diag == 0))


def spread(x: FloatArray, w: FloatArray | None, origin: FloatArray) -> FloatArray:
    """Each column's largest ``|x − origin|`` over observed values, in blocks of rows (a
    chunk function for :meth:`Rows.total`, merged with ``np.maximum``)."""
    top = np.zeros(origin.size)
    step = max(64, STEP // max(1, x.shape[1]))
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, x.shape[0], step):
            d = np.abs(x[start:start + step] - origin)
            top = np.maximum(top, np.max(np.where(np.isfinite(d), d, 0.0), axis=0,
                                         initial=0.0))
    return top


def unit_scale(values: FloatArray, *, common: bool = False) -> FloatArray:
    """Powers of two that bring each column of ``values`` (or all, by one ``common`` power)
    to order one.

    Examples
    --------
    >>> unit_scale(np.array([[1e-160, 3.0], [3e-160, 5.0]])).tolist()[1]
    2.0
    """
    finite = np.where(np.isfinite(values[:1]), values[:1], 0.0)[0] if values.shape[0] else \
        np.zeros(values.shape[1])
    top = spread(values, None, finite)
    return powers_of_two(np.full(top.size, np.max(top, initial=0.0)) if common else top)
