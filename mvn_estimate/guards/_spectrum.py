"""The spectrum behind every verdict and repair: one eigen-decomposition of a matrix's
symmetric part, and its eigenvalues on the correlation scale, where the package's rule
judges definiteness (an eigenvalue there is zero when it is at most ``tol`` times the
largest; :func:`~mvn_estimate.linalg.classify_eigenvalues`).

The matrix is divided by a power of two near its largest entry before it is decomposed
(exact), so that matrices with entries near float64's largest number give finite
eigenvalues; the validator reports them and the repairs reuse the vectors, so a repair
decomposes the input once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._typing import Definiteness, FloatArray
from ..linalg import classify_eigenvalues

__all__ = ["Spectrum", "power_scale", "scaled_norm", "symmetric_part"]


def symmetric_part(a: FloatArray) -> FloatArray:
    """``(A + Aᵀ)/2`` without overflow for entries near float64's largest number."""
    return a / 2 + a.T / 2


def power_scale(a: FloatArray) -> float:
    """A power of two near the largest entry of ``a`` (1 for a zero matrix): dividing by it
    is exact and brings the entries to order one."""
    top = float(np.max(np.abs(a))) if a.size else 0.0
    return float(np.exp2(np.round(np.log2(top)))) if top > 0 and np.isfinite(top) else 1.0


def scaled_norm(a: FloatArray) -> float:
    """The Frobenius norm, without overflow for entries near float64's largest number."""
    c = power_scale(a)
    return c * float(np.linalg.norm(a / c))


@dataclass(frozen=True, eq=False)
class Spectrum:
    """Eigenvalues (ascending) and eigenvectors of the symmetric part, and the eigenvalues of
    its correlation-scaled form ``D^{-1/2} A D^{-1/2}`` (None when a diagonal entry is not
    positive).

    Examples
    --------
    >>> s = Spectrum.of(np.array([[4.0, 0.0], [0.0, 1.0]]))
    >>> s.values, s.scaled
    (array([1., 4.]), array([1., 1.]))
    """

    values: FloatArray
    vectors: FloatArray
    scaled: FloatArray | None

    @classmethod
    def of(cls, a: FloatArray) -> Spectrum:
        """The spectrum of the symmetric part of the finite square matrix ``a``."""
        sym = symmetric_part(a)
        c = power_scale(sym)
        w, u = np.linalg.eigh(sym / c)
        return cls(np.asarray(w, dtype=np.float64) * c, u, _scaled(sym))

    def verdict(self, tol: float) -> tuple[int, Definiteness]:
        """Rank and definiteness by the package's rule (on the correlation scale when the
        diagonal is positive)."""
        w = self.values if self.scaled is None else self.scaled
        zero = tol * float(np.max(np.abs(w)))
        kind = classify_eigenvalues(w, tol=tol)
        if self.scaled is None and kind == "positive definite":  # non-positive diagonal
            kind = "indefinite"
        return int(np.sum(np.abs(w) > zero)), kind

    def rebuilt(self, floor: float) -> FloatArray:
        """``U max(Λ, floor) Uᵀ``: the nearest matrix with eigenvalues ``>= floor``."""
        c = power_scale(self.values)
        out = (self.vectors * (np.maximum(self.values, floor) / c)) @ self.vectors.T
        return symmetric_part(out) * c


def _scaled(sym: FloatArray) -> FloatArray | None:
    diag = np.diag(sym)
    if not np.all(diag > 0):
        return None
    d = 1.0 / np.sqrt(diag)
    return np.asarray(np.linalg.eigvalsh(sym * d[:, None] * d[None, :]), dtype=np.float64)
