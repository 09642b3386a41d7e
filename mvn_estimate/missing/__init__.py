"""Incomplete data (NaN = missing): the observed-data likelihood and Little's MCAR test.

``fit(data, missing="em")`` estimates with full-information maximum likelihood; the functions
here evaluate the observed-data log-likelihood, its score and its information at any
``(μ, Σ)``:

:func:`loglike`, :func:`score`, :func:`information`
    ``Σᵢ ln φ(x_{i,o}; μ_o, Σ_oo)`` and its derivatives over ``θ = (μ, vech Σ)``.
:func:`little_mcar_test`
    Little's (1988) test of missing completely at random.

Examples
--------
>>> import numpy as np, mvn_estimate as me
>>> x = np.array([[0.0, np.nan], [1.0, 1.0]])
>>> round(me.missing.loglike(x, [0.0, 0.0], np.eye(2)), 6)
-3.756816
"""

# Doors for the layers above (the estimators, the objective): not public API.
from ._conditional import e_step as e_step
from ._em import MAX_ITER as MAX_ITER
from ._em import TOL as TOL
from ._em import EMFit as EMFit
from ._em import EMModel as EMModel
from ._em import chained as chained
from ._em import em as em
from ._em import start_values as start_values
from ._fill import Bounded as Bounded
from ._fill import RowGroups as RowGroups
from ._fill import fill as fill
from ._fill import fill_bounded as fill_bounded
from ._fill import row_groups as row_groups
from ._little import LittleResult, little_mcar_test
from ._observed import chunk_meat as chunk_meat
from ._observed import information, loglike, score
from ._observed import information_matrix as information_matrix
from ._observed import robust_meat as robust_meat
from ._observed import row_mahalanobis as row_mahalanobis
from ._observed import row_terms as row_terms
from ._observed import score_and_information as score_and_information
from ._observed import score_vector as score_vector
from ._pattern_tally import PatternTally as PatternTally
from ._patterns import Patterns as Patterns
from ._patterns import build_patterns as build_patterns
from ._patterns import patterns_from_summaries as patterns_from_summaries

__all__ = ["LittleResult", "information", "little_mcar_test", "loglike", "score"]
