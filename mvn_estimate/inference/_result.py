"""The one frozen result type of every hypothesis test in the package."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["HypothesisTest"]


@dataclass(frozen=True)
class HypothesisTest:
    """Result of a hypothesis test.

    Attributes
    ----------
    test : str
        What was tested (``"likelihood ratio"``, ``"Hotelling T²"``, …).
    statistic : float
        The test statistic.
    df : float
        Degrees of freedom of the reference distribution (its numerator for an F test).
    pvalue : float
        The p-value.
    method : str
        The reference distribution or approximation used (``"chi2"``, ``"F (exact)"``, …).
    null : str
        The null hypothesis, in words.
    fvalue : float or None
        The F statistic, for tests with an F reference or approximation.
    df_denom : float or None
        Denominator degrees of freedom of the F reference.

    Examples
    --------
    >>> t = HypothesisTest("likelihood ratio", 3.2, 2.0, 0.2019, "chi2", "the smaller model")
    >>> print(t)
    likelihood ratio: statistic = 3.2, df = 2, p-value = 0.2019 (chi2)
    H0: the smaller model
    """

    test: str
    statistic: float
    df: float
    pvalue: float
    method: str = ""
    null: str = ""
    fvalue: float | None = None
    df_denom: float | None = None

    def summary(self) -> str:
        """The result as two lines of text (also ``str(result)``)."""
        f = "" if self.fvalue is None else (
            f", F = {self.fvalue:.6g} on ({self.df:g}, {self.df_denom:g}) df")
        head = (f"{self.test}: statistic = {self.statistic:.6g}, df = {self.df:g}{f}, "
                f"p-value = {self.pvalue:.4g}" + (f" ({self.method})" if self.method else ""))
        return head + (f"\nH0: {self.null}" if self.null else "")

    def __str__(self) -> str:
        return self.summary()
