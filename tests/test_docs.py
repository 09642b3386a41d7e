"""The documentation covers the public API: every public name has its page in docs/api.rst."""

import re
from pathlib import Path

import pytest

import mvn_estimate as me
import mvn_estimate.plots

API = Path(__file__).parents[1] / "docs" / "api.rst"
NAMESPACES = {
    "mvn_estimate": [n for n in me.__all__
                     if n not in ("exceptions", "io", "linalg", "missing", "options", "structures",
                                  "__version__")],
    "mvn_estimate.missing": [n for n in me.missing.__all__ if not hasattr(me, n)
                             or getattr(me, n) is not getattr(me.missing, n)],
    "mvn_estimate.structures": me.structures.__all__,
    "mvn_estimate.linalg": me.linalg.__all__,
    "mvn_estimate.plots": mvn_estimate.plots.__all__,
    "mvn_estimate.exceptions": me.exceptions.__all__,
    "mvn_estimate.io": me.io.__all__,
    "mvn_estimate.options": me.options.__all__,
}


def _documented() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    module = "mvn_estimate"
    in_summary = False
    for line in API.read_text().splitlines():
        if found := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = found.group(1)
        elif line.startswith(".. autosummary::"):
            in_summary = True
        elif in_summary and re.match(r"   [A-Za-z_]\w*$", line):
            out.setdefault(module, set()).add(line.strip())
        elif in_summary and line and not line.startswith("   "):
            in_summary = False
    return out


@pytest.mark.parametrize("module", list(NAMESPACES))
def test_every_public_name_has_an_api_page(module):
    documented = _documented().get(module, set())
    missing = sorted(set(NAMESPACES[module]) - documented)
    assert not missing, f"{module}: no API page for {missing}; add them to docs/api.rst"


def test_the_api_page_lists_only_names_that_exist():
    for module, names in _documented().items():
        namespace = __import__(module, fromlist=["_"])
        assert all(hasattr(namespace, n) for n in names), module


def _docstrings():
    """Every docstring in the package: modules, classes, functions and methods."""
    import inspect
    import pkgutil

    seen = set()
    for info in pkgutil.walk_packages(me.__path__, "mvn_estimate."):
        if info.name.endswith("__main__"):
            continue
        module = __import__(info.name, fromlist=["_"])
        yield info.name, module.__doc__
        for name, obj in vars(module).items():
            if getattr(obj, "__module__", None) != info.name or id(obj) in seen:
                continue
            seen.add(id(obj))
            yield f"{info.name}.{name}", inspect.getdoc(obj)
            for attr, member in vars(obj).items() if inspect.isclass(obj) else ():
                if callable(member) or isinstance(member, property):
                    yield f"{info.name}.{name}.{attr}", inspect.getdoc(member)


def test_every_example_is_a_doctest_the_suite_runs():
    """An Examples section holds ``>>>`` lines (run by --doctest-modules), not a literal block
    that nobody executes, and none is skipped."""
    offenders = []
    for where, doc in _docstrings():
        if not doc or "Examples\n--------" not in doc:
            continue
        examples = doc.split("Examples\n--------", 1)[1]
        if ">>>" not in examples or "doctest: +SKIP" in examples:
            offenders.append(where)
    assert not offenders, f"examples that are not run: {offenders}"
