"""Doors to other libraries: a statsmodels model of the multivariate normal."""

from ._statsmodels import MVNModel

__all__ = ["MVNModel"]
