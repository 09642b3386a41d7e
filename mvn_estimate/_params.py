"""Parameter bookkeeping: names ``mean[x]``/``cov[x,y]`` in vech order, and caller-given
``(mean, cov)`` checked and aligned to the data's columns."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._typing import FloatArray
from .exceptions import InvalidOptionError, ShapeError, describe
from .linalg import PDFactor
from .linalg._checks import as_array
from .linalg.vech import vech_indices

__all__ = ["aligned_params", "param_names"]


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


def _reorder(value: Any, names: list[str], arg: str) -> Any:
    """Reorder a labelled Series/DataFrame to ``names``; arrays pass through."""
    if isinstance(value, pd.Series):
        if set(map(str, value.index)) != set(names):
            raise InvalidOptionError(
                f"The '{arg}' argument's labels {list(map(str, value.index))} must match the "
                f"data's columns {names}."
            )
        return value.set_axis(list(map(str, value.index))).loc[names].to_numpy(float)
    if isinstance(value, pd.DataFrame):
        for axis in (value.index, value.columns):
            if set(map(str, axis)) != set(names):
                raise InvalidOptionError(
                    f"The '{arg}' argument's labels {list(map(str, axis))} must match the "
                    f"data's columns {names}."
                )
        frame = value.set_axis(list(map(str, value.index)), axis=0)
        frame = frame.set_axis(list(map(str, frame.columns)), axis=1)
        return frame.loc[names, names].to_numpy(float)
    return value


def aligned_params(mean: Any, cov: Any, names: list[str]) -> tuple[FloatArray, PDFactor]:
    """Check a caller's ``(mean, cov)`` against ``p = len(names)`` and factor ``cov`` once.

    Raises the package's shape/finite/symmetry/positive-definite errors, never LinAlgError.
    """
    p = len(names)
    mu = as_array(_reorder(mean, names, "mean"), "mean", complex_ok=False)
    if mu.shape != (p,):
        raise ShapeError(f"The 'mean' argument must have shape ({p},); got {describe(mu)}.")
    sigma = as_array(_reorder(cov, names, "cov"), "cov", ndim=2, complex_ok=False)
    if sigma.shape != (p, p):
        raise ShapeError(f"The 'cov' argument must have shape ({p}, {p}); got {describe(sigma)}.")
    return mu, PDFactor.of(sigma, name="cov")

