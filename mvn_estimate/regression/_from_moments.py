"""Regression results from a joint normal's estimates and the covariance of those estimates:
one response block on one regressor block (delta method), or seemingly unrelated
regressions (GLS from the moments)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray
from ..data import show_labels
from ..exceptions import LabelError, ShapeError, arg, describe
from ..inference import Given, NotAvailable, ParamCovariance, Transformed
from ..linalg import vech
from ._conditional import label_positions
from ._equations import parse_equations
from ._joint import Moments, regression_jacobian, regression_moments, regression_names
from ._result import MultivariateTests, RegressionResult
from ._sur import sur, sur_names

__all__ = ["block_labels", "disjoint_blocks", "joint_regression", "sur_regression"]


def block_labels(value: Any, name: str) -> list[Any]:
    """``y`` or ``x``: one label, or a non-empty list of labels."""
    if isinstance(value, list | tuple | pd.Index):
        out = list(value)
    elif value is None or isinstance(value, dict | set | np.ndarray | pd.Series):
        raise LabelError(f"{arg(name)} must be a column label or a list of column labels; got "
                         f"{describe(value)}.")
    else:
        out = [value]
    if not out:
        raise ShapeError(f"{arg(name)} must name at least one column; got an empty list.")
    return out


def disjoint_blocks(y: list[Any], x: list[Any]) -> None:
    """A column is a response or a regressor, not both; no regressor is called Intercept."""
    both = [c for c in y if any(repr(c) == repr(d) for d in x)]
    if both:
        raise LabelError(f"Columns {show_labels(both)} are in both {arg('y')} and 'x': a "
                         "column is a response or a regressor, not both.")
    if any(str(c) == "Intercept" for c in x):
        raise LabelError(f"{arg('x')} has a column named 'Intercept', the name of the "
                         "intercept row of coef; rename the column.")


def _positions(labels: pd.Index, y: list[Any], x: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    disjoint_blocks(y, x)
    return label_positions(y, labels, "y"), label_positions(x, labels, "x")


def _tests(m: Moments, mean_x: FloatArray, n: float, x: list[str]) -> MultivariateTests:
    """Type III SSCP matrices: ``E = nΨ``, ``H_j = b_j b_jᵀ / [(XᵀX)⁻¹]_jj`` with
    ``[(XᵀX)⁻¹]`` from the moments (slopes ``Σ_xx⁻¹/n``, intercept ``(1 + x̄ᵀΣ_xx⁻¹x̄)/n``)."""
    inv = m.sxx_solve
    terms = {"Intercept": np.outer(m.intercept, m.intercept)
             * n / (1.0 + mean_x @ inv @ mean_x)}
    for j, name in enumerate(x):
        terms[name] = np.outer(m.coef[:, j], m.coef[:, j]) * n / inv[j, j]
    return MultivariateTests(n * m.resid_cov, terms, n - len(x) - 1)


def joint_regression(mean: pd.Series, cov: pd.DataFrame, param_cov: ParamCovariance,
                     chain: FloatArray | None, y: Any, x: Any, *, kind: str, loglike: float,
                     nobs: float, missing: str, small_sample: bool = False,
                     complete: bool = False) -> RegressionResult:
    """The regression of ``y`` on ``x`` implied by a joint fit ``N(mean, cov)`` whose
    estimates ``(μ̂, θ̂)`` have the covariance ``param_cov``; ``chain`` is ``∂ vech Σ/∂θᵀ`` of
    a structured fit (None for the unstructured one). ``small_sample`` scales the
    coefficients' covariance by ``n/(n − k)`` and uses t inference; ``complete`` keeps the
    SSCP matrices for :meth:`RegressionResult.mv_test`."""
    y, x = block_labels(y, "y"), block_labels(x, "x")
    labels = mean.index
    yi, xi = _positions(labels, y, x)
    mu, s = mean.to_numpy(), cov.to_numpy()
    m = regression_moments(mu, s, yi, xi, labels)
    jac = regression_jacobian(mu, m, yi, xi)
    if chain is not None:
        jac = np.hstack([jac[:, :mu.size], jac[:, mu.size:] @ chain])
    q, k = yi.size, xi.size
    df = nobs - k - 1 if small_sample else None
    scale = np.ones(jac.shape[0])
    if df is not None:
        if df <= 0:
            raise ShapeError(f"small_sample=True needs more observations than regressors plus "
                             f"one; got n = {nobs:g} for k = {k}.")
        scale[:q + q * k] = np.sqrt(nobs / df)
    ys, xs = [str(c) for c in labels[yi]], [str(c) for c in labels[xi]]
    params = pd.Series(m.params, index=regression_names(ys, xs), name="params")
    coef = pd.DataFrame(np.vstack([m.intercept, m.coef.T]), index=["Intercept", *labels[xi]],
                        columns=labels[yi])
    resid = pd.DataFrame(m.resid_cov, index=labels[yi], columns=labels[yi])
    r2 = pd.Series(1.0 - np.diag(m.resid_cov) / np.diag(s)[yi], index=labels[yi],
                   name="rsquared")
    tests = _tests(m, mu[xi], nobs, xs) if complete else None
    pcov: ParamCovariance = NotAvailable(jac.shape[0], param_cov.why) \
        if isinstance(param_cov, NotAvailable) else Transformed(param_cov, jac, scale)
    if df is not None:
        pcov.formula += f", coefficients scaled by n/(n − k) = {nobs:g}/{df:g}"
    return RegressionResult(params, coef, resid, r2, float(loglike), float(nobs), kind,
                            missing, pcov, df, None, tests)


def sur_regression(mean: pd.Series, cov: pd.DataFrame, nobs: float, equations: Any, *,
                   method: str, tol: float, max_iter: int, missing: str) -> RegressionResult:
    """Seemingly unrelated regressions of ``equations`` from the ML moments of their
    variables (``mean``, ``cov`` over the union of the columns)."""
    labels = mean.index
    eqs = parse_equations(equations, labels, ml=method == "ml")
    mu, s = mean.to_numpy(), cov.to_numpy()
    res = sur(mu, s, nobs, eqs, method=method, tol=tol, max_iter=max_iter)
    names = sur_names(eqs, labels)
    values = np.concatenate([res.intercept, *res.slopes, vech(res.resid_cov)])
    regressors = list(dict.fromkeys(labels[j] for e in eqs for j in e.regressors))
    coef = pd.DataFrame(np.nan, index=["Intercept", *regressors], columns=[e.name for e in eqs])
    for e, a, c in zip(eqs, res.intercept, res.slopes, strict=True):
        coef.loc["Intercept", e.name] = a
        coef.loc[list(labels[e.regressors]), e.name] = c
    names_eq = [e.name for e in eqs]
    resid = pd.DataFrame(res.resid_cov, index=names_eq, columns=names_eq)
    r2 = pd.Series(1.0 - np.diag(res.resid_cov) / s[[e.response for e in eqs],
                                                  [e.response for e in eqs]],
                   index=names_eq, name="rsquared")
    formula = ("(X'(Ψ⁻¹⊗I)X)⁻¹ at the ML Ψ" if method == "ml" else
               "(X'(Ψ⁻¹⊗I)X)⁻¹ at the OLS residuals' Ψ, as systemfit's two-step")
    kind = "SUR" if method == "ml" else "SUR two-step"
    return RegressionResult(pd.Series(values, index=names, name="params"), coef, resid, r2,
                            res.loglike, float(nobs), kind, missing,
                            Given(res.cov, "classic", "expected", formula), None,
                            res.iterations)
