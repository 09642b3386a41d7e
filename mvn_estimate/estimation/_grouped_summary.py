"""How a grouped result reads: what the groups share, the model's parameters (groups with
shared parameters) or each group's summary (groups fitted on their own), and the JSON-safe
dictionary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from .._validate import check_level
from ._joint_fit import group_name
from ._summary import _json_safe

if TYPE_CHECKING:
    from ._grouped import GroupedResult

__all__ = ["grouped_dict", "grouped_summary", "shared_text"]

_WHAT = {"mean": ("the mean vector", "mean[...]"), "cov": ("the covariance matrix", "cov[...]")}


def shared_text(res: GroupedResult) -> str:
    """``Shared across Month: the covariance matrix (cov[...] without a group)``."""
    if not res.equal:
        return f"Shared across {res.by}: nothing (each group fitted on its own)"
    what = " and ".join(_WHAT[e][0] for e in res.equal)
    structure = next(iter(res.groups.values())).structure
    structured = structure.name != "unstructured" and "cov" in res.equal
    names = ", ".join("the structure's parameters" if e == "cov" and structured else
                      _WHAT[e][1] for e in res.equal)
    return f"Shared across {res.by}: {what} ({names} without a group)"


def _header(res: GroupedResult) -> list[tuple[str, str, str, str]]:
    first = next(iter(res.groups.values()))
    sizes = ", ".join(f"{g}: {r.nobs:g}" for g, r in res.groups.items())
    rows = [("No. Observations:", f"{res.nobs:g}", "Log-Likelihood:", f"{res.loglike:.4f}"),
            ("No. Variables:", str(res.nvars), "AIC:", f"{res.aic:.4f}"),
            ("No. Groups:", str(len(res.groups)), "BIC:", f"{res.bic:.4f}"),
            ("Missing:", res.missing, "No. Parameters:", str(res.nparams)),
            ("Covariance Type:", res.cov_type, "Information:", res.param_cov.information)]
    if res.weights_kind is not None:
        rows.append(("Weights:", res.weights_kind, "", ""))
    if first.structure.name != "unstructured":
        rows.append(("Structure:", str(first.structure), "", ""))
    if res.nobs_dropped:
        rows.append(("Rows Dropped:", str(res.nobs_dropped), "", ""))
    if res.joint is not None and res.missing == "em":
        rows.append(("EM Iterations:", f"{res.joint.iterations} (+{res.joint.newton_steps} "
                     "Newton)", "Converged:", "yes" if res.joint.converged else "NO"))
    rows.append(("Group Sizes:", sizes, "", ""))
    return rows


def _joint_text(res: GroupedResult, level: float) -> str:
    ci = res.conf_int(level)
    table = pd.DataFrame({"Estimate": res.params, "Std. Err.": res.std_errors,
                          "z": res.zvalues, "P>|z|": res.pvalues, "Lower CI": ci["lower"],
                          "Upper CI": ci["upper"]})
    text = table.to_string(float_format=lambda v: f"{v:.4g}", na_rep="")
    width = max(78, len(text.splitlines()[0]))
    half = width // 2
    title = f"MVN Maximum-Likelihood Estimates, {len(res.groups)} groups by {res.by}"
    lines = [title.center(width).rstrip(), "=" * width]
    for a, b, c, d in _header(res):
        left = f"{a:<18}{b:>{half - 21}}" if len(b) <= half - 21 else f"{a} {b}"
        lines.append(f"{left}   {c:<18}{d:>{width - half - 18}}".rstrip() if c else left)
    lines += [shared_text(res), "=" * width, *text.splitlines(), "=" * width,
              f"Standard errors: {res.cov_type}, {res.param_cov.formula}.",
              f"Confidence intervals: {level * 100:g}% Wald (variances on the log scale); no "
              "p-values for variances.",
              "A parameter named name@group is that group's own; the others are shared."]
    return "\n".join(lines)


def grouped_summary(res: GroupedResult, level: float) -> str:
    """The text summary of a grouped result (see :meth:`GroupedResult.summary`)."""
    level = check_level(level, None)
    if res.joint is not None:
        return _joint_text(res, level)
    parts = [f"{group_name(res.by, g)}\n{r.summary(level)}" for g, r in res.groups.items()]
    pooled = res.pooled.to_string(float_format=lambda v: f"{v:.4g}")
    model = (f"{shared_text(res)}; log-likelihood {res.loglike:.4f} with {res.nparams} "
             "parameters")
    return "\n\n".join([model, *parts, f"Pooled within-group covariance:\n{pooled}"])


def grouped_dict(res: GroupedResult) -> dict[str, Any]:
    """A JSON-safe dictionary of a grouped result (see :meth:`GroupedResult.to_dict`)."""
    out = {"by": res.by, "equal": list(res.equal), "loglike": res.loglike,
           "nparams": res.nparams, "aic": res.aic, "bic": res.bic,
           "params": res.params.to_dict(), "std_errors": res.std_errors.to_dict(),
           "groups": {str(g): r.to_dict() for g, r in res.groups.items()},
           "pooled": res.pooled.to_numpy().tolist()}
    if res.joint is not None:
        out["joint"] = {"iterations": res.joint.iterations,
                        "newton_steps": res.joint.newton_steps,
                        "converged": res.joint.converged,
                        "information": res.joint.information}
    return _json_safe(out)  # type: ignore[no-any-return]
