"""
Multiple imputation: New York air quality, completed twenty times
=================================================================

37 of 153 ozone readings and 7 solar radiation readings are missing. Full-information
maximum likelihood (``fit(..., missing="em")``) estimates the means and covariances without
filling anything in; but a regression, a plot or a model from another library needs complete
data. Multiple imputation fills the gaps ``m`` times with plausible values, analyses each
completed data set, and pools the answers by Rubin's rules so that the standard errors carry
the uncertainty about the missing values.
"""

# %%
# How much do the gaps cost?
# --------------------------
# The fraction of missing information of each parameter (lavaan's ``fmi``) compares the
# standard error with the one complete data would give: the ozone mean loses about 12% of its
# information, the wind and temperature parameters nothing (those columns are complete).
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

import mvn_estimate as me

ROOT = Path.cwd().parents[1] if Path.cwd().name == "tutorials_src" else Path.cwd()
air = pd.read_csv(ROOT / "data" / "airquality.csv")
cols = ["Ozone", "Solar.R", "Wind", "Temp"]
fiml = me.fit(air, columns=cols, missing="em")
print(fiml.fmi.round(3))

# %%
# Auxiliary variables
# -------------------
# If only ozone and solar radiation are of interest, wind and temperature can still inform
# the fit as auxiliary variables (saturated correlates, as semTools' ``auxiliary()``): they
# make the missing-at-random assumption more plausible and recover information. The result
# reports the two columns only.
aux = me.fit(air, columns=["Ozone", "Solar.R"], missing="em", auxiliary=["Wind", "Temp"])
alone = me.fit(air, columns=["Ozone", "Solar.R"], missing="em")
print(pd.DataFrame({"with auxiliaries": aux.params, "s.e.": aux.std_errors,
                    "alone": alone.params, "s.e. alone": alone.std_errors}).round(2))

# %%
# Twenty completed data sets
# --------------------------
# ``impute`` draws each missing value from its conditional normal given the observed values
# of its row, under parameters drawn to reflect their uncertainty (Amelia's bootstrap EM by
# default). Ozone cannot be negative; the bounds are met by drawing again, never by clipping.
imps = me.impute(air, m=20, columns=cols, bounds={"Ozone": (0, None)}, random_state=2026)
print(imps)
print(imps[0].loc[air["Ozone"].isna(), cols].head())

# %%
# Observed and imputed values
# ---------------------------
# The imputed ozone values (all twenty sets) against the observed ones. Missing ozone
# readings fall on days whose wind and temperature predict it; their distribution follows
# the model's conditional normals, truncated at zero by the bound.
missing = air["Ozone"].isna()
imputed = np.concatenate([frame.loc[missing, "Ozone"].to_numpy() for frame in imps])
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
bins = np.linspace(0, 180, 31)
axes[0].hist(air["Ozone"].dropna(), bins=bins, density=True, alpha=0.6, label="observed")
axes[0].hist(imputed, bins=bins, density=True, alpha=0.6, label="imputed (20 sets)")
axes[0].set(xlabel="Ozone (ppb)", ylabel="density", title="Ozone: observed and imputed")
axes[0].legend()
axes[1].scatter(air["Temp"][~missing], air["Ozone"][~missing], s=12, label="observed")
for frame in imps[:5]:
    axes[1].scatter(air["Temp"][missing], frame.loc[missing, "Ozone"], s=12, alpha=0.5,
                    color="C1")
axes[1].scatter([], [], s=12, color="C1", label="imputed (5 sets)")
axes[1].set(xlabel="Temperature (°F)", ylabel="Ozone (ppb)", title="Against temperature")
axes[1].legend()
fig.tight_layout()

# %%
# Analyse each, pool by Rubin's rules
# -----------------------------------
# Any function of a completed DataFrame that returns ``.params`` and ``.cov_params()`` will
# do: here an ordinary least-squares regression from statsmodels. The degrees of freedom are
# Barnard and Rubin's, with the regression's residual degrees of freedom as the complete-data
# ones; ``fmi`` is the fraction of missing information of each coefficient.
pooled = imps.pool(lambda d: smf.ols("Ozone ~ Q('Solar.R') + Wind + Temp", d).fit())
print(pooled.summary())

# %%
# The Bayesian alternative
# ------------------------
# ``method="posterior"`` runs data augmentation (norm2's ``mcmcNorm``): a Markov chain that
# alternates drawing the missing values and drawing ``(μ, Σ)`` from their posterior. Its
# diagnostics report the worst fraction of missing information, the thinning it implies and
# the autocorrelation of the slowest-moving linear function of the parameters.
chain = me.impute(air, m=20, columns=cols, method="posterior", bounds={"Ozone": (0, None)},
                  random_state=2026)
print(chain.diagnostics)
fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(chain.diagnostics.wlf.index, chain.diagnostics.wlf.to_numpy(), lw=1)
ax.axvline(chain.diagnostics.burn, color="grey", ls="--", label="end of burn-in")
ax.set(xlabel="iteration", ylabel="worst linear function", title="Data augmentation trace")
ax.legend()
fig.tight_layout()

# %%
# Both methods give the same pooled regression up to Monte-Carlo noise.
other = chain.pool(lambda d: smf.ols("Ozone ~ Q('Solar.R') + Wind + Temp", d).fit())
print(pd.DataFrame({"bootstrap": pooled.params, "posterior": other.params,
                    "s.e. bootstrap": pooled.std_errors,
                    "s.e. posterior": other.std_errors}).round(3))

# %%
# A single imputation for display
# -------------------------------
# ``MVNResult.impute`` fills each gap with its conditional mean under the FIML fit: right for
# prediction or a plot, but a single filled-in data set understates the spread of the missing
# values — use the multiple imputations for inference. (Conditional means know nothing of the
# bounds: a few ozone values come out negative.)
print(fiml.impute(air).loc[missing, cols].head())
