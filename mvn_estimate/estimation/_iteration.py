"""The iteration options ``tol`` and ``max_iter``, checked against the fit they control."""

from __future__ import annotations

from typing import Any

from .._validate import check_int, check_real
from ..exceptions import InvalidOptionError
from ..missing._em import MAX_ITER, TOL
from ..model import CovarianceStructure, iterative

__all__ = ["check_iteration"]


def check_iteration(missing: str, tol: Any, max_iter: Any,
                    structure: CovarianceStructure) -> tuple[float, int]:
    closed = missing != "em" and not iterative(structure)
    if closed and (tol is not None or max_iter is not None):
        given = "tol" if tol is not None else "max_iter"
        raise InvalidOptionError(
            f"The '{given}' argument controls the iterations of missing='em' or of a structure "
            f"without a closed form; this fit (missing={missing!r}, structure "
            f"{structure.name!r}) is in closed form and has no iterations. Remove it."
        )
    tol_v = TOL if tol is None else check_real(tol, "tol", low=0.0, high=1.0)
    iters = MAX_ITER if max_iter is None else check_int(max_iter, "max_iter", minimum=1)
    return tol_v, iters
