"""Option checks built from the ``Literal`` types of :mod:`mvn_estimate._typing`.

One function per kind of option — a choice among strings, a boolean, an integer or a real
number in an interval — each raising :class:`~mvn_estimate.exceptions.InvalidOptionError`
with the one message template: the argument's name, the rule, the value received. The
command line reads its ``choices`` from :func:`choices`, so the API and the CLI accept the
same values by construction.
"""

from __future__ import annotations

import math
import numbers
import typing
from typing import Any

import numpy as np

from .exceptions import DtypeError, InvalidOptionError, ShapeError, arg, describe

__all__ = ["check_bool", "check_choice", "check_int", "check_level", "check_real", "check_tail",
           "choices", "real_array"]


def choices(literal: Any) -> tuple[str, ...]:
    """The allowed values of an option declared as a ``Literal`` type.

    Examples
    --------
    >>> from mvn_estimate._typing import Missing
    >>> choices(Missing)
    ('raise', 'drop', 'em')
    """
    return tuple(typing.get_args(literal))


def check_choice(value: Any, name: str, literal: Any) -> str:
    """Return ``value`` if it is one of the ``Literal``'s values; else raise.

    Examples
    --------
    >>> from mvn_estimate._typing import CovType
    >>> check_choice("robust", "cov_type", CovType)
    'robust'
    """
    allowed = choices(literal)
    if not isinstance(value, str) or value not in allowed:
        raise InvalidOptionError(
            f"{arg(name)} must be one of {', '.join(map(repr, allowed))}; got "
            f"{describe(value)}."
        )
    return value


def check_bool(value: Any, name: str) -> bool:
    """Return ``value`` if it is a bool (numpy's included); else raise.

    Examples
    --------
    >>> check_bool(True, "keep_diag")
    True
    """
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    raise InvalidOptionError(f"{arg(name)} must be True or False; got {describe(value)}.")


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) \
        and type(value).__name__ != "bool_"


def check_int(value: Any, name: str, *, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """Return ``value`` as an int if it is an integer within ``[minimum, maximum]``; else raise.

    Floats (even ``10.0``), strings and booleans are refused: an iteration count is a count.

    Examples
    --------
    >>> check_int(10, "max_iter", minimum=1)
    10
    """
    if not isinstance(value, numbers.Integral) or not _is_real(value):
        raise InvalidOptionError(
            f"{arg(name)} must be an integer{_range_text(minimum, maximum, False)}; "
            f"got {describe(value)}."
        )
    out = int(value)
    if (minimum is not None and out < minimum) or (maximum is not None and out > maximum):
        raise InvalidOptionError(
            f"{arg(name)} must be an integer{_range_text(minimum, maximum, False)}; "
            f"got {out}."
        )
    return out


def _range_text(low: float | None, high: float | None, open_: bool) -> str:
    if low is None and high is None:
        return ""
    if high is None:
        return f" {'>' if open_ else '>='} {low:g}"
    if low is None:
        return f" {'<' if open_ else '<='} {high:g}"
    left, right = ("(", ")") if open_ else ("[", "]")
    return f" in {left}{low:g}, {high:g}{right}"


def check_real(value: Any, name: str, *, low: float | None = None, high: float | None = None,
               open_: bool = True, hint: str = "") -> float:
    """Return ``value`` as a float if it is a finite real number in the interval; else raise.

    The interval is open (``low < value < high``) unless ``open_=False`` (closed). Strings,
    booleans, complex numbers, NaN and infinities are refused.

    Examples
    --------
    >>> check_real(0.95, "level", low=0.0, high=1.0)
    0.95
    """
    rule = f"a finite real number{_range_text(low, high, open_)}"
    if not _is_real(value) or not math.isfinite(float(value)):
        raise InvalidOptionError(
            f"{arg(name)} must be {rule}; got {describe(value)}.{hint}")
    out = float(value)
    below = low is not None and (out <= low if open_ else out < low)
    above = high is not None and (out >= high if open_ else out > high)
    if below or above:
        raise InvalidOptionError(f"{arg(name)} must be {rule}; got {out!r}.{hint}")
    return out


def check_level(level: Any, alpha: Any, default: float = 0.95) -> float:
    """The coverage from ``level`` or from ``alpha = 1 − level`` (give one), checked.

    Examples
    --------
    >>> check_level(0.95, None), check_level(0.95, 0.1)
    (0.95, 0.9)
    """
    if alpha is not None:
        if level != default:
            raise InvalidOptionError(
                f"Give 'level' or 'alpha', not both; got level={level!r} and alpha={alpha!r}.")
        return round(1.0 - check_real(alpha, "alpha", low=0.0, high=1.0), 15)
    return check_real(level, "level", low=0.0, high=1.0,
                      hint=" (A coverage such as 0.95, not a percentage.)")


def check_tail(level: Any, alpha: Any, default: float = 0.95) -> float:
    """The two-sided tail probability ``α = 1 − level`` from ``level`` or ``alpha`` (give one),
    checked — computed without rounding ``1 − α`` (``alpha=1e-16`` is not a level of 1).

    Examples
    --------
    >>> check_tail(0.95, None), check_tail(0.95, 1e-16)
    (0.050000000000000044, 1e-16)
    """
    if alpha is not None:
        check_level(level, alpha, default)
        return check_real(alpha, "alpha", low=0.0, high=1.0)
    return 1.0 - check_level(level, None, default)


def real_array(value: Any, name: str, *, shape: str, advice: str = "") -> np.ndarray:
    """``value`` as an array of real numbers (integer or float dtype, not converted).

    :class:`ShapeError` when numpy cannot make an array of it (``shape`` says what was
    expected), :class:`DtypeError` for booleans, strings, complex numbers and objects
    (``advice`` says what to do).

    Examples
    --------
    >>> real_array([1, 2], "x", shape="a vector").dtype.kind
    'i'
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise ShapeError(f"{arg(name)} must be {shape}; got {describe(value)}.") \
            from exc
    if arr.dtype.kind not in "iuf":
        raise DtypeError(f"{arg(name)} must hold real numbers; got {describe(arr)}."
                         + (f" {advice}" if advice else ""))
    return arr
