"""``mcd``: the minimum covariance determinant estimator of location and scatter, raw and
reweighted, as robustbase's ``covMcd`` computes it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._typing import FloatArray, IntArray, MCDMethod
from .._validate import check_bool, check_choice, check_int, check_real
from ..data import Dataset, Table, as_dataset, is_dask, locate_nonfinite, show_labels
from ..exceptions import (
    ExactFitWarning,
    InvalidOptionError,
    MissingValueError,
    SingularCovarianceError,
    arg,
    describe,
    ref,
    setting,
    warn,
)
from ._csteps import OnHyperplane, Subset, distances, on_plane, subset_fit
from ._cutoff import screening_cutoff
from ._detmcd import detmcd, robust_scales
from ._factors import consistency, small_sample, subset_size
from ._fastmcd import fastmcd
from ._result import Hyperplane, MCDResult, Reference

__all__ = ["mcd"]

REWEIGHT_LEVEL = 0.975
"""Rows whose raw distance is below the χ²_p quantile at this level are kept by the
reweighting step (robustbase's ``wgtFUN = "01.original"``, strict inequality)."""


def _checked(data: Any) -> Dataset:
    """Complete, finite, in-memory data with no constant column."""
    if is_dask(data) or isinstance(data, str | os.PathLike | Table):
        how = ".compute() it" if is_dask(data) else \
            "read it first (mvn_estimate.io.read_table(path) or pandas.read_csv(path))"
        raise InvalidOptionError(
            f"mcd needs the rows in memory (its concentration steps revisit subsets of rows); "
            f"got {describe(data)} for {ref('data')}. Load the data: {how}, and pass the "
            "DataFrame or array.")
    ds = as_dataset(data)
    x = ds.values
    if np.isnan(x).any():
        rows = int(np.isnan(x).any(axis=1).sum())
        raise MissingValueError(
            f"{arg('data')} has {rows} row(s) with missing values (NaN); the MCD needs "
            "complete rows. Drop them first (data.dropna()), or fit the incomplete data with "
            f"fit_t(..., {setting('missing', 'em')}) for a heavy-tailed model.")
    if not np.isfinite(x).all():
        locate_nonfinite(ds)
    constant = [c for c, v in zip(ds.labels, np.ptp(x, axis=0), strict=True) if v == 0]
    if constant:
        raise SingularCovarianceError(
            f"Columns {show_labels(constant)} of {ref('data')} are constant: every row lies on "
            "the hyperplane they define and the MCD is singular. Drop them.",
            columns=[str(c) for c in constant])
    return ds


def _subset_size(fraction: Any, n: int, p: int, labels: pd.Index) -> tuple[float, int]:
    if n < p + 2:
        raise SingularCovarianceError(
            f"The MCD of p = {p} variables needs at least p + 2 = {p + 2} rows (its subset of "
            f"h ≈ (n + p + 1)/2 rows must have a nonsingular covariance and leave rows out); "
            f"got n = {n}. Use fewer columns.", columns=[str(c) for c in labels])
    if fraction is None:
        return 0.5, subset_size(0.5, n, p)
    alpha = check_real(fraction, "support_fraction", low=0.5, high=1.0, open_=False)
    if alpha == 0.5:
        raise InvalidOptionError(
            f"{arg('support_fraction')} must be a finite real number in (0.5, 1]; got 0.5. "
            "Leave it out (None) for the subset of highest breakdown, h = ⌊(n + p + 1)/2⌋.")
    return alpha, subset_size(alpha, n, p)


@dataclass(frozen=True)
class _Standardised:
    """``z = (x − med)/scale`` per column: the coordinates the algorithms work in."""

    z: FloatArray
    centre: FloatArray
    scale: FloatArray

    @classmethod
    def of(cls, x: FloatArray) -> _Standardised:
        centre = np.median(x, axis=0)
        centred = x - centre
        scale = robust_scales(centred)
        return cls(centred / scale, centre, scale)

    def mean(self, m: FloatArray) -> FloatArray:
        return self.centre + m * self.scale

    def cov(self, c: FloatArray) -> FloatArray:
        out = c * np.outer(self.scale, self.scale)
        return (out + out.T) / 2


def _generator(random_state: Any) -> np.random.Generator:
    """numpy's generator for ``random_state`` (None, a non-negative integer or a
    Generator)."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        return np.random.default_rng()
    return np.random.default_rng(check_int(random_state, "random_state", minimum=0))


def _search(z: FloatArray, h: int, method: str, rng: np.random.Generator | None
            ) -> tuple[Subset, tuple[int, ...], tuple[int, ...]]:
    if h == z.shape[0]:
        return subset_fit(z, np.arange(h)), (), ()
    if rng is not None:
        return fastmcd(z, h, rng), (), ()
    best, which, steps = detmcd(z, h)
    return best, tuple(which), tuple(steps)


def mcd(data: Any, *, support_fraction: float | None = None, method: MCDMethod = "deterministic",
        reweight: bool = True, random_state: Any = None) -> MCDResult:
    """The minimum covariance determinant (MCD) estimate of location and scatter.

    The raw MCD is the mean and covariance of the ``h`` rows whose covariance has the
    smallest determinant; the reweighted MCD, the mean and covariance of the rows whose raw
    robust distance is below the χ²_p 0.975 quantile. Both carry robustbase's consistency
    and small-sample factors, so that at normal data they estimate the covariance.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
        Complete numeric data, in memory (files and Dask collections are refused: load
        them first).
    support_fraction : float in (0.5, 1], optional
        robustbase's ``alpha``: ``h = ⌊2n₂ − n + 2(n − n₂)α⌋``, ``n₂ = ⌊(n + p + 1)/2⌋`` —
        about ``α·n`` rows. Default: ``h = n₂``, the highest breakdown point (robustbase's
        default ``alpha = 0.5``). ``1`` gives the classical estimates.
    method : {"deterministic", "fast"}, default "deterministic"
        ``"deterministic"``: DetMCD (Hubert, Rousseeuw & Verdonck, 2012), six deterministic
        starts and C-steps (robustbase's ``nsamp = "deterministic"``). ``"fast"``: FastMCD
        (Rousseeuw & Van Driessen, 1999), 500 random ``(p + 1)``-subsets.
    reweight : bool, default True
        Report the reweighted estimate as ``mean``/``cov`` (else the raw one).
    random_state : int or numpy Generator, optional
        Seed of ``method="fast"`` (refused with the deterministic method).

    Returns
    -------
    MCDResult
        ``raw_mean``, ``raw_cov``, ``mean``, ``cov``, ``support`` (the ``h``-subset),
        ``distances`` (squared robust distances) and :meth:`MCDResult.outliers`.

    Raises
    ------
    InvalidOptionError
        A bad option, or data not in memory.
    MissingValueError, NonFiniteError
        NaN or infinite values.
    SingularCovarianceError
        Fewer than ``p + 2`` rows, or a constant column.

    Warns
    -----
    ExactFitWarning
        At least ``h`` rows lie on a hyperplane (an "exact fit"): the estimates are those of
        the rows on it (the covariance is singular), :attr:`MCDResult.exact_fit` gives the
        plane, and the rows off it are outliers at infinite distance.

    Notes
    -----
    Validated against robustbase 0.95 ``covMcd`` (deterministic) on the ``hbk``,
    ``stackloss`` and ``wood`` data: the same ``h``-subset, and centres, covariances and
    distances to rounding. The data are standardised by the median and a robust scale
    (``Qn`` below 1000 rows, else ``scaleTau2``) first, so any scale or offset is handled
    exactly. FastMCD's random subsets differ from R's, so its raw subset may differ from
    robustbase's for the same seed.

    Examples
    --------
    >>> import pandas as pd, mvn_estimate as me
    >>> hbk = pd.read_csv("tests/reference/data/hbk.csv")[["X1", "X2", "X3"]]
    >>> m = me.mcd(hbk)
    >>> m.h, int(m.support.sum()), m.raw_mean.round(4).tolist()
    (39, 39, [1.6051, 2.3256, 1.6538])
    """
    ds = _checked(data)
    check_choice(method, "method", MCDMethod)
    reweight = check_bool(reweight, "reweight")
    if method == "deterministic" and random_state is not None:
        raise InvalidOptionError(
            f"{arg('random_state')} seeds {setting('method', 'fast')}; the deterministic "
            f"method has no randomness. Remove it, or pass {setting('method', 'fast')}.")
    rng = _generator(random_state) if method == "fast" else None
    n, p = ds.values.shape
    alpha, h = _subset_size(support_fraction, n, p, ds.labels)
    std = _Standardised.of(ds.values)
    try:
        best, which, steps = _search(std.z, h, method, rng)
    except OnHyperplane as plane:
        return _exact(ds, std, plane, alpha, h, method, reweight)
    return _estimate(ds, std, best, alpha, h, method, reweight, which, steps)


def _factors(p: int, n: int, alpha: float, used: int, reweighted: bool,
             classical: bool) -> tuple[float, float]:
    if used == n:
        return 1.0, 1.0
    small = 1.0 if classical else small_sample(p, n, alpha, reweighted=reweighted)
    return consistency(p, used / n), small


def _estimate(ds: Dataset, std: _Standardised, best: Subset, alpha: float, h: int, method: str,
              reweight: bool, which: tuple[int, ...], steps: tuple[int, ...]) -> MCDResult:
    z = std.z
    n, p = z.shape
    raw_factors = _factors(p, n, alpha, h, False, h == n)
    c_raw = raw_factors[0] * raw_factors[1]
    raw_d2 = distances(z, best) / c_raw
    kept = raw_d2 < sps.chi2.ppf(REWEIGHT_LEVEL, p)
    used = int(kept.sum())
    try:
        again = subset_fit(z, np.flatnonzero(kept))
    except OnHyperplane as plane:
        return _exact(ds, std, plane, alpha, h, method, reweight)
    factors = _factors(p, n, alpha, used, True, h == n)
    c_rew = factors[0] * factors[1]
    d2 = distances(z, again) / c_rew
    index = ds.index if ds.index is not None else pd.RangeIndex(n)
    support = np.zeros(n, dtype=bool)
    support[best.rows] = True
    raw_mean, raw_cov = std.mean(best.mean), std.cov(c_raw * best.cov)
    mean, cov = (std.mean(again.mean), std.cov(c_rew * again.cov)) if reweight else \
        (raw_mean, raw_cov)
    return MCDResult(
        raw_mean=_series(raw_mean, ds, "raw_mean"), raw_cov=_frame(raw_cov, ds),
        mean=_series(mean, ds, "mean"), cov=_frame(cov, ds),
        support=pd.Series(support, index=index, name="support"),
        reweighted_support=pd.Series(kept, index=index, name="reweighted_support"),
        raw_distances=pd.Series(raw_d2, index=index, name="raw_distance"),
        distances=pd.Series(d2 if reweight else raw_d2, index=index, name="distance"),
        h=h, support_fraction=alpha, method=method, reweighted=reweight,
        crit=best.logdet + 2.0 * float(np.sum(np.log(std.scale))),
        raw_factors=raw_factors, factors=factors if reweight else raw_factors,
        best_starts=which, csteps=steps, exact_fit=None,
        reference=_reference(z, std, raw_d2, h))


def _reference(z: FloatArray, std: _Standardised, raw_d2: FloatArray,
               h: int) -> Reference | None:
    """Cerioli's reference for :meth:`MCDResult.outliers`: the rows whose raw distance is
    below Hardin & Rocke's cutoff, their mean and uncorrected covariance, and the distances
    to these (None when the kept rows' covariance is singular)."""
    n, p = z.shape
    kept = raw_d2 <= screening_cutoff(n, p, h / n)
    try:
        fit = subset_fit(z, np.flatnonzero(kept))
    except OnHyperplane:
        return None
    return Reference(std.mean(fit.mean), std.cov(fit.cov), kept, distances(z, fit))


def _series(v: FloatArray, ds: Dataset, name: str) -> pd.Series:
    return pd.Series(v, index=ds.labels, name=name)


def _frame(m: FloatArray, ds: Dataset) -> pd.DataFrame:
    return pd.DataFrame(m, index=ds.labels, columns=ds.labels)


def _exact(ds: Dataset, std: _Standardised, plane: OnHyperplane, alpha: float, h: int,
           method: str, reweight: bool) -> MCDResult:
    """The exact fit: the estimates of the rows on the plane, reported with a warning."""
    z = std.z
    n, p = z.shape
    on = on_plane(z, plane)
    rows: IntArray = np.flatnonzero(on)
    sub = z[rows]
    mean_z = sub.mean(axis=0)
    cov_z = np.cov(sub, rowvar=False).reshape(p, p)
    factors = _factors(p, n, alpha, h, False, h == n)
    cov_z = factors[0] * factors[1] * cov_z
    d2 = np.full(n, np.inf)
    centred = sub - mean_z
    d2[rows] = np.einsum("ij,jk,ik->i", centred, np.linalg.pinv(cov_z, hermitian=True), centred)
    mean, cov = std.mean(mean_z), std.cov(cov_z)
    coef = plane.normal / std.scale
    coef = coef / np.linalg.norm(coef)
    coef = coef * np.sign(coef[np.argmax(np.abs(coef))])
    terms = coef * mean
    offset = float(np.sum(terms))
    if abs(offset) <= 1e-12 * float(np.max(np.abs(terms))):
        offset = 0.0  # rounding of a plane through the origin
    index = ds.index if ds.index is not None else pd.RangeIndex(n)
    hyper = Hyperplane(pd.Series(coef, index=ds.labels, name="coef"), offset,
                       pd.Series(on, index=index, name="on_plane"))
    warn(f"{rows.size} of the {n} rows of {ref('data')} lie on the hyperplane {hyper} (at "
         f"least h = {h}): an exact fit. The MCD estimates are the mean and covariance of "
         "these rows (the covariance is singular); the other rows are outliers at infinite "
         "distance. See .exact_fit.", ExactFitWarning)
    flags = pd.Series(on, index=index)
    return MCDResult(
        raw_mean=_series(mean, ds, "raw_mean"), raw_cov=_frame(cov, ds),
        mean=_series(mean, ds, "mean"), cov=_frame(cov, ds),
        support=flags.rename("support"), reweighted_support=flags.rename("reweighted_support"),
        raw_distances=pd.Series(d2, index=index, name="raw_distance"),
        distances=pd.Series(d2, index=index, name="distance"),
        h=h, support_fraction=alpha, method=method, reweighted=reweight, crit=-np.inf,
        raw_factors=factors, factors=factors, best_starts=(), csteps=(), exact_fit=hyper)
