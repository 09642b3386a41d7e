"""Amelia's EMB (Honaker, King & Blackwell, 2011): for each imputation, the EM estimate of a
bootstrap sample of the rows, then a draw of the missing values from their conditional normal
under that estimate.

The bootstrap sample is the rows with frequency weights ``w ~ Multinomial(n, 1/n)`` (the rows
observing at least one value), so EM runs on the same missingness patterns without copying
the data; it starts from the full data's estimate, a few EM steps away. The spread of the
bootstrap estimates approximates the posterior's (the estimate's sampling variance), which is
what makes the imputations proper.
"""

from __future__ import annotations

import numpy as np

from .._typing import FloatArray, IntArray
from ..exceptions import NotIdentifiedError, SingularCovarianceError
from ..missing import build_patterns, em
from ._imputations import BootstrapDiagnostics
from ._work import Progress, Work

__all__ = ["MAX_RESAMPLES", "TOL", "bootstrap"]

TOL = 1e-6
"""EM's tolerance for a bootstrap sample (Amelia: 1e-4): the error left, about this relative
change, is far below the sampling error that the bootstrap samples spread over."""

SWITCH = 1e-2
"""Newton takes over once EM's relative step is below this: a bootstrap sample's estimate is
within Newton's reach of the full data's, where each EM step would cost as much as a Newton
step and gain far less (measured: half the passes over the patterns)."""

MAX_RESAMPLES = 100
"""Bootstrap samples drawn for one imputation before giving up (a sample that leaves a
variable with too few observed rows is drawn again)."""


def _estimate(work: Work, rng: np.random.Generator) -> tuple[FloatArray, FloatArray, int, int]:
    """The EM estimate of one bootstrap sample: mean, covariance, iterations, samples drawn."""
    used = np.flatnonzero(~np.isnan(work.z).all(axis=1))
    last: Exception | None = None
    for attempt in range(1, MAX_RESAMPLES + 1):
        weights = np.zeros(work.z.shape[0])
        weights[used] = rng.multinomial(used.size, np.full(used.size, 1.0 / used.size))
        try:
            pat = build_patterns(work.dataset, weights)
            out = em(pat, tol=TOL, start=(work.mean, work.cov), switch=SWITCH)
        except (NotIdentifiedError, SingularCovarianceError) as exc:
            last = exc
            continue
        return out.mean + pat.origin, out.cov, out.iterations, attempt
    raise NotIdentifiedError(
        f"{MAX_RESAMPLES} bootstrap samples in a row left the imputation model unidentified "
        f"(the last one: {last}). Too few rows observe some variables for the bootstrap; "
        "use method='posterior', or fewer variables.") from last


def bootstrap(work: Work, m: int, rng: np.random.Generator, show: bool,
              redraws: IntArray) -> tuple[FloatArray, BootstrapDiagnostics]:
    """``m`` imputations by EMB: the imputed values ``(m, cells)`` and the diagnostics
    (redraws to meet the bounds are counted in ``redraws``). Each imputation draws from its
    own generator (spawned from ``rng``), so imputation ``i`` does not depend on how many
    draws the others needed."""
    values = np.empty((m, work.rows.size))
    iterations = np.zeros(m, dtype=np.intp)
    resamples = np.zeros(m, dtype=np.intp)
    bar = Progress(m, show, "imputations (bootstrap EM)")
    try:
        for i, child in enumerate(rng.spawn(m)):
            mean, cov, iterations[i], resamples[i] = _estimate(work, child)
            values[i] = work.draw(mean, cov, child, redraws)
            bar.update()
    finally:
        bar.close()
    return values, BootstrapDiagnostics(iterations, resamples)
