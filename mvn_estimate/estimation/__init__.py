"""Estimation: the fit specification, the estimators, the one pipeline, and the results."""

from ._compare import lr_test
from ._covariances import BUILDERS, Builder
from ._dask import is_dask
from ._estimate import Estimate, Estimator
from ._fit import fit
from ._grouped import GroupedResult
from ._incomplete import check_auxiliary, joint_columns
from ._joint_fit import JointInfo
from ._objective import Objective, objective
from ._pipeline import fit_rows
from ._registry import ESTIMATORS
from ._regress import regress
from ._results import EMInfo, MVNResult
from ._spec import FitSpec
from ._stream import fit_file
from ._t_fit import fit_t
from ._t_result import TResult

__all__ = ["BUILDERS", "ESTIMATORS", "Builder", "EMInfo", "Estimate", "Estimator", "FitSpec",
           "GroupedResult", "JointInfo", "MVNResult", "Objective", "TResult", "fit", "fit_file",
           "fit_rows", "fit_t", "lr_test", "objective", "regress"]

# Doors for the layers above (imputation): not public API.
__all__ += ["check_auxiliary", "is_dask", "joint_columns"]
