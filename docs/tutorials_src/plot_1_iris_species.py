"""
Do the iris species differ? Groups, tests and normality
=======================================================

Fisher's iris data: four measurements of 50 flowers of each of three species. We fit one
multivariate normal per species, ask whether the species share a covariance matrix (Box's
M) and a mean (MANOVA), check each group's normality (Mardia), and look at the fit.
"""

# %%
# One fit per species
# -------------------
# ``by=`` fits each group separately; the result holds one :class:`~mvn_estimate.MVNResult`
# per species and the pooled within-group covariance.
from pathlib import Path

import pandas as pd

import mvn_estimate as me

ROOT = Path.cwd().parents[1] if Path.cwd().name == "tutorials_src" else Path.cwd()
iris = pd.read_csv(ROOT / "data" / "iris.csv")
cols = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]

species = me.fit(iris, by="Species", columns=cols)
print(species.summary())

# %%
# Equal covariances? Equal means?
# -------------------------------
# Box's M test says the three covariance matrices differ clearly — so the MANOVA's
# pooled-covariance assumption is strained, and Pillai's trace, the most robust of the four
# statistics, is the one to read. The means differ beyond any doubt.
print(species.box_m_test())
print()
print(species.manova())

# %%
# Is each species normal?
# -----------------------
# Mardia's skewness and kurtosis per species, with the small-sample corrected skewness.
for label in species.groups:
    rows = iris.loc[iris["Species"] == label, cols]
    print(label, me.mardia_test(rows), sep="\n", end="\n\n")

# %%
# A contrast between means
# ------------------------
# Within one species, Wald tests take any linear hypothesis over the parameter names; this
# one asks whether setosa's sepals are, on average, as long as twice their width.
setosa = species.groups["setosa"]
print(setosa.wald_test("mean[Sepal.Length] = 2 * mean[Sepal.Width]"))

# %%
# Seeing the fit
# --------------
# The 50% and 95% ellipses of the fitted normal over the data, for three of the variables,
# and the χ² Q–Q plot of the squared Mahalanobis distances with outliers labelled.
versicolor = species.groups["versicolor"]
ellipses = versicolor.plot_ellipses(data=iris[iris["Species"] == "versicolor"],
                                    columns=["Sepal.Length", "Petal.Length", "Petal.Width"])

# %%
qq = versicolor.plot_qq(data=iris[iris["Species"] == "versicolor"])
