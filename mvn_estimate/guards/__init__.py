"""Covariance guards: verdicts on candidate matrices, the specific errors, explicit repair."""

from ._repair import RepairInfo, clip_eigenvalues, nearest_pd
from ._shrink import ShrinkageResult, check_method, shrink_covariance, shrink_stats, unscaled
from ._validate import CovarianceReport, as_raw, check_covariance, validate_covariance

__all__ = [
           "CovarianceReport",
           "RepairInfo",
           "ShrinkageResult",
           "as_raw",
           "check_covariance",
           "check_method",
           "clip_eigenvalues",
           "nearest_pd",
           "shrink_covariance",
           "shrink_stats",
           "unscaled",
           "validate_covariance",
]
