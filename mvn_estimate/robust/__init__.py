"""Robust estimation of location and scatter: the minimum covariance determinant (MCD).

:func:`mcd` (DetMCD or FastMCD, raw and reweighted, robustbase's corrections) returns an
:class:`MCDResult`; exact fits are reported with the :class:`Hyperplane` they lie on.
"""

from ._cutoff import cerioli_pvalues, screening_cutoff, wishart_df
from ._mcd import mcd
from ._result import Hyperplane, MCDResult, Reference
from ._scales import qn_scale, tau2_scale

__all__ = ["Hyperplane", "MCDResult", "Reference", "cerioli_pvalues", "mcd", "qn_scale",
           "screening_cutoff", "tau2_scale", "wishart_df"]
