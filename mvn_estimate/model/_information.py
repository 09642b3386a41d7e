"""Fisher information and the Hessian over ``θ = (μ, vech Σ)``, and the general sandwich.

Coordinates are ``θ = (μ, vech Σ)`` (``p + p(p+1)/2`` parameters, DIGEST §2–§3). With
``P = Σ⁻¹``, ``D = D_p`` the duplication matrix, ``W = Σᵢ(xᵢ−μ)(xᵢ−μ)ᵀ`` and
``Q = P W P``:

* expected information: ``n · blockdiag(P, ½ Dᵀ(P⊗P)D)``;
* observed information (minus the Hessian of ``ln L``) at any ``(μ, Σ)``:
  ``μμ: nP``; ``μΣ``: column ``(k,l)`` is ``(m_kl/2)(P_{:,k} z_l + P_{:,l} z_k)`` with
  ``z = P Σᵢ(xᵢ−μ)`` and ``m = 2`` off the diagonal, 1 on it;
  ``ΣΣ: ½[Dᵀ(P⊗Q)D + Dᵀ(Q⊗P)D] − (n/2) Dᵀ(P⊗P)D``. At the MLE ``Q = nP``, ``z = 0`` and the
  observed equals the expected information.

The covariance of the estimates built from these lives in
:mod:`mvn_estimate.inference._covariance`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._docs import fill_doc
from .._typing import ArrayLike, FloatArray
from .._validate import check_real
from ..data import Dataset, align_matrix, as_dataset, select_columns
from ..exceptions import ShapeError, arg, describe
from ..linalg import PDFactor, as_array
from ._kernels import expected_from, observed_from
from ._likelihood import stats_about
from ._params import checked_point, param_names, refuse_dense

__all__ = ["expected_information", "observed_information", "sandwich"]


def _labelled(matrix: FloatArray, labels: pd.Index | None) -> FloatArray | pd.DataFrame:
    if labels is None:
        return matrix
    names = param_names([str(c) for c in labels])
    return pd.DataFrame(matrix, index=names, columns=names)


def expected_information(cov: ArrayLike, nobs: float) -> FloatArray | pd.DataFrame:
    """Expected Fisher information ``n · blockdiag(Σ⁻¹, ½ D_pᵀ(Σ⁻¹⊗Σ⁻¹)D_p)`` over ``(μ, vech Σ)``.

    Parameters
    ----------
    cov : array-like of shape (p, p) or DataFrame
        Positive definite covariance; a DataFrame's rows are aligned to its columns.
    nobs : float
        Number of observations (total weight), positive.

    Returns
    -------
    ndarray of shape (k, k), k = p + p(p+1)/2, or DataFrame labelled ``mean[x]``, ``cov[x,y]``
    when ``cov`` is a DataFrame.

    Raises
    ------
    InvalidOptionError
        ``nobs`` is not a positive finite number.
    NotSymmetricError, NotPositiveDefiniteError
        ``cov`` is not a valid covariance.
    TooLargeError
        Above ``DENSE_PARAM_LIMIT`` parameters.

    Examples
    --------
    >>> expected_information([[2.0]], 10)
    array([[5.  , 0.  ],
           [0.  , 1.25]])
    """
    n = check_real(nobs, "nobs", low=0.0)
    values, labels = align_matrix(cov, "cov")
    fac = PDFactor.of(as_array(values, "cov", ndim=2, complex_ok=False), name="cov")
    refuse_dense(fac.dim, "information matrix")
    return _labelled(expected_from(fac, n), labels)


@fill_doc
def observed_information(data: Any, mean: ArrayLike, cov: ArrayLike) -> FloatArray | pd.DataFrame:
    """Observed information: minus the analytic Hessian of ``ln L`` at any ``(μ, Σ)``.

    %(point_params)s
    ndarray of shape (k, k), k = p + p(p+1)/2, or a DataFrame labelled ``mean[x]``,
    ``cov[x,y]`` when any input is labelled
        Symmetric; includes the μ–Σ cross block (zero only at μ = x̄).

    Notes
    -----
    Formulas in the module docstring; formed from statistics about ``μ`` (full accuracy with
    a large common offset); equals the finite-difference Jacobian of
    :func:`~mvn_estimate.score` at random non-optimal points, and the expected information at
    the MLE (tested).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 6.0]])
    >>> s = np.cov(x, rowvar=False, bias=True)
    >>> bool(np.allclose(observed_information(x, x.mean(0), s), expected_information(s, 3)))
    True
    """
    ds: Dataset = as_dataset(data)
    pt = checked_point(ds, mean, cov)
    refuse_dense(pt.fac.dim, "information matrix")
    out = observed_from(stats_about(ds, pt.mean), pt.fac)
    return _labelled(out, pt.labels if pt.labelled else None)


def sandwich(information: ArrayLike, scores: ArrayLike) -> FloatArray | pd.DataFrame:
    """General sandwich ``A⁻¹BA⁻¹`` with ``B = Σᵢ sᵢsᵢᵀ``, by Cholesky solves (no inverse).

    Parameters
    ----------
    information : array-like of shape (k, k) or DataFrame
        Positive definite information ``A`` (e.g. :func:`observed_information`).
    scores : array-like of shape (n, k) or DataFrame
        Per-observation scores ``sᵢ`` (e.g. :func:`~mvn_estimate.score_obs`). When both are
        labelled, the columns of ``scores`` are matched to ``information`` by label.

    Returns
    -------
    ndarray of shape (k, k), or DataFrame labelled like ``information``

    Raises
    ------
    ShapeError
        ``scores`` does not have ``k`` columns.

    Examples
    --------
    >>> import numpy as np
    >>> sandwich(np.array([[2.0]]), np.array([[1.0], [-1.0]]))
    array([[0.5]])
    """
    values, labels = align_matrix(information, "information")
    fac = PDFactor.of(as_array(values, "information", ndim=2, complex_ok=False),
                      name="information")
    if isinstance(scores, pd.DataFrame) and labels is not None:
        s = select_columns(scores, labels, name="scores").values
    else:
        s = as_array(scores.to_numpy() if isinstance(scores, pd.DataFrame) else scores,
                     "scores", ndim=2, complex_ok=False)
    if s.shape[1] != fac.dim:
        raise ShapeError(
            f"{arg('scores')} must have {fac.dim} columns, one per parameter of "
            f"'information' ({fac.dim}×{fac.dim}); got {describe(s)}."
        )
    u = fac.solve(s.T)
    out = u @ u.T
    out = (out + out.T) / 2
    if labels is None:
        return out
    return pd.DataFrame(out, index=labels, columns=labels)
