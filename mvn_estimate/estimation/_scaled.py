"""What scaled likelihood-ratio tests read from a fit, and the scaled difference statistic.

A fit that may enter a scaled test carries a :class:`ScoreMoments`: for its free parameters
``θ`` (``k`` of them), the information ``I`` (expected or observed, totals over rows) and the
outer products of the per-row scores ``B = Σᵢ wᵢsᵢsᵢᵀ``, and — for Satorra–Bentler, complete
data only — ``h = tr(A(Σ̂)Γ)``, the trace of the normal saturated information per row at the
fit's ``Σ̂``, ``A(Σ̂) = blockdiag(Σ̂⁻¹, ½Dᵀ(Σ̂⁻¹⊗Σ̂⁻¹)D)``, against the ADF matrix ``Γ``
(the covariance of ``(xᵢ, vech((xᵢ − x̄)(xᵢ − x̄)ᵀ))``, divisor ``n``). With ``P = Σ̂⁻¹``, ``S``
the ML covariance and ``qᵢ = (xᵢ − x̄)ᵀP(xᵢ − x̄)``, one pass gives
``h = tr(PS) + ½[Σwᵢqᵢ²/n − tr((PS)²)]`` — no ``p⁴``-sized ``Γ`` is formed.

For a model with ``r`` degrees of freedom against the saturated model:

* Satorra–Bentler (lavaan ``estimator="MLM"``): ``r·c = tr(UΓ) = h − tr(I_exp⁻¹B)``, since at
  the MLE ``B/n = ΔᵀAΓAΔ`` and ``I_exp/n = ΔᵀAΔ``; the saturated model's is 0.
* Yuan–Bentler, Mplus variant (lavaan ``estimator="MLR"``, its default test):
  ``r·c = tr(B₁A₁⁻¹) − tr(I_obs⁻¹B)``, the first term the saturated model's own
  ``tr(I_obs⁻¹B)`` (for complete data ``h`` at ``Σ̂ = S``, from the same pass).

Two nested models (``r₀ > r₁``, ``m = r₀ − r₁``) give the Satorra–Bentler (2001) scaled
difference: ``c_d = (r₀c₀ − r₁c₁)/m`` and ``T = 2(ℓ₁ − ℓ₀)/c_d`` on ``m`` degrees of freedom —
for Yuan–Bentler the saturated term cancels, ``m c_d = tr(I₁⁻¹B₁) − tr(I₀⁻¹B₀)``. Everything
above is a property of one fit (its information, its score outer products, its ``h``), so a
fit of any kind that supplies them can enter.

Several groups (lavaan's ``group=``): ``h = Σ_g tr(A(Σ̂_g)Γ_g)`` with each group's ``Γ_g``
about its own sample mean, and ``I``, ``B`` the joint model's over its parameters (a shared
one once), the groups' terms added. Satorra–Bentler's ``B`` is then
``Σ_g n_gΔ_gᵀA_gΓ_gA_gΔ_g``: each group's scores taken at its sample mean and centred within
the group (``centred_meat``). At the MLE of one group, or of groups sharing nothing, this is
the plain score outer product; when groups share parameters a group's scores need not sum to
zero, and lavaan's ``MLM`` uses ``Γ_g`` (validated in ``tests/reference/groups_scaled.R``).
Yuan–Bentler's ``B`` stays the uncentred score outer product at the model (lavaan's
first-order information ``B0``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from .._typing import FloatArray
from ..data import Rows
from ..exceptions import InvalidOptionError, NotIdentifiedError, setting
from ..linalg import PDFactor
from ..model import Unstructured

if TYPE_CHECKING:
    from ._estimate import Estimate
    from ._spec import FitSpec

__all__ = ["ScoreMoments", "gamma_trace", "scaling", "score_moments"]


@dataclass(frozen=True, eq=False)
class ScoreMoments:
    """The information and score outer products of a fit's free parameters, computed on
    request and cached (see the module notes).

    ``information(kind)`` and ``meat()`` are the totals over rows; ``gamma_trace()`` is
    ``h = tr(A(Σ̂)Γ)`` (complete data); ``centred_meat()``, where given, is Satorra–Bentler's
    ``B`` when it differs from ``meat()`` (groups sharing parameters). ``saturated`` fits
    have ``r·c = 0`` for Satorra–Bentler and ``tr(I⁻¹B) = h`` for complete data, without
    ``k×k`` matrices. ``unavailable`` says why a scaled test cannot use this fit (None when
    it can).
    """

    nparams: int
    complete: bool
    saturated: bool
    information: Callable[[str], FloatArray] | None = None
    meat: Callable[[], FloatArray] | None = None
    gamma_trace: Callable[[], float] | None = None
    unavailable: str | None = None
    centred_meat: Callable[[], FloatArray] | None = None
    _cache: dict[str, float] = field(default_factory=dict, repr=False)

    def trace(self, method: str) -> float:
        """``tr(I⁻¹B)`` over the free parameters (cached): for ``"satorra-bentler"`` the
        expected information and Satorra–Bentler's ``B``, for ``"yuan-bentler"`` the
        observed information and the score outer products."""
        if method not in self._cache:
            if self.saturated and self.complete and self.gamma_trace is not None:
                value = self.gamma_trace()  # at Σ̂ = S both informations are A(S)
            else:
                kind = "expected" if method == "satorra-bentler" else "observed"
                meat = self.centred_meat if kind == "expected" and self.centred_meat \
                    else self.meat
                assert self.information is not None and meat is not None
                fac = PDFactor.maybe(self.information(kind), name="information")
                if fac is None:
                    raise NotIdentifiedError(
                        f"The {kind} information of a fit in the scaled test is not positive "
                        "definite: some parameters are not identified, so the scaling "
                        "factor is not defined.")
                value = float(np.trace(fac.solve(meat())))
            self._cache[method] = value
        return self._cache[method]

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        """A pickled copy keeps what was computed, not the rows: a scaled test on it says so
        (results stay picklable)."""
        why = self.unavailable or ("it is a copy made by pickle, which does not carry the "
                                   "rows its per-row scores are read from; refit the model")
        return (ScoreMoments, (self.nparams, self.complete, self.saturated, None, None, None,
                               why, None, dict(self._cache)))

    def h1(self) -> float:
        """``h = tr(A(Σ̂)Γ)`` (cached)."""
        if "h1" not in self._cache:
            assert self.gamma_trace is not None
            self._cache["h1"] = self.gamma_trace()
        return self._cache["h1"]


def _fourth(x: FloatArray, w: FloatArray | None, mean: FloatArray, whitener: FloatArray,
            step: int) -> tuple[float, FloatArray, float]:
    """``(Σwq², Σw ddᵀ, Σw)`` of one chunk, ``d = x − mean``, ``q = dᵀPd``."""
    p = mean.size
    q2, scatter, total = 0.0, np.zeros((p, p)), 0.0
    for start in range(0, x.shape[0], step):
        d = x[start:start + step] - mean
        u = d @ whitener
        q = np.einsum("ij,ij->i", u, u)
        wb = np.ones(q.size) if w is None else w[start:start + step]
        q2 += float(wb @ (q * q))
        scatter += (d * wb[:, None]).T @ d
        total += float(wb.sum())
    return q2, scatter, total


def gamma_trace(rows: Rows, mean: FloatArray, cov: FloatArray) -> float:
    """``tr(A(Σ̂)Γ) = tr(PS) + ½[Σwq²/n − tr((PS)²)]`` in one pass over ``rows``, ``Σ̂ = cov``
    and ``Γ`` about ``mean`` (the rows' sample mean)."""
    fac = PDFactor.of(cov, name="cov")
    step = max(64, (1 << 18) // mean.size)
    q2, scatter, n = rows.total(partial(_fourth, mean=mean, whitener=fac.whitener(),
                                        step=step))
    ps = fac.solve(scatter / n)
    return float(np.trace(ps) + 0.5 * (q2 / n - np.trace(ps @ ps)))


def score_moments(e: Estimate, spec: FitSpec) -> ScoreMoments:
    """The :class:`ScoreMoments` of an estimate (nothing is computed until a test asks)."""
    k = int(e.free.sum()) if e.free is not None else e.mean.size + e.theta.size
    saturated = isinstance(e.structure, Unstructured)
    complete = spec.missing != "em"
    if spec.shrinkage is not None:
        return ScoreMoments(k, complete, saturated,
                            unavailable="a shrinkage estimate is not the maximum-likelihood "
                                        "estimate, so no likelihood-ratio statistic is scaled")
    gamma = partial(gamma_trace, e.rows, e.mean, e.cov) if complete and e.rows is not None \
        else None
    return ScoreMoments(k, complete, saturated, e.information, e.meat, gamma)


def scaling(moments: ScoreMoments, method: str) -> tuple[float, str]:
    """``r·c`` of a fit against the saturated model for the Satorra–Bentler difference (the
    Yuan–Bentler one leaves out the saturated term, which cancels): ``(value, kind)``."""
    if moments.unavailable is not None:
        raise InvalidOptionError(
            f"{setting('scaled', method)} cannot use this fit: {moments.unavailable}.")
    if method == "satorra-bentler":
        if not moments.complete:
            raise InvalidOptionError(
                f"{setting('scaled', 'satorra-bentler')} needs complete data (its Γ is the "
                f"covariance of the rows' second moments); for {setting('missing', 'em')} "
                f"use {setting('scaled', 'yuan-bentler')}, lavaan's MLR.")
        if moments.saturated:
            return 0.0, "expected"
        return moments.h1() - moments.trace(method), "expected"
    return -moments.trace(method), "observed"

