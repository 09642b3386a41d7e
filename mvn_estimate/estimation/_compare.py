"""Comparing fitted models: the likelihood-ratio test."""

from __future__ import annotations

from typing import Any

from scipy import stats as sps

from .._typing import ScaledTest
from .._validate import check_choice
from ..exceptions import DtypeError, InvalidOptionError, NotNestedError, arg, describe, setting
from ..inference import HypothesisTest
from ._grouped import GroupedResult, grouped_nesting, model_text
from ._results import MVNResult
from ._scaled import ScoreMoments, scaling

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


def lr_test(restricted: Any, full: Any, *, scaled: ScaledTest | None = None) -> HypothesisTest:
    """Likelihood-ratio test of a restricted model against a fuller one fitted to the same data.

    Parameters
    ----------
    restricted, full : MVNResult or GroupedResult
        Fits of the same data (same columns, rows, weights and missing-value policy), the
        restricted one with fewer parameters — e.g. ``structure="compound_symmetry"`` against
        the unstructured default, or groups sharing their covariance
        (``fit(..., by=..., equal=["cov"])``) against groups with their own.
    scaled : {"satorra-bentler", "yuan-bentler"}, optional
        Scale the statistic for non-normal data (lavaan's robust tests): ``"satorra-bentler"``
        as ``estimator="MLM"`` (complete data), ``"yuan-bentler"`` as ``estimator="MLR"``
        (its default test, the Mplus variant ``yuan.bentler.mplus``; complete data or
        ``missing="em"``, as lavaan's ``missing="ml"``). Two structured models are compared
        by the Satorra–Bentler (2001) scaled difference, lavaan's ``lavTestLRT`` default;
        against the unstructured model this is the model's own scaled test statistic.
        Grouped fits are scaled as lavaan's multi-group ``MLM``/``MLR`` (``group=``,
        ``group.equal=``): groups sharing parameters against groups on their own, or two
        shared models, with or without a shared ``structure``.

    Returns
    -------
    HypothesisTest
        ``statistic = 2(ℓ_full − ℓ_restricted)`` (divided by the scaling factor ``c`` when
        scaled), ``df`` the difference in the number of parameters, ``pvalue`` from
        ``χ²(df)``. Scaled tests report the details ``unscaled`` (the statistic),
        ``unscaled_pvalue`` and ``scaling_factor`` (``c``).

    Raises
    ------
    NotNestedError
        The fits are of different data, the restricted model does not have fewer parameters,
        it fits better than the full one (so it cannot be nested in it), or the scaled
        difference's factor is not positive.
    InvalidOptionError
        A scaled test the fits cannot give: Satorra–Bentler with missing data, or a shrinkage
        fit.
    NotNestedError
        Also: a grouped fit against a single one.

    Notes
    -----
    The χ² reference needs the restricted model to be nested in the full one with the
    restriction in the interior of the parameter space; a variance or a uniqueness
    restricted to its boundary (zero) makes the test conservative (Self & Liang, 1987).

    With ``r`` a model's degrees of freedom against the saturated model, Satorra–Bentler's
    ``r·c = tr(UΓ) = tr(A(Σ̂)Γ) − tr(I_exp⁻¹B)`` and Yuan–Bentler's (Mplus)
    ``r·c = tr(B₁A₁⁻¹) − tr(I_obs⁻¹B)``, where ``I`` is the model's information, ``B`` the sum of
    the outer products of its per-row scores, ``A(Σ̂)`` the normal saturated information per row
    at the model's ``Σ̂`` and ``Γ`` the ADF covariance of the rows' first and second moments
    (divisor ``n``); the difference's factor is ``c_d = (r₀c₀ − r₁c₁)/(r₀ − r₁)``. Validated
    against lavaan 0.6-14 (``MLM``, ``MLR``, ``lavTestLRT``) on compound symmetry for
    Orthodont (complete, and with missing values) and one- and two-factor models for
    Holzinger–Swineford.

    For grouped fits ``tr(A(Σ̂)Γ)`` is the sum of the groups' (each ``Γ_g`` about its own
    sample mean), and ``I`` and ``B`` are the joint model's over its parameters (a shared one
    once): the groups on their own add their traces; groups that share parameters use the
    joint information, and for Satorra–Bentler ``B = Σ_g n_gΔ_gᵀA_gΓ_gA_gΔ_g`` (each group's
    scores centred within the group, which lavaan's Γ implies; with shared parameters a
    group's scores need not sum to zero). Validated against lavaan's multi-group ``MLM`` and
    ``MLR`` (``missing="ml"`` too) on iris by Species and airquality by Month
    (``tests/reference/groups_scaled.R``).

    **What the fits keep.** Every fit keeps a reference to its rows (the in-memory array —
    not a copy, unless the data had to be rescaled to stay within float64's range; for a
    file, its path, read again; for Dask, the collection — with ``missing="em"`` too: the
    per-row observed-data scores are summed chunk by chunk). A scaled test makes one pass
    over them per fit, ``O(n k²)`` time, and computes the ``k×k`` information and score outer
    products (``k`` the fit's free parameters: ``8k²`` bytes each, 8.5 MB at ``p = 20``
    unstructured; a structured model's ``k`` is much smaller), keeping only the traces. For
    complete data the unstructured model needs neither matrix: its trace is one ``O(np²)``
    pass. Grouped fits keep each group's rows (the in-memory data, not a copy) and their
    fits: groups on their own cost the sum of their single fits; a model whose ``G`` groups
    share parameters makes one pass over all ``N`` rows (Yuan–Bentler) or two
    (Satorra–Bentler), ``O(N q²)`` time with ``q = p + p(p+1)/2``, and forms the joint
    ``k×k`` information and score outer products (``k ≤ G·q``; ``8k²`` bytes each,
    10.6 MB for ``G = 5``, ``p = 20``).

    Examples
    --------
    >>> import numpy as np, mvn_estimate as me
    >>> x = np.random.default_rng(0).multivariate_normal([0, 0, 0], np.eye(3) + 0.5, 200)
    >>> t = lr_test(me.fit(x, structure="compound_symmetry"), me.fit(x))
    >>> t.df, bool(t.pvalue > 0.01)
    (4.0, True)
    >>> sb = lr_test(me.fit(x, structure="compound_symmetry"), me.fit(x),
    ...              scaled="satorra-bentler")
    >>> bool(sb.statistic == t.statistic / sb.detail("scaling_factor"))
    True
    >>> import pandas as pd
    >>> iris = pd.read_csv("data/iris.csv")
    >>> g = lr_test(me.fit(iris, by="Species", equal=["cov"]), me.fit(iris, by="Species"))
    >>> g.df, round(g.statistic, 3)
    (20.0, 149.656)
    >>> gs = lr_test(me.fit(iris, by="Species", equal=["cov"]), me.fit(iris, by="Species"),
    ...              scaled="satorra-bentler")
    >>> round(gs.detail("scaling_factor"), 4), round(gs.statistic, 3)
    (1.1095, 134.889)
    """
    for name, value in (("restricted", restricted), ("full", full)):
        if not isinstance(value, MVNResult | GroupedResult):
            raise DtypeError(f"{arg(name)} must be a fitted MVNResult or GroupedResult; got "
                             f"{describe(value)}.")
    grouped_nesting(restricted, full)
    if scaled is not None:
        check_choice(scaled, "scaled", ScaledTest)
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
    null = f"{model_text(restricted)} holds (against {model_text(full)})"
    if scaled is None:
        return HypothesisTest("likelihood ratio", float(statistic), float(df),
                              float(sps.chi2.sf(statistic, df)), "chi2", null)
    return _scaled_test(restricted, full, scaled, statistic, df, null)


def _moments(fit: MVNResult | GroupedResult, name: str, method: str) -> list[ScoreMoments]:
    """What the scaling reads from a fit: its own, the joint model's (groups sharing
    parameters), or each group's (groups on their own, whose ``r·c`` add up)."""
    if isinstance(fit, GroupedResult) and fit.joint is not None:
        return [fit.joint.scores]
    parts = list(fit.groups.values()) if isinstance(fit, GroupedResult) else [fit]
    for part in parts:
        if part.scores is None:
            raise InvalidOptionError(
                f"{arg(name)} carries no per-row scores (it was not made by fit or fit_file), "
                f"so {setting('scaled', method)} cannot be computed. Refit it.")
    return [part.scores for part in parts if part.scores is not None]


def _scaled_test(restricted: MVNResult | GroupedResult, full: MVNResult | GroupedResult,
                 method: str, statistic: float, df: int, null: str) -> HypothesisTest:
    """The Satorra–Bentler (2001) scaled difference (see :func:`lr_test`)."""
    rc = [sum(scaling(m, method)[0] for m in _moments(fit, name, method))
          for name, fit in (("restricted", restricted), ("full", full))]
    factor = (rc[0] - rc[1]) / df
    if not factor > 0:
        raise NotNestedError(
            f"The scaling factor of the difference is not positive (c = {factor:.4g}): the "
            "Satorra–Bentler (2001) scaled difference fails when the models are far from "
            "nested or the sample is small. Compare each model with the unstructured one, "
            "or use the unscaled test.")
    name = "Satorra–Bentler" if method == "satorra-bentler" else "Yuan–Bentler (Mplus)"
    scaled_stat = statistic / factor
    return HypothesisTest(f"scaled likelihood ratio ({name})", float(scaled_stat), float(df),
                          float(sps.chi2.sf(scaled_stat, df)), "chi2 (scaled)", null,
                          details=(("unscaled", float(statistic)),
                                   ("unscaled_pvalue", float(sps.chi2.sf(statistic, df))),
                                   ("scaling_factor", float(factor))))
