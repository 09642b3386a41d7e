"""Definite matrices: classification three ways, factors ``M = BᴴB``, and the PD factor object.

DIGEST §5. A Hermitian ``M`` is positive definite iff ``zᴴMz > 0`` for every ``z ≠ 0``; the
equivalent tests implemented here are: all eigenvalues positive; all leading principal minors
positive (Sylvester); a Cholesky factorisation ``M = LLᴴ`` with positive pivots. Semidefinite
cases use all principal minors (not only the leading ones) or a pivoted Cholesky whose
trailing block vanishes. Zero is judged by the package tolerance rule (``linalg._checks``).

:class:`PDFactor` is the one place in the package where a covariance matrix is factorised:
Cholesky once, then the log-determinant, solves and Mahalanobis terms all come from ``L``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np
import scipy.linalg as sla

from .._typing import ArrayLike, Definiteness, FloatArray, NumArray
from ..exceptions import InvalidOptionError, NotPositiveDefiniteError, TooLargeError, arg, setting
from ._checks import as_square, require_hermitian, resolve_tol

__all__ = ["MINORS_LIMIT", "PDFactor", "classify", "classify_eigenvalues", "factor",
           "principal_minors"]

MINORS_LIMIT = 12
"""Largest order for which all ``2ⁿ − 1`` principal minors are enumerated."""

Method = Literal["eigen", "sylvester", "cholesky"]


def _sign_class(pos: bool, nonneg: bool, neg: bool, nonpos: bool) -> Definiteness:
    if pos:
        return "positive definite"
    if neg:
        return "negative definite"
    if nonneg:
        return "positive semidefinite"
    if nonpos:
        return "negative semidefinite"
    return "indefinite"


def classify_eigenvalues(w: ArrayLike, *, tol: float | None = None) -> Definiteness:
    """The definiteness of a Hermitian matrix from its eigenvalues ``w`` (the one rule of
    :func:`classify` and of :func:`mvn_estimate.validate_covariance`).

    An eigenvalue counts as zero when ``|λ| <= tol · max|λ|``. A matrix whose eigenvalues
    are all zero (the zero matrix) is positive semidefinite (and negative semidefinite:
    the positive name is reported).

    Examples
    --------
    >>> classify_eigenvalues([0.0, 0.0])
    'positive semidefinite'
    >>> classify_eigenvalues([-1.0, 3.0])
    'indefinite'
    """
    rtol = resolve_tol(tol)
    v = np.sort(np.asarray(w, dtype=float))
    zero = rtol * max(float(np.max(np.abs(v))), np.finfo(float).tiny)
    return _sign_class(bool(v[0] > zero), bool(v[0] >= -zero),
                       bool(v[-1] < -zero), bool(v[-1] <= zero))


def _by_eigen(m: np.ndarray, rtol: float) -> Definiteness:
    return classify_eigenvalues(np.linalg.eigvalsh(m), tol=rtol)


def principal_minors(M: ArrayLike, *, leading: bool = False) -> dict[tuple[int, ...], float]:
    """Principal minors of a square matrix, keyed by the index subsets that define them.

    Parameters
    ----------
    M : array-like of shape (n, n)
    leading : bool, default False
        Only the ``n`` leading minors (subsets ``(0,)``, ``(0, 1)``, …) instead of all
        ``2ⁿ − 1``; the full enumeration is refused above ``MINORS_LIMIT``.

    Returns
    -------
    dict
        ``{subset: det(M[subset, subset])}`` (real part for Hermitian input).

    Examples
    --------
    >>> principal_minors([[2.0, 1.0], [1.0, 2.0]], leading=True)
    {(0,): 2.0, (0, 1): 3.0}
    """
    m = as_square(M, "M")
    n = m.shape[0]
    if leading:
        subsets = [tuple(range(k)) for k in range(1, n + 1)]
    else:
        if n > MINORS_LIMIT:
            raise TooLargeError(
                f"All principal minors of an {n}×{n} matrix number 2^{n} − 1; the limit is "
                f"order {MINORS_LIMIT}. Use leading=True or {setting('method', 'eigen')}."
            )
        subsets = [c for k in range(1, n + 1) for c in combinations(range(n), k)]
    return {s: float(np.real(np.linalg.det(m[np.ix_(s, s)]))) for s in subsets}


def _by_minors(m: np.ndarray, rtol: float) -> Definiteness:
    n = m.shape[0]
    scale = max(float(np.max(np.abs(m))), np.finfo(float).tiny)

    def zero(size: int) -> float:  # a k×k minor is a degree-k polynomial in the entries
        return rtol * scale**size * n

    lead = principal_minors(m, leading=True)
    pos = all(d > zero(len(s)) for s, d in lead.items())
    neg = all((-1) ** len(s) * d > zero(len(s)) for s, d in lead.items())
    if pos or neg or n > MINORS_LIMIT:
        return _sign_class(pos, False, neg, False) if (pos or neg) else _by_eigen(m, rtol)
    allm = principal_minors(m)
    nonneg = all(d >= -zero(len(s)) for s, d in allm.items())
    nonpos = all((-1) ** len(s) * d >= -zero(len(s)) for s, d in allm.items())
    return _sign_class(False, nonneg, False, nonpos)


def _chol_ok(m: np.ndarray, rtol: float) -> bool:
    try:
        low = np.linalg.cholesky(m)
    except np.linalg.LinAlgError:
        return False
    pivots = np.abs(np.diag(low)) ** 2
    return bool(np.all(pivots > rtol * float(np.max(np.abs(np.diag(m))))))


def _psd_by_pivoted_cholesky(m: np.ndarray, rtol: float) -> bool:
    scale = float(np.max(np.abs(m)))
    if scale == 0:
        return True
    routine = sla.lapack.zpstrf if np.iscomplexobj(m) else sla.lapack.dpstrf
    c, piv, rank, info = routine(m, lower=1, tol=rtol * scale)
    if info < 0:
        return False
    low = np.tril(c)[:, :rank]
    order = piv - 1
    residual = m[np.ix_(order, order)] - low @ low.conj().T
    return bool(np.max(np.abs(residual)) <= rtol * scale * m.shape[0])


def _by_cholesky(m: np.ndarray, rtol: float) -> Definiteness:
    pos = _chol_ok(m, rtol)
    neg = not pos and _chol_ok(-m, rtol)
    nonneg = pos or (not neg and _psd_by_pivoted_cholesky(m, rtol))
    nonpos = neg or (not nonneg and _psd_by_pivoted_cholesky(-m, rtol))
    return _sign_class(pos, nonneg, neg, nonpos)


def classify(M: ArrayLike, *, method: Method = "eigen", tol: float | None = None) -> Definiteness:
    """Classify a Hermitian matrix as positive/negative (semi)definite or indefinite.

    Parameters
    ----------
    M : array-like of shape (n, n)
        Real symmetric or complex Hermitian matrix.
    method : {"eigen", "sylvester", "cholesky"}, default "eigen"
        ``"eigen"``: signs of the eigenvalues. ``"sylvester"``: leading principal minors for
        definiteness, all principal minors for semidefiniteness (``n <= MINORS_LIMIT``; above
        that the semidefinite cases fall back to eigenvalues). ``"cholesky"``: Cholesky of
        ``M`` and ``−M``, and pivoted Cholesky with a vanishing trailing block for the
        semidefinite cases. The three agree (tested).
    tol : float, optional
        Relative tolerance for "zero" (package rule, default ``RTOL``).

    Returns
    -------
    str
        One of ``"positive definite"``, ``"positive semidefinite"``, ``"negative definite"``,
        ``"negative semidefinite"``, ``"indefinite"``. A definite matrix is reported as
        definite, not semidefinite.

    Raises
    ------
    NotSymmetricError
        If ``M`` is not Hermitian.
    InvalidOptionError
        If ``method`` is unknown.

    Examples
    --------
    >>> classify([[2.0, 1.0], [1.0, 2.0]])
    'positive definite'
    >>> classify([[1.0, 1.0], [1.0, 1.0]], method="cholesky")
    'positive semidefinite'
    >>> classify([[1.0, 0.0], [0.0, -1.0]], method="sylvester")
    'indefinite'
    """
    m = as_square(M, "M")
    require_hermitian(m, "M", tol)
    rtol = resolve_tol(tol)
    m = (m + m.conj().T) / 2
    methods = {"eigen": _by_eigen, "sylvester": _by_minors, "cholesky": _by_cholesky}
    if method not in methods:
        raise InvalidOptionError(
            f"{arg('method')} must be one of {sorted(methods)}; got {method!r}."
        )
    return methods[method](m, rtol)


def factor(M: ArrayLike, *, tol: float | None = None) -> NumArray:
    """A factor ``B`` with ``M = BᴴB`` for a positive semidefinite Hermitian ``M``.

    For a positive definite ``M``, ``B`` is the upper Cholesky factor (invertible); for a
    semidefinite one, ``B = Λ^{1/2}Uᴴ`` from the eigen-decomposition, with eigenvalues within
    tolerance of zero set to zero.

    Raises
    ------
    NotPositiveDefiniteError
        If ``M`` has an eigenvalue below ``−tol · max|λ|`` (not semidefinite).

    Examples
    --------
    >>> B = factor([[4.0, 2.0], [2.0, 2.0]])
    >>> B
    array([[2., 1.],
           [0., 1.]])
    """
    m = as_square(M, "M")
    require_hermitian(m, "M", tol)
    m = (m + m.conj().T) / 2
    rtol = resolve_tol(tol)
    if _chol_ok(m, rtol):
        return np.linalg.cholesky(m).conj().T
    w, u = np.linalg.eigh(m)
    zero = rtol * float(np.max(np.abs(w)))
    if w[0] < -zero:
        raise NotPositiveDefiniteError(
            f"{arg('M')} must be positive semidefinite to have a factor M = BᴴB; got "
            f"smallest eigenvalue {w[0]:.6g} below −{zero:.3g}.",
            min_eigenvalue=float(w[0]), tol=zero,
        )
    return np.sqrt(np.clip(w, 0.0, None))[:, None] * u.conj().T


def _not_pd(m: np.ndarray, name: str, rtol: float) -> NotPositiveDefiniteError:
    """The error for a matrix that failed :meth:`PDFactor.of`, with its spectrum in words."""
    w = np.linalg.eigvalsh((m + m.T) / 2)
    diag = np.diag(m)
    if np.any(diag <= 0):
        i = int(np.argmin(diag))
        detail = (f"diagonal entry {i} is {diag[i]:.6g}; a variance must be positive")
    else:
        d = 1.0 / np.sqrt(diag)
        scaled = np.linalg.eigvalsh((m * d[:, None]) * d[None, :])
        cond = scaled[-1] / scaled[0] if scaled[0] > 0 else float("inf")
        detail = (f"smallest eigenvalue {w[0]:.6g}; on the correlation scale the condition "
                  f"number is {cond:.3g}, above the limit 1/tol = {1 / rtol:.3g}"
                  if scaled[0] > 0 else f"smallest eigenvalue {w[0]:.6g}")
    return NotPositiveDefiniteError(
        f"{arg(name)} must be positive definite; got {detail}. Check how it was "
        "computed, or repair it explicitly with mvn_estimate.nearest_pd.",
        min_eigenvalue=float(w[0]), tol=rtol,
    )


@dataclass(frozen=True, eq=False)
class PDFactor:
    """Cholesky factor of a positive definite matrix, computed once and reused.

    Build it with :meth:`PDFactor.of`; every other number (log-determinant, solves, squared
    Mahalanobis distances, the inverse when one is really needed) comes from ``lower``.

    Attributes
    ----------
    lower : ndarray of shape (p, p)
        Lower-triangular ``L`` with ``M = LLᵀ``.

    Examples
    --------
    >>> f = PDFactor.of(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> round(f.logdet, 12) == round(float(np.log(8.0)), 12)
    True
    >>> f.solve(np.array([4.0, 2.0]))
    array([1., 0.])
    """

    lower: FloatArray

    @classmethod
    def of(cls, M: ArrayLike, *, name: str = "cov", tol: float | None = None) -> PDFactor:
        """Check and factorise ``M`` (finite, square, symmetric, positive definite).

        Raises
        ------
        ShapeError, DtypeError, NonFiniteError, NotSymmetricError
            For malformed input.
        NotPositiveDefiniteError
            If a diagonal entry is not positive, Cholesky fails, or a pivot ``L[i, i]²`` is
            at most ``tol · M[i, i]`` — the share of variable ``i``'s variance not explained
            by the variables before it. The rule is scale-invariant (a covariance of
            variables measured in metres and in micrometres is judged as its correlation
            matrix is); the message reports the smallest eigenvalue and the condition number
            on the correlation scale.

        Examples
        --------
        >>> PDFactor.of(np.array([[4.0, 2.0], [2.0, 3.0]])).lower
        array([[2.        , 0.        ],
               [1.        , 1.41421356]])
        """
        m = as_square(M, name, complex_ok=False)
        require_hermitian(m, name, tol)
        rtol = resolve_tol(tol)
        diag = np.diag(m)
        try:  # numpy's LAPACK, so that callers' numpy products do not share cores with
            low = np.linalg.cholesky(m) if np.all(diag > 0) else None  # scipy's BLAS threads
        except np.linalg.LinAlgError:
            low = None
        if low is None or np.any(np.diag(low) ** 2 <= rtol * diag):
            raise _not_pd(m, name, rtol)
        return cls(low)

    @classmethod
    def maybe(cls, M: ArrayLike, *, name: str = "cov") -> PDFactor | None:
        """:meth:`of`, or None where ``M`` is not positive definite (for callers that say
        why in their own terms).

        Examples
        --------
        >>> PDFactor.maybe(np.array([[1.0, 2.0], [2.0, 1.0]])) is None
        True
        """
        try:
            return cls.of(M, name=name)
        except NotPositiveDefiniteError:
            return None

    @property
    def dim(self) -> int:
        """Order ``p`` of the matrix."""
        return int(self.lower.shape[0])

    @property
    def logdet(self) -> float:
        """``log |M| = 2 Σ log L[i, i]``."""
        return float(2.0 * np.sum(np.log(np.diag(self.lower))))

    def solve(self, b: np.ndarray) -> np.ndarray:
        """``M⁻¹ b`` for ``b`` of shape (p,) or (p, k), by two triangular solves."""
        return sla.cho_solve((self.lower, True), b, check_finite=False)

    def whiten(self, resid: np.ndarray) -> np.ndarray:
        """``L⁻¹ rᵢ`` for each row ``rᵢ`` of ``resid`` (shape (n, p) → (n, p))."""
        return sla.solve_triangular(self.lower, resid.T, lower=True, check_finite=False).T

    def mahalanobis(self, resid: np.ndarray) -> FloatArray:
        """Squared Mahalanobis terms ``rᵢᵀ M⁻¹ rᵢ`` for each row of ``resid``.

        Examples
        --------
        >>> PDFactor.of(np.diag([4.0, 1.0])).mahalanobis(np.array([[2.0, 1.0]]))
        array([2.])
        """
        z = self.whiten(resid)
        return np.einsum("ij,ij->i", z, z)

    def whitener(self) -> FloatArray:
        """``W = L⁻ᵀ`` (upper triangular, by a triangular solve against the identity): the
        rows of ``resid @ W`` are ``L⁻¹ rᵢ``, for many rows in one product (numpy's BLAS).

        Examples
        --------
        >>> f = PDFactor.of(np.array([[4.0, 2.0], [2.0, 3.0]]))
        >>> r = np.array([[1.0, 2.0], [3.0, -1.0]])
        >>> bool(np.allclose(r @ f.whitener(), f.whiten(r)))
        True
        """
        return np.ascontiguousarray(np.linalg.solve(self.lower, np.eye(self.dim)).T)

    def inverse(self) -> FloatArray:
        """``M⁻¹`` (symmetric) — only for formulas that need the matrix itself."""
        # L = D·U with D = diag(L): U has a unit diagonal and entries of one scale, so its LU
        # solve is as accurate for an information whose blocks differ by 1e40 as for its
        # correlation-scaled version (an LU of L itself mixed the scales: 5× wrong standard
        # errors at data scale 1e-20). numpy's LAPACK, see .of.
        d = np.diag(self.lower)
        inv_lower = np.linalg.solve(self.lower / d[:, None], np.eye(self.dim)) / d[None, :]
        return inv_lower.T @ inv_lower

    def matrix(self) -> FloatArray:
        """``M = LLᵀ`` rebuilt from the factor."""
        return self.lower @ self.lower.T

