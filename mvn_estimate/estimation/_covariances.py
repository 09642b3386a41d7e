"""The registry of builders of the covariance of the estimates, one per (estimator family,
``cov_type``), each declaring what it needs — a second pass over the rows, or the rows in
memory — so that routing (the command line reads a file into memory only when a builder asks
for it) and refusals read one declaration.

=================  ==========  ===============================================  ===========  =======
family             cov_type    estimator of ``Cov(θ̂)``                          second pass  streams
=================  ==========  ===============================================  ===========  =======
``ml``             classic     inverse expected information, closed form        no           yes
``ml``             robust      sandwich from fourth moments                     yes          yes
``structured``     classic     inverse information of the model (chain rule)    no           yes
``structured``     robust      sandwich with per-row scores                     yes          yes
``em``             classic     inverse observed (or expected) information       no           yes
``em``             robust      sandwich with per-row observed-data scores       yes          yes
``shrinkage``      classic     none: a shrinkage estimate is not the MLE        no           yes
``t``              classic     inverse observed information of the t (with ν)   yes          yes
=================  ==========  ===============================================  ===========  =======
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .._typing import CovType
from ..exceptions import InvalidOptionError, setting
from ..inference import (
    Classic,
    FromInformation,
    NotAvailable,
    ParamCovariance,
    Robust,
    Sandwich,
)
from ..model import nparams
from ._estimate import Estimate

__all__ = ["BUILDERS", "Builder", "builder_for"]


@dataclass(frozen=True)
class Builder:
    """How one estimator family's covariance of the estimates is made for one ``cov_type``.

    ``second_pass``: it reads the rows again; ``streams``: rows read in chunks (files,
    Dask) suffice, else ``needs`` says what it needs that a stream does not keep.
    """

    family: str
    cov_type: CovType
    make: Callable[[Estimate, str], ParamCovariance]
    second_pass: bool = False
    streams: bool = True
    needs: str = ""


def _information(e: Estimate, kind: str) -> ParamCovariance:
    assert e.information is not None
    return FromInformation(e.information(kind), kind, e.what)


def _sandwich(e: Estimate, kind: str) -> ParamCovariance:
    assert e.information is not None and e.meat is not None
    return Sandwich(e.information(kind), e.meat(), kind, e.what)


def _classic(e: Estimate, kind: str) -> ParamCovariance:
    return Classic(e.cov, e.nobs)


def _robust(e: Estimate, kind: str) -> ParamCovariance:
    assert e.rows is not None
    return Robust(e.rows, e.mean, e.cov, e.nobs)


def _none(e: Estimate, kind: str) -> ParamCovariance:
    return NotAvailable(nparams(e.mean.size), "a shrinkage estimate is not the maximum-"
                        "likelihood estimate, and the information does not give its sampling "
                        "variance")


BUILDERS: dict[tuple[str, str], Builder] = {(b.family, b.cov_type): b for b in (
    Builder("ml", "classic", _classic),
    Builder("ml", "robust", _robust, second_pass=True),
    Builder("structured", "classic", _information),
    Builder("structured", "robust", _sandwich, second_pass=True),
    Builder("em", "classic", _information),
    Builder("em", "robust", _sandwich, second_pass=True),
    Builder("shrinkage", "classic", _none),
    Builder("t", "classic", _information, second_pass=True),
)}
"""The builders by ``(family, cov_type)`` (see the module notes)."""


def builder_for(family: str, cov_type: str) -> Builder:
    """The builder for an estimator family and ``cov_type``, or the refusal."""
    try:
        return BUILDERS[(family, cov_type)]
    except KeyError:
        raise InvalidOptionError(
            f"{setting('cov_type', cov_type)} is not available for this fit ({family}); "
            f"choose one of {[c for f, c in BUILDERS if f == family]}.") from None


def refuse_stream(builder: Builder, load: str) -> None:
    """The refusal of a builder that needs the rows in memory, for rows read in chunks."""
    raise InvalidOptionError(
        f"{'Robust' if builder.cov_type == 'robust' else 'These'} standard errors with "
        f"{setting('missing', 'em')} need {builder.needs}, which a stream or partitions do not "
        f"keep; {load}, or {setting('cov_type', 'classic')}.")
