"""Draw the figure the README shows (run from the repository root):
``python docs/_static/make_readme_figure.py``. It is the package's own ellipse plot of the iris
species fitted group by group."""

from pathlib import Path

import matplotlib
import pandas as pd

import mvn_estimate as me

matplotlib.use("Agg")
HERE = Path(__file__).parent
iris = pd.read_csv("data/iris.csv")
cols = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]
species = me.fit(iris, by="Species", columns=cols)
figure = species.plot_ellipses(data=iris, columns=["Sepal.Length", "Petal.Length", "Petal.Width"],
                               figsize=(7.5, 7))
figure.savefig(HERE / "iris_species_ellipses.png", dpi=80)
