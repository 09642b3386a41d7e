"""Using a fitted normal: conditional distributions and regressions (a response block on a
regressor block, from the joint fit or with fixed regressors; seemingly unrelated
regressions), all from the moments and the covariance of the estimates."""

from ._conditional import ConditionalNormal, conditional_normal, label_positions
from ._equations import equation_columns, parse_equations
from ._from_moments import block_labels, disjoint_blocks, joint_regression, sur_regression
from ._result import MultivariateTests, RegressionResult

__all__ = [
    "ConditionalNormal",
    "MultivariateTests",
    "RegressionResult",
    "block_labels",
    "conditional_normal",
    "disjoint_blocks",
    "equation_columns",
    "joint_regression",
    "label_positions",
    "parse_equations",
    "sur_regression",
]
