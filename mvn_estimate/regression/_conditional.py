"""The conditional normal: the distribution of some variables given the values of the others,
``y | x = g ~ N(μ_y + C (g − μ_x), Σ_yy − C Σ_xy)`` with ``C = Σ_yx Σ_xx⁻¹`` (by solves with
the Cholesky factor of ``Σ_xx``, never an inverse)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray
from .._validate import check_int
from ..data import show_labels
from ..exceptions import DtypeError, LabelError, NonFiniteError, ShapeError, arg, describe
from ..linalg import PDFactor
from ..model import factor_or_explain

__all__ = ["ConditionalNormal", "conditional_normal", "label_positions"]


def label_positions(keys: list[Any], labels: pd.Index, name: str) -> np.ndarray:
    """The positions of ``keys`` among ``labels`` (each once), or a :class:`LabelError`
    naming what is not a label."""
    if len(set(map(repr, keys))) != len(keys):
        raise LabelError(f"{arg(name)} repeats columns; got {show_labels(keys)}.")
    where = {repr(c): j for j, c in enumerate(labels)}
    absent = [k for k in keys if repr(k) not in where]
    if absent:
        raise LabelError(f"{arg(name)} names {show_labels(absent)}, which are not columns of "
                         f"the fit; its columns are {show_labels(list(labels))}.")
    return np.array([where[repr(k)] for k in keys], dtype=np.intp)


def _values(given: Any) -> pd.DataFrame:
    """``given`` as a frame of conditioning rows (one row for a mapping or Series)."""
    if isinstance(given, pd.DataFrame):
        frame = given
    elif isinstance(given, pd.Series | Mapping):
        frame = pd.DataFrame([dict(given)])
    else:
        raise DtypeError(f"{arg('given')} must be a mapping or Series {{column: value}}, or a "
                         f"DataFrame of rows of values; got {describe(given)}.")
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise ShapeError(f"{arg('given')} must give at least one column and one row; got "
                         f"{frame.shape[0]} rows and {frame.shape[1]} columns.")
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
           or pd.api.types.is_bool_dtype(frame[c]) or pd.api.types.is_complex_dtype(frame[c])]
    if bad:
        raise DtypeError(f"{arg('given')} must hold real numbers; columns {show_labels(bad)} "
                         f"do not (dtypes {[str(frame[c].dtype) for c in bad]}).")
    values = frame.to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        raise NonFiniteError(f"{arg('given')} must hold finite values; got "
                             f"{int(np.sum(~np.isfinite(values)))} NaN or infinite.")
    return frame


@dataclass(frozen=True, eq=False)
class ConditionalNormal:
    """The normal distribution of the other columns given values of some (from
    :meth:`MVNResult.conditional <mvn_estimate.MVNResult.conditional>`).

    Attributes
    ----------
    mean : Series or DataFrame
        ``μ_y + C (g − μ_x)``: a Series over the response columns for one set of given
        values, a DataFrame (one row per given row) for several.
    cov : DataFrame
        ``Σ_yy − Σ_yx Σ_xx⁻¹ Σ_xy``, the same for every given row.
    coef : DataFrame
        ``C = Σ_yx Σ_xx⁻¹``: rows are the response columns, columns the given ones.
    given : Series or DataFrame
        The conditioning values.

    Examples
    --------
    >>> import numpy as np, mvn_estimate as me
    >>> res = me.fit(np.array([[1.0, 2.0], [2.0, 2.5], [3.0, 5.0], [4.0, 4.5]]))
    >>> c = res.conditional({"x0": 2.5})
    >>> round(float(c.mean["x1"]), 4), round(float(c.cov.iloc[0, 0]), 4)
    (3.5, 0.375)
    """

    mean: pd.Series | pd.DataFrame
    cov: pd.DataFrame
    coef: pd.DataFrame
    given: pd.Series | pd.DataFrame
    _factor: PDFactor = field(repr=False, compare=False)

    @property
    def labels(self) -> pd.Index:
        """The response columns."""
        return self.cov.index

    def _points(self, values: Any) -> tuple[FloatArray, pd.Index | None]:
        """``values`` as rows over the response columns, aligned to the conditions."""
        frame = values if isinstance(values, pd.DataFrame) else (
            pd.DataFrame([dict(values)]) if isinstance(values, pd.Series | Mapping) else None)
        if frame is None:
            raise DtypeError(f"{arg('values')} must be a mapping or Series over the columns "
                             f"{show_labels(list(self.labels))}, or a DataFrame of rows; got "
                             f"{describe(values)}.")
        pos = label_positions(list(frame.columns), self.labels, "values")
        if pos.size != self.labels.size:
            missing = [c for j, c in enumerate(self.labels) if j not in set(pos.tolist())]
            raise LabelError(f"{arg('values')} must give every response column; it lacks "
                             f"{show_labels(missing)}.")
        x = np.empty((frame.shape[0], pos.size))
        x[:, pos] = frame.to_numpy(dtype=float)
        index = frame.index if isinstance(values, pd.DataFrame) else None
        if isinstance(self.mean, pd.DataFrame):
            if index is None or not index.equals(self.mean.index):
                raise LabelError(f"{arg('values')} must be a DataFrame with the index of the "
                                 f"given rows {list(self.mean.index)[:10]} (one value row per "
                                 "condition).")
            return x - self.mean.to_numpy(), index
        return x - self.mean.to_numpy()[None, :], index

    def logpdf(self, values: Any) -> float | pd.Series:
        """Log-density at ``values`` (a mapping or Series over the response columns; or a
        DataFrame of rows, one per given row when several were given).

        Examples
        --------
        >>> import numpy as np, mvn_estimate as me
        >>> res = me.fit(np.array([[1.0, 2.0], [2.0, 2.5], [3.0, 5.0], [4.0, 4.5]]))
        >>> c = res.conditional({"x0": 2.5})
        >>> round(c.logpdf({"x1": 3.5}), 4)  # −½ log(2π · 0.375)
        -0.4285
        """
        resid, index = self._points(values)
        d2 = self._factor.mahalanobis(resid)
        out = -0.5 * (resid.shape[1] * np.log(2 * np.pi) + self._factor.logdet + d2)
        return float(out[0]) if index is None else pd.Series(out, index=index, name="logpdf")

    def sample(self, size: int = 1, random_state: Any = None) -> pd.DataFrame:
        """``size`` draws from the conditional distribution.

        Returns a DataFrame over the response columns: ``size`` rows for one set of given
        values; for several given rows, ``size`` draws for each, indexed by (given row, draw).

        Examples
        --------
        >>> import numpy as np, mvn_estimate as me
        >>> res = me.fit(np.array([[1.0, 2.0], [2.0, 2.5], [3.0, 5.0], [4.0, 4.5]]))
        >>> res.conditional({"x0": 2.5}).sample(3, random_state=0).shape
        (3, 1)
        """
        size = check_int(size, "size", minimum=1)
        rng = np.random.default_rng(random_state)
        lower = self._factor.lower
        if isinstance(self.mean, pd.Series):
            z = rng.standard_normal((size, self.labels.size))
            return pd.DataFrame(self.mean.to_numpy() + z @ lower.T, columns=self.labels)
        rows = self.mean.shape[0]
        z = rng.standard_normal((rows, size, self.labels.size))
        draws = self.mean.to_numpy()[:, None, :] + z @ lower.T
        index = pd.MultiIndex.from_product([self.mean.index, range(size)],
                                           names=[self.mean.index.name, "draw"])
        return pd.DataFrame(draws.reshape(rows * size, -1), index=index, columns=self.labels)


def conditional_normal(mean: pd.Series, cov: pd.DataFrame, given: Any) -> ConditionalNormal:
    """The distribution of the other columns of ``N(mean, cov)`` given ``given`` (see
    :meth:`MVNResult.conditional <mvn_estimate.MVNResult.conditional>`)."""
    frame = _values(given)
    labels = mean.index
    xi = label_positions(list(frame.columns), labels, "given")
    yi = np.setdiff1d(np.arange(labels.size), xi)
    if yi.size == 0:
        raise ShapeError(f"{arg('given')} gives every column of the fit "
                         f"{show_labels(list(labels))}: nothing is left to predict. Leave "
                         "some columns out.")
    s, mu = cov.to_numpy(), mean.to_numpy()
    fac = factor_or_explain(s[np.ix_(xi, xi)], labels[xi],
                            what="The covariance of the given columns", name="given")
    coef = fac.solve(s[np.ix_(xi, yi)]).T
    cond = s[np.ix_(yi, yi)] - coef @ s[np.ix_(xi, yi)]
    cond = (cond + cond.T) / 2
    resp, gl = labels[yi], labels[xi]
    shift = (frame.to_numpy(dtype=float) - mu[xi]) @ coef.T + mu[yi]
    one = not isinstance(given, pd.DataFrame)
    means: pd.Series | pd.DataFrame = pd.Series(shift[0], index=resp, name="mean") if one \
        else pd.DataFrame(shift, index=frame.index, columns=resp)
    values: pd.Series | pd.DataFrame = pd.Series(frame.iloc[0].to_numpy(dtype=float), index=gl,
                                                 name="given") if one else frame
    cov_df = pd.DataFrame(cond, index=resp, columns=resp)
    factor = factor_or_explain(cond, resp, what="The conditional covariance", name="given")
    return ConditionalNormal(means, cov_df, pd.DataFrame(coef, index=resp, columns=gl), values,
                             factor)
