"""``Imputations``: ``m`` completed data sets, built on request from one copy of the data and
the imputed values, pooled by Rubin's rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import pandas as pd

from .._typing import FloatArray, IntArray
from ..exceptions import InvalidOptionError, LabelError, ShapeError, arg, describe
from ._pool import PooledResult, pool_results

__all__ = ["BootstrapDiagnostics", "ChainDiagnostics", "Imputations"]


@dataclass(frozen=True)
class BootstrapDiagnostics:
    """How the bootstrap EM fits of ``impute(..., method="bootstrap")`` went.

    Attributes
    ----------
    iterations : ndarray of int
        EM iterations of each imputation's fit (from the full data's estimate).
    resamples : ndarray of int
        Bootstrap samples drawn for each imputation (more than one when a sample left a
        variable unidentified and was drawn again).

    Examples
    --------
    >>> d = BootstrapDiagnostics(np.array([5, 4]), np.array([1, 1]))
    >>> int(d.iterations.sum())
    9
    """

    iterations: IntArray
    resamples: IntArray


@dataclass(frozen=True)
class ChainDiagnostics:
    """Convergence of the data-augmentation chain of ``impute(..., method="posterior")``.

    The chain alternates an I-step (draw the missing values given ``(μ, Σ)``) and a P-step
    (draw ``(μ, Σ)`` from their complete-data posterior). Its slowest-mixing direction is
    the worst linear function of the parameters, ``ξ = vᵀθ`` with ``v`` the eigenvector of the
    EM rate matrix ``I_c⁻¹I_mis`` for its largest eigenvalue, the worst fraction of missing
    information ``rate`` (Schafer, 1997, §4.4): the lag-``k`` autocorrelation of ``ξ`` is
    about ``rateᵏ``.

    Attributes
    ----------
    burn : int
        Iterations before the first imputation.
    thin : int
        Iterations between imputations.
    iterations : int
        Iterations run (``burn + m·thin``).
    rate : float
        The worst fraction of missing information (largest eigenvalue of ``I_c⁻¹I_mis``).
    coef : Series
        ``v``, the coefficients of the worst linear function over the parameters (in units of
        each column's standard deviation), unit length.
    wlf : Series
        ``ξ`` at each iteration, centred at the estimate and scaled to about unit posterior
        variance.
    acf : Series
        The autocorrelation of ``wlf`` after burn-in, by lag.

    Examples
    --------
    >>> d = ChainDiagnostics(10, 5, 110, 0.3, pd.Series(dtype=float),
    ...                      pd.Series(dtype=float), pd.Series(dtype=float))
    >>> d.expected_acf
    0.00243
    """

    burn: int
    thin: int
    iterations: int
    rate: float
    coef: pd.Series
    wlf: pd.Series
    acf: pd.Series

    @property
    def expected_acf(self) -> float:
        """``rate ** thin``: the autocorrelation between successive imputations that the
        worst fraction of missing information predicts."""
        return float(round(self.rate**self.thin, 12))

    def summary(self) -> str:
        """One paragraph: the chain's length, thinning and autocorrelations.

        Examples
        --------
        >>> d = ChainDiagnostics(10, 5, 110, 0.3, pd.Series(dtype=float),
        ...                      pd.Series(dtype=float), pd.Series(dtype=float))
        >>> d.summary().split(";")[0]
        'Data augmentation: 110 iterations (burn-in 10, an imputation every 5)'
        """
        lag = self.acf.get(self.thin, np.nan)
        return (f"Data augmentation: {self.iterations} iterations (burn-in {self.burn}, an "
                f"imputation every {self.thin}); worst fraction of missing information "
                f"{self.rate:.3f}, so successive imputations should correlate about "
                f"{self.expected_acf:.2g}; observed autocorrelation of the worst linear "
                f"function at lag {self.thin}: {lag:.2f}.")

    def __str__(self) -> str:
        return self.summary()


class Imputations(Sequence[pd.DataFrame]):
    """``m`` completed data sets: a sequence of DataFrames, pooled with :meth:`pool`.

    Made by :func:`mvn_estimate.impute`, or from completed data sets made elsewhere (mice,
    Amelia, …) with ``Imputations(frames)``. The data are kept once with the imputed values;
    ``imputations[i]`` builds the ``i``-th completed DataFrame on request (a new frame each
    time: changing it changes nothing here).

    Parameters
    ----------
    frames : iterable of DataFrame
        Completed data sets with the same columns and index.

    Attributes
    ----------
    method : str
        ``"bootstrap"``, ``"posterior"``, or ``"given"`` for frames passed in.
    columns : Index
        The imputed columns (every column for frames passed in).
    imputed : DataFrame of bool or None
        Which cells were imputed (None for frames passed in).
    diagnostics : BootstrapDiagnostics, ChainDiagnostics or None
    redraws : Series or None
        Values drawn again per imputed column to keep the imputations within ``bounds``.
    fit : MVNResult or None
        The FIML fit of the imputation model (the columns and auxiliary variables).

    Examples
    --------
    >>> import pandas as pd
    >>> frames = [pd.DataFrame({"a": [1.0, v]}) for v in (2.0, 4.0)]
    >>> imps = Imputations(frames)
    >>> len(imps), float(imps[1].loc[1, "a"])
    (2, 4.0)
    """

    def __init__(self, frames: Iterable[pd.DataFrame]) -> None:
        given = _checked_frames(frames)
        self._base = given[0]
        self._rows: IntArray = np.zeros(0, dtype=np.intp)
        self._cols: IntArray = np.zeros(0, dtype=np.intp)
        self._values: FloatArray | None = None
        self._given: list[pd.DataFrame] | None = given
        self.method = "given"
        self.columns = given[0].columns
        self.imputed: pd.DataFrame | None = None
        self.diagnostics: BootstrapDiagnostics | ChainDiagnostics | None = None
        self.redraws: pd.Series | None = None
        self.fit: Any = None

    @classmethod
    def _of(cls, base: pd.DataFrame, columns: pd.Index, rows: IntArray, cols: IntArray,
            values: FloatArray, method: str, diagnostics: Any, redraws: pd.Series,
            fit: Any) -> Imputations:
        """Imputations of ``base`` (its own copy): ``values[i]`` are imputation ``i``'s values
        at cells ``(rows, cols)`` (positions in ``base``)."""
        out = cls.__new__(cls)
        out._base, out._rows, out._cols, out._values = base, rows, cols, values
        out._given, out.method, out.columns = None, method, columns
        mask = np.zeros(base.shape, dtype=bool)
        mask[rows, cols] = True
        out.imputed = pd.DataFrame(mask, index=base.index, columns=base.columns)[columns]
        out.diagnostics, out.redraws, out.fit = diagnostics, redraws, fit
        return out

    def __len__(self) -> int:
        if self._given is not None:
            return len(self._given)
        assert self._values is not None
        return int(self._values.shape[0])

    @overload
    def __getitem__(self, i: int) -> pd.DataFrame: ...

    @overload
    def __getitem__(self, i: slice) -> list[pd.DataFrame]: ...

    def __getitem__(self, i: int | slice) -> pd.DataFrame | list[pd.DataFrame]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        k = range(len(self))[i]  # IndexError for an index out of range
        if self._given is not None:
            return self._given[k].copy()
        assert self._values is not None
        values = self._base.to_numpy(dtype=float, copy=True) if _numeric(self._base) else None
        if values is not None:
            values[self._rows, self._cols] = self._values[k]
            return pd.DataFrame(values, index=self._base.index, columns=self._base.columns)
        out = self._base.copy()
        for j in np.unique(self._cols):
            at = self._cols == j
            column = out.iloc[:, j].to_numpy(dtype=float, copy=True)
            column[self._rows[at]] = self._values[k][at]
            out.isetitem(j, column)
        return out

    @property
    def m(self) -> int:
        """The number of imputations."""
        return len(self)

    def pool(self, fn: Callable[[pd.DataFrame], Any], *, dfcom: Any = None) -> PooledResult:
        """Analyse each completed data set with ``fn`` and pool the estimates by Rubin's
        rules.

        Parameters
        ----------
        fn : callable
            ``fn(frame)`` returns a fitted result with ``.params`` and ``.cov_params()`` (or
            ``.std_errors``, or ``.bse``): an :class:`MVNResult`, a statsmodels results
            object, a regression result of this package.
        dfcom : float, optional
            Complete-data degrees of freedom for the Barnard–Rubin correction. Default: the
            first result's ``df_resid`` when it has one (a regression's ``n − k``), else
            infinite (large-sample estimates such as an ``MVNResult``'s).

        Returns
        -------
        PooledResult

        Raises
        ------
        InvalidOptionError
            Fewer than 2 imputations, or ``fn`` returning something without estimates.
        LabelError
            ``fn`` estimating other parameters in another imputation.

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> air = pd.read_csv("data/airquality.csv")[["Ozone", "Solar.R", "Wind", "Temp"]]
        >>> imps = me.impute(air, m=5, random_state=1)
        >>> pooled = imps.pool(lambda d: me.fit(d))
        >>> bool(pooled.fmi["mean[Ozone]"] > pooled.fmi["mean[Wind]"])
        True
        """
        return pool_results(self, fn, dfcom)

    def __repr__(self) -> str:
        return (f"Imputations(m={len(self)}, method={self.method!r}, "
                f"columns={list(self.columns)})")


def _numeric(frame: pd.DataFrame) -> bool:
    return all(pd.api.types.is_float_dtype(t) for t in frame.dtypes)


def _checked_frames(frames: Iterable[pd.DataFrame]) -> list[pd.DataFrame]:
    """Completed data sets given by the caller: DataFrames, at least one, alike in shape."""
    if isinstance(frames, pd.DataFrame) or not isinstance(frames, Iterable):
        raise InvalidOptionError(
            f"{arg('frames')} must be a list of completed DataFrames; got "
            f"{describe(frames)}.")
    given = list(frames)
    if not given or not all(isinstance(f, pd.DataFrame) for f in given):
        raise InvalidOptionError(
            f"{arg('frames')} must be a non-empty list of DataFrames; got "
            f"{[type(f).__name__ for f in given][:5]}.")
    first = given[0]
    for i, f in enumerate(given[1:], start=1):
        if f.shape != first.shape:
            raise ShapeError(f"{arg('frames')} must hold data sets of one shape; frame {i} is "
                             f"{f.shape[0]}×{f.shape[1]}, frame 0 is "
                             f"{first.shape[0]}×{first.shape[1]}.")
        if not (f.columns.equals(first.columns) and f.index.equals(first.index)):
            raise LabelError(f"{arg('frames')} must share the columns and index of frame 0; "
                             f"frame {i} differs. Completed data sets differ only in the "
                             "imputed values.")
    return [f.copy() for f in given]
