"""The shape of ``src/refsite`` as ``scripts/layout.py`` measures it.

No import cycle, and MkDocs imported only by its adapters. The size limits
are held by the script's exit code (``scripts/layout``); the measurement
itself is tested on small hand-made inputs, so that these tests can fail.
"""

from __future__ import annotations

import ast
import importlib.util
from types import ModuleType

import pytest

from conftest import ROOT


def _load_layout() -> ModuleType:
    spec = importlib.util.spec_from_file_location("layout", ROOT / "scripts" / "layout.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


layout = _load_layout()


@pytest.fixture(scope="module")
def figures() -> dict[str, object]:
    return layout.measure()  # type: ignore[no-any-return]


def test_refsite_has_no_import_cycle(figures: dict[str, object]) -> None:
    graph = figures["graph"]
    assert isinstance(graph, dict)
    # The graph is refsite's own: a measurement that found no edges would pass vacuously.
    assert "refsite.scaffold.values" in graph["refsite.scaffold.project"]
    assert layout.cycles(graph) == []


def test_only_the_mkdocs_adapters_import_mkdocs(figures: dict[str, object]) -> None:
    importers = figures["mkdocs_importers"]
    loads = figures["mkdocs_imports"]
    assert isinstance(importers, list)
    assert isinstance(loads, dict)
    assert "refsite.mkdocs.plugin" in importers  # the detection sees a real import
    assert loads["refsite.checks.coverage"] == ["mkdocstrings"]  # and an inventory reader's
    assert layout.mkdocs_outside_adapters(importers, loads) == []
    # A pure module importing MkDocs itself is reported, an inventory reader too.
    wrong = {**loads, "refsite.checks.site": ["mkdocs"], "refsite.extras.search": ["material"]}
    assert layout.mkdocs_outside_adapters([*importers, "refsite.checks.site"], wrong) == [
        "pure module imports MkDocs: refsite.extras.search (material)",
        "pure module imports MkDocs: refsite.checks.site (mkdocs)",
    ]


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({}, []),
        ({"a": {"b"}, "b": set()}, []),
        ({"a": {"b"}, "b": {"outside"}}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}, [["a", "b"], ["c", "d"]]),
        ({"a": {"b", "c"}, "b": {"d"}, "c": {"d"}, "d": set()}, []),
    ],
    ids=["empty", "chain", "edge-out", "pair", "triangle", "two", "diamond"],
)
def test_cycles(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert layout.cycles(graph) == expected


@pytest.mark.parametrize(
    ("source", "name", "is_package", "expected"),
    [
        ("import os\nimport refsite.core.store", "refsite.a", False, {"refsite.core.store"}),
        (
            "def f():\n    from refsite.x import y",
            "refsite.a",
            False,
            {"refsite.x", "refsite.x.y"},
        ),
        ("from . import c", "refsite.a.b", False, {"refsite.a", "refsite.a.c"}),
        ("from ..x import y", "refsite.a.b", False, {"refsite.x", "refsite.x.y"}),
        ("from .m import n", "refsite.a", True, {"refsite.a.m", "refsite.a.m.n"}),
    ],
    ids=["absolute", "in-a-function", "sibling", "parent", "from-a-package"],
)
def test_imports(source: str, name: str, is_package: bool, expected: set[str]) -> None:
    assert layout.imports(ast.parse(source), name, is_package) == expected


def test_refsite_keeps_its_floors(figures: dict[str, object]) -> None:
    graph = figures["graph"]
    assert isinstance(graph, dict)
    packages = layout.package_graph(graph)
    # The measurement sees real edges, so the checks below cannot pass vacuously.
    assert "core" in packages["checks"]
    assert "checks" in packages["mkdocs"]
    assert layout.against_floors(packages) == []
    assert layout.cycles({p: set(edges) for p, edges in packages.items()}) == []
    # Every package has a floor, and every floor a package that exists.
    assert {p for floor in layout.FLOORS for p in floor} == set(packages)


@pytest.mark.parametrize(
    ("edge", "expected"),
    [
        (("refsite.mkdocs.build", "refsite.checks.site"), []),
        (
            ("refsite.checks.coverage", "refsite.speed.kept_pages"),
            [
                "import against the floors (checks -> speed, a floor above): "
                "refsite.checks.coverage -> refsite.speed.kept_pages"
            ],
        ),
        (
            ("refsite.history.read", "refsite.extras.search"),
            [
                "import against the floors (history -> extras, its own floor): "
                "refsite.history.read -> refsite.extras.search"
            ],
        ),
        (
            ("refsite.newpkg.mod", "refsite.core.store"),
            [
                "package newpkg has no floor: add it to FLOORS in scripts/layout.py and ARCHITECTURE.md"
            ],
        ),
    ],
    ids=["down", "up", "sideways", "no-floor"],
)
def test_against_floors(edge: tuple[str, str], expected: list[str]) -> None:
    source, target = edge
    assert layout.against_floors(layout.package_graph({source: {target}})) == expected


def test_a_package_cycle_between_acyclic_modules_is_reported(figures: dict[str, object]) -> None:
    # history.read -> releases.lock and releases.site -> history.view: no module
    # cycle, but a package cycle (the one the registry package removed).
    graph = {
        "refsite.history.read": {"refsite.releases.lock"},
        "refsite.releases.lock": set(),
        "refsite.releases.current": {"refsite.history.view"},
        "refsite.history.view": set(),
    }
    assert layout.cycles(graph) == []
    _, over = layout.report({**figures, "graph": graph})
    assert "package cycle: history -> releases" in over


def test_a_module_name_is_used_once_but_for_mirrors(figures: dict[str, object]) -> None:
    modules = figures["modules"]
    assert isinstance(modules, dict)
    # Mirrors are real and allowed: a feature, a command group, an entry point.
    assert {"refsite.mkdocs.features.coverage", "refsite.checks.coverage"} <= set(modules)
    assert {"refsite.cli.history", "refsite.docfixes", "refsite.scaffold.docfixes"} <= set(modules)
    assert layout.names_used_twice(modules) == []
    # Two modules of the same name, neither a mirror, are reported.
    assert layout.names_used_twice([*modules, "refsite.speed.tree"]) == [
        "module name used twice: tree (refsite.checks.tree, refsite.speed.tree)"
    ]
