"""Linear-algebra utilities behind mvn_estimate (DIGEST §1, §2, §4, §5).

This subpackage knows no statistics; the estimator is built on it.

Products (``products``)
    :func:`hadamard` ``A∘B``, :func:`inner` ``aᴴb``, :func:`frobenius` ``tr(AᴴB)``,
    :func:`kron` ``A⊗B``, :func:`trace`, :func:`trace_product` ``tr(AB)``.
vec / vech (``vech``)
    :func:`vec`, :func:`vech`, :func:`unvech`, :func:`vech_size`, :func:`vech_indices`,
    :func:`vech_multiplicity`;
    duplication :func:`duplication_matrix` ``D_p``, elimination :func:`elimination_matrix`
    ``L_p``, commutation :func:`commutation_matrix` ``K_{m,n}``, :func:`duplication_pinv`
    ``D_p⁺``; index forms :func:`duplication_indices`, :func:`elimination_indices`,
    :func:`commutation_indices` that never build the matrices; :func:`duplication_sandwich`
    ``D_pᵀ(A⊗B)D_p`` (and :func:`duplication_sandwich_sum` over a stack) and
    :func:`duplication_pinv_sandwich` ``D_p⁺(A⊗B)D_p⁺ᵀ`` without ``A⊗B``.
Hermitian matrices (``hermitian``)
    :func:`is_hermitian`, :func:`eigh`, :func:`null_space_elimination`, :func:`gram_schmidt`,
    :func:`eigenvectors` (elimination + Gram–Schmidt), :func:`eigen_expand`
    ``Σλuuᴴ``, :func:`inverse_expand` ``Σλ⁻¹uuᴴ``, :func:`quadratic_form` ``Σλ|uᴴx|²``.
Definite matrices (``definite``)
    :func:`classify` (``method="eigen" | "sylvester" | "cholesky"``),
    :func:`classify_eigenvalues` (the one rule), :func:`principal_minors`,
    :func:`factor` ``M = BᴴB``, :class:`PDFactor` (Cholesky once → ``logdet``, ``solve``,
    ``mahalanobis``).
Matrix calculus (``calculus``)
    :func:`sym_gradient` ``A + Aᵀ − A∘I``; finite differences :func:`num_gradient`,
    :func:`num_gradient_sym`, :func:`num_jacobian`, :func:`num_hessian` (vector or matrix),
    :func:`num_hessian_sym` (over ``vech`` of a symmetric matrix).
Tolerance
    :data:`RTOL` and the rule in :mod:`mvn_estimate.linalg._checks`: a quantity is zero when
    it is at most ``tol · scale``; ``tol`` defaults to ``RTOL = 1e6·eps``.

Examples
--------
>>> import numpy as np
>>> from mvn_estimate import linalg
>>> A = np.array([[2.0, 1.0], [1.0, 2.0]])
>>> linalg.classify(A)
'positive definite'
>>> linalg.vech(A)
array([2., 1., 2.])
"""

from . import calculus as _calculus
from . import definite as _definite
from . import hermitian as _hermitian
from . import products as _products
from . import vech as _vech
from ._checks import RTOL as RTOL

# Doors for the layers above (checks under the package's tolerance rule): not public API.
from ._checks import as_array as as_array
from ._checks import as_square as as_square
from ._checks import asymmetry as asymmetry
from ._checks import require_hermitian as require_hermitian
from ._checks import resolve_tol as resolve_tol
from .calculus import *  # noqa: F403 - the public names are the modules' __all__
from .definite import *  # noqa: F403
from .hermitian import *  # noqa: F403
from .products import *  # noqa: F403
from .vech import *  # noqa: F403

__all__ = sorted(["RTOL", *_calculus.__all__, *_definite.__all__, *_hermitian.__all__,
                  *_products.__all__, *_vech.__all__])
