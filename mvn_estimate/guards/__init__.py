"""Covariance guards: verdicts on candidate matrices, the specific errors, explicit repair."""

from ._repair import RepairInfo, clip_eigenvalues, nearest_pd, project_psd
from ._validate import CovarianceReport, as_raw, check_covariance, validate_covariance

__all__ = ["CovarianceReport", "RepairInfo", "as_raw", "check_covariance", "clip_eigenvalues",
           "nearest_pd", "project_psd", "validate_covariance"]
