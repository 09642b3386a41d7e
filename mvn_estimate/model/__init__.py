"""The model: parameters, the log-likelihood and score at any ``(μ, Σ)``, and the information.

Imports point down only: this layer knows data (``mvn_estimate.data``) and the linear algebra
(``mvn_estimate.linalg``), never files, fits or results. Every formula from statistics has
one home, :mod:`._kernels`; the public functions check their inputs and call it.
"""

from ._factor import Factor
from ._information import expected_information, observed_information, sandwich
from ._kernels import (
    LOG_2PI,
    chain_matrix,
    chain_score_information,
    expected_from,
    loglike_at_mle,
    loglike_from,
    observed_from,
    sandwich_from,
    score_from,
    score_vector_from,
    sym_score,
    vech_score,
)
from ._likelihood import (
    Score,
    loglike,
    loglike_obs,
    loglike_rows,
    loglike_stats,
    score,
    score_obs,
    score_rows,
    stats_about,
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
from ._singular import check_nonsingular, collinear, enough_rows, factor_or_explain
from ._structure_base import vech_position
from ._structured import StructuredFit, fit_structure, iterative, structure_information
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
    structure_of,
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
    "chain_matrix",
    "chain_score_information",
    "check_nonsingular",
    "checked_point",
    "collinear",
    "enough_rows",
    "expected_from",
    "expected_information",
    "factor_or_explain",
    "fit_structure",
    "iterative",
    "loglike",
    "loglike_at_mle",
    "loglike_from",
    "loglike_obs",
    "loglike_rows",
    "loglike_stats",
    "nparams",
    "observed_from",
    "observed_information",
    "pack",
    "param_names",
    "refuse_dense",
    "resolve_structure",
    "sandwich",
    "sandwich_from",
    "score",
    "score_from",
    "score_obs",
    "score_rows",
    "score_vector_from",
    "stats_about",
    "structure_information",
    "structure_of",
    "sym_score",
    "unpack",
    "vech_position",
    "vech_score",
]
