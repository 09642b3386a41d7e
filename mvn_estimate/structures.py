"""Covariance structures ``Σ(θ)`` for ``fit(data, structure=...)``.

Built in, by name or instance: ``"unstructured"`` (the default), ``"diagonal"``,
``"spherical"`` (``σ²I``), ``"compound_symmetry"`` (``variance``, ``covariance``), ``"ar1"``
(``variance``, ``rho``), :class:`Factor` ``(k)`` (ML factor analysis) and
:class:`BlockDiagonal` ``(groups)``. Your own: subclass :class:`CovarianceStructure` and
implement ``nparams``, ``cov``, ``jacobian``, ``start`` and ``param_names`` (see its
docstring for a Toeplitz example).

Examples
--------
>>> import numpy as np
>>> from mvn_estimate import structures
>>> s = structures.AR1().bind(["a", "b", "c"])
>>> s.cov([2.0, 0.5])
array([[2. , 1. , 0.5],
       [1. , 2. , 1. ],
       [0.5, 1. , 2. ]])
"""

from .model import (
    AR1,
    BlockDiagonal,
    CompoundSymmetry,
    CovarianceStructure,
    Diagonal,
    Factor,
    LogCholesky,
    Spherical,
    Unstructured,
    vech_position,
)

__all__ = ["AR1", "BlockDiagonal", "CompoundSymmetry", "CovarianceStructure", "Diagonal",
           "Factor", "LogCholesky", "Spherical", "Unstructured", "vech_position"]
