"""A sphinx-gallery image scraper for figures that are not in pyplot's registry.

The package's plot functions return a :class:`matplotlib.figure.Figure` built without
``pyplot`` (no global state), which sphinx-gallery's own matplotlib scraper cannot see. This
scraper saves every such figure that a tutorial's code block has bound to a name.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure
from sphinx_gallery.scrapers import figure_rst

SAVED = "__figures_saved__"


def figure_scraper(block: Any, block_vars: dict[str, Any], gallery_conf: dict[str, Any]) -> str:
    """Save the figures the example's names hold and that no earlier block saved."""
    names = block_vars["example_globals"]
    saved: list[Figure] = names.setdefault(SAVED, [])  # kept alive, so ids are never reused
    paths = []
    for value in list(names.values()):
        if isinstance(value, Figure) and not any(value is done for done in saved):
            path = next(block_vars["image_path_iterator"])
            value.savefig(path, dpi=110)
            saved.append(value)
            paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])
