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

# %%
# Months that share their covariance
# ----------------------------------
# Does the joint spread of the four measurements change from month to month, or only their
# level? ``by="Month"`` fits each month on its own (70 parameters); ``equal=["cov"]`` fits
# one covariance matrix shared by the months with a mean per month (30 parameters), by FIML
# over every month's missingness patterns. The shared parameters appear once in ``params``
# (``cov[Ozone,Wind]``), a month's own with the month (``mean[Ozone]@6``). lavaan's
# multi-group fit with equality labels gives the same estimates and standard errors
# (``tests/reference/groups.R``).
months = me.fit(air, by="Month", columns=cols, missing="em")
shared = me.fit(air, by="Month", columns=cols, missing="em", equal=["cov"])
common = me.fit(air, by="Month", columns=cols, missing="em", equal=["mean", "cov"])
print(shared.summary())

# %%
# The likelihood-ratio tests compare the nested models: a covariance shared by the months
# against one per month (40 degrees of freedom), and one normal for the whole summer against
# months with their own means and a shared covariance (16).
print(me.lr_test(shared, months))
print(me.lr_test(common, shared))
# Ozone is skewed, so the normal-theory statistic may mislead: the Yuan–Bentler scaling
# (lavaan's multi-group MLR with missing="ml") corrects it for the data's kurtosis.
print(me.lr_test(shared, months, scaled="yuan-bentler"))
print(pd.DataFrame({name: {"parameters": fit.nparams, "loglike": fit.loglike, "AIC": fit.aic,
                           "BIC": fit.bic}
                    for name, fit in [("each month", months), ("shared cov", shared),
                                      ("one normal", common)]}).T.round(2))

# %%
# The monthly means of ozone and temperature with their 95% intervals: from the model with a
# shared covariance and from each month on its own. Temperature is always observed, so its
# means hardly move. June has only 9 observed ozone values: with a shared covariance its 21
# missing ones are filled in (in the EM sense) from the summer's relation of ozone to
# temperature, wind and radiation, which puts June's ozone mean near 37 rather than 27 —
# with the wider interval of the pooled ozone variance.
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
for ax, col in zip(axes, ["Ozone", "Temp"], strict=True):
    for shift, (label, fit) in zip((-0.12, 0.12), [("shared cov", shared),
                                                  ("each month", months)], strict=True):
        names = [f"mean[{col}]@{m}" for m in fit.groups]
        ci = fit.conf_int().loc[names]
        est = fit.params[names]
        x = np.arange(len(names)) + shift
        ax.errorbar(x, est, yerr=[est - ci["lower"], ci["upper"] - est], fmt="o", capsize=3,
                    label=label)
    ax.set_xticks(range(len(fit.groups)), [str(m) for m in fit.groups])
    ax.set_xlabel("Month")
    ax.set_title(f"mean {col}")
axes[0].legend()
fig.tight_layout()
