"""
Heavy tails and outliers: the multivariate t, the MCD and scaled tests
======================================================================

Hawkins, Bradu and Kass built a data set to fool the normal fit: 75 rows of three
measurements, of which the first 14 are leverage points far from the rest. The normal's
mean and covariance bend towards them, so much that most of them no longer look unusual.
Its heavy-tailed companion, the multivariate t, gives far rows less weight; the minimum
covariance determinant (MCD) ignores them altogether. For tests of covariance models on
non-normal data, the likelihood-ratio statistic is rescaled as lavaan does.
"""

# %%
# Three fits of the same rows
# ---------------------------
# ``fit`` is the normal's maximum likelihood; ``fit_t`` the multivariate t's, with the
# degrees of freedom ``ν`` estimated (standard errors from the observed information);
# ``mcd`` the reweighted MCD (robustbase's ``covMcd`` with ``nsamp = "deterministic"``).
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

import mvn_estimate as me

ROOT = Path.cwd().parents[1] if Path.cwd().name == "tutorials_src" else Path.cwd()
hbk = pd.read_csv(ROOT / "tests" / "reference" / "data" / "hbk.csv")[["X1", "X2", "X3"]]
normal = me.fit(hbk)
heavy = me.fit_t(hbk)
robust = me.mcd(hbk)
print(pd.DataFrame({"normal": normal.mean, "t": heavy.mean, "MCD": robust.mean}).round(3))
print(f"estimated ν = {heavy.df:.3f} (standard error {heavy.std_errors['df']:.3f})")

# %%
# The regions of each fit
# -----------------------
# In the plane of ``X1`` and ``X2``: the normal's and the MCD's regions
# ``(x − μ)ᵀΣ⁻¹(x − μ) ≤ χ²₂(level)``; the t's marginal is a bivariate t, whose region is
# ``Q/2 ≤ F₂,ᵥ(level)`` with its scatter. The normal's ellipse is stretched to cover the
# leverage points and the MCD's fits the bulk. The t's 97.5% region is the widest of all —
# with ``ν̂ ≈ 1.4`` its tails are very heavy — but its half-probability region, its core,
# sits on the bulk, as the MCD's does.


def ellipse(mean: pd.Series, shape: pd.DataFrame, radius2: float) -> np.ndarray:
    cols = ["X1", "X2"]
    low = np.linalg.cholesky(shape.loc[cols, cols].to_numpy())
    angle = np.linspace(0, 2 * np.pi, 200)
    circle = np.vstack([np.cos(angle), np.sin(angle)]) * np.sqrt(radius2)
    return (low @ circle).T + mean[cols].to_numpy()


fig = Figure(figsize=(9.6, 4.4), layout="constrained")  # no pyplot state
bad = np.arange(len(hbk)) < 14
for ax, level in zip(fig.subplots(1, 2), (0.975, 0.5), strict=True):
    ax.scatter(hbk.loc[~bad, "X1"], hbk.loc[~bad, "X2"], s=10, color="0.4",
               label="rows 15–75")
    ax.scatter(hbk.loc[bad, "X1"], hbk.loc[bad, "X2"], s=16, color="C3",
               label="rows 1–14 (leverage points)")
    chi2 = stats.chi2.ppf(level, 2)
    for label, (mean, shape, r2), color in [
            ("normal", (normal.mean, normal.cov, chi2), "C0"),
            (f"t (ν = {heavy.df:.2f})", (heavy.mean, heavy.scatter,
                                         2 * stats.f.ppf(level, 2, heavy.df)), "C2"),
            ("MCD (reweighted)", (robust.mean, robust.cov, chi2), "C1")]:
        xy = ellipse(mean, shape, r2)
        ax.plot(xy[:, 0], xy[:, 1], color=color, lw=2, label=label)
    ax.set_xlabel("X1")
    ax.set_ylabel("X2")
    ax.set_title(f"{level:.1%} regions")
ax.legend(loc="upper left", frameon=False, fontsize=8)
fig.suptitle("Three fits of the hbk data")

# %%
# Which rows are outliers?
# ------------------------
# Judged against the normal fit, the leverage points mask each other. Against the MCD
# (``outliers(method="mcd")``) all 14 stand out. The MCD's reference is calibrated for the
# sample size (Cerioli, 2010): the screening of the raw distances uses Hardin & Rocke's F
# approximation rather than a χ² quantile, which at small ``n/p`` flags many clean rows.
flags = pd.DataFrame({
    "normal": normal.outliers(alpha=0.025)["outlier"],
    "normal vs MCD": normal.outliers(alpha=0.025, method="mcd")["outlier"],
    "t": heavy.outliers(alpha=0.025)["outlier"],
})
print(flags.groupby(bad).sum().rename(index={True: "rows 1–14", False: "rows 15–75"}))

# %%
# The t does not single the leverage points out: with ``ν̂ ≈ 1.4`` its tails are so heavy
# that its own test (``Q/p ~ F(p, ν)``) finds no row surprising. It down-weights them
# instead — the EM weight ``(ν + p)/(ν + Q)`` of a row is tiny when its distance ``Q`` is
# large — which is why its location is close to the MCD's. To flag rows, use the MCD; to
# estimate in spite of them, either.
t_rows = heavy.outliers(alpha=0.025).loc[[0, 10, 20], ["distance", "pvalue"]]
t_rows["EM weight"] = (heavy.df + 3) / (heavy.df + t_rows["distance"])
print(t_rows.round(4))

# %%
# Scaled likelihood-ratio tests
# -----------------------------
# For covariance models on non-normal data, the likelihood-ratio statistic is no longer χ².
# ``lr_test(..., scaled=...)`` rescales it as lavaan's robust estimators: Satorra–Bentler
# (``estimator="MLM"``) and Yuan–Bentler (``"MLR"``). Here one and two factors for nine
# ability tests of Holzinger & Swineford (1939), each against the unstructured covariance,
# and against each other (the Satorra–Bentler 2001 scaled difference).
hs = pd.read_csv(ROOT / "tests" / "reference" / "data" / "holzinger_x1_x9.csv")
one = me.fit(hs, structure=me.structures.Factor(1))
two = me.fit(hs, structure=me.structures.Factor(2))
full = me.fit(hs)
rows = {}
for name, (a, b) in {"one factor": (one, full), "two factors": (two, full),
                     "one vs two": (one, two)}.items():
    plain = me.lr_test(a, b)
    sb = me.lr_test(a, b, scaled="satorra-bentler")
    yb = me.lr_test(a, b, scaled="yuan-bentler")
    rows[name] = {"df": plain.df, "LR": plain.statistic, "SB": sb.statistic,
                  "SB factor": sb.detail("scaling_factor"), "YB": yb.statistic,
                  "YB factor": yb.detail("scaling_factor")}
print(pd.DataFrame(rows).T.round(3))
