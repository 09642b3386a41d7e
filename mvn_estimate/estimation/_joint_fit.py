"""``fit(data, by=..., equal=[...])``: the groups' rows reduced for the joint fit, the joint
MLE (:mod:`._joint`), its covariance of the estimates, and one :class:`MVNResult` per group.

The missing-value policy is applied to all rows at once (one check, one warning), the groups
are reduced to missingness patterns (:func:`~._reduce.reduce_patterns`: one pattern per group
for complete data, whose statistics give the closed forms) in one common set of units, and
analytic weights are normalised within each group, as the separate fits of ``by=`` do — so
that a model with shared parameters and the one without are fits of the same data, which
:func:`~mvn_estimate.lr_test` compares.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray
from ..data import Chunked, Dataset, Groups, Source, Tally, Together, dataset_source
from ..exceptions import InvalidOptionError, MissingValueError, MVNEstimateError, setting
from ..inference import FromInformation, ParamCovariance, Sandwich, Scaled
from ..model import Unstructured, param_names
from ._digest import data_digest
from ._group_sources import GroupSources
from ._joint import GroupData, JointEstimate, JointModel
from ._layout import Layout, Selected
from ._reduce import Incomplete, complete_rows, reduce_patterns
from ._results import EMInfo, MVNResult
from ._scaled import ScoreMoments
from ._scaling import Units, units_of
from ._spec import FitSpec

__all__ = ["JointInfo", "fit_shared", "fit_shared_sources", "group_name"]


@dataclass(frozen=True)
class JointInfo:
    """How the joint fit of groups that share parameters went, and the pieces a test built on
    it needs.

    Attributes
    ----------
    iterations : int
        EM iterations (1 for a closed form).
    newton_steps : int
        Newton steps after EM.
    converged : bool
    information : str
        The information behind the standard errors (``"observed"`` or ``"expected"``).
    information_matrix : callable
        ``information_matrix(kind)``: the joint ``"observed"`` or ``"expected"`` information
        over the parameters (in the units the fit was computed in, which are the data's
        unless their range needed rescaling).
    meat : callable
        ``meat()``: ``B = Σᵢ wᵢsᵢsᵢᵀ`` from every row's score over the parameters (one pass
        over the rows; what a sandwich or a scaled test needs besides the information).
    scores : ScoreMoments
        What a scaled likelihood-ratio test reads from the joint model (see
        :func:`~mvn_estimate.lr_test`).

    Examples
    --------
    >>> import pandas as pd, mvn_estimate as me
    >>> air = pd.read_csv("data/airquality.csv")
    >>> g = me.fit(air, by="Month", columns=["Ozone", "Temp"], missing="em", equal=["cov"])
    >>> g.joint.converged, g.joint.information_matrix("observed").shape
    (True, (13, 13))
    """

    iterations: int
    newton_steps: int
    converged: bool
    information: str
    information_matrix: Callable[[str], FloatArray] = dataclasses.field(repr=False)
    meat: Callable[[], FloatArray] = dataclasses.field(repr=False)
    scores: ScoreMoments = dataclasses.field(repr=False)

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        """A pickled copy keeps the report and what the scaled tests computed, not the
        model behind the two callables (they refuse with the reason; refit to use them)."""
        dropped = _NotKept()
        return (JointInfo, (self.iterations, self.newton_steps, self.converged,
                            self.information, dropped, dropped, self.scores))


class _NotKept:
    """Stands for a joint model's function in a pickled copy: calling it says why not."""

    def __call__(self, *args: object) -> FloatArray:
        raise InvalidOptionError(
            "This grouped fit is a copy made by pickle, which does not carry the joint model "
            "its information and per-row scores are computed from; refit it.")


@dataclass(frozen=True, eq=False)
class _Prepared:
    """The groups after the policy: the variables, their data in data units (None for rows
    read from a file or Dask), the rows' reductions, the common units and the rows each group
    dropped."""

    labels: pd.Index
    parts: list[Dataset] | list[None]
    reduced: list[Incomplete]
    units: Units
    dropped: list[int]


def _apply_policy(ds: Dataset, w: FloatArray | None, groups: Groups,
                  spec: FitSpec) -> tuple[list[Dataset], list[FloatArray | None], list[int]]:
    """The policy over all rows (its checks and its one warning), then each group's rows."""
    policy = spec.policy
    if not policy.em:
        tally = Tally.of(ds.values, w, policy.drop, dataset_source(ds, w).origin())
        policy.check(tally, ds.labels)
        policy.report(tally.dropped, tally.rows)
    keep = None if policy.em else policy.used(ds.values)
    parts, weights, dropped = [], [], []
    for label, part, rows in zip(groups.labels, groups.parts, groups.rows, strict=True):
        sel = np.ones(rows.size, dtype=bool) if keep is None else keep[rows]
        if not sel.any():
            _emptied(group_name(groups.name, label), rows.size)
        parts.append(part if sel.all() else part.rows(sel))
        weights.append(None if w is None else w[rows][sel])
        dropped.append(int(rows.size - sel.sum()))
    return parts, weights, dropped


def _emptied(name: str, rows: int) -> None:
    """The refusal of a group that ``missing="drop"`` empties."""
    raise MissingValueError(
        f"In group {name}: {setting('missing', 'drop')} drops all {rows} rows of this group "
        f"(every one has a missing value). Use {setting('missing', 'em')}, fewer columns, or "
        "leave the group out.")


def _reduce(sources: list[Source], spec: FitSpec, names: list[str],
            units: Units | None) -> list[Incomplete]:
    """Each group's patterns, in ``units`` (None: the data's, rescaled if out of range)."""
    # the policy has been applied: the rows left are those the fit uses, as with "em"
    patterns_spec = dataclasses.replace(spec, missing="em")
    common = not isinstance(spec.structure, Unstructured)
    out = []
    for source, name in zip(sources, names, strict=True):
        try:
            out.append(reduce_patterns(source if units is None else units.source(source),
                                       patterns_spec, common=common, rescale=units is None))
        except MVNEstimateError as exc:
            raise exc.within(f"In group {name}") from None
    return out


def _prepare(ds: Dataset, w: FloatArray | None, groups: Groups, spec: FitSpec,
             names: list[str]) -> _Prepared:
    """The policy, then the patterns of every group in one common set of units."""
    parts, weights, dropped = _apply_policy(ds, w, groups, spec)
    sources = [dataset_source(p, pw) for p, pw in zip(parts, weights, strict=True)]
    reduced = _reduce(sources, spec, names, None)
    if all(r.units.identity for r in reduced):
        return _Prepared(ds.labels, parts, reduced, Units.none(ds.nvars), dropped)
    used = np.concatenate([p.values for p in parts])
    units = units_of(Chunked.of(used, None),
                     dataset_source(Dataset(used, ds.labels, None, False)).origin(),
                     not isinstance(spec.structure, Unstructured))
    return _Prepared(ds.labels, parts, _reduce(sources, spec, names, units), units, dropped)


def _prepare_sources(groups: GroupSources, spec: FitSpec, names: list[str]) -> _Prepared:
    """:func:`_prepare` for groups read from a file or Dask: the policy group by group (one
    warning for all), then the patterns in one common set of units."""
    policy, sources = spec.policy, groups.sources
    labels = sources[0].labels
    dropped = [0] * len(sources)
    if not policy.em:
        rows = 0
        for g, (source, name) in enumerate(zip(sources, names, strict=True)):
            tally = source.rows.total(partial(Tally.of, drop=policy.drop,
                                              origin=source.origin()))
            if policy.drop and tally.rows and tally.dropped == tally.rows:
                _emptied(name, tally.rows)
            try:
                policy.check(tally, labels)
            except MVNEstimateError as exc:
                raise exc.within(f"In group {name}") from None
            dropped[g], rows = tally.dropped, rows + tally.rows
        policy.report(sum(dropped), rows)
        sources = [dataclasses.replace(s, rows=complete_rows(s.rows)) for s in sources]
    reduced = _reduce(sources, spec, names, None)
    none: list[None] = [None] * len(sources)
    if all(r.units.identity for r in reduced):
        return _Prepared(labels, none, reduced, Units.none(len(labels)), dropped)
    units = units_of(Together([s.rows for s in sources]), sources[0].origin(),
                     not isinstance(spec.structure, Unstructured))
    return _Prepared(labels, none, _reduce(sources, spec, names, units), units, dropped)


def group_name(by: str, label: Any) -> str:
    """``Month = 5``, ``Species = 'setosa'``: a group in messages."""
    return f"{by} = {str(label)!r}" if isinstance(label, str) else f"{by} = {label}"


def fit_shared(ds: Dataset, w: FloatArray | None, groups: Groups,
               spec: FitSpec) -> tuple[dict[Any, MVNResult], Layout, ParamCovariance, JointInfo]:
    """The joint fit of ``groups`` sharing ``spec.equal``: each group's result, the layout of
    the parameters, their covariance of the estimates and how the fit went."""
    names = [group_name(groups.name, g) for g in groups.labels]
    return _fit(_prepare(ds, w, groups, spec, names), groups.labels, names, spec)


def fit_shared_sources(groups: GroupSources, spec: FitSpec
                       ) -> tuple[dict[Any, MVNResult], Layout, ParamCovariance, JointInfo]:
    """:func:`fit_shared` for groups read from a file or a Dask collection (per-row passes,
    for robust errors and scaled tests, read the rows again)."""
    names = [group_name(groups.name, g) for g in groups.labels]
    return _fit(_prepare_sources(groups, spec, names), groups.labels, names, spec)


def _fit(prep: _Prepared, labels: list[Any], names: list[str], spec: FitSpec
         ) -> tuple[dict[Any, MVNResult], Layout, ParamCovariance, JointInfo]:
    """The joint MLE of the prepared groups, its covariance and one result per group."""
    structure = spec.structure.bind(prep.labels)
    strings = [str(c) for c in prep.labels]
    p = len(prep.labels)
    layout = Layout.of(labels, param_names(strings)[:p] + structure.param_names(strings),
                       ["free"] * p + structure.param_kinds(), p, spec.equal)
    origin = prep.reduced[0].patterns.origin
    data = [GroupData(r, r.patterns.origin - origin, name)
            for r, name in zip(prep.reduced, names, strict=True)]
    model = JointModel(data, layout, structure, spec.equal, spec.tol, spec.max_iter)
    est = model.fit()
    covariance = _covariance(model, est, spec)
    if not prep.units.identity:
        first, second = prep.units.factors(structure)
        covariance = Scaled(covariance, layout.gather([first] * len(data)),
                            layout.gather([second] * len(data)))
    covariance.diag()
    info = JointInfo(est.iterations, est.newton_steps, est.converged, spec.information,
                     lambda kind: model.information(est.phi, kind),
                     lambda: model.meat(est.phi), _score_moments(model, est, spec))
    fits = {label: _group_result(prep, g, est, structure, origin, spec, info,
                                 Selected(covariance, layout.positions[g]))
            for g, label in enumerate(labels)}
    return fits, layout, covariance, info


def _score_moments(model: JointModel, est: JointEstimate, spec: FitSpec) -> ScoreMoments:
    """What a scaled test reads from the joint model (nothing is computed until one asks;
    Satorra–Bentler's pieces only for complete data)."""
    complete = spec.missing != "em"
    return ScoreMoments(
        model.layout.size, complete, False, partial(model.information, est.phi),
        partial(model.meat, est.phi),
        partial(model.gamma_trace, est.phi) if complete else None,
        centred_meat=partial(model.meat, est.phi, centred=True) if complete else None)


def _covariance(model: JointModel, est: JointEstimate, spec: FitSpec) -> ParamCovariance:
    """The inverse information (classic) or the sandwich (robust) of the joint model."""
    info = model.information(est.phi, spec.information)
    if spec.cov_type == "robust":
        return Sandwich(info, model.meat(est.phi), spec.information, "the joint model")
    return FromInformation(info, spec.information, "the joint model")


def _observed(r: Incomplete) -> tuple[FloatArray, FloatArray]:
    """Counts and means of the observed values of each column (in the patterns' units)."""
    pat = r.patterns
    counts = pat.n @ pat.masks
    return counts, (pat.n @ (pat.mean * pat.masks)) / counts + pat.origin


def _group_result(prep: _Prepared, g: int, est: JointEstimate, structure: Any,
                  origin: FloatArray, spec: FitSpec, info: JointInfo,
                  covariance: ParamCovariance) -> MVNResult:
    """Group ``g``'s result at the joint estimate, in data units, holding its rows and
    columns of the joint covariance of the estimates."""
    r, units, part = prep.reduced[g], prep.units, prep.parts[g]
    labels = prep.labels
    cov = units.unscale_cov(est.covs[g], labels)
    cov = (cov + cov.T) / 2
    counts, means = _observed(r)
    em = spec.missing == "em"
    digest = data_digest(labels, counts if em else np.array([r.patterns.total]),
                         means * units.scale)
    theta = structure.start(cov) if isinstance(structure, Unstructured) else \
        units.unscale_theta(structure, est.thetas[g])
    emi = EMInfo(info.iterations, info.converged, r.patterns.npatterns,
                 pd.Series(r.missing_fraction, index=labels, name="missing"),
                 r.patterns.excluded, spec.information, info.newton_steps) if em else None
    return MVNResult(
        mean=pd.Series((est.means[g] + origin) * units.scale, index=labels, name="mean"),
        cov=pd.DataFrame(cov, index=labels, columns=labels), nobs=r.patterns.total,
        loglike=units.unscale_loglike(est.loglikes[g], counts), missing=spec.missing,
        nobs_dropped=prep.dropped[g] + r.patterns.excluded, em=emi,
        weights_kind=spec.weights_kind if spec.weighted else None, structure=structure,
        theta=np.asarray(theta, dtype=float), at_bounds=(), data_id=digest,
        param_cov=covariance, data=part)
