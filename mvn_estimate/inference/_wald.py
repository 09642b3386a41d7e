"""Wald tests of linear hypotheses ``Rθ = r``, with a string form over parameter names."""

from __future__ import annotations

import ast
import re
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._typing import FloatArray
from .._validate import real_array
from ..exceptions import (
    InvalidOptionError,
    NonFiniteError,
    NotPositiveDefiniteError,
    NumericalRangeError,
    ShapeError,
    arg,
    describe,
)
from ..linalg import PDFactor
from ._result import HypothesisTest

__all__ = ["parse_constraints", "wald", "wald_named"]


def _linear(node: ast.AST, k: int, text: str) -> tuple[FloatArray, float]:
    """Coefficients and constant of a linear expression over placeholders ``_p0 … _pk``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) \
            and not isinstance(node.value, bool):
        if not np.isfinite(float(node.value)):
            raise InvalidOptionError(f"The hypothesis {text!r} has a number beyond "
                                     "float64's range (it reads as infinite); write a finite "
                                     "number.")
        return np.zeros(k), float(node.value)
    if isinstance(node, ast.Name) and re.fullmatch(r"_p\d+", node.id):
        out = np.zeros(k)
        out[int(node.id[2:])] = 1.0
        return out, 0.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        c, r = _linear(node.operand, k, text)
        return (-c, -r) if isinstance(node.op, ast.USub) else (c, r)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        (ca, ra), (cb, rb) = _linear(node.left, k, text), _linear(node.right, k, text)
        sign = 1.0 if isinstance(node.op, ast.Add) else -1.0
        return ca + sign * cb, ra + sign * rb
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Div):
        (ca, ra), (cb, rb) = _linear(node.left, k, text), _linear(node.right, k, text)
        if isinstance(node.op, ast.Div):
            if np.any(cb) or rb == 0:
                raise InvalidOptionError(f"The hypothesis {text!r} divides by a parameter or by "
                                         "zero; only linear hypotheses can be tested.")
            return ca / rb, ra / rb
        if np.any(ca) and np.any(cb):
            raise InvalidOptionError(f"The hypothesis {text!r} multiplies two parameters; only "
                                     "linear hypotheses can be tested.")
        return (ca * rb + cb * ra, ra * rb)
    raise InvalidOptionError(
        f"The hypothesis {text!r} must be a linear equation in parameter names, numbers, +, −, "
        "* and /, such as \"mean[a] = mean[b]\" or \"2*cov[a,b] - cov[a,a] = 0\".")


def parse_constraints(spec: Any, names: list[str]) -> tuple[FloatArray, FloatArray]:
    """``(R, r)`` from hypotheses written over parameter names.

    ``spec`` is one string or a list of strings; each string holds one equation, or several
    separated by ``;``. A side without ``=`` is tested against zero.

    Examples
    --------
    >>> R, r = parse_constraints("mean[a] = mean[b]; cov[a,b] = 0.5", ["mean[a]", "mean[b]",
    ...                                                              "cov[a,b]"])
    >>> R.tolist(), r.tolist()
    ([[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]], [0.0, 0.5])
    """
    items = [spec] if isinstance(spec, str) else list(spec)
    if not all(isinstance(item, str) for item in items):
        raise InvalidOptionError(f"{arg('R')} must be a matrix or hypotheses written as text "
                                 f"(\"mean[a] = mean[b]\"); got {describe(spec)}.")
    equations = [e.strip() for item in items for e in _equations(item) if e.strip()]
    order = sorted(range(len(names)), key=lambda i: -len(names[i]))
    rows, rhs = [], []
    for eq in equations:
        text = eq
        for i in order:
            text = text.replace(names[i], f" _p{i} ")
        bracketed = re.findall(r"[A-Za-z_][\w.]*\[[^\]]*\]", text)
        rest = re.sub(r"[A-Za-z_][\w.]*\[[^\]]*\]", " ", text)
        unknown = bracketed + [w for w in re.findall(r"\b[A-Za-z_]\w*\b", rest)
                               if not re.fullmatch(r"_p\d+", w)]
        if unknown:
            raise InvalidOptionError(
                f"The hypothesis {eq!r} names {unknown}, which are not parameters of this fit; "
                f"they are {names[:8]}{' …' if len(names) > 8 else ''}.")
        sides = text.split("=")
        if len(sides) > 2:
            raise InvalidOptionError(f"The hypothesis {eq!r} has more than one '='.")
        try:
            trees = [ast.parse(s.strip(), mode="eval").body for s in sides]
        except SyntaxError as exc:
            raise InvalidOptionError(
                f"The hypothesis {eq!r} could not be read: is every name one of the parameters "
                f"({', '.join(names[:6])}, …)?") from exc
        left = _linear(trees[0], len(names), eq)
        right = _linear(trees[1], len(names), eq) if len(trees) == 2 else (np.zeros(len(names)),
                                                                           0.0)
        rows.append(left[0] - right[0])
        rhs.append(right[1] - left[1])
    return np.array(rows), np.array(rhs)


def _equations(text: str) -> list[str]:
    """The equations of ``text``, split on ``;`` outside brackets (a column name inside
    ``mean[…]`` may hold a ``;``)."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "[") - (ch == "]")
        if ch == ";" and depth == 0:
            out.append(text[start:i])
            start = i + 1
    return [*out, text[start:]]


def _numbers(value: Any, name: str) -> FloatArray:
    arr = real_array(value, name, shape="a matrix of numbers")
    if not np.all(np.isfinite(arr)):
        raise NonFiniteError(f"{arg(name)} must hold finite numbers; got "
                             f"{int(np.sum(~np.isfinite(arr)))} NaN or infinite.")
    return np.asarray(arr, dtype=float)


def wald(params: FloatArray, cov: FloatArray, R: Any, r: Any = None) -> HypothesisTest:
    """``W = (Rθ̂ − r)ᵀ(R V Rᵀ)⁻¹(Rθ̂ − r) ~ χ²(q)`` for ``q`` independent restrictions."""
    if isinstance(R, dict):
        raise InvalidOptionError(f"{arg('R')} must be a matrix or hypotheses written as text "
                                 f"(\"mean[a] = mean[b]\"); got {describe(R)}.")
    mat = np.atleast_2d(_numbers(R, "R"))
    if mat.ndim != 2 or mat.shape[1] != params.size:
        raise ShapeError(f"{arg('R')} must have {params.size} columns, one per parameter; "
                         f"got {describe(R)}.")
    rhs = np.zeros(mat.shape[0]) if r is None else np.atleast_1d(_numbers(r, "r"))
    if rhs.shape != (mat.shape[0],):
        raise ShapeError(f"{arg('r')} must have {mat.shape[0]} entries, one per row of "
                         f"'R'; got {describe(r)}.")
    d = mat @ params - rhs
    used = np.flatnonzero(np.any(mat != 0, axis=0))  # the parameters the restrictions involve
    part = cov[np.ix_(used, used)]
    if np.isnan(part).any():
        raise InvalidOptionError(
            "The restrictions involve parameters without a standard error (held at a bound); "
            "leave them out of the hypothesis.")
    with np.errstate(over="ignore", invalid="ignore"):
        middle = mat[:, used] @ part @ mat[:, used].T
    if not np.all(np.isfinite(middle)):
        raise NumericalRangeError(
            "The covariance of the estimates the restrictions involve is beyond float64's "
            "range at the data's scale. Rescale the data (e.g. multiply the columns by a "
            "power of ten) and test the rescaled hypothesis.")
    try:
        stat = float(d @ PDFactor.of((middle + middle.T) / 2, name="R V Rᵀ").solve(d))
    except NotPositiveDefiniteError as exc:
        raise InvalidOptionError(
            "The restrictions in 'R' are not linearly independent (or involve parameters "
            "without a standard error); drop the redundant rows.") from exc
    q = mat.shape[0]
    return HypothesisTest("Wald", stat, float(q), float(sps.chi2.sf(stat, q)), "chi2",
                          f"{q} linear restriction(s) Rθ = r")


def wald_named(params: pd.Series, cov: FloatArray, R: Any, r: Any = None) -> HypothesisTest:
    """:func:`wald` where ``R`` may also be hypotheses written over the parameter names
    (``"mean[a] = mean[b]"``; right-hand sides inside the text)."""
    if isinstance(R, str) or (isinstance(R, list | tuple) and R and isinstance(R[0], str)):
        if r is not None:
            raise InvalidOptionError("Give the right-hand sides inside the hypotheses "
                                     "(\"mean[a] = 1\"), not as 'r', when R is text.")
        R, r = parse_constraints(R, [str(n) for n in params.index])
    return wald(params.to_numpy(), cov, R, r)
