"""How every result reads: a title, a two-column block of fit statistics, the table of
estimates with inference, and notes — as text and as HTML (what notebooks show)."""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

__all__ = ["Header", "estimates_table", "render_html", "render_text"]

Header = Sequence[tuple[str, str, str, str]]
"""Rows of (label, value, label, value)."""


def estimates_table(params: pd.Series, std_errors: pd.Series, stat: pd.Series,
                    pvalues: pd.Series, ci: pd.DataFrame, stat_name: str = "z") -> pd.DataFrame:
    """The table of estimates: estimate, standard error, test statistic, p-value, interval.

    Examples
    --------
    >>> s = pd.Series([1.0], index=["a"])
    >>> estimates_table(s, s, s, s, pd.DataFrame({"lower": s, "upper": s})).columns.tolist()
    ['Estimate', 'Std. Err.', 'z', 'P>|z|', 'Lower CI', 'Upper CI']
    """
    return pd.DataFrame({"Estimate": params, "Std. Err.": std_errors, stat_name: stat,
                         f"P>|{stat_name}|": pvalues, "Lower CI": ci["lower"],
                         "Upper CI": ci["upper"]})


def render_text(title: str, header: Header, table: pd.DataFrame, middle: Sequence[str] = (),
                notes: Sequence[str] = ()) -> str:
    """The text form: title, fit statistics, ``middle`` lines, the table, ``notes``.

    Examples
    --------
    >>> t = pd.DataFrame({"Estimate": [1.5]}, index=["a"])
    >>> print(render_text("Fit", [("N:", "3", "LL:", "-1.0")], t).splitlines()[0].strip())
    Fit
    """
    text = table.to_string(float_format=lambda v: f"{v:.4g}", na_rep="")
    width = max(78, len(text.splitlines()[0]))
    half = width // 2
    lines = [title.center(width).rstrip(), "=" * width]
    lines += [f"{a:<18}{b:>{half - 21}}   {c:<18}{d:>{width - half - 18}}"
              for a, b, c, d in header]
    lines += [*middle, "=" * width, *text.splitlines(), "=" * width, *notes]
    return "\n".join(lines)


def render_html(title: str, header: Header, table: pd.DataFrame) -> str:
    """The HTML form of :func:`render_text` (without the notes).

    Examples
    --------
    >>> t = pd.DataFrame({"Estimate": [1.5]}, index=["a"])
    >>> render_html("Fit", [("N:", "3", "", "")], t).startswith("<h4>Fit</h4>")
    True
    """
    head = "".join(f"<tr><th>{html.escape(a)}</th><td>{html.escape(b)}</td>"
                   f"<th>{html.escape(c)}</th><td>{html.escape(d)}</td></tr>"
                   for a, b, c, d in header)
    return (f"<h4>{html.escape(title)}</h4><table>{head}</table>"
            + table.to_html(float_format=lambda v: f"{v:.4g}"))
