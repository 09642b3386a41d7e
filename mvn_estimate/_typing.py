"""Type aliases shared by the package's signatures."""

from __future__ import annotations

from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray: TypeAlias = npt.NDArray[np.float64]
ComplexArray: TypeAlias = npt.NDArray[np.complex128]
NumArray: TypeAlias = npt.NDArray[np.float64] | npt.NDArray[np.complex128]
IntArray: TypeAlias = npt.NDArray[np.intp]
ArrayLike: TypeAlias = npt.ArrayLike
DataLike: TypeAlias = "pd.DataFrame | npt.ArrayLike"

Missing: TypeAlias = Literal["raise", "drop", "em"]
CovType: TypeAlias = Literal["classic", "robust"]
Kind: TypeAlias = Literal["covariance", "correlation"]
Definiteness: TypeAlias = Literal[
    "positive definite",
    "positive semidefinite",
    "negative definite",
    "negative semidefinite",
    "indefinite",
]
