"""Errors and warnings raised by :mod:`mvn_estimate`.

Every error derives from :class:`MVNEstimateError`, itself a :class:`ValueError`, so that
``except ValueError`` keeps working for callers who do not know the package. Messages follow
one template: the argument's name, the rule it breaks, the value received, and what to do.

Examples
--------
>>> import mvn_estimate as me
>>> try:
...     me.linalg.hadamard([[1.0, 2.0]], [[1.0], [2.0]])
... except me.exceptions.ShapeError as exc:
...     print(type(exc).__name__)
ShapeError
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

import numpy as np

__all__ = [
    "BoundaryWarning",
    "ConvergenceWarning",
    "DroppedRowsWarning",
    "DtypeError",
    "FileFormatError",
    "InvalidOptionError",
    "LabelError",
    "MVNEstimateError",
    "MVNEstimateWarning",
    "MissingValueError",
    "NonFiniteError",
    "NotIdentifiedError",
    "NotNestedError",
    "NotPositiveDefiniteError",
    "NotSymmetricError",
    "NumericalRangeError",
    "OptionalDependencyError",
    "RepairWarning",
    "ShapeError",
    "SingularCovarianceError",
    "TooLargeError",
    "describe",
]


class MVNEstimateError(ValueError):
    """Base class of every error raised by mvn_estimate."""


class ShapeError(MVNEstimateError):
    """An argument has the wrong number of dimensions, the wrong size, or is empty."""


class DtypeError(MVNEstimateError):
    """An argument is not numeric (strings, objects, booleans where numbers are needed)."""


class NonFiniteError(MVNEstimateError):
    """An argument holds NaN or infinite values where finite numbers are required."""


class MissingValueError(NonFiniteError):
    """Data hold missing values and the chosen missing-value policy does not allow them."""


class InvalidOptionError(MVNEstimateError):
    """An option string or keyword value is not one of the documented choices."""


class LabelError(InvalidOptionError):
    """Labels cannot be honoured: absent, duplicated, of another type, or readable two ways.

    Raised when a labelled input (DataFrame columns, a Series index, a covariance's rows and
    columns) does not match the labels it must be aligned to, or when an unlabelled input
    could be matched by position in more than one order.
    """


class NumericalRangeError(MVNEstimateError):
    """Data or a result lie outside what float64 represents (overflow or underflow)."""


class FileFormatError(MVNEstimateError):
    """A file cannot be read as a table: unreadable, corrupt, or with duplicated headers."""


class NotNestedError(MVNEstimateError):
    """Two fitted models are not nested in the sense a likelihood-ratio test needs."""


class OptionalDependencyError(MVNEstimateError, ImportError):
    """An optional dependency is needed and not installed; the message names the extra."""


class NotSymmetricError(MVNEstimateError):
    """A matrix that must be symmetric (Hermitian for complex input) is not, within tolerance."""


class NotPositiveDefiniteError(MVNEstimateError):
    """A matrix that must be positive definite is not.

    Attributes
    ----------
    min_eigenvalue : float
        The smallest eigenvalue of the matrix (NaN when it could not be computed).
    tol : float
        The absolute tolerance below which an eigenvalue counts as non-positive.
    """

    def __init__(self, message: str, *, min_eigenvalue: float = float("nan"),
                 tol: float = float("nan")) -> None:
        super().__init__(message)
        self.min_eigenvalue = min_eigenvalue
        self.tol = tol


class SingularCovarianceError(NotPositiveDefiniteError):
    """An estimated covariance matrix is singular (n ≤ p, constant or collinear columns).

    Attributes
    ----------
    columns : list of str
        The columns involved in the singularity.
    """

    def __init__(self, message: str, *, columns: list[str] | None = None,
                 min_eigenvalue: float = float("nan"), tol: float = float("nan")) -> None:
        super().__init__(message, min_eigenvalue=min_eigenvalue, tol=tol)
        self.columns = list(columns or [])


class NotIdentifiedError(MVNEstimateError):
    """A parameter cannot be estimated from the data (e.g. two columns never observed together)."""


class TooLargeError(MVNEstimateError):
    """A dense object was requested whose size would exhaust memory."""


class MVNEstimateWarning(UserWarning):
    """Base class of every warning issued by mvn_estimate."""


class DroppedRowsWarning(MVNEstimateWarning):
    """Rows were dropped because the caller asked for it (``missing="drop"``)."""


class RepairWarning(MVNEstimateWarning):
    """A matrix was changed by an explicitly requested repair."""


class BoundaryWarning(MVNEstimateWarning):
    """A parameter ended at a bound of its space (a Heywood case of a factor model)."""


class ConvergenceWarning(MVNEstimateWarning):
    """An iterative algorithm stopped at its iteration limit before meeting its tolerance."""


def describe(value: Any) -> str:
    """Return a short description of ``value`` for error messages.

    Parameters
    ----------
    value : object
        Anything passed by a caller.

    Returns
    -------
    str
        Type, and for arrays the shape and dtype; scalars and short sequences are shown.

    Examples
    --------
    >>> describe(np.zeros((2, 3)))
    'ndarray of shape (2, 3) and dtype float64'
    >>> describe("abc")
    "str 'abc'"
    """
    if isinstance(value, np.ndarray):
        return f"ndarray of shape {value.shape} and dtype {value.dtype}"
    shape = getattr(value, "shape", None)
    if shape is not None and hasattr(value, "dtypes"):
        return f"{type(value).__name__} of shape {tuple(shape)}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def warn(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` pointing at the caller's line: the first frame outside this package
    (however deep the call that warns), as pandas' ``find_stack_level`` does."""
    frame: Any = sys._getframe(1)
    level = 2  # stacklevel 2: the caller of warn()
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
