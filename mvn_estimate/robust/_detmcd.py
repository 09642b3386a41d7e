"""DetMCD (Hubert, Rousseeuw & Verdonck, 2012): six deterministic starts, then C-steps from
each, keeping the subset of smallest determinant — robustbase's ``.detmcd`` and ``r6pack``.

On the standardised data ``z`` (median 0, robust scale 1 per column) each start is a scatter
estimate whose eigenvectors ``P`` define a robust centre and the ``h`` rows nearest it:

1. the correlation of ``tanh(z)``;
2. Spearman's correlation;
3. the correlation of the normal scores ``Φ⁻¹((rank − ⅓)/(n + ⅓))``;
4. the spatial-sign covariance ``Σ zᵢzᵢᵀ/‖zᵢ‖²``;
5. the covariance of the ``⌈n/2⌉`` rows of smallest ``‖zᵢ‖``;
6. the OGK pairwise covariance ``(s(zⱼ + zₖ)² − s(zⱼ − zₖ)²)/4``.

With ``λ`` the robust scales of ``zP``, the centre is ``med(z P Λ⁻¹Pᵀ) PΛPᵀ`` and the start
the ``h`` rows of smallest ``Σ((z − centre)P/λ)²``, followed by one C-step.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from .._typing import FloatArray, IntArray
from ._csteps import Subset, concentrate, distances, nearest, subset_fit
from ._scales import robust_scale, zero_scale_fallback

__all__ = ["MAX_CSTEPS", "detmcd", "robust_scales", "starts"]

MAX_CSTEPS = 200
"""C-steps from one start at most (robustbase's ``maxcsteps``; not reached in practice)."""


def robust_scales(x: FloatArray) -> FloatArray:
    """Robust scales of the columns of ``x`` (centred at their medians), with robustbase's
    fallback where one is 0."""
    scale = robust_scale(x)
    for j in np.flatnonzero(scale == 0):
        scale[j] = zero_scale_fallback(x[:, j])
    return scale


def _eigenvectors(m: FloatArray) -> FloatArray:
    return np.linalg.eigh((m + m.T) / 2)[1]


def _initial(z: FloatArray, p_mat: FloatArray, h: int) -> IntArray:
    """The ``h`` rows nearest the robust centre in the coordinates ``P`` (robustbase's
    ``initset``)."""
    zp = z @ p_mat
    lam = robust_scales(zp - np.median(zp, axis=0))
    inv = (p_mat / lam) @ p_mat.T
    root = (p_mat * lam) @ p_mat.T
    centre = np.median(z @ inv, axis=0) @ root
    u = (z - centre) @ p_mat / lam
    return nearest(np.einsum("ij,ij->i", u, u), h)


def _ranks(z: FloatArray) -> FloatArray:
    return np.asarray(sps.rankdata(z, axis=0), dtype=float)


def _ogk(z: FloatArray) -> FloatArray:
    """The pairwise robust covariance ``U`` with unit diagonal (one scale call for all
    pairs)."""
    p = z.shape[1]
    j, k = np.tril_indices(p, -1)
    if not j.size:
        return np.eye(p)
    s = robust_scale(np.hstack([z[:, j] + z[:, k], z[:, j] - z[:, k]]))
    u = np.eye(p)
    u[j, k] = u[k, j] = (s[:j.size] ** 2 - s[j.size:] ** 2) / 4
    return u


def _scatters(z: FloatArray) -> list[FloatArray]:
    n = z.shape[0]
    norm = np.sqrt(np.einsum("ij,ij->i", z, z))
    signs = z.copy()
    big = norm > np.finfo(float).eps
    signs[big] /= norm[big, None]
    half = np.argsort(norm, kind="stable")[:(n + 1) // 2]
    ranks = _ranks(z)
    return [np.corrcoef(np.tanh(z), rowvar=False),
            np.corrcoef(ranks, rowvar=False),
            np.corrcoef(sps.norm.ppf((ranks - 1 / 3) / (n + 1 / 3)), rowvar=False),
            signs.T @ signs,
            np.cov(z[half], rowvar=False),
            _ogk(z)]


def starts(z: FloatArray, h: int) -> list[IntArray]:
    """The six starting ``h``-subsets of DetMCD, each after one C-step (robustbase's
    ``r6pack``); :class:`~._csteps.OnHyperplane` when one lies on a hyperplane."""
    out = []
    for scatter in _scatters(z):
        first = subset_fit(z, _initial(z, _eigenvectors(np.atleast_2d(scatter)), h))
        out.append(nearest(distances(z, first), h))
    return out


def detmcd(z: FloatArray, h: int) -> tuple[Subset, list[int], list[int]]:
    """DetMCD on standardised data: the best subset, the starts that reached its determinant
    (0-based) and the C-steps from each start."""
    best: Subset | None = None
    which: list[int] = []
    steps: list[int] = []
    for i, rows in enumerate(starts(z, h)):
        fit, used = concentrate(z, rows, h, MAX_CSTEPS)
        steps.append(used)
        if best is None or fit.logdet < best.logdet:
            best, which = fit, [i]
        elif fit.logdet == best.logdet:
            which.append(i)
    assert best is not None
    return best, which, steps
