"""Full-information maximum likelihood for incomplete data: EM, then Newton.

The EM algorithm (Dempster, Laird & Rubin, 1977; Little & Rubin, 2002, ch. 11) alternates the
E-step of :mod:`mvn_estimate.missing._conditional` — computed from per-pattern statistics, so
an iteration never touches the full data — with the M-step, the complete-data MLE of the
completed statistics. EM converges linearly, slowly when much is missing, so once its steps
are small (relative change below :data:`NEWTON_SWITCH`) the fit finishes with Newton steps on
the observed-data log-likelihood using its analytic score and observed information. Every
Newton iterate is kept valid: a step is halved until the covariance is positive definite and
the log-likelihood does not decrease; when no such step exists (the information is not
positive definite yet, or too large to build) EM goes on and Newton is tried again once the
EM steps are ten times smaller.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._typing import FloatArray
from ..data import SufficientStats, one_blas_thread
from ..exceptions import (
    ConvergenceWarning,
    MVNEstimateError,
    NotIdentifiedError,
    NotPositiveDefiniteError,
    SingularCovarianceError,
    ref,
    setting,
    warn,
)
from ..linalg import PDFactor
from ..model import (
    CovarianceStructure,
    Unstructured,
    chain_score_information,
    enough_rows,
    fit_structure,
)
from ._conditional import e_step, observed_loglike
from ._observed import information_matrix, score_and_information, score_vector
from ._patterns import Patterns

__all__ = ["MAX_ITER", "NEWTON_SWITCH", "TOL", "EMFit", "EMModel", "chained", "em", "start_values"]

TOL = 1e-10
"""Default tolerance: relative change of the log-likelihood and of the parameters."""

MAX_ITER = 10_000
"""Default iteration limit."""

NEWTON_SWITCH = 1e-4
"""EM hands over to Newton steps once its relative parameter change falls below this."""


@dataclass(frozen=True)
class EMFit:
    """The outcome of :func:`em`: estimates relative to ``patterns.origin``, and the trace."""

    mean: FloatArray
    cov: FloatArray
    theta: FloatArray
    loglike: float
    iterations: int
    newton_steps: int
    converged: bool
    patterns: Patterns


def m_step(stats: SufficientStats) -> tuple[FloatArray, FloatArray]:
    """The complete-data MLE of completed statistics: ``(mean, scatter / n)``."""
    cov = stats.scatter / stats.n
    return stats.mean, (cov + cov.T) / 2


class EMModel:
    """The covariance model EM works with: a structure ``Σ(θ)`` and its M-step."""

    def __init__(self, structure: CovarianceStructure, tol: float, max_iter: int) -> None:
        self.structure, self.tol, self.max_iter = structure, tol, max_iter
        self.saturated = isinstance(structure, Unstructured)

    def m_step(self, stats: SufficientStats,
               theta: FloatArray | None) -> tuple[FloatArray, FloatArray, FloatArray]:
        mean, cov = m_step(stats)
        if self.saturated:
            return mean, self.structure.start(cov), cov
        fitted = fit_structure(self.structure, cov, stats.n, tol=self.tol,
                               max_iter=self.max_iter, start=theta)
        return mean, fitted.theta, fitted.cov


def start_values(pat: Patterns) -> tuple[FloatArray, FloatArray]:
    """Available-case means and variances (a diagonal start; EM moves away from it at once)."""
    mask = pat.masks.astype(float)
    weight = pat.n[:, None] * mask
    count = weight.sum(axis=0)
    mean = (weight * pat.mean).sum(axis=0) / count
    second = (weight * pat.mean**2).sum(axis=0)
    if pat.scatter.shape[0]:
        second += np.einsum("gii->i", pat.scatter)
    if pat.raw_x.shape[0]:
        rare = np.bincount(pat.raw_pattern, weights=pat.raw_w, minlength=pat.npatterns)
        within = (pat.raw_w[:, None] * pat.raw_x**2).sum(axis=0)
        between = ((rare[:, None] * mask) * pat.mean**2).sum(axis=0)
        second += within - between
    var = second / count - mean**2
    # only a variance that is not positive (a constant column, or rounding) takes a floor: a
    # floor shared by all columns lifted every variance to the largest column's scale
    floor = 1e-3 * max(float(np.mean(np.abs(var))), np.finfo(float).tiny)
    return mean, np.diag(np.where(var > 0, var, floor))


def _change(mean_a: FloatArray, cov_a: FloatArray, mean_b: FloatArray, cov_b: FloatArray) -> float:
    scale = float(np.max(np.diag(cov_b)))
    return max(float(np.max(np.abs(mean_a - mean_b))) / np.sqrt(scale),
               float(np.max(np.abs(cov_a - cov_b))) / scale)


def chained(model: EMModel, pat: Patterns, mean: FloatArray, theta: FloatArray,
            kind: str) -> tuple[FloatArray, FloatArray]:
    """Observed-data score and information over ``(μ, θ)`` by the chain rule."""
    cov = model.structure.cov(theta)
    with one_blas_thread():  # many small products: see data.one_blas_thread
        if kind == "observed":
            score, info = score_and_information(pat, mean, cov)
        else:
            score = score_vector(pat, mean, cov)
            info = information_matrix(pat, mean, cov, "expected")
    if model.saturated:
        return score, info
    return chain_score_information(model.structure, theta, score, info, kind == "observed")


def _direction(model: EMModel, pat: Patterns, mean: FloatArray,
               theta: FloatArray) -> tuple[FloatArray, bool]:
    """Newton's direction, or Fisher scoring's where the observed information is not yet
    positive definite (the expected information always is); says which."""
    score, observed = chained(model, pat, mean, theta, "observed")
    try:
        return PDFactor.of(observed, name="information").solve(score), True
    except NotPositiveDefiniteError:
        _, expected = chained(model, pat, mean, theta, "expected")
        return PDFactor.of(expected, name="information").solve(score), False


def _newton(model: EMModel, pat: Patterns, mean: FloatArray, theta: FloatArray,
            loglike: float) -> tuple[FloatArray, FloatArray, float, bool] | None:
    """One safeguarded Newton (or scoring) step; ``None`` when no valid improving step is
    found. The flag is true for a full Newton step (what the quadratic stopping rule needs)."""
    p = pat.p
    try:  # TooLargeError above DENSE_PARAM_LIMIT parameters: plain EM then
        step, newton = _direction(model, pat, mean, theta)
    except MVNEstimateError:
        return None
    for halving in range(12):
        t = 0.5**halving
        new_mean = mean + t * step[:p]
        new_theta = theta + t * step[p:]
        if not model.structure.valid(new_theta):
            continue
        try:
            value = observed_loglike(pat, new_mean, model.structure.cov(new_theta))
        except NotPositiveDefiniteError:
            continue
        if value >= loglike - 1e-12 * abs(loglike):
            return new_mean, new_theta, value, newton and halving == 0
    return None


def _singular(pat: Patterns, it: int, exc: NotPositiveDefiniteError) -> SingularCovarianceError:
    observed = (pat.masks * pat.nrows[:, None]).sum(axis=0)
    order = np.argsort(observed)[:3]
    least = ", ".join(f"{pat.labels[j]!r} ({int(observed[j])} rows)" for j in order)
    return SingularCovarianceError(
        f"The EM estimate of the covariance of {ref('data')} became singular at iteration {it} "
        f"(smallest eigenvalue {exc.min_eigenvalue:.3g}): the observed values do not determine "
        f"it. The least observed columns are {least}; drop sparsely observed or collinear "
        "columns.", columns=[str(pat.labels[j]) for j in order],
        min_eigenvalue=exc.min_eigenvalue)


def em(pat: Patterns, *, tol: float = TOL, max_iter: int = MAX_ITER,
       structure: CovarianceStructure | None = None,
       start: tuple[FloatArray, FloatArray] | None = None,
       switch: float | None = None) -> EMFit:
    """EM, then Newton, on clean patterns; returns the estimate relative to ``pat.origin``.

    ``structure`` (bound to the variables; default unstructured) changes the M-step — the
    structure's ML fit of the completed covariance — and the Newton steps, which run over
    ``(μ, θ)`` by the chain rule. ``start`` is a starting ``(μ, Σ)`` in the data's units
    (default: the available-case means and variances) — a nearby estimate, such as the full
    data's for a bootstrap sample, saves iterations; from such a start Newton steps may begin
    earlier (``switch``, the relative EM step below which Newton takes over; default
    :data:`NEWTON_SWITCH`).

    Raises
    ------
    NotIdentifiedError
        A column observed in fewer than two rows.
    SingularCovarianceError
        At most ``p`` observations, an iterate that is not positive definite, or a variance
        collapsing towards zero (an unbounded likelihood).
    """
    enough_rows(pat.total, pat.p, pat.labels, "use fewer columns.",
                " rows with an observed value")
    _enough_rows(pat)
    model = EMModel(structure if structure is not None else Unstructured().bind(pat.labels),
                   tol, max_iter)
    mean, cov = start_values(pat) if start is None else (start[0] - pat.origin, start[1])
    trace = [0]
    try:
        with one_blas_thread():  # many small products: see data.one_blas_thread
            return _iterate(model, pat, mean, cov, tol, max_iter, trace,
                            NEWTON_SWITCH if switch is None else switch)
    except NotPositiveDefiniteError as exc:
        raise _singular(pat, trace[0], exc) from exc


def _observed_rows(pat: Patterns) -> FloatArray:
    return np.asarray((pat.masks * pat.nrows[:, None]).sum(axis=0), dtype=float)


def _enough_rows(pat: Patterns) -> None:
    """Each column needs more observed rows than its regression on the others has
    coefficients (``p``); with fewer, that regression fits them exactly, the conditional
    variance can shrink to zero and the likelihood is unbounded."""
    rows = _observed_rows(pat)
    few = [f"{c!r} ({int(k)} rows)" for c, k in zip(pat.labels, rows, strict=True) if k <= pat.p]
    if few:
        raise NotIdentifiedError(
            f"Columns {', '.join(few)} of {ref('data')} are observed in at most p = {pat.p} rows: "
            "their "
            f"regression on the other {pat.p - 1} columns (p coefficients) fits those rows "
            "exactly, so the likelihood grows without bound as their variance shrinks. Drop "
            "them or use fewer columns."
        )


def _collapsed(pat: Patterns, cov: FloatArray, start: FloatArray, it: int) -> None:
    """Raise when a variance collapses towards zero: the likelihood is unbounded there."""
    var = np.diag(cov)
    low = var < 1e-12 * start
    if low.any():
        rows = _observed_rows(pat)
        cols = [f"{c!r} ({int(k)} rows)" for c, k, b in zip(pat.labels, rows, low, strict=True)
                if b]
        raise SingularCovarianceError(
            f"The EM estimate of the covariance of {ref('data')} degenerates at iteration {it}: "
            "the "
            f"variance of columns {', '.join(cols)} collapses towards zero (below 1e-12 of its "
            "available-case value), so the likelihood is unbounded. Too few rows observe them "
            "together with the other columns; drop them or use fewer columns.",
            columns=[str(c) for c, b in zip(pat.labels, low, strict=True) if b])


def _iterate(model: EMModel, pat: Patterns, mean: FloatArray, cov: FloatArray, tol: float,
             max_iter: int, trace: list[int], switch: float) -> EMFit:
    previous, newton_steps = -np.inf, 0
    start = np.diag(cov).copy()
    theta: FloatArray | None = None
    for it in range(1, max_iter + 1):
        trace[0] = it
        stats, loglike = e_step(pat, mean, cov)
        new_mean, theta, new_cov = model.m_step(stats, theta)
        _collapsed(pat, new_cov, start, it)
        change = _change(new_mean, new_cov, mean, cov)
        settled = abs(loglike - previous) <= tol * abs(loglike) and change <= tol
        if (pat.complete and model.saturated) or settled:
            return EMFit(new_mean, new_cov, theta, observed_loglike(pat, new_mean, new_cov), it,
                         newton_steps, True, pat)
        mean, cov, previous = new_mean, new_cov, loglike
        if change <= switch:
            loglike = observed_loglike(pat, mean, cov)
            while newton_steps < max_iter:
                found = _newton(model, pat, mean, theta, loglike)
                if found is None:  # try again once EM has come ten times closer
                    switch = change / 10
                    break
                newton_steps += 1
                new_cov = model.structure.cov(found[1])
                step = _change(found[0], new_cov, mean, cov)
                gain = found[2] - loglike
                mean, theta, loglike, full = found
                cov = new_cov
                # Newton converges quadratically: after a full step of relative size δ the
                # error is O(δ²), so δ <= √tol / 10 already puts it below tol.
                small = step <= tol or (full and step <= np.sqrt(tol) / 10)
                if small and gain <= np.sqrt(tol) * abs(loglike):
                    return EMFit(mean, cov, theta, loglike, it, newton_steps, True, pat)
            previous = loglike
    assert theta is not None
    final = observed_loglike(pat, mean, cov)
    last = _change(mean, cov, *model.m_step(e_step(pat, mean, cov)[0], theta)[::2])
    warn(
        f"EM stopped at {setting('max_iter', max_iter)} before reaching {setting('tol', tol)}: "
        f"the last parameter change was {last:.3g} and the log-likelihood {final:.10g}. Raise "
        "max_iter or tol.",
        ConvergenceWarning)
    return EMFit(mean, cov, theta, final, max_iter, newton_steps, False, pat)

