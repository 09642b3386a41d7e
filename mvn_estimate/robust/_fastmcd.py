"""FastMCD (Rousseeuw & Van Driessen, 1999) with robustbase's defaults: ``nsamp = 500`` random
``(p + 1)``-subsets, two C-steps from each, the ten best iterated to convergence. From
``2·nmini = 600`` rows on, the trials run in up to ``kmini = 5`` random blocks of ``nmini =
300`` rows, their ten best per block are refined on the merged blocks, and the ten best of
those on all rows.

A ``(p + 1)``-subset whose covariance is singular is extended by random rows until it is not,
unless at least ``h`` rows lie on its hyperplane: then the exact fit is reported
(:class:`~._csteps.OnHyperplane`).
"""

from __future__ import annotations

import math

import numpy as np

from .._typing import FloatArray, IntArray
from ._csteps import OnHyperplane, Subset, concentrate, distances, nearest, on_plane, subset_fit

__all__ = ["NMINI", "NSAMP", "fastmcd"]

NSAMP, NMINI, KMINI, KEEP = 500, 300, 5, 10


def _trial(z: FloatArray, h: int, rng: np.random.Generator) -> Subset:
    """A random ``(p + 1)``-subset (extended while singular), then two C-steps."""
    n, p = z.shape
    order = rng.permutation(n)
    size = p + 1
    while True:
        try:
            fit = subset_fit(z, order[:size])
            break
        except OnHyperplane as plane:
            if np.count_nonzero(on_plane(z, plane)) >= h or size >= n:
                raise
            size += 1
    for _ in range(2):
        fit = subset_fit(z, nearest(distances(z, fit), h))
    return fit


def _best(fits: list[Subset], keep: int) -> list[Subset]:
    return sorted(fits, key=lambda f: f.logdet)[:keep]


def _refine(z: FloatArray, fits: list[Subset], h: int, steps: int | None) -> list[Subset]:
    """Each fit's nearest ``h`` rows of ``z``, then ``steps`` C-steps (to convergence for
    None)."""
    out = []
    for fit in fits:
        rows = nearest(distances(z, fit), h)
        if steps is None:
            out.append(concentrate(z, rows, h, 10_000)[0])
        else:
            new = subset_fit(z, rows)
            for _ in range(steps - 1):
                new = subset_fit(z, nearest(distances(z, new), h))
            out.append(new)
    return out


def _in_full(z: FloatArray, rows: IntArray, plane: OnHyperplane, h: int) -> None:
    """A plane found in the rows ``rows`` of ``z``: the exact fit of all rows when at least
    ``h`` of them lie on it (else the trial is dropped)."""
    full = OnHyperplane(rows[plane.rows], plane.normal, plane.offset)
    if np.count_nonzero(on_plane(z, full)) >= h:
        raise full from None


def _block(z: FloatArray, rows: IntArray, h: int, count: int,
           rng: np.random.Generator) -> list[Subset]:
    """The ten best of ``count`` trials in the rows ``rows`` (subset size in proportion)."""
    zb = z[rows]
    hb = math.ceil(rows.size * h / z.shape[0])
    fits = []
    for _ in range(count):
        try:
            fits.append(_trial(zb, hb, rng))
        except OnHyperplane as plane:
            _in_full(z, rows, plane, h)
    return _best(fits, KEEP)


def fastmcd(z: FloatArray, h: int, rng: np.random.Generator) -> Subset:
    """FastMCD on standardised data: the subset of smallest determinant found."""
    n = z.shape[0]
    if n < 2 * NMINI:
        fits = [_trial(z, h, rng) for _ in range(NSAMP)]
        return _best(_refine(z, _best(fits, KEEP), h, None), 1)[0]
    blocks = min(KMINI, n // NMINI)
    order = rng.permutation(n)[:blocks * NMINI]
    candidates = [fit for block in order.reshape(blocks, NMINI)
                  for fit in _block(z, block, h, NSAMP // blocks, rng)]
    merged = z[order]
    try:
        refined = _best(_refine(merged, candidates, math.ceil(order.size * h / n), 2), KEEP)
    except OnHyperplane as plane:
        _in_full(z, order, plane, h)
        refined = candidates[:KEEP]
    return _best(_refine(z, refined, h, None), 1)[0]
