"""Maximum-likelihood factor analysis as a covariance structure: ``Σ = ΛΛᵀ + Ψ``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._typing import FloatArray
from .._validate import check_int
from ..exceptions import InvalidOptionError, arg
from ..linalg import vech_indices, vech_size
from ._structure_base import CovarianceStructure, Reparametrised

__all__ = ["HEYWOOD_BOUND", "Factor"]

HEYWOOD_BOUND = 0.005
"""Uniquenesses are kept at or above this share of their variable's variance (R's
``factanal`` uses the same bound on the correlation scale); one that ends there is a Heywood
case, reported by the fit."""


class Factor(CovarianceStructure):
    """``k`` common factors: ``Σ = ΛΛᵀ + Ψ`` with ``Ψ = diag(ψ)`` (ML factor analysis).

    Parameters
    ----------
    k : int
        Number of factors, ``1 <= k`` with at least as many distinct moments as parameters
        (``(p − k)² >= p + k``, the usual condition).

    Notes
    -----
    Identification: the loadings are in echelon form — ``Λ`` is lower triangular in its
    first ``k`` rows (``λ_jl = 0`` for ``l > j``), with the diagonal positive — which fixes the
    rotation without constraints between parameters. Parameters are ``loading[x,f1]`` …
    (factor by factor, for the variables allowed to load on it) and then ``uniqueness[x]``.
    :meth:`canonical_loadings` rotates ``Λ`` to R ``factanal``'s unrotated form
    (``ΛᵀΨ⁻¹Λ`` diagonal, decreasing). The fitted ``Σ``, the uniquenesses and the
    log-likelihood do not depend on the rotation.
    """

    name = "factor"

    def __init__(self, k: int) -> None:
        super().__init__()
        self.k = check_int(k, "k", minimum=1)

    def _check_bound(self) -> None:
        p, k = self.p, self.k
        if (p - k) ** 2 < p + k:
            raise InvalidOptionError(
                f"{arg('k')} of Factor must leave the model identified: (p − k)² >= p + k; "
                f"got k = {k} factors for p = {p} variables. Use fewer factors."
            )

    def _free(self) -> tuple[np.ndarray, np.ndarray]:
        """Row and factor of each free loading, factor by factor."""
        rows, facs = [], []
        for f in range(self.k):
            for j in range(f, self.p):
                rows.append(j)
                facs.append(f)
        return np.array(rows), np.array(facs)

    def nloadings(self) -> int:
        return self.p * self.k - self.k * (self.k - 1) // 2

    def nparams(self) -> int:
        return self.nloadings() + self.p

    def split(self, theta: Any) -> tuple[FloatArray, FloatArray]:
        """``(Λ, ψ)`` from ``θ``."""
        t = self._theta(theta)
        rows, facs = self._free()
        lam = np.zeros((self.p, self.k))
        lam[rows, facs] = t[:rows.size]
        return lam, t[rows.size:]

    def join(self, lam: FloatArray, psi: FloatArray) -> FloatArray:
        """``θ`` from ``(Λ, ψ)`` (``Λ`` must already be in echelon form)."""
        rows, facs = self._free()
        return np.concatenate([lam[rows, facs], psi])

    def cov(self, theta: Any) -> FloatArray:
        lam, psi = self.split(theta)
        return lam @ lam.T + np.diag(psi)

    def jacobian(self, theta: Any) -> FloatArray:
        lam, _ = self.split(theta)
        p = self.p
        r, c = vech_indices(p)
        rows, facs = self._free()
        out = np.zeros((r.size, self.nparams()))
        for m, (j, f) in enumerate(zip(rows, facs, strict=True)):
            d = np.zeros((p, p))
            d[j, :] += lam[:, f]
            d[:, j] += lam[:, f]
            out[:, m] = d[r, c]
        out[np.flatnonzero(r == c), rows.size + np.arange(p)] = 1.0
        return out

    def hessian(self, theta: Any) -> FloatArray:
        p = self.p
        r, c = vech_indices(p)
        pos = np.zeros((p, p), dtype=np.intp)
        pos[r, c] = np.arange(r.size)
        pos[c, r] = np.arange(r.size)
        rows, facs = self._free()
        out = np.zeros((vech_size(p), self.nparams(), self.nparams()))
        for f in range(self.k):  # ∂²Σ/∂λ_jf∂λ_if = e_j e_iᵀ + e_i e_jᵀ (same factor only)
            idx = np.flatnonzero(facs == f)
            a, b = np.meshgrid(idx, idx, indexing="ij")
            j, i = rows[a], rows[b]
            out[pos[j, i], a, b] = np.where(i == j, 2.0, 1.0)
        return out

    def start(self, S: FloatArray) -> FloatArray:
        """Principal-axis start: ``ψ = (1 − k/2p) / diag(S⁻¹)``, ``Λ`` from the top ``k``
        eigenvectors of ``S − Ψ``, rotated to echelon form."""
        s = np.asarray(S, dtype=float)
        psi = (1 - 0.5 * self.k / self.p) / np.diag(np.linalg.inv(s))
        w, u = np.linalg.eigh(s - np.diag(psi))
        lam = u[:, ::-1][:, :self.k] * np.sqrt(np.maximum(w[::-1][:self.k], 1e-6 *
                                                          float(np.max(np.diag(s)))))
        return self.join(echelon(lam), psi)

    def lower_bounds(self, S: FloatArray) -> FloatArray:
        bounds = np.full(self.nparams(), -np.inf)
        bounds[self.nloadings():] = HEYWOOD_BOUND * np.diag(np.asarray(S, dtype=float))
        return bounds

    def valid(self, theta: FloatArray) -> bool:
        return bool(np.all(np.asarray(theta)[self.nloadings():] > 0))

    def param_names(self, columns: Sequence[str]) -> list[str]:
        rows, facs = self._free()
        return [f"loading[{columns[j]},f{f + 1}]" for j, f in zip(rows, facs, strict=True)] + \
            [f"uniqueness[{c}]" for c in columns]

    def param_kinds(self) -> list[str]:
        return ["free"] * self.nloadings() + ["variance"] * self.p

    def scale_degrees(self) -> np.ndarray:
        return np.array([1] * self.nloadings() + [2] * self.p)

    def canonical_loadings(self, theta: Any) -> FloatArray:
        """``Λ`` rotated so that ``ΛᵀΨ⁻¹Λ`` is diagonal and decreasing (R ``factanal``'s
        unrotated solution), each column's largest entry positive."""
        lam, psi = self.split(theta)
        _, v = np.linalg.eigh(lam.T @ (lam / psi[:, None]))
        out = lam @ v[:, ::-1]
        signs = np.sign(out[np.argmax(np.abs(out), axis=0), np.arange(self.k)])
        return out * signs

    def unconstrained(self) -> CovarianceStructure:
        return Reparametrised(self, ["identity"] * self.nloadings() + ["log"] * self.p)

    def to_unconstrained(self, theta: FloatArray) -> FloatArray:
        return Reparametrised(self, ["identity"] * self.nloadings() + ["log"] * self.p).to_eta(
            np.asarray(theta, dtype=float))

    def from_unconstrained(self, eta: FloatArray) -> FloatArray:
        return Reparametrised(self, ["identity"] * self.nloadings() + ["log"] * self.p)._derivs(
            np.asarray(eta, dtype=float))[0]

    def __repr__(self) -> str:
        return f"Factor({self.k})"

    def __str__(self) -> str:
        return f"factor({self.k})"


def echelon(lam: FloatArray) -> FloatArray:
    """``Λ Q`` with ``Q`` orthogonal such that the first ``k`` rows are lower triangular with
    a positive diagonal (same ``ΛΛᵀ``)."""
    k = lam.shape[1]
    q, _ = np.linalg.qr(lam[:k].T)
    out = lam @ q
    signs = np.where(np.diag(out[:k]) < 0, -1.0, 1.0)
    return out * signs
