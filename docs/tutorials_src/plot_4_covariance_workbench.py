"""
The covariance workbench: stress-tested correlations and n ≤ p
==============================================================

Two everyday problems with covariance matrices. A risk analyst overrides one correlation for
a stress scenario and the matrix stops being a correlation matrix; a modeller has fewer
observations than variables and the sample covariance is singular. Both are answered here on
real data: the carapace measurements of 200 crabs (Campbell and Mahon, 1974; R's
``MASS::crabs``) and a wide sample of 20 rows and 30 variables.
"""

# %%
# A stressed correlation matrix
# -----------------------------
# The five crab measurements are almost perfectly correlated. Setting the correlation of
# frontal lobe size and body depth to 0.3 (a stress scenario) leaves a matrix with a
# negative eigenvalue: no data could have it.
from pathlib import Path

import numpy as np
import pandas as pd

import mvn_estimate as me

ROOT = Path.cwd().parents[1] if Path.cwd().name == "tutorials_src" else Path.cwd()
crabs = pd.read_csv(ROOT / "tests" / "reference" / "data" / "crabs.csv")
size = ["FL", "RW", "CL", "CW", "BD"]
stressed = crabs[size].corr()
stressed.loc["FL", "BD"] = stressed.loc["BD", "FL"] = 0.3
print(stressed.round(3))
print(me.validate_covariance(stressed, kind="correlation"))

# %%
# The nearest correlation matrix
# ------------------------------
# Newton's method on the dual problem (Qi and Sun; Borsdorf and Higham) finds the nearest
# valid correlation matrix in a handful of eigendecompositions. Holding the stressed entry
# fixed keeps the scenario and moves the other correlations instead (Higham's alternating
# projections handle that extra constraint).
import warnings  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", me.exceptions.RepairWarning)
    nearest, info = me.nearest_pd(stressed, kind="correlation", return_info=True)
    held, held_info = me.nearest_pd(stressed, kind="correlation", return_info=True,
                                    method="alternating",
                                    fixed=np.abs(stressed.to_numpy() - 0.3) < 1e-12)
print(info)
print(held.round(3))
print("stressed entry kept:", held.loc["FL", "BD"],
      "| smallest eigenvalue:", np.linalg.eigvalsh(held.to_numpy())[0].round(6))

# %%
# Fewer rows than variables
# -------------------------
# 20 observations of 30 variables: the sample covariance has rank 19 and the ML fit refuses
# it, saying why and what to do.
wide = pd.read_csv(ROOT / "tests" / "reference" / "data" / "shrink_n20_p30.csv")
try:
    me.fit(wide)
except me.exceptions.SingularCovarianceError as exc:
    print(exc)

# %%
# Shrinkage
# ---------
# Ledoit–Wolf, OAS and Schäfer–Strimmer each pull the sample covariance towards a simple
# target by an estimated intensity, and give a positive-definite matrix.
for method in ("ledoit-wolf", "oas", "schafer-strimmer"):
    shrunk = me.shrink_covariance(wide, method=method)
    cond = np.linalg.cond(shrunk.cov.to_numpy())
    print(f"{method:17s} intensity {shrunk.intensity:.3f}, condition number {cond:,.0f}")

# %%
# ``fit(shrinkage=...)`` returns a fitted model — log-likelihood, correlations, plots — that
# states plainly it has no maximum-likelihood standard errors.
res = me.fit(wide, shrinkage="ledoit-wolf")
print(res.summary()[:1200])
heatmap = res.plot_corr(annotate=False)
