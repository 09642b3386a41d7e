"""The model: parameters, the log-likelihood and score at any ``(μ, Σ)``, and the information.

Imports point down only: this layer knows data (``mvn_estimate.data``) and the linear algebra
(``mvn_estimate.linalg``), never files, fits or results.
"""

from ._factor import Factor
from ._information import (
    expected_information,
    information_blocks,
    observed_information,
    observed_kernel,
    sandwich,
)
from ._likelihood import (
    LOG_2PI,
    Score,
    loglike,
    loglike_obs,
    loglike_rows,
    loglike_stats,
    score,
    score_obs,
    score_rows,
    stats_about,
    sym_score,
)
from ._params import (
    DENSE_PARAM_LIMIT,
    Point,
    checked_point,
    nparams,
    pack,
    param_names,
    refuse_dense,
    unpack,
)
from ._structured import StructuredFit, fit_structure, iterative, structure_information, vech_score
from ._structures import (
    AR1,
    BUILTIN,
    BlockDiagonal,
    CompoundSymmetry,
    CovarianceStructure,
    Diagonal,
    LogCholesky,
    Spherical,
    Unstructured,
    resolve_structure,
)

__all__ = [
    "AR1",
    "BUILTIN",
    "DENSE_PARAM_LIMIT",
    "LOG_2PI",
    "BlockDiagonal",
    "CompoundSymmetry",
    "CovarianceStructure",
    "Diagonal",
    "Factor",
    "LogCholesky",
    "Point",
    "Score",
    "Spherical",
    "StructuredFit",
    "Unstructured",
    "checked_point",
    "expected_information",
    "fit_structure",
    "information_blocks",
    "iterative",
    "loglike",
    "loglike_obs",
    "loglike_rows",
    "loglike_stats",
    "nparams",
    "observed_information",
    "observed_kernel",
    "pack",
    "param_names",
    "refuse_dense",
    "resolve_structure",
    "sandwich",
    "score",
    "score_obs",
    "score_rows",
    "stats_about",
    "structure_information",
    "sym_score",
    "unpack",
    "vech_score",
]
