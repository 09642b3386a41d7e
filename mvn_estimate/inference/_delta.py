"""The covariance of functions of the estimates: a sub-vector (``Selected``) and a smooth
transformation by the delta method (``Transformed``), built on any estimator of the
covariance of the estimates, so that classic, robust, EM and structured fits all carry over."""

from __future__ import annotations

import numpy as np

from .._typing import FloatArray
from ._covariance import ParamCovariance

__all__ = ["Given", "Selected", "Transformed"]


class Given(ParamCovariance):
    """A covariance of the estimates computed in closed form elsewhere (``matrix``), with
    the name of its estimator and its formula.

    Examples
    --------
    >>> Given(np.diag([4.0, 1.0]), "classic", "expected", "inverse information").std()
    array([2., 1.])
    """

    def __init__(self, matrix: FloatArray, cov_type: str, information: str,
                 formula: str) -> None:
        super().__init__(int(matrix.shape[0]))
        self.matrix = matrix
        self.cov_type, self.information, self.formula = cov_type, information, formula

    def _dense(self) -> FloatArray:
        return self.matrix


class Selected(ParamCovariance):
    """The covariance of the estimates ``θ̂[index]``: a sub-block of ``base`` (its diagonal
    without building the dense matrix).

    Examples
    --------
    >>> from mvn_estimate.inference import Classic
    >>> base = Classic(np.array([[2.0, 0.5], [0.5, 1.0]]), 10.0)
    >>> Selected(base, np.array([1, 3])).std().round(4)
    array([0.3162, 0.4743])
    """

    def __init__(self, base: ParamCovariance, index: np.ndarray) -> None:
        super().__init__(int(index.size))
        self.base, self.index = base, np.asarray(index, dtype=np.intp)
        self.cov_type, self.information, self.formula = base.cov_type, base.information, \
            base.formula

    def diag(self) -> FloatArray:
        return self.base.diag()[self.index]

    def std(self) -> FloatArray:
        return self.base.std()[self.index]  # not sqrt(diag): a variance may overflow

    def _dense(self) -> FloatArray:
        return self.base.dense()[np.ix_(self.index, self.index)]


class Transformed(ParamCovariance):
    """``J Cov(θ̂) Jᵀ``: the delta method for ``g(θ̂)`` with Jacobian ``J = ∂g/∂θᵀ``.

    Examples
    --------
    >>> from mvn_estimate.inference import Classic
    >>> base = Classic(np.array([[2.0]]), 10.0)  # (mean, variance): 0.2, 0.8
    >>> Transformed(base, np.array([[1.0, 0.0], [1.0, 1.0]])).dense().round(4)
    array([[0.2, 0.2],
           [0.2, 1. ]])
    """

    def __init__(self, base: ParamCovariance, jacobian: FloatArray, scale: FloatArray | None = None
                 ) -> None:
        super().__init__(int(jacobian.shape[0]))
        self.base, self.jacobian = base, jacobian
        self.scale = np.ones(jacobian.shape[0]) if scale is None else scale
        self.cov_type, self.information = base.cov_type, base.information
        self.formula = f"delta method from {base.formula}"

    def _dense(self) -> FloatArray:
        out = self.jacobian @ self.base.dense() @ self.jacobian.T
        return out * self.scale[:, None] * self.scale[None, :]
