"""``fit(data, by=...)``: the groups fitted on their own (one pipeline per group) or jointly
with shared parameters (``equal=``, :mod:`._joint_fit`), and the grouped result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .. import plots
from ..data import (
    Source,
    as_dataset,
    check_by,
    dataset_source,
    is_label,
    resolve_weights,
    show_labels,
    split_groups,
)
from ..exceptions import (
    InvalidOptionError,
    LabelError,
    MVNEstimateError,
    NotNestedError,
    arg,
    describe,
    ref,
    setting,
)
from ..inference import HypothesisTest, ManovaResult, ParamCovariance, box_m_test, manova
from ._analysis import intervals, wald_test
from ._digest import data_digest
from ._group_sources import GroupSources
from ._grouped_summary import grouped_dict, grouped_summary
from ._joint_fit import JointInfo, fit_shared, fit_shared_sources, group_name
from ._layout import Layout, Stacked
from ._pipeline import fit_rows
from ._results import MVNResult
from ._spec import FitSpec

__all__ = ["GroupedResult", "fit_group_sources", "fit_groups", "grouped_nesting", "model_text"]

_NAMES = {"Box's M test": "box_m_test", "MANOVA": "manova"}


@dataclass(frozen=True, eq=False)
class GroupedResult:
    """The same model fitted to each group of ``by``: on its own, or jointly with parameters
    the groups share (``fit(..., by=..., equal=[...])``).

    One model over all groups: :attr:`params` lists each parameter once — a shared one
    named as in a single fit (``cov[a,b]``), a group's own as ``name@group``
    (``mean[a]@setosa``) — and :attr:`std_errors`, :meth:`cov_params`, :meth:`conf_int`,
    :attr:`pvalues` and :meth:`wald_test` derive from the one covariance of the estimates.
    :attr:`loglike` is the sum over the groups and :attr:`nparams` counts the distinct
    parameters, so :func:`~mvn_estimate.lr_test` compares a model with shared parameters to
    the one without.

    Attributes
    ----------
    groups : Mapping
        Group label → :class:`MVNResult`, in order of first appearance (read-only). With
        shared parameters, each holds its group's estimates, log-likelihood and rows of the
        joint covariance of the estimates.
    by : str
        The grouping variable's name.
    layout : Layout
        The parameters' names and which are shared (see :attr:`params`).
    param_cov : ParamCovariance
        The one estimator of the covariance of the estimates: block diagonal for groups
        fitted on their own, the joint model's inverse information (or sandwich) otherwise.
    equal : tuple of str
        The parameters the groups share: ``()``, ``("mean",)``, ``("cov",)`` or
        ``("mean", "cov")``.
    joint : JointInfo or None
        How the joint fit went (None for groups fitted on their own).

    Examples
    --------
    >>> import pandas as pd, mvn_estimate as me
    >>> iris = pd.read_csv("data/iris.csv")
    >>> g = me.fit(iris, by="Species")
    >>> list(g.groups), g.nobs, g.nparams
    (['setosa', 'versicolor', 'virginica'], 150.0, 42)
    >>> pooled = me.fit(iris, by="Species", equal=["cov"])
    >>> pooled.nparams, pooled.params.index[[0, -1]].tolist()
    (22, ['mean[Sepal.Length]@setosa', 'cov[Petal.Width,Petal.Width]'])
    """

    groups: Mapping[Any, MVNResult]
    by: str
    source: tuple[Any, Any, Any] | None = field(repr=False, compare=False)
    layout: Layout = field(repr=False, compare=False)
    param_cov: ParamCovariance = field(repr=False, compare=False)
    equal: tuple[str, ...] = ()
    joint: JointInfo | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        state["groups"] = dict(self.groups)  # a mapping proxy does not pickle
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, MappingProxyType(value) if name == "groups"
                               else value)

    @property
    def labels(self) -> list[Any]:
        """Group labels."""
        return list(self.groups)

    @property
    def _first(self) -> MVNResult:
        return next(iter(self.groups.values()))

    @property
    def nobs(self) -> float:
        """Total number of observations."""
        return float(sum(r.nobs for r in self.groups.values()))

    @property
    def nvars(self) -> int:
        """Number of variables ``p``."""
        return self._first.nvars

    @property
    def loglike(self) -> float:
        """The log-likelihood of the model: the sum of the groups' (each at the estimate)."""
        return float(sum(r.loglike for r in self.groups.values()))

    @property
    def nparams(self) -> int:
        """Number of distinct parameters (a shared one counts once)."""
        return self.layout.size

    @property
    def aic(self) -> float:
        """``−2 ln L + 2k``."""
        return -2.0 * self.loglike + 2.0 * self.nparams

    @property
    def bic(self) -> float:
        """``−2 ln L + k ln N`` (``N`` all groups' observations)."""
        return -2.0 * self.loglike + self.nparams * float(np.log(self.nobs))

    @property
    def missing(self) -> str:
        """The missing-value policy of the fits."""
        return self._first.missing

    @property
    def weights_kind(self) -> str | None:
        """``"frequency"`` or ``"analytic"`` for weighted fits, None when unweighted."""
        return self._first.weights_kind

    @property
    def nobs_dropped(self) -> int:
        """Rows dropped (``missing="drop"``) or entirely missing (``"em"``), all groups."""
        return int(sum(r.nobs_dropped for r in self.groups.values()))

    @property
    def data_id(self) -> str:
        """A digest of the grouped data (equal for fits of the same data and groups, whatever
        the model): what :func:`~mvn_estimate.lr_test` compares."""
        parts = [f"{g!r}:{r.data_id}" for g, r in self.groups.items()]
        return data_digest(pd.Index([self.by, *parts]), np.zeros(0), np.zeros(0))

    @property
    def cov_type(self) -> str:
        """``"classic"`` or ``"robust"``: the covariance estimator's."""
        return self.param_cov.cov_type

    @property
    def pooled(self) -> pd.DataFrame:
        """Pooled within-group covariance ``Σ_g (n_g − 1)S_g / (N − G)`` (each ``S_g`` with
        divisor ``n_g − 1``), as MANOVA and linear discriminant analysis use it."""
        results = list(self.groups.values())
        total = np.sum([r.cov.to_numpy() * r.nobs for r in results], axis=0)
        first = results[0].cov
        return pd.DataFrame(total / (self.nobs - len(results)), index=first.index,
                            columns=first.columns)

    # -- the parameters of the model -------------------------------------------------------
    @cached_property
    def params(self) -> pd.Series:
        """Estimates, each parameter once: shared ones named as in a single fit, a group's
        own as ``name@group`` (means first, then the covariance parameters)."""
        values = self.layout.gather([r.params.to_numpy() for r in self.groups.values()])
        return pd.Series(values, index=self.layout.names, name="params")

    @cached_property
    def std_errors(self) -> pd.Series:
        """Standard errors of :attr:`params`, from the one covariance estimator."""
        return pd.Series(self.param_cov.std(), index=self.layout.names, name="std_errors")

    @cached_property
    def zvalues(self) -> pd.Series:
        """``params / std_errors``."""
        return (self.params / self.std_errors).rename("zvalues")

    @cached_property
    def pvalues(self) -> pd.Series:
        """Two-sided normal p-values; NaN for variances (see :attr:`MVNResult.pvalues`)."""
        p = 2 * sps.norm.sf(np.abs(self.zvalues.to_numpy()))
        p[np.asarray(self.layout.kinds) == "variance"] = np.nan
        return pd.Series(p, index=self.layout.names, name="pvalues")

    def conf_int(self, level: float = 0.95, *, alpha: float | None = None) -> pd.DataFrame:
        """Wald intervals of :attr:`params` (variances on the log scale, correlation
        parameters on the atanh scale; see :meth:`MVNResult.conf_int`).

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> iris = pd.read_csv("data/iris.csv").iloc[:, [0, 4]]
        >>> me.fit(iris, by="Species", equal=["cov"]).conf_int().shape
        (4, 2)
        """
        lower, upper = intervals(self.params.to_numpy(), self.std_errors.to_numpy(),
                                 np.asarray(self.layout.kinds), level, alpha)
        return pd.DataFrame({"lower": lower, "upper": upper}, index=self.layout.names)

    def cov_params(self) -> pd.DataFrame:
        """Dense covariance matrix of :attr:`params` (shared parameters once).

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> iris = pd.read_csv("data/iris.csv").iloc[:, [0, 4]]
        >>> me.fit(iris, by="Species", equal=["cov"]).cov_params().shape
        (4, 4)
        """
        names = self.layout.names
        return pd.DataFrame(self.param_cov.dense(), index=names, columns=names)

    def wald_test(self, R: Any, r: Any = None) -> HypothesisTest:
        """Wald test of ``Rθ = r`` over :attr:`params` (``R`` a matrix or hypotheses over
        the parameter names, such as ``"mean[a]@x = mean[a]@y"``).

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> iris = pd.read_csv("data/iris.csv").iloc[:, [0, 4]]
        >>> g = me.fit(iris, by="Species", equal=["cov"])
        >>> g.wald_test("mean[Sepal.Length]@setosa = mean[Sepal.Length]@virginica").df
        1.0
        """
        return wald_test(self, R, r)

    @property
    def group_params(self) -> pd.DataFrame:
        """Each group's parameters as a single fit names them, one row per group (shared
        values repeated)."""
        return self._table(lambda r: r.params)

    def _table(self, get: Callable[[MVNResult], pd.Series]) -> pd.DataFrame:
        frame = pd.DataFrame({g: get(r) for g, r in self.groups.items()}).T
        frame.index.name = self.by
        return frame

    # -- tests on the rows -------------------------------------------------------------------
    def _rows_used(self, test: str) -> tuple[Any, Any, Any]:
        """The data, groups and columns the fits used (complete rows after ``"drop"``), or
        :class:`InvalidOptionError` when the test cannot use them as the fits did."""
        first = self._first
        if first.weights_kind is not None or first.missing == "em":
            why = "weights" if first.weights_kind is not None else f"{setting('missing', 'em')}"
            raise InvalidOptionError(
                f"{test} works on complete, unweighted rows; these groups were fitted with "
                f"{why}, which the test cannot take into account. Run it on the rows you "
                f"choose, e.g. mvn_estimate.{_NAMES[test]}(data.dropna(), by=...).")
        if self.source is None:
            raise InvalidOptionError(
                f"{test} works on the rows in memory; these groups were read from a file or a "
                f"Dask collection, whose rows the result does not keep. Run it on the data "
                f"loaded into memory: mvn_estimate.{_NAMES[test]}(frame, by=...).")
        data, by, columns = self.source
        if first.missing != "drop":
            return data, by, columns
        column = is_label(by, data)
        ds = as_dataset(data, columns=columns, exclude=(by,) if column else ())
        keep = np.asarray(~np.isnan(ds.values).any(axis=1), dtype=bool)
        rows = data.loc[list(keep)] if isinstance(data, pd.DataFrame) else np.asarray(data)[keep]
        return rows, by if column else np.asarray(by)[keep], columns

    def box_m_test(self) -> HypothesisTest:
        """Box's M test of equal covariances across the groups (on the rows the fits used)."""
        data, by, columns = self._rows_used("Box's M test")
        return box_m_test(data, by=by, columns=columns)

    def manova(self) -> ManovaResult:
        """One-way MANOVA of the means across the groups (on the rows the fits used)."""
        data, by, columns = self._rows_used("MANOVA")
        return manova(data, by=by, columns=columns)

    def outliers(self, alpha: float = 0.05, *, data: Any = None) -> pd.DataFrame:
        """Each group's :meth:`MVNResult.outliers`, stacked, with a ``group`` column.

        ``data``: a DataFrame with the ``by`` column and the fitted columns, for fits that
        kept no rows (files, Dask); each group's rows are judged against that group's fit
        (p-values as for rows the fit did not keep: χ²).
        """
        if data is None:
            parts = [r.outliers(alpha).assign(group=g) for g, r in self.groups.items()]
            return pd.concat(parts)
        if not isinstance(data, pd.DataFrame) or self.by not in data.columns:
            raise LabelError(
                f"{arg('data')} must be a DataFrame with the group column {self.by!r} and the "
                f"fitted columns; got {describe(data)}. Pass the rows the groups were fitted "
                "to.")
        keys = data[self.by]
        unknown = [g for g in pd.unique(keys) if g not in self.groups]
        if unknown:
            raise LabelError(f"{arg('data')} has rows of groups {show_labels(unknown)} this "
                             f"fit does not have (it has {show_labels(self.labels)}).")
        parts = [r.outliers(alpha, data=data.loc[(keys == g).to_numpy()]).assign(group=g)
                 for g, r in self.groups.items() if (keys == g).any()]
        return pd.concat(parts)

    # -- presentation ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary: the model (``equal``, ``loglike``, ``nparams``, ``params``,
        ``std_errors``), the pooled covariance and each group's ``to_dict()``."""
        return grouped_dict(self)

    def plot_qq(self, **options: Any) -> Any:
        """One χ² Q–Q panel per group (see :func:`mvn_estimate.plots.plot_qq`)."""
        return plots.plot_qq(self, **options)

    def plot_ellipses(self, **options: Any) -> Any:
        """Pairs of variables, one colour per group (see
        :func:`mvn_estimate.plots.plot_ellipses`)."""
        return plots.plot_ellipses(self, **options)

    def plot_corr(self, **options: Any) -> Any:
        """One correlation heatmap per group (see :func:`mvn_estimate.plots.plot_corr`)."""
        return plots.plot_corr(self, **options)

    def summary(self, level: float = 0.95) -> str:
        """What the groups share, then the model's parameters with inference (groups with
        shared parameters), or each group's summary and the pooled covariance (groups
        fitted on their own).

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> iris = pd.read_csv("data/iris.csv").iloc[:, [0, 4]]
        >>> text = me.fit(iris, by="Species", equal=["cov"]).summary()
        >>> [line for line in text.splitlines() if line.startswith("Shared")]
        ['Shared across Species: the covariance matrix (cov[...] without a group)']
        """
        return grouped_summary(self, level)

    def __str__(self) -> str:
        return self.summary()


def model_text(fit: Any) -> str:
    """The model of a fit in words, for a likelihood-ratio test's hypothesis."""
    if not isinstance(fit, GroupedResult):
        return f"the {fit.structure} model"
    structure = next(iter(fit.groups.values())).structure
    shared = " and ".join(fit.equal) if fit.equal else "no parameter"
    return f"the {structure} model with {shared} shared across {fit.by}"


def grouped_nesting(restricted: Any, full: Any) -> None:
    """A grouped model is nested only in a grouped model of the same groups that shares no
    more than it does (:func:`~mvn_estimate.lr_test`'s check before comparing the data)."""
    kinds = [isinstance(f, GroupedResult) for f in (restricted, full)]
    if not any(kinds):
        return
    if not all(kinds):
        raise NotNestedError(
            "The 'restricted' and 'full' models must both be grouped fits (fit(..., by=...)) "
            "or both single fits; got one of each. Fit both with the same by=.")
    extra = [e for e in full.equal if e not in restricted.equal]
    if extra:
        raise NotNestedError(
            f"The 'full' model shares {extra} across the groups and the 'restricted' one does "
            f"not (it shares {list(restricted.equal)}), so it is not nested in the 'full' "
            "one. Swap the arguments if they are reversed.")


def _distinct(labels: list[Any]) -> None:
    """Group labels name parameters (``mean[x]@label``): two that print alike are refused."""
    seen: dict[str, Any] = {}
    for label in labels:
        if str(label) in seen:
            raise LabelError(
                f"{arg('by')} has group labels {show_labels([seen[str(label)], label])} that "
                "read the same as text, so their parameters (name@group) could not be told "
                f"apart. Give the groups of {ref('by')} distinct labels (e.g. all strings).")
        seen[str(label)] = label


def fit_groups(data: Any, by: Any, columns: Any, weights: Any, spec: FitSpec) -> GroupedResult:
    """Fit the groups of ``by`` with ``spec``: each on its own (one pipeline per group), or
    jointly when ``spec.equal`` names parameters they share."""
    if is_label(by, data):
        check_by(by, columns, weights)
    exclude = tuple(v for v in (weights, by) if is_label(v, data))
    ds = as_dataset(data, columns=columns, exclude=exclude)
    w = resolve_weights(weights, data, ds)
    labelled = list(ds.labels) if ds.labelled else None
    groups = split_groups(data, by, columns=labelled)
    _distinct(groups.labels)
    source = (data, by, labelled)
    if spec.equal:
        fits, layout, covariance, info = fit_shared(ds, w, groups, spec)
        return GroupedResult(MappingProxyType(fits), groups.name, source, layout, covariance,
                             spec.equal, info)
    sources = [dataset_source(part, None if w is None else w[rows])
               for part, rows in zip(groups.parts, groups.rows, strict=True)]
    return _separately(groups.name, groups.labels, sources, spec, source, groups.sizes)


def fit_group_sources(groups: GroupSources, spec: FitSpec) -> GroupedResult:
    """Fit groups read from a file or a Dask collection (see :func:`fit_groups`); the rows
    are not kept, so tests on them (Box's M, MANOVA) ask for the data in memory."""
    _distinct(groups.labels)
    if spec.equal:
        fits, layout, covariance, info = fit_shared_sources(groups, spec)
        return GroupedResult(MappingProxyType(fits), groups.name, None, layout, covariance,
                             spec.equal, info)
    return _separately(groups.name, groups.labels, groups.sources, spec, None, None)


def _separately(by: str, labels: list[Any], sources: list[Source], spec: FitSpec,
                source: tuple[Any, Any, Any] | None,
                sizes: list[int] | None) -> GroupedResult:
    """Each group on its own through the one pipeline."""
    separate = {}
    for g, (label, src) in enumerate(zip(labels, sources, strict=True)):
        try:
            separate[label] = fit_rows(src, spec)
        except MVNEstimateError as exc:
            size = "" if sizes is None else \
                f"{sizes[g]} row{'' if sizes[g] == 1 else 's'}; "
            exc.within(f"In group {group_name(by, label)} ({size}one of {len(labels)} groups)")
            raise
    first = next(iter(separate.values()))
    names = list(first.params.index)
    layout = Layout.of(labels, names, list(first.param_kinds), first.nvars, ())
    return GroupedResult(MappingProxyType(separate), by, source, layout,
                         Stacked([r.param_cov for r in separate.values()], layout.positions))
