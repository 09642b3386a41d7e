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
:mod:`mvn_estimate.missing`, :func:`little_mcar_test`
    Incomplete data (NaN = missing): the observed-data ``loglike``, ``score`` and
    ``information``; ``fit(..., missing="em")`` for the estimate.
:func:`validate_covariance`, :func:`check_covariance`, :func:`nearest_pd`,
:func:`clip_eigenvalues`
    Covariance guards and explicit repair.
:func:`impute`, :class:`Imputations`, :class:`PooledResult`
    Multiple imputation (bootstrap EM or data augmentation) and Rubin's rules.
:func:`lr_test`, :mod:`mvn_estimate.structures`
    Structured covariance models ``fit(data, structure=...)`` and likelihood-ratio tests
    (scaled as lavaan's MLM and MLR for non-normal data).
:func:`fit_t`, :func:`mcd`
    Robust companions: the multivariate t (``TResult``) and the minimum covariance
    determinant (``MCDResult``), with finite-sample calibrated outliers.
:class:`MVNModel`, :func:`objective`, :func:`pack`, :func:`unpack`
    A statsmodels model and an optimiser-ready objective, for library authors.
:mod:`mvn_estimate.linalg`, :mod:`mvn_estimate.exceptions`
    The linear-algebra utilities underneath; the error and warning classes.

Deprecated (removed in the next release): ``loglike_observed``, ``score_observed`` and
``information_observed`` are ``missing.loglike``, ``missing.score`` and
``missing.information``.

Examples
--------
>>> import numpy as np, mvn_estimate as me
>>> res = me.fit(np.array([[1.0, 2.0], [2.0, 1.0], [4.0, 5.0], [3.0, 3.0]]))
>>> res.nvars, round(res.loglike, 4)
(2, -11.0117)
"""

import warnings as _warnings
from typing import Any as _Any

from . import exceptions, io, linalg, missing, options, structures
from .data import SufficientStats
from .estimation import (
    EMInfo,
    FitSpec,
    GroupedResult,
    JointInfo,
    MVNResult,
    Objective,
    TResult,
    fit,
    fit_file,
    fit_t,
    lr_test,
    objective,
    regress,
)
from .guards import (
    CovarianceReport,
    RepairInfo,
    ShrinkageResult,
    check_covariance,
    clip_eigenvalues,
    nearest_pd,
    shrink_covariance,
    validate_covariance,
)
from .imputation import (
    BootstrapDiagnostics,
    ChainDiagnostics,
    Imputations,
    PooledResult,
    impute,
)
from .inference import (
    HypothesisTest,
    ManovaResult,
    MardiaResult,
    box_m_test,
    cov_test,
    doornik_hansen_test,
    henze_zirkler_test,
    hotelling_test,
    independence_test,
    manova,
    mardia_test,
    sphericity_test,
)
from .missing import LittleResult, little_mcar_test
from .model import (
    Score,
    expected_information,
    loglike,
    loglike_obs,
    loglike_stats,
    observed_information,
    pack,
    sandwich,
    score,
    score_obs,
    unpack,
)
from .regression import ConditionalNormal, RegressionResult
from .robust import Hyperplane, MCDResult, mcd

__version__ = "0.2.0"

__all__ = [
    "BootstrapDiagnostics",
    "ChainDiagnostics",
    "ConditionalNormal",
    "CovarianceReport",
    "EMInfo",
    "FitSpec",
    "GroupedResult",
    "Hyperplane",
    "HypothesisTest",
    "Imputations",
    "JointInfo",
    "LittleResult",
    "MCDResult",
    "MVNModel",
    "MVNResult",
    "ManovaResult",
    "MardiaResult",
    "Objective",
    "PooledResult",
    "RegressionResult",
    "RepairInfo",
    "Score",
    "ShrinkageResult",
    "SufficientStats",
    "TResult",
    "__version__",
    "box_m_test",
    "check_covariance",
    "clip_eigenvalues",
    "cov_test",
    "doornik_hansen_test",
    "exceptions",
    "expected_information",
    "fit",
    "fit_file",
    "fit_t",
    "henze_zirkler_test",
    "hotelling_test",
    "impute",
    "independence_test",
    "io",
    "linalg",
    "little_mcar_test",
    "loglike",
    "loglike_obs",
    "loglike_stats",
    "lr_test",
    "manova",
    "mardia_test",
    "mcd",
    "missing",
    "nearest_pd",
    "objective",
    "observed_information",
    "options",
    "pack",
    "regress",
    "sandwich",
    "score",
    "score_obs",
    "shrink_covariance",
    "sphericity_test",
    "structures",
    "unpack",
    "validate_covariance",
]

_DEPRECATED = {
    "loglike_observed": ("missing.loglike", missing.loglike),
    "score_observed": ("missing.score", missing.score),
    "information_observed": ("missing.information", missing.information),
}


def __getattr__(name: str) -> _Any:
    """``MVNModel`` (imported on first use: it loads statsmodels), and the deprecated
    aliases, kept for one release with a :class:`DeprecationWarning`."""
    if name == "MVNModel":
        from .compat import MVNModel

        return MVNModel
    if name in _DEPRECATED:
        new, func = _DEPRECATED[name]
        _warnings.warn(f"mvn_estimate.{name} is deprecated and will be removed in the next "
                       f"release; use mvn_estimate.{new}.", DeprecationWarning, stacklevel=2)
        return func
    raise AttributeError(f"module 'mvn_estimate' has no attribute {name!r}")
