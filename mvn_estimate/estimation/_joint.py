"""Joint maximum likelihood of groups that share parameters: EM over every group's
missingness patterns, then Newton on the joint observed-data likelihood.

Group ``g`` has its mean ``μ_g`` and covariance ``Σ_g = Σ(θ_g)``; ``equal`` makes every group
use one ``μ``, one ``θ``, or both. The log-likelihood is the sum of the groups' observed-data
log-likelihoods, ``ℓ(φ) = Σ_g ℓ_g(μ_g, θ_g)``, so its score and information over the joint
parameters ``φ`` are the groups' (:func:`mvn_estimate.missing.chained`) added at the
positions of a :class:`~._layout.Layout`.

The E-step is each group's (:func:`~mvn_estimate.missing.e_step`); the M-step maximises the
completed-data likelihood ``Σ_g ℓ_g`` given the completed statistics ``(n_g, m_g, S_g)``:

* nothing shared: ``μ_g = m_g``, ``Σ_g = S_g/n_g``;
* common ``Σ``: ``μ_g = m_g``, ``Σ = Σ_g S_g / N`` (the pooled within-group ML covariance);
* common ``μ`` and ``Σ``: the statistics of all rows merged;
* common ``μ`` with group ``Σ_g``: no closed form, so two conditional maximisations (ECM;
  Meng & Rubin, 1993), ``μ = (Σ_g n_gΣ_g⁻¹)⁻¹ Σ_g n_gΣ_g⁻¹m_g`` then
  ``Σ_g = (S_g + n_g(m_g − μ)(m_g − μ)ᵀ)/n_g``, each of which raises the likelihood.

A structure replaces ``S/n`` by its ML fit to it (:class:`~mvn_estimate.missing.EMModel`).
With complete data and an exact M-step, one M-step is the closed form. Once EM's steps are
small, Newton steps on the joint score and observed information finish the fit (a step is
halved until every ``Σ_g`` is positive definite and ``ℓ`` does not decrease), as the
single-group EM does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._typing import FloatArray
from ..data import SufficientStats
from ..exceptions import (
    ConvergenceWarning,
    MVNEstimateError,
    NotIdentifiedError,
    NotPositiveDefiniteError,
    SingularCovarianceError,
    setting,
    warn,
)
from ..linalg import PDFactor
from ..missing import (
    EMModel,
    Patterns,
    chained,
    e_step,
    em,
    score_vector,
    start_values,
)
from ..model import CovarianceStructure, chain_matrix, factor_or_explain
from ._layout import Layout
from ._reduce import Incomplete, observed_meat
from ._scaled import gamma_trace

__all__ = ["GroupData", "JointEstimate", "JointModel"]

NEWTON_SWITCH = 1e-4
"""EM hands over to Newton once its relative parameter change is below this (as the
single-group EM)."""


@dataclass(frozen=True, eq=False)
class GroupData:
    """One group's rows as the joint fit reads them: its reduction (patterns in units,
    relative to their origin, and the rows for per-row passes), that origin minus the common
    one, and its name for messages."""

    reduced: Incomplete
    shift: FloatArray
    name: str

    @property
    def patterns(self) -> Patterns:
        """The group's missingness patterns."""
        return self.reduced.patterns


@dataclass(frozen=True, eq=False)
class JointEstimate:
    """The joint MLE: each group's ``μ_g`` (relative to the common origin), ``θ_g``, ``Σ_g`` and
    log-likelihood, and how the iterations went."""

    phi: FloatArray
    means: list[FloatArray]
    thetas: list[FloatArray]
    covs: list[FloatArray]
    loglikes: list[float]
    iterations: int
    newton_steps: int
    converged: bool


def _change(means_a: Sequence[FloatArray], covs_a: Sequence[FloatArray],
            means_b: Sequence[FloatArray], covs_b: Sequence[FloatArray]) -> float:
    """The largest relative change of a mean or covariance entry over the groups."""
    out = 0.0
    for ma, ca, mb, cb in zip(means_a, covs_a, means_b, covs_b, strict=True):
        scale = float(np.max(np.diag(cb)))
        out = max(out, float(np.max(np.abs(ma - mb))) / np.sqrt(scale),
                  float(np.max(np.abs(ca - cb))) / scale)
    return out


class JointModel:
    """The groups, what they share, and the covariance structure: EM, then Newton."""

    def __init__(self, groups: Sequence[GroupData], layout: Layout,
                 structure: CovarianceStructure, equal: tuple[str, ...], tol: float,
                 max_iter: int) -> None:
        self.groups, self.layout, self.structure = list(groups), layout, structure
        self.mean_shared, self.cov_shared = "mean" in equal, "cov" in equal
        self.model = EMModel(structure, tol, max_iter)
        self.tol, self.max_iter = tol, max_iter
        self.p = groups[0].patterns.p
        ecm = self.mean_shared and not self.cov_shared
        self.exact = not ecm and all(d.patterns.complete for d in self.groups)
        """Complete data and an exact M-step: one M-step is the MLE (the closed form)."""

    # -- the parameters ----------------------------------------------------------------------
    def pack(self, means: Sequence[FloatArray], thetas: Sequence[FloatArray]) -> FloatArray:
        return self.layout.gather([np.concatenate([m, t]) for m, t in zip(means, thetas,
                                                                          strict=True)])

    def unpack(self, phi: FloatArray) -> tuple[list[FloatArray], list[FloatArray]]:
        parts = [phi[pos] for pos in self.layout.positions]
        return [v[:self.p] for v in parts], [v[self.p:] for v in parts]

    # -- E and M -------------------------------------------------------------------------------
    def e_step(self, means: Sequence[FloatArray],
               covs: Sequence[FloatArray]) -> tuple[list[SufficientStats], list[float]]:
        """Each group's completed statistics (means relative to the common origin) and
        observed-data log-likelihood."""
        stats, loglikes = [], []
        for d, mean, cov in zip(self.groups, means, covs, strict=True):
            completed, value = e_step(d.patterns, mean - d.shift, cov)
            stats.append(SufficientStats(completed.n, completed.mean + d.shift,
                                         completed.scatter))
            loglikes.append(value)
        return stats, loglikes

    def loglike(self, phi: FloatArray) -> float:
        means, thetas = self.unpack(phi)
        covs = [self.structure.cov(t) for t in thetas]
        return float(sum(self.e_step(means, covs)[1]))

    def m_step(self, stats: list[SufficientStats], covs: list[FloatArray],
               thetas: list[FloatArray | None]) -> tuple[list[FloatArray], list[FloatArray],
                                                        list[FloatArray]]:
        """Means, structure parameters and covariances maximising the completed likelihood
        (see the module notes)."""
        k = len(stats)
        if self.cov_shared:
            merged = stats[0]
            for s in stats[1:]:
                merged = merged.merge(s)
            scatter = merged.scatter if self.mean_shared else np.sum([s.scatter for s in stats],
                                                                      axis=0)
            _, theta, cov = self.model.m_step(SufficientStats(merged.n, merged.mean, scatter),
                                              thetas[0])
            means = [merged.mean] * k if self.mean_shared else [s.mean for s in stats]
            return means, [theta] * k, [cov] * k
        if self.mean_shared:
            common = _precision_weighted(stats, covs)
            stats = [SufficientStats(s.n, common, s.scatter + s.n * np.outer(s.mean - common,
                                                                             s.mean - common))
                     for s in stats]
        fitted = [self.model.m_step(s, t) for s, t in zip(stats, thetas, strict=True)]
        return [f[0] for f in fitted], [f[1] for f in fitted], [f[2] for f in fitted]

    # -- score and information -----------------------------------------------------------------
    def score_information(self, phi: FloatArray, kind: str) -> tuple[FloatArray, FloatArray]:
        """The joint score and ``kind`` information at ``phi``: each group's, added."""
        size = self.layout.size
        score, info = np.zeros(size), np.zeros((size, size))
        means, thetas = self.unpack(phi)
        for d, pos, mean, theta in zip(self.groups, self.layout.positions, means, thetas,
                                       strict=True):
            s, i = chained(self.model, d.patterns, mean - d.shift, theta, kind)
            score[pos] += s
            info[np.ix_(pos, pos)] += i
        return score, info

    def information(self, phi: FloatArray, kind: str) -> FloatArray:
        """The ``kind`` information at ``phi``."""
        return self.score_information(phi, kind)[1]

    def meat(self, phi: FloatArray, centred: bool = False) -> FloatArray:
        """``B = Σᵢ wᵢsᵢsᵢᵀ`` from every row's score over ``phi`` (one pass over the rows).

        ``centred``: Satorra–Bentler's ``Σ_g n_gΔ_gᵀA_gΓ_gA_gΔ_g`` instead (complete data),
        each group's scores at its sample mean and ``Σ_g(φ)``, centred within the group (see
        :mod:`._scaled`).
        """
        size = self.layout.size
        out = np.zeros((size, size))
        means, thetas = self.unpack(phi)
        for d, pos, mean, theta in zip(self.groups, self.layout.positions, means, thetas,
                                       strict=True):
            cov = self.structure.cov(theta)
            at = _sample_mean(d.patterns) if centred else mean - d.shift
            full = observed_meat(d.reduced, at, cov)
            if centred:
                total = score_vector(d.patterns, at, cov)
                full -= np.outer(total, total) / d.patterns.total
            t = chain_matrix(self.structure, theta, self.p)
            out[np.ix_(pos, pos)] += t.T @ full @ t
        return out

    def gamma_trace(self, phi: FloatArray) -> float:
        """``h = Σ_g tr(A(Σ̂_g)Γ_g)``, ``Γ_g`` about group ``g``'s sample mean (complete data;
        one pass over the rows)."""
        _, covs = self.unpack_moments(phi)
        return float(sum(gamma_trace(d.reduced.row_source(),
                                     _sample_mean(d.patterns) + d.patterns.origin, cov)
                         for d, cov in zip(self.groups, covs, strict=True)))

    # -- the fit ---------------------------------------------------------------------------------
    def fit(self) -> JointEstimate:
        """EM, then Newton, from available-case start values."""
        self._identified()
        means, covs = self._start()
        try:
            return self._iterate(means, covs)
        except SingularCovarianceError:
            raise
        except NotPositiveDefiniteError as exc:
            raise SingularCovarianceError(
                "The joint estimate of the groups' covariance became singular (smallest "
                f"eigenvalue {exc.min_eigenvalue:.3g}): the observed values do not determine "
                "it. Drop sparsely observed or collinear columns, or share the covariance "
                f"({setting('equal', ['cov'])}).", min_eigenvalue=exc.min_eigenvalue) from exc

    def _start(self) -> tuple[list[FloatArray], list[FloatArray]]:
        """Available-case means and variances of each group (pooled where shared)."""
        starts = [start_values(d.patterns) for d in self.groups]
        means = [m + d.shift for (m, _), d in zip(starts, self.groups, strict=True)]
        covs = [c for _, c in starts]
        n = np.array([d.patterns.total for d in self.groups])
        if self.mean_shared and not self.cov_shared:
            return self._common_mean_start(means, covs, n)
        if self.mean_shared:
            means = [np.average(means, axis=0, weights=n)] * len(means)
        if self.cov_shared:
            covs = [np.average(covs, axis=0, weights=n)] * len(covs)
        return means, covs

    def _common_mean_start(self, means: list[FloatArray], covs: list[FloatArray],
                           n: FloatArray) -> tuple[list[FloatArray], list[FloatArray]]:
        """A common mean with a covariance per group: from each group's own (loose) EM fit,
        the weighted mean of the group means and ``Σ̂_g + d_g d_gᵀ`` (``d_g`` the group
        mean's distance to it), the covariance about the common mean. The likelihood has
        several local maxima here; a diagonal start can end in a poor one (iris by
        species)."""
        fits = []
        for d, m, c in zip(self.groups, means, covs, strict=True):
            try:
                own = em(d.patterns, tol=1e-6, max_iter=200)
                fits.append((own.mean + d.shift, own.cov))
            except MVNEstimateError:  # a group its own fit cannot estimate: the plain start
                fits.append((m, c))
        common = np.average([m for m, _ in fits], axis=0, weights=n)
        return [common] * len(fits), [c + np.outer(m - common, m - common) for m, c in fits]

    def _iterate(self, means: list[FloatArray], covs: list[FloatArray]) -> JointEstimate:
        tol = self.tol
        previous, newton_steps, switch = -np.inf, 0, NEWTON_SWITCH
        start = [np.diag(c).copy() for c in covs]
        thetas: list[FloatArray | None] = [None] * len(covs)
        for it in range(1, self.max_iter + 1):
            stats, values = self.e_step(means, covs)
            loglike = float(sum(values))
            new_means, new_thetas, new_covs = self.m_step(stats, covs, thetas)
            thetas = list(new_thetas)
            self._check(new_covs, start, it)
            change = _change(new_means, new_covs, means, covs)
            settled = abs(loglike - previous) <= tol * abs(loglike) and change <= tol
            if self.exact or settled:
                return self._done(self.pack(new_means, new_thetas), it, newton_steps, True)
            means, covs, previous = new_means, new_covs, loglike
            if change > switch:
                continue
            phi, previous, newton_steps, converged = self._newton(
                self.pack(means, new_thetas), newton_steps)
            if converged:
                return self._done(phi, it, newton_steps, True)
            switch = change / 10  # Newton found no valid step: again once EM is closer
            means, covs = self.unpack_moments(phi)
            thetas = list(self.unpack(phi)[1])
        return self._stopped(means, [t for t in thetas if t is not None], newton_steps)

    def _newton(self, phi: FloatArray, steps: int) -> tuple[FloatArray, float, int, bool]:
        """Newton steps from ``phi`` until they converge (true) or find no valid improving
        step (false): the point reached, its log-likelihood, the steps taken so far."""
        loglike = self.loglike(phi)
        tol = self.tol
        while steps < self.max_iter:
            found = self._newton_step(phi, loglike)
            if found is None:
                return phi, loglike, steps, False
            steps += 1
            new_phi, value, full = found
            step = _change(*self.unpack_moments(new_phi), *self.unpack_moments(phi))
            gain = value - loglike
            phi, loglike = new_phi, value
            # as the single-group EM: after a full Newton step of relative size δ the error is
            # O(δ²), so δ <= √tol / 10 already puts it below tol
            small = step <= tol or (full and step <= np.sqrt(tol) / 10)
            if small and gain <= np.sqrt(tol) * abs(loglike):
                return phi, loglike, steps, True
        return phi, loglike, steps, False

    def unpack_moments(self, phi: FloatArray) -> tuple[list[FloatArray], list[FloatArray]]:
        """Each group's mean and covariance at ``phi``."""
        means, thetas = self.unpack(phi)
        return means, [self.structure.cov(t) for t in thetas]

    def _newton_step(self, phi: FloatArray,
                     loglike: float) -> tuple[FloatArray, float, bool] | None:
        """One safeguarded Newton (or, where the observed information is not yet positive
        definite, scoring) step; None when no valid improving step is found."""
        try:
            direction, newton = self._direction(phi)
        except MVNEstimateError:  # too large, or no positive definite information
            return None
        for halving in range(12):
            new = phi + 0.5**halving * direction
            if not all(self.structure.valid(t) for t in self.unpack(new)[1]):
                continue
            try:
                value = self.loglike(new)
            except NotPositiveDefiniteError:
                continue
            if value >= loglike - 1e-12 * abs(loglike):
                return new, value, newton and halving == 0
        return None

    def _direction(self, phi: FloatArray) -> tuple[FloatArray, bool]:
        score, observed = self.score_information(phi, "observed")
        try:
            return PDFactor.of(observed, name="information").solve(score), True
        except NotPositiveDefiniteError:
            score, expected = self.score_information(phi, "expected")
            return PDFactor.of(expected, name="information").solve(score), False

    def _done(self, phi: FloatArray, iterations: int, newton_steps: int,
              converged: bool) -> JointEstimate:
        means, thetas = self.unpack(phi)
        covs = [self.structure.cov(t) for t in thetas]
        return JointEstimate(phi, means, thetas, covs, self.e_step(means, covs)[1], iterations,
                             newton_steps, converged)

    def _stopped(self, means: list[FloatArray], thetas: list[FloatArray],
                 newton_steps: int) -> JointEstimate:
        out = self._done(self.pack(means, thetas), self.max_iter, newton_steps, False)
        warn(f"The joint EM of the groups stopped at {setting('max_iter', self.max_iter)} "
             f"before reaching {setting('tol', self.tol)}; its log-likelihood is "
             f"{sum(out.loglikes):.10g}. Raise max_iter or tol.", ConvergenceWarning)
        return out

    # -- guards ----------------------------------------------------------------------------------
    def _blocks(self) -> list[tuple[list[int], str]]:
        """The covariances to estimate: the groups that inform each, and its name."""
        if self.cov_shared:
            return [(list(range(len(self.groups))), "the covariance common to the groups")]
        return [([g], f"the covariance of group {d.name}") for g, d in enumerate(self.groups)]

    def _identified(self) -> None:
        """Each column of each covariance needs more observed rows than its regression on the
        other columns has coefficients (``p − 1`` slopes and one intercept per free mean):
        with fewer, that regression fits them exactly and the likelihood is unbounded."""
        p = self.p
        for members, what in self._blocks():
            rows = np.sum([_observed_rows(self.groups[g].patterns) for g in members], axis=0)
            means = 1 if self.mean_shared else len(members)
            few = [f"{c!r} ({int(k)} rows)" for c, k in zip(self.groups[0].patterns.labels, rows,
                                                           strict=True) if k < p + means]
            if few:
                raise NotIdentifiedError(
                    f"Columns {', '.join(few)} are observed in fewer than p + {means} = "
                    f"{p + means} rows for {what} ({p - 1} slopes on the other columns and "
                    f"{means} mean{'s' if means > 1 else ''}): the likelihood grows without "
                    "bound as their variance shrinks. "
                    + ("Drop them or use fewer columns." if self.cov_shared else
                       "Drop them, use fewer columns, or share the covariance "
                       f"({setting('equal', ['cov'])})."))

    def _check(self, covs: list[FloatArray], start: list[FloatArray], it: int) -> None:
        """The first M-step's covariances are factored (or the columns named); later, a
        variance collapsing towards zero (an unbounded likelihood) is an error."""
        for members, what in self._blocks():
            g = members[0]
            if it == 1:
                factor_or_explain(covs[g], self.groups[g].patterns.labels,
                                  what=f"The estimate of {what}")
            low = np.diag(covs[g]) < 1e-12 * start[g]
            if low.any():
                cols = [str(c) for c, b in zip(self.groups[g].patterns.labels, low, strict=True)
                        if b]
                raise SingularCovarianceError(
                    f"The EM estimate of {what} degenerates at iteration {it}: the variance of "
                    f"columns {cols} collapses towards zero, so the likelihood is unbounded. Too "
                    "few rows observe them with the other columns; drop them or use fewer "
                    "columns.", columns=cols)


def _sample_mean(pat: Patterns) -> FloatArray:
    """The rows' mean relative to ``pat.origin`` (complete data: every pattern observes
    every column)."""
    return np.asarray(pat.n @ pat.mean / pat.n.sum(), dtype=float)


def _observed_rows(pat: Patterns) -> FloatArray:
    return np.asarray((pat.masks * pat.nrows[:, None]).sum(axis=0), dtype=float)


def _precision_weighted(stats: list[SufficientStats], covs: list[FloatArray]) -> FloatArray:
    """``(Σ_g n_gΣ_g⁻¹)⁻¹ Σ_g n_gΣ_g⁻¹m_g``: the common mean given the groups' covariances."""
    p = stats[0].nvars
    total, rhs = np.zeros((p, p)), np.zeros(p)
    for s, cov in zip(stats, covs, strict=True):
        fac = PDFactor.of(cov, name="cov")
        total += s.n * fac.inverse()
        rhs += s.n * fac.solve(s.mean)
    return np.asarray(PDFactor.of((total + total.T) / 2, name="cov").solve(rhs))
