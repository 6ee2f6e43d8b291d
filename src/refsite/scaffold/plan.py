"""Scaffolding: plan the reference site of any Python package.

:func:`~refsite.scaffold.load.load` reads a package with griffe;
:func:`plan_site` decides what of its public API
(:func:`refsite.checks.coverage.public_api`) the site renders, and how:
each object's kind and place in its module, private modules and shipped test
suites left out. Every public object that loads is documented; what cannot
be loaded (an import from a package the site does not load) goes to the
exclusions, with the reason. What a docstring gets wrong is the docstring's,
never a reason to leave its object out (:mod:`refsite.scaffold.findings`).
The objects are then grouped into pages (:mod:`refsite.scaffold.grouping`).
:mod:`refsite.scaffold.project` turns the plan into files and builds them.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import griffe

from refsite.checks.coverage import Exclusion
from refsite.scaffold.findings import audit, merge
from refsite.scaffold.grouping import first_sentence_of, nav_items
from refsite.scaffold.load import griffe_warnings, rendered, resolve, unresolved_target
from refsite.scaffold.values import Entry, Finding, Loaded, SitePlan

__all__ = ["plan_site"]


LONG_VALUE = 200
"""A constant whose value's source is longer than this is shown without it."""
_STYLES = ("google", "numpy", "sphinx")
_EXCEPTION_BASES = {"BaseException", "Exception", "Warning"}
_TESTS_REASON = "The package's own test suite, not its API."


def plan_site(
    loaded: Loaded,
    *,
    exclude: Mapping[str, str] | None = None,
    found: Iterable[Finding] = (),
) -> SitePlan:
    """Group the public API of ``loaded`` into pages, and find their docstrings' faults.

    ``exclude`` maps public names to leave out to the reason (what a trial
    build found that no finding explains); ``found`` are findings a trial
    build showed that :func:`~refsite.scaffold.findings.audit` does not see.
    """
    collection = loaded.collection
    extra = dict(exclude or {})
    entries: dict[str, list[tuple[int, Entry]]] = {}
    elsewhere: dict[str, list[tuple[str, str]]] = {}
    exclusions: list[Exclusion] = []
    style = _docstring_style(loaded)
    test_suites: set[str] = set()
    for obj in loaded.objects:
        suite = _test_suite(obj.name)
        if suite is not None:
            # A test package shipped inside the package: public by name, not API.
            if suite not in test_suites:
                test_suites.add(suite)
                exclusions.append(Exclusion(f"{_glob_escape(suite)}.*", _TESTS_REASON))
            continue
        reason = extra.get(obj.name)
        target = None if reason else resolve(collection, obj)
        if reason is None and target is None:
            source = unresolved_target(collection, obj)
            top = source.split(".", 1)[0]
            reason = f"Imported from `{top}` ({source}), which this site does not load."
        if reason is not None:
            exclusions.append(Exclusion(pattern=_glob_escape(obj.name), reason=reason))
            continue
        assert target is not None
        module, _, short = obj.name.rpartition(".")
        kind = _kind(target)
        entry = Entry(
            name=obj.name,
            kind=kind,
            hide_value=kind == "constant" and len(str(getattr(target, "value", ""))) > LONG_VALUE,
            filepath=str(target.filepath) if isinstance(target.filepath, Path) else None,
            lines=(target.lineno or 0, target.endlineno or target.lineno or 0),
        )
        entries.setdefault(module, []).append((_position(collection, module, short), entry))
        for other in obj.names[1:]:
            home, _, name = other.rpartition(".")
            elsewhere.setdefault(home, []).append((name, obj.name))
    root = collection.get_member(loaded.package)
    plan = SitePlan(
        package=loaded.package,
        intro=first_sentence_of(root) or f"The API reference of `{loaded.package}`.",
        docstring_style=style,
        exclusions=exclusions,
        distribution=loaded.distribution,
        docs_urls=dict(loaded.docs_urls),
        preload=list(loaded.preload),
    )
    plan.nav = nav_items(collection, loaded.package, entries, elsewhere)
    plan.findings = merge(audit(collection, plan), found)
    return plan


def _test_suite(name: str) -> str | None:
    """The test package or module a public name is in (``pkg.tests``), if any."""
    parts = name.split(".")
    for i, part in enumerate(parts[1:-1], start=1):
        if part == "tests" or part.startswith("test_"):
            return ".".join(parts[: i + 1])
    return None


def _kind(obj: Any) -> str:
    if obj.is_class:
        return "exception" if _is_exception(obj, set()) else "class"
    if obj.is_function:
        return "function"
    return "constant"


def _is_exception(cls: Any, seen: set[str]) -> bool:
    if cls.path in seen:
        return False
    seen.add(cls.path)
    for base in cls.bases:
        name = str(base).rsplit(".", 1)[-1]
        if name in _EXCEPTION_BASES or name.endswith(("Error", "Exception")):
            return True
    try:
        bases = cls.resolved_bases
    except Exception:  # griffe raises several kinds for bases it cannot follow
        return False
    return any(b.is_class and _is_exception(b, seen) for b in bases)


def _position(collection: griffe.ModulesCollection, module: str, name: str) -> int:
    """Where a name comes in its module: ``__all__`` order, else definition order."""
    try:
        members = collection.get_member(module)
    except KeyError:
        return 0
    exports = [str(e) for e in (getattr(members, "exports", None) or [])]
    order = exports or list(members.members)
    return order.index(name) if name in order else len(order)


def _docstring_style(loaded: Loaded) -> str:
    """The docstring style most of the package's docstrings follow (google when unsure)."""
    counts = dict.fromkeys(_STYLES, 0)
    seen = 0
    for obj in loaded.objects:
        target = resolve(loaded.collection, obj)
        if target is None:
            continue
        for item in rendered(target):
            if item.docstring is None or seen >= 400:
                continue
            seen += 1
            with griffe_warnings():
                parser, _ = griffe.infer_docstring_style(item.docstring)
            name = getattr(parser, "value", parser)
            if name in counts:
                counts[str(name)] += 1
    best = max(_STYLES, key=lambda s: counts[s])
    return best if counts[best] else "google"


def _glob_escape(name: str) -> str:
    return glob.escape(name) if any(c in name for c in "*?[") else name
