"""``fit``: the front door that turns data into an :class:`MVNResult`.

Options become one :class:`FitSpec`; the data become one :class:`~mvn_estimate.data.Source`
(in memory, or a Dask collection); :func:`fit_rows` does the rest. ``by=`` fits each group
with the same spec.
"""

from __future__ import annotations

from typing import Any, overload

from .._typing import CovType, Information, Missing, WeightsKind
from ..data import memory_source
from ._dask import dask_groups, dask_source, is_dask
from ._grouped import GroupedResult, fit_group_sources, fit_groups
from ._incomplete import joint_columns
from ._pipeline import fit_rows
from ._results import MVNResult
from ._spec import FitSpec

__all__ = ["fit"]


@overload
def fit(data: Any, *, columns: Any = ..., missing: Missing = ..., weights: Any = ...,
        weights_kind: WeightsKind = ..., cov_type: CovType = ...,
        information: Information | None = ..., tol: float | None = ...,
        max_iter: int | None = ..., structure: Any = ..., shrinkage: Any = ...,
        by: None = ..., equal: Any = ..., auxiliary: Any = ...) -> MVNResult: ...


@overload
def fit(data: Any, *, columns: Any = ..., missing: Missing = ..., weights: Any = ...,
        weights_kind: WeightsKind = ..., cov_type: CovType = ...,
        information: Information | None = ..., tol: float | None = ...,
        max_iter: int | None = ..., structure: Any = ..., shrinkage: Any = ...,
        by: Any, equal: Any = ..., auxiliary: Any = ...) -> GroupedResult: ...


def fit(data: Any, *, columns: Any = None, missing: Missing = "raise", weights: Any = None,
        weights_kind: WeightsKind = "frequency", cov_type: CovType = "classic",
        information: Information | None = None, tol: float | None = None,
        max_iter: int | None = None, structure: Any = None, shrinkage: Any = None,
        by: Any = None, equal: Any = None, auxiliary: Any = None
        ) -> MVNResult | GroupedResult:
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
        structure's named parameters. ``Factor(k)`` keeps each uniqueness ``ψⱼ`` at or above
        ``0.005·sⱼⱼ`` (0.5% of the variable's sample variance; R's ``factanal`` uses the same
        floor, 0.005, on the correlation scale): a uniqueness that ends on the floor is a
        Heywood case, reported with a warning, and its standard error is not given.
    shrinkage : {"ledoit-wolf", "oas", "schafer-strimmer"} or float, optional
        Estimate the covariance by shrinkage (:func:`mvn_estimate.shrink_covariance`):
        positive definite also when ``n <= p``. Complete, unweighted data and the
        unstructured model only. The result reports the intensity and condition number; it
        has no standard errors (a shrinkage estimate is not the ML one).
    by : label or array-like of shape (n_samples,), optional
        Fit the model in each group: a column of ``data`` (not then a variable) or one group
        label per row. Returns a :class:`GroupedResult` (``.groups``, ``.params``,
        ``.pooled``, ``box_m_test()``, ``manova()``); every other option applies per group.
    equal : list of {"mean", "cov"}, optional
        With ``by``: parameters the groups share, fitted jointly by maximum likelihood (FIML
        with ``missing="em"``) — ``["cov"]`` one covariance matrix with group means,
        ``["mean"]`` one mean vector with group covariances, ``["mean", "cov"]`` both. With a
        ``structure``, the structured ``Σ(θ)`` is shared (``"cov"``) or each group has its
        own. Closed forms where they exist (complete data: ``["cov"]`` is the pooled ML
        covariance ``Σ_g n_gS_g/N``, ``["mean", "cov"]`` the fit of all rows); EM over every
        group's missingness patterns and Newton steps otherwise. Standard errors from the
        joint information (expected for complete data, observed with ``missing="em"``, as
        for one group); a shared parameter appears once in ``params``. Default: each group
        on its own.
    auxiliary : list of labels, optional
        With ``missing="em"``: DataFrame columns that inform the fit without being reported
        — saturated correlates (semTools ``auxiliary()``). The joint unstructured model of
        ``columns + auxiliary`` is fitted; the result holds the ``columns`` (estimates,
        standard errors and the covariance of the estimates are the joint fit's sub-blocks),
        while ``loglike``, ``nparams``, AIC and BIC are the joint model's, as semTools
        reports them (compare them only with fits that have the same auxiliaries). With
        ``columns`` left out, every other column is modelled. An auxiliary correlated with
        the missing values makes MAR more plausible and recovers information.

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
    spec = FitSpec.of(missing=missing, cov_type=cov_type, information=information,
                      weighted=weights is not None, weights_kind=weights_kind, tol=tol,
                      max_iter=max_iter, structure=structure, shrinkage=shrinkage,
                      equal=equal, grouped=by is not None, auxiliary=auxiliary)
    if spec.auxiliary:
        columns = joint_columns(data, columns, spec.auxiliary, weights, by)
    if is_dask(data):
        if by is not None:
            return fit_group_sources(dask_groups(data, by, columns, weights), spec)
        return fit_rows(dask_source(data, columns, weights), spec)
    if by is not None:
        return fit_groups(data, by, columns, weights, spec)
    return fit_rows(memory_source(data, columns, weights), spec)
