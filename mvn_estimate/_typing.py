"""Type aliases and the option ``Literal`` types: the single source of allowed values.

Every option with a fixed set of values is declared here once; :mod:`mvn_estimate._validate`
checks arguments against these types (``typing.get_args``) and the command line builds its
``choices`` from the same place, so the three can never disagree.
"""

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
Information: TypeAlias = Literal["observed", "expected"]
WeightsKind: TypeAlias = Literal["frequency", "analytic"]
Kind: TypeAlias = Literal["covariance", "correlation"]
Invalid: TypeAlias = Literal["raise", "-inf"]
Repair: TypeAlias = Literal["nearest", "clip"]
NearestMethod: TypeAlias = Literal["newton", "alternating"]
OutputFormat: TypeAlias = Literal["text", "json"]
PlotKind: TypeAlias = Literal["qq", "ellipses", "corr"]
StructureName: TypeAlias = Literal["unstructured", "diagonal", "spherical",
                                   "compound_symmetry", "ar1"]
SurMethod: TypeAlias = Literal["ml", "two-step"]
ShrinkMethod: TypeAlias = Literal["ledoit-wolf", "oas", "schafer-strimmer"]
Equal: TypeAlias = Literal["mean", "cov"]
ImputeMethod: TypeAlias = Literal["bootstrap", "posterior"]
MCDMethod: TypeAlias = Literal["deterministic", "fast"]
ScaledTest: TypeAlias = Literal["satorra-bentler", "yuan-bentler"]
OutlierMethod: TypeAlias = Literal["mvn", "mcd"]
Definiteness: TypeAlias = Literal[
    "positive definite",
    "positive semidefinite",
    "negative definite",
    "negative semidefinite",
    "indefinite",
]
