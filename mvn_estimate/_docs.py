"""Shared docstring fragments, so that a parameter described in many functions is described
once and cannot drift (as scipy's ``doccer``).

A docstring names a fragment on a line of its own, ``%(point_params)s``, indented as the
fragment should be; :func:`fill_doc` replaces it when the module is imported, so help(),
Sphinx and the doctests all see the full text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

__all__ = ["DOCS", "fill_doc"]

T = TypeVar("T", bound=Callable[..., object])

_DATA = "data : DataFrame or array-like of shape (n_samples, n_features)"
_POINT = ("mean : array-like of shape (n_features,) or Series\n"
          "cov : array-like of shape (n_features, n_features) or DataFrame")
_PARAMETERS, _RETURNS = "Parameters\n----------\n", "\n\nReturns\n-------"

DOCS = {
    "point_params": f"{_PARAMETERS}{_DATA}\n{_POINT}{_RETURNS}",
    "observed_point_params": f"{_PARAMETERS}{_DATA}\n    NaN marks a missing value.\n{_POINT}",
    "group_params": _PARAMETERS + """\
data : DataFrame or array-like of shape (n, p)
by : label or array-like of shape (n,)
    A column of ``data`` (not then a variable) or one group label per row.
columns : list of labels, optional""" + _RETURNS,
    "normality_params": _PARAMETERS + """\
x : DataFrame or array-like of shape (n_samples, n_features)
    Complete observations (no NaN).
columns : list of labels, optional
    DataFrame columns to use (default: all).""",
    "figure_returns": """\
figsize : (float, float), optional
    Figure size in inches.""" + _RETURNS + "\nmatplotlib.figure.Figure",
}
DOCS["normality_test"] = DOCS["normality_params"] + _RETURNS + "\nHypothesisTest"
"""The fragments by name."""

_PLACEHOLDER = re.compile(r"^([ \t]*)%\((\w+)\)s[ \t]*$", re.M)


def fill_doc(obj: T) -> T:
    """Replace the fragment placeholders in ``obj.__doc__`` (see the module notes).

    Examples
    --------
    >>> @fill_doc
    ... def f(data, mean, cov):
    ...     '''Example.
    ...
    ...     Parameters
    ...     ----------
    ...     %(point_params)s
    ...     '''
    >>> "mean : array-like" in f.__doc__
    True
    """
    def one(match: re.Match[str]) -> str:
        indent, key = match.group(1), match.group(2)
        return "\n".join(indent + line if line else line for line in DOCS[key].splitlines())

    if obj.__doc__:
        obj.__doc__ = _PLACEHOLDER.sub(one, obj.__doc__)
    return obj
