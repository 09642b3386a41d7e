"""Inference: the covariance of the estimates (one estimator per result) and, on top of it,
the tests of hypotheses."""

from ._covariance import (
    Classic,
    FromInformation,
    ParamCovariance,
    Robust,
    Sandwich,
    Scaled,
    array_chunks,
    classic_variance,
    robust_variance,
)

__all__ = [
    "Classic",
    "FromInformation",
    "ParamCovariance",
    "Robust",
    "Sandwich",
    "Scaled",
    "array_chunks",
    "classic_variance",
    "robust_variance",
]
