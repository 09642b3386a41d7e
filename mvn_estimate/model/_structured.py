"""ML for a structured covariance ``Σ(θ)`` with a saturated mean, from sufficient statistics.

With the mean free, ``μ̂ = x̄`` and ``θ̂`` maximises
``ℓ(θ) = −(n/2)[p ln 2π + ln|Σ(θ)| + tr(Σ(θ)⁻¹S)]`` (``S`` the ML covariance). A closed form
is used when the structure has one; otherwise Newton's method on the analytic score
``Jᵀ g`` and observed information ``JᵀI_obs J − Σ_m g_m H_m`` — or Fisher scoring with the
expected information ``Jᵀ I J`` where the observed one is not positive definite — from the
structure's start, halving steps until ``θ`` is valid, ``Σ(θ)`` positive definite and the
log-likelihood does not decrease. Lower bounds (the uniquenesses of a factor model) are
respected by holding a parameter at its bound while the score pushes it out (an active set).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._typing import FloatArray
from ..data import SufficientStats
from ..exceptions import (
    ConvergenceWarning,
    MVNEstimateError,
    NotPositiveDefiniteError,
    ShapeError,
    SingularCovarianceError,
    describe,
    setting,
    warn,
)
from ..linalg import PDFactor, vech_indices
from ._kernels import loglike_from, vech_score
from ._structure_base import CovarianceStructure

__all__ = ["StructuredFit", "check_contract", "fit_structure", "iterative",
           "structure_information"]


def iterative(structure: CovarianceStructure) -> bool:
    """Whether fitting ``structure`` iterates (it has no closed form)."""
    return type(structure).closed_form is CovarianceStructure.closed_form


@dataclass(frozen=True)
class StructuredFit:
    """``θ̂``, ``Σ(θ̂)``, the log-likelihood, iterations, and the parameters held at bounds."""

    theta: FloatArray
    cov: FloatArray
    loglike: float
    iterations: int
    converged: bool
    at_bounds: tuple[int, ...]


def check_contract(structure: CovarianceStructure, theta: Any) -> None:
    """A structure's methods return what the contract says, at its start ``theta`` (a user's
    structure is named with the method at fault, not met by a numpy error later)."""
    q, p = structure.nparams(), structure.p
    m = p * (p + 1) // 2

    def wrong(method: str, want: str, got: Any) -> ShapeError:
        return ShapeError(f"The {structure.name!r} structure's {method} must return {want}; "
                          f"got {describe(got)}. Fix the structure's {method}.")

    calls = (("start()", lambda: theta, (q,)), ("cov(θ)", lambda: structure.cov(theta), (p, p)),
             ("jacobian(θ)", lambda: structure.jacobian(theta), (m, q)))
    for method, call, shape in calls:
        try:
            value = call()
        except MVNEstimateError:
            raise
        except Exception as exc:  # a user's structure: say whose method failed
            raise ShapeError(f"The {structure.name!r} structure's {method} failed at its start "
                             f"values ({type(exc).__name__}: {exc}). Fix the structure's "
                             f"{method}.") from exc
        arr = np.asarray(value)
        if arr.shape != shape or arr.dtype.kind not in "iuf":
            raise wrong(method, f"real numbers of shape {shape} (nparams() = {q}, p = {p})",
                        value)
    names = structure.param_names([str(c) for c in structure.labels])  # type: ignore[union-attr]
    if not isinstance(names, list | tuple) or len(names) != q or \
            not all(isinstance(n, str) for n in names):
        raise wrong("param_names(columns)", f"{q} strings (nparams() = {q})", names)
    for method, value in (("param_kinds()", structure.param_kinds()),
                          ("scale_degrees()", structure.scale_degrees())):
        if len(value) != q:
            raise wrong(method, f"{q} entries (nparams() = {q})", value)


def _derivative_matrices(jac: FloatArray, p: int) -> FloatArray:
    """``∂Σ/∂θ_k`` as a stack of ``p×p`` matrices, from the columns of ``J`` (vech order)."""
    rows, cols = vech_indices(p)
    out = np.zeros((jac.shape[1], p, p))
    out[:, rows, cols] = jac.T
    out[:, cols, rows] = jac.T
    return out


def structure_information(structure: CovarianceStructure, theta: FloatArray, n: float,
                          s: FloatArray, kind: str) -> FloatArray:
    """Information over ``θ``: ``JᵀIJ`` (expected) or ``JᵀI_obsJ − Σ_m g_m H_m`` (observed).

    Formed by traces, without the ``O(p⁴)`` information over ``vech Σ``: with
    ``Δ_k = ∂Σ/∂θ_k``, ``[JᵀIJ]_kl = (n/2) tr(PΔ_kPΔ_l)`` and
    ``[JᵀI_obsJ]_kl = ½[tr(Δ_kQΔ_lP) + tr(Δ_kPΔ_lQ)] − (n/2) tr(PΔ_kPΔ_l)``, ``Q = nPSP``
    (from ``vec(X)ᵀ(A⊗B)vec(Y) = tr(XᵀBYAᵀ)``): ``O(q p³ + q² p²)``.
    """
    fac = PDFactor.of(structure.cov(theta), name="cov")
    jac = structure.jacobian(theta)
    p = fac.dim
    delta = _derivative_matrices(jac, p)
    prec = fac.inverse()
    # beyond float64's range (columns far apart in one common unit) the entries are inf: the
    # covariance of the estimates refuses such an information by name
    with np.errstate(over="ignore", invalid="ignore"):
        pd_ = prec[None, :, :] @ delta  # P Δ_k
        out = 0.5 * n * _traces(pd_, pd_)
        if kind == "observed":
            q = n * fac.solve(fac.solve(s).T)
            qd = ((q + q.T) / 2)[None, :, :] @ delta  # Q Δ_k
            out = _traces(qd, pd_) - out
            out -= np.tensordot(vech_score(n, s, fac), structure.hessian(theta), axes=1)
        return (out + out.T) / 2


def _traces(a: FloatArray, b: FloatArray) -> FloatArray:
    """``[tr(A_k B_l)]_kl`` for stacks of square matrices, as one matrix product."""
    k = a.shape[0]
    return a.reshape(k, -1) @ np.swapaxes(b, 1, 2).reshape(b.shape[0], -1).T


def _step(structure: CovarianceStructure, theta: FloatArray, n: float, s: FloatArray,
          blocked: np.ndarray) -> tuple[FloatArray, float]:
    """Newton (or scoring) step over the free parameters, and the Newton decrement."""
    fac = PDFactor.of(structure.cov(theta), name="cov")
    grad = structure.jacobian(theta).T @ vech_score(n, s, fac)
    free = ~blocked
    step = np.zeros_like(theta)
    for kind in ("observed", "expected"):
        info = structure_information(structure, theta, n, s, kind)[np.ix_(free, free)]
        try:
            step[free] = PDFactor.of(info, name="information").solve(grad[free])
            break
        except NotPositiveDefiniteError:
            continue
    return step, float(grad[free] @ step[free])


def _usable(structure: CovarianceStructure, theta: FloatArray) -> PDFactor | None:
    if not structure.valid(theta):
        return None
    try:
        return PDFactor.of(structure.cov(theta), name="cov")
    except NotPositiveDefiniteError:
        return None


def fit_structure(structure: CovarianceStructure, s: FloatArray, n: float, *, tol: float,
                  max_iter: int, start: FloatArray | None = None) -> StructuredFit:
    """ML estimate of ``θ`` given the ML covariance ``s`` of ``n`` observations.

    Raises
    ------
    SingularCovarianceError
        The start (or the closed form) is not a valid positive definite covariance.
    """
    closed = structure.closed_form(s) if start is None else None
    theta = np.asarray(closed if closed is not None else (
        structure.start(s) if start is None else start), dtype=float)
    if start is None:
        check_contract(structure, theta)
    bounds = structure.lower_bounds(s)
    if bounds is not None:
        theta = np.maximum(theta, bounds)
    fac = _usable(structure, theta)
    if fac is None:
        raise SingularCovarianceError(
            f"The {structure.name!r} structure has no valid positive definite covariance at its "
            "starting values for these data; the structure may not suit them.")
    loglike = _at(n, s, fac)
    if closed is not None:
        return StructuredFit(theta, structure.cov(theta), loglike, 0, True, ())
    return _newton(structure, theta, loglike, n, s, bounds, tol, max_iter)


def _newton(structure: CovarianceStructure, theta: FloatArray, loglike: float, n: float,
            s: FloatArray, bounds: FloatArray | None, tol: float,
            max_iter: int) -> StructuredFit:
    low = np.full(theta.size, -np.inf) if bounds is None else bounds
    for it in range(1, max_iter + 1):
        fac = PDFactor.of(structure.cov(theta), name="cov")
        grad = structure.jacobian(theta).T @ vech_score(n, s, fac)
        blocked = (theta <= low) & (grad < 0)
        step, decrement = _step(structure, theta, n, s, blocked)
        if decrement <= 1e-2 * tol:
            return _done(structure, theta, loglike, it, True, low, grad)
        found = _halve(structure, theta, step, loglike, n, s, low)
        if found is None:
            return _done(structure, theta, loglike, it, decrement <= tol, low, grad)
        theta, loglike = found
    warn(f"The {structure.name!r} fit stopped at {setting('max_iter', max_iter)} before "
         f"reaching {setting('tol', tol)}. Raise max_iter.", ConvergenceWarning)
    fac = PDFactor.of(structure.cov(theta), name="cov")
    grad = structure.jacobian(theta).T @ vech_score(n, s, fac)
    return _done(structure, theta, loglike, max_iter, False, low, grad)


def _halve(structure: CovarianceStructure, theta: FloatArray, step: FloatArray, loglike: float,
           n: float, s: FloatArray, low: FloatArray) -> tuple[FloatArray, float] | None:
    for halving in range(30):
        new = np.maximum(theta + 0.5**halving * step, low)
        fac = _usable(structure, new)
        if fac is None:
            continue
        value = _at(n, s, fac)
        if value >= loglike - 1e-13 * abs(loglike):
            return new, value
    return None


def _done(structure: CovarianceStructure, theta: FloatArray, loglike: float, it: int,
          converged: bool, low: FloatArray, grad: FloatArray) -> StructuredFit:
    at = tuple(int(i) for i in np.flatnonzero((theta <= low) & (grad <= 0)))
    return StructuredFit(theta, structure.cov(theta), loglike, it, converged, at)


def _at(n: float, s: FloatArray, fac: PDFactor) -> float:
    """``ℓ`` at ``μ = x̄`` for the ML covariance ``s`` of ``n`` rows."""
    return loglike_from(SufficientStats(n, np.zeros(fac.dim), n * s), fac)
