"""mvn_estimate: maximum-likelihood estimation of multivariate-normal models.

Public API
----------
:func:`fit`
    ML mean and covariance of a DataFrame or array, with standard errors (``MVNResult``).
:func:`loglike`, :func:`loglike_obs`, :func:`score`, :func:`score_obs`
    Log-likelihood and analytic score at any ``(μ, Σ)``; :func:`loglike_stats` from
    :class:`SufficientStats` alone.
:func:`expected_information`, :func:`observed_information`, :func:`sandwich`
    Fisher information over ``θ = (μ, vech Σ)``.
:func:`loglike_observed`, :func:`score_observed`, :func:`information_observed`,
:func:`little_mcar_test`
    Incomplete data (NaN = missing); ``fit(..., missing="em")`` for the estimate.
:func:`validate_covariance`, :func:`check_covariance`, :func:`nearest_pd`,
:func:`clip_eigenvalues`
    Covariance guards and explicit repair.
:mod:`mvn_estimate.linalg`
    The linear-algebra utilities underneath.

Examples
--------
>>> import numpy as np, mvn_estimate as me
>>> res = me.fit(np.array([[1.0, 2.0], [2.0, 1.0], [4.0, 5.0], [3.0, 3.0]]))
>>> res.nvars, round(res.loglike, 4)
(2, -11.0117)
"""

from . import exceptions, linalg
from .estimate import fit
from .fisher import expected_information, observed_information, sandwich
from .guards import (
    CovarianceReport,
    check_covariance,
    clip_eigenvalues,
    nearest_pd,
    validate_covariance,
)
from .likelihood import Score, loglike, loglike_obs, loglike_stats, score, score_obs
from .little import LittleResult, little_mcar_test
from .observed import information_observed, loglike_observed, score_observed
from .results import EMInfo, MVNResult
from .stats import SufficientStats

__version__ = "0.1.0"

__all__ = [
    "CovarianceReport",
    "EMInfo",
    "LittleResult",
    "MVNResult",
    "Score",
    "SufficientStats",
    "__version__",
    "check_covariance",
    "clip_eigenvalues",
    "exceptions",
    "expected_information",
    "fit",
    "information_observed",
    "linalg",
    "little_mcar_test",
    "loglike",
    "loglike_obs",
    "loglike_observed",
    "loglike_stats",
    "nearest_pd",
    "observed_information",
    "sandwich",
    "score",
    "score_obs",
    "score_observed",
    "validate_covariance",
]
