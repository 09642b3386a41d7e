"""The parameters of a grouped fit: which are shared, how they are named, where each group's
own ``(μ_g, θ_g)`` sit among them, and the covariance of the estimates seen from one group.

A parameter shared by every group appears once, named as in a single fit (``mean[a]``,
``cov[a,b]``, a structure's ``variance``); the others appear once per group, named
``name@group`` (``mean[a]@setosa``). The means come first — shared, or group after group —
then the covariance parameters, likewise. With nothing shared the layout is the groups'
parameters one group after another, and the covariance of the estimates is block diagonal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._typing import FloatArray
from ..inference import ParamCovariance

__all__ = ["Layout", "Selected", "Stacked"]


@dataclass(frozen=True, eq=False)
class Layout:
    """Names, kinds and sharing of a grouped fit's parameters, and each group's positions.

    Attributes
    ----------
    names : list of str
        The parameters, shared ones without a group, the others as ``name@group``.
    kinds : list of str
        ``"free"``, ``"variance"`` or ``"correlation"`` (what intervals and p-values use).
    shared : ndarray of bool
        Whether each parameter is shared by every group.
    positions : tuple of ndarray
        For each group, the positions of its ``(μ_g, θ_g)`` (a single fit's order) in
        :attr:`names`.

    Examples
    --------
    >>> lay = Layout.of(["x", "y"], ["mean[a]", "cov[a,a]"], ["free", "variance"], 1, ("cov",))
    >>> lay.names
    ['mean[a]@x', 'mean[a]@y', 'cov[a,a]']
    >>> [pos.tolist() for pos in lay.positions]
    [[0, 2], [1, 2]]
    """

    names: list[str]
    kinds: list[str]
    shared: np.ndarray
    positions: tuple[np.ndarray, ...]

    @classmethod
    def of(cls, groups: Sequence[Any], names: list[str], kinds: list[str], p: int,
           equal: tuple[str, ...]) -> Layout:
        """The layout of ``groups`` whose single-fit parameters are ``names`` (``p`` means,
        then the covariance parameters), sharing the blocks named in ``equal``."""
        out_names: list[str] = []
        out_kinds: list[str] = []
        shared: list[bool] = []
        where: list[list[int]] = [[] for _ in groups]
        for block, part in (("mean", slice(0, p)), ("cov", slice(p, len(names)))):
            common = block in equal
            for g, label in enumerate(groups):
                if common and g:
                    where[g].extend(where[0][-len(names[part]):] if names[part] else [])
                    continue
                where[g].extend(range(len(out_names), len(out_names) + len(names[part])))
                out_names += names[part] if common else [f"{n}@{label}" for n in names[part]]
                out_kinds += kinds[part]
                shared += [common] * len(names[part])
        return cls(out_names, out_kinds, np.array(shared, dtype=bool),
                   tuple(np.array(w, dtype=np.intp) for w in where))

    @property
    def size(self) -> int:
        """Number of parameters."""
        return len(self.names)

    def gather(self, parts: Sequence[FloatArray]) -> FloatArray:
        """The parameter vector from each group's ``(μ_g, θ_g)`` (shared entries agree)."""
        out = np.zeros(self.size)
        for pos, part in zip(self.positions, parts, strict=True):
            out[pos] = part
        return out


class Selected(ParamCovariance):
    """The covariance of the estimates of a subset ``index`` of the parameters of ``base``:
    what one group's result of a grouped fit holds (its rows and columns of the joint one)."""

    def __init__(self, base: ParamCovariance, index: np.ndarray) -> None:
        super().__init__(index.size)
        self.base, self.index = base, index
        self.cov_type, self.information = base.cov_type, base.information
        self.formula = f"{base.formula}, of the joint fit of the groups"

    def diag(self) -> FloatArray:
        return self.base.diag()[self.index]

    def std(self) -> FloatArray:
        return self.base.std()[self.index]  # not sqrt(diag): a variance may overflow

    def _dense(self) -> FloatArray:
        return self.base.dense()[np.ix_(self.index, self.index)]


class Stacked(ParamCovariance):
    """The covariance of the estimates of independent fits (one per group, at ``positions``
    of the parameters): block diagonal up to the order of the parameters. What the groups
    of a grouped fit that shares nothing hold."""

    def __init__(self, parts: Sequence[ParamCovariance],
                 positions: Sequence[np.ndarray]) -> None:
        super().__init__(sum(part.k for part in parts))
        self.parts, self.positions = list(parts), list(positions)
        first = self.parts[0]
        self.cov_type, self.information = first.cov_type, first.information
        self.formula = f"{first.formula}, each group on its own"

    def diag(self) -> FloatArray:
        out = np.zeros(self.k)
        for part, pos in zip(self.parts, self.positions, strict=True):
            out[pos] = part.diag()
        return out

    def std(self) -> FloatArray:
        out = np.zeros(self.k)  # each part's own: a variance (std²) may overflow
        for part, pos in zip(self.parts, self.positions, strict=True):
            out[pos] = part.std()
        return out

    def _dense(self) -> FloatArray:
        out = np.zeros((self.k, self.k))
        for part, pos in zip(self.parts, self.positions, strict=True):
            out[np.ix_(pos, pos)] = part.dense()
        return out
