"""``regress``: multivariate regression with fixed regressors, and seemingly unrelated
regressions, through the one pipeline.

Both are functions of the joint normal's estimates. With ``x`` fully observed the joint
likelihood factorises into ``f(x)·f(y | x)`` with variation-independent parameters, so the
regression implied by the joint ML (FIML with ``missing="em"``) *is* the ML of the fixed-x
model, and the delta method applied to the joint covariance of the estimates — whose inverse
information is block diagonal in the factorised parameters — gives the fixed-x covariance
(classic, robust or EM alike). The data are read once by :func:`fit_rows`, from memory, a file
or Dask.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from .._typing import CovType, Information, Missing, SurMethod, WeightsKind
from .._validate import check_bool, check_choice, check_int, check_real
from ..data import Table, as_dataset, is_dask, memory_source, open_table
from ..exceptions import InvalidOptionError, arg, ref, setting
from ..regression import (
    RegressionResult,
    block_labels,
    disjoint_blocks,
    equation_columns,
    joint_regression,
    sur_regression,
)
from ._dask import dask_source
from ._pipeline import fit_rows
from ._results import MVNResult
from ._spec import FitSpec
from ._stream import table_source

__all__ = ["regress"]


def _source(data: Any, columns: list[Any], weights: Any) -> Any:
    """Rows from memory, a table file (a path or an opened :class:`Table`) or Dask."""
    if isinstance(data, Table):
        return table_source(data, columns, weights, None, False)
    if isinstance(data, str | os.PathLike):
        return table_source(open_table(data)[0], columns, weights, None, False)
    if is_dask(data):
        return dask_source(data, columns, weights)
    if not isinstance(data, pd.DataFrame):  # an array's columns are x0, x1, …: select them
        ds = as_dataset(data, min_rows=0)
        data = pd.DataFrame(ds.values, columns=ds.labels)
    return memory_source(data, columns, weights)


def _complete_x(res: MVNResult, x: list[Any]) -> None:
    if res.em is None:
        return
    frac = res.em.missing_fraction
    gaps = [c for c in x if frac.loc[c] > 0]
    if gaps:
        raise InvalidOptionError(
            f"A fixed-x regression needs the regressors in {ref('x')} observed in every row; "
            f"{gaps} have missing values ({', '.join(f'{frac.loc[c]:.1%}' for c in gaps)}). "
            f"Model them too with {setting('random_x', True)} (the regression implied by the "
            "joint full-information ML fit, as lavaan's fixed.x=FALSE).")


def _marginal_x(res: MVNResult, x: list[Any]) -> float:
    """``−n/2 (k log 2π + log|Σ̂_xx| + k)``: the log-likelihood of the fully observed ``x`` at
    their ML moments, the part of the joint log-likelihood a fixed-x model leaves out."""
    k = len(x)
    logdet = np.linalg.slogdet(res.cov.loc[x, x].to_numpy())[1]
    return float(-0.5 * res.nobs * (k * np.log(2 * np.pi) + logdet + k))


def _blocks(y: Any, x: Any) -> tuple[list[Any], list[Any]]:
    if y is None or x is None:
        raise InvalidOptionError(f"Give the responses {arg('y')} and the regressors 'x' "
                                 "(or equations=... for seemingly unrelated regressions).")
    ys, xs = block_labels(y, "y"), block_labels(x, "x")
    disjoint_blocks(ys, xs)
    return ys, xs


def regress(data: Any, y: Any = None, x: Any = None, *, equations: Any = None,
            missing: Missing = "raise", weights: Any = None,
            weights_kind: WeightsKind = "frequency", cov_type: CovType = "classic",
            small_sample: bool = False, random_x: bool = False, method: SurMethod = "ml",
            information: Information | None = None, tol: float | None = None,
            max_iter: int | None = None) -> RegressionResult:
    """Multivariate regression ``Y = XB + E`` with fixed regressors, by maximum likelihood;
    or seemingly unrelated regressions with ``equations=``.

    Parameters
    ----------
    data : DataFrame, array-like, Dask collection, or path of a CSV/Parquet file
        The rows (read once, in chunks for a file or Dask).
    y, x : label or list of labels
        Responses and regressors (an intercept is added). Missing responses are allowed with
        ``missing="em"`` (rows with incomplete responses are kept: ML by EM); the regressors
        must then be fully observed — with missing regressors, model them:
        ``fit(data, columns=y + x, missing="em").regress(y, x)``.
    equations : dict, optional
        ``{"demand": "q ~ p + i", "supply": "q2 ~ p + f"}`` or ``{"name": (y, [a, b])}``:
        seemingly unrelated regressions, each equation with its own regressors and an
        intercept. Complete data, classic standard errors.
    missing : {"raise", "drop", "em"}, default "raise"
    weights, weights_kind
        Row weights, as in :func:`mvn_estimate.fit`.
    cov_type : {"classic", "robust"}, default "classic"
        ``"robust"``: the sandwich (heteroscedasticity-robust, as HC0) — also with
        ``missing="em"``.
    small_sample : bool, default False
        Divide the residual covariance by ``n − k`` (k regressors with the intercept) in the
        coefficients' covariance — equal to R's ``vcov(lm(cbind(...) ~ ...))`` — and use
        Student's t with ``n − k`` degrees of freedom. Complete data only.
    random_x : bool, default False
        Model the regressors too: the regression implied by the joint fit of ``y`` and
        ``x`` (:meth:`MVNResult.regress`, lavaan's ``fixed.x=FALSE``), so that missing
        regressors are handled by EM; ``loglike`` is then the joint one.
    method : {"ml", "two-step"}, default "ml"
        For ``equations``: iterated GLS to the Gaussian ML (systemfit ``method="SUR"`` with
        ``methodResidCov="noDfCor"``), or one feasible-GLS step from the OLS residuals.
    information : {"observed", "expected"}, optional
        The information behind the standard errors, as in :func:`mvn_estimate.fit`
        (default: observed with ``missing="em"``, expected otherwise).
    tol, max_iter
        Convergence of EM (``missing="em"``) or of the SUR iterations (default ``1e-10`` and
        1000: systemfit's relative change of the coefficients).

    Returns
    -------
    RegressionResult
        ``coef``, ``intercept``, ``resid_cov`` (ML), ``rsquared``, ``params`` with
        ``std_errors``, ``cov_params()``, ``conf_int()``, ``pvalues``, ``mv_test()``. Its
        ``loglike`` is that of ``y`` given ``x`` (as lavaan's ``fixed.x=TRUE`` and R's
        ``logLik`` of the ML residual covariance).

    Raises
    ------
    LabelError
        An unknown column, a column in both ``y`` and ``x``.
    SingularCovarianceError
        Collinear regressors (named), or ``n`` too small.
    NotIdentifiedError
        Equations whose Gaussian likelihood is unbounded (one response in two equations:
        their residuals can be made identical).

    Notes
    -----
    ``B = Σ̂_xx⁻¹Σ̂_xy`` from the joint ML moments equals ordinary least squares for complete
    data (validated against R's ``lm``, ``vcov(mlm)``, ``car::Anova(type="III")``, lavaan
    ``fixed.x=TRUE, missing="ml"`` and systemfit).

    Examples
    --------
    >>> import pandas as pd, mvn_estimate as me
    >>> iris = pd.read_csv("data/iris.csv")
    >>> r = me.regress(iris, y=["Sepal.Length", "Sepal.Width"],
    ...                x=["Petal.Length", "Petal.Width"], small_sample=True)
    >>> r.coef.round(4)
                  Sepal.Length  Sepal.Width
    Intercept           4.1906       3.5870
    Petal.Length        0.5418      -0.2571
    Petal.Width        -0.3196       0.3640
    """
    small = check_bool(small_sample, "small_sample")
    if equations is not None:
        if information is not None:
            raise InvalidOptionError(f"{arg('information')} is for y/x regressions; "
                                     "seemingly unrelated regressions use the expected one.")
        return _sur(data, y, x, equations, missing, weights, weights_kind, cov_type, small,
                    method, tol, max_iter)
    if method != "ml":
        raise InvalidOptionError(f"{arg('method')} is for equations=...; got {method!r}.")
    ys, xs = _blocks(y, x)
    if small and missing == "em":
        raise InvalidOptionError(f"{setting('small_sample', True)} is the complete-data "
                                 "correction of R's vcov(mlm); there is none for incomplete "
                                 f"responses. Use it with {setting('missing', 'raise')} or "
                                 "'drop'.")
    spec = FitSpec.of(missing=missing, cov_type=cov_type, information=information,
                      weighted=weights is not None, weights_kind=weights_kind, tol=tol,
                      max_iter=max_iter)
    joint = fit_rows(_source(data, [*ys, *xs], weights), spec)
    if check_bool(random_x, "random_x"):
        if small:
            raise InvalidOptionError(f"{setting('small_sample', True)} is for fixed "
                                     f"regressors; got {setting('random_x', True)}.")
        return joint.regress(ys, xs)
    _complete_x(joint, xs)
    return joint_regression(joint.mean, joint.cov, joint.param_cov, None, ys, xs,
                            kind="fixed x", loglike=joint.loglike - _marginal_x(joint, xs),
                            nobs=joint.nobs, missing=joint.missing, small_sample=small,
                            complete=joint.missing != "em")


def _sur(data: Any, y: Any, x: Any, equations: Any, missing: Any, weights: Any,
         weights_kind: Any, cov_type: Any, small: bool, method: Any, tol: Any,
         max_iter: Any) -> RegressionResult:
    check_choice(method, "method", SurMethod)
    if y is not None or x is not None:
        raise InvalidOptionError(f"Give {arg('equations')} or 'y' and 'x', not both.")
    refused = [(missing == "em", setting("missing", "em")),
               (cov_type != "classic", setting("cov_type", cov_type)),
               (small, setting("small_sample", True))]
    for bad, what in refused:
        if bad:
            raise InvalidOptionError(f"Seemingly unrelated regressions take complete data and "
                                     f"classic standard errors; got {what}.")
    spec = FitSpec.of(missing=missing, weighted=weights is not None,
                      weights_kind=weights_kind)
    joint = fit_rows(_source(data, equation_columns(equations), weights), spec)
    return sur_regression(joint.mean, joint.cov, joint.nobs, equations, method=method,
                          tol=1e-10 if tol is None else check_real(tol, "tol", low=0.0,
                                                                   high=1.0),
                          max_iter=1000 if max_iter is None else check_int(
                              max_iter, "max_iter", minimum=1),
                          missing=joint.missing)
