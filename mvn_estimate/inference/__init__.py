"""Inference: the covariance of the estimates (one estimator per result) and, on top of it,
the tests of hypotheses."""

from ._covariance import (
    Classic,
    Embedded,
    FromInformation,
    ParamCovariance,
    Robust,
    Sandwich,
    Scaled,
    array_chunks,
    classic_variance,
    robust_variance,
    score_meat,
)
from ._result import HypothesisTest

__all__ = [
    "Classic",
    "Embedded",
    "FromInformation",
    "HypothesisTest",
    "ParamCovariance",
    "Robust",
    "Sandwich",
    "Scaled",
    "array_chunks",
    "classic_variance",
    "robust_variance",
    "score_meat",
]
