"""The maximum-likelihood estimators of ``(μ, Σ)`` — closed form, structured, EM — and
shrinkage, each one :class:`~._estimate.Estimator` returning one :class:`~._estimate.Estimate`
(see :mod:`._estimate` for the seam)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.linalg import block_diag

from .._typing import FloatArray
from ..data import Source, SufficientStats
from ..exceptions import (
    BoundaryWarning,
    InvalidOptionError,
    NumericalRangeError,
    SingularCovarianceError,
    arg,
    ref,
    setting,
    warn,
)
from ..guards import ShrinkageResult, shrink_stats, unscaled
from ..inference import ParamCovariance, score_meat
from ..linalg import PDFactor
from ..missing import EMModel, chained, em
from ..model import (
    CovarianceStructure,
    Unstructured,
    chain_matrix,
    check_nonsingular,
    factor_or_explain,
    fit_structure,
    loglike_at_mle,
    loglike_from,
    structure_information,
)
from ._digest import data_digest
from ._estimate import Estimate, Estimator, assemble
from ._incomplete import restrict
from ._reduce import Complete, observed_meat, reduce_complete, reduce_patterns
from ._results import EMInfo, MVNResult
from ._scaling import Units

if TYPE_CHECKING:
    from ._spec import FitSpec

__all__ = ["ClosedForm", "ExpectationMaximisation", "Shrinkage", "Structured"]


def _advice(stats: SufficientStats, source: Source, spec: FitSpec) -> str:
    """What to do about too few rows (shrinkage needs the rows in memory; frequency weights
    may have been meant as relative ones)."""
    shrink = setting("shrinkage", "ledoit-wolf") if source.in_memory else \
        "fit the data in memory with fit(..., shrinkage=...)"
    advice = (f"use fewer columns, a structured covariance (such as "
              f"{setting('structure', 'diagonal')}), or {shrink}.")
    if spec.weighted and spec.weights_kind == "frequency":
        advice += (f" The frequency weights sum to {stats.n:g}: if they are relative weights "
                   f"rather than counts, pass {setting('weights_kind', 'analytic')}.")
    return advice


def _check(stats: SufficientStats, source: Source, spec: FitSpec) -> PDFactor:
    """Factor the covariance, or say why not."""
    return check_nonsingular(stats, source.labels, _advice(stats, source, spec))


def _check_structured(stats: SufficientStats, source: Source, spec: FitSpec,
                      structure: CovarianceStructure) -> None:
    """Enough rows for the structure (diagonal and spherical models are identified from two
    rows, whatever ``p``) and no constant column; a nonsingular sample covariance only when
    the structure needs one."""
    need = structure.min_rows()
    if need > stats.nvars:
        _check(stats, source, spec)
        return
    if stats.n < need:
        raise SingularCovarianceError(
            f"The {structure.name} structure needs at least {need} observations; got "
            f"n = {stats.n:g}.", columns=[str(c) for c in source.labels])
    factor_or_explain(np.diag(np.diag(stats.cov())), source.labels)


def _from_complete(red: Complete, source: Source, structure: CovarianceStructure,
                   cov: FloatArray, theta: FloatArray, loglike: float,
                   **found: object) -> Estimate:
    """The estimate of a complete-data fit: what every such estimator reports alike."""
    stats = red.stats
    digest = data_digest(source.labels, np.array([stats.n]), stats.mean * red.units.scale)
    return Estimate(stats.mean, cov, theta, structure, loglike, stats.n, red.units, digest,
                    red.dropped, red.rows, red.kept, **found)  # type: ignore[arg-type]


def _at_mean(stats: SufficientStats, fac: PDFactor) -> float:
    """``ℓ`` at ``μ = x̄`` and the covariance ``fac`` factors."""
    return loglike_from(SufficientStats(stats.n, np.zeros(stats.nvars), stats.scatter), fac)


class ClosedForm(Estimator):
    """The unstructured MLE ``μ̂ = x̄``, ``Σ̂ = S/n`` from sufficient statistics."""

    family = "ml"

    def estimate(self, source: Source, spec: FitSpec,
                 structure: CovarianceStructure) -> Estimate:
        red = reduce_complete(source, spec, common=False)
        fac = _check(red.stats, source, spec)
        cov = red.stats.cov()
        return _from_complete(red, source, structure, cov, structure.start(cov),
                              loglike_at_mle(red.stats.n, fac))


class Structured(Estimator):
    """ML of a structured ``Σ(θ)`` with a saturated mean, from sufficient statistics."""

    family = "structured"

    def estimate(self, source: Source, spec: FitSpec,
                 structure: CovarianceStructure) -> Estimate:
        red = reduce_complete(source, spec, common=True)
        stats = red.stats
        n, s, p = stats.n, stats.cov(), stats.nvars
        _check_structured(stats, source, spec, structure)
        sf = fit_structure(structure, s, n, tol=spec.tol, max_iter=spec.max_iter)
        fac = PDFactor.of(sf.cov, name="cov")
        free = np.ones(p + sf.theta.size, dtype=bool)
        free[[p + i for i in sf.at_bounds]] = False
        names = structure.param_names([str(c) for c in source.labels])
        bounds = tuple(names[i] for i in sf.at_bounds)
        if bounds:
            warn(f"Parameters {list(bounds)} are held at their lower bounds (for a factor model, "
                 "a Heywood case: the unique variance would be negative or zero); they have no "
                 "standard errors. Consider fewer factors or dropping the variable.",
                 BoundaryWarning)

        def information(kind: str) -> FloatArray:
            full = block_diag(n * fac.inverse(),
                              structure_information(structure, sf.theta, n, s, kind))
            return full[np.ix_(free, free)]

        def meat() -> FloatArray:
            t = chain_matrix(structure, sf.theta, p)
            return (t.T @ score_meat(red.rows, stats.mean, fac) @ t)[np.ix_(free, free)]

        _rescalable(structure, sf.theta, red.units)
        return _from_complete(red, source, structure, sf.cov, sf.theta, sf.loglike,
                              information=information, meat=meat, free=free, at_bounds=bounds,
                              what=f"the {structure.name} model")


def _rescalable(structure: CovarianceStructure, theta: FloatArray, units: Units) -> None:
    """A structure fitted in units must scale as its :meth:`scale_degrees` say."""
    if units.identity:
        return
    c = float(units.scale[0])
    back = units.unscale_theta(structure, theta)
    with np.errstate(over="ignore", under="ignore"):
        want = structure.cov(theta) * c * c
        got = structure.cov(back)
    if not np.allclose(got, want, rtol=1e-10, atol=0.0):
        raise NumericalRangeError(
            f"The data are beyond float64's comfortable range, and the {structure.name!r} "
            "structure cannot be brought back from the rescaled units it was fitted in: its "
            "scale_degrees() do not describe how its parameters scale. Implement "
            "scale_degrees(), or rescale the data yourself.")


class ExpectationMaximisation(Estimator):
    """Full-information ML with missing values: EM, then Newton (structured M-steps too)."""

    family = "em"

    def estimate(self, source: Source, spec: FitSpec,
                 structure: CovarianceStructure) -> Estimate:
        inc = reduce_patterns(source, spec, common=not isinstance(structure, Unstructured))
        pat = inc.patterns
        out = em(pat, tol=spec.tol, max_iter=spec.max_iter, structure=structure)
        model = EMModel(structure, spec.tol, spec.max_iter)

        def information(kind: str) -> FloatArray:
            return chained(model, pat, out.mean, out.theta, kind)[1]

        def meat() -> FloatArray:
            full = observed_meat(inc, out.mean, out.cov)
            if model.saturated:
                return full
            t = chain_matrix(structure, out.theta, pat.p)
            return t.T @ full @ t

        frac = pd.Series(inc.missing_fraction, index=source.labels, name="missing")
        info = EMInfo(out.iterations, out.converged, pat.npatterns, frac, pat.excluded,
                      spec.information, out.newton_steps)
        counts = pat.n @ pat.masks
        observed = (pat.n @ (pat.mean * pat.masks)) / counts + pat.origin
        digest = data_digest(source.labels, counts, observed * inc.units.scale)
        return Estimate(out.mean + pat.origin, out.cov, out.theta, structure, out.loglike,
                        pat.total, inc.units, digest, pat.excluded, None, source.dataset,
                        information, meat, em=info, what="the observed data", observed=counts)

    def result(self, source: Source, spec: FitSpec, estimate: Estimate,
               covariance: ParamCovariance) -> MVNResult:
        """The assembled result, reduced to the modelled columns when the fit had auxiliary
        variables (:func:`~._incomplete.restrict`)."""
        out = assemble(source, spec, estimate, covariance)
        return restrict(out, spec.auxiliary) if spec.auxiliary else out


class Shrinkage(Estimator):
    """A shrinkage estimate of ``Σ`` (not the MLE: no standard errors)."""

    family = "shrinkage"
    streams = False

    def accepts(self, spec: FitSpec, given: list[str]) -> None:
        bad = [name for name, on in (
            (f"{setting('missing', 'em')}", spec.missing == "em"), ("weights", spec.weighted),
            (f"{setting('cov_type', 'robust')}", spec.cov_type == "robust"),
            ("structure", "structure" in given and not isinstance(spec.structure,
                                                                    Unstructured)),
            ("tol/max_iter", "tol" in given or "max_iter" in given)) if on]
        if bad:
            raise InvalidOptionError(
                f"{arg('shrinkage')} works with complete, unweighted data and the "
                f"unstructured model; got it with {', '.join(bad)}. Remove those, or drop "
                "shrinkage.")

    def estimate(self, source: Source, spec: FitSpec,
                 structure: CovarianceStructure) -> Estimate:
        red = reduce_complete(source, spec, common=True)
        shrunk = shrink_stats(red.stats, red.rows, spec.shrinkage, None, source.labels)
        cov = shrunk.cov.to_numpy()
        loglike = _at_mean(red.stats, _shrunk_factor(cov, shrunk))
        shrunk = unscaled(shrunk, float(red.units.scale[0]))
        return _from_complete(red, source, structure, cov, structure.start(cov), loglike,
                              shrinkage=shrunk)


def _shrunk_factor(cov: FloatArray, shrunk: ShrinkageResult) -> PDFactor:
    fac = PDFactor.maybe(cov)
    if fac is None:
        raise SingularCovarianceError(
            f"The shrinkage estimate of {ref('data')} is singular (intensity "
            f"{shrunk.intensity:.3g}); use a positive intensity.")
    return fac
