"""The fit specification: every option of a fit, checked once, frozen, and shared by ``fit``,
``fit_file``, the Dask path, ``objective``, ``MVNModel`` and the command line.

:meth:`FitSpec.of` validates the options (their values from the ``Literal`` types, their
combinations from the estimators' and covariance builders' declarations) before any data are
read; the pipeline then reads only the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._typing import CovType, Equal, Information, Missing, WeightsKind
from .._validate import check_choice, check_int, check_real, choices
from ..data import DataPolicy
from ..exceptions import InvalidOptionError, arg, describe, ref, setting
from ..guards import check_method
from ..missing import MAX_ITER, TOL
from ..model import CovarianceStructure, Unstructured, iterative, structure_of
from ._covariances import Builder, builder_for
from ._incomplete import check_auxiliary
from ._registry import ESTIMATORS

__all__ = ["FitSpec"]


@dataclass(frozen=True)
class FitSpec:
    """The options of one fit, checked (build it with :meth:`of`).

    Attributes
    ----------
    missing, cov_type, weights_kind
        As in :func:`mvn_estimate.fit`.
    information : str
        The information behind the standard errors, resolved: ``"observed"`` with
        ``missing="em"``, ``"expected"`` otherwise, unless given.
    weighted : bool
        Whether the rows carry weights.
    tol, max_iter
        The iteration controls, resolved to their defaults.
    structure : CovarianceStructure
        The covariance model, not yet bound to variables.
    shrinkage : str or float or None
        A shrinkage method or intensity.
    estimator : str
        The estimator's name in the registry (:data:`~mvn_estimate.estimation.ESTIMATORS`).
    equal : tuple of str
        The parameters the groups of ``by`` share (``"mean"``, ``"cov"``, in that order);
        empty when each group has its own.
    auxiliary : tuple of labels
        Auxiliary variables of a ``missing="em"`` fit (saturated correlates, not reported).
    nu : float or None
        The degrees of freedom of :func:`~mvn_estimate.fit_t`'s multivariate t (None:
        estimated); unused by the normal estimators.

    Examples
    --------
    >>> spec = FitSpec.of(missing="em")
    >>> spec.estimator, spec.information, spec.streams
    ('em', 'observed', True)
    >>> FitSpec.of(shrinkage="oas").streams
    False
    >>> FitSpec.of(equal=["cov", "mean"], grouped=True).equal
    ('mean', 'cov')
    """

    missing: Missing = "raise"
    cov_type: CovType = "classic"
    information: Information = "expected"
    weights_kind: WeightsKind = "frequency"
    weighted: bool = False
    tol: float = TOL
    max_iter: int = MAX_ITER
    structure: CovarianceStructure = field(default_factory=Unstructured)
    shrinkage: str | float | None = None
    estimator: str = "ml"
    equal: tuple[str, ...] = ()
    auxiliary: tuple[Any, ...] = ()
    nu: float | None = None

    @classmethod
    def of(cls, *, missing: Any = "raise", cov_type: Any = "classic", information: Any = None,
           weighted: bool = False, weights_kind: Any = "frequency", tol: Any = None,
           max_iter: Any = None, structure: Any = None, shrinkage: Any = None,
           equal: Any = None, grouped: bool = False, auxiliary: Any = None) -> FitSpec:
        """Check every option and their combination; see :func:`mvn_estimate.fit`
        (``grouped``: whether ``by`` was given)."""
        check_choice(missing, "missing", Missing)
        check_choice(cov_type, "cov_type", CovType)
        check_choice(weights_kind, "weights_kind", WeightsKind)
        if information is not None:
            check_choice(information, "information", Information)
        model = structure_of(structure)
        method = None if shrinkage is None else check_method(shrinkage)
        shared = _equal(equal, grouped, method)
        tol_v, iters = _iteration(missing, tol, max_iter, model, shared)
        name = "shrinkage" if method is not None else "em" if missing == "em" else \
            "ml" if isinstance(model, Unstructured) else "structured"
        spec = cls(missing, cov_type, information or (
            "observed" if missing == "em" else "expected"), weights_kind, bool(weighted),
            tol_v, iters, model, method, name, shared,
            check_auxiliary(auxiliary, missing, model))
        if spec.equal and spec.auxiliary:
            raise InvalidOptionError(
                f"{arg('auxiliary')} is for a single fit; groups that share parameters "
                f"({setting('equal', list(spec.equal))}) take no auxiliary variables. Fit "
                "each group with its auxiliaries, or add them to the columns.")
        ESTIMATORS[name].accepts(spec, given=_given(tol, max_iter, structure))
        spec.builder()  # a combination no builder covers is refused here
        return spec

    @property
    def policy(self) -> DataPolicy:
        """The missing-value policy."""
        return DataPolicy(self.missing)

    def builder(self) -> Builder:
        """The builder of the covariance of the estimates for this estimator and ``cov_type``
        (:data:`~mvn_estimate.estimation.BUILDERS`)."""
        return builder_for(ESTIMATORS[self.estimator].family, self.cov_type)

    @property
    def streams(self) -> bool:
        """Whether the fit can be made from rows read in chunks (a file, Dask), or needs the
        rows in memory: what its estimator and covariance builder declare."""
        return bool(ESTIMATORS[self.estimator].streams and self.builder().streams)


def _given(tol: Any, max_iter: Any, structure: Any) -> list[str]:
    """Which options the caller gave (what a refusal lists)."""
    return [name for name, value in (("tol", tol), ("max_iter", max_iter),
                                     ("structure", structure)) if value is not None]


def _equal(equal: Any, grouped: bool, shrinkage: Any) -> tuple[str, ...]:
    """The parameters the groups share, checked: names from :data:`Equal`, each once, with
    ``by`` and without shrinkage; in the order ``("mean", "cov")``."""
    if equal is None:
        return ()
    names = [equal] if isinstance(equal, str) else equal
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise InvalidOptionError(
            f"{arg('equal')} must be a list of the parameters the groups share, from "
            f"{list(choices(Equal))}; got {describe(equal)}.")
    for name in names:
        check_choice(name, "equal", Equal)
    if len(set(names)) < len(names):
        raise InvalidOptionError(f"{arg('equal')} names a parameter more than once; got "
                                 f"{list(names)}. Name each of 'mean' and 'cov' at most once.")
    if names and not grouped:
        raise InvalidOptionError(
            f"{arg('equal')} makes the groups of {ref('by')} share parameters, but no "
            f"{ref('by')} was given (got {setting('equal', list(names))}). Give {ref('by')} (a "
            "column of the data, or one group label per row), or remove it.")
    if names and shrinkage is not None:
        raise InvalidOptionError(
            f"{arg('equal')} fits the groups jointly by maximum likelihood, which a shrinkage "
            f"estimate is not; got {setting('equal', list(names))} with "
            f"{setting('shrinkage', shrinkage)}. Remove one of them.")
    return tuple(n for n in choices(Equal) if n in names)


def _iteration(missing: str, tol: Any, max_iter: Any, structure: CovarianceStructure,
               equal: tuple[str, ...] = ()) -> tuple[float, int]:
    """``tol`` and ``max_iter`` checked against the fit they control, or their defaults
    (common means with group covariances iterate even for complete data)."""
    closed = missing != "em" and not iterative(structure) and equal != ("mean",)
    if closed and (tol is not None or max_iter is not None):
        given = "tol" if tol is not None else "max_iter"
        raise InvalidOptionError(
            f"{arg(given)} controls the iterations of {setting('missing', 'em')}, of a "
            f"structure without a closed form or of common means ({setting('equal', ['mean'])}); "
            "this fit "
            f"({setting('missing', missing)}, "
            f"structure {structure.name!r}) is in closed form and has no iterations. Remove it."
        )
    tol_v = TOL if tol is None else check_real(tol, "tol", low=0.0, high=1.0)
    iters = MAX_ITER if max_iter is None else check_int(max_iter, "max_iter", minimum=1)
    return tol_v, iters
