"""Estimators of the covariance of the estimates ``Cov(θ̂)``: the one source of inference.

Every fitted result holds exactly one :class:`ParamCovariance`. Its :meth:`~ParamCovariance.diag`
is cheap (what standard errors need) and its :meth:`~ParamCovariance.dense` matrix is built on
request and cached; ``std_errors``, ``cov_params()``, ``conf_int``, p-values and Wald tests all
derive from it, so they cannot disagree.

For ``θ = (μ, vech Σ)`` of the unstructured model at the MLE:

* :class:`Classic` — the inverse expected information, in closed form without inverting
  anything: ``Var μ̂ = Σ/n``, ``Cov(σ̂_ij, σ̂_kl) = (σ_ik σ_jl + σ_il σ_jk)/n``
  (``= (2/n) D⁺(Σ⊗Σ)D⁺ᵀ``), ``Cov(μ̂, σ̂) = 0``. Valid when the data are normal.
* :class:`Robust` — the sandwich ``A⁻¹BA⁻¹`` with ``A`` the information and ``B = Σᵢ wᵢsᵢsᵢᵀ``
  from the per-observation scores. At the MLE ``A⁻¹sᵢ = uᵢ = (rᵢ, vech(rᵢrᵢᵀ − Σ̂))/n``, so
  ``Var σ̂_jk = (Σᵢ wᵢ rᵢⱼ²rᵢₖ² − nσ̂_jk²)/n²`` — fourth moments instead of normal theory,
  valid for any distribution with finite fourth moments. The diagonal costs one ``O(np²)``
  pass; the dense matrix is one symmetric rank-k update ``UᵀWU`` (a SYRK), on request.

For any other model or estimator (EM, structured covariances):

* :class:`FromInformation` — ``A⁻¹`` for a given information matrix ``A`` (observed or
  expected), by one Cholesky factorisation.
* :class:`Sandwich` — ``A⁻¹BA⁻¹`` for given ``A`` and ``B``.
* :class:`Scaled` — ``F C F`` for a diagonal change of units ``F`` (fits computed in scaled
  units to stay within float64's range).
"""

from __future__ import annotations

from functools import partial

import numpy as np
from scipy.linalg import block_diag

from .._typing import FloatArray
from ..data import Rows
from ..exceptions import (
    InvalidOptionError,
    NotIdentifiedError,
    NumericalRangeError,
)
from ..linalg import PDFactor, duplication_pinv_sandwich, vech_indices
from ..model import nparams, refuse_dense, score_rows

__all__ = ["Classic", "Embedded", "FromInformation", "NotAvailable", "ParamCovariance", "Robust",
           "Sandwich", "Scaled", "classic_variance", "robust_variance",
           "score_meat"]


class ParamCovariance:
    """Base class: ``Cov(θ̂)`` with a cheap diagonal and a dense matrix built once, on request.

    Subclasses implement ``_diag`` and ``_dense``; ``cov_type`` names the estimator and
    ``information`` the information it rests on (``"expected"``, ``"observed"``).
    """

    cov_type: str = ""
    information: str = ""
    formula: str = ""

    def __init__(self, k: int) -> None:
        self.k = k
        self._cache: dict[str, FloatArray] = {}

    def diag(self) -> FloatArray:
        """Variances of the estimates (length ``k``), computed once."""
        if "diag" not in self._cache:
            self._cache["diag"] = np.maximum(self._diag(), 0.0)
        return self._cache["diag"]

    def std(self) -> FloatArray:
        """Standard errors ``sqrt(diag)`` (length ``k``)."""
        return np.sqrt(self.diag())

    def dense(self) -> FloatArray:
        """The ``k×k`` covariance of the estimates, built on first request and cached.

        Raises
        ------
        TooLargeError
            Above ``DENSE_PARAM_LIMIT`` parameters.
        """
        if "dense" not in self._cache:
            out = self._dense()
            self._cache["dense"] = (out + out.T) / 2
        return self._cache["dense"]

    def _diag(self) -> FloatArray:
        return np.diag(self.dense()).copy()

    def _dense(self) -> FloatArray:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


def classic_variance(cov: FloatArray, nobs: float) -> FloatArray:
    """Classic variances of ``(μ̂, vech Σ̂)`` in ``O(p²)``: ``σᵢᵢ/n`` and ``(σᵢᵢσⱼⱼ + σᵢⱼ²)/n``.

    Examples
    --------
    >>> classic_variance(np.array([[4.0]]), 100.0)
    array([0.04, 0.32])
    """
    rows, cols = vech_indices(cov.shape[0])
    d = np.diag(cov)
    return np.concatenate([d, d[rows] * d[cols] + cov[rows, cols] ** 2]) / nobs


class Classic(ParamCovariance):
    """Inverse expected information of the unstructured model at the MLE (closed form).

    Examples
    --------
    >>> c = Classic(np.array([[4.0]]), 100.0)
    >>> c.diag(), c.dense()
    (array([0.04, 0.32]), array([[0.04, 0.  ],
           [0.  , 0.32]]))
    """

    cov_type = "classic"
    information = "expected"
    formula = ("inverse expected information: Var μ̂ = Σ/n, Cov(σ̂ij, σ̂kl) = "
               "(σik σjl + σil σjk)/n")

    def __init__(self, cov: FloatArray, nobs: float) -> None:
        super().__init__(nparams(cov.shape[0]))
        self.cov, self.nobs = cov, float(nobs)

    def _diag(self) -> FloatArray:
        return classic_variance(self.cov, self.nobs)

    def _dense(self) -> FloatArray:
        refuse_dense(self.cov.shape[0], "parameter covariance")
        block = np.asarray(duplication_pinv_sandwich(self.cov, self.cov), dtype=np.float64)
        return block_diag(self.cov, 2.0 * block) / self.nobs


ROWS_PER_PASS = 1 << 18
"""Values per chunk of the robust passes (2 MiB of float64)."""

OUTER_ROWS = 4096
"""Rows per block of the dense robust matrix (measured: 1024–16384 within 10%), fewer where
a block would exceed :data:`OUTER_VALUES`."""

OUTER_VALUES = 1 << 22
"""Values in one block of the dense robust matrix (32 MB)."""


def _moments(x: FloatArray, w: FloatArray | None, mean: FloatArray,
             step: int) -> tuple[FloatArray, FloatArray]:
    """``((R∘R)ᵀW(R∘R), Σᵢwᵢrᵢ²)`` of one chunk, ``R = x − mean``."""
    p = mean.size
    fourth, second = np.zeros((p, p)), np.zeros(p)
    for start in range(0, x.shape[0], step):
        r2 = (x[start:start + step] - mean) ** 2
        wr2 = r2 if w is None else r2 * w[start:start + step, None]
        fourth += wr2.T @ r2
        second += wr2.sum(axis=0)
    return fourth, second


def robust_variance(rows: Rows, mean: FloatArray, cov: FloatArray, nobs: float) -> FloatArray:
    """Diagonal of the robust covariance of ``(μ̂, vech Σ̂)`` at the MLE, one ``O(np²)`` pass.

    ``Var μ̂ⱼ = Σᵢwᵢrᵢⱼ²/n²``, ``Var σ̂ⱼₖ = (Σᵢ wᵢ rᵢⱼ² rᵢₖ² − n σ̂ⱼₖ²)/n²``: the fourth
    moments are the ``p×p`` matrix ``(R∘R)ᵀW(R∘R)``, accumulated chunk by chunk.

    Examples
    --------
    >>> from mvn_estimate.data import Chunked
    >>> x = np.array([[0.0], [1.0], [2.0], [7.0]])
    >>> robust_variance(Chunked.of(x), x.mean(0), np.atleast_2d(np.var(x)), 4.0).round(4)
    array([ 1.8125, 15.25  ])
    """
    p = mean.size
    fourth, second = rows.total(partial(_moments, mean=mean, step=max(64, ROWS_PER_PASS // p)))
    r, c = vech_indices(p)
    var_cov = (fourth[r, c] - nobs * cov[r, c] ** 2) / nobs**2
    return np.concatenate([second / nobs**2, var_cov])


def _outer(x: FloatArray, w: FloatArray | None, mean: FloatArray, cov: FloatArray,
           step: int) -> FloatArray:
    """``UᵀWU`` of one chunk, rows ``uᵢ = (rᵢ, vech(rᵢrᵢᵀ − Σ))``, one SYRK per block.

    Each block is built transposed (``k × rows``), so that every product ``rⱼ∘r_{j:}`` is
    written to contiguous memory: measured 1.5× faster than filling ``rows × k``.
    """
    p = mean.size
    k = nparams(p)
    out = np.zeros((k, k))
    centre = cov[vech_indices(p)][:, None]
    block = np.empty((k, step))
    for start in range(0, x.shape[0], step):
        m = min(step, x.shape[0] - start)
        u = block if m == step else np.empty((k, m))
        r = u[:p]
        np.subtract(x[start:start + m].T, mean[:, None], out=r)
        at = p
        for j in range(p):  # vech order: column j of the lower triangle, rows j..p-1
            np.multiply(r[j:], r[j], out=u[at:at + p - j])
            at += p - j
        u[p:] -= centre
        if w is not None:
            u *= np.sqrt(w[start:start + m])
        out += u @ u.T  # numpy runs X @ X.T as a symmetric rank-k update (SYRK)
    return out


def _robust_dense(rows: Rows, mean: FloatArray, cov: FloatArray, nobs: float) -> FloatArray:
    """``UᵀWU/n²`` with rows ``uᵢ = (rᵢ, vech(rᵢrᵢᵀ − Σ))``."""
    step = max(16, min(OUTER_ROWS, OUTER_VALUES // nparams(mean.size)))
    return rows.total(partial(_outer, mean=mean, cov=cov, step=step)) / nobs**2


class Robust(ParamCovariance):
    """Sandwich ``A⁻¹BA⁻¹`` of the unstructured model at the MLE, from fourth moments.

    ``rows`` gives the data again (the in-memory array, a file read a second time, Dask
    partitions): the diagonal is one ``O(np²)`` pass, the dense matrix one SYRK pass, made
    only when :meth:`dense` is first called.
    """

    cov_type = "robust"
    information = "expected"
    formula = ("sandwich A⁻¹BA⁻¹ from per-observation scores: Var σ̂jk = "
               "(Σ wᵢ rᵢj² rᵢk² − n σ̂jk²)/n²")

    def __init__(self, rows: Rows, mean: FloatArray, cov: FloatArray, nobs: float) -> None:
        super().__init__(nparams(mean.size))
        self.rows, self.mean, self.cov, self.nobs = rows, mean, cov, float(nobs)

    def _diag(self) -> FloatArray:
        return robust_variance(self.rows, self.mean, self.cov, self.nobs)

    def _dense(self) -> FloatArray:
        refuse_dense(self.mean.size, "robust parameter covariance", copies=2)
        return _robust_dense(self.rows, self.mean, self.cov, self.nobs)


def _factor_information(information: FloatArray, names: str) -> PDFactor:
    if not np.all(np.isfinite(information)):
        raise NumericalRangeError(
            f"The information matrix of {names} at the estimate is beyond float64's range: the "
            "data's columns differ in scale by more than one model's information can hold "
            "(about 1e75 between the largest and smallest spread). Rescale the columns (e.g. "
            "multiply some by a power of ten) and scale the estimates back.")
    fac = PDFactor.maybe(information, name="information")
    if fac is None:
        lowest = float(np.linalg.eigvalsh((information + information.T) / 2)[0])
        raise NotIdentifiedError(
            f"The information matrix of {names} at the estimate is not positive definite "
            f"(smallest eigenvalue {lowest:.3g}): some parameters are not identified by the "
            "data (too few rows observe the variables involved, or the model is "
            "over-parameterised). Use fewer variables or a structured covariance.")
    return fac


class FromInformation(ParamCovariance):
    """``A⁻¹`` for an information matrix ``A`` over ``θ``, by one Cholesky factorisation."""

    cov_type = "classic"

    def __init__(self, information: FloatArray, kind: str, what: str = "the model") -> None:
        super().__init__(information.shape[0])
        self.information = kind
        self.formula = f"inverse {kind} information"
        self._fac = _factor_information(information, what)

    def _dense(self) -> FloatArray:
        return self._fac.inverse()


class Sandwich(ParamCovariance):
    """``A⁻¹BA⁻¹`` for an information ``A`` and the outer-product matrix ``B = Σᵢwᵢsᵢsᵢᵀ``."""

    cov_type = "robust"

    def __init__(self, information: FloatArray, meat: FloatArray, kind: str,
                 what: str = "the model") -> None:
        super().__init__(information.shape[0])
        self.information = kind
        self.formula = f"sandwich A⁻¹BA⁻¹ with A the {kind} information"
        self._fac = _factor_information(information, what)
        self._meat = meat

    def _dense(self) -> FloatArray:
        half = self._fac.solve(self._meat)
        return self._fac.solve(half.T)


class Scaled(ParamCovariance):
    """``F C F`` for a diagonal change of units ``F = diag(a∘b)``: the estimates were computed
    as ``θ/F``. The factor comes in two parts, applied one after the other, so that a factor
    beyond float64's range (``2^1024``) never has to be formed."""

    def __init__(self, base: ParamCovariance, first: FloatArray, second: FloatArray) -> None:
        super().__init__(base.k)
        self.base, self.first, self.second = base, first, second
        self.cov_type, self.information, self.formula = base.cov_type, base.information, \
            base.formula

    def diag(self) -> FloatArray:
        with np.errstate(over="ignore"):
            return self.std() ** 2

    def std(self) -> FloatArray:
        return self.base.std() * self.first * self.second

    def _dense(self) -> FloatArray:
        with np.errstate(over="ignore", under="ignore"):
            base = self.base.dense()
            out = base
            for f in (self.first, self.second):
                out = out * f[:, None] * f[None, :]
        lost = (np.diag(base) > 0) & (np.abs(np.diag(out)) < np.finfo(float).tiny)
        if not np.all(np.isfinite(out)) or lost.any():
            which = "above" if not np.all(np.isfinite(out)) else "below"
            raise NumericalRangeError(
                f"The covariance of the estimates has entries {which} float64's range (the "
                "variances of the covariance estimates are about the fourth power of the "
                "data's scale); std_errors are available. Rescale the data for cov_params()."
            )
        return out


class Embedded(ParamCovariance):
    """``Cov(θ̂)`` when some parameters are held fixed (at a bound): the estimator of the free
    ones, with NaN for the fixed ones (they have no standard error)."""

    def __init__(self, base: ParamCovariance, free: np.ndarray) -> None:
        super().__init__(free.size)
        self.base, self.free = base, free
        self.cov_type, self.information, self.formula = base.cov_type, base.information, \
            base.formula + " (parameters at a bound held fixed)"

    def diag(self) -> FloatArray:
        out = np.full(self.k, np.nan)
        out[self.free] = self.base.diag()
        return out

    def std(self) -> FloatArray:
        out = np.full(self.k, np.nan)
        out[self.free] = self.base.std()  # not sqrt(diag): a variance may overflow
        return out

    def _dense(self) -> FloatArray:
        out = np.full((self.k, self.k), np.nan)
        out[np.ix_(self.free, self.free)] = self.base.dense()
        return out


class NotAvailable(ParamCovariance):
    """No covariance of the estimates: for estimates that are not maximum likelihood (a
    shrinkage estimate), whose sampling variance the information does not describe."""

    cov_type = "none"
    information = "none"

    def __init__(self, k: int, why: str) -> None:
        super().__init__(k)
        self.formula = f"not available ({why})"
        self.why = why

    def diag(self) -> FloatArray:
        return np.full(self.k, np.nan)

    def std(self) -> FloatArray:
        return self.diag()

    def _dense(self) -> FloatArray:
        raise InvalidOptionError(
            f"This fit has no covariance of the estimates: {self.why}. Bootstrap the fit if "
            "you need their uncertainty.")


def _meat(x: FloatArray, w: FloatArray | None, mean: FloatArray, fac: PDFactor,
          step: int) -> FloatArray:
    out = np.zeros((nparams(mean.size),) * 2)
    for start in range(0, x.shape[0], step):
        s = score_rows(x[start:start + step], mean, fac)
        if w is not None:
            s *= np.sqrt(w[start:start + step])[:, None]
        out += s.T @ s
    return out


def score_meat(rows: Rows, mean: FloatArray, fac: PDFactor) -> FloatArray:
    """``B = Σᵢ wᵢ sᵢsᵢᵀ`` over ``(μ, vech Σ)`` from the per-row scores, in row chunks."""
    step = max(16, ROWS_PER_PASS // nparams(mean.size))
    out = rows.total(partial(_meat, mean=mean, fac=fac, step=step))
    return (out + out.T) / 2
