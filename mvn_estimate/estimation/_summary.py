"""How a fitted result reads: the summary table (text and HTML) and the JSON-safe dictionary."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._validate import check_level
from ..inference import estimates_table, render_html, render_text

if TYPE_CHECKING:
    from ._results import MVNResult

__all__ = ["summary_html", "summary_text", "to_dict"]


def _table(res: MVNResult, level: float) -> pd.DataFrame:
    return estimates_table(res.params, res.std_errors, res.zvalues, res.pvalues,
                           res.conf_int(level))


def _header(res: MVNResult) -> list[tuple[str, str, str, str]]:
    rows = [("No. Observations:", f"{res.nobs:g}", "Log-Likelihood:", f"{res.loglike:.4f}"),
            ("No. Variables:", str(res.nvars), "AIC:", f"{res.aic:.4f}"),
            ("Missing:", res.missing, "BIC:", f"{res.bic:.4f}"),
            ("Covariance Type:", res.cov_type, "No. Parameters:", str(res.nparams))]
    if res.weights_kind is not None:
        rows.append(("Weights:", res.weights_kind, "", ""))
    if res.structure.name != "unstructured":
        rows.append(("Structure:", str(res.structure), "", ""))
    if res.at_bounds:
        rows.append(("At bounds:", ", ".join(res.at_bounds), "", ""))
    if res.auxiliary:
        rows.append(("Auxiliary:", ", ".join(map(str, res.auxiliary)), "", ""))
    if res.shrinkage is not None:
        rows.append(("Shrinkage:", res.shrinkage.method, "Intensity:",
                     f"{res.shrinkage.intensity:.4g}"))
        rows.append(("Condition No.:", f"{res.shrinkage.condition_number:.4g}", "", ""))
    if res.nobs_dropped:
        rows.append(("Rows Dropped:", str(res.nobs_dropped), "", ""))
    if res.em is not None:
        conv = "yes" if res.em.converged else "NO"
        rows.append(("EM Iterations:", f"{res.em.iterations} (+{res.em.newton_steps} Newton)",
                     "Converged:", conv))
        rows.append(("Patterns:", str(res.em.npatterns), "Information:", res.em.information))
    return rows


def _title(res: MVNResult) -> str:
    if res.shrinkage is not None:
        return f"MVN Estimates ({res.shrinkage.method} shrinkage)"
    return "MVN Maximum-Likelihood Estimates"


def summary_text(res: MVNResult, level: float) -> str:
    """The text summary: fit statistics, then each parameter with inference."""
    level = check_level(level, None)
    middle = []
    if res.em is not None:
        frac = ", ".join(f"{k}: {v:.1%}" for k, v in res.em.missing_fraction.items())
        middle.append(f"Missing by column: {frac}")
    if res.shrinkage is not None:
        notes = ["Standard errors: not available — a shrinkage estimate is not the "
                 "maximum-likelihood estimate."]
    else:
        notes = [f"Standard errors: {res.cov_type}, {res.param_cov.formula}.",
                 f"Confidence intervals: {level * 100:g}% Wald (variances on the log scale, "
                 "correlations on the atanh scale); no p-values for variances."]
    return render_text(_title(res), _header(res), _table(res, level), middle, notes)


def summary_html(res: MVNResult, level: float = 0.95) -> str:
    """The summary as HTML (what notebooks show)."""
    return render_html(_title(res), _header(res), _table(res, level))


def _json_safe(value: Any) -> Any:
    """Plain Python values, with NaN and infinities as None (JSON has neither)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_dict(res: MVNResult) -> dict[str, Any]:
    """A JSON-safe dictionary of the fit (see :meth:`MVNResult.to_dict`)."""
    out: dict[str, Any] = {
        "names": res.names, "nobs": res.nobs, "nvars": res.nvars,
        "loglike": res.loglike, "aic": res.aic, "bic": res.bic,
        "mean": dict(zip(res.names, res.mean.tolist(), strict=True)),
        "cov": res.cov.to_numpy().tolist(),
        "params": res.params.to_dict(), "std_errors": res.std_errors.to_dict(),
        "cov_type": res.cov_type, "information": res.information,
        "missing": res.missing, "nobs_dropped": res.nobs_dropped,
        "weights_kind": res.weights_kind, "structure": repr(res.structure),
        "at_bounds": list(res.at_bounds),
    }
    if res.auxiliary:
        out["auxiliary"] = [str(a) for a in res.auxiliary]
    if res.em is not None:
        out["em"] = {"iterations": res.em.iterations, "converged": res.em.converged,
                     "npatterns": res.em.npatterns, "information": res.em.information,
                     "newton_steps": res.em.newton_steps,
                     "rows_all_missing": res.em.rows_all_missing,
                     "missing_fraction": dict(zip(res.names, res.em.missing_fraction.tolist(),
                                                  strict=True))}
    return _json_safe(out)  # type: ignore[no-any-return]
