"""Optional dependencies (pyarrow, Dask, matplotlib, tqdm): imported only when a feature
needs them, with an error that names the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from .exceptions import OptionalDependencyError

__all__ = ["EXTRAS", "require"]

EXTRAS = {"pyarrow": "parquet", "dask": "dask", "distributed": "dask",
          "matplotlib": "plot", "tqdm": "progress"}
"""Which ``pip install 'mvn_estimate[extra]'`` provides each optional module."""


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` or raise :class:`OptionalDependencyError` naming the extra.

    Examples
    --------
    >>> require("numpy", "arrays").__name__
    'numpy'
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        extra = EXTRAS.get(top, top)
        raise OptionalDependencyError(
            f"{feature} needs the optional package '{top}', which is not installed. Install "
            f"it with: pip install 'mvn_estimate[{extra}]'"
        ) from exc
