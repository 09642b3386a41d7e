"""Inference: the covariance of the estimates (one estimator per result) and, on top of it,
the tests of hypotheses."""

from ._cov_tests import (
    aligned_matrix,
    box_m_test,
    cov_test,
    cov_test_from_stats,
    independence_from_stats,
    independence_test,
    sphericity_from_stats,
    sphericity_test,
)
from ._covariance import (
    Classic,
    Embedded,
    FromInformation,
    NotAvailable,
    ParamCovariance,
    Robust,
    Sandwich,
    Scaled,
    classic_variance,
    robust_variance,
    score_meat,
)
from ._delta import Given, Selected, Transformed
from ._intervals import wald_intervals, wald_pvalues
from ._means import (
    ManovaResult,
    aligned_vector,
    hotelling_from_stats,
    hotelling_test,
    manova,
    manova_table,
)
from ._normality import MardiaResult, doornik_hansen_test, henze_zirkler_test, mardia_test
from ._report import Header, estimates_table, render_html, render_text
from ._result import HypothesisTest
from ._wald import parse_constraints, wald, wald_named

__all__ = [
    "Classic",
    "Embedded",
    "FromInformation",
    "Given",
    "Header",
    "HypothesisTest",
    "ManovaResult",
    "MardiaResult",
    "NotAvailable",
    "ParamCovariance",
    "Robust",
    "Sandwich",
    "Scaled",
    "Selected",
    "Transformed",
    "aligned_matrix",
    "aligned_vector",
    "box_m_test",
    "classic_variance",
    "cov_test",
    "cov_test_from_stats",
    "doornik_hansen_test",
    "estimates_table",
    "henze_zirkler_test",
    "hotelling_from_stats",
    "hotelling_test",
    "independence_from_stats",
    "independence_test",
    "manova",
    "manova_table",
    "mardia_test",
    "parse_constraints",
    "render_html",
    "render_text",
    "robust_variance",
    "score_meat",
    "sphericity_from_stats",
    "sphericity_test",
    "wald",
    "wald_intervals",
    "wald_named",
    "wald_pvalues",
]
