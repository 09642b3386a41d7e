"""A regression as a function of the joint normal's moments, and its Jacobian.

For responses ``y`` and regressors ``x`` of ``N(μ, Σ)``: slopes ``C = Σ_yx Σ_xx⁻¹`` (rows are
responses), intercepts ``a = μ_y − C μ_x`` and residual covariance ``Ψ = Σ_yy − C Σ_xy``. With
``L = [I  −C]`` over (y, x) and ``R`` holding ``Σ_xx⁻¹`` in the x rows, a change ``dΣ`` moves
them by ``dC = L dΣ R``, ``da = dμ_y − C dμ_x − dC μ_x`` and ``dΨ = L dΣ Lᵀ``: the Jacobian that
carries the covariance of ``(μ̂, vech Σ̂)`` to the regression by the delta method, in
``O(q·k·p²)`` operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._typing import FloatArray
from ..linalg import vech_indices
from ..model import factor_or_explain

__all__ = ["Moments", "regression_jacobian", "regression_moments", "regression_names"]


@dataclass(frozen=True)
class Moments:
    """The regression implied by a joint normal (arrays; rows of ``coef`` are responses)."""

    intercept: FloatArray
    coef: FloatArray
    resid_cov: FloatArray
    sxx_solve: FloatArray
    """``Σ_xx⁻¹`` applied to the identity, for the Jacobian (k×k)."""

    @property
    def params(self) -> FloatArray:
        """``(a, vec C row-wise, vech Ψ)``: the order of :func:`regression_names`."""
        rows, cols = vech_indices(self.resid_cov.shape[0])
        return np.concatenate([self.intercept, self.coef.ravel(), self.resid_cov[rows, cols]])


def regression_moments(mean: FloatArray, cov: FloatArray, yi: np.ndarray, xi: np.ndarray,
                       labels: pd.Index) -> Moments:
    """The regression of ``y`` (positions ``yi``) on ``x`` (positions ``xi``) implied by
    ``N(mean, cov)``; a singular ``Σ_xx`` names the collinear regressors.

    Examples
    --------
    >>> m = regression_moments(np.zeros(2), np.array([[2.0, 1.0], [1.0, 4.0]]),
    ...                        np.array([0]), np.array([1]), pd.Index(["y", "x"]))
    >>> m.coef, m.resid_cov
    (array([[0.25]]), array([[1.75]]))
    """
    fac = factor_or_explain(cov[np.ix_(xi, xi)], labels[xi],
                            what="The covariance of the regressors", name="x")
    coef = fac.solve(cov[np.ix_(xi, yi)]).T
    resid = cov[np.ix_(yi, yi)] - coef @ cov[np.ix_(xi, yi)]
    return Moments(mean[yi] - coef @ mean[xi], coef, (resid + resid.T) / 2,
                   fac.solve(np.eye(xi.size)))


def regression_names(y: list[str], x: list[str]) -> list[str]:
    """``intercept[y]``, ``coef[y,x]`` (response-major) and ``resid_cov[a,b]`` (vech order).

    Examples
    --------
    >>> regression_names(["a", "b"], ["c"])
    ['intercept[a]', 'intercept[b]', 'coef[a,c]', 'coef[b,c]', 'resid_cov[a,a]', \
'resid_cov[a,b]', 'resid_cov[b,b]']
    """
    rows, cols = vech_indices(len(y))
    return ([f"intercept[{a}]" for a in y] + [f"coef[{a},{b}]" for a in y for b in x]
            + [f"resid_cov[{y[c]},{y[r]}]" for r, c in zip(rows, cols, strict=True)])


def regression_jacobian(mean: FloatArray, m: Moments, yi: np.ndarray, xi: np.ndarray
                        ) -> FloatArray:
    """``∂(a, vec C, vech Ψ)/∂(μ, vech Σ)ᵀ`` at the joint estimate (see the module notes)."""
    p, q, k = mean.size, yi.size, xi.size
    left = np.zeros((q, p))
    left[:, yi], left[:, xi] = np.eye(q), -m.coef
    right = np.zeros((p, k))
    right[xi] = m.sxx_solve
    shift = right @ mean[xi]
    rows, cols = vech_indices(p)
    half = np.where(rows == cols, 0.5, 1.0)
    a, b = left[:, rows], left[:, cols]
    d_coef = (np.einsum("qm,mk->mqk", a, right[cols])
              + np.einsum("qm,mk->mqk", b, right[rows])) * half[:, None, None]
    d_int = -(a * shift[cols] + b * shift[rows]) * half
    ry, cy = vech_indices(q)
    d_psi = (a[ry] * b[cy] + b[ry] * a[cy]) * half
    out = np.zeros((q + q * k + ry.size, p + rows.size))
    out[:q, :p] = left
    out[:q, p:] = d_int
    out[q:q + q * k, p:] = d_coef.reshape(rows.size, q * k).T
    out[q + q * k:, p:] = d_psi
    return out
