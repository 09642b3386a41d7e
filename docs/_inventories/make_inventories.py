"""Write the intersphinx inventories the docs link through, without the network.

The machines that build these docs reach only the package registries, so Sphinx cannot
download ``objects.inv`` from numpy.org and the like. This script writes inventories in
Sphinx's format (version 2) for the public names of the *installed* numpy, scipy, pandas and
statsmodels (and Python's built-in exceptions and types), pointing at each project's
documentation with the URL scheme it uses for its API pages. Run it again after upgrading
those packages (``python docs/_inventories/make_inventories.py``); where the network is
available, the projects' own inventories can replace these files unchanged.
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import zlib
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).parent

MODULES = {
    "numpy": ["numpy", "numpy.linalg", "numpy.random", "numpy.testing"],
    "scipy": ["scipy.linalg", "scipy.optimize", "scipy.stats", "scipy.special"],
    "pandas": ["pandas", "pandas.api.types"],
    "statsmodels": ["statsmodels.base.model", "statsmodels.stats.correlation_tools",
                    "statsmodels.multivariate.manova", "statsmodels.api"],
}
CLASSES_WITH_MEMBERS = {
    "numpy": ["numpy.ndarray", "numpy.random.Generator"],
    "pandas": ["pandas.DataFrame", "pandas.Series", "pandas.Index"],
    "statsmodels": ["statsmodels.base.model.GenericLikelihoodModel",
                    "statsmodels.base.model.LikelihoodModelResults"],
}
URLS = {
    "numpy": "reference/generated/{name}.html#{name}",
    "scipy": "reference/generated/{name}.html#{name}",
    "pandas": "reference/api/{name}.html#{name}",
    "statsmodels": "generated/{name}.html#{name}",
}


def _role(obj: object) -> str | None:
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return None


def _public(module_name: str) -> Iterator[tuple[str, str]]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    for name in names:
        obj = getattr(module, name, None)
        role = _role(obj)
        if role is not None:
            yield f"{module_name}.{name}", role


def _members(class_path: str) -> Iterator[tuple[str, str]]:
    module_name, _, cls_name = class_path.rpartition(".")
    cls = getattr(importlib.import_module(module_name), cls_name)
    yield class_path, "class"
    for name in dir(cls):
        if name.startswith("_"):
            continue
        attr = inspect.getattr_static(cls, name, None)
        role = "method" if callable(attr) or isinstance(attr, classmethod | staticmethod) \
            else "attribute"
        yield f"{class_path}.{name}", role


def _write(project: str, version: str, entries: dict[str, tuple[str, str]]) -> None:
    lines = [f"{name} py:{role} 1 {uri} -" for name, (role, uri) in sorted(entries.items())]
    header = (f"# Sphinx inventory version 2\n# Project: {project}\n# Version: {version}\n"
              "# The remainder of this file is compressed using zlib.\n").encode()
    (HERE / f"{project}.inv").write_bytes(header + zlib.compress("\n".join(lines).encode()))
    print(f"{project}: {len(lines)} names")


def main() -> None:
    for project, modules in MODULES.items():
        version = importlib.import_module(project).__version__
        entries: dict[str, tuple[str, str]] = {}
        pattern = URLS[project]
        for module_name in modules:
            for name, role in _public(module_name):
                entries.setdefault(name, (role, pattern.format(name=name)))
        for class_path in CLASSES_WITH_MEMBERS.get(project, []):
            for name, role in _members(class_path):
                entries[name] = (role, pattern.format(name=name))
        _write(project, version, entries)
    python: dict[str, tuple[str, str]] = {}
    for name in dir(builtins):
        obj = getattr(builtins, name)
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            python[name] = ("exception", f"library/exceptions.html#{name}")
        elif inspect.isclass(obj):
            python[name] = ("class", f"library/functions.html#{name}")
    _write("python", "3", python)


if __name__ == "__main__":
    main()
