"""Explicit repair of covariance and correlation matrices: eigenvalue clipping and the nearest
positive definite matrix. Repair happens only on request and always warns
(:class:`~mvn_estimate.exceptions.RepairWarning`), except when the matrix is already valid:
then it is returned unchanged, without a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray, Kind, NearestMethod
from .._validate import check_bool, check_choice, check_int, check_real
from ..exceptions import (
    ConvergenceWarning,
    InfeasibleError,
    InvalidOptionError,
    NonFiniteError,
    NotPositiveDefiniteError,
    RepairWarning,
    ShapeError,
    arg,
    describe,
    ref,
    setting,
    warn,
)
from ..linalg import RTOL
from ._nearest import RepairInfo, alternating, newton
from ._spectrum import Spectrum, power_scale, scaled_norm, symmetric_part
from ._validate import as_raw, validate_covariance

__all__ = ["RepairInfo", "clip_eigenvalues", "nearest_pd"]

def _prepare_repair(matrix: Any, name: str) -> tuple[FloatArray, pd.Index | None]:
    a, labels = as_raw(matrix, name)
    if a.shape[0] != a.shape[1]:
        raise ShapeError(f"{arg(name)} must be square to be repaired; got {describe(a)}.")
    if not np.all(np.isfinite(a)):
        raise NonFiniteError(
            f"{arg(name)} must be finite to be repaired; got "
            f"{int(np.sum(~np.isfinite(a)))} NaN or infinite entries. A repair cannot invent "
            "missing entries: fill them first.")
    return a, labels


def _relabel(out: FloatArray, labels: pd.Index | None) -> Any:
    return out if labels is None else pd.DataFrame(out, index=labels, columns=labels)


def _given_floor(floor: Any, kind: str) -> float | None:
    if floor is None:
        return None
    return check_real(floor, "floor", low=0.0, high=1.0 if kind == "correlation" else None,
                      hint=" It is the smallest eigenvalue allowed in the result: positive, "
                           "and below 1 for a correlation matrix.")


def _rule(x: FloatArray, tol: float) -> tuple[bool, float]:
    """Whether ``x`` passes the validator's rule (positive definite on the correlation scale,
    relative tolerance ``tol``), and its smallest over largest eigenvalue there."""
    d = np.diag(x)
    if not np.all(d > 0):
        return False, -np.inf
    s = 1.0 / np.sqrt(d)
    w = np.linalg.eigvalsh(symmetric_part(x * s[:, None] * s[None, :]))
    ratio = float(w[0] / w[-1])
    return ratio > tol, ratio


Solve = Callable[[float], tuple[FloatArray, RepairInfo]]


def _repair(solve: Solve, start: float, given: float | None, tol: float,
            limit: float = np.inf) -> tuple[FloatArray, RepairInfo]:
    """Solve with the floor ``given``, or from ``start`` raised until the result passes the
    validator's rule (the promise of every repair: a matrix the validator accepts)."""
    floor = start if given is None else given
    for _ in range(40):
        out, info = solve(floor)
        ok, ratio = _rule(out, tol)
        if ok:
            return out, info
        needed = floor * max(2.0, 10 * tol / max(ratio, np.finfo(float).tiny))
        if given is not None or needed >= limit:
            raise InvalidOptionError(
                f"{arg('floor')} {floor:.3g} gives a matrix the validator rejects: on the "
                f"correlation scale its smallest eigenvalue is {ratio:.3g} times the largest, "
                f"not above tol = {tol:.3g}. Use a floor of at least {needed:.3g}, or leave it "
                "out (the default is chosen so that the result passes).")
        floor = needed
    raise AssertionError("unreachable: the floor grows geometrically")  # pragma: no cover


def _finish(spectrum: Spectrum, a: FloatArray, out: FloatArray, info: RepairInfo, labels: Any,
            name: str, return_info: bool) -> Any:
    """Warn (what changed, how the iterations went) and return the result (and its info)."""
    lowest = float(np.linalg.eigvalsh(out)[0]) if info.min_eigenvalue != info.min_eigenvalue \
        else info.min_eigenvalue
    done = RepairInfo(info.method, int(info.iterations), bool(info.converged),
                      scaled_norm(out - a), lowest, float(info.gradient),
                      int(info.cg_iterations))
    if not done.converged:
        warn(f"{name} stopped after {done.iterations} iterations before reaching its "
             f"tolerance (last {done.gradient:.3g}); the result is approximate. Raise "
             "max_iter or tol.", ConvergenceWarning)
    steps = f" in {done.iterations} {done.method} iteration(s)" if done.iterations else ""
    warn(
        f"{name} changed the matrix by {done.distance:.3g} in the Frobenius norm{steps}; "
        f"smallest eigenvalue {spectrum.values[0]:.3g} → {done.min_eigenvalue:.3g}.",
        RepairWarning)
    result = _relabel(out, labels)
    return (result, done) if return_info else result


def _unchanged_result(raw: FloatArray, spectrum: Spectrum, labels: Any,
                      return_info: bool) -> Any:
    result = _relabel(raw.copy(), labels)
    if not return_info:
        return result
    return result, RepairInfo("none", 0, True, 0.0, float(spectrum.values[0]), 0.0)


def _unit_diagonal(x: FloatArray) -> FloatArray:
    d = 1.0 / np.sqrt(np.diag(x))
    out = x * d[:, None] * d[None, :]
    np.fill_diagonal(out, 1.0)
    return symmetric_part(out)


def _default_floor(diagonal: FloatArray, tol: float, spectrum: Spectrum) -> float:
    """Just above the validator's zero: ``10 · tol`` times the largest diagonal entry, or
    ``2 · tol`` times it and the largest eigenvalue on the correlation scale when that is
    larger (the rule judges relative to that eigenvalue, which a repair moves little), so that
    one solve usually passes; :func:`_repair` raises it further if the rule needs."""
    top = 0.0 if spectrum.scaled is None else float(spectrum.scaled[-1])
    size = max(float(np.max(np.abs(diagonal))), float(np.finfo(float).tiny))
    return tol * size * max(10.0, 2.0 * top)


def clip_eigenvalues(M: Any, *, kind: Kind = "covariance", floor: float | None = None,
                     tol: float | None = None, return_info: bool = False) -> Any:
    """Replace eigenvalues below ``floor`` by ``floor`` (of the symmetric part). Warns.

    This is the nearest matrix in the Frobenius norm whose eigenvalues are all ``>= floor``
    (Higham, 1988), without any diagonal constraint; for ``kind="correlation"`` the result is
    then rescaled to a unit diagonal, ``D^{-1/2}XD^{-1/2}`` (still positive definite, no
    longer the nearest: :func:`nearest_pd` gives that).

    Parameters
    ----------
    M : array-like of shape (p, p) or DataFrame
        A DataFrame's rows are aligned to its columns first; the result keeps its labels.
    kind : {"covariance", "correlation"}, default "covariance"
    floor : float, optional
        Smallest eigenvalue allowed, positive. Default: ``10 · tol`` times the largest
        diagonal entry, raised as far as the validator's rule needs (on the correlation scale),
        so that the result passes :func:`check_covariance` with the same ``tol``. A given
        floor too small for that rule is refused.
    tol : float, optional
        The relative tolerance of the validator's eigenvalue rule the result must pass
        (default ``RTOL``, as :func:`validate_covariance`).
    return_info : bool, default False
        Also return a :class:`RepairInfo` (distance, smallest eigenvalue).

    Returns
    -------
    ndarray or DataFrame, or (that, RepairInfo)
        ``M`` itself, unchanged and without a warning, when it is already valid for ``kind``
        with every eigenvalue at least ``floor``.

    Notes
    -----
    The input is decomposed once (the spectrum the validator's report computed is reused);
    the result is checked against the rule with one more decomposition.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     out = clip_eigenvalues([[1.0, 2.0], [2.0, 1.0]], floor=0.5)
    >>> np.linalg.eigvalsh(out)
    array([0.5, 3. ])
    """
    check_choice(kind, "kind", Kind)
    check_bool(return_info, "return_info")
    raw, labels = _prepare_repair(M, "M")
    rtol = RTOL if tol is None else check_real(tol, "tol", low=0.0, high=1.0)
    given = _given_floor(floor, kind)
    report = validate_covariance(raw, kind=kind, tol=rtol)
    spectrum = report.spectrum
    assert spectrum is not None  # a finite square matrix has one
    if report.valid and spectrum.values[0] >= (given or 0.0):
        return _unchanged_result(raw, spectrum, labels, return_info)

    def solve(fl: float) -> tuple[FloatArray, RepairInfo]:
        out = spectrum.rebuilt(fl)
        if kind == "correlation":
            return _unit_diagonal(out), RepairInfo("clip", 0, True, 0.0, float("nan"), 0.0)
        return out, RepairInfo("clip", 0, True, 0.0, float(max(spectrum.values[0], fl)), 0.0)

    out, info = _repair(solve, _default_floor(np.diag(raw), rtol, spectrum), given, rtol)
    return _finish(spectrum, symmetric_part(raw), out, info, labels, "clip_eigenvalues",
                   return_info)


def _fixed_mask(fixed: Any, p: int) -> np.ndarray | None:
    if fixed is None:
        return None
    mask = np.asarray(fixed.to_numpy() if isinstance(fixed, pd.DataFrame) else fixed)
    if mask.dtype != bool or mask.shape != (p, p):
        raise InvalidOptionError(f"{arg('fixed')} must be a boolean {p}×{p} mask of the "
                                 f"entries to keep; got {describe(fixed)}.")
    return mask | mask.T


def _weights(weights: Any, p: int) -> FloatArray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float) if np.asarray(weights).dtype.kind in "iuf" else None
    if w is None or w.shape != (p,) or not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise InvalidOptionError(f"{arg('weights')} must be {p} positive numbers, one per "
                                 f"variable (the W-norm ‖W^½(A − X)W^½‖); got {describe(weights)}.")
    return w


def nearest_pd(M: Any, *, kind: Kind = "covariance", keep_diag: bool = False,
               floor: float | None = None, tol: float = 1e-12, max_iter: int = 10_000,
               method: NearestMethod = "newton", weights: Any = None, fixed: Any = None,
               return_info: bool = False) -> Any:
    """Nearest positive definite covariance or correlation matrix in the Frobenius norm. Warns.

    Parameters
    ----------
    M : array-like of shape (p, p) or DataFrame
        Finite, square; its symmetric part ``(A + Aᵀ)/2`` is what gets repaired. A
        DataFrame's rows are aligned to its columns first; the result keeps its labels.
    kind : {"covariance", "correlation"}
        ``"correlation"`` constrains the diagonal to 1.
    keep_diag : bool, default False
        For a covariance, keep the original diagonal (variances) fixed.
    floor : float, optional
        Smallest eigenvalue of the result, positive (below 1 for a correlation); default
        ``10 · RTOL · max diag``, so the result is positive definite by the package's rule.
    tol : float, default 1e-12
        Newton: stop when the root-mean-square dual gradient ``‖diag X − b‖₂/√p`` is at most
        ``tol``. Alternating projections: when successive iterates change by at most ``tol``
        (relative Frobenius norm).
    max_iter : int, default 10000
        Iteration limit; reaching it warns with :class:`ConvergenceWarning`.
    method : {"newton", "alternating"}, default "newton"
        For a constrained diagonal: Newton's method on the dual (quadratic convergence; a
        handful of eigen-decompositions) or Higham's alternating projections (linear).
    weights : array-like of shape (p,), optional
        Positive variable weights: minimise ``‖W^½(A − X)W^½‖_F``, ``W = diag(weights)``
        (Higham, 2002) — larger weights keep those variables' entries closer. The floor then
        applies to ``W^½XW^½``.
    fixed : boolean array of shape (p, p), optional
        Entries held at their input values (made symmetric). Needs
        ``method="alternating"``: Higham (2002) shows the alternating projections converge
        with this extra affine constraint; no Newton method is known for it in general.
    return_info : bool, default False
        Also return a :class:`RepairInfo`: method, iterations (and conjugate-gradient
        steps), convergence, final distance, smallest eigenvalue, final dual gradient.

    Returns
    -------
    ndarray or DataFrame (labels kept), or (that, RepairInfo)
        ``M`` itself, unchanged and without a warning, when it is already valid for ``kind``
        with every eigenvalue at least ``floor``.

    Notes
    -----
    Without a diagonal constraint the answer is the eigenvalue clipping of the symmetric part
    (Higham, 1988). With one (correlations, ``keep_diag``) Newton's method solves the dual of
    ``min ½‖X − A‖²`` s.t. ``diag X = b``, ``X ⪰ δI`` (Qi & Sun, 2006; Borsdorf & Higham,
    2010; the algorithm behind NAG's g02aa), see :mod:`mvn_estimate.guards._nearest`. Both
    methods reach the same matrix (tested against each other, Higham's examples, R's
    ``Matrix::nearPD`` and the optimality conditions).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     x = nearest_pd([[1, 1, 0], [1, 1, 1], [0, 1, 1]], kind="correlation")
    >>> np.round(x, 4)
    array([[1.    , 0.7607, 0.1573],
           [0.7607, 1.    , 0.7607],
           [0.1573, 0.7607, 1.    ]])
    """
    check_choice(kind, "kind", Kind)
    check_choice(method, "method", NearestMethod)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = check_real(tol, "tol", low=0.0, high=1.0)
    keep_diag = check_bool(keep_diag, "keep_diag")
    check_bool(return_info, "return_info")
    raw, labels = _prepare_repair(M, "M")
    a = symmetric_part(raw)
    p = a.shape[0]
    w, mask = _weights(weights, p), _fixed_mask(fixed, p)
    if mask is not None and method != "alternating":
        raise InvalidOptionError(f"{arg('fixed')} needs {setting('method', 'alternating')} "
                                 "(Higham's projections handle fixed entries; Newton's method "
                                 "does not).")
    constrained = kind == "correlation" or keep_diag or mask is not None
    target = np.ones(p) if kind == "correlation" else np.diag(a).copy()
    if constrained and np.any(target <= 0):
        raise NotPositiveDefiniteError(
            f"{arg('M')}'s diagonal must be positive to be kept; got min "
            f"{np.min(target):.6g}. Use keep_diag=False.", min_eigenvalue=float(np.min(target)))
    given = _given_floor(floor, kind)
    report = validate_covariance(raw, kind=kind)
    spectrum = report.spectrum
    assert spectrum is not None
    if report.valid and spectrum.values[0] >= (given or 0.0) and w is None and mask is None:
        return _unchanged_result(raw, spectrum, labels, return_info)
    half = np.ones(p) if w is None else np.sqrt(w)
    limit = float(np.min(target * half**2)) if constrained else np.inf
    if given is not None and given >= limit:
        _infeasible_floor(given, target * half**2, labels, kind)
    fixed_all = mask is not None and bool((mask | np.eye(p, dtype=bool)).all())
    if fixed_all:
        _infeasible_fixed(report)

    def solve(fl: float) -> tuple[FloatArray, RepairInfo]:
        return _solve(a, target, fl, tol, max_iter, method, half, mask, constrained)

    start = _default_floor(target if constrained else np.diag(a), RTOL, spectrum)
    out, info = _repair(solve, start, given, RTOL, limit)
    return _finish(spectrum, a, out, info, labels, "nearest_pd", return_info)


def _infeasible_floor(floor: float, diagonal: FloatArray, labels: Any, kind: str) -> None:
    j = int(np.argmin(diagonal))
    name = repr(labels[j]) if labels is not None else str(j)
    held = "a correlation matrix's unit diagonal" if kind == "correlation" else \
        "the diagonal held fixed (keep_diag=True)"
    raise InfeasibleError(
        f"{arg('floor')} {floor:.6g} cannot hold together with {held}: variable {name} has "
        f"diagonal entry {diagonal[j]:.6g}, and a matrix whose eigenvalues are all at least "
        "the floor has every diagonal entry at least the floor. Lower the floor below "
        f"{diagonal[j]:.6g}, or use keep_diag=False.")


def _infeasible_fixed(report: Any) -> None:
    if not report.valid:
        raise InfeasibleError(
            f"{arg('fixed')} holds every off-diagonal entry (and the diagonal is held too), "
            "so the only candidate is the input itself, which is not positive definite "
            f"(smallest eigenvalue {report.min_eigenvalue:.6g}). Free some entries.")


def _solve(a: FloatArray, target: FloatArray, fl: float, tol: float, max_iter: int,
           method: str, half: FloatArray, mask: np.ndarray | None,
           constrained: bool) -> tuple[FloatArray, RepairInfo]:
    """The nearest matrix, computed in units of a power of two near the largest entry (exact),
    so that the iterations' tolerances are relative to the matrix's own scale."""
    c = power_scale(a * half[:, None] * half[None, :])
    scaled = a * half[:, None] * half[None, :] / c
    goal, fl = target * half**2 / c, fl / c
    if not constrained:
        out = Spectrum.of(scaled).rebuilt(fl)
        info = RepairInfo("clip", 0, True, 0.0, float("nan"), 0.0)
    elif method == "newton":
        out, info = newton(scaled, goal, fl, tol, max_iter)
        out = _exact_diagonal(out, goal)
    else:
        out, info = alternating(scaled, goal, fl, tol, max_iter, mask)
        if not info.converged and mask is None:  # feasible, only slow: a valid approximation
            out = _exact_diagonal(Spectrum.of(out).rebuilt(fl), goal)
        elif not info.converged and np.linalg.eigvalsh(out)[0] < fl * (1 - 1e-6):
            raise InfeasibleError(
                f"nearest_pd found no matrix that keeps the diagonal and the entries held by "
                f"{ref('fixed')} with every eigenvalue at least {fl * c:.3g} in {max_iter} "
                "alternating projections: those constraints may not all hold together. Free "
                "some entries, lower the floor, or raise max_iter.")
    out = out * c / half[:, None] / half[None, :]
    return symmetric_part(out), info


def _exact_diagonal(x: FloatArray, b: FloatArray) -> FloatArray:
    """``D X D`` with ``D = diag(√(b/diag X))``: the diagonal exactly ``b``, still PSD."""
    d = np.sqrt(b / np.diag(x))
    out = x * d[:, None] * d[None, :]
    np.fill_diagonal(out, b)
    return (out + out.T) / 2
