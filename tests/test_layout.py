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
    assert "refsite.scaffold.model" in graph["refsite.scaffold.project"]
    assert layout.cycles(graph) == []


def test_only_the_mkdocs_adapters_import_mkdocs(figures: dict[str, object]) -> None:
    importers = figures["mkdocs_importers"]
    assert isinstance(importers, list)
    assert "refsite.mkdocs.plugin" in importers  # the detection sees a real import
    assert [m for m in importers if not m.startswith(layout.MKDOCS_ADAPTERS)] == []


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


def test_no_pure_package_depends_on_the_mkdocs_side(figures: dict[str, object]) -> None:
    graph = figures["graph"]
    assert isinstance(graph, dict)
    # The detection sees real edges: a pure package asks internals, the plugin a pure one.
    assert "refsite.internals" in graph["refsite.checks.absent"]
    assert "refsite.checks.absent" in graph["refsite.mkdocs.features.release"]
    _, over = layout.report(figures)
    assert [line for line in over if "MkDocs side" in line] == []
    # One edge the other way round is reported.
    wrong = {
        **graph,
        "refsite.checks.site": {*graph["refsite.checks.site"], "refsite.mkdocs.build"},
    }
    _, over = layout.report({**figures, "graph": wrong})
    assert [line for line in over if "MkDocs side" in line] == [
        "pure module depends on the MkDocs side: refsite.checks.site -> refsite.mkdocs.build"
    ]
