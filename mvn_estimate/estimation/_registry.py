"""The registry of estimators: a fit specification names one, the pipeline runs it."""

from __future__ import annotations

from ._estimate import Estimator
from ._estimators import ClosedForm, ExpectationMaximisation, Shrinkage, Structured
from ._t import StudentT

__all__ = ["ESTIMATORS"]

ESTIMATORS: dict[str, Estimator] = {
    "ml": ClosedForm(),
    "structured": Structured(),
    "em": ExpectationMaximisation(),
    "shrinkage": Shrinkage(),
    "t": StudentT(),
}
"""The estimators by name: :class:`~mvn_estimate.FitSpec` chooses one from the options (or a
front door such as ``fit_t`` names its own)."""
