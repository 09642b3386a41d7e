"""Concentration steps (Rousseeuw & Van Driessen, 1999): an ``h``-subset's mean and covariance
give every row a distance; the ``h`` nearest rows form the next subset, whose covariance
determinant is never larger. Repeated until the subset repeats.

A subset whose covariance is singular lies on a hyperplane: :class:`OnHyperplane` carries the
plane (its unit normal ``a`` and ``aᵀx = offset``) to the caller, which reports the exact fit.
Rows are taken in order of distance with ties broken by row number (a stable sort), as
robustbase does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._typing import FloatArray, IntArray
from ..linalg import PDFactor

__all__ = ["OnHyperplane", "Subset", "concentrate", "distances", "nearest", "on_plane",
           "subset_fit"]


@dataclass(frozen=True, eq=False)
class Subset:
    """An ``h``-subset (sorted row numbers), its mean and covariance (divisor ``h − 1``),
    ``log det`` of the covariance, and the inverse Cholesky factor for distances."""

    rows: IntArray
    mean: FloatArray
    cov: FloatArray
    logdet: float
    whitener: FloatArray


class OnHyperplane(Exception):
    """A subset whose covariance is singular: the rows lie on the plane ``aᵀx = offset``."""

    def __init__(self, rows: IntArray, normal: FloatArray, offset: float) -> None:
        super().__init__("subset on a hyperplane")
        self.rows, self.normal, self.offset = rows, normal, offset


def subset_fit(z: FloatArray, rows: IntArray) -> Subset:
    """Mean and covariance of ``z[rows]``; :class:`OnHyperplane` when the covariance is
    singular by the package's one rule (:class:`~mvn_estimate.linalg.PDFactor`)."""
    rows = np.sort(rows)  # the sums in row order, whatever order the rows were found in
    sub = z[rows]
    mean = sub.mean(axis=0)
    centred = sub - mean
    cov = centred.T @ centred / (rows.size - 1)
    cov = (cov + cov.T) / 2
    fac = PDFactor.maybe(cov)
    if fac is None:
        normal = np.linalg.eigh(cov)[1][:, 0]
        raise OnHyperplane(rows, normal, float(mean @ normal))
    return Subset(rows, mean, cov, fac.logdet, fac.whitener())


def distances(z: FloatArray, fit: Subset) -> FloatArray:
    """Squared Mahalanobis distances of every row to the subset's mean and covariance."""
    u = (z - fit.mean) @ fit.whitener
    return np.einsum("ij,ij->i", u, u)


def nearest(d2: FloatArray, h: int) -> IntArray:
    """The ``h`` rows of smallest ``d2`` (ties by row number, as a stable sort), in row
    order — by one partition, without sorting the distances."""
    if h >= d2.size:
        return np.arange(d2.size)
    cut = np.partition(d2, h - 1)[h - 1]
    below = d2 < cut
    tied = np.flatnonzero(d2 == cut)[:h - int(np.count_nonzero(below))]
    below[tied] = True
    return np.flatnonzero(below)


def concentrate(z: FloatArray, rows: IntArray, h: int,
                max_steps: int) -> tuple[Subset, int]:
    """C-steps from ``rows`` until the subset repeats (or ``max_steps``); returns the last
    subset's fit and the number of subsets fitted (the repeated one included).

    robustbase counts a step more where the repeated subset comes in another order of
    distance; the subsets, and so the estimate, are the same.
    """
    fit = subset_fit(z, rows)
    for step in range(2, max_steps + 1):
        new = nearest(distances(z, fit), h)
        if np.array_equal(new, fit.rows):
            return fit, step
        fit = subset_fit(z, new)
    return fit, max_steps


def on_plane(z: FloatArray, plane: OnHyperplane) -> np.ndarray:
    """Rows of ``z`` on the plane, within the spread of the subset that found it (or a
    ``1e-9`` of the data's unit, whichever is larger)."""
    resid = z @ plane.normal - plane.offset
    tol = max(float(np.max(np.abs(resid[plane.rows]))) * (1 + 1e-9), 1e-9)
    return np.asarray(np.abs(resid) <= tol)
