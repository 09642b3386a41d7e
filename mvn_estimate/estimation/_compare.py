"""Comparing fitted models: the likelihood-ratio test."""

from __future__ import annotations

from typing import Any

from scipy import stats as sps

from ..exceptions import DtypeError, NotNestedError, arg, describe
from ..inference import HypothesisTest
from ._grouped import GroupedResult, grouped_nesting, model_text
from ._results import MVNResult

__all__ = ["lr_test"]


def _same_data(restricted: MVNResult, full: MVNResult) -> None:
    checks = [
        ("variables", list(restricted.labels), list(full.labels)),
        ("number of observations", f"{restricted.nobs:.12g}", f"{full.nobs:.12g}"),
        ("missing-value policy", restricted.missing, full.missing),
        ("rows dropped", restricted.nobs_dropped, full.nobs_dropped),
        ("weights", restricted.weights_kind, full.weights_kind),
        ("data", restricted.data_id, full.data_id),
    ]
    for what, a, b in checks:
        if a != b:
            raise NotNestedError(
                f"The 'restricted' and 'full' models were fitted to different data ({what}: "
                f"{a!r} and {b!r}); a likelihood-ratio test compares two models of the same "
                "data. Fit both to the same data, columns and options."
            )


def lr_test(restricted: Any, full: Any) -> HypothesisTest:
    """Likelihood-ratio test of a restricted model against a fuller one fitted to the same data.

    Parameters
    ----------
    restricted, full : MVNResult or GroupedResult
        Fits of the same data (same columns, rows, weights and missing-value policy), the
        restricted one with fewer parameters — e.g. ``structure="compound_symmetry"`` against
        the unstructured default, or groups sharing their covariance
        (``fit(..., by=..., equal=["cov"])``) against groups with their own.

    Returns
    -------
    HypothesisTest
        ``statistic = 2(ℓ_full − ℓ_restricted)``, ``df`` the difference in the number of
        parameters, ``pvalue`` from ``χ²(df)``.

    Raises
    ------
    NotNestedError
        The fits are of different data, the restricted model does not have fewer parameters,
        or it fits better than the full one (so it cannot be nested in it).

    Notes
    -----
    The χ² reference needs the restricted model to be nested in the full one with the
    restriction in the interior of the parameter space; a variance or a uniqueness
    restricted to its boundary (zero) makes the test conservative (Self & Liang, 1987).

    Examples
    --------
    >>> import numpy as np, mvn_estimate as me
    >>> x = np.random.default_rng(0).multivariate_normal([0, 0, 0], np.eye(3) + 0.5, 200)
    >>> t = lr_test(me.fit(x, structure="compound_symmetry"), me.fit(x))
    >>> t.df, bool(t.pvalue > 0.01)
    (4.0, True)
    >>> import pandas as pd
    >>> iris = pd.read_csv("data/iris.csv")
    >>> t = lr_test(me.fit(iris, by="Species", equal=["cov"]), me.fit(iris, by="Species"))
    >>> t.df, round(t.statistic, 3)
    (20.0, 149.656)
    """
    for name, value in (("restricted", restricted), ("full", full)):
        if not isinstance(value, MVNResult | GroupedResult):
            raise DtypeError(f"{arg(name)} must be a fitted MVNResult or GroupedResult; got "
                             f"{describe(value)}.")
    grouped_nesting(restricted, full)
    _same_data(restricted, full)
    df = full.nparams - restricted.nparams
    if df <= 0:
        raise NotNestedError(
            f"The 'restricted' model must have fewer parameters than the 'full' one; got "
            f"{restricted.nparams} and {full.nparams}. Swap the arguments if they are reversed."
        )
    statistic = 2.0 * (full.loglike - restricted.loglike)
    if statistic < -1e-6 * max(1.0, abs(full.loglike)):
        raise NotNestedError(
            f"The 'restricted' model fits better than the 'full' one (log-likelihoods "
            f"{restricted.loglike:.6g} and {full.loglike:.6g}), so it is not nested in it."
        )
    statistic = max(statistic, 0.0)
    return HypothesisTest("likelihood ratio", float(statistic), float(df),
                          float(sps.chi2.sf(statistic, df)), "chi2",
                          f"{model_text(restricted)} holds (against {model_text(full)})")

