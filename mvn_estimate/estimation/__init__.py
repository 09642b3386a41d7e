"""Estimation: ``fit`` and the result it returns."""

from ._assemble import assemble, data_digest
from ._compare import lr_test
from ._complete import check_nonsingular
from ._fit import fit
from ._grouped import GroupedResult
from ._objective import Objective, objective
from ._reduce import fit_rows
from ._results import EMInfo, MVNResult
from ._stream import fit_file, fit_table

__all__ = ["EMInfo", "GroupedResult", "MVNResult", "Objective", "assemble", "check_nonsingular",
           "data_digest", "fit", "fit_file", "fit_rows", "fit_table", "lr_test", "objective"]
