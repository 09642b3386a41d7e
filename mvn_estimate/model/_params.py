"""Parameter bookkeeping: names ``mean[x]``/``cov[x,y]`` in vech order, sizes, and a caller's
``(mean, cov)`` checked and aligned to the data by the package's one labelling rule."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._typing import FloatArray
from ..data import Dataset, align_matrix, align_params, show_labels
from ..exceptions import LabelError, ShapeError, TooLargeError, arg, describe, ref
from ..linalg import PDFactor, as_array, require_hermitian, vech_indices, vech_size

__all__ = ["DENSE_PARAM_LIMIT", "Point", "checked_point", "nparams", "pack", "param_names",
           "refuse_dense", "unpack"]

DENSE_PARAM_LIMIT = 5000
"""Largest number of parameters for which a dense square matrix is built (200 MB); ``p = 98``."""


def nparams(p: int) -> int:
    """``p + p(p+1)/2``: the number of parameters ``(μ, vech Σ)`` of ``p`` variables."""
    return p + vech_size(p)


def refuse_dense(p: int, what: str, copies: int = 1) -> None:
    """Raise :class:`TooLargeError` when a dense ``k×k`` matrix over ``(μ, vech Σ)`` is too big:
    the computation holds ``copies`` such matrices at once, and together they may not exceed
    one matrix of ``DENSE_PARAM_LIMIT`` parameters (200 MB)."""
    k = nparams(p)
    if copies * k * k > DENSE_PARAM_LIMIT**2:
        gib = copies * k * k * 8 / 2**30
        held = "" if copies == 1 else f" (its computation holds {copies} such matrices)"
        raise TooLargeError(
            f"The dense {what} for p = {p} variables has {k}×{k} entries{held} ({gib:.2f} "
            f"GiB), above the limit of {DENSE_PARAM_LIMIT} parameters (one matrix of "
            f"{DENSE_PARAM_LIMIT**2 * 8 / 2**20:.0f} MB). Use the standard errors (computed in "
            "O(p²) memory) or a subset of the variables."
        )


def param_names(names: list[str]) -> list[str]:
    """``mean[x]`` for each variable, then ``cov[x,y]`` for each entry of ``vech(Σ)``.

    The vech order runs down the columns of the lower triangle; each entry is named with the
    earlier variable first: for ``(a, b)`` the names are ``cov[a,a]``, ``cov[a,b]``,
    ``cov[b,b]``.

    Examples
    --------
    >>> param_names(["a", "b"])
    ['mean[a]', 'mean[b]', 'cov[a,a]', 'cov[a,b]', 'cov[b,b]']
    """
    rows, cols = vech_indices(len(names))
    return [f"mean[{n}]" for n in names] + [
        f"cov[{names[j]},{names[i]}]" for i, j in zip(rows, cols, strict=True)
    ]


class Point:
    """A checked ``(μ, Σ)``: the mean, the one Cholesky factor, and the labels they follow."""

    __slots__ = ("fac", "labelled", "labels", "mean")

    def __init__(self, mean: FloatArray, fac: PDFactor, labels: pd.Index, labelled: bool):
        self.mean, self.fac, self.labels, self.labelled = mean, fac, labels, labelled

    @property
    def names(self) -> list[str]:
        return [str(c) for c in self.labels]


def checked_point(ds: Dataset, mean: Any, cov: Any) -> Point:
    """Align a caller's ``(mean, cov)`` with ``ds``, check shapes, and factor ``cov`` once.

    Raises the package's label/shape/finite/symmetry/positive-definite errors, never
    LinAlgError.
    """
    p = ds.nvars
    mean_v, cov_v, labels, labelled = align_params(ds, mean, cov)
    mu = as_array(mean_v, "mean", complex_ok=False)
    if mu.shape != (p,):
        raise ShapeError(f"{arg('mean')} must have shape ({p},), one entry per column of "
                         f"{ref('data')}; got {describe(mu)}.")
    sigma = as_array(cov_v, "cov", ndim=2, complex_ok=False)
    if sigma.shape != (p, p):
        raise ShapeError(f"{arg('cov')} must have shape ({p}, {p}), one row and column "
                         f"per column of {ref('data')}; got {describe(sigma)}.")
    return Point(mu, PDFactor.of(sigma, name="cov"), labels, labelled)


def pack(mean: Any, cov: Any) -> FloatArray | pd.Series:
    """``θ = (μ, vech Σ)``: the parameter vector of the unstructured model.

    A labelled ``mean`` (Series) gives a Series named ``mean[x]``, ``cov[x,y]`` (a labelled
    ``cov`` is aligned to it first).

    Examples
    --------
    >>> pack([1.0, 2.0], [[4.0, 1.0], [1.0, 9.0]])
    array([1., 2., 4., 1., 9.])
    """
    labels = mean.index if isinstance(mean, pd.Series) else None
    cov_values, cov_labels = align_matrix(cov, "cov")
    if labels is not None and cov_labels is not None:
        if set(cov_labels) != set(labels) or len(cov_labels) != len(labels):
            raise LabelError(
                f"{arg('cov')}'s labels {show_labels(cov_labels)} must be the labels of "
                f"{ref('mean')} {show_labels(labels)} (in any order).")
        cov_values = pd.DataFrame(cov_values, index=cov_labels, columns=cov_labels).loc[
            labels, labels].to_numpy()
    mu = as_array(mean.to_numpy() if labels is not None else mean, "mean", ndim=1,
                  complex_ok=False)
    sigma = as_array(cov_values, "cov", ndim=2, complex_ok=False)
    p = mu.size
    if sigma.shape != (p, p):
        raise ShapeError(f"{arg('cov')} must have shape ({p}, {p}) to match {ref('mean')}; "
                         f"got {describe(sigma)}.")
    require_hermitian(sigma, "cov")
    rows, cols = vech_indices(p)
    theta = np.concatenate([mu, sigma[rows, cols]])
    if labels is None:
        return theta
    return pd.Series(theta, index=param_names([str(c) for c in labels]), name="params")


def unpack(theta: Any, p: int) -> tuple[FloatArray, FloatArray]:
    """``(μ, Σ)`` from ``θ = (μ, vech Σ)`` of ``p`` variables (the inverse of :func:`pack`).

    Examples
    --------
    >>> mean, cov = unpack([1.0, 2.0, 4.0, 1.0, 9.0], 2)
    >>> cov
    array([[4., 1.],
           [1., 9.]])
    """
    size = nparams(p)
    t = as_array(theta.to_numpy() if isinstance(theta, pd.Series) else theta, "theta", ndim=1,
                 complex_ok=False)
    if t.size != size:
        raise ShapeError(f"{arg('theta')} must have p + p(p+1)/2 = {size} entries for p = "
                         f"{p}; got {describe(t)}.")
    rows, cols = vech_indices(p)
    sigma = np.empty((p, p))
    sigma[rows, cols] = t[p:]
    sigma[cols, rows] = t[p:]
    return t[:p].copy(), sigma
