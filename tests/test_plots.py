"""The diagnostic plots: rendered headless, with the artists they promise."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

import mvn_estimate as me
from mvn_estimate.exceptions import InvalidOptionError, LabelError

pytest.importorskip("matplotlib")

from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.image import imread
from matplotlib.patches import Polygon

from mvn_estimate.plots import plot_corr, plot_ellipses, plot_qq

IRIS = Path(__file__).parent.parent / "data" / "iris.csv"
COLUMNS = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]


@pytest.fixture(scope="module")
def iris() -> pd.DataFrame:
    return pd.read_csv(IRIS)


@pytest.fixture
def planted(rng) -> pd.DataFrame:
    """60 normal rows in 3 variables, row ``"planted"`` far out."""
    x = rng.multivariate_normal([0, 1, 2], [[1, .5, .2], [.5, 1, .3], [.2, .3, 1]], size=60)
    x[7] = [5.0, -4.0, 7.0]
    index = [f"r{i}" for i in range(60)]
    index[7] = "planted"
    return pd.DataFrame(x, columns=["a", "b", "c"], index=index)


def _png(fig, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=40)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 3000
    assert imread(path)[..., :3].std() > 0.05  # not a blank canvas


def _scatters(ax) -> list[PathCollection]:
    return [c for c in ax.collections if type(c) is PathCollection]


def _gid(ax, gid: str) -> list:
    return [a for a in [*ax.patches, *ax.lines, *ax.collections, *ax.texts] if a.get_gid() == gid]


# -- Q–Q plot -------------------------------------------------------------------------------
def test_qq_plot_draws_points_band_line_and_labels_outliers(planted, tmp_path):
    res = me.fit(planted)
    fig = plot_qq(res)
    _png(fig, tmp_path, "qq")
    (ax,) = fig.axes
    assert sum(len(c.get_offsets()) for c in _scatters(ax)) == 60
    assert len(_gid(ax, "identity")) == 1
    (band,) = _gid(ax, "band")
    assert isinstance(band, PolyCollection)
    labels = [t.get_text() for t in _gid(ax, "outlier-label")]
    assert "planted" in labels
    assert len(labels) == int(res.outliers(0.05)["outlier"].sum())
    assert ax.get_xlabel() == "χ²(3) quantile"


def test_qq_band_contains_the_line_and_most_points(rng):
    res = me.fit(rng.normal(size=(200, 2)))
    ax = plot_qq(res, band=0.99).axes[0]
    q = np.sort(np.concatenate([c.get_offsets()[:, 0] for c in _scatters(ax)]))
    d2 = np.sort(res.outliers()["distance"].to_numpy())
    i = np.arange(1, 201)
    low = sps.chi2.ppf(sps.beta.ppf(0.005, i, 201 - i), 2)
    high = sps.chi2.ppf(sps.beta.ppf(0.995, i, 201 - i), 2)
    assert np.all((low < q) & (q < high))
    assert np.mean((low <= d2) & (d2 <= high)) > 0.9
    verts = _gid(ax, "band")[0].get_paths()[0].vertices
    assert np.isclose(verts[:, 1].max(), high.max())


def test_qq_puts_incomplete_rows_on_the_full_scale(planted):
    x = planted.copy()
    x.iloc[[1, 2, 3], [0, 2]] = np.nan
    res = me.fit(x, missing="em")
    ax = plot_qq(res).axes[0]
    assert sum(len(c.get_offsets()) for c in _scatters(ax)) == 60
    assert "χ²(3) scale" in ax.get_ylabel()


def test_qq_grouped_has_a_panel_per_group(iris, tmp_path):
    fig = plot_qq(me.fit(iris, by="Species"))
    _png(fig, tmp_path, "qq_grouped")
    assert [ax.get_title() for ax in fig.axes] == [f"Species = {s}" for s in
                                                  ("setosa", "versicolor", "virginica")]
    assert all(sum(len(c.get_offsets()) for c in _scatters(ax)) == 50 for ax in fig.axes)
    assert len(fig.legends) == 1


def test_qq_on_new_data(planted):
    res = me.fit(planted.iloc[10:])
    ax = plot_qq(res, data=planted.iloc[:10]).axes[0]
    assert sum(len(c.get_offsets()) for c in _scatters(ax)) == 10
    assert "planted" in [t.get_text() for t in _gid(ax, "outlier-label")]


# -- ellipses -------------------------------------------------------------------------------
def test_ellipses_grid_for_iris(iris, tmp_path):
    res = me.fit(iris, columns=COLUMNS)
    fig = plot_ellipses(res)
    _png(fig, tmp_path, "ellipses")
    assert len(fig.axes) == 10  # lower triangle of 4 × 4
    pairs = [ax for ax in fig.axes if _scatters(ax)]
    assert len(pairs) == 6
    for ax in pairs:
        assert len(_scatters(ax)[0].get_offsets()) == 150
        assert len(_gid(ax, "ellipse-0.5")) == len(_gid(ax, "ellipse-0.95")) == 1
        assert len(_gid(ax, "mean-ellipse")) == len(_gid(ax, "mean")) == 1
    diagonal = [ax for ax in fig.axes if not _scatters(ax)]
    assert all(len(_gid(ax, "density")) == 1 and len(ax.patches) > 3 for ax in diagonal)
    assert [ax.get_xlabel() for ax in fig.axes if ax.get_xlabel()] == COLUMNS


def test_ellipses_are_the_fitted_contours(iris):
    res = me.fit(iris, columns=COLUMNS)
    fig = plot_ellipses(res, columns=["Petal.Width", "Sepal.Length"], levels=(0.9,),
                        mean_level=0.8)
    ax = next(ax for ax in fig.axes if _scatters(ax))  # x = Petal.Width, y = Sepal.Length
    cols = ["Petal.Width", "Sepal.Length"]
    mu, cov = res.mean[cols].to_numpy(), res.cov.loc[cols, cols].to_numpy()
    vmean = res.cov_params().iloc[:4, :4].to_numpy()[np.ix_([3, 0], [3, 0])]
    for gid, matrix, level in (("ellipse-0.9", cov, 0.9), ("mean-ellipse", vmean, 0.8)):
        (patch,) = _gid(ax, gid)
        assert isinstance(patch, Polygon)
        v = patch.get_xy()[:-1] - mu
        assert np.allclose(v.mean(axis=0), 0.0, atol=1e-12)  # centred on the mean
        quad = np.einsum("ij,jk,ik->i", v, np.linalg.inv(matrix), v)
        assert np.allclose(quad, sps.chi2.ppf(level, 2))
    assert np.allclose(_gid(ax, "mean")[0].get_xydata(), [mu])


def test_ellipses_grouped_one_colour_per_group_and_a_legend(iris, tmp_path):
    fig = plot_ellipses(me.fit(iris, by="Species"), columns=COLUMNS[2:])
    _png(fig, tmp_path, "ellipses_grouped")
    assert len(fig.axes) == 3
    ax = next(ax for ax in fig.axes if _scatters(ax))
    scatters = _scatters(ax)
    assert [len(c.get_offsets()) for c in scatters] == [50, 50, 50]
    colours = {tuple(np.round(c.get_facecolor()[0][:3], 3)) for c in scatters}
    assert len(colours) == 3
    assert len(_gid(ax, "ellipse-0.95")) == 3 and len(_gid(ax, "mean-ellipse")) == 3
    (legend,) = fig.legends
    texts = [t.get_text() for t in legend.get_texts()]
    assert {"setosa", "versicolor", "virginica"} <= set(texts)
    assert legend.get_title().get_text() == "Species"


def test_ellipses_scatter_rows_complete_on_the_pair(planted):
    x = planted.copy()
    x.iloc[:5, 0] = np.nan
    x.iloc[5:8, 1] = np.nan
    ax = next(ax for ax in plot_ellipses(me.fit(x, missing="em")).axes if _scatters(ax))
    assert len(_scatters(ax)[0].get_offsets()) == 52  # pair (a, b)


# -- correlation heatmap --------------------------------------------------------------------
def test_corr_heatmap(iris, tmp_path):
    res = me.fit(iris, columns=COLUMNS)
    fig = plot_corr(res)
    _png(fig, tmp_path, "corr")
    ax, bar = fig.axes
    (image,) = ax.images
    assert image.get_clim() == (-1.0, 1.0)
    assert np.allclose(image.get_array(), res.corr.to_numpy())
    assert [t.get_text() for t in ax.get_xticklabels()] == COLUMNS
    assert [t.get_text() for t in ax.get_yticklabels()] == COLUMNS
    assert len(ax.texts) == 16
    assert f"{res.corr.iloc[0, 2]:.2f}" in [t.get_text() for t in ax.texts]
    assert bar.get_ylabel() == "correlation"
    assert len(plot_corr(res, annotate=False).axes[0].texts) == 0


def test_corr_grouped(iris):
    fig = plot_corr(me.fit(iris, by="Species"))
    assert len(fig.axes) == 4 and sum(len(ax.images) for ax in fig.axes) == 3


# -- bad options ----------------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "match"), [
    ({"levels": (0.5, 1.5)}, r"'levels' argument must be .* in \(0, 1\); got 1.5"),
    ({"levels": ()}, r"'levels' argument must be a non-empty sequence"),
    ({"levels": "0.95"}, r"'levels' argument"),
    ({"mean_level": 95}, r"'mean_level' argument .*got 95.0. \(A coverage such as 0.95"),
])
def test_ellipses_bad_levels(planted, kwargs, match):
    with pytest.raises(InvalidOptionError, match=match):
        plot_ellipses(me.fit(planted), **kwargs)


def test_ellipses_bad_columns(planted, rng):
    res = me.fit(planted)
    with pytest.raises(LabelError, match=r"'columns' argument must list fitted variables; "
                                         r"got 'z'.*\['a', 'b', 'c'\]"):
        plot_ellipses(res, columns=["a", "z"])
    with pytest.raises(InvalidOptionError, match="distinct"):
        plot_ellipses(res, columns=["a", "a"])
    wide = me.fit(rng.normal(size=(40, 7)))
    with pytest.raises(InvalidOptionError, match=r"'columns' argument is needed .* more than "
                                                  r"6 variables; got None with 7"):
        plot_ellipses(wide)
    assert len(plot_ellipses(wide, columns=["x0", "x6"]).axes) == 3


def test_qq_bad_options_and_missing_data(planted, iris):
    res = me.fit(planted)
    with pytest.raises(InvalidOptionError, match=r"'band' argument .* in \(0, 1\); got 95.0"):
        plot_qq(res, band=95)
    with pytest.raises(InvalidOptionError, match=r"'alpha' argument"):
        plot_qq(res, alpha=0.0)
    bare = dataclasses.replace(res, data=None)
    with pytest.raises(InvalidOptionError, match=r"'data' argument is needed.*data="):
        plot_qq(bare)
    with pytest.raises(InvalidOptionError, match=r"'data' argument is needed"):
        plot_ellipses(bare)
    assert len(plot_qq(bare, data=planted).axes) == 1
    with pytest.raises(InvalidOptionError, match=r"grouping column 'Species'"):
        plot_qq(me.fit(iris, by="Species"), data=iris[COLUMNS])
    with pytest.raises(InvalidOptionError, match=r"'annotate' argument must be True or False"):
        plot_corr(res, annotate="yes")


# -- optional import, no global state -------------------------------------------------------
def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).parent.parent, timeout=120, check=False)


def test_matplotlib_is_imported_only_when_a_plot_is_made():
    out = _run(
        "import sys, numpy as np, mvn_estimate as me, mvn_estimate.plots as mp\n"
        "assert 'matplotlib' not in sys.modules, 'imported early'\n"
        "mp.plot_corr(me.fit(np.random.default_rng(0).normal(size=(20, 2))))\n"
        "assert 'matplotlib.figure' in sys.modules\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot'\n")
    assert out.returncode == 0, out.stderr


def test_missing_matplotlib_names_the_extra():
    out = _run(
        "import sys; sys.modules['matplotlib'] = None\n"
        "import numpy as np, mvn_estimate as me, mvn_estimate.plots as mp\n"
        "from mvn_estimate.exceptions import OptionalDependencyError\n"
        "try:\n"
        "    mp.plot_corr(me.fit(np.random.default_rng(0).normal(size=(20, 2))))\n"
        "except OptionalDependencyError as exc:\n"
        "    print(exc)\n")
    assert out.returncode == 0, out.stderr
    assert "mvn_estimate[plot]" in out.stdout and "Plotting" in out.stdout


def test_plots_leave_rcparams_alone(planted):
    import matplotlib

    before = dict(matplotlib.rcParams)
    res = me.fit(planted)
    plot_qq(res), plot_ellipses(res), plot_corr(res)
    assert dict(matplotlib.rcParams) == before


@pytest.mark.parametrize("kind", ["corr", "ellipses", "qq"])
def test_long_names_and_labels_stay_inside_the_canvas(kind):
    """Everything drawn (tick labels, axis labels, outlier labels, the colour bar's label)
    lies within the figure, for a 51-character column name."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    long = "Solar radiation, Langleys (0800-1200, Central Park)"
    air = pd.read_csv("data/airquality.csv").iloc[:, :4].rename(columns={"Solar.R": long})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", me.exceptions.MVNEstimateWarning)
        res = me.fit(air, missing="em")
    draw = {"corr": lambda: plot_corr(res),
            "ellipses": lambda: plot_ellipses(res, data=air),
            "qq": lambda: plot_qq(res, data=air)}[kind]
    fig = draw()
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    box = fig.get_tightbbox(canvas.get_renderer())
    width, height = fig.get_size_inches()
    assert box.x0 >= 0 and box.y0 >= 0, box
    assert box.x1 <= width + 1e-9 and box.y1 <= height + 1e-9, (box, width, height)
    texts = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels()]
    texts += [ax.get_xlabel() for ax in fig.axes] + [ax.get_title() for ax in fig.axes]
    if kind != "qq":  # the Q-Q plot names no variable
        assert any(t.replace("\n", " ") == long for t in texts)  # wrapped, never cut
