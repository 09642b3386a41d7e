"""Diagnostic plots of a fit: a χ² Q–Q plot of the Mahalanobis distances, the fitted
ellipses over the data, and the correlation heatmap.

matplotlib is optional (``pip install 'mvn_estimate[plot]'``) and imported only when a plot
is made. Every function builds and returns its own :class:`matplotlib.figure.Figure`: no
``pyplot``, no global state, so the plots work headless and in threads. Show one in a
notebook by leaving it as the cell's value, or write it with ``fig.savefig("qq.png")``.

The functions take an ``MVNResult`` or a ``GroupedResult`` (``fit(data, by=...)``) and read
only their public attributes.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._docs import fill_doc
from ._optional import require
from ._validate import check_real
from .data import select_columns, show_labels
from .exceptions import DtypeError, InvalidOptionError, LabelError, arg, describe

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_corr", "plot_ellipses", "plot_qq"]

MAX_PAIRS_COLUMNS = 6
"""Most columns :func:`plot_ellipses` draws without an explicit ``columns=``."""

MAX_LABELS = 25
"""Most outliers :func:`plot_qq` labels (the farthest); the others are drawn unlabelled."""

_CIRCLE = np.linspace(0.0, 2.0 * np.pi, 181)
_DASHES = ("--", "-", ":", "-.")


def _dash(n: int, count: int) -> str:
    """Line style of the ``n``-th of ``count`` ascending levels: the largest solid."""
    return _DASHES[(n - count + 2) % 4]


# -- shared helpers -------------------------------------------------------------------------
def _figure(figsize: Any, default: tuple[float, float]) -> Figure:
    if figsize is not None:
        ok = isinstance(figsize, list | tuple) and len(figsize) == 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            and v > 0 for v in figsize)
        if not ok:
            raise InvalidOptionError(f"{arg('figsize')} must be (width, height) in inches, two "
                                     f"positive numbers; got {describe(figsize)}.")
    mfig = require("matplotlib.figure", "Plotting")
    return mfig.Figure(figsize=figsize or default, layout="constrained")  # type: ignore[no-any-return]


def _name(label: Any, width: int = 16) -> str:
    """A variable's name for an axis: long names wrapped onto lines of about ``width``
    characters (whole, never cut), so that they stay inside the figure."""
    return textwrap.fill(str(label), width, break_long_words=True, break_on_hyphens=True)


def _fitted(result: Any) -> None:
    """A plot draws a fit: an MVNResult or a GroupedResult."""
    fields = ("groups",) if hasattr(result, "groups") else ("mean", "cov", "labels", "corr")
    if result is None or not all(hasattr(result, f) for f in fields):
        raise DtypeError(f"{arg('result')} must be a fitted result (mvn_estimate.fit(...), an "
                         f"MVNResult or GroupedResult); got {describe(result)}. Fit the data "
                         "first, then plot the result.")


def _parts(result: Any, data: Any) -> list[tuple[str, Any, Any]]:
    """``(title, fit, data)`` per group (one untitled part for an ungrouped result)."""
    if not hasattr(result, "groups"):
        _need_data(result, data)
        return [("", result, data)]
    if data is not None and not (isinstance(data, pd.DataFrame) and result.by in data):
        raise InvalidOptionError(
            f"{arg('data')} of a grouped fit must be a DataFrame with the grouping "
            f"column {result.by!r}; got {describe(data)}. Pass the rows with that column, or "
            "omit data= to use the fitted rows.")
    out = []
    for label, fit in result.groups.items():
        part = None if data is None else data[data[result.by] == label]
        _need_data(fit, part)
        out.append((f"{result.by} = {label}", fit, part))
    return out


def _need_data(fit: Any, data: Any) -> None:
    if data is None and fit.data is None:
        raise InvalidOptionError(
            f"{arg('data')} is needed: this result keeps no data (it was fitted from a "
            "file or statistics); got None. Pass the rows as data=.")


def _values(fit: Any, data: Any) -> np.ndarray:
    """The fitted columns of ``data`` (default the fitted rows) as a float array."""
    return np.asarray(fit.data.values if data is None else select_columns(data, fit.labels)
                      .values, dtype=float)


def _grid(fig: Figure, count: int) -> list[Axes]:
    ncols = min(count, 3)
    nrows = math.ceil(count / ncols)
    return [fig.add_subplot(nrows, ncols, k + 1) for k in range(count)]


# -- Q–Q plot -------------------------------------------------------------------------------
@fill_doc
def plot_qq(result: Any, *, data: Any = None, alpha: float = 0.05, band: float = 0.95,
            figsize: tuple[float, float] | None = None) -> Figure:
    """χ² Q–Q plot of the squared Mahalanobis distances, with a pointwise band.

    The sorted distances ``d²`` of :meth:`~mvn_estimate.MVNResult.outliers` are plotted
    against the ``χ²(p)`` quantiles at ``(i − 0.5)/n``, with the 45° line. The band is
    pointwise: the ``i``-th of ``n`` sorted uniforms is ``Beta(i, n − i + 1)``, and its
    central ``band`` interval is mapped through the ``χ²(p)`` quantile function. Rows
    flagged as outliers (p-value below ``alpha``) are drawn in red and labelled with their
    index labels (the 25 farthest when there are more).

    A row with missing entries (an EM fit) has a distance over its ``k < p`` observed
    entries, referred to ``χ²(k)``; it is put on the ``χ²(p)`` scale through its p-value,
    ``χ²_p⁻¹(1 − P(χ²_k > d²))``, so that all rows share one axis (the y label then says so).

    Parameters
    ----------
    result : MVNResult or GroupedResult
        A fit; a grouped fit gives one panel per group.
    data : DataFrame or array, optional
        Rows to judge; default the fitted rows. For a grouped fit, a DataFrame with the
        grouping column.
    alpha : float, default 0.05
        Per-row level at which a row is flagged, in (0, 1).
    band : float, default 0.95
        Pointwise coverage of the envelope, in (0, 1).
    %(figure_returns)s

    Examples
    --------
    >>> import numpy as np, mvn_estimate as me
    >>> from mvn_estimate.plots import plot_qq
    >>> res = me.fit(np.random.default_rng(0).normal(size=(60, 3)))
    >>> fig = plot_qq(res)
    >>> len(fig.axes), fig.axes[0].get_xlabel()
    (1, 'χ²(3) quantile')
    """
    _fitted(result)
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0)
    band = check_real(band, "band", low=0.0, high=1.0,
                      hint=" (A coverage such as 0.95, not a percentage.)")
    parts = _parts(result, data)
    size = (4.8 * min(len(parts), 3), 4.4 * math.ceil(len(parts) / 3) + 0.4)
    fig = _figure(figsize, size)
    axes = _grid(fig, len(parts))
    for ax, (title, fit, part) in zip(axes, parts, strict=True):
        _qq_panel(ax, fit, fit.outliers(alpha, data=part), band, alpha)
        if title:
            ax.set_title(title)
    _qq_legend(fig, axes)
    return fig


def _qq_points(table: pd.DataFrame, p: int) -> pd.DataFrame:
    """Finite distances on the ``χ²(p)`` scale, sorted."""
    table = table[np.isfinite(table["distance"].to_numpy()) & (table["df"].to_numpy() > 0)]
    d2 = table["distance"].to_numpy(dtype=float)
    partial = table["df"].to_numpy() < p
    if partial.any():
        moved = sps.chi2.isf(table["pvalue_chi2"].to_numpy(dtype=float), p)
        d2 = np.where(partial & np.isfinite(moved), moved, d2)
    out = pd.DataFrame({"d2": d2, "outlier": table["outlier"].to_numpy(bool),
                        "partial": partial}, index=table.index)
    return out.sort_values("d2", kind="stable")


def _qq_panel(ax: Axes, fit: Any, table: pd.DataFrame, band: float, alpha: float) -> None:
    p = int(fit.nvars)
    pts = _qq_points(table, p)
    d2, flag = pts["d2"].to_numpy(), pts["outlier"].to_numpy()
    i = np.arange(1, len(pts) + 1)
    q = sps.chi2.ppf((i - 0.5) / len(pts), p)
    tail = (1.0 - band) / 2.0
    low = sps.chi2.ppf(sps.beta.ppf(tail, i, len(pts) - i + 1), p)
    high = sps.chi2.ppf(sps.beta.ppf(1.0 - tail, i, len(pts) - i + 1), p)
    ax.fill_between(q, low, high, color="0.85", lw=0, label=f"{band:.0%} pointwise band",
                    gid="band")
    ax.axline((0.0, 0.0), slope=1.0, color="0.35", lw=1, ls="--", label="y = x",
              gid="identity")
    ax.scatter(q[~flag], d2[~flag], s=14, color="C0", label="rows", zorder=3)
    ax.set_xlim(0.0, 1.05 * float(q.max(initial=1.0)))
    ax.set_ylim(0.0, 1.08 * float(max(high.max(initial=1.0), d2.max(initial=1.0))))
    if flag.any():
        ax.scatter(q[flag], d2[flag], s=22, color="C3", zorder=3,
                   label=f"outliers (p < {alpha:g})")
        _label_outliers(ax, q, d2, flag, pts.index)
    ax.set_xlabel(f"χ²({p}) quantile")
    scale = f" (on the χ²({p}) scale)" if pts["partial"].any() else ""
    ax.set_ylabel(f"squared Mahalanobis distance{scale}")


def _qq_legend(fig: Figure, axes: list[Axes]) -> None:
    """One legend above the panels, with each entry once (outliers may be in one only)."""
    seen: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    fig.legend(list(seen.values()), list(seen), loc="outside upper center",
               ncols=min(len(seen), 2 if len(axes) == 1 else 4), fontsize="small",
               frameon=False)


def _label_outliers(ax: Axes, x: np.ndarray, y: np.ndarray, flag: np.ndarray,
                    labels: pd.Index) -> None:
    """Label the (at most :data:`MAX_LABELS` farthest) flagged points, each beside its point
    where the label covers no other label or point, else moved up or down with a leader."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    fx, fy = (x - x0) / (x1 - x0), (y - y0) / (y1 - y0)
    width, height = ax.get_figure().get_size_inches() * ax.get_position().size  # type: ignore[union-attr]
    h = 11.0 / 72.0 / height
    boxes = np.column_stack([fx - 0.01, fy - 0.01, fx + 0.01, fy + 0.01])
    for k in np.flatnonzero(flag)[::-1][:MAX_LABELS]:
        text, w = str(labels[k]), (0.07 * len(str(labels[k])) + 0.05) / width
        own, boxes[k] = boxes[k].copy(), np.nan  # a label may touch its own point
        for shift, side in [(s, d) for s in (0, 1, -1, 2, -2, 3, -3, 4, -4) for d in (-1, 1)]:
            box = _label_box(fx[k], fy[k], w, h, shift, side)
            if _free(box, boxes):
                break
        else:  # crowded: beside the point, moved inside the axes (it may touch another)
            shift, side = 0, -1 if fx[k] > 0.5 else 1
            box = _label_box(fx[k], fy[k], w, h, shift, side)
            box += [max(0.0, -box[0]) - max(0.0, box[2] - 1.0),
                    max(0.0, -box[1]) - max(0.0, box[3] - 1.0)] * 2
        boxes[k] = own
        boxes = np.vstack([boxes, box])
        ax.annotate(text, (float(x[k]), float(y[k])),
                    xytext=(box[0] if side > 0 else box[2], (box[1] + box[3]) / 2),
                    textcoords="axes fraction", ha="left" if side > 0 else "right",
                    va="center", fontsize=8, color="C3", gid="outlier-label",
                    arrowprops={"arrowstyle": "-", "color": "C3", "lw": 0.5} if shift else None)


def _label_box(fx: float, fy: float, w: float, h: float, shift: int, side: int) -> np.ndarray:
    """The box (x0, y0, x1, y1, axes fraction) of a label ``shift`` lines above its point,
    left (``side < 0``) or right of it."""
    left = fx - 0.015 - w if side < 0 else fx + 0.015
    return np.array([left, fy + (shift - 0.5) * h, left + w, fy + (shift + 0.5) * h])


def _free(box: np.ndarray, others: np.ndarray) -> bool:
    """Whether ``box`` (x0, y0, x1, y1) lies inside the axes and overlaps none of
    ``others`` (rows of NaN are ignored)."""
    if box[0] < 0.0 or box[1] < 0.0 or box[2] > 1.0 or box[3] > 1.0:
        return False
    hit = (box[0] < others[:, 2]) & (others[:, 0] < box[2]) & (box[1] < others[:, 3]) \
        & (others[:, 1] < box[3])
    return not bool(hit.any())


# -- ellipses -------------------------------------------------------------------------------
@fill_doc
def plot_ellipses(result: Any, *, data: Any = None, columns: Sequence[Any] | None = None,
                  levels: Sequence[float] = (0.5, 0.95), mean_level: float = 0.95,
                  figsize: tuple[float, float] | None = None) -> Figure:
    """Pairwise scatter plots with the fitted normal's ellipses and the mean's confidence
    ellipse.

    A lower-triangular grid: for each pair of ``columns``, the rows observed on both, the
    fitted mean (``+``), the regions ``{x : (x−μ)ᵀΣ⁻¹(x−μ) ≤ χ²₂(level)}`` of the fitted
    2-D marginal ``N(μ, Σ)`` for each of ``levels``, and the Wald confidence ellipse of the
    mean at ``mean_level`` (from the means block of ``cov_params()``). The diagonal shows
    each variable's histogram with the fitted normal density.

    Parameters
    ----------
    result : MVNResult or GroupedResult
        A fit; for a grouped fit every panel shows all groups, one colour each.
    data : DataFrame or array, optional
        Rows to draw; default the fitted rows. For a grouped fit, a DataFrame with the
        grouping column.
    columns : sequence of labels, optional
        Variables to draw (labels or their string names); default all, which must be at
        most 6.
    levels : sequence of float, default (0.5, 0.95)
        Probability contents of the drawn ellipses, each in (0, 1).
    mean_level : float, default 0.95
        Coverage of the mean's confidence ellipse, in (0, 1).
    %(figure_returns)s

    Examples
    --------
    >>> import pandas as pd, mvn_estimate as me
    >>> from mvn_estimate.plots import plot_ellipses
    >>> iris = pd.read_csv("data/iris.csv")
    >>> fig = plot_ellipses(me.fit(iris, by="Species"), columns=["Petal.Length", "Petal.Width"])
    >>> len(fig.axes)
    3
    """
    _fitted(result)
    levels = _check_levels(levels)
    mean_level = check_real(mean_level, "mean_level", low=0.0, high=1.0,
                            hint=" (A coverage such as 0.95, not a percentage.)")
    parts = _parts(result, data)
    first = parts[0][1]
    pos = _columns(first, columns)
    k = len(pos)
    fig = _figure(figsize, (max(2.6 * k, 4.5), max(2.6 * k, 4.0)))
    axes = _pairs_axes(fig, k)
    grouped = len(parts) > 1 or bool(parts[0][0])
    for g, (title, fit, part) in enumerate(parts):
        x = _values(fit, part)[:, pos]
        mu, cov = fit.mean.to_numpy()[pos], fit.cov.to_numpy()[np.ix_(pos, pos)]
        p = int(fit.nvars)
        vmean = fit.cov_params().to_numpy()[:p, :p][np.ix_(pos, pos)]
        style = {"color": f"C{g}", "label": title.split(" = ", 1)[-1] if grouped else None}
        for (i, j), ax in axes.items():
            if i == j:
                _diagonal(ax, x[:, i], mu[i], cov[i, i], style, alpha=0.35 if grouped else 0.6)
            else:
                _pair(ax, x[:, [j, i]], mu[[j, i]], cov[np.ix_([j, i], [j, i])],
                      vmean[np.ix_([j, i], [j, i])], levels, mean_level, style)
    _label_pairs(axes, [str(first.labels[c]) for c in pos])
    _pairs_legend(fig, levels, mean_level, [t.split(" = ", 1)[-1] for t, _, _ in parts],
                  result.by if grouped else None)
    return fig


def _check_levels(levels: Any) -> tuple[float, ...]:
    if isinstance(levels, int | float):
        levels = (levels,)
    if isinstance(levels, str) or not isinstance(levels, Sequence | np.ndarray) \
            or len(levels) == 0:
        raise InvalidOptionError(
            f"{arg('levels')} must be a non-empty sequence of probabilities in (0, 1); "
            f"got {describe(levels)}. Pass e.g. levels=(0.5, 0.95).")
    hint = " Each level is a probability such as 0.95, not a percentage."
    return tuple(sorted(check_real(v, "levels", low=0.0, high=1.0, hint=hint) for v in levels))


def _columns(fit: Any, columns: Sequence[Any] | None) -> list[int]:
    """Positions of the chosen columns among the fitted ones."""
    labels, names = list(fit.labels), [str(c) for c in fit.labels]
    if columns is None:
        if len(labels) > MAX_PAIRS_COLUMNS:
            raise InvalidOptionError(
                f"{arg('columns')} is needed when the fit has more than "
                f"{MAX_PAIRS_COLUMNS} variables; got None with {len(labels)} variables "
                f"{show_labels(fit.labels)}. Choose up to {MAX_PAIRS_COLUMNS} with columns=.")
        return list(range(len(labels)))
    chosen = [columns] if isinstance(columns, str) else list(columns)
    pos = []
    for c in chosen:
        if c in labels:
            pos.append(labels.index(c))
        elif isinstance(c, str) and c in names:
            pos.append(names.index(c))
        else:
            raise LabelError(
                f"{arg('columns')} must list fitted variables; got {c!r}, which is not "
                f"one. The fitted variables are {show_labels(fit.labels, 20)}.")
    if not pos or len(set(pos)) != len(pos):
        raise InvalidOptionError(
            f"{arg('columns')} must list distinct fitted variables; got {chosen!r}. "
            "Name each variable once.")
    return pos


def _pairs_axes(fig: Figure, k: int) -> dict[tuple[int, int], Axes]:
    """The lower triangle of a ``k × k`` grid; panels in one column share the x axis."""
    axes: dict[tuple[int, int], Axes] = {}
    for j in range(k):
        for i in range(j, k):
            share = axes.get((j, j))
            axes[(i, j)] = fig.add_subplot(k, k, i * k + j + 1, sharex=share)
    for i in range(k):
        for j in range(1, i):
            axes[(i, j)].sharey(axes[(i, 0)])
    return axes


def _ellipse(mu: np.ndarray, cov: np.ndarray, radius: float) -> np.ndarray:
    """Points of ``{x : (x−μ)ᵀ cov⁻¹ (x−μ) = radius²}`` (a closed polygon)."""
    chol = np.linalg.cholesky(cov)
    circle = np.vstack([np.cos(_CIRCLE[:-1]), np.sin(_CIRCLE[:-1])])
    pts = (mu[:, None] + radius * chol @ circle).T
    return np.vstack([pts, pts[:1]])  # closed exactly (sin 2π ≠ 0 would leave a gap of 1e-16)


def _pair(ax: Axes, x: np.ndarray, mu: np.ndarray, cov: np.ndarray, vmean: np.ndarray,
          levels: tuple[float, ...], mean_level: float, style: dict[str, Any]) -> None:
    mpatches = require("matplotlib.patches", "Plotting")
    keep = np.isfinite(x).all(axis=1)
    ax.scatter(x[keep, 0], x[keep, 1], s=9, alpha=0.55, color=style["color"],
               label=style["label"], linewidths=0)
    for n, level in enumerate(levels):
        pts = _ellipse(mu, cov, math.sqrt(sps.chi2.ppf(level, 2)))
        ax.add_patch(mpatches.Polygon(pts, closed=True, fill=False, lw=1.2, color=style["color"],
                                      ls=_dash(n, len(levels)),
                                      gid=f"ellipse-{level:g}"))
    pts = _ellipse(mu, vmean, math.sqrt(sps.chi2.ppf(mean_level, 2)))
    ax.add_patch(mpatches.Polygon(pts, closed=True, lw=0.8, ec="black", fc=style["color"],
                                  alpha=0.6, zorder=4, gid="mean-ellipse"))
    ax.plot(mu[0], mu[1], marker="+", ms=6, mew=1.0, color="black", zorder=5, gid="mean")
    ax.autoscale_view()


def _diagonal(ax: Axes, x: np.ndarray, mu: float, var: float, style: dict[str, Any],
              alpha: float) -> None:
    x = x[np.isfinite(x)]
    sd = math.sqrt(var)
    ax.hist(x, bins="auto", density=True, color=style["color"], alpha=alpha, lw=0)
    grid = np.linspace(mu - 3.5 * sd, mu + 3.5 * sd, 200)
    ax.plot(grid, sps.norm.pdf(grid, mu, sd), color=style["color"], lw=1.4, gid="density")
    ax.set_yticks([])


def _label_pairs(axes: dict[tuple[int, int], Axes], names: list[str]) -> None:
    k = len(names)
    for (i, j), ax in axes.items():
        ax.tick_params(labelsize="small")
        if i < k - 1:
            ax.tick_params(labelbottom=False)
        else:
            ax.set_xlabel(_name(names[j]))
        if j > 0:
            ax.tick_params(labelleft=False)
        elif i > 0:
            ax.set_ylabel(_name(names[i]))
        if i == j:
            ax.set_title(_name(names[i], 24), fontsize="medium")


def _pairs_legend(fig: Figure, levels: tuple[float, ...], mean_level: float,
                  groups: list[str], by: str | None) -> None:
    mlines = require("matplotlib.lines", "Plotting")
    mpatches = require("matplotlib.patches", "Plotting")
    handles = [mlines.Line2D([], [], ls="", marker="o", color=f"C{g}", label=name)
               for g, name in enumerate(groups)] if by is not None else []
    handles += [mlines.Line2D([], [], color="0.2", ls=_dash(n, len(levels)),
                              label=f"{level:.0%} region") for n, level in enumerate(levels)]
    handles.append(mpatches.Patch(fc="0.5", ec="black", label=f"{mean_level:.0%} CI of mean"))
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(handles), 6),
               fontsize="small", frameon=False, title=by)


# -- correlation heatmap --------------------------------------------------------------------
@fill_doc
def plot_corr(result: Any, *, annotate: bool = True,
              figsize: tuple[float, float] | None = None) -> Figure:
    """Heatmap of the fitted correlation matrix.

    A diverging colormap fixed to ``[−1, 1]`` (white at 0), the variable names on both
    axes, each value in its cell when ``annotate``, and a colour bar. A grouped fit gives
    one heatmap per group, sharing the colour bar.

    Parameters
    ----------
    result : MVNResult or GroupedResult
        A fit (it needs no data).
    annotate : bool, default True
        Write each correlation, to two decimals, in its cell.
    %(figure_returns)s

    Examples
    --------
    >>> import numpy as np, mvn_estimate as me
    >>> from mvn_estimate.plots import plot_corr
    >>> fig = plot_corr(me.fit(np.random.default_rng(0).normal(size=(40, 3))))
    >>> len(fig.axes[0].texts)
    9
    """
    _fitted(result)
    if not isinstance(annotate, bool | np.bool_):
        raise InvalidOptionError(
            f"{arg('annotate')} must be True or False; got {describe(annotate)}.")
    fits = list(result.groups.items()) if hasattr(result, "groups") else [(None, result)]
    p = int(fits[0][1].nvars)
    side = max(3.0, 0.6 * p + 1.6)
    fig = _figure(figsize, (side * min(len(fits), 3) + 1.0, side * math.ceil(len(fits) / 3)))
    axes = _grid(fig, len(fits))
    images = [_heatmap(ax, fit.corr, bool(annotate)) for ax, (_, fit) in
              zip(axes, fits, strict=True)]
    for ax, (label, _) in zip(axes, fits, strict=True):
        if label is not None:
            ax.set_title(f"{result.by} = {label}")
    fig.colorbar(images[0], ax=axes, shrink=0.8, label="correlation")
    return fig


def _heatmap(ax: Axes, corr: pd.DataFrame, annotate: bool) -> Any:
    values = corr.to_numpy(dtype=float)
    p = values.shape[0]
    image = ax.imshow(values, cmap="RdBu_r", vmin=-1.0, vmax=1.0, interpolation="nearest")
    ax.set_xticks(range(p), [_name(c) for c in corr.columns], rotation=45, ha="right",
                  rotation_mode="anchor")
    ax.set_yticks(range(p), [_name(c) for c in corr.index])
    ax.tick_params(length=0)
    if annotate:
        size = max(5.0, min(10.0, 60.0 / p))
        for (r, c), v in np.ndenumerate(values):
            ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=size,
                    color="white" if abs(v) > 0.6 else "black")
    return image
