"""``impute``: multiple imputation under the multivariate normal model."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray, ImputeMethod
from .._validate import check_bool, check_choice, check_int
from ..data import as_dataset, locate_nonfinite, one_blas_thread, powers_of_two, show_labels
from ..estimation import check_auxiliary, fit, is_dask, joint_columns
from ..exceptions import InvalidOptionError, LabelError, arg, describe, ref
from ..missing import row_groups
from ..model import Unstructured
from ._bootstrap import bootstrap
from ._imputations import BootstrapDiagnostics, ChainDiagnostics, Imputations
from ._posterior import posterior
from ._work import Work, show_progress

__all__ = ["impute"]


def _generator(random_state: Any) -> np.random.Generator:
    try:
        return np.random.default_rng(random_state)
    except (TypeError, ValueError) as exc:
        raise InvalidOptionError(
            f"{arg('random_state')} must be None, a non-negative integer, a "
            f"numpy.random.SeedSequence or a numpy.random.Generator; got "
            f"{describe(random_state)}.") from exc


def _in_memory(data: Any) -> None:
    """Refuse what is not in memory: the imputations are DataFrames in memory."""
    if is_dask(data):
        raise InvalidOptionError(
            f"impute works on data in memory (the m completed data sets are DataFrames); got "
            f"a Dask collection for {ref('data')}. compute() it first, or fit it with "
            "fit(..., missing='em').")
    if isinstance(data, str | os.PathLike):
        raise InvalidOptionError(
            f"impute works on data in memory (the m completed data sets are DataFrames); got "
            f"the path {str(data)!r} for {ref('data')}. Read it first, with "
            "mvn_estimate.io.read_table(path) or pandas.")


def _bound(value: Any, label: Any, which: str) -> float:
    if value is None:
        return -np.inf if which == "lower" else np.inf
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating) \
            or not np.isfinite(value):
        raise InvalidOptionError(
            f"{arg('bounds')} must give finite numbers or None; got {describe(value)} as the "
            f"{which} bound of {label!r}.")
    return float(value)


def _key(label: Any) -> tuple[type, Any]:
    """A label with its type: ``1`` and ``1.0`` (or ``"1"``) are different labels."""
    return type(label), label


def _bounds(bounds: Any, labels: pd.Index, p: int) -> tuple[FloatArray, FloatArray]:
    """``bounds`` as lower and upper arrays over the modelled columns (``±inf`` for none)."""
    lower, upper = np.full(len(labels), -np.inf), np.full(len(labels), np.inf)
    if bounds is None:
        return lower, upper
    if not isinstance(bounds, dict):
        raise InvalidOptionError(
            f"{arg('bounds')} must be a dict {{column: (lower, upper)}} with None for no "
            f"bound; got {describe(bounds)}.")
    imputed = list(labels[:p])
    position = {_key(lab): j for j, lab in enumerate(imputed)}  # labels compared as objects
    absent = [c for c in bounds if _key(c) not in position]
    if absent:
        raise LabelError(
            f"{arg('bounds')} names {show_labels(absent)}, which are not imputed columns; "
            f"the imputed columns are {show_labels(imputed, 20)} (auxiliary variables are not "
            "imputed).")
    for label, pair in bounds.items():
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise InvalidOptionError(
                f"{arg('bounds')} must map each column to a pair (lower, upper); got "
                f"{describe(pair)} for {label!r}.")
        low, high = _bound(pair[0], label, "lower"), _bound(pair[1], label, "upper")
        if not low < high:
            raise InvalidOptionError(
                f"{arg('bounds')} must have lower < upper; got ({low:g}, {high:g}) for "
                f"{label!r}.")
        j = position[_key(label)]
        lower[j], upper[j] = low, high
    return lower, upper


def _frame(data: Any, labels: pd.Index) -> pd.DataFrame:
    """The data as the DataFrame the imputations complete (a copy: the caller's is never
    touched)."""
    if isinstance(data, pd.DataFrame):
        return data.copy()
    if isinstance(data, pd.Series):
        return data.to_frame()
    return pd.DataFrame(np.array(data, dtype=float), columns=labels)


def _work(data: Any, columns: Any, auxiliary: tuple[Any, ...], bounds: Any,
          max_redraws: int) -> tuple[Work, Any, pd.DataFrame]:
    """The imputation model's fit and the standardised data the draws work on."""
    joint = joint_columns(data, columns, auxiliary) if auxiliary else columns
    ds = as_dataset(data, columns=joint, min_rows=2)
    if np.isinf(ds.values).any():
        locate_nonfinite(ds, allow_nan=True)
    model = fit(pd.DataFrame(ds.values, columns=ds.labels) if ds.labelled else ds.values,
                missing="em")
    p = ds.nvars - len(auxiliary)
    centre, cov = model.mean.to_numpy(), model.cov.to_numpy()
    scale = powers_of_two(np.sqrt(np.diag(cov)))
    z = (ds.values - centre) / scale
    lower, upper = _bounds(bounds, ds.labels, p)
    frame = _frame(data, ds.labels)
    rows, cols = np.nonzero(np.isnan(ds.values[:, :p]))
    work = Work(z, ds.labels, p, row_groups(~np.isnan(z)), centre, scale, np.zeros(ds.nvars),
                cov / scale[:, None] / scale[None, :], rows, cols, (lower - centre) / scale,
                (upper - centre) / scale, bool(np.isfinite(lower).any() or
                                               np.isfinite(upper).any()),
                max_redraws, ds.index)
    return work, model, frame


def impute(data: Any, m: int = 20, *, columns: Any = None, method: ImputeMethod = "bootstrap",
           bounds: dict[Any, tuple[float | None, float | None]] | None = None,
           auxiliary: Any = None, random_state: Any = None, burn: int | None = None,
           thin: int | None = None, max_redraws: int = 1000,
           progress: bool | None = None) -> Imputations:
    """Multiple imputation under the multivariate normal model.

    Each of the ``m`` completed data sets replaces the missing values (NaN) of ``columns`` by
    draws from their conditional normal given the row's observed values, under parameters
    drawn to reflect their uncertainty — so that analyses of the completed data pooled by
    Rubin's rules (:meth:`Imputations.pool`) have honest standard errors.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
        Numeric data with NaN for missing values, in memory. Never modified.
    m : int, default 20
        Number of imputations.
    columns : list of labels, optional
        DataFrame columns to impute (default: every column but the auxiliary ones). Other
        columns are kept as they are in the completed data sets.
    method : {"bootstrap", "posterior"}, default "bootstrap"
        ``"bootstrap"``: Amelia's EMB — the EM estimate of a bootstrap sample of the rows,
        then a draw from the conditional normal under it. ``"posterior"``: data
        augmentation, as norm2's ``mcmcNorm`` — a Markov chain of I-steps (draw the missing
        values) and P-steps (draw ``(μ, Σ)`` from the complete-data posterior under Jeffreys'
        prior), started at the FIML estimate; convergence is reported in
        :attr:`Imputations.diagnostics`.
    bounds : dict, optional
        ``{column: (lower, upper)}`` (None for no bound): imputed values outside are drawn
        again from the same conditional normal, as Amelia does, at most ``max_redraws``
        times; then :class:`~mvn_estimate.exceptions.InfeasibleError` (values are never
        clipped). Observed values are not checked.
    auxiliary : list of labels, optional
        DataFrame columns that inform the imputation model (they are modelled jointly with
        ``columns``) but are neither imputed nor changed.
    random_state : None, int, SeedSequence or Generator, optional
        The source of randomness (numpy's ``default_rng``); the same value gives the same
        imputations. No global state is used.
    burn, thin : int, optional
        For ``method="posterior"``: iterations before the first imputation, and between
        imputations. Default: ``thin`` is the smallest lag at which the worst fraction of
        missing information ``rate`` gives ``rateᵗʰⁱⁿ <= 0.05``, and ``burn`` is
        ``max(10, 2·thin)``.
    max_redraws : int, default 1000
        Redraws of a row's values to meet ``bounds`` before giving up.
    progress : bool, optional
        A progress bar on standard error (tqdm); default: shown when standard error is a
        terminal and tqdm is installed.

    Returns
    -------
    Imputations
        A sequence of ``m`` completed DataFrames (a DataFrame's index and every column kept;
        an array's columns labelled ``x0, x1, …``), with :meth:`~Imputations.pool`,
        ``diagnostics`` and the imputation model's ``fit``.

    Raises
    ------
    InvalidOptionError, LabelError
        Malformed options, unknown labels, or data not in memory (a file path or a Dask
        collection: read or ``compute()`` it first).
    InfeasibleError
        ``bounds`` that the draws cannot meet within ``max_redraws``.
    NotIdentifiedError, SingularCovarianceError
        Data that do not identify the normal model (as ``fit(..., missing="em")``).

    Notes
    -----
    Both methods draw the missing values of a row jointly, from the normal of the missing
    given the observed columns (auxiliary variables included), under a draw of ``(μ, Σ)``:
    the bootstrap one approximates the sampling distribution of the estimate (Honaker, King &
    Blackwell, 2011), the posterior one is the Bayesian posterior under Jeffreys' prior
    ``|Σ|^{−(q+1)/2}`` (Schafer, 1997, ch. 5). A bootstrap sample's EM starts from the full
    data's estimate and stops at a relative change of 1e-6 (Amelia: 1e-4). Imputation ``i``
    of the bootstrap method uses its own random stream (spawned from ``random_state``).

    Examples
    --------
    >>> import pandas as pd, mvn_estimate as me
    >>> air = pd.read_csv("data/airquality.csv")
    >>> imps = me.impute(air, m=5, columns=["Ozone", "Solar.R", "Wind", "Temp"],
    ...                  bounds={"Ozone": (0, None)}, random_state=0)
    >>> len(imps), int(imps[0]["Ozone"].isna().sum()), bool((imps[0]["Ozone"] >= 0).all())
    (5, 0, True)
    >>> imps[0]["Month"].equals(air["Month"])  # other columns are kept
    True
    """
    m = check_int(m, "m", minimum=1)
    check_choice(method, "method", ImputeMethod)
    max_redraws = check_int(max_redraws, "max_redraws", minimum=1)
    burn = None if burn is None else check_int(burn, "burn", minimum=0)
    thin = None if thin is None else check_int(thin, "thin", minimum=1)
    if method == "bootstrap" and (burn is not None or thin is not None):
        raise InvalidOptionError(
            f"{arg('burn' if burn is not None else 'thin')} controls the chain of "
            "method='posterior'; method='bootstrap' has none. Remove it.")
    show = show_progress(None if progress is None else check_bool(progress, "progress"))
    rng = _generator(random_state)
    _in_memory(data)
    aux = check_auxiliary(auxiliary, "em", Unstructured())
    work, model, frame = _work(data, columns, aux, bounds, max_redraws)
    redraws = np.zeros(work.z.shape[1], dtype=np.intp)
    diagnostics: BootstrapDiagnostics | ChainDiagnostics
    with one_blas_thread():  # many small products: see data.one_blas_thread
        if method == "bootstrap":
            values, diagnostics = bootstrap(work, m, rng, show, redraws)
        else:
            values, diagnostics = posterior(work, m, rng, show, redraws, model, burn, thin)
    at = frame.columns.get_indexer(work.labels[:work.p])
    return Imputations._of(frame, work.labels[:work.p], work.rows, at[work.cols], values,
                           method, diagnostics,
                           pd.Series(redraws[:work.p], index=work.labels[:work.p],
                                     name="redraws"), model)
