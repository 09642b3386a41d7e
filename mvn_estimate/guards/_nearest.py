"""The nearest matrix with a given diagonal and eigenvalues at least ``floor``: Newton's method
on the dual (Qi & Sun, 2006) with the preconditioned conjugate gradients and line search of
Borsdorf & Higham (2010), and alternating projections (Higham, 2002) for entries held fixed.

Problem: ``min ½‖X − G‖_F²`` subject to ``diag X = b`` and ``X ⪰ δI``. With ``G' = G − δI``,
``b' = b − δ`` it is the same problem with ``X ⪰ 0``, whose dual is the unconstrained, convex
``θ(y) = ½‖(G' + Diag y)₊‖_F² − b'ᵀy`` with gradient ``∇θ(y) = diag((G' + Diag y)₊) − b'``
(``(·)₊`` keeps the non-negative eigenvalues). ``θ`` is strongly semismooth, and Newton's
method with a generalised Hessian ``V h = diag(P(Ω ∘ PᵀDiag(h)P)Pᵀ)`` converges
quadratically; ``V`` is applied, never formed, in ``O(p² min(r, p − r))`` for ``r`` positive
eigenvalues, and the Newton equations are solved by conjugate gradients preconditioned by
``diag V``. The primal solution is ``X = (G' + Diag y)₊ + δI``; the stopping rule is on the
dual gradient, ``‖diag X − b‖₂ <= tol · √p`` (its root-mean-square entry).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._typing import FloatArray

__all__ = ["RepairInfo", "alternating", "newton"]


@dataclass(frozen=True)
class RepairInfo:
    """How a repair went.

    Attributes
    ----------
    method : str
        ``"newton"``, ``"alternating"``, ``"clip"``, or ``"none"`` (already valid: unchanged).
    iterations : int
        Newton steps (with ``cg_iterations`` conjugate-gradient steps in all), or projections.
    converged : bool
    distance : float
        ``‖X − A‖_F`` to the symmetric part ``A`` of the input.
    min_eigenvalue : float
        Smallest eigenvalue of the result.
    gradient : float
        Final root-mean-square dual gradient (Newton) or relative change (alternating).
    cg_iterations : int
    """

    method: str
    iterations: int
    converged: bool
    distance: float
    min_eigenvalue: float
    gradient: float
    cg_iterations: int = 0


def _eig(a: FloatArray) -> tuple[FloatArray, FloatArray]:
    w, v = np.linalg.eigh((a + a.T) / 2)
    return w[::-1], v[:, ::-1]  # decreasing


def _positive_part(w: FloatArray, v: FloatArray) -> FloatArray:
    r = int(np.sum(w > 0))
    if r == 0:
        return np.zeros((v.shape[0], v.shape[0]))
    vr = v[:, :r] * np.sqrt(w[:r])
    return vr @ vr.T


class _Hessian:
    """The generalised Hessian ``V`` at ``y`` (from the eigenpairs of ``G' + Diag y``)."""

    def __init__(self, w: FloatArray, v: FloatArray) -> None:
        self.v = v
        self.r = r = int(np.sum(w > 0))
        pos, neg = w[:r], w[r:]
        # Ω on the mixed block: λ_i / (λ_i − λ_j) for λ_i > 0 >= λ_j
        self.tau = pos[:, None] / (pos[:, None] - neg[None, :]) if r and w.size - r else \
            np.zeros((r, w.size - r))
        sq = v * v
        # diag V = rows of (P∘P) Ω (P∘P)ᵀ, using Ω = [[1, τ], [τᵀ, 0]]
        a, b = sq[:, :r], sq[:, r:]
        self.diag = a.sum(axis=1) ** 2 + 2 * np.einsum("ij,ij->i", a @ self.tau, b)

    def apply(self, h: FloatArray) -> FloatArray:
        v, r, p = self.v, self.r, self.v.shape[0]
        if r == 0:
            return np.zeros(p)
        if r == p:
            return h.copy()
        p1, p2 = v[:, :r], v[:, r:]
        if r <= p - r:  # V h = diag(P₁M₁₁P₁ᵀ) + 2 diag(P₁(τ∘M₁₂)P₂ᵀ)
            hp1 = p1 * h[:, None]
            m11 = p1.T @ hp1
            m12 = hp1.T @ p2
            return np.einsum("ij,ij->i", p1 @ m11, p1) + \
                2 * np.einsum("ij,ij->i", p1 @ (self.tau * m12), p2)
        # Ω = E − Ω̄ with Ω̄ = [[0, 1 − τ], [(1 − τ)ᵀ, 1]] and diag(P(E∘M)Pᵀ) = h
        hp2 = p2 * h[:, None]
        m22 = p2.T @ hp2
        m12 = p1.T @ hp2
        return h - np.einsum("ij,ij->i", p2 @ m22, p2) - \
            2 * np.einsum("ij,ij->i", p1 @ ((1 - self.tau) * m12), p2)


def _pcg(hess: _Hessian, rhs: FloatArray, tol: float, max_iter: int) -> tuple[FloatArray, int]:
    """Preconditioned conjugate gradients for ``V d = rhs`` (preconditioner ``diag V``)."""
    precond = np.maximum(hess.diag, 1e-8)
    d = np.zeros_like(rhs)
    res = rhs.copy()
    z = res / precond
    direction = z.copy()
    rz = float(res @ z)
    limit = tol * float(np.linalg.norm(rhs))
    for it in range(1, max_iter + 1):
        vd = hess.apply(direction) + 1e-10 * direction
        step = rz / float(direction @ vd)
        d += step * direction
        res -= step * vd
        if float(np.linalg.norm(res)) <= limit:
            return d, it
        z = res / precond
        rz_new = float(res @ z)
        direction = z + (rz_new / rz) * direction
        rz = rz_new
    return d, max_iter


def _dual(g: FloatArray, b: FloatArray, y: FloatArray) -> tuple[float, FloatArray, FloatArray,
                                                                   FloatArray]:
    """``θ(y)``, its gradient, and the eigenpairs of ``G' + Diag y``."""
    w, v = _eig(g + np.diag(y))
    pos = np.maximum(w, 0.0)
    theta = 0.5 * float(np.sum(pos**2)) - float(b @ y)
    grad = np.einsum("ij,j,ij->i", v, pos, v) - b
    return theta, grad, w, v


def _line_search(gs: FloatArray, bs: FloatArray, y: FloatArray, d: FloatArray, theta: float,
                 grad: FloatArray) -> tuple[FloatArray, float, FloatArray, FloatArray,
                                            FloatArray] | None:
    """Armijo backtracking on ``θ``; the full step is also taken when it shrinks the dual
    gradient (near the solution ``θ`` changes less than its rounding, the gradient does not)."""
    slope = float(grad @ d)
    step = 1.0
    for halving in range(40):
        t_new, g_new, w_new, v_new = _dual(gs, bs, y + step * d)
        armijo = t_new <= theta + 1e-4 * step * slope
        shrinks = halving == 0 and np.linalg.norm(g_new) < 0.9 * np.linalg.norm(grad)
        if armijo or shrinks:
            return y + step * d, t_new, g_new, w_new, v_new
        step /= 2
    return None


def newton(g: FloatArray, b: FloatArray, floor: float, tol: float,
           max_iter: int) -> tuple[FloatArray, RepairInfo]:
    """Nearest ``X`` with ``diag X = b`` and ``X ⪰ floor·I`` (clean symmetric input)."""
    p = g.shape[0]
    gs, bs = g - floor * np.eye(p), b - floor
    y = bs - np.diag(gs)
    theta, grad, w, v = _dual(gs, bs, y)
    cg_total, steps = 0, 0
    while steps < max_iter:
        norm = float(np.linalg.norm(grad))
        if norm <= tol * np.sqrt(p):
            break
        d, used = _pcg(_Hessian(w, v), -grad, min(1e-2, norm), 200)
        cg_total += used
        found = _line_search(gs, bs, y, d, theta, grad)
        if found is None:
            break
        y, theta, grad, w, v = found
        steps += 1
    x = _positive_part(w, v) + floor * np.eye(p)
    rms = float(np.linalg.norm(grad)) / np.sqrt(p)
    return x, RepairInfo("newton", steps, rms <= tol, float("nan"), float("nan"), rms,
                         cg_total)


def psd_project(a: FloatArray, floor: float) -> FloatArray:
    """Nearest symmetric matrix with eigenvalues ``>= floor`` (Frobenius norm)."""
    w, u = np.linalg.eigh((a + a.T) / 2)
    out = (u * np.maximum(w, floor)) @ u.T
    return (out + out.T) / 2


def alternating(a: FloatArray, target_diag: FloatArray, floor: float, tol: float,
                max_iter: int, fixed: np.ndarray | None = None) -> tuple[FloatArray, RepairInfo]:
    """Higham's (2002) alternating projections with Dykstra's correction on the eigenvalue
    step; the other set is ``{diag X = b}``, intersected with ``{X_ij = A_ij}`` on ``fixed``."""
    y = a.copy()
    correction = np.zeros_like(a)
    idx = np.diag_indices_from(a)
    keep = np.zeros_like(a, dtype=bool) if fixed is None else fixed
    change = np.inf
    for it in range(1, max_iter + 1):
        r = y - correction
        x = psd_project(r, floor)
        correction = x - r
        y_new = x.copy()
        y_new[keep] = a[keep]
        y_new[idx] = target_diag
        change = float(np.linalg.norm(y_new - y)) / max(float(np.linalg.norm(y)), 1.0)
        y = y_new
        if change <= tol and np.linalg.eigvalsh(y)[0] >= floor * (1 - 1e-6):
            return y, RepairInfo("alternating", it, True, float("nan"), float("nan"), change)
    return y, RepairInfo("alternating", max_iter, False, float("nan"), float("nan"), change)
