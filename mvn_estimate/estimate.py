"""``fit``: the front door that turns data into an :class:`~mvn_estimate.results.MVNResult`."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._data import Dataset, as_dataset, check_option, locate_nonfinite
from ._params import param_names
from ._typing import CovType, FloatArray, Missing
from .exceptions import DroppedRowsWarning, NotPositiveDefiniteError, SingularCovarianceError
from .fisher import DENSE_PARAM_LIMIT, param_cov, robust_variance, std_errors_classic
from .likelihood import LOG_2PI
from .linalg import RTOL, PDFactor
from .results import MVNResult
from .stats import SufficientStats, check_weights

__all__ = ["fit"]

MISSING = ("raise", "drop", "em")
COV_TYPES = ("classic", "robust")


def _complete_rows(ds: Dataset, weights: FloatArray | None) -> tuple[Dataset, FloatArray | None]:
    locate_nonfinite(ds, allow_nan=True)  # inf is never "missing"
    keep = np.asarray(~np.isnan(ds.values).any(axis=1), dtype=bool)
    dropped = int(ds.nobs - keep.sum())
    warnings.warn(
        f"missing='drop' dropped {dropped} of {ds.nobs} rows with missing values.",
        DroppedRowsWarning, stacklevel=3)
    index = None if ds.index is None else ds.index[keep]
    kept = Dataset(ds.values[keep], ds.names, index, ds.labelled)
    return kept, None if weights is None else weights[keep]


def _collinear_columns(cov: FloatArray, names: list[str]) -> list[str]:
    d = np.sqrt(np.diag(cov))
    corr = cov / np.outer(d, d)
    w, u = np.linalg.eigh(corr)
    null = u[:, w <= RTOL * w[-1]]
    if null.shape[1] == 0:  # failed on a Cholesky pivot: take the weakest direction
        null = u[:, :1]
    weight = np.sqrt(np.sum(null**2, axis=1))
    return [n for n, x in zip(names, weight, strict=True) if x > np.sqrt(RTOL)]


def _check_nonsingular(stats: SufficientStats, names: list[str]) -> PDFactor:
    p = len(names)
    if stats.n <= p:
        raise SingularCovarianceError(
            f"The covariance of p = {p} variables needs more than {p} observations; got "
            f"n = {stats.n:g}. The estimate would be singular: use fewer columns.",
            columns=names)
    constant = [n for n, v in zip(names, np.diag(stats.scatter), strict=True) if v <= 0]
    if constant:
        raise SingularCovarianceError(
            f"The estimated covariance is singular: columns {constant} are constant (zero "
            "variance). Drop them.", columns=constant)
    cov = stats.cov()
    try:
        return PDFactor.of(cov, name="cov")
    except NotPositiveDefiniteError as exc:
        cols = _collinear_columns(cov, names)
        raise SingularCovarianceError(
            f"The estimated covariance is singular: columns {cols} are exactly collinear (a "
            f"linear combination of them is constant; smallest eigenvalue "
            f"{exc.min_eigenvalue:.3g}). Drop one of them.", columns=cols,
            min_eigenvalue=exc.min_eigenvalue, tol=exc.tol) from exc


def _inference(ds: Dataset, stats: SufficientStats, weights: FloatArray | None,
               cov_type: str) -> tuple[FloatArray, FloatArray | None]:
    cov = stats.cov()
    if cov_type == "classic":
        return std_errors_classic(cov, stats.n), None
    var = robust_variance(ds.values, stats.mean, cov, weights)
    p = ds.nvars
    dense = None
    if p + p * (p + 1) // 2 <= DENSE_PARAM_LIMIT // 4:
        dense = param_cov(cov, stats.n, x=ds.values, mean=stats.mean, weights=weights)
    return np.sqrt(np.maximum(var, 0.0)), dense


def fit(data: Any, *, columns: Sequence[str] | None = None, missing: Missing = "raise",
        weights: Any = None, cov_type: CovType = "classic") -> MVNResult:
    """Maximum-likelihood fit of a multivariate normal to the rows of ``data``.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
        Numeric data. Non-numeric DataFrame columns are an error unless ``columns`` selects
        the numeric ones. Never modified.
    columns : list of str, optional
        DataFrame columns to use, in this order.
    missing : {"raise", "drop", "em"}, default "raise"
        ``"raise"``: NaN is an error naming the columns. ``"drop"``: rows with any NaN are
        dropped, with a :class:`DroppedRowsWarning` giving the count. ``"em"``: full-
        information maximum likelihood (see :func:`mvn_estimate.em.fit_em`).
    weights : array-like of shape (n_samples,), optional
        Non-negative frequency weights (a weight of 2 counts the row twice).
    cov_type : {"classic", "robust"}, default "classic"
        Standard errors from the inverse Fisher information (valid under normality) or from
        the sandwich ``A⁻¹BA⁻¹`` (valid under any distribution with finite fourth moments).

    Returns
    -------
    MVNResult
        ``mean`` ``= x̄``, ``cov`` ``= S/n`` (ML), ``cov_unbiased`` ``= S/(n−1)``, ``loglike``,
        ``std_errors`` and the rest, labelled by the columns.

    Raises
    ------
    DtypeError, ShapeError, InvalidOptionError
        Malformed data or options.
    MissingValueError, NonFiniteError
        NaN with ``missing="raise"``; infinite values always.
    SingularCovarianceError
        ``n <= p``, constant or exactly collinear columns (named). Nothing is regularised.

    Notes
    -----
    The data are reduced once to sufficient statistics (chunked, ``O(chunk·p + p²)`` extra
    memory); ``μ̂ = x̄``, ``Σ̂ = S/n`` and ``ln L = −(n/2)(p ln 2π + ln|Σ̂| + p)``. Validated
    against ``scipy.stats.multivariate_normal.fit`` and ``np.cov(bias=True)``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1.0, 2.0, 4.0, 3.0], "b": [2.0, 1.0, 5.0, 3.0]})
    >>> res = fit(df)
    >>> res.mean
    a    2.50
    b    2.75
    Name: mean, dtype: float64
    >>> res.nobs
    4.0
    """
    check_option(missing, "missing", MISSING)
    check_option(cov_type, "cov_type", COV_TYPES)
    if missing == "em":
        from .em import fit_em
        return fit_em(data, columns=columns, weights=weights, cov_type=cov_type)
    ds = as_dataset(data, columns=columns)
    w = None if weights is None else check_weights(weights, ds.nobs)
    stats = SufficientStats.from_array(ds.values, w)
    dropped = 0
    if not stats.finite:
        locate_nonfinite(ds, allow_nan=missing == "drop")
        before = ds.nobs
        ds, w = _complete_rows(ds, w)
        dropped = before - ds.nobs
        stats = SufficientStats.from_array(ds.values, w)
    return _result(ds, stats, w, cov_type, missing, dropped)


def _result(ds: Dataset, stats: SufficientStats, w: FloatArray | None, cov_type: str,
            missing: str, dropped: int) -> MVNResult:
    fac = _check_nonsingular(stats, ds.names)
    p = ds.nvars
    loglike = -0.5 * stats.n * (p * LOG_2PI + fac.logdet + p)
    se, dense = _inference(ds, stats, w, cov_type)
    return MVNResult(
        mean=pd.Series(stats.mean, index=ds.names, name="mean"),
        cov=pd.DataFrame(stats.cov(), index=ds.names, columns=ds.names),
        nobs=float(stats.n), loglike=float(loglike),
        std_errors=pd.Series(se, index=param_names(ds.names), name="std_errors"),
        cov_type=cov_type, missing=missing, nobs_dropped=dropped,
        robust_param_cov=dense,
    )
