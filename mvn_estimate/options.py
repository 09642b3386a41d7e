"""The allowed values of every option with a fixed set of them, declared once.

The ``Literal`` types of :mod:`mvn_estimate._typing` are the one source: the API checks its
arguments against them and the command line builds its ``choices`` from :func:`choices`, so
the two accept the same values by construction.

Examples
--------
>>> from mvn_estimate.options import choices
>>> choices("missing")
('raise', 'drop', 'em')
"""

from __future__ import annotations

import typing
from typing import Any

from ._typing import (
    CovType,
    Equal,
    ImputeMethod,
    Information,
    Kind,
    Missing,
    NearestMethod,
    OutputFormat,
    PlotKind,
    Repair,
    ShrinkMethod,
    StructureName,
    WeightsKind,
)
from .exceptions import InvalidOptionError

__all__ = ["OPTIONS", "choices"]

OPTIONS: dict[str, Any] = {
    "missing": Missing, "cov_type": CovType, "information": Information,
    "weights_kind": WeightsKind, "kind": Kind, "repair": Repair, "method": NearestMethod,
    "format": OutputFormat, "plot_kind": PlotKind, "structure": StructureName,
    "shrinkage": ShrinkMethod, "equal": Equal, "impute_method": ImputeMethod,
}
"""Option name → its ``Literal`` type."""


def choices(option: str) -> tuple[str, ...]:
    """The allowed values of ``option`` (a name in :data:`OPTIONS`).

    Examples
    --------
    >>> choices("cov_type")
    ('classic', 'robust')
    """
    if option not in OPTIONS:
        raise InvalidOptionError(f"The 'option' argument must be one of {sorted(OPTIONS)}; got "
                                 f"{option!r}.")
    return tuple(typing.get_args(OPTIONS[option]))
