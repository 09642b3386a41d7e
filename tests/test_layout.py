"""The public API and the layering of the package."""

import ast
import warnings
from pathlib import Path

import pytest

import mvn_estimate as me

PACKAGE = Path(me.__file__).parent

STABLE = ["fit", "loglike", "loglike_obs", "loglike_stats", "score", "score_obs",
          "expected_information", "observed_information", "sandwich", "validate_covariance",
          "check_covariance", "nearest_pd", "clip_eigenvalues", "little_mcar_test",
          "SufficientStats", "MVNResult", "linalg", "exceptions"]

LAYERS = {"exceptions": 0, "_typing": 0, "_docs": 0, "_validate": 1, "_optional": 1, "options": 1,
          "linalg": 2, "compat": 10, "io": 4,
          "data": 3, "model": 4, "guards": 4, "structures": 5, "missing": 5, "inference": 6,
          "plots": 6, "robust": 6,
          "regression": 7, "estimation": 8, "imputation": 9,
          "cli": 11, "__main__": 12}


def test_stable_names_stay_at_the_top_level():
    for name in STABLE:
        assert hasattr(me, name), name
    assert set(STABLE) <= set(me.__all__)


@pytest.mark.parametrize(("old", "new"), [("loglike_observed", "loglike"),
                                          ("score_observed", "score"),
                                          ("information_observed", "information")])
def test_deprecated_aliases_warn_and_point_to_missing(old, new):
    with pytest.warns(DeprecationWarning, match=f"use mvn_estimate.missing.{new}"):
        func = getattr(me, old)
    assert func is getattr(me.missing, new)
    assert old not in me.__all__


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        me.nope  # noqa: B018


def _layer(path: Path) -> tuple[str, int]:
    rel = path.relative_to(PACKAGE).with_suffix("")
    top = rel.parts[0]
    return top, LAYERS[top]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    rel = path.relative_to(PACKAGE)
    depth = len(rel.parts) - 1
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            parts = list(rel.parts[:-1])[: max(0, depth - node.level + 1)]
            target = [*parts, *(node.module or "").split(".")] if node.module else parts
            if not target:
                target = [alias.name for alias in node.names]
            out.append(target[0])
        elif isinstance(node, ast.Import | ast.ImportFrom):
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            if module and module.startswith("mvn_estimate."):
                out.append(module.split(".")[1])
    return out


def test_imports_point_down():
    for path in PACKAGE.rglob("*.py"):
        if path.name == "__init__.py" and path.parent == PACKAGE:
            continue
        top, level = _layer(path)
        for target in _imports(path):
            if target in LAYERS and target != top:
                assert LAYERS[target] < level or top in ("cli", "__main__"), \
                    f"{path.relative_to(PACKAGE)} imports {target} (layer {LAYERS[target]})"


def test_implementation_modules_are_private():
    for sub in ("data", "model", "missing", "inference", "estimation", "guards",
                "regression", "robust"):
        for path in (PACKAGE / sub).glob("*.py"):
            assert path.name == "__init__.py" or path.name.startswith("_"), path


def test_no_deprecation_warning_on_normal_import():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        me.fit  # noqa: B018


PUBLIC = {"exceptions", "io", "options", "linalg", "missing", "structures", "plots"}
"""Modules of the public API besides the top level (documented in docs/api.rst)."""


def _imported_modules(path: Path) -> list[tuple[list[str], int]]:
    """Each ``from … import`` of the package as the module path it names (relative to the
    package) and its line."""
    tree = ast.parse(path.read_text())
    rel = path.relative_to(PACKAGE)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(rel.parts[:-1])[: len(rel.parts) - node.level]
                target = [*base, *(node.module.split(".") if node.module else [])]
            elif node.module and node.module.startswith("mvn_estimate"):
                target = node.module.split(".")[1:]
            else:
                continue
            out.append((target, node.lineno))
    return out


def test_subpackages_are_entered_only_through_their_doors():
    """A module may import another sub-package only through its ``__init__`` — never one of
    its modules, private or not (DESIGN.md: the ``__init__`` files are the only doors)."""
    bad = []
    for path in PACKAGE.rglob("*.py"):
        own = path.relative_to(PACKAGE).parts[0]
        for target, line in _imported_modules(path):
            if len(target) >= 2 and target[0] != own and (PACKAGE / target[0]).is_dir():
                bad.append(f"{path.relative_to(PACKAGE)}:{line} imports {'.'.join(target)}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("door", ["cli.py", "compat/_statsmodels.py", "compat/__init__.py"])
def test_cli_and_compat_use_only_the_public_api(door):
    path = PACKAGE / door
    own = path.relative_to(PACKAGE).parts[0]
    for target, line in _imported_modules(path):
        if target and target[0] == own and own == "compat":
            continue  # compat's own modules
        assert len(target) <= 1 and (not target or target[0] in PUBLIC), \
            f"{door}:{line} imports mvn_estimate.{'.'.join(target)}, not the public API"
    tree = ast.parse(path.read_text())
    relative = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level
                and not (own == "compat" and n.module and n.module.startswith("_"))]
    assert not relative, f"{door}: relative imports at lines {relative}"


def test_the_doors_test_sees_a_violation(tmp_path):
    """The rule above would fail on a reach into another sub-package's module."""
    fake = PACKAGE / "estimation" / "_probe_for_layout_test.py"
    fake.write_text("from ..missing._em import em\n")
    try:
        with pytest.raises(AssertionError, match=r"imports missing\._em"):
            test_subpackages_are_entered_only_through_their_doors()
    finally:
        fake.unlink()
