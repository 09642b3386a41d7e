"""Covariance structures ``Σ(θ)``: the base class, and the models every other builds on.

A structure maps its parameters ``θ`` (length ``q``) to a ``p×p`` covariance and gives, in
``vech`` order (columns of the lower triangle, as :func:`mvn_estimate.linalg.vech`):

* ``jacobian(θ)``: ``J = ∂ vech Σ / ∂θᵀ``, shape ``(p(p+1)/2, q)``;
* ``hessian(θ)``: ``∂² vech Σ / ∂θ∂θᵀ``, shape ``(p(p+1)/2, q, q)`` (zero for linear models).

With those the chain rule turns the score and information over ``vech Σ`` into the score and
information over ``θ``: ``score_θ = Jᵀ score_vechΣ``, ``I_θ = Jᵀ I_vechΣ J`` (expected) and,
for the observed information, ``− Σ_m score_vechΣ[m] · hessian[m]`` on top.

``unconstrained()`` returns the same model over parameters free to take any real value (the
log-Cholesky factor for the unstructured model, logs of variances, ``atanh`` of a
correlation), which is what an optimiser such as ``scipy.optimize.minimize`` wants. Here:
the base class, the unstructured model, its log-Cholesky form and the generic
reparametrisation; the other built-ins are in :mod:`._structures`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray
from ..exceptions import InvalidOptionError, ShapeError, arg, describe
from ..linalg import num_jacobian, vech_indices, vech_size

__all__ = ["CovarianceStructure", "LogCholesky", "Reparametrised", "Unstructured",
           "vech_position"]

def vech_position(p: int) -> np.ndarray:
    """``pos[i, j]``: the index of entry ``(i, j)`` (either order) in ``vech`` of a ``p×p``."""
    rows, cols = vech_indices(p)
    pos = np.zeros((p, p), dtype=np.intp)
    pos[rows, cols] = np.arange(rows.size)
    pos[cols, rows] = np.arange(rows.size)
    return pos


class CovarianceStructure:
    """Base class of covariance structures ``Σ(θ)`` (see the module notes).

    Subclasses implement :meth:`nparams`, :meth:`cov`, :meth:`jacobian`, :meth:`start` and
    :meth:`param_names`; :meth:`hessian` defaults to finite differences of the Jacobian and
    :meth:`closed_form` to ``None`` (no closed form: the fit iterates). A structure is *bound*
    to the variables it describes by :meth:`bind`, which ``fit`` calls.

    Examples
    --------
    A Toeplitz covariance with its own parameter per lag:

    >>> import numpy as np, pandas as pd, mvn_estimate as me
    >>> from mvn_estimate.linalg import vech_indices
    >>> class Toeplitz(me.structures.CovarianceStructure):
    ...     name = "toeplitz"
    ...     def nparams(self):
    ...         return self.p
    ...     def cov(self, theta):
    ...         i = np.arange(self.p)
    ...         return np.asarray(theta)[np.abs(i[:, None] - i[None, :])]
    ...     def jacobian(self, theta):
    ...         rows, cols = vech_indices(self.p)
    ...         lag = np.abs(rows - cols)
    ...         return (lag[:, None] == np.arange(self.p)).astype(float)
    ...     def start(self, S):
    ...         return np.array([np.mean(np.diagonal(S, k)) for k in range(self.p)])
    ...     def param_names(self, columns):
    ...         return [f"lag{k}" for k in range(self.p)]
    >>> rng = np.random.default_rng(0)
    >>> x = rng.multivariate_normal(np.zeros(3), [[2, 1, .5], [1, 2, 1], [.5, 1, 2]], 500)
    >>> res = me.fit(x, structure=Toeplitz())
    >>> list(res.params.index[3:])
    ['lag0', 'lag1', 'lag2']
    >>> bool(np.allclose(res.cov.to_numpy(), Toeplitz().bind(res.labels).cov(res.params[3:])))
    True
    """

    name = "custom"

    def __init__(self) -> None:
        self.labels: pd.Index | None = None

    # -- binding -------------------------------------------------------------------------
    @property
    def p(self) -> int:
        """Number of variables (after :meth:`bind`)."""
        if self.labels is None:
            raise InvalidOptionError(
                f"The {self.name!r} structure is not bound to variables yet; call "
                ".bind(columns) (fit does this) before evaluating it."
            )
        return len(self.labels)

    def bind(self, labels: Sequence[Any] | pd.Index) -> CovarianceStructure:
        """A copy of this structure for the variables ``labels`` (checks they fit)."""
        out = copy.copy(self)
        out.labels = pd.Index(list(labels))
        out._check_bound()
        return out

    def _check_bound(self) -> None:
        """Hook: raise if the structure cannot describe ``self.labels``."""

    # -- the model ---------------------------------------------------------------------------
    def nparams(self) -> int:
        """Number of parameters ``q``."""
        raise NotImplementedError

    def cov(self, theta: Any) -> FloatArray:
        """``Σ(θ)``, shape ``(p, p)``."""
        raise NotImplementedError

    def jacobian(self, theta: Any) -> FloatArray:
        """``∂ vech Σ / ∂θᵀ``, shape ``(p(p+1)/2, q)``."""
        def vech_cov(t: np.ndarray) -> FloatArray:
            rows, cols = vech_indices(self.p)
            return self.cov(t)[rows, cols]
        return num_jacobian(vech_cov, np.asarray(theta, dtype=float))

    def hessian(self, theta: Any) -> FloatArray:
        """``∂² vech Σ / ∂θ∂θᵀ``, shape ``(p(p+1)/2, q, q)``; finite differences of
        :meth:`jacobian` unless a subclass knows better."""
        t = np.asarray(theta, dtype=float)
        q = t.size
        flat = num_jacobian(lambda u: self.jacobian(u).ravel(), t)  # (m*q, q)
        out = flat.reshape(-1, q, q)
        return (out + np.swapaxes(out, 1, 2)) / 2

    def start(self, S: FloatArray) -> FloatArray:
        """Starting values ``θ₀`` from a sample covariance ``S``."""
        raise NotImplementedError

    def param_names(self, columns: Sequence[str]) -> list[str]:
        """Names of the parameters (``columns`` are the variables' names as strings)."""
        raise NotImplementedError

    def closed_form(self, S: FloatArray) -> FloatArray | None:
        """The ML estimate of ``θ`` given the ML covariance ``S`` (mean saturated), if it has a
        closed form; ``None`` otherwise."""
        return None

    def param_kinds(self) -> list[str]:
        """What each parameter is: ``"variance"`` (positive: intervals on the log scale, no
        p-value for "= 0"), ``"correlation"`` (in (−1, 1): intervals on the atanh scale) or
        ``"free"`` (symmetric Wald intervals). Default: all free."""
        return ["free"] * self.nparams()

    def valid(self, theta: FloatArray) -> bool:
        """Whether ``θ`` lies in the parameter space (positive-definiteness is checked apart)."""
        return True

    def min_rows(self) -> int:
        """Fewest observations the structure's ML fit needs: ``p + 1`` by default (a fit that
        starts from, or inverts, the sample covariance needs it nonsingular); structures
        identified from fewer rows (diagonal, spherical, …) say so."""
        return self.p + 1

    def scale_degrees(self) -> np.ndarray:
        """How each parameter scales with the data: ``k`` (0, 1 or 2) such that
        ``Σ(θ ∘ c^k) = c² Σ(θ)`` for data multiplied by ``c``. Default 2 for every parameter,
        right for a ``Σ(θ)`` linear in ``θ`` (variances and covariances); a correlation has
        0, a factor loading 1. Fits at the edges of float64's range are computed in units of
        a power of two and brought back with these (a wrong default is detected there)."""
        return np.full(self.nparams(), 2)

    def lower_bounds(self, S: FloatArray) -> FloatArray | None:
        """Lower bounds on ``θ`` that the fit respects given the sample covariance ``S``
        (``None``: none); a parameter ending at its bound is reported (see ``Factor``)."""
        return None

    def unconstrained(self) -> CovarianceStructure:
        """The same model over unconstrained parameters (default: ``θ`` itself)."""
        return self

    def to_unconstrained(self, theta: FloatArray) -> FloatArray:
        """``η`` of :meth:`unconstrained` with ``Σ(η) = Σ(θ)``."""
        return np.asarray(theta, dtype=float)

    def from_unconstrained(self, eta: FloatArray) -> FloatArray:
        """``θ`` with ``Σ(θ) = Σ(η)``."""
        return np.asarray(eta, dtype=float)

    def _theta(self, theta: Any) -> FloatArray:
        t = np.asarray(theta, dtype=float)
        if t.shape != (self.nparams(),):
            raise ShapeError(f"{arg('theta')} of the {self.name!r} structure must have "
                             f"shape ({self.nparams()},); got {describe(t)}.")
        return t

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __str__(self) -> str:
        return self.name


class Unstructured(CovarianceStructure):
    """Every variance and covariance free: ``θ = vech Σ`` (today's model, the default)."""

    name = "unstructured"

    def nparams(self) -> int:
        return vech_size(self.p)

    def cov(self, theta: Any) -> FloatArray:
        t = self._theta(theta)
        out = np.empty((self.p, self.p))
        rows, cols = vech_indices(self.p)
        out[rows, cols] = t
        out[cols, rows] = t
        return out

    def jacobian(self, theta: Any) -> FloatArray:
        return np.eye(self.nparams())

    def hessian(self, theta: Any) -> FloatArray:
        m = self.nparams()
        return np.zeros((m, m, m))

    def start(self, S: FloatArray) -> FloatArray:
        rows, cols = vech_indices(self.p)
        return np.asarray(S, dtype=float)[rows, cols]

    closed_form = start

    def param_names(self, columns: Sequence[str]) -> list[str]:
        rows, cols = vech_indices(len(columns))
        return [f"cov[{columns[j]},{columns[i]}]" for i, j in zip(rows, cols, strict=True)]

    def param_kinds(self) -> list[str]:
        rows, cols = vech_indices(self.p)
        return ["variance" if i == j else "free" for i, j in zip(rows, cols, strict=True)]

    def unconstrained(self) -> CovarianceStructure:
        return LogCholesky().bind(self.labels) if self.labels is not None else LogCholesky()

    def to_unconstrained(self, theta: FloatArray) -> FloatArray:
        low = np.asarray(np.linalg.cholesky(self.cov(theta)), dtype=np.float64)
        return LogCholesky.pack(low)

    def from_unconstrained(self, eta: FloatArray) -> FloatArray:
        return self.start(LogCholesky().bind(self.labels).cov(eta))  # type: ignore[arg-type]


class LogCholesky(CovarianceStructure):
    """``Σ = LLᵀ`` with ``η = (log L_ii, L_ij for i > j)`` in ``vech`` order: unconstrained,
    and every ``η`` gives a positive definite ``Σ`` (Pinheiro & Bates, 1996)."""

    name = "log-cholesky"

    def nparams(self) -> int:
        return vech_size(self.p)

    @staticmethod
    def pack(low: FloatArray) -> FloatArray:
        rows, cols = vech_indices(low.shape[0])
        eta = low[rows, cols].copy()
        diag = rows == cols
        eta[diag] = np.log(eta[diag])
        return eta

    def _lower(self, eta: FloatArray) -> FloatArray:
        rows, cols = vech_indices(self.p)
        vals = np.where(rows == cols, np.exp(np.minimum(eta, 700.0)), eta)
        low = np.zeros((self.p, self.p))
        low[rows, cols] = vals
        return low

    def cov(self, theta: Any) -> FloatArray:
        low = self._lower(self._theta(theta))
        return low @ low.T

    def jacobian(self, theta: Any) -> FloatArray:
        # Σ_ij = Σ_k L_ik L_jk; ∂Σ_ij/∂L_ab = δ_ia L_jb + δ_ja L_ib; ∂L_ab/∂η = L_ab on the
        # diagonal (log), 1 off it.
        eta = self._theta(theta)
        p = self.p
        low = self._lower(eta)
        rows, cols = vech_indices(p)
        chain = np.where(rows == cols, np.diag(low)[rows], 1.0)
        out = np.zeros((rows.size, rows.size))
        for k, (a, b) in enumerate(zip(rows, cols, strict=True)):
            d = np.zeros((p, p))
            d[a, :] += low[:, b]
            d[:, a] += low[:, b]
            out[:, k] = d[rows, cols] * chain[k]
        return out

    def hessian(self, theta: Any) -> FloatArray:
        eta = self._theta(theta)
        p = self.p
        low = self._lower(eta)
        rows, cols = vech_indices(p)
        m = rows.size
        chain = np.where(rows == cols, np.diag(low)[rows], 1.0)
        out = np.zeros((m, m, m))
        for k, (a, b) in enumerate(zip(rows, cols, strict=True)):
            for l_, (c, d_) in enumerate(zip(rows, cols, strict=True)):
                if b != d_:
                    continue
                e = np.zeros((p, p))  # ∂²Σ/∂L_ab∂L_cb = e_a e_cᵀ + e_c e_aᵀ
                e[a, c] += 1.0
                e[c, a] += 1.0
                out[:, k, l_] += e[rows, cols] * chain[k] * chain[l_]
            if a == b:  # the log map's second derivative on the diagonal
                d = np.zeros((p, p))
                d[a, :] += low[:, b]
                d[:, a] += low[:, b]
                out[:, k, k] += d[rows, cols] * low[a, a]
        return out

    def start(self, S: FloatArray) -> FloatArray:
        return self.pack(np.linalg.cholesky(np.asarray(S, dtype=float)))

    def param_names(self, columns: Sequence[str]) -> list[str]:
        rows, cols = vech_indices(len(columns))
        return [f"logchol[{columns[i]},{columns[j]}]" if i == j else
                f"chol[{columns[i]},{columns[j]}]" for i, j in zip(rows, cols, strict=True)]


class Reparametrised(CovarianceStructure):
    """``base`` over ``η`` with ``θ = forward(η)`` (elementwise maps by default: ``exp`` for a
    positive parameter, ``tanh`` for a correlation); the chain rule gives ``J`` and ``H``."""

    def __init__(self, base: CovarianceStructure,
                 maps: Sequence[str]) -> None:
        super().__init__()
        self.base, self.maps = base, list(maps)
        self.labels = base.labels
        self.name = f"{base.name} (unconstrained)"

    def nparams(self) -> int:
        return self.base.nparams()

    def _derivs(self, eta: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        theta, d1, d2 = np.empty_like(eta), np.empty_like(eta), np.empty_like(eta)
        for k, kind in enumerate(self.maps):
            f, g, h = _MAPS[kind]
            theta[k], d1[k], d2[k] = f(eta[k]), g(eta[k]), h(eta[k])
        return theta, d1, d2

    def cov(self, theta: Any) -> FloatArray:
        return self.base.cov(self._derivs(self._theta(theta))[0])

    def jacobian(self, theta: Any) -> FloatArray:
        t, d1, _ = self._derivs(self._theta(theta))
        return self.base.jacobian(t) * d1[None, :]

    def hessian(self, theta: Any) -> FloatArray:
        t, d1, d2 = self._derivs(self._theta(theta))
        out = self.base.hessian(t) * d1[None, :, None] * d1[None, None, :]
        q = t.size
        out[:, np.arange(q), np.arange(q)] += self.base.jacobian(t) * d2[None, :]
        return out

    def start(self, S: FloatArray) -> FloatArray:
        return self.to_eta(self.base.start(S))

    def to_eta(self, theta: FloatArray) -> FloatArray:
        return np.array([_INVERSE[k](v) for k, v in zip(self.maps, theta, strict=True)])

    def param_names(self, columns: Sequence[str]) -> list[str]:
        names = self.base.param_names(columns)
        return [n if m == "identity" else f"{m}({n})" for n, m in zip(names, self.maps,
                                                                        strict=True)]


_MAPS: dict[str, tuple[Callable[[float], float], ...]] = {
    "identity": (lambda e: e, lambda e: 1.0, lambda e: 0.0),
    "log": (lambda e: float(np.exp(min(e, 700.0))), lambda e: float(np.exp(min(e, 700.0))),
            lambda e: float(np.exp(min(e, 700.0)))),
    "atanh": (lambda e: float(np.tanh(e)), lambda e: float(1 - np.tanh(e) ** 2),
              lambda e: float(-2 * np.tanh(e) * (1 - np.tanh(e) ** 2))),
}
_INVERSE: dict[str, Callable[[float], float]] = {
    "identity": lambda v: v, "log": lambda v: float(np.log(v)),
    "atanh": lambda v: float(np.arctanh(v)),
}
