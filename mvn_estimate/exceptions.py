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

import ast
import os
import re
import sys
import warnings
from typing import Any

import numpy as np

__all__ = [
    "API",
    "BoundaryWarning",
    "ConvergenceWarning",
    "DroppedRowsWarning",
    "DtypeError",
    "ExactFitWarning",
    "FileFormatError",
    "FileTerms",
    "InfeasibleError",
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
    "Terms",
    "TooLargeError",
    "arg",
    "describe",
    "ref",
    "render",
    "setting",
]


_MARK = "\x1f"
_MARKED = re.compile(_MARK + r"([ARS])([^" + _MARK + r"]*)" + _MARK)


def arg(name: str) -> str:
    """A marker for the phrase that names an argument as the subject of a sentence.

    Rendered by :class:`Terms`: ``The 'name' argument`` for the API, ``The --name option``
    on the command line, ``The file 'f.csv'`` for the data of :func:`~mvn_estimate.fit_file`.

    Examples
    --------
    >>> render(f"{arg('missing')} must be one of 'raise', 'drop', 'em'.")
    "The 'missing' argument must be one of 'raise', 'drop', 'em'."
    """
    return f"{_MARK}A{name}{_MARK}"


def ref(name: str) -> str:
    """A marker for a short reference to an argument (``'name'``, ``--name``, ``'f.csv'``).

    Examples
    --------
    >>> render(f"the rows of {ref('data')}")
    "the rows of 'data'"
    """
    return f"{_MARK}R{name}{_MARK}"


def setting(name: str, value: Any) -> str:
    """A marker for an option setting: ``missing='drop'`` for the API, ``--missing drop`` on
    the command line.

    Examples
    --------
    >>> render(f"Pass {setting('missing', 'drop')}.")
    "Pass missing='drop'."
    """
    return f"{_MARK}S{name}={value!r}{_MARK}"


class Terms:
    """How messages name arguments and options: the API's words (this class).

    Subclasses render the same message for another audience — :class:`FileTerms` for the
    data of a file, the command line's terms in :mod:`mvn_estimate.cli` — so that no message
    text is ever rewritten after the fact.
    """

    def argument(self, name: str) -> str:
        """The subject phrase for argument ``name``."""
        return f"The '{name}' argument"

    def reference(self, name: str) -> str:
        """A short reference to argument ``name``."""
        return f"'{name}'"

    def setting(self, name: str, value: Any) -> str:
        """Option ``name`` set to ``value``."""
        return f"{name}={value!r}"


class FileTerms(Terms):
    """The API's terms, with the ``data`` argument named as the file it was read from."""

    def __init__(self, file: str) -> None:
        self.file = file

    def argument(self, name: str) -> str:
        return f"The file '{self.file}'" if name == "data" else super().argument(name)

    def reference(self, name: str) -> str:
        return f"'{self.file}'" if name == "data" else super().reference(name)


API = Terms()
"""The API's terms (the default rendering)."""


def render(template: str, terms: Terms = API) -> str:
    """A message with its argument and option markers written in ``terms``.

    Examples
    --------
    >>> render(f"{arg('data')} has NaN; pass {setting('missing', 'em')}.", FileTerms("x.csv"))
    "The file 'x.csv' has NaN; pass missing='em'."
    """
    def one(match: re.Match[str]) -> str:
        kind, body = match.group(1), match.group(2)
        if kind == "A":
            return terms.argument(body)
        if kind == "R":
            return terms.reference(body)
        name, _, value = body.partition("=")
        return terms.setting(name, ast.literal_eval(value))

    return _MARKED.sub(one, template)


class _Rendered:
    """A message kept as a template with markers, rendered in the API's terms by ``str()``
    and in any other :class:`Terms` by :meth:`render`."""

    template: str
    terms: Terms

    def render(self, terms: Terms | None = None) -> str:
        """The message in ``terms`` (default: the terms it was last given, the API's)."""
        return render(self.template, self.terms if terms is None else terms)

    def __str__(self) -> str:
        return self.render()


class MVNEstimateError(_Rendered, ValueError):
    """Base class of every error raised by mvn_estimate.

    An error carries fields as well as its message: :attr:`argument` (the argument at fault),
    :attr:`value` (what was received), :attr:`rule` (what it must be) and :attr:`advice`
    (what to do). Built from fields, the message reads "The 'x' argument must <rule>; got
    <value>. <advice>"; built from a message, the fields say what the message names. Either
    way the message is rendered for its reader (:meth:`render` with a :class:`Terms`: the
    API's by default, a file's, the command line's).

    Examples
    --------
    >>> exc = MVNEstimateError(argument="tol", rule="be positive", value=-1.0,
    ...                        advice="Leave it out for the default.")
    >>> str(exc)
    "The 'tol' argument must be positive; got float -1.0. Leave it out for the default."
    >>> exc.argument, exc.value
    ('tol', -1.0)
    """

    def __init__(self, message: str = "", *, argument: str | None = None,
                 value: Any = None, rule: str | None = None, advice: str | None = None) -> None:
        if not message:
            got = f"; got {describe(value)}" if value is not None else ""
            message = f"{arg(argument or 'value')} must {rule}{got}." + (
                f" {advice}" if advice else "")
        found = _MARKED.search(message)
        self.template, self.terms = message, API
        self.argument = argument if argument is not None else (
            found.group(2).partition("=")[0] if found else None)
        self.value, self.rule, self.advice = value, rule, advice
        super().__init__(render(message))

    def with_terms(self, terms: Terms) -> MVNEstimateError:
        """This error, rendered in ``terms`` from now on (returns itself, to re-raise)."""
        self.terms = terms
        self.args = (render(self.template, terms), *self.args[1:])
        return self

    def within(self, context: str) -> MVNEstimateError:
        """This error, said of a part of the input (``"In group Month = 6"``): the context
        leads the message (returns itself, to re-raise)."""
        self.template = f"{context}: {self.template}"
        self.args = (render(self.template, self.terms), *self.args[1:])
        return self


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


class InfeasibleError(MVNEstimateError):
    """Constraints that cannot all hold (a repair's floor, diagonal and fixed entries); the
    message says which conflict."""


class TooLargeError(MVNEstimateError):
    """A dense object was requested whose size would exhaust memory."""


class MVNEstimateWarning(_Rendered, UserWarning):
    """Base class of every warning issued by mvn_estimate (rendered as errors are)."""

    def __init__(self, message: str = "") -> None:
        self.template, self.terms = message, API
        super().__init__(render(message))


class DroppedRowsWarning(MVNEstimateWarning):
    """Rows were dropped because the caller asked for it (``missing="drop"``)."""


class RepairWarning(MVNEstimateWarning):
    """A matrix was changed by an explicitly requested repair."""


class BoundaryWarning(MVNEstimateWarning):
    """A parameter ended at a bound of its space (a Heywood case of a factor model)."""


class ConvergenceWarning(MVNEstimateWarning):
    """An iterative algorithm stopped at its iteration limit before meeting its tolerance."""


class ExactFitWarning(MVNEstimateWarning):
    """A robust fit found at least ``h`` rows on a hyperplane (an "exact fit"): its covariance
    is singular, and the rows off the plane are outliers."""


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
    if hasattr(value, "__dask_graph__"):  # lazy: its length is not known without computing
        return f"a Dask {type(value).__name__}"
    shape = getattr(value, "shape", None)
    if shape is not None and hasattr(value, "dtypes"):
        return f"{type(value).__name__} of shape {tuple(shape)}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def warn(message: str, category: type[MVNEstimateWarning]) -> None:
    """``warnings.warn`` pointing at the caller's line: the first frame outside this package
    (however deep the call that warns), as pandas' ``find_stack_level`` does."""
    frame: Any = sys._getframe(1)
    level = 2  # stacklevel 2: the caller of warn()
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(category(message), stacklevel=level)
