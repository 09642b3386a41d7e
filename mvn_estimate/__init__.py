"""mvn_estimate: maximum-likelihood estimation of multivariate-normal models.

Examples
--------
>>> import mvn_estimate as me
>>> me.linalg.vech([[1.0, 2.0], [2.0, 3.0]])
array([1., 2., 3.])
"""

from . import exceptions, linalg

__version__ = "0.1.0"

__all__ = ["__version__", "exceptions", "linalg"]
