"""Estimation: ``fit`` and the result it returns."""

from ._fit import assemble, check_nonsingular, fit
from ._results import EMInfo, MVNResult

__all__ = ["EMInfo", "MVNResult", "assemble", "check_nonsingular", "fit"]
