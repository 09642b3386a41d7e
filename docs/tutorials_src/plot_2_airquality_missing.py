"""
Missing values done properly: New York air quality
==================================================

Daily ozone, solar radiation, wind and temperature in New York, May to September 1973:
37 of 153 ozone readings and 7 of solar radiation are missing. Dropping incomplete rows
throws away a quarter of the data; full-information maximum likelihood (EM) uses every value
that was observed.
"""

# %%
# Are the values missing completely at random?
# --------------------------------------------
# Little's test compares the means of the rows in each missingness pattern with the EM
# estimate of the overall mean.
from pathlib import Path

import pandas as pd

import mvn_estimate as me

ROOT = Path.cwd().parents[1] if Path.cwd().name == "tutorials_src" else Path.cwd()
air = pd.read_csv(ROOT / "data" / "airquality.csv")
cols = ["Ozone", "Solar.R", "Wind", "Temp"]
print(me.little_mcar_test(air, columns=cols))

# %%
# EM against dropping rows
# ------------------------
# With ``missing="em"`` the estimates use all 153 days; the standard errors come from the
# observed information of the observed data (not the complete-data formula, which would be
# too small).
em = me.fit(air, columns=cols, missing="em")
print(em.summary())

# %%
import warnings  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", me.exceptions.DroppedRowsWarning)
    dropped = me.fit(air, columns=cols, missing="drop")
comparison = pd.DataFrame({"EM": em.mean, "drop": dropped.mean,
                           "EM s.e.": em.std_errors[:4].to_numpy(),
                           "drop s.e.": dropped.std_errors[:4].to_numpy()})
print(comparison.round(3))

# %%
# Correlations and their uncertainty
# ----------------------------------
# Fisher-z intervals for every correlation, and the heatmap of the EM estimate.
print(em.corr_conf_int().round(3))
heatmap = em.plot_corr()

# %%
# Outliers
# --------
# Rows far from the fitted normal by the Mahalanobis distance of their observed values.
print(em.outliers().head())
qq = em.plot_qq()

# %%
# The same fit, streamed from the file
# ------------------------------------
# :func:`~mvn_estimate.fit_file` reads the CSV in chunks (flat memory, however long the
# file) and gives the in-memory numbers.
streamed = me.fit_file(str(ROOT / "data" / "airquality.csv"), columns=cols, missing="em",
                       progress=False)
print((streamed.cov - em.cov).abs().max().max())
