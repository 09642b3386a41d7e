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
    f_pvalue : float or None
        The p-value of the F form, when a test reports both a χ² and an F approximation
        (Box's M); for tests whose reference is F, ``pvalue`` is already the F p-value.
    details : tuple of (str, float) pairs
        Further named numbers of the test (Box's ``M``, Mauchly's ``W``, Mardia's ``b1p``,
        the Bartlett-corrected statistic, …); read one with :meth:`detail`.

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
    f_pvalue: float | None = None
    details: tuple[tuple[str, float], ...] = ()

    def detail(self, name: str) -> float:
        """The named extra number ``name`` (see :attr:`details`).

        Raises
        ------
        KeyError
            No such detail; the message lists those available.
        """
        for key, value in self.details:
            if key == name:
                return value
        raise KeyError(f"{self.test} has no detail {name!r}; available: "
                       f"{[k for k, _ in self.details]}")

    def summary(self) -> str:
        """The result as two lines of text (also ``str(result)``)."""
        f = "" if self.fvalue is None else (
            f", F = {self.fvalue:.6g} on ({self.df:g}, {self.df_denom:g}) df"
            + ("" if self.f_pvalue is None else f" (p = {self.f_pvalue:.4g})"))
        df = "" if self.df != self.df else f", df = {self.df:g}"  # NaN: no df (a z test)
        head = (f"{self.test}: statistic = {self.statistic:.6g}{df}{f}, "
                f"p-value = {self.pvalue:.4g}" + (f" ({self.method})" if self.method else ""))
        extra = ", ".join(f"{k} = {v:.6g}" for k, v in self.details)
        return head + (f"\n{extra}" if extra else "") + (f"\nH0: {self.null}" if self.null
                                                          else "")

    def __str__(self) -> str:
        return self.summary()
