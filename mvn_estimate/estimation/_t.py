"""The multivariate-t estimator: ECME (Liu & Rubin, 1995) with the parameter-expanded M-step
(Kent, Tyler & Vardi, 1994; Liu, Rubin & Wu, 1998), through the estimator seam.

Each iteration is one pass over the rows (:mod:`._t_passes`) at ``(μ, Σ, ν)``: the E-step's
weights ``w = (ν + k)/(ν + Q)`` give ``μ ← μ + Σcw(x̂ − μ)/Σcw`` and ``Σ ←`` the completed
weighted scatter over ``Σcw`` (the PX-EM step, which converges much faster than dividing by
``n``), and, when ``ν`` is estimated, the same pass's first and second derivatives of the
observed-data log-likelihood in ``ν`` give a Newton step in ``ln ν`` towards its conditional
maximum (ECME, with that maximisation done one Newton step per pass). A step that lowers the
likelihood keeps the old ``ν`` (the EM step alone never lowers it) and damps later ``ν``
steps. The fit works in the units and about the
origin of :mod:`._reduce`, so data at any scale or offset keep their accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._typing import FloatArray
from ..data import Chunked, Rows, Source, add
from ..exceptions import (
    BoundaryWarning,
    ConvergenceWarning,
    SingularCovarianceError,
    TooLargeError,
    ref,
    setting,
    warn,
)
from ..inference import ParamCovariance
from ..missing import em
from ..model import DENSE_PARAM_LIMIT, CovarianceStructure, check_nonsingular, nparams
from ._digest import data_digest
from ._estimate import Estimate, Estimator
from ._reduce import reduce_complete, reduce_patterns
from ._results import EMInfo
from ._scaling import Units
from ._t_passes import TTally, estep, information
from ._t_result import t_result

if TYPE_CHECKING:
    from ._spec import FitSpec

__all__ = ["NU_BOUNDS", "StudentT", "TFit", "TUnits"]

NU_BOUNDS = (0.05, 1000.0)
"""The range of an estimated ``ν``: at the upper end the t is a normal for every purpose."""


@dataclass(frozen=True)
class TUnits(Units):
    """The units of a t fit: the unstructured model's, and ``ν`` (unit-free) last when it is
    estimated (a fixed ``ν`` is not a parameter)."""

    estimated: bool = True

    def factors(self, structure: CovarianceStructure) -> tuple[FloatArray, FloatArray]:
        first, second = super().factors(structure)
        if not self.estimated:
            return first, second
        return np.append(first, 1.0), np.append(second, 1.0)


@dataclass(frozen=True)
class TFit:
    """What the iterations found (in units): the estimates, the log-likelihood there, the
    weight ``n`` of the rows used, and how the iterations went."""

    mean: FloatArray
    cov: FloatArray
    nu: float
    loglike: float
    n: float
    iterations: int
    converged: bool
    at_bound: str | None = None


def _change(a: tuple[FloatArray, FloatArray, float], b: tuple[FloatArray, FloatArray, float],
            ) -> float:
    scale = float(np.max(np.diag(b[1])))
    return max(float(np.max(np.abs(a[0] - b[0]))) / np.sqrt(scale),
               float(np.max(np.abs(a[1] - b[1]))) / scale, abs(a[2] - b[2]) / b[2])


def _m_step(t: TTally, mean: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The PX-EM step from one E-step's sums."""
    shift = t.first / t.sw
    cov = (t.scatter - np.outer(t.first, shift)) / t.sw
    return mean + shift, (cov + cov.T) / 2


def _nu_step(t: TTally, nu: float, damp: float) -> float:
    """A Newton step for ``ν`` on the log scale (a bounded ascent step where the curvature
    is not negative), within :data:`NU_BOUNDS`."""
    grad = nu * t.nu_score
    curve = nu * nu * t.nu_curvature + grad
    step = -grad / curve if curve < 0 else np.sign(grad)
    step = float(np.clip(step, -1.0, 1.0)) * damp
    return float(np.clip(nu * np.exp(step), *NU_BOUNDS))


def _moment_nu(t: TTally) -> float:
    """``ν`` from the multivariate kurtosis of the rows at the normal start:
    ``κ = ΣcQ²/Σck(k+2) = (ν − 2)/(ν − 4)`` for a t (light tails: a large ``ν``)."""
    kappa = t.q2 / t.kk
    return float(np.clip((4 * kappa - 2) / (kappa - 1), 2.5, 100.0)) if kappa > 1.02 else 100.0


def _pass(rows: Rows, state: tuple[FloatArray, FloatArray, float], free: bool) -> TTally:
    try:
        return rows.total(partial(estep, mean=state[0], cov=state[1], nu=state[2],
                                  with_nu=free), merge=add)
    except np.linalg.LinAlgError:
        raise SingularCovarianceError(
            f"The t scatter of {ref('data')} became singular during the iterations: the rows "
            "lie (nearly) on a hyperplane. Drop collinear columns.") from None


def iterate(rows: Rows, mean: FloatArray, cov: FloatArray, nu: float | None, *, tol: float,
            max_iter: int) -> TFit:
    """ECME from ``(mean, cov)`` (a normal fit): ``nu`` fixed, or estimated when None (from
    the kurtosis at the start)."""
    free = nu is None
    if nu is None:
        nu = _moment_nu(_pass(rows, (mean, cov, 30.0), False))
    state = (mean, cov * (nu - 2) / nu if nu > 2 else cov, nu)
    t, damp = _pass(rows, state, free), 1.0
    for it in range(1, max_iter + 1):
        new = (*_m_step(t, state[0]), _nu_step(t, state[2], damp) if free else state[2])
        after = _pass(rows, new, free)
        if free and after.loglike < t.loglike - 1e-12 * abs(t.loglike):
            damp /= 2  # the ν step overshot: keep ν (the EM step alone never lowers ℓ)
            new = (new[0], new[1], state[2])
            after = _pass(rows, new, free)
        settled = abs(after.loglike - t.loglike) <= tol * abs(after.loglike) \
            and _change(new, state) <= tol
        state, t = new, after
        if settled:
            return TFit(*state, t.loglike, t.n, it, True, _bound(state[2], free))
    warn(f"The multivariate t fit stopped at {setting('max_iter', max_iter)} before reaching "
         f"{setting('tol', tol)}: the last log-likelihood was {t.loglike:.10g}. Raise "
         "max_iter or tol.", ConvergenceWarning)
    return TFit(*state, t.loglike, t.n, max_iter, False, _bound(state[2], free))


def _bound(nu: float, free: bool) -> str | None:
    if free and nu >= NU_BOUNDS[1]:
        return "upper"
    if free and nu <= NU_BOUNDS[0]:
        return "lower"
    return None


def _refuse_large(p: int) -> None:
    """The standard errors need the dense observed information over ``(μ, vech Σ, ν)``."""
    k = nparams(p) + 1
    if k > DENSE_PARAM_LIMIT:
        raise TooLargeError(
            f"fit_t's standard errors need the {k}×{k} observed information of p = {p} "
            f"variables ({k * k * 8 / 2**30:.2f} GiB), above the limit of {DENSE_PARAM_LIMIT} "
            "parameters. Fit at most 98 columns at once.")


class StudentT(Estimator):
    """The multivariate-t MLE by ECME (see the module notes); ``spec.nu`` fixes ``ν``."""

    family = "t"

    def estimate(self, source: Source, spec: FitSpec,
                 structure: CovarianceStructure) -> Estimate:
        _refuse_large(source.nvars)
        if spec.missing == "em":
            return self._incomplete(source, spec, structure)
        red = reduce_complete(source, spec, common=False)
        stats = red.stats
        check_nonsingular(stats, source.labels, "use fewer columns.")
        out = iterate(red.rows, stats.mean, stats.cov(), spec.nu, tol=spec.tol,
                      max_iter=spec.max_iter)
        digest = data_digest(source.labels, np.array([stats.n]), stats.mean * red.units.scale)
        info = EMInfo(out.iterations, out.converged, 1,
                      pd.Series(0.0, index=source.labels, name="missing"), 0, "observed")
        units = TUnits(red.units.scale, spec.nu is None)
        return self._estimate(out, spec, structure, red.rows, units, digest, red.dropped,
                              red.kept, stats.n, info)

    def _incomplete(self, source: Source, spec: FitSpec,
                    structure: CovarianceStructure) -> Estimate:
        inc = reduce_patterns(source, spec, common=False)
        pat = inc.patterns
        start = em(pat, tol=1e-6, max_iter=spec.max_iter)
        rows: Rows = Chunked.of(inc.values, inc.weights) if inc.values is not None else \
            _weighted_rows(inc.units.rows(source.rows), spec)
        out = iterate(rows, start.mean + pat.origin, start.cov, spec.nu, tol=spec.tol,
                      max_iter=spec.max_iter)
        counts = pat.n @ pat.masks
        observed = (pat.n @ (pat.mean * pat.masks)) / counts + pat.origin
        digest = data_digest(source.labels, counts, observed * inc.units.scale)
        info = EMInfo(out.iterations, out.converged, pat.npatterns,
                      pd.Series(inc.missing_fraction, index=source.labels, name="missing"),
                      pat.excluded, "observed")
        units = TUnits(inc.units.scale, spec.nu is None)
        return self._estimate(out, spec, structure, rows, units, digest, pat.excluded,
                              source.dataset, counts, info)

    def _estimate(self, out: TFit, spec: FitSpec, structure: CovarianceStructure, rows: Rows,
                  units: TUnits, digest: str, dropped: int, kept: Any, observed: Any,
                  info: EMInfo) -> Estimate:
        free_nu = spec.nu is None
        with_nu = free_nu and out.at_bound is None
        if out.at_bound is not None:
            warn(f"The estimate of the degrees of freedom is at its {out.at_bound} bound "
                 f"ν = {out.nu:g}: "
                 + ("the data show no heavier tails than the normal's (fit() is the better "
                    "model); " if out.at_bound == "upper" else "the tails are extremely "
                    "heavy; ")
                 + "ν has no standard error. Fix it with df=..., or check the data.",
                 BoundaryWarning)

        def observed_information(kind: str) -> FloatArray:
            return rows.total(partial(information, mean=out.mean, cov=out.cov, nu=out.nu,
                                      with_nu=with_nu))

        k = out.mean.size + out.mean.size * (out.mean.size + 1) // 2
        free = np.ones(k + int(free_nu), dtype=bool)
        if free_nu and not with_nu:
            free[-1] = False
        return Estimate(out.mean, out.cov, np.array([out.nu]), structure, out.loglike, out.n,
                        units, digest, dropped, rows, kept, observed_information, None, free,
                        ("df",) if out.at_bound else (), info, what="the multivariate t model",
                        observed=np.broadcast_to(np.asarray(observed, dtype=float),
                                                 out.mean.shape).copy())

    def result(self, source: Source, spec: FitSpec, estimate: Estimate,
               covariance: ParamCovariance) -> Any:
        return t_result(source, spec, estimate, covariance)


def _weighted_rows(rows: Rows, spec: FitSpec) -> Rows:
    """Streamed rows with analytic weights rescaled to sum to the number of rows with an
    observed value and a non-zero weight (as in memory); other rows as they are."""
    if not (spec.weighted and spec.weights_kind == "analytic"):
        return rows
    nonzero, total = rows.total(_count_weights)
    return _Scaled(rows, nonzero / total if total > 0 else 1.0)


def _count_weights(x: FloatArray, w: FloatArray | None) -> tuple[float, float]:
    """Rows with an observed value and a non-zero weight, and their total weight."""
    seen = ~np.isnan(x).all(axis=1)
    assert w is not None
    return float(np.count_nonzero(w[seen])), float(w[seen].sum())


def _times(fn: Any, factor: float, x: FloatArray, w: FloatArray | None) -> Any:
    return fn(x, None if w is None else w * factor)


class _Scaled:
    """Rows whose weights are multiplied by ``factor`` (in the task that reads each
    chunk)."""

    def __init__(self, rows: Rows, factor: float) -> None:
        self.rows, self.factor = rows, factor

    def total(self, fn: Any, merge: Any = add, check: Any = None) -> Any:
        return self.rows.total(partial(_times, fn, self.factor), merge=merge, check=check)

    def head(self) -> Any:
        return self.rows.head()

