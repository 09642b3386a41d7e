"""Estimation: ``fit`` and the result it returns."""

from ._compare import lr_test
from ._fit import assemble, check_nonsingular, data_digest, fit
from ._results import EMInfo, MVNResult

__all__ = ["EMInfo", "MVNResult", "assemble", "check_nonsingular", "data_digest", "fit",
           "lr_test"]
