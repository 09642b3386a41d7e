"""Sphinx configuration of the mvn_estimate documentation (``make docs``).

The build needs no network: the intersphinx inventories of numpy, scipy, pandas and
statsmodels are vendored in ``_inventories/`` (made by ``_inventories/make_inventories.py``
from the installed packages), and the tutorials are executed by sphinx-gallery at build
time, so a broken example fails the build (warnings are errors: ``-W``).
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import matplotlib

import mvn_estimate

matplotlib.use("Agg")
HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # for _scrapers

project = "mvn_estimate"
author = "mvn_estimate developers"
copyright = "2026, mvn_estimate developers"
release = mvn_estimate.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "tutorials_src/README.rst"]
templates_path = ["_templates"]

# API reference: one page per public name, from the numpydoc docstrings
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "none"  # the numpydoc sections describe the types
autodoc_member_order = "bysource"
autoclass_content = "class"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_ivar = True  # dataclass fields: one description, not a duplicate attribute
napoleon_use_rtype = False
# numpydoc types such as "list of labels" become cross-references word by word; "labels" is
# both MVNResult.labels and GroupedResult.labels: an ambiguity, not an error
suppress_warnings = ["ref.python"]

intersphinx_mapping = {
    name: (url, str(HERE / "_inventories" / f"{name}.inv"))
    for name, url in {
        "python": "https://docs.python.org/3/",
        "numpy": "https://numpy.org/doc/stable/",
        "scipy": "https://docs.scipy.org/doc/scipy/",
        "pandas": "https://pandas.pydata.org/docs/",
        "statsmodels": "https://www.statsmodels.org/stable/",
    }.items()
}

# Tutorials: Python scripts run at build time; figures come from the package's plots
sphinx_gallery_conf = {
    "examples_dirs": "tutorials_src",
    "gallery_dirs": "tutorials",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib", "_scrapers.figure_scraper"),
    "abort_on_example_error": True,
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    "plot_gallery": "True",
}

html_theme = "pydata_sphinx_theme"
html_title = f"mvn_estimate {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_depth": 2,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False

os.environ.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
warnings.filterwarnings("ignore", category=UserWarning, message="Matplotlib is currently")
