"""
Using the fitted normal: prediction, regression and seemingly unrelated regressions
===================================================================================

A multivariate normal fitted to New York's 1973 air quality is a complete model of how the
four measurements move together. Its conditional distributions predict ozone from the
weather; its regressions are the ones lavaan reports; and when the responses have gaps, the
fixed-regressor model keeps every row.
"""

# %%
# The conditional distribution of ozone given temperature
# -------------------------------------------------------
# ``fit(..., missing="em")`` uses every observed value (37 ozone readings are missing).
# ``conditional`` gives the normal of the other columns at given values:
# ``μ_y + Σ_yx Σ_xx⁻¹ (x − μ_x)`` and ``Σ_yy − Σ_yx Σ_xx⁻¹ Σ_xy``, by Cholesky solves.
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import mvn_estimate as me

ROOT = Path.cwd().parents[1] if Path.cwd().name == "tutorials_src" else Path.cwd()
air = pd.read_csv(ROOT / "data" / "airquality.csv")
cols = ["Ozone", "Solar.R", "Wind", "Temp"]
em = me.fit(air, columns=cols, missing="em")
hot_day = em.conditional({"Temp": 90.0})
print(hot_day.mean.round(2))
print(hot_day.cov.round(1))

# %%
# Several given rows at once give one conditional mean per row; the conditional variance
# is the same for all of them. The band below is the mean ± 1.96 conditional standard
# deviations of ozone — where 95% of days at that temperature fall under the model.
grid = pd.DataFrame({"Temp": np.linspace(56, 97, 60)})
ozone = em.conditional(grid)
sd = float(np.sqrt(ozone.cov.loc["Ozone", "Ozone"]))
fig = Figure(figsize=(6, 4), layout="constrained")  # no pyplot state, as the package's plots
ax = fig.subplots()
ax.fill_between(grid["Temp"], ozone.mean["Ozone"] - 1.96 * sd,
                ozone.mean["Ozone"] + 1.96 * sd, color="0.85", label="95% band")
ax.plot(grid["Temp"], ozone.mean["Ozone"], color="C0", label="conditional mean (EM fit)")
ax.scatter(air["Temp"], air["Ozone"], s=10, color="C3", label="observed days")
ax.set_xlabel("Temperature (°F)")
ax.set_ylabel("Ozone (ppb)")
ax.legend(loc="upper left", frameon=False)

# %%
# Regression from the joint fit (random regressors)
# -------------------------------------------------
# ``regress`` turns the joint estimate into intercepts, slopes and the residual covariance,
# with delta-method standard errors from the fit's own covariance of the estimates — here
# the observed information of the incomplete data, so the seven days without a solar
# radiation reading still count. This is lavaan's ``fixed.x=FALSE`` with ``missing="ml"``.
joint = em.regress("Ozone", ["Solar.R", "Wind", "Temp"])
print(joint.summary())

# %%
# Fixed regressors, incomplete responses
# --------------------------------------
# ``mvn_estimate.regress`` models two responses given complete regressors; with
# ``missing="em"`` the rows whose ozone or radiation is missing are kept (the factorised
# likelihood makes the joint EM estimate the fixed-x maximum likelihood). Its ``loglike`` is
# that of the responses given the regressors, as lavaan's ``fixed.x=TRUE``.
fixed = me.regress(air, y=["Ozone", "Solar.R"], x=["Wind", "Temp"], missing="em")
print(fixed.coef.round(3))
print(fixed.rsquared.round(3))

# %%
# On complete data the same call is R's ``lm(cbind(...) ~ ...)``: with
# ``small_sample=True`` its covariance is ``vcov(mlm)`` and ``mv_test`` gives the type III
# multivariate tests of ``car::Anova``.
iris = pd.read_csv(ROOT / "data" / "iris.csv")
mlm = me.regress(iris, y=["Sepal.Length", "Sepal.Width"],
                 x=["Petal.Length", "Petal.Width"], small_sample=True)
print(mlm.mv_test().xs("Pillai", level="test").round(4))

# %%
# Seemingly unrelated regressions
# -------------------------------
# Each equation with its own regressors, the errors correlated across equations: iterated
# GLS converges to the Gaussian maximum likelihood (systemfit's SUR). Here ozone and solar
# radiation explained by different weather variables.
sur = me.regress(air.dropna(), equations={"ozone": "Ozone ~ Wind + Temp",
                                          "radiation": "Solar.R ~ Temp"})
print(sur.coef.round(4))
print(f"iterations: {sur.iterations}, residual correlation: "
      f"{sur.resid_cov.iloc[0, 1] / np.sqrt(np.prod(np.diag(sur.resid_cov))):.3f}")
