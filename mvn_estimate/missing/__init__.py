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

from ._little import LittleResult, little_mcar_test
from ._observed import information, loglike, score

__all__ = ["LittleResult", "information", "little_mcar_test", "loglike", "score"]
