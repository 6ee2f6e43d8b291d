"""Measure the shape of ``src/refsite``: sizes, import cycles, MkDocs imports.

Run through ``scripts/layout``. Prints the figures and every place over a
limit: a module over 500 lines, a class over 250, a function over 80, the
plugin module over 200, an import cycle between refsite's modules or between
its packages, an import against the packages' floors (:data:`FLOORS`: a
package imports only from floors below its own; imports inside functions
count too), or a module outside the adapters named below importing MkDocs
(or mkdocstrings, autorefs or Material, whose packages load MkDocs). Exits 1
when any limit is passed, so CI can hold the line; ``--json`` prints the figures for a note.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "refsite"
LIMITS = {"module": 500, "class": 250, "function": 80, "plugin": 200}
PLUGIN = "refsite.mkdocs.plugin"
# Modules that adapt MkDocs objects, outside refsite.mkdocs: the speed-ups that
# replay MkDocs' own pages and the MkDocs side of one release.
MKDOCS_ADAPTERS = (
    "refsite.mkdocs",
    "refsite.speed",
    "refsite.cli",
    # The one place that touches upstream private parts: it imports them only
    # inside the functions that need them, so a pure package may ask it too.
    "refsite.internals",
)
FLOORS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("internals", "registry"),
    ("checks",),
    ("examples", "extras", "history"),
    ("speed",),
    ("releases",),
    ("scaffold",),
    ("mkdocs",),
    ("cli",),
    # The entry points: ``python -m refsite``, the names a site writes in
    # mkdocs.yml for the griffe extensions (``refsite.docfixes``...) and
    # ``refsite`` itself, each re-exporting what lies below.
    ("refsite", "__main__", "docfixes", "docstring_links", "hidden_lines",
     "optional_imports", "sourcelinks"),
)  # fmt: skip
"""refsite's packages, lowest first. A package imports from floors below its own
and never from another package on its floor, so each can be read knowing only
what lies beneath it (ARCHITECTURE.md, "The floors")."""
# Importing any of these loads MkDocs (mkdocstrings' package loads its plugin).
MKDOCS_PACKAGES = ("mkdocs", "mkdocstrings", "mkdocs_autorefs", "material")
# Pure modules that import mkdocstrings for its objects.inv reader alone
# (``Inventory``): MkDocs is loaded as a library, no build is run or needed.
INVENTORY_READERS = (
    "refsite.checks.coverage",
    "refsite.extras.inventories",
    "refsite.extras.search",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(tree: ast.AST, name: str, is_package: bool) -> set[str]:
    """refsite modules this module imports, at any depth (functions included)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {n for n in found if n == "refsite" or n.startswith("refsite.")}


def spans(tree: ast.AST) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    classes, functions = [], []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        size = (node.end_lineno or node.lineno) - node.lineno + 1
        if isinstance(node, ast.ClassDef):
            classes.append((node.name, size))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions.append((node.name, size))
    return classes, functions


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def measure() -> dict[str, object]:
    known = {module_name(p) for p in PACKAGE.rglob("*.py")}
    modules: dict[str, int] = {}
    graph: dict[str, set[str]] = {}
    classes: list[tuple[str, str, int]] = []
    functions: list[tuple[str, str, int]] = []
    mkdocs_importers: list[str] = []
    mkdocs_imports: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        modules[name] = len(text.splitlines())
        # A package's __init__ runs on any import below it; a module imported
        # as "refsite.x.y" also depends on "refsite.x": only module edges count.
        graph[name] = set()
        for target in imports(tree, name, path.name == "__init__.py"):
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and target != "refsite":
                graph[name].add(target)
        c, f = spans(tree)
        classes += [(name, n, s) for n, s in c]
        functions += [(name, n, s) for n, s in f]
        loaded = {
            (a.name if isinstance(node, ast.Import) else (node.module or "")).split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom) and not getattr(node, "level", 0)
            for a in node.names
        }
        if loaded & set(MKDOCS_PACKAGES):
            mkdocs_importers.append(name)
            mkdocs_imports[name] = sorted(loaded & set(MKDOCS_PACKAGES))
    return {
        "modules": modules,
        "graph": graph,
        "classes": classes,
        "functions": functions,
        "mkdocs_importers": mkdocs_importers,
        "mkdocs_imports": mkdocs_imports,
    }


def package_of(module: str) -> str:
    """The package a module belongs to: ``refsite.speed.kept_pages`` -> ``speed``.

    A module at the top (``refsite.docfixes``) is its own; ``refsite`` is ``refsite``.
    """
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def package_graph(graph: dict[str, set[str]]) -> dict[str, dict[str, list[str]]]:
    """Package -> the packages it imports -> the module imports that make each edge."""
    out: dict[str, dict[str, list[str]]] = {}
    for module, targets in graph.items():
        edges = out.setdefault(package_of(module), {})
        for target in sorted(targets):
            if package_of(target) != package_of(module):
                edges.setdefault(package_of(target), []).append(f"{module} -> {target}")
    return out


def mkdocs_outside_adapters(importers: list[str], loads: dict[str, list[str]]) -> list[str]:
    """Each module outside the adapters that imports MkDocs (an inventory reader: mkdocstrings)."""
    return [
        f"pure module imports MkDocs: {m} ({', '.join(loads.get(m, []))})"
        for m in importers
        if not m.startswith(MKDOCS_ADAPTERS)
        and not (m in INVENTORY_READERS and loads.get(m) == ["mkdocstrings"])
    ]


def mirror(module: str) -> bool:
    """A feature or a command group (named after the concern it adapts), or an entry point."""
    return module.startswith(("refsite.mkdocs.features.", "refsite.cli.")) or module.count(".") == 1


def names_used_twice(modules: Iterable[str]) -> list[str]:
    """Each module name that two modules carry, neither of them a mirror of the other."""
    by_name: dict[str, list[str]] = {}
    for module in modules:
        by_name.setdefault(module.rpartition(".")[2], []).append(module)
    return [
        f"module name used twice: {name} ({', '.join(sorted(found))})"
        for name, found in sorted(by_name.items())
        if len([m for m in found if not mirror(m)]) > 1
    ]


def floor_of(package: str) -> int | None:
    return next((i for i, floor in enumerate(FLOORS) if package in floor), None)


def against_floors(packages: dict[str, dict[str, list[str]]]) -> list[str]:
    """Every import of a package on the same floor or above, and every package without one."""
    over = [
        f"package {p} has no floor: add it to FLOORS in scripts/layout.py and ARCHITECTURE.md"
        for p in sorted(packages)
        if floor_of(p) is None
    ]
    for package, edges in sorted(packages.items()):
        here = floor_of(package)
        for target, why in sorted(edges.items()):
            there = floor_of(target)
            if here is None or there is None or there < here:
                continue
            side = "its own floor" if there == here else "a floor above"
            over += [f"import against the floors ({package} -> {target}, {side}): {w}" for w in why]
    return over


def report(figures: dict[str, object]) -> tuple[list[str], list[str]]:
    modules: dict[str, int] = figures["modules"]  # type: ignore[assignment]
    classes: list[tuple[str, str, int]] = figures["classes"]  # type: ignore[assignment]
    functions: list[tuple[str, str, int]] = figures["functions"]  # type: ignore[assignment]
    graph: dict[str, set[str]] = figures["graph"]  # type: ignore[assignment]
    importers: list[str] = figures["mkdocs_importers"]  # type: ignore[assignment]
    loads: dict[str, list[str]] = figures["mkdocs_imports"]  # type: ignore[assignment]
    found = cycles(graph)
    packages = package_graph(graph)
    package_cycles = cycles({p: set(edges) for p, edges in packages.items()})
    big_module = max(modules.items(), key=lambda kv: kv[1])
    big_class = max(classes, key=lambda t: t[2])
    big_function = max(functions, key=lambda t: t[2])
    lines = [
        f"modules: {len(modules)}, lines: {sum(modules.values())}",
        f"largest module: {big_module[0]} ({big_module[1]} lines)",
        f"largest class: {big_class[0]}.{big_class[1]} ({big_class[2]} lines)",
        f"largest function: {big_function[0]}.{big_function[1]} ({big_function[2]} lines)",
        f"plugin module: {PLUGIN} ({modules.get(PLUGIN, 0)} lines)",
        f"import cycles: {len(found)}",
        f"package cycles: {len(package_cycles)}",
        "floors: " + " < ".join("/".join(floor) for floor in FLOORS[:-1]) + " < entry points",
        f"modules importing MkDocs: {len(importers)}",
    ]
    over = [
        f"module {m}: {n} lines > {LIMITS['module']}"
        for m, n in modules.items()
        if n > LIMITS["module"]
    ]
    over += [
        f"class {m}.{c}: {n} lines > {LIMITS['class']}"
        for m, c, n in classes
        if n > LIMITS["class"]
    ]
    over += [
        f"function {m}.{f}: {n} lines > {LIMITS['function']}"
        for m, f, n in functions
        if n > LIMITS["function"]
    ]
    if modules.get(PLUGIN, 0) > LIMITS["plugin"]:
        over.append(f"plugin module {PLUGIN}: {modules[PLUGIN]} lines > {LIMITS['plugin']}")
    over += [f"import cycle: {' -> '.join(c)}" for c in found]
    over += [f"package cycle: {' -> '.join(c)}" for c in package_cycles]
    over += against_floors(packages)
    over += names_used_twice(m for m in modules if m.count(".") >= 1)
    over += mkdocs_outside_adapters(importers, loads)
    return lines, over


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--src", type=Path, help="another checkout's src/refsite to measure")
    args = parser.parse_args()
    if args.src is not None:
        global PACKAGE
        PACKAGE = args.src.resolve()
    figures = measure()
    lines, over = report(figures)
    if args.json:
        print(json.dumps({"summary": lines, "over": over}, indent=2))
    else:
        print("\n".join(lines))
        for item in over:
            print(f"over a limit: {item}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
