"""Fisher information, the Hessian, and the covariance of the estimates.

Coordinates are ``θ = (μ, vech Σ)`` (``p + p(p+1)/2`` parameters, DIGEST §2–§3). With
``P = Σ⁻¹``, ``D = D_p`` the duplication matrix, ``W = Σᵢ(xᵢ−μ)(xᵢ−μ)ᵀ`` and
``Q = P W P``:

* expected information: ``n · blockdiag(P, ½ Dᵀ(P⊗P)D)``;
* observed information (minus the Hessian of ``ln L``) at any ``(μ, Σ)``:
  ``μμ: nP``; ``μΣ``: column ``(k,l)`` is ``(m_kl/2)(P_{:,k} z_l + P_{:,l} z_k)`` with
  ``z = P Σᵢ(xᵢ−μ)`` and ``m = 2`` off the diagonal, 1 on it;
  ``ΣΣ: ½[Dᵀ(P⊗Q)D + Dᵀ(Q⊗P)D] − (n/2) Dᵀ(P⊗P)D``. At the MLE ``Q = nP``, ``z = 0`` and the
  observed equals the expected information.

Covariance of the estimates (``cov_type``):

* ``"classic"``: the inverse information at the MLE, in closed form without inverting
  anything: ``Var μ̂ = Σ/n``, ``Cov(σ̂_ij, σ̂_kl) = (σ_ik σ_jl + σ_il σ_jk)/n``
  (``= (2/n) D⁺(Σ⊗Σ)D⁺ᵀ``), ``Cov(μ̂, σ̂) = 0``. Valid when the data are normal.
* ``"robust"``: the sandwich ``A⁻¹BA⁻¹`` with ``A`` the information and ``B = Σᵢ sᵢsᵢᵀ`` from
  the per-observation scores ``sᵢ``. At the MLE ``A⁻¹sᵢ = (rᵢ, vech(rᵢrᵢᵀ − Σ̂))/n``, so
  ``Var σ̂_ij = (Σᵢ rᵢᵢ²rᵢⱼ² − nσ̂_ij²)/n²`` — fourth moments instead of normal theory. Valid
  for any distribution with finite fourth moments (e.g. heavy tails).

Standard errors come from these closed forms in ``O(p²)`` memory (``O(np²)`` time for robust);
dense ``(p + p(p+1)/2)``-square matrices are built only on request and refused above
:data:`DENSE_PARAM_LIMIT` parameters.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._data import as_dataset
from ._params import aligned_params
from ._typing import ArrayLike, FloatArray
from .exceptions import TooLargeError
from .linalg import PDFactor
from .linalg.vech import duplication_pinv_sandwich, duplication_sandwich, vech_indices, vech_size
from .stats import SufficientStats

__all__ = [
    "DENSE_PARAM_LIMIT",
    "expected_information",
    "observed_information",
    "param_cov",
    "robust_variance",
    "sandwich",
    "std_errors_classic",
]

DENSE_PARAM_LIMIT = 5000
"""Largest number of parameters for which a dense square matrix is built (200 MB); ``p = 98``."""


def _nparams(p: int) -> int:
    return p + vech_size(p)


def _refuse_dense(p: int, what: str) -> None:
    k = _nparams(p)
    if k > DENSE_PARAM_LIMIT:
        gib = k * k * 8 / 2**30
        raise TooLargeError(
            f"The dense {what} for p = {p} variables has {k}×{k} entries ({gib:.1f} GiB), above "
            f"the limit of {DENSE_PARAM_LIMIT} parameters. Use the standard errors (computed "
            "in O(p²) memory) or a subset of the variables."
        )


def _blockdiag(a: FloatArray, b: FloatArray) -> FloatArray:
    p, q = a.shape[0], b.shape[0]
    out = np.zeros((p + q, p + q))
    out[:p, :p] = a
    out[p:, p:] = b
    return out


def expected_information(cov: ArrayLike, nobs: float) -> FloatArray:
    """Expected Fisher information ``n · blockdiag(Σ⁻¹, ½ D_pᵀ(Σ⁻¹⊗Σ⁻¹)D_p)`` over ``(μ, vech Σ)``.

    Parameters
    ----------
    cov : array-like of shape (p, p)
        Positive definite covariance.
    nobs : float
        Number of observations (total weight).

    Returns
    -------
    ndarray of shape (k, k), k = p + p(p+1)/2

    Raises
    ------
    TooLargeError
        Above ``DENSE_PARAM_LIMIT`` parameters.

    Examples
    --------
    >>> expected_information([[2.0]], 10)
    array([[5.  , 0.  ],
           [0.  , 1.25]])
    """
    names = [f"x{i}" for i in range(np.shape(cov)[0])] if np.ndim(cov) == 2 else ["x0"]
    _, fac = aligned_params(np.zeros(len(names)), cov, names)
    _refuse_dense(fac.dim, "information matrix")
    prec = fac.inverse()
    block = np.asarray(duplication_sandwich(prec, prec), dtype=np.float64)
    return float(nobs) * _blockdiag(prec, 0.5 * block)


def _observed_kernel(stats: SufficientStats, mu: FloatArray, fac: PDFactor) -> FloatArray:
    p, n = fac.dim, stats.n
    prec = fac.inverse()
    z = fac.solve(n * (stats.mean - mu))
    q = fac.solve(fac.solve(stats.scatter_about(mu)).T)
    q = (q + q.T) / 2
    rows, cols = vech_indices(p)
    mult = np.where(rows == cols, 1.0, 2.0)
    cross = (prec[:, rows] * z[cols] + prec[:, cols] * z[rows]) * (mult / 2)
    sigma = np.asarray(duplication_sandwich(prec, q) - 0.5 * n * duplication_sandwich(prec, prec),
                       dtype=np.float64)
    out = _blockdiag(n * prec, sigma)
    out[:p, p:] = cross
    out[p:, :p] = cross.T
    return out


def observed_information(data: Any, mean: ArrayLike, cov: ArrayLike) -> FloatArray:
    """Observed information: minus the analytic Hessian of ``ln L`` at any ``(μ, Σ)``.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples, n_features)
    mean : array-like of shape (n_features,)
    cov : array-like of shape (n_features, n_features)

    Returns
    -------
    ndarray of shape (k, k), k = p + p(p+1)/2
        Symmetric; includes the μ–Σ cross block (zero only at μ = x̄).

    Notes
    -----
    Formulas in the module docstring; equals the finite-difference Jacobian of
    :func:`~mvn_estimate.score` at random non-optimal points, and the expected information at
    the MLE (tested).

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 6.0]])
    >>> s = np.cov(x, rowvar=False, bias=True)
    >>> bool(np.allclose(observed_information(x, x.mean(0), s), expected_information(s, 3)))
    True
    """
    ds = as_dataset(data)
    mu, fac = aligned_params(mean, cov, ds.names)
    _refuse_dense(fac.dim, "information matrix")
    return _observed_kernel(SufficientStats.from_array(ds.values), mu, fac)


def std_errors_classic(cov: FloatArray, nobs: float) -> FloatArray:
    """Classic standard errors of ``(μ̂, vech Σ̂)`` in ``O(p²)``.

    ``se(μ̂ᵢ) = √(σᵢᵢ/n)`` and ``se(σ̂ᵢⱼ) = √((σᵢᵢσⱼⱼ + σᵢⱼ²)/n)``: the diagonal of the inverse
    expected information, without building or inverting it.

    Examples
    --------
    >>> std_errors_classic(np.array([[4.0]]), 100.0)
    array([0.2       , 0.56568542])
    """
    rows, cols = vech_indices(cov.shape[0])
    d = np.diag(cov)
    var = np.concatenate([d, d[rows] * d[cols] + cov[rows, cols] ** 2]) / nobs
    return np.sqrt(var)


def robust_variance(x: FloatArray, mean: FloatArray, cov: FloatArray,
                    weights: FloatArray | None = None) -> FloatArray:
    """Diagonal of the robust (sandwich) covariance of ``(μ̂, vech Σ̂)`` at the MLE, ``O(np²)``.

    ``Var μ̂ⱼ = Σᵢwᵢrᵢⱼ²/n²``, ``Var σ̂ⱼₖ = (Σᵢ wᵢ rᵢⱼ² rᵢₖ² − n σ̂ⱼₖ²)/n²`` where the fourth
    moments are accumulated in chunks as ``(R∘R)ᵀ(R∘R)`` (a ``p×p`` matrix).

    Examples
    --------
    >>> x = np.array([[0.0], [1.0], [2.0], [7.0]])
    >>> v = robust_variance(x, x.mean(0), np.atleast_2d(np.var(x)))
    >>> v.shape
    (2,)
    """
    p = x.shape[1]
    n = float(x.shape[0]) if weights is None else float(weights.sum())
    fourth = np.zeros((p, p))
    second = np.zeros(p)
    rows_per = max(64, (1 << 18) // p)
    for start in range(0, x.shape[0], rows_per):
        r2 = (x[start:start + rows_per] - mean) ** 2
        w = None if weights is None else weights[start:start + rows_per]
        wr2 = r2 if w is None else r2 * w[:, None]
        fourth += wr2.T @ r2
        second += wr2.sum(axis=0)
    rows, cols = vech_indices(p)
    var_cov = (fourth[rows, cols] - n * cov[rows, cols] ** 2) / n**2
    return np.concatenate([second / n**2, var_cov])


def param_cov(cov: FloatArray, nobs: float, *, x: FloatArray | None = None,
              mean: FloatArray | None = None, weights: FloatArray | None = None) -> FloatArray:
    """Dense covariance of ``(μ̂, vech Σ̂)`` at the MLE: classic, or robust when ``x`` is given.

    Classic: ``blockdiag(Σ, 2D⁺(Σ⊗Σ)D⁺ᵀ)/n`` with no inversion. Robust: ``UᵀWU`` with rows
    ``uᵢ = (rᵢ, vech(rᵢrᵢᵀ − Σ))/n`` (``= A⁻¹sᵢ``), accumulated in chunks.

    Examples
    --------
    >>> param_cov(np.array([[4.0]]), 100.0)
    array([[0.04, 0.  ],
           [0.  , 0.32]])
    """
    p = cov.shape[0]
    _refuse_dense(p, "parameter covariance")
    if x is None:
        block = np.asarray(duplication_pinv_sandwich(cov, cov), dtype=np.float64)
        return _blockdiag(cov, 2.0 * block) / nobs
    centre = x.mean(axis=0) if mean is None else mean
    rows, cols = vech_indices(p)
    k = _nparams(p)
    out = np.zeros((k, k))
    step = max(16, (1 << 18) // k)
    for start in range(0, x.shape[0], step):
        r = x[start:start + step] - centre
        u = np.hstack([r, r[:, rows] * r[:, cols] - cov[rows, cols]])
        w = None if weights is None else weights[start:start + step]
        out += (u if w is None else u * w[:, None]).T @ u
    return out / nobs**2


def sandwich(information: ArrayLike, scores: ArrayLike) -> FloatArray:
    """General sandwich ``A⁻¹BA⁻¹`` with ``B = Σᵢ sᵢsᵢᵀ``, by Cholesky solves (no inverse).

    Parameters
    ----------
    information : array-like of shape (k, k)
        Positive definite information ``A`` (e.g. :func:`observed_information`).
    scores : array-like of shape (n, k)
        Per-observation scores ``sᵢ`` (e.g. :func:`~mvn_estimate.score_obs`).

    Examples
    --------
    >>> sandwich(np.array([[2.0]]), np.array([[1.0], [-1.0]]))
    array([[0.5]])
    """
    fac = PDFactor.of(information, name="information")
    s = np.asarray(scores, dtype=float)
    u = fac.solve(s.T)
    out = u @ u.T
    return (out + out.T) / 2
