"""``fit``: the front door that turns data into an :class:`MVNResult`.

Complete data and EM end in the same place: :func:`assemble`, which takes the estimates and
one covariance estimator of the estimates (:mod:`mvn_estimate.inference._covariance`).
"""

from __future__ import annotations

import dataclasses
from typing import Any, overload

import numpy as np
import pandas as pd

from .._typing import CovType, FloatArray, Information, Missing, WeightsKind
from .._validate import check_choice
from ..data import (
    Chunked,
    Dataset,
    SufficientStats,
    as_dataset,
    is_label,
    locate_nonfinite,
    normalise_weights,
    resolve_weights,
    split_groups,
    used_rows,
)
from ..data._dask import is_dask
from ..exceptions import (
    DroppedRowsWarning,
    InvalidOptionError,
    MissingValueError,
    NotPositiveDefiniteError,
    SingularCovarianceError,
    warn,
)
from ..guards import check_method, shrink_stats
from ..inference import (
    FromInformation,
    NotAvailable,
    ParamCovariance,
    Sandwich,
)
from ..linalg import PDFactor
from ..missing._em import _Model, chained, em
from ..missing._observed import robust_meat
from ..missing._patterns import build_patterns
from ..model import (
    LOG_2PI,
    CovarianceStructure,
    Unstructured,
    resolve_structure,
)
from ._assemble import assemble, data_digest
from ._complete import complete_result, structured_result
from ._dask import fit_dask
from ._grouped import GroupedResult, fit_groups
from ._iteration import check_iteration
from ._results import EMInfo, MVNResult

__all__ = ["assemble", "fit"]


def _complete_rows(ds: Dataset, w: FloatArray | None) -> tuple[Dataset, FloatArray | None]:
    """The rows without NaN (the caller has refused infinite values)."""
    keep = used_rows(ds.values, "drop")
    assert keep is not None  # "drop" always selects
    dropped = int(ds.nobs - keep.sum())
    if not keep.any():
        raise MissingValueError(
            f"missing='drop' would drop all {ds.nobs} rows of 'data': every row has a missing "
            "value. Use missing='em' (full-information maximum likelihood) or fewer columns."
        )
    warn(f"missing='drop' dropped {dropped} of {ds.nobs} rows with missing values.",
         DroppedRowsWarning)
    return ds.rows(keep), None if w is None else w[keep]


def _em(ds: Dataset, w: FloatArray | None, cov_type: str, weighted: str | None,
        information: str, tol: float, max_iter: int,
        structure: CovarianceStructure) -> MVNResult:
    pat = build_patterns(ds, w)
    out = em(pat, tol=tol, max_iter=max_iter, structure=structure)
    model = _Model(structure, tol, max_iter)
    info = chained(model, pat, out.mean, out.theta, information)[1]
    what = "the observed data"
    if cov_type == "classic":
        covariance: ParamCovariance = FromInformation(info, information, what)
    else:
        meat = robust_meat(pat, ds.values, w, out.mean, out.cov)
        if not model.saturated:
            t = model.chain(out.theta, pat.p)
            meat = t.T @ meat @ t
        covariance = Sandwich(info, meat, information, what)
    covariance.diag()
    frac = pd.Series(np.isnan(ds.values).mean(axis=0), index=ds.labels, name="missing")
    info_ = EMInfo(out.iterations, out.converged, pat.npatterns, frac, pat.excluded, information,
                   out.newton_steps)
    counts = pat.n @ pat.masks
    digest = data_digest(ds.labels, counts, (pat.n @ (pat.mean * pat.masks)) / counts
                         + pat.origin)
    return assemble(ds, out.mean + pat.origin, out.cov, pat.total, out.loglike, covariance,
                    missing="em", dropped=pat.excluded, weights_kind=weighted, em=info_,
                    structure=structure, theta=out.theta, data_id=digest)


def _shrunk(data: Any, columns: Any, method: Any, missing: str, weights: Any, cov_type: str,
            structure: Any, tol: Any, max_iter: Any) -> MVNResult:
    given = [name for name, bad in (("missing='em'", missing == "em"),
                                    ("weights", weights is not None),
                                    ("cov_type='robust'", cov_type == "robust"),
                                    ("structure", structure not in (None, "unstructured")),
                                    ("tol/max_iter", tol is not None or max_iter is not None))
             if bad]
    if given:
        raise InvalidOptionError(
            f"The 'shrinkage' argument works with complete, unweighted data and the unstructured "
            f"model; got it with {', '.join(given)}. Remove those, or drop shrinkage.")
    ds = as_dataset(data, columns=columns)
    dropped = 0
    if missing == "drop" and np.isnan(ds.values).any():
        locate_nonfinite(ds, allow_nan=True)  # inf is never "missing"
        before = ds.nobs
        ds, _ = _complete_rows(ds, None)
        dropped = before - ds.nobs
    shrunk = shrink_stats(ds, method, None)
    cov = shrunk.cov.to_numpy()
    try:
        fac = PDFactor.of(cov, name="cov")
    except NotPositiveDefiniteError as exc:
        raise SingularCovarianceError(
            f"The shrinkage estimate of 'data' is singular (intensity {shrunk.intensity:.3g}); "
            "use a positive intensity.") from exc
    stats = SufficientStats.from_array(ds.values)
    n, p = stats.n, ds.nvars
    loglike = -0.5 * n * (p * LOG_2PI + fac.logdet + float(np.trace(fac.solve(stats.cov()))))
    covariance = NotAvailable(p + p * (p + 1) // 2, "a shrinkage estimate is not the maximum-"
                              "likelihood estimate, and the information does not give its "
                              "sampling variance")
    result = assemble(ds, stats.mean, cov, n, float(loglike), covariance, missing=missing,
                      dropped=dropped, weights_kind=None,
                      data_id=data_digest(ds.labels, np.array([n]), stats.mean))
    return dataclasses.replace(result, shrinkage=shrunk)


def _grouped(data: Any, by: Any, columns: Any, weights: Any,
             options: dict[str, Any]) -> GroupedResult:
    exclude = tuple(v for v in (weights, by) if is_label(v, data))
    ds = as_dataset(data, columns=columns, exclude=exclude)
    w = resolve_weights(weights, data, ds)
    groups = split_groups(data, by, columns=list(ds.labels) if ds.labelled else None)

    def one(frame: Any, wg: Any) -> MVNResult:
        return fit(frame, weights=wg, **options)

    return fit_groups(groups, w, one, (data, by, list(ds.labels) if ds.labelled else None))


@overload
def fit(data: Any, *, columns: Any = ..., missing: Missing = ..., weights: Any = ...,
        weights_kind: WeightsKind = ..., cov_type: CovType = ...,
        information: Information | None = ..., tol: float | None = ...,
        max_iter: int | None = ..., structure: Any = ..., shrinkage: Any = ...,
        by: None = ...) -> MVNResult: ...


@overload
def fit(data: Any, *, columns: Any = ..., missing: Missing = ..., weights: Any = ...,
        weights_kind: WeightsKind = ..., cov_type: CovType = ...,
        information: Information | None = ..., tol: float | None = ...,
        max_iter: int | None = ..., structure: Any = ..., shrinkage: Any = ...,
        by: Any) -> GroupedResult: ...


def fit(data: Any, *, columns: Any = None, missing: Missing = "raise", weights: Any = None,
        weights_kind: WeightsKind = "frequency", cov_type: CovType = "classic",
        information: Information | None = None, tol: float | None = None,
        max_iter: int | None = None, structure: Any = None, shrinkage: Any = None,
        by: Any = None) -> MVNResult | GroupedResult:
    """Maximum-likelihood fit of a multivariate normal to the rows of ``data``.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
        Numeric data. Non-numeric DataFrame columns are an error unless ``columns`` selects
        the numeric ones. Never modified.
    columns : list of labels, optional
        DataFrame columns to use, in this order (labels of any type, compared as objects).
    missing : {"raise", "drop", "em"}, default "raise"
        ``"raise"``: NaN is an error naming the columns. ``"drop"``: rows with any NaN are
        dropped, with a :class:`DroppedRowsWarning` giving the count. ``"em"``: full-
        information maximum likelihood (EM, then Newton; see :mod:`mvn_estimate.missing`).
    weights : array-like of shape (n_samples,), Series, or column label, optional
        Non-negative real weights: an array (by position), a Series (matched to the rows of a
        DataFrame by index), or the label of a column of ``data`` (then not a variable).
    weights_kind : {"frequency", "analytic"}, default "frequency"
        ``"frequency"``: counts (a weight of 2 is the row twice; ``n`` is their sum).
        ``"analytic"``: relative weights, rescaled to sum to the number of rows with non-zero
        weight and then used as counts (Stata's aweights): ``n`` counts rows.
    cov_type : {"classic", "robust"}, default "classic"
        Standard errors from the inverse information (valid under normality) or from the
        sandwich ``A⁻¹BA⁻¹`` (valid under any distribution with finite fourth moments).
    information : {"observed", "expected"}, optional
        The information behind the classic standard errors (and the bread of the robust
        ones). Default: ``"observed"`` with ``missing="em"`` (``"expected"`` is valid there
        only under MCAR), ``"expected"`` otherwise (as lavaan and gls do for complete data;
        for the unstructured model the two coincide at the MLE).
    tol : float, optional
        For ``missing="em"`` or an iterative structure: stop when the relative changes of
        the log-likelihood and of the parameters are at most ``tol`` (default 1e-10).
    max_iter : int, optional
        For ``missing="em"`` or an iterative structure: iteration limit (default 10000);
        reaching it warns with :class:`~mvn_estimate.exceptions.ConvergenceWarning`.
    structure : str or CovarianceStructure, optional
        A model ``Σ(θ)`` for the covariance (see :mod:`mvn_estimate.structures`): a name —
        ``"unstructured"`` (default), ``"diagonal"``, ``"spherical"``,
        ``"compound_symmetry"``, ``"ar1"`` — or an instance such as ``Factor(2)`` or
        ``BlockDiagonal(groups)``. The mean stays free; ``params`` are the means and then the
        structure's named parameters.
    shrinkage : {"ledoit-wolf", "oas", "schafer-strimmer"} or float, optional
        Estimate the covariance by shrinkage (:func:`mvn_estimate.shrink_covariance`):
        positive definite also when ``n <= p``. Complete, unweighted data and the
        unstructured model only. The result reports the intensity and condition number; it
        has no standard errors (a shrinkage estimate is not the ML one).
    by : label or array-like of shape (n_samples,), optional
        Fit each group separately: a column of ``data`` (not then a variable) or one group
        label per row. Returns a :class:`GroupedResult` (``.groups``, ``.pooled``,
        ``.params``, ``box_m_test()``, ``manova()``); every other option applies per group.

    Returns
    -------
    MVNResult
        ``mean`` ``= x̄``, ``cov`` ``= S/n`` (ML), ``loglike``, ``std_errors``,
        ``cov_params()`` and the rest, labelled by the columns. With ``by``: a
        :class:`GroupedResult` of one ``MVNResult`` per group.

    Raises
    ------
    DtypeError, ShapeError, InvalidOptionError, LabelError
        Malformed data or options.
    MissingValueError, NonFiniteError
        NaN with ``missing="raise"`` (or no complete row with ``"drop"``); inf always.
    SingularCovarianceError
        ``n <= p``, constant, or (nearly) collinear columns (named). Nothing is regularised.
    NumericalRangeError
        Variances beyond what float64 represents (data spreads above about 1e154).

    Notes
    -----
    The data are reduced once to sufficient statistics (chunked, ``O(chunk·p + p²)`` extra
    memory); ``μ̂ = x̄``, ``Σ̂ = S/n`` and ``ln L = −(n/2)(p ln 2π + ln|Σ̂| + p)``. Data whose
    scatter would overflow or underflow float64 are summarised in exactly rescaled units
    (powers of two). Validated against ``scipy.stats.multivariate_normal.fit`` and
    ``np.cov(bias=True)``; EM against lavaan (FIML).

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
    check_choice(missing, "missing", Missing)
    check_choice(cov_type, "cov_type", CovType)
    check_choice(weights_kind, "weights_kind", WeightsKind)
    if information is not None:
        check_choice(information, "information", Information)
    info = information or ("observed" if missing == "em" else "expected")
    if is_dask(data):
        return fit_dask(data, columns=columns, missing=missing, weights=weights,
                        weights_kind=weights_kind, cov_type=cov_type, information=information,
                        tol=tol, max_iter=max_iter, structure=structure, shrinkage=shrinkage,
                        by=by)
    if by is not None:
        return _grouped(data, by, columns, weights, dict(
            missing=missing, weights_kind=weights_kind, cov_type=cov_type,
            information=information, tol=tol, max_iter=max_iter, structure=structure,
            shrinkage=shrinkage))
    if shrinkage is not None:
        return _shrunk(data, columns, check_method(shrinkage), missing, weights, cov_type,
                       structure, tol, max_iter)
    column = weights if is_label(weights, data) else None
    ds = as_dataset(data, columns=columns, exclude=() if column is None else (column,))
    model = resolve_structure(structure, ds.labels)
    tol_v, iters = check_iteration(missing, tol, max_iter, model)
    w = resolve_weights(weights, data, ds)
    weighted = None if w is None else weights_kind
    if missing == "em":
        used = used_rows(ds.values, "em")
        return _em(ds, normalise_weights(w, weights_kind, used), cov_type, weighted, info,
                   tol_v, iters, model)
    wn = normalise_weights(w, weights_kind)
    stats = SufficientStats.from_array(ds.values, wn)
    dropped = 0
    if not stats.finite:  # NaN, inf, or finite data whose scatter overflows
        locate_nonfinite(ds, allow_nan=missing == "drop")
        if np.isnan(ds.values).any():
            before = ds.nobs
            ds, w = _complete_rows(ds, w)
            dropped = before - ds.nobs
            wn = normalise_weights(w, weights_kind)  # over the rows kept
            stats = SufficientStats.from_array(ds.values, wn)
    if not isinstance(model, Unstructured):
        return structured_result(ds, stats, Chunked.of(ds.values, wn), cov_type, weighted,
                                 missing, dropped, model, info, tol_v, iters)
    return complete_result(ds, stats, wn, cov_type, weighted, missing, dropped)
