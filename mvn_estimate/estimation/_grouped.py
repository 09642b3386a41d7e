"""``fit(data, by=...)``: one fit per group, and the grouped result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .. import plots
from ..data import as_dataset, dataset_source, is_label, resolve_weights, split_groups
from ..exceptions import InvalidOptionError, MVNEstimateError, setting
from ..inference import HypothesisTest, ManovaResult, box_m_test, manova
from ._pipeline import fit_rows
from ._results import MVNResult
from ._spec import FitSpec

__all__ = ["GroupedResult", "fit_groups"]

_NAMES = {"Box's M test": "box_m_test", "MANOVA": "manova"}


@dataclass(frozen=True)
class GroupedResult:
    """Fits of the same model in each group of ``by``.

    Attributes
    ----------
    groups : Mapping
        Group label → :class:`MVNResult`, in order of first appearance (read-only).
    by : str
        The grouping variable's name.

    Examples
    --------
    >>> import pandas as pd, mvn_estimate as me
    >>> iris = pd.read_csv("data/iris.csv")
    >>> g = me.fit(iris, by="Species")
    >>> list(g.groups), g.nobs
    (['setosa', 'versicolor', 'virginica'], 150.0)
    """

    groups: Mapping[Any, MVNResult]
    by: str
    source: tuple[Any, Any, Any] = field(repr=False, compare=False)

    @property
    def labels(self) -> list[Any]:
        """Group labels."""
        return list(self.groups)

    @property
    def nobs(self) -> float:
        """Total number of observations."""
        return float(sum(r.nobs for r in self.groups.values()))

    @property
    def loglike(self) -> float:
        """Sum of the groups' log-likelihoods (the model with group-specific parameters)."""
        return float(sum(r.loglike for r in self.groups.values()))

    @property
    def pooled(self) -> pd.DataFrame:
        """Pooled within-group covariance ``Σ_g (n_g − 1)S_g / (N − G)`` (each ``S_g`` with
        divisor ``n_g − 1``), as MANOVA and linear discriminant analysis use it."""
        results = list(self.groups.values())
        total = np.sum([r.cov.to_numpy() * r.nobs for r in results], axis=0)
        first = results[0].cov
        return pd.DataFrame(total / (self.nobs - len(results)), index=first.index,
                            columns=first.columns)

    def _table(self, get: Callable[[MVNResult], pd.Series]) -> pd.DataFrame:
        frame = pd.DataFrame({g: get(r) for g, r in self.groups.items()}).T
        frame.index.name = self.by
        return frame

    @property
    def params(self) -> pd.DataFrame:
        """Estimates, one row per group."""
        return self._table(lambda r: r.params)

    @property
    def std_errors(self) -> pd.DataFrame:
        """Standard errors, one row per group."""
        return self._table(lambda r: r.std_errors)

    def _rows_used(self, test: str) -> tuple[Any, Any, Any]:
        """The data, groups and columns the fits used (complete rows after ``"drop"``), or
        :class:`InvalidOptionError` when the test cannot use them as the fits did."""
        first = next(iter(self.groups.values()))
        if first.weights_kind is not None or first.missing == "em":
            why = "weights" if first.weights_kind is not None else f"{setting('missing', 'em')}"
            raise InvalidOptionError(
                f"{test} works on complete, unweighted rows; these groups were fitted with "
                f"{why}, which the test cannot take into account. Run it on the rows you "
                f"choose, e.g. mvn_estimate.{_NAMES[test]}(data.dropna(), by=...).")
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

    def outliers(self, alpha: float = 0.05) -> pd.DataFrame:
        """Each group's :meth:`MVNResult.outliers`, stacked, with a ``group`` column."""
        parts = [r.outliers(alpha).assign(group=g) for g, r in self.groups.items()]
        return pd.concat(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary: the grouping variable and each group's ``to_dict()``."""
        return {"by": self.by, "groups": {str(g): r.to_dict() for g, r in self.groups.items()},
                "pooled": self.pooled.to_numpy().tolist()}

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

    def summary(self) -> str:
        """The groups' summaries, then the pooled covariance."""
        parts = [f"{self.by} = {g!r}\n{r.summary()}" for g, r in self.groups.items()]
        pooled = self.pooled.to_string(float_format=lambda v: f"{v:.4g}")
        return "\n\n".join([*parts, f"Pooled within-group covariance:\n{pooled}"])

    def __str__(self) -> str:
        return self.summary()


def fit_groups(data: Any, by: Any, columns: Any, weights: Any, spec: FitSpec) -> GroupedResult:
    """Fit each group of ``by`` with ``spec`` (one pipeline per group)."""
    exclude = tuple(v for v in (weights, by) if is_label(v, data))
    ds = as_dataset(data, columns=columns, exclude=exclude)
    w = resolve_weights(weights, data, ds)
    labelled = list(ds.labels) if ds.labelled else None
    groups = split_groups(data, by, columns=labelled)
    fits = {}
    for label, part, rows in zip(groups.labels, groups.parts, groups.rows, strict=True):
        try:
            fits[label] = fit_rows(dataset_source(part, None if w is None else w[rows]), spec)
        except MVNEstimateError as exc:
            shown = repr(label) if isinstance(label, str) else str(label)
            rows_ = f"{part.nobs} row{'' if part.nobs == 1 else 's'}"
            exc.within(f"In group {groups.name} = {shown} ({rows_}; one of "
                       f"{len(groups.labels)} groups)")
            raise
    return GroupedResult(MappingProxyType(fits), groups.name, (data, by, labelled))
