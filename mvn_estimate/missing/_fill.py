"""Missing values filled from the conditional normal of each row given its observed values.

Under ``(μ, Σ)`` the missing entries ``x_m`` of a row given its observed ones ``x_o`` are
normal with mean ``μ_m − K(x_o − μ_o)`` and covariance ``C = Λ_mm⁻¹`` (``K = CΛ_mo``; see
:mod:`._conditional`). :func:`fill` replaces every NaN by that conditional mean, or by a draw
``mean + Lε`` (``C = LLᵀ``, ``ε ~ N(0, I)``) — what an imputation is. Rows are grouped by
their missing columns as EM groups them (one batched inverse per number of missing columns),
and nothing is required of the rows: any data, any pattern, a row with nothing observed
(filled from the marginal ``N(μ, Σ)``).

The arithmetic runs in standardised units — each column divided by the power of two nearest
``√σ_jj``, an exact scaling — so that data at any scale (1e-150 or 1e150) are filled as
accurately as data near one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .._typing import FloatArray, IntArray
from ..data import powers_of_two
from ..linalg import PDFactor
from ._conditional import conditional, row_moments
from ._patterns import Group, _groups, _masks_of, _sorted_patterns, pattern_keys

__all__ = ["Bounded", "RowGroups", "fill", "fill_bounded", "row_groups"]


@dataclass(frozen=True, eq=False)
class RowGroups:
    """The rows of some data grouped by their missing columns (nothing is checked).

    ``groups`` are the groups with at least one missing column; the rows of group ``g`` are
    ``order[g.raw_rows]`` and their patterns the positions ``g.raw_local`` (see
    :class:`~._patterns.Group`).
    """

    masks: np.ndarray
    groups: list[Group]
    order: IntArray

    @property
    def p(self) -> int:
        return int(self.masks.shape[1])


def row_groups(observed: np.ndarray) -> RowGroups:
    """Group rows by their observed-mask ``observed`` (n, p).

    Examples
    --------
    >>> g = row_groups(np.array([[True, False], [True, True], [True, False]]))
    >>> [grp.nmissing for grp in g.groups], g.order[g.groups[0].raw_rows].tolist()
    ([1], [0, 2])
    """
    uniq, inverse, _, order = _sorted_patterns(pattern_keys(observed))
    masks = _masks_of(uniq, observed.shape[1])
    groups = _groups(masks, np.full(uniq.size, -1, dtype=np.intp), inverse[order])
    return RowGroups(masks, [g for g in groups if g.nmissing], order)


def _units(cov: FloatArray) -> tuple[FloatArray, FloatArray, float]:
    """Powers of two near the standard deviations, and ``Λ``, ``ln|Σ|`` of the standardised
    covariance."""
    scale = powers_of_two(np.sqrt(np.diag(cov)))
    fac = PDFactor.of(cov / scale[:, None] / scale[None, :], name="cov")
    return scale, fac.inverse(), fac.logdet


def _conditionals(x: FloatArray, groups: RowGroups, mean: FloatArray, cov: FloatArray,
                  draws: bool) -> Iterator[tuple[IntArray, IntArray, FloatArray,
                                                 FloatArray | None]]:
    """For each group: its rows, their missing columns, the conditional means (data units)
    and, when ``draws``, each row's factor ``F`` of the conditional covariance (``FFᵀ = C``
    in data units)."""
    scale, prec, logdet = _units(cov)
    for g in groups.groups:
        rows = groups.order[g.raw_rows]
        con = conditional(g, prec, logdet)
        z = np.nan_to_num((x[rows] - mean) / scale)
        u = row_moments(z, g.raw_local, groups.masks, g, con, np.zeros(groups.p), prec)[2]
        mis = g.mis[g.raw_local]
        factor = None
        if draws:
            factor = np.linalg.cholesky(con.cond)[g.raw_local] * scale[mis][:, :, None]
        yield rows, mis, mean[mis] - scale[mis] * u, factor


def fill(x: FloatArray, mean: FloatArray, cov: FloatArray, groups: RowGroups, *,
         rng: np.random.Generator | None = None) -> FloatArray:
    """A copy of ``x`` (NaN = missing) with every missing entry replaced by its conditional
    mean under ``(μ, Σ)``, or by a draw from the conditional normal when ``rng`` is given.

    ``groups`` is :func:`row_groups` of ``~np.isnan(x)``; ``cov`` must be positive definite.

    Examples
    --------
    >>> x = np.array([[1.0, np.nan], [np.nan, np.nan]])
    >>> cov = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> fill(x, np.zeros(2), cov, row_groups(~np.isnan(x)))
    array([[1. , 0.5],
           [0. , 0. ]])
    """
    out = x.copy()
    for rows, mis, centre, factor in _conditionals(x, groups, mean, cov, rng is not None):
        value = centre
        if factor is not None and rng is not None:
            value = centre + np.einsum("rij,rj->ri", factor, rng.standard_normal(mis.shape))
        out[rows[:, None], mis] = value
    return out


@dataclass(frozen=True)
class Bounded:
    """The outcome of :func:`fill_bounded`: the filled data, the redraws per column, and the
    rows still outside their bounds after the last redraw (none when it succeeded)."""

    values: FloatArray
    redraws: IntArray
    failed: IntArray


def fill_bounded(x: FloatArray, mean: FloatArray, cov: FloatArray, groups: RowGroups,
                 rng: np.random.Generator, lower: FloatArray, upper: FloatArray,
                 max_redraws: int) -> Bounded:
    """Draws as :func:`fill`, with each row whose drawn values leave ``[lower, upper]``
    (per column; ``±inf`` for none) drawn again from the same conditional normal, at most
    ``max_redraws`` times (Amelia's rule). Nothing is clipped: rows still outside after the
    last redraw are reported in :attr:`Bounded.failed` (the caller raises).

    Examples
    --------
    >>> x = np.array([[0.0, np.nan]] * 4)
    >>> b = fill_bounded(x, np.zeros(2), np.eye(2), row_groups(~np.isnan(x)),
    ...                  np.random.default_rng(0), np.array([-np.inf, 0.0]),
    ...                  np.full(2, np.inf), 100)
    >>> bool((b.values[:, 1] >= 0).all()), b.failed.size
    (True, 0)
    """
    out = x.copy()
    redraws = np.zeros(x.shape[1], dtype=np.intp)
    failed: list[IntArray] = []
    for rows, mis, centre, factor in _conditionals(x, groups, mean, cov, True):
        assert factor is not None
        value = centre + np.einsum("rij,rj->ri", factor, rng.standard_normal(mis.shape))
        bad = _outside(value, mis, lower, upper)
        for _ in range(max_redraws):
            if not bad.any():
                break
            np.add.at(redraws, mis[bad].ravel(), 1)
            idx = np.flatnonzero(bad)
            value[idx] = centre[idx] + np.einsum("rij,rj->ri", factor[idx],
                                                 rng.standard_normal((idx.size, mis.shape[1])))
            bad[idx] = _outside(value[idx], mis[idx], lower, upper)
        failed.append(rows[bad])
        out[rows[:, None], mis] = value
    gone = np.concatenate(failed) if failed else np.zeros(0, dtype=np.intp)
    return Bounded(out, redraws, np.sort(gone))


def _outside(value: FloatArray, mis: IntArray, lower: FloatArray, upper: FloatArray) -> np.ndarray:
    return np.asarray(((value < lower[mis]) | (value > upper[mis])).any(axis=1))

