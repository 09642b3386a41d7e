"""``MCDResult``: the raw and reweighted MCD, its robust distances, and the outliers they show,
judged with a finite-sample calibrated reference (Cerioli, 2010; :mod:`._cutoff`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray
from .._validate import check_real
from ..data import select_columns
from ..exceptions import NotIdentifiedError
from ..linalg import PDFactor
from ._cutoff import cerioli_pvalues

__all__ = ["Hyperplane", "MCDResult", "Reference"]


@dataclass(frozen=True)
class Hyperplane:
    """An exact fit: ``coefᵀx = offset`` (``coef`` of unit length, in the data's units) holds
    for the rows ``on_plane`` — at least ``h`` of them.

    Examples
    --------
    >>> plane = Hyperplane(pd.Series([0.6, -0.8], index=["a", "b"]), 1.0,
    ...                    pd.Series([True, True, False]))
    >>> str(plane), plane.count
    ('0.6·a − 0.8·b = 1', 2)
    """

    coef: pd.Series
    offset: float
    on_plane: pd.Series

    @property
    def count(self) -> int:
        """Rows on the plane."""
        return int(self.on_plane.sum())

    def __str__(self) -> str:
        terms = []
        for name, c in self.coef.items():
            if abs(c) < 1e-12:
                continue
            sign = "−" if c < 0 else "+"
            terms.append(f"{sign} {abs(c):.4g}·{name}")
        text = " ".join(terms).lstrip("+ ")
        text = "−" + text[2:] if text.startswith("− ") else text
        return f"{text} = {self.offset:.4g}"


@dataclass(frozen=True)
class Reference:
    """What :meth:`MCDResult.outliers` calibrates against: the mean and the uncorrected
    covariance (divisor ``m − 1``) of the ``m`` rows ``kept`` by Hardin & Rocke's screening of
    the raw distances, and the fitted rows' squared distances ``d2`` to them."""

    mean: FloatArray
    cov: FloatArray
    kept: np.ndarray
    d2: FloatArray


@dataclass(frozen=True, eq=False)
class MCDResult:
    """The minimum covariance determinant estimate (see :func:`mvn_estimate.mcd`).

    Attributes
    ----------
    raw_mean : Series
        The mean of the ``h``-subset of smallest covariance determinant.
    raw_cov : DataFrame
        Its covariance (divisor ``h − 1``) times the consistency and small-sample factors
        :attr:`raw_factors`.
    mean, cov : Series, DataFrame
        The reweighted estimate (``reweight=True``): mean and covariance (times
        :attr:`factors`) of the rows whose raw distance is below ``χ²_p(0.975)``; else the
        raw estimate.
    support : Series of bool
        The ``h``-subset (for an exact fit, every row on the hyperplane).
    reweighted_support : Series of bool
        The rows the reweighted estimate uses.
    raw_distances, distances : Series
        Squared robust distances of every row to the raw estimate and to ``mean``/``cov``.
    h : int
        Size of the subset.
    support_fraction : float
        robustbase's ``alpha`` behind ``h`` (0.5 by default).
    method : str
        ``"deterministic"`` (DetMCD) or ``"fast"`` (FastMCD).
    reweighted : bool
        Whether ``mean``/``cov`` are the reweighted estimate.
    crit : float
        ``log det`` of the ``h``-subset's covariance (divisor ``h − 1``, no factors); −inf
        for an exact fit.
    raw_factors, factors : tuple of float
        (consistency, small-sample) factors of ``raw_cov`` and ``cov`` (robustbase's
        ``raw.cnp2`` and ``cnp2``).
    best_starts, csteps : tuple of int
        For DetMCD: the starts (0-based, of six) that reached the smallest determinant, and
        the concentration steps from each.
    exact_fit : Hyperplane or None
        The hyperplane, when at least ``h`` rows lie on one.
    reference : Reference or None
        What :meth:`outliers` calibrates against (None for an exact fit).

    Examples
    --------
    >>> import pandas as pd, mvn_estimate as me
    >>> hbk = pd.read_csv("tests/reference/data/hbk.csv")[["X1", "X2", "X3"]]
    >>> m = me.mcd(hbk)
    >>> m.h, m.reweighted_support.sum()
    (39, np.int64(61))
    """

    raw_mean: pd.Series
    raw_cov: pd.DataFrame
    mean: pd.Series
    cov: pd.DataFrame
    support: pd.Series
    reweighted_support: pd.Series
    raw_distances: pd.Series
    distances: pd.Series
    h: int
    support_fraction: float
    method: str
    reweighted: bool
    crit: float
    raw_factors: tuple[float, float]
    factors: tuple[float, float]
    best_starts: tuple[int, ...] = field(default=(), repr=False)
    csteps: tuple[int, ...] = field(default=(), repr=False)
    exact_fit: Hyperplane | None = None
    reference: Reference | None = field(default=None, repr=False, compare=False)

    @property
    def nobs(self) -> int:
        """Number of rows."""
        return int(self.support.size)

    @property
    def nvars(self) -> int:
        """Number of variables."""
        return int(self.mean.size)

    def mahalanobis(self, data: Any) -> FloatArray | pd.Series:
        """Squared robust distances of the rows of ``data`` to :attr:`mean`, :attr:`cov`
        (a DataFrame is matched by column label; Series out when it is labelled).

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> hbk = pd.read_csv("tests/reference/data/hbk.csv")[["X1", "X2", "X3"]]
        >>> me.mcd(hbk).mahalanobis(hbk.iloc[:2]).round(1).tolist()  # R: covMcd(hbk3)$mah[1:2]
        [593.8, 624.9]
        """
        ds = select_columns(data, self.mean.index)
        d2 = _factor(self.cov.to_numpy()).mahalanobis(ds.values - self.mean.to_numpy())
        return pd.Series(d2, index=ds.index, name="distance") if ds.labelled else d2

    def outliers(self, alpha: float = 0.025, *, data: Any = None) -> pd.DataFrame:
        """Rows far from the robust fit, judged at level ``alpha`` each.

        The reference is calibrated for finite samples: Cerioli's (2010) finite-sample
        reweighted MCD test. The raw distances are screened with Hardin & Rocke's (2005) F
        approximation at 0.975 (not robustbase's χ²_p(0.975), which at small ``n/p``
        screens out many clean rows); with ``m`` the rows kept, ``ȳ`` and ``S`` (divisor
        ``m − 1``, no consistency factor) their mean and covariance and ``d²`` the squared
        distance to them, a kept row has ``m·d²/(m − 1)² ~ Beta(p/2, (m − p − 1)/2)`` and
        any other row (or a new one, ``data=``) ``m(m − p)d²/((m² − 1)p) ~ F(p, m − p)``.
        These are exact for a normal random sample of ``m`` rows; the screening makes them
        approximate. On clean normal data they flag close to ``alpha`` of the rows (a slow
        test simulates ``n = 100``, ``p = 25``: about 2.5% at ``alpha = 0.025``), where
        robustbase's cutoff ``χ²_p(0.975)`` on the reweighted distances flags about 22%.
        ``distance`` reports the distances to :attr:`mean`, :attr:`cov` all the same.

        Parameters
        ----------
        alpha : float, default 0.025
            Per-row level (for a family-wise level over ``n`` rows use ``alpha / n``).
        data : DataFrame or array, optional
            New rows to judge (the F reference); default the fitted rows.

        Returns
        -------
        DataFrame
            ``distance`` (squared robust distance to :attr:`mean`, :attr:`cov`), ``pvalue``
            and ``outlier`` (``pvalue < alpha``). For an exact fit the rows off the
            hyperplane have p-value 0 and those on it NaN (not outliers).

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> hbk = pd.read_csv("tests/reference/data/hbk.csv")[["X1", "X2", "X3"]]
        >>> out = me.mcd(hbk).outliers()
        >>> out.index[out["outlier"]].tolist()  # the 14 leverage points (rows 1-14 in R)
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
        """
        a = check_real(alpha, "alpha", low=0.0, high=1.0)
        if data is None:
            index, shown = self.distances.index, self.distances.to_numpy()
        else:
            ds = select_columns(data, self.mean.index)
            index = ds.index if ds.index is not None else pd.RangeIndex(ds.nobs)
            shown = _factor(self.cov.to_numpy()).mahalanobis(ds.values - self.mean.to_numpy()) \
                if self.exact_fit is None else self._plane_distances(ds.values)
        if self.exact_fit is not None:
            pval = np.where(np.isfinite(shown), np.nan, 0.0)
            return pd.DataFrame({"distance": shown, "pvalue": pval, "outlier": pval == 0.0},
                                index=index)
        ref = self._reference()
        if data is None:
            d2, kept = ref.d2, ref.kept
        else:
            d2 = _factor(ref.cov).mahalanobis(ds.values - ref.mean)
            kept = np.zeros(d2.size, dtype=bool)
        pval = cerioli_pvalues(d2, kept, int(ref.kept.sum()), self.nvars)
        return pd.DataFrame({"distance": shown, "pvalue": pval, "outlier": pval < a},
                            index=index)

    def _reference(self) -> Reference:
        ref = self.reference
        if ref is None or int(ref.kept.sum()) <= self.nvars + 1:
            kept = 0 if ref is None else int(ref.kept.sum())
            raise NotIdentifiedError(
                f"The outlier test needs more than p + 1 = {self.nvars + 1} rows kept by the "
                f"screening of the raw distances; {kept} were kept of {self.nobs}. Use more "
                "rows or fewer columns.")
        return ref

    def _plane_distances(self, x: FloatArray) -> FloatArray:
        """Distances of new rows under an exact fit: within the plane, or infinite off it."""
        assert self.exact_fit is not None
        plane = self.exact_fit
        resid = x @ plane.coef.to_numpy() - plane.offset
        scale = np.sqrt(np.diag(self.cov.to_numpy()))
        off = np.abs(resid) > 1e-9 * max(float(np.linalg.norm(scale)), 1e-300)
        centred = x - self.mean.to_numpy()
        inv = np.linalg.pinv(self.cov.to_numpy(), hermitian=True)
        return np.where(off, np.inf, np.einsum("ij,jk,ik->i", centred, inv, centred))

    def summary(self) -> str:
        """The estimate in words and numbers (also ``str(result)``).

        Examples
        --------
        >>> import pandas as pd, mvn_estimate as me
        >>> hbk = pd.read_csv("tests/reference/data/hbk.csv")[["X1", "X2", "X3"]]
        >>> print(me.mcd(hbk).summary().splitlines()[0])
        Minimum Covariance Determinant (deterministic, h = 39 of 75 rows)
        """
        kind = "reweighted" if self.reweighted else "raw"
        lines = [f"Minimum Covariance Determinant ({self.method}, h = {self.h} of "
                 f"{self.nobs} rows)",
                 f"log det (raw subset): {self.crit:.6g}; {kind} estimate from "
                 f"{int(self.reweighted_support.sum()) if self.reweighted else self.h} rows; "
                 f"factors {self.factors[0]:.4g} × {self.factors[1]:.4g}"]
        if self.exact_fit is not None:
            lines.append(f"Exact fit: {self.exact_fit.count} rows on {self.exact_fit}")
        lines += ["", "mean:", self.mean.to_string(), "", "cov:", self.cov.to_string()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _factor(cov: FloatArray) -> PDFactor:
    return PDFactor.of(cov, name="cov")
