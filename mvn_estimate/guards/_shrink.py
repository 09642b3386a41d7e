"""Shrinkage estimates of a covariance matrix: positive definite even when ``n <= p``.

``Σ̂ = (1 − δ)S + δT`` for a target ``T`` and an intensity ``δ`` chosen from the data:

* ``"ledoit-wolf"`` (Ledoit & Wolf, 2004) and ``"oas"`` (Chen et al., 2010): ``S`` the ML
  covariance (divisor ``n``, centred on the sample mean), ``T = (tr S / p) I``; the same
  intensities as scikit-learn's ``LedoitWolf`` and ``OAS``.
* ``"schafer-strimmer"`` (Schäfer & Strimmer, 2005; Opgen-Rhein & Strimmer, 2007), as R's
  ``corpcor::cov.shrink``: the correlations shrunk towards 0 with
  ``λ = Σ_{i≠j} Var̂(r_ij) / Σ_{i≠j} r_ij²``, the variances (divisor ``n − 1``) towards their
  median with ``λ_var = Σ Var̂(s_ii) / Σ (s_ii − median)²``, both clamped to [0, 1].
* a number: that intensity towards ``target`` (``"scaled-identity"``, ``"diagonal"`` or
  ``"identity"``) with ``S`` the ML covariance.

Every statistic needs one pass over the data (``O(np²)`` time, ``O(p²)`` memory).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._typing import FloatArray, ShrinkMethod
from .._validate import check_choice, check_real
from ..data import (
    POINT_ADVICE,
    Chunked,
    Rows,
    SufficientStats,
    as_dataset,
    locate_nonfinite,
    show_labels,
    unit_scale,
)
from ..exceptions import (
    InvalidOptionError,
    NumericalRangeError,
    ShapeError,
    SingularCovarianceError,
    arg,
    ref,
)

__all__ = ["ShrinkageResult", "shrink_covariance", "shrink_stats", "unscaled"]

Target = Literal["scaled-identity", "diagonal", "identity"]
CHUNK = 1 << 18


@dataclass(frozen=True)
class ShrinkageResult:
    """A shrinkage estimate of a covariance matrix.

    Attributes
    ----------
    cov : DataFrame
        The shrunk covariance ``(1 − δ)S + δT``.
    intensity : float
        ``δ`` (for Schäfer–Strimmer: the correlation intensity ``λ``).
    target : DataFrame
        ``T``.
    method : str
    variance_intensity : float or None
        Schäfer–Strimmer's ``λ_var`` (variances towards their median).
    nobs : int
    mean : Series
        The sample mean the data were centred on.

    Examples
    --------
    >>> import numpy as np
    >>> r = shrink_covariance(np.random.default_rng(0).normal(size=(10, 20)))
    >>> r.method, bool(0 <= r.intensity <= 1)
    ('ledoit-wolf', True)
    """

    cov: pd.DataFrame
    intensity: float
    target: pd.DataFrame
    method: str
    variance_intensity: float | None
    nobs: int
    mean: pd.Series

    @property
    def condition_number(self) -> float:
        """Condition number of :attr:`cov`."""
        w = np.linalg.eigvalsh(self.cov.to_numpy())
        return float(w[-1] / w[0])

    def __str__(self) -> str:
        extra = "" if self.variance_intensity is None else \
            f", variance intensity {self.variance_intensity:.4g}"
        return (f"{self.method} shrinkage of {self.cov.shape[0]} variables from {self.nobs} "
                f"observations: intensity {self.intensity:.4g}{extra}, condition number "
                f"{self.condition_number:.4g}")


def _moments(x: FloatArray, w: FloatArray | None, mean: FloatArray) -> tuple[FloatArray, float]:
    """``Σₖ qₖqₖᵀ`` with ``qₖ = (xₖ − x̄)²`` (elementwise) and ``Σₖ ‖xₖ − x̄‖⁴`` of a chunk, in
    blocks of rows: every fourth moment the intensities need, from one pass."""
    p = x.shape[1]
    fourth = np.zeros((p, p))
    norms = 0.0
    step = max(64, CHUNK // p)
    for start in range(0, x.shape[0], step):
        q = (x[start:start + step] - mean) ** 2
        fourth += q.T @ q
        norms += float(np.sum(np.sum(q, axis=1) ** 2))
    return fourth, norms


def _ledoit_wolf(s: FloatArray, n: int, norms: float) -> float:
    p = s.shape[0]
    mu = np.trace(s) / p
    delta_ = float(np.sum(s * s))
    beta = (norms / n - delta_) / (p * n)
    delta = (delta_ - 2 * mu * np.trace(s) + p * mu**2) / p
    beta = min(beta, delta)
    return 0.0 if beta == 0 else float(beta / delta)


def _oas(s: FloatArray, n: int) -> float:
    p = s.shape[0]
    alpha = float(np.mean(s**2))
    mu2 = (np.trace(s) / p) ** 2
    den = (n + 1) * (alpha - mu2 / p)
    return 1.0 if den == 0 else float(min((alpha + mu2) / den, 1.0))


def _schafer_strimmer(stats: SufficientStats, fourth: FloatArray
                      ) -> tuple[FloatArray, FloatArray, float, float]:
    n, p = int(stats.n), stats.nvars
    s_u = stats.cov(ddof=1)
    v = np.diag(s_u)
    sd = np.sqrt(v)
    r = s_u / np.outer(sd, sd)
    w_bar = (n - 1) / n * r
    var_r = n / (n - 1) ** 3 * (fourth / np.outer(v, v) - n * w_bar**2)
    off = ~np.eye(p, dtype=bool)
    den = float(np.sum(r[off] ** 2))
    lam = 0.0 if den == 0 else float(np.clip(np.sum(var_r[off]) / den, 0.0, 1.0))
    var_v = n / (n - 1) ** 3 * (np.diag(fourth) - n * ((n - 1) / n * v) ** 2)
    target = float(np.median(v))
    den_v = float(np.sum((v - target) ** 2))
    lam_v = 0.0 if den_v == 0 else float(np.clip(np.sum(var_v) / den_v, 0.0, 1.0))
    sd_star = np.sqrt(lam_v * target + (1 - lam_v) * v)
    corr = (1 - lam) * r
    np.fill_diagonal(corr, 1.0)
    cov = corr * np.outer(sd_star, sd_star)
    tgt = np.diag(np.full(p, target))
    return cov, tgt, lam, lam_v


def shrink_stats(stats: SufficientStats, rows: Rows, method: Any, target: Any,
                 labels: pd.Index) -> ShrinkageResult:
    """Shrinkage from the statistics of complete data and one more pass over their rows (the
    fourth moments; none for OAS or a fixed intensity), see :func:`shrink_covariance`."""
    n = int(stats.n)
    if n < 2:
        raise SingularCovarianceError(
            f"Shrinkage needs at least 2 rows in {ref('data')}; got {n}.")
    constant = [c for c, v in zip(labels, np.diag(stats.scatter), strict=True) if v <= 0]
    if constant:
        raise SingularCovarianceError(
            f"Shrinkage needs every column of {ref('data')} to vary; columns "
            f"{show_labels(constant)} are constant (zero variance). Drop them.",
            columns=[str(c) for c in constant])
    if method == "schafer-strimmer" and target is not None:
        raise InvalidOptionError(f"{arg('target')} is fixed for Schäfer–Strimmer "
                                 "(correlations towards 0, variances towards their median); "
                                 f"got {target!r}. Leave it out.")
    s = stats.cov()
    lam_v: float | None = None
    needs = method in ("schafer-strimmer", "ledoit-wolf")
    fourth, norms = rows.total(partial(_moments, mean=stats.mean)) if needs else \
        (np.zeros((stats.nvars, stats.nvars)), 0.0)
    if method == "schafer-strimmer":
        cov, tgt, delta, lam_v = _schafer_strimmer(stats, fourth)
    else:
        tgt = _target(s, "scaled-identity" if target is None else target, method)
        delta = _ledoit_wolf(s, n, norms) if method == "ledoit-wolf" else \
            _oas(s, n) if method == "oas" else float(method)
        cov = (1 - delta) * s + delta * tgt
    return ShrinkageResult(pd.DataFrame(cov, index=labels, columns=labels), delta,
                           pd.DataFrame(tgt, index=labels, columns=labels),
                           method if isinstance(method, str) else "fixed", lam_v, n,
                           pd.Series(stats.mean, index=labels, name="mean"))


def _target(s: FloatArray, target: Any, method: Any) -> FloatArray:
    check_choice(target, "target", Target)
    if isinstance(method, str) and target != "scaled-identity":
        raise InvalidOptionError(
            f"{arg('target')} of {method!r} is the scaled identity (tr S / p) I, as its "
            f"intensity formula assumes; got {target!r}. Pass a number as method to shrink "
            "towards another target.")
    p = s.shape[0]
    if target == "scaled-identity":
        return np.eye(p) * (np.trace(s) / p)
    return np.diag(np.diag(s)) if target == "diagonal" else np.eye(p)


def check_method(method: Any) -> Any:
    """A shrinkage method name or an intensity in [0, 1]."""
    if isinstance(method, str):
        return check_choice(method, "method", ShrinkMethod)
    return check_real(method, "method", low=0.0, high=1.0, open_=False,
                      hint=" Or name a method: 'ledoit-wolf', 'oas', 'schafer-strimmer'.")


def shrink_covariance(data: Any, method: Any = "ledoit-wolf", target: Any = None, *,
                      columns: Any = None) -> ShrinkageResult:
    """A well-conditioned covariance estimate, also when there are fewer rows than columns.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n, p)
        Complete numeric data (``n >= 2``; ``n <= p`` is allowed).
    method : {"ledoit-wolf", "oas", "schafer-strimmer"} or float, default "ledoit-wolf"
        How the intensity is chosen (see the module notes), or the intensity itself.
    target : {"scaled-identity", "diagonal", "identity"}, optional
        For a numeric ``method``: what to shrink towards (default the scaled identity).
    columns : list of labels, optional

    Returns
    -------
    ShrinkageResult
        ``cov``, ``intensity``, ``target``, ``method`` (and Schäfer–Strimmer's
        ``variance_intensity``), labelled by the columns.

    Notes
    -----
    Agrees with scikit-learn's ``LedoitWolf`` and ``OAS`` (``assume_centered=False``) and with
    R's ``corpcor::cov.shrink`` (tested). The result is a regularised estimate, not the
    maximum-likelihood one: it is biased towards the target.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(8, 12))   # n < p: S is singular
    >>> r = shrink_covariance(x, "oas")
    >>> bool(np.all(np.linalg.eigvalsh(r.cov) > 0))
    True
    """
    m = check_method(method)
    ds = as_dataset(data, columns=columns)
    if ds.nobs < 2:
        raise ShapeError(f"{arg('data')} must have at least 2 rows; got {ds.nobs}.")
    if not np.all(np.isfinite(ds.values)):
        locate_nonfinite(ds, advice=POINT_ADVICE.split(", or")[0] + ".")
    scale = unit_scale(ds.values, common=True)  # the intensities use fourth moments
    units = ds.values / scale
    shrunk = shrink_stats(SufficientStats.from_array(units), Chunked.of(units), m, target,
                          ds.labels)
    return unscaled(shrunk, float(scale[0]))


def unscaled(shrunk: ShrinkageResult, c: float) -> ShrinkageResult:
    """A shrinkage estimate computed in units of ``c`` (a power of two), in the data's units;
    :class:`NumericalRangeError` when float64 cannot hold its variances."""
    if c == 1.0:
        return shrunk
    with np.errstate(over="ignore", under="ignore"):
        cov, target = shrunk.cov * (c * c), shrunk.target * (c * c)
    var = np.diag(cov.to_numpy())
    if not np.all(np.isfinite(var)) or np.any(var < np.finfo(float).tiny):
        which = "overflow" if not np.all(np.isfinite(var)) else "underflow"
        raise NumericalRangeError(
            f"The variances of {ref('data')} {which} float64 (representable magnitudes: "
            "2.2e-308 to 1.8e308 for a variance, so data spreads of about 1.5e-154 to "
            "1.3e154). Rescale the data (multiply or divide by a power of ten) and scale the "
            "estimate back.")
    return replace(shrunk, cov=cov, target=target, mean=shrunk.mean * c)
