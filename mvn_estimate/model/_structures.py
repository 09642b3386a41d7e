"""The built-in covariance structures beyond the unstructured model — diagonal, spherical,
compound symmetry, AR(1), block diagonal — and :func:`resolve_structure`, which turns a name
or an instance into a structure bound to the variables (see :mod:`._structure_base` for the
contract every structure meets).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray
from ..exceptions import InvalidOptionError, LabelError, arg, describe
from ..linalg import vech_indices, vech_size
from ._structure_base import (
    CovarianceStructure,
    LogCholesky,
    Reparametrised,
    Unstructured,
    vech_position,
)

__all__ = ["AR1", "BUILTIN", "BlockDiagonal", "CompoundSymmetry", "CovarianceStructure",
           "Diagonal", "LogCholesky", "Reparametrised", "Spherical", "Unstructured",
           "resolve_structure", "structure_of", "vech_position"]

class _Elementwise(CovarianceStructure):
    """Shared plumbing of structures whose unconstrained form maps each parameter alone."""

    maps: tuple[str, ...] = ()

    def _maps(self) -> list[str]:
        return list(self.maps)

    def unconstrained(self) -> CovarianceStructure:
        return Reparametrised(self, self._maps())

    def to_unconstrained(self, theta: FloatArray) -> FloatArray:
        return Reparametrised(self, self._maps()).to_eta(np.asarray(theta, dtype=float))

    def from_unconstrained(self, eta: FloatArray) -> FloatArray:
        return Reparametrised(self, self._maps())._derivs(np.asarray(eta, dtype=float))[0]


class Diagonal(_Elementwise):
    """Independent variables: ``Σ = diag(σ₁², …, σ_p²)``; parameters ``cov[x,x]``."""

    name = "diagonal"

    def nparams(self) -> int:
        return self.p

    def _maps(self) -> list[str]:
        return ["log"] * self.p

    def cov(self, theta: Any) -> FloatArray:
        return np.diag(self._theta(theta))

    def jacobian(self, theta: Any) -> FloatArray:
        pos = vech_position(self.p)
        out = np.zeros((vech_size(self.p), self.p))
        out[pos[np.arange(self.p), np.arange(self.p)], np.arange(self.p)] = 1.0
        return out

    def hessian(self, theta: Any) -> FloatArray:
        return np.zeros((vech_size(self.p), self.p, self.p))

    def start(self, S: FloatArray) -> FloatArray:
        return np.diag(np.asarray(S, dtype=float)).copy()

    closed_form = start

    def valid(self, theta: FloatArray) -> bool:
        return bool(np.all(np.asarray(theta) > 0))

    def param_names(self, columns: Sequence[str]) -> list[str]:
        return [f"cov[{c},{c}]" for c in columns]

    def min_rows(self) -> int:
        return 2

    def param_kinds(self) -> list[str]:
        return ["variance"] * self.p


class Spherical(_Elementwise):
    """``Σ = σ²I``; parameter ``variance``."""

    name = "spherical"
    maps = ("log",)

    def nparams(self) -> int:
        return 1

    def cov(self, theta: Any) -> FloatArray:
        return self._theta(theta)[0] * np.eye(self.p)

    def jacobian(self, theta: Any) -> FloatArray:
        rows, cols = vech_indices(self.p)
        return (rows == cols).astype(float)[:, None]

    def hessian(self, theta: Any) -> FloatArray:
        return np.zeros((vech_size(self.p), 1, 1))

    def start(self, S: FloatArray) -> FloatArray:
        return np.array([float(np.trace(np.asarray(S, dtype=float))) / self.p])

    closed_form = start

    def valid(self, theta: FloatArray) -> bool:
        return bool(theta[0] > 0)

    def param_names(self, columns: Sequence[str]) -> list[str]:
        return ["variance"]

    def min_rows(self) -> int:
        return 2

    def param_kinds(self) -> list[str]:
        return ["variance"]


class CompoundSymmetry(CovarianceStructure):
    """A common variance and a common covariance: ``Σ = (v − c)I + c11ᵀ``; parameters
    ``variance`` and ``covariance``. Positive definite when ``v − c > 0`` and
    ``v + (p − 1)c > 0``; the closed form is ``v = tr S / p``,
    ``c = (1ᵀS1 − tr S) / (p(p − 1))``."""

    name = "compound_symmetry"

    def nparams(self) -> int:
        return 2

    def _check_bound(self) -> None:
        if self.p < 2:
            raise InvalidOptionError("The 'compound_symmetry' structure needs at least 2 "
                                     f"variables; got {self.p}.")

    def cov(self, theta: Any) -> FloatArray:
        v, c = self._theta(theta)
        return (v - c) * np.eye(self.p) + c * np.ones((self.p, self.p))

    def jacobian(self, theta: Any) -> FloatArray:
        rows, cols = vech_indices(self.p)
        diag = (rows == cols).astype(float)
        return np.column_stack([diag, 1.0 - diag])

    def hessian(self, theta: Any) -> FloatArray:
        return np.zeros((vech_size(self.p), 2, 2))

    def start(self, S: FloatArray) -> FloatArray:
        s = np.asarray(S, dtype=float)
        p = self.p
        return np.array([np.trace(s) / p, (s.sum() - np.trace(s)) / (p * (p - 1))])

    closed_form = start

    def valid(self, theta: FloatArray) -> bool:
        v, c = theta
        return bool(v - c > 0 and v + (self.p - 1) * c > 0)

    def param_names(self, columns: Sequence[str]) -> list[str]:
        return ["variance", "covariance"]

    def min_rows(self) -> int:
        return 2

    def param_kinds(self) -> list[str]:
        return ["variance", "free"]

    def unconstrained(self) -> CovarianceStructure:
        return _CSEigen().bind(self.labels)  # type: ignore[arg-type]

    def to_unconstrained(self, theta: FloatArray) -> FloatArray:
        v, c = theta
        return np.log([v - c, v + (self.p - 1) * c])

    def from_unconstrained(self, eta: FloatArray) -> FloatArray:
        a, b = np.exp(eta)
        return np.array([(b + (self.p - 1) * a) / self.p, (b - a) / self.p])


class _CSEigen(CovarianceStructure):
    """Compound symmetry over ``η = (log(v − c), log(v + (p−1)c))``, its two eigenvalues."""

    name = "compound_symmetry (unconstrained)"

    def nparams(self) -> int:
        return 2

    def cov(self, theta: Any) -> FloatArray:
        a, b = np.exp(self._theta(theta))
        return a * np.eye(self.p) + (b - a) / self.p * np.ones((self.p, self.p))

    def jacobian(self, theta: Any) -> FloatArray:
        a, b = np.exp(self._theta(theta))
        rows, cols = vech_indices(self.p)
        diag = (rows == cols).astype(float)
        return np.column_stack([a * (diag - 1.0 / self.p), b / self.p * np.ones(rows.size)])

    def hessian(self, theta: Any) -> FloatArray:
        out = np.zeros((vech_size(self.p), 2, 2))
        out[:, 0, 0], out[:, 1, 1] = self.jacobian(theta).T
        return out

    def start(self, S: FloatArray) -> FloatArray:
        return CompoundSymmetry().bind(self.labels).to_unconstrained(  # type: ignore[arg-type]
            CompoundSymmetry().bind(self.labels).start(S))  # type: ignore[arg-type]

    def param_names(self, columns: Sequence[str]) -> list[str]:
        return ["log(variance - covariance)", "log(variance + (p-1) covariance)"]


class AR1(_Elementwise):
    """First-order autoregressive correlation: ``Σ_ij = σ²ρ^|i−j|``; parameters ``variance``
    and ``rho`` (``|ρ| < 1``). The variables are taken in their column order."""

    name = "ar1"
    maps = ("log", "atanh")

    def nparams(self) -> int:
        return 2

    def _lags(self) -> np.ndarray:
        rows, cols = vech_indices(self.p)
        return np.abs(rows - cols).astype(float)

    def cov(self, theta: Any) -> FloatArray:
        v, r = self._theta(theta)
        i = np.arange(self.p)
        return v * r ** np.abs(i[:, None] - i[None, :]).astype(float)

    def jacobian(self, theta: Any) -> FloatArray:
        v, r = self._theta(theta)
        k = self._lags()
        d_r = np.where(k > 0, k * r ** np.maximum(k - 1, 0), 0.0)
        return np.column_stack([r**k, v * d_r])

    def hessian(self, theta: Any) -> FloatArray:
        v, r = self._theta(theta)
        k = self._lags()
        d_r = np.where(k > 0, k * r ** np.maximum(k - 1, 0), 0.0)
        d_rr = np.where(k > 1, k * (k - 1) * r ** np.maximum(k - 2, 0), 0.0)
        out = np.zeros((k.size, 2, 2))
        out[:, 0, 1] = out[:, 1, 0] = d_r
        out[:, 1, 1] = v * d_rr
        return out

    def start(self, S: FloatArray) -> FloatArray:
        s = np.asarray(S, dtype=float)
        d = np.sqrt(np.diag(s))
        corr = s / np.outer(d, d)
        lag1 = float(np.mean(np.diagonal(corr, 1))) if self.p > 1 else 0.0
        return np.array([float(np.mean(np.diag(s))), float(np.clip(lag1, -0.9, 0.9))])

    def valid(self, theta: FloatArray) -> bool:
        return bool(theta[0] > 0 and abs(theta[1]) < 1)

    def param_names(self, columns: Sequence[str]) -> list[str]:
        return ["variance", "rho"]

    def min_rows(self) -> int:
        return 2

    def param_kinds(self) -> list[str]:
        return ["variance", "correlation"]

    def scale_degrees(self) -> np.ndarray:
        return np.array([2, 0])


class BlockDiagonal(CovarianceStructure):
    """Groups of variables independent of each other, each group's covariance unstructured.

    Parameters
    ----------
    groups : sequence of sequences of labels
        A partition of the variables (every variable in exactly one group).
    """

    name = "block_diagonal"

    def __init__(self, groups: Sequence[Sequence[Any]]) -> None:
        super().__init__()
        if not isinstance(groups, list | tuple) or not all(
                isinstance(g, list | tuple | pd.Index) for g in groups):
            raise InvalidOptionError(f"{arg('groups')} must be a list of lists of column "
                                     f"labels; got {describe(groups)}.")
        self.groups = [list(g) for g in groups]

    def _check_bound(self) -> None:
        flat = [c for g in self.groups for c in g]
        labels = list(self.labels)  # type: ignore[arg-type]
        if sorted(map(repr, flat)) != sorted(map(repr, labels)) or len(set(map(repr, flat))) \
                != len(flat):
            raise LabelError(
                f"The 'groups' of BlockDiagonal must partition the variables {labels}: each in "
                f"exactly one group; got {self.groups}."
            )
        index = {repr(c): i for i, c in enumerate(labels)}
        self._index = [np.array([index[repr(c)] for c in g]) for g in self.groups]

    def _entries(self) -> tuple[np.ndarray, np.ndarray]:
        """vech positions of every free entry, and (row, col) within Σ, in parameter order."""
        pos = vech_position(self.p)
        rows_all, cols_all = [], []
        for idx in self._index:
            r, c = vech_indices(idx.size)
            rows_all.append(idx[r])
            cols_all.append(idx[c])
        rows, cols = np.concatenate(rows_all), np.concatenate(cols_all)
        return pos[rows, cols], np.stack([rows, cols])

    def nparams(self) -> int:
        return sum(vech_size(idx.size) for idx in self._index)

    def min_rows(self) -> int:
        return max(idx.size for idx in self._index) + 1

    def cov(self, theta: Any) -> FloatArray:
        t = self._theta(theta)
        _, (rows, cols) = self._entries()
        out = np.zeros((self.p, self.p))
        out[rows, cols] = t
        out[cols, rows] = t
        return out

    def jacobian(self, theta: Any) -> FloatArray:
        where, _ = self._entries()
        out = np.zeros((vech_size(self.p), where.size))
        out[where, np.arange(where.size)] = 1.0
        return out

    def hessian(self, theta: Any) -> FloatArray:
        q = self.nparams()
        return np.zeros((vech_size(self.p), q, q))

    def start(self, S: FloatArray) -> FloatArray:
        _, (rows, cols) = self._entries()
        return np.asarray(S, dtype=float)[rows, cols]

    closed_form = start

    def param_names(self, columns: Sequence[str]) -> list[str]:
        _, (rows, cols) = self._entries()
        return [f"cov[{columns[min(i, j)]},{columns[max(i, j)]}]"
                for i, j in zip(rows, cols, strict=True)]

    def param_kinds(self) -> list[str]:
        _, (rows, cols) = self._entries()
        return ["variance" if i == j else "free" for i, j in zip(rows, cols, strict=True)]

    def unconstrained(self) -> CovarianceStructure:
        return _BlockLogCholesky(self)

    def to_unconstrained(self, theta: FloatArray) -> FloatArray:
        sigma = self.cov(theta)
        return np.concatenate([LogCholesky.pack(np.linalg.cholesky(sigma[np.ix_(i, i)]))
                               for i in self._index])

    def from_unconstrained(self, eta: FloatArray) -> FloatArray:
        return self.start(_BlockLogCholesky(self).cov(eta))

    def __repr__(self) -> str:
        return f"BlockDiagonal({self.groups!r})"


class _BlockLogCholesky(CovarianceStructure):
    """Block-diagonal over each block's log-Cholesky factor."""

    def __init__(self, base: BlockDiagonal) -> None:
        super().__init__()
        self.base, self.labels = base, base.labels
        self.name = "block_diagonal (unconstrained)"
        self._blocks = [LogCholesky().bind(list(range(i.size))) for i in base._index]

    def nparams(self) -> int:
        return self.base.nparams()

    def _split(self, eta: FloatArray) -> list[FloatArray]:
        sizes = np.cumsum([b.nparams() for b in self._blocks])[:-1]
        return np.split(eta, sizes)

    def _lift(self, parts: list[np.ndarray], axis_q: int) -> np.ndarray:
        """Place per-block vech-rows into the full vech (rows) of Σ."""
        pos = vech_position(self.p)
        m = vech_size(self.p)
        q = self.nparams()
        shape = (m, q) if axis_q == 1 else (m, q, q)
        out = np.zeros(shape)
        start = 0
        for idx, part in zip(self.base._index, parts, strict=True):
            r, c = vech_indices(idx.size)
            where = pos[idx[r], idx[c]]
            k = part.shape[1]
            if axis_q == 1:
                out[where, start:start + k] = part
            else:
                out[where[:, None, None], np.arange(start, start + k)[None, :, None],
                    np.arange(start, start + k)[None, None, :]] = part
            start += k
        return out

    def cov(self, theta: Any) -> FloatArray:
        out = np.zeros((self.p, self.p))
        for idx, b, e in zip(self.base._index, self._blocks, self._split(self._theta(theta)),
                             strict=True):
            out[np.ix_(idx, idx)] = b.cov(e)
        return out

    def jacobian(self, theta: Any) -> FloatArray:
        parts = [b.jacobian(e) for b, e in zip(self._blocks, self._split(self._theta(theta)),
                                                strict=True)]
        return self._lift(parts, 1)

    def hessian(self, theta: Any) -> FloatArray:
        parts = [b.hessian(e) for b, e in zip(self._blocks, self._split(self._theta(theta)),
                                               strict=True)]
        return self._lift(parts, 2)

    def start(self, S: FloatArray) -> FloatArray:
        return self.base.to_unconstrained(self.base.start(S))

    def param_names(self, columns: Sequence[str]) -> list[str]:
        return [f"eta{k}" for k in range(self.nparams())]


BUILTIN: dict[str, Callable[[], CovarianceStructure]] = {
    "unstructured": Unstructured, "diagonal": Diagonal, "spherical": Spherical,
    "compound_symmetry": CompoundSymmetry, "ar1": AR1,
}
"""The structures that can be named by a string."""


def structure_of(structure: Any) -> CovarianceStructure:
    """A structure (not yet bound to variables) from ``None`` (unstructured), a name, or an
    instance."""
    if structure is None:
        structure = "unstructured"
    if isinstance(structure, str):
        if structure not in BUILTIN:
            raise InvalidOptionError(
                f"{arg('structure')} must be one of {', '.join(map(repr, BUILTIN))}, or a "
                f"CovarianceStructure (Factor(k), BlockDiagonal(groups), your own); got "
                f"{structure!r}."
            )
        return BUILTIN[structure]()
    if not isinstance(structure, CovarianceStructure):
        raise InvalidOptionError(
            f"{arg('structure')} must be a name or a CovarianceStructure; got "
            f"{describe(structure)}."
        )
    return structure


def resolve_structure(structure: Any, labels: Sequence[Any] | pd.Index) -> CovarianceStructure:
    """A bound structure from ``None`` (unstructured), a name, or a structure instance."""
    return structure_of(structure).bind(labels)
