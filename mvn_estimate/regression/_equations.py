"""Equations of seemingly unrelated regressions: ``{"name": "y ~ a + b"}`` or
``{"name": (y, [a, b])}``, checked against the columns, with every other form refused."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..data import show_labels
from ..exceptions import InvalidOptionError, LabelError, NotIdentifiedError, arg, describe, setting
from ._conditional import label_positions
from ._sur import Equation

__all__ = ["equation_columns", "parse_equations"]

_FORM = ("the plain form 'y ~ a + b' (one response, regressors joined by '+', an intercept "
         "always included; 'y ~ 1' for the intercept alone) or a tuple (y, [a, b])")
_TERM = re.compile(r"^[^~+\-*/:^()|]+$")


def _formula(name: str, text: str) -> tuple[str, list[str]]:
    parts = text.split("~")
    if len(parts) != 2:
        raise InvalidOptionError(f"Equation {name!r} must be {_FORM}; got {text!r} "
                                 f"({len(parts) - 1} '~').")
    lhs, rhs = parts[0].strip(), [t.strip() for t in parts[1].split("+")]
    bad = [t for t in [lhs, *rhs] if not t or not _TERM.match(t)]
    if bad:
        raise InvalidOptionError(f"Equation {name!r} must be {_FORM}; got {text!r}, whose "
                                 f"terms {bad} are not column names (transformations, "
                                 "interactions and '- 1' are not supported: add the columns "
                                 "you need to the data).")
    terms = [t for t in rhs if t != "1"]
    if "0" in terms:
        raise InvalidOptionError(f"Equation {name!r}: every equation has an intercept; got "
                                 f"{text!r}.")
    return lhs, terms


def _one(name: Any, spec: Any) -> tuple[str, Any, list[Any]]:
    if not isinstance(name, str) or not name:
        raise InvalidOptionError(f"{arg('equations')} must be keyed by non-empty equation "
                                 f"names (strings); got {describe(name)}.")
    if isinstance(spec, str):
        y, x = _formula(name, spec)
        return name, y, list(x)
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], list | tuple):
        return name, spec[0], list(spec[1])
    raise InvalidOptionError(f"Equation {name!r} must be {_FORM}; got {describe(spec)}.")


def _checked(raw: list[tuple[str, Any, list[Any]]], labels: pd.Index, ml: bool) -> None:
    for name, y, x in raw:
        if len({repr(c) for c in x}) != len(x):
            raise LabelError(f"Equation {name!r} lists a regressor twice: {show_labels(x)}.")
        if any(repr(c) == repr(y) for c in x):
            raise LabelError(f"Equation {name!r} has its response {y!r} among its regressors.")
    if not ml:
        return
    seen: dict[str, str] = {}
    for name, y, _ in raw:
        if repr(y) in seen:
            raise NotIdentifiedError(
                f"Equations {seen[repr(y)]!r} and {name!r} both explain {y!r}: their residuals "
                "can be made identical (both have an intercept), so the residual covariance "
                "can collapse and the Gaussian likelihood is unbounded — there is no maximum "
                "likelihood estimate (systemfit iterates until its residual covariance is "
                f"singular). Use {setting('method', 'two-step')} (feasible GLS), or give each "
                "equation its own response (a simultaneous system needs instrumental "
                "variables, such as 3SLS).")
        seen[repr(y)] = name


def equation_columns(equations: Any) -> list[Any]:
    """Every column the equations use (responses first), each once."""
    raw = _raw(equations)
    return list(dict.fromkeys([y for _, y, _ in raw] + [c for _, _, x in raw for c in x]))


def _raw(equations: Any) -> list[tuple[str, Any, list[Any]]]:
    if not isinstance(equations, Mapping) or not equations:
        raise InvalidOptionError(f"{arg('equations')} must be a non-empty dict of equation "
                                 f"name → {_FORM}; got {describe(equations)}.")
    return [_one(name, spec) for name, spec in equations.items()]


def parse_equations(equations: Any, labels: pd.Index, *, ml: bool) -> list[Equation]:
    """The equations as positions among ``labels``; ``ml`` refuses systems whose Gaussian
    likelihood is unbounded (one response in two equations).

    Examples
    --------
    >>> eqs = parse_equations({"d": "q ~ p + i"}, pd.Index(["q", "p", "i"]), ml=True)
    >>> eqs[0].response, eqs[0].regressors.tolist()
    (0, [1, 2])
    """
    raw = _raw(equations)
    _checked(raw, labels, ml)
    out = []
    for name, y, x in raw:
        pos = label_positions([y, *x], labels, "equations")
        out.append(Equation(name, int(pos[0]), np.asarray(pos[1:], dtype=np.intp)))
    return out
