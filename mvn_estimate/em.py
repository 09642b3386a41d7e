"""``fit(..., missing="em")``: full-information maximum likelihood for incomplete data.

The EM algorithm (Dempster, Laird & Rubin, 1977; Little & Rubin, 2002, ch. 11) alternates the
batched E-step of :mod:`mvn_estimate.patterns` with the complete-data MLE of the completed
statistics (:class:`~mvn_estimate.stats.SufficientStats`, plus the conditional covariances).
EM converges linearly, slowly when much is missing, so once its steps are small
(relative change below :data:`NEWTON_SWITCH`) the fit finishes with Newton steps on the
observed-data log-likelihood using the analytic score and observed information of
:mod:`mvn_estimate.observed`. Every Newton iterate is kept valid: a step is halved until the
covariance is positive definite and the log-likelihood does not decrease, and Newton is
abandoned for plain EM if that fails or the information is not positive definite.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._data import as_dataset, check_option
from ._params import param_names
from ._typing import FloatArray
from .exceptions import (
    ConvergenceWarning,
    InvalidOptionError,
    MVNEstimateError,
    NotPositiveDefiniteError,
    ShapeError,
)
from .guards import project_psd
from .linalg import PDFactor
from .linalg.vech import unvech, vech
from .observed import information as information_matrix
from .observed import robust_param_cov, score_and_information
from .patterns import Patterns, build_patterns, e_step
from .stats import check_weights

__all__ = ["NEWTON_SWITCH", "TOL", "fit_em"]

TOL = 1e-10
"""Default tolerance: relative change of the log-likelihood and of the parameters."""

NEWTON_SWITCH = 1e-4
"""EM hands over to Newton steps once its relative parameter change falls below this."""


def _start(pat: Patterns) -> tuple[FloatArray, FloatArray]:
    """Available-case means and pairwise covariances, eigenvalues raised to be PD.

    Pairwise-deletion covariances can be indefinite; eigenvalues below 1e-3 of the mean
    variance are raised to it (a starting value only: EM moves away from it at once).
    """
    frame = pd.DataFrame(pat.x)
    mean = frame.mean().to_numpy()
    cov = np.nan_to_num(frame.cov(ddof=0).to_numpy())
    floor = 1e-3 * float(np.mean(np.diag(cov)))
    return mean, project_psd((cov + cov.T) / 2, floor)


def _change(mean_a, cov_a, mean_b, cov_b) -> float:
    scale = float(np.max(np.diag(cov_b)))
    return max(float(np.max(np.abs(mean_a - mean_b))) / np.sqrt(scale),
               float(np.max(np.abs(cov_a - cov_b))) / scale)


def _newton(pat: Patterns, mean: FloatArray, cov: FloatArray,
            loglike: float) -> tuple[FloatArray, FloatArray, float, bool] | None:
    """One safeguarded Newton step; ``None`` when no valid improving step is found.

    Returns the new point, its log-likelihood, and whether the full step was taken.
    """
    p = pat.p
    try:  # TooLargeError above DENSE_PARAM_LIMIT parameters: plain EM then
        score, info_matrix = score_and_information(pat, mean, cov)
        info = PDFactor.of(info_matrix, name="information")
    except MVNEstimateError:
        return None
    step = info.solve(score)
    for halving in range(12):
        t = 0.5**halving
        new_mean = mean + t * step[:p]
        new_cov = np.asarray(unvech(vech(cov) + t * step[p:]), dtype=np.float64)
        try:
            value = e_step(pat, new_mean, new_cov)[2]
        except NotPositiveDefiniteError:
            continue
        if value >= loglike - 1e-12 * abs(loglike):
            return new_mean, new_cov, value, halving == 0
    return None


def _m_step(pat: Patterns, mean: FloatArray, cov: FloatArray) -> tuple[FloatArray, FloatArray]:
    stats, correction, _ = e_step(pat, mean, cov)
    new_cov = (stats.scatter + correction) / stats.n
    return stats.mean, (new_cov + new_cov.T) / 2


def _iterate(pat: Patterns, tol: float, max_iter: int) -> tuple[FloatArray, FloatArray, float,
                                                                   int, int, bool]:
    """EM, then Newton; returns ``(mean, cov, loglike, em_steps, newton_steps, converged)``."""
    mean, cov = _start(pat)
    complete = pat.npatterns == 1 and bool(pat.masks[0].all())
    previous, newton_steps, use_newton = -np.inf, 0, True
    for it in range(1, max_iter + 1):
        stats, correction, loglike = e_step(pat, mean, cov)
        new_mean, new_cov = stats.mean, (stats.scatter + correction) / stats.n
        new_cov = (new_cov + new_cov.T) / 2
        change = _change(new_mean, new_cov, mean, cov)
        settled = abs(loglike - previous) <= tol * abs(loglike) and change <= tol
        if complete or settled:
            return new_mean, new_cov, loglike, it, newton_steps, True
        mean, cov, previous = new_mean, new_cov, loglike
        if use_newton and change <= NEWTON_SWITCH:
            loglike = e_step(pat, mean, cov)[2]
            while newton_steps < max_iter:
                found = _newton(pat, mean, cov, loglike)
                if found is None:
                    use_newton = False
                    break
                newton_steps += 1
                step = _change(found[0], found[1], mean, cov)
                gain = found[2] - loglike
                mean, cov, loglike, full = found
                # Newton converges quadratically: after a full step of relative size δ the
                # error is O(δ²), so δ <= √tol / 10 already puts it below tol.
                small = step <= tol or (full and step <= np.sqrt(tol) / 10)
                if small and gain <= np.sqrt(tol) * abs(loglike):
                    return mean, cov, loglike, it, newton_steps, True
            previous = loglike
    final = e_step(pat, mean, cov)[2]
    last = _change(mean, cov, *_m_step(pat, mean, cov))
    warnings.warn(
        f"EM stopped at max_iter={max_iter} before reaching tol={tol:g}: the last parameter "
        f"change was {last:.3g} and the log-likelihood {final:.10g}. Raise max_iter or tol.",
        ConvergenceWarning, stacklevel=3)
    return mean, cov, final, max_iter, newton_steps, False


def _check_options(cov_type: Any, information_kind: Any, tol: Any, max_iter: Any) -> None:
    check_option(cov_type, "cov_type", ("classic", "robust"))
    check_option(information_kind, "information", ("observed", "expected"))
    if not isinstance(max_iter, int) or isinstance(max_iter, bool) or max_iter < 1:
        raise InvalidOptionError(
            f"The 'max_iter' argument must be a positive int; got {max_iter!r}.")
    if not isinstance(tol, float | int) or not 0 < tol < 1:
        raise InvalidOptionError(f"The 'tol' argument must be in (0, 1); got {tol!r}.")


def fit_em(data: Any, *, columns: Sequence[str] | None = None, weights: Any = None,
           cov_type: str = "classic", information: str = "observed", tol: float = TOL,
           max_iter: int = 10_000) -> Any:
    """Full-information ML fit with missing values (``fit(..., missing="em")``).

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
        NaN marks a missing value. Rows with nothing observed are excluded and counted.
    columns, weights, cov_type
        As in :func:`mvn_estimate.fit`. ``cov_type="robust"`` is the sandwich from the
        per-row observed-data scores.
    information : {"observed", "expected"}, default "observed"
        Information of the observed-data likelihood used for standard errors: ``"observed"``
        is valid under MAR; ``"expected"`` only under MCAR.
    tol : float, default 1e-10
        Stop when the relative change of the observed log-likelihood and the parameter change
        (relative to the largest variance) are both at most ``tol``.
    max_iter : int, default 10000
        Iteration limit; reaching it issues a :class:`ConvergenceWarning`.

    Returns
    -------
    MVNResult
        With ``missing="em"`` and ``em`` (iterations, convergence, patterns, fractions).

    Raises
    ------
    NotIdentifiedError
        A column never observed, a pair never observed together, or no observed value.
    TooLargeError
        More than ``DENSE_PARAM_LIMIT`` parameters (``p > 98``): the observed information
        of incomplete data has no closed-form inverse and is not built at that size.

    Notes
    -----
    Validated against the closed-form MLE for monotone patterns and against direct numerical
    maximisation of the observed-data log-likelihood (scipy.optimize, Cholesky parameters).

    Examples
    --------
    >>> import mvn_estimate as me
    >>> x = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 4.0], [5.0, 7.0]])
    >>> res = me.fit(x, missing="em")
    >>> res.em.npatterns, res.em.converged
    (2, True)
    """
    from .results import EMInfo, MVNResult

    _check_options(cov_type, information, tol, max_iter)
    ds = as_dataset(data, columns=columns)
    w = None if weights is None else check_weights(weights, ds.nobs)
    pat, excluded = build_patterns(ds, w)
    if pat.w.sum() <= pat.p:
        raise ShapeError(f"EM needs more than p = {pat.p} usable rows; got {pat.w.sum():g}.")
    mean, cov, loglike, iters, newton, converged = _iterate(pat, tol, max_iter)
    PDFactor.of(cov, name="cov")
    loglike = e_step(pat, mean, cov)[2]
    info = information_matrix(pat, mean, cov, information)
    param_cov = (robust_param_cov(pat, mean, cov, info) if cov_type == "robust"
                 else PDFactor.of(info, name="information").inverse())
    frac = pd.Series(np.isnan(ds.values).mean(axis=0), index=ds.names, name="missing")
    return MVNResult(
        mean=pd.Series(mean, index=ds.names, name="mean"),
        cov=pd.DataFrame(cov, index=ds.names, columns=ds.names),
        nobs=float(pat.w.sum()), loglike=float(loglike),
        std_errors=pd.Series(np.sqrt(np.diag(param_cov)), index=param_names(ds.names),
                             name="std_errors"),
        cov_type=cov_type, missing="em", nobs_dropped=excluded,
        em=EMInfo(iters, converged, pat.npatterns, frac, excluded, information, newton),
        robust_param_cov=param_cov if cov_type == "robust" else None,
    )
