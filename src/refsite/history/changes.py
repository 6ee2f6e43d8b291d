"""The differences between two snapshots of a public API, and which of them break code.

:func:`compare` lists what a reader upgrading from one release to the next
needs: objects added and removed, import names added and removed, kind
changes, parameters added, removed, renamed and changed (kind, default,
annotation), return annotations, attribute annotations, bases, and new
deprecations.

Which changes break callers is griffe's verdict: each pair of matched
callables is rebuilt as griffe objects from the snapshot data and given to
:func:`griffe.find_breaking_changes`. Where refsite differs from it:

- a renamed parameter (one removed and one added at the same position, of
  the same kind) is one change, breaking as griffe says the removal is;
- a removed import name is breaking even when the object stays importable
  under another name (griffe reports it as a removed alias, too);
- annotation changes are reported but never breaking (griffe does not judge
  them either); a changed default is breaking, as griffe says, except when
  the old or new default is a private sentinel (``_Unset``: "not given");
- changes to private parameters (``_name``) are listed, never breaking;
- a base class replaced by another is reported; griffe only calls it breaking
  when the class has fewer bases than before, and so does refsite.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import griffe

from refsite.history.model import History
from refsite.history.since import match_keys
from refsite.history.snapshot import KINDS, Snapshot

__all__ = [
    "Change",
    "ReleaseChanges",
    "changes_from_data",
    "changes_page",
    "changes_to_data",
    "compare",
    "format_json",
    "format_markdown",
    "history_changes",
    "release_markdown",
]

_KIND_OF = {short: kind for kind, short in KINDS.items()}


@dataclass(frozen=True)
class Change:
    """One difference between two snapshots."""

    kind: str
    """What changed: ``added``, ``removed``, ``kind``, ``name-added``, ``name-removed``,
    ``parameter-added``, ``parameter-removed``, ``parameter-renamed``,
    ``parameter-kind``, ``parameter-moved``, ``parameter-required``, ``default``,
    ``annotation``, ``returns``, ``bases``, ``deprecated``, ``parameter-deprecated``."""
    key: str
    """The object: its key in the newer snapshot, or in the older one when removed."""
    parameter: str = ""
    """The parameter concerned, if any (the new name when renamed)."""
    old: str | None = None
    new: str | None = None
    breaking: bool = False
    in_old: bool = False
    """The object is described by the older snapshot (removed), not the newer."""


@dataclass(frozen=True)
class ReleaseChanges:
    """The changes a release made against the one before it."""

    version: str
    previous: str
    changes: list[Change]


def compare(old: Snapshot, new: Snapshot) -> list[Change]:
    """Every difference from ``old`` to ``new``, breaking ones marked."""
    matched = match_keys(old, new)
    changes: list[Change] = []
    old_matched = set(matched.values())
    # Members of an added or removed class come and go with it: one entry.
    old_keys = {o: n for n, o in matched.items()}
    for key in sorted(new):
        if key in matched or _comes_with_parent(key, new, matched.keys()):
            continue
        if _inherited(key, new, old, old_keys):
            continue  # now defined by the class itself: it had it before, inherited
        changes.append(Change("added", key))
    for key in sorted(old):
        if key in old_matched or _comes_with_parent(key, old, old_matched):
            continue
        if _inherited(key, old, new, matched):
            continue  # moved up to a base class: still there, as griffe sees it
        changes.append(Change("removed", key, breaking=True, in_old=True))
    for key in sorted(matched):
        changes.extend(_changed(key, old[matched[key]], new[key]))
    return changes


def _inherited(key: str, here: Snapshot, there: Snapshot, matched: dict[str, str]) -> bool:
    """Whether a member of a class in ``here`` is inherited by that class in ``there``.

    ``matched`` maps keys of ``there`` to keys of ``here``. griffe compares
    all members, inherited ones included: a member moved to or from a base
    class is neither removed nor added.
    """
    if "names" in here[key]:
        return False
    parent, _, member = key.rpartition(".")
    other = next((k for k, o in matched.items() if o == parent), None)
    return other is not None and member in there[other].get("inherits", [])


def _comes_with_parent(key: str, snapshot: Snapshot, matched: Container[str]) -> bool:
    """Whether ``key`` is a member of a class that is itself added or removed."""
    if "names" in snapshot[key]:
        return False
    parent = key.rpartition(".")[0]
    return parent in snapshot and parent not in matched


def _changed(key: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    if old == new:
        return []  # most objects, in most releases: compared in C, not field by field
    out: list[Change] = []
    if old["kind"] != new["kind"]:
        return [Change("kind", key, old=old["kind"], new=new["kind"], breaking=True)]
    old_names, new_names = set(old.get("names", [])), set(new.get("names", []))
    out += [Change("name-added", key, new=n) for n in sorted(new_names - old_names)]
    out += [
        Change("name-removed", key, old=n, breaking=True, in_old=True)
        for n in sorted(old_names - new_names)
    ]
    if "params" in old and "params" in new and old["params"] != new["params"]:
        out += _parameter_changes(key, old["params"], new["params"])
    if old.get("returns") != new.get("returns"):
        out.append(Change("returns", key, old=old.get("returns"), new=new.get("returns")))
    if old.get("annotation") != new.get("annotation"):
        out.append(Change("annotation", key, old=old.get("annotation"), new=new.get("annotation")))
    old_bases, new_bases = old.get("bases", []), new.get("bases", [])
    if old_bases != new_bases:
        fewer = len(new_bases) < len(old_bases)
        out.append(
            Change("bases", key, old=", ".join(old_bases), new=", ".join(new_bases), breaking=fewer)
        )
    if "deprecated" in new and "deprecated" not in old:
        out.append(Change("deprecated", key, new=new["deprecated"]))
    old_dep, new_dep = old.get("deprecated_params", {}), new.get("deprecated_params", {})
    params = {p[0] for p in new.get("params", [])} & {p[0] for p in old.get("params", [])}
    out += [
        Change("parameter-deprecated", key, parameter=name, new=message)
        for name, message in sorted(new_dep.items())
        if name not in old_dep and name in params
    ]
    return out


def _parameter_changes(key: str, old: list[list[Any]], new: list[list[Any]]) -> list[Change]:
    verdicts = _griffe_breakages(old, new)
    old_by, new_by = {p[0]: p for p in old}, {p[0]: p for p in new}
    removed = [p for p in old if p[0] not in new_by]
    added = [p for p in new if p[0] not in old_by]
    out: list[Change] = []
    # A parameter removed where one of the same kind is added, at the same
    # position: a rename.
    for before in list(removed):
        index = old.index(before)
        after = new[index] if index < len(new) else None
        if after is None or after not in added or after[1] != before[1]:
            continue
        breaking = bool(verdicts.pop((griffe.BreakageKind.PARAMETER_REMOVED, before[0]), None))
        verdicts.pop((griffe.BreakageKind.PARAMETER_ADDED_REQUIRED, after[0]), None)
        out.append(
            Change("parameter-renamed", key, after[0], before[0], after[0], breaking=breaking)
        )
        removed.remove(before)
        added.remove(after)
    for param in removed:
        breaking = bool(verdicts.pop((griffe.BreakageKind.PARAMETER_REMOVED, param[0]), None))
        out.append(Change("parameter-removed", key, param[0], old=_param(param), breaking=breaking))
    for param in added:
        breaking = bool(
            verdicts.pop((griffe.BreakageKind.PARAMETER_ADDED_REQUIRED, param[0]), None)
        )
        out.append(Change("parameter-added", key, param[0], new=_param(param), breaking=breaking))
    for name, before in old_by.items():
        if name not in new_by:
            continue
        after = new_by[name]
        if before[1] != after[1]:
            breaking = bool(verdicts.pop((griffe.BreakageKind.PARAMETER_CHANGED_KIND, name), None))
            out.append(
                Change(
                    "parameter-kind",
                    key,
                    name,
                    _KIND_OF[before[1]].value,
                    _KIND_OF[after[1]].value,
                    breaking,
                )
            )
        if before[3] != after[3]:
            breaking = bool(
                verdicts.pop((griffe.BreakageKind.PARAMETER_CHANGED_DEFAULT, name), None)
            )
            required = verdicts.pop((griffe.BreakageKind.PARAMETER_CHANGED_REQUIRED, name), None)
            kind = "parameter-required" if required else "default"
            out.append(Change(kind, key, name, before[3], after[3], breaking or bool(required)))
        if before[2] != after[2]:
            out.append(Change("annotation", key, name, before[2], after[2]))
    # What griffe finds beyond the above (a parameter moved to another position).
    for (breakage_kind, name), breakage in sorted(verdicts.items(), key=lambda i: i[0][1]):
        if breakage_kind is griffe.BreakageKind.PARAMETER_MOVED:
            out.append(
                Change("parameter-moved", key, name, new=breakage.details or None, breaking=True)
            )
    return [replace(c, breaking=False) if c.breaking and _harmless(c) else c for c in out]


_PRIVATE = re.compile(r"(?:\w+\.)*_\w*")


def _harmless(change: Change) -> bool:
    """Where refsite overrules griffe: changes no caller of the public API can notice.

    A private parameter (``_concurrency``) is not part of the API. A default
    that becomes (or stops being) a private sentinel such as ``_Unset`` means
    "not given" either way: callers who leave the argument out are not told
    apart by it.
    """
    named = change.old if change.kind == "parameter-renamed" else change.parameter
    if named and named.startswith("_"):
        return True
    return change.kind == "default" and any(
        v is not None and _PRIVATE.fullmatch(v) for v in (change.old, change.new)
    )


def _param(param: Sequence[Any]) -> str:
    name, kind, annotation, default = param
    prefix = "*" if kind == "*" else "**" if kind == "**" else ""
    text = f"{prefix}{name}"
    if annotation is not None:
        text += f": {annotation}"
    if default is not None and not prefix:  # griffe gives *args () and **kwargs {}
        text += f" = {default}" if annotation is not None else f"={default}"
    return text


def _griffe_breakages(
    old: list[list[Any]], new: list[list[Any]]
) -> dict[tuple[griffe.BreakageKind, str], griffe.Breakage]:
    """griffe's breaking changes between two signatures, by (kind, parameter name)."""
    modules = []
    for params in (old, new):
        module = griffe.Module("api")
        function = griffe.Function(
            "f",
            parameters=griffe.Parameters(
                *(
                    griffe.Parameter(
                        name, annotation=annotation, kind=_KIND_OF[kind], default=default
                    )
                    for name, kind, annotation, default in params
                )
            ),
        )
        module.set_member("f", function)
        modules.append(module)
    found: dict[tuple[griffe.BreakageKind, str], griffe.Breakage] = {}
    for breakage in griffe.find_breaking_changes(modules[0], modules[1]):
        value = breakage.new_value if breakage.old_value is None else breakage.old_value
        name = getattr(value, "name", "")
        found.setdefault((breakage.kind, name), breakage)
    return found


# --- Across a history ------------------------------------------------------------


def changes_to_data(changes: list[ReleaseChanges]) -> list[Any]:
    """:func:`history_changes` as plain data (for a cache)."""
    return [[c.version, c.previous, [asdict(x) for x in c.changes]] for c in changes]


def changes_from_data(data: list[Any]) -> list[ReleaseChanges]:
    """The inverse of :func:`changes_to_data`."""
    return [ReleaseChanges(v, p, [Change(**x) for x in items]) for v, p, items in data]


def history_changes(history: History) -> list[ReleaseChanges]:
    """The changes of every release of ``history`` against the one before, newest first."""
    versions = history.versions()
    out = [
        ReleaseChanges(versions[i], versions[i - 1], compare(history.snapshots[i - 1], snapshot))
        for i, snapshot in enumerate(history.snapshots)
        if i
    ]
    out.reverse()
    return out


# --- Rendering -----------------------------------------------------------------

Linker = Callable[[Change], str | None]
"""Returns the reference to link a change's object with, or None for plain text."""

_ORDER = [
    "removed",
    "name-removed",
    "kind",
    "added",
    "name-added",
    "parameter-added",
    "parameter-removed",
    "parameter-renamed",
    "parameter-required",
    "parameter-kind",
    "parameter-moved",
    "default",
    "annotation",
    "returns",
    "bases",
    "deprecated",
    "parameter-deprecated",
]


def describe(change: Change) -> str:
    """A change in words (Markdown, without the object's name)."""
    c = change
    param = f"parameter `{c.parameter}`"
    texts = {
        "added": "added",
        "removed": "removed",
        "kind": f"is now a {c.new} (was a {c.old})",
        "name-added": f"also importable as `{c.new}`",
        "name-removed": f"no longer importable as `{c.old}`",
        "parameter-added": f"{param} added: `{c.new}`",
        "parameter-removed": f"{param} removed (was `{c.old}`)",
        "parameter-renamed": f"parameter `{c.old}` renamed to `{c.new}`",
        "parameter-required": f"{param} is now required (its default was `{c.old}`)",
        "parameter-kind": f"{param} is now {c.new} (was {c.old})",
        "parameter-moved": f"{param} moved ({c.new})",
        "default": (
            f"{param} is now optional (default `{c.new}`)"
            if c.old is None
            else f"{param} no longer has a default (was `{c.old}`)"
            if c.new is None
            else f"default of {param} changed from `{c.old}` to `{c.new}`"
        ),
        "annotation": _annotation_text(c),
        "returns": f"return annotation changed from `{c.old}` to `{c.new}`",
        "bases": f"bases changed from `{c.old or 'none'}` to `{c.new or 'none'}`",
        "deprecated": f"deprecated: {c.new}" if c.new else "deprecated",
        "parameter-deprecated": f"{param} deprecated: {c.new}" if c.new else f"{param} deprecated",
    }
    return texts[c.kind]


def _annotation_text(change: Change) -> str:
    subject = f"annotation of parameter `{change.parameter}`" if change.parameter else "annotation"
    if change.old is None:
        return f"{subject} added: `{change.new}`"
    if change.new is None:
        return f"{subject} removed (was `{change.old}`)"
    return f"{subject} changed from `{change.old}` to `{change.new}`"


def _sorted(changes: Iterable[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: (not c.breaking, _ORDER.index(c.kind), c.key, c.parameter))


def _entry(change: Change, link: Linker) -> str:
    reference = link(change)
    name = f"`{change.key}`"
    if reference is not None:
        name = f'<autoref identifier="{reference}" optional><code>{change.key}</code></autoref>'
    mark = "**breaking**: " if change.breaking else ""
    return f"- {mark}{name}: {describe(change)}"


def release_markdown(
    release: ReleaseChanges, *, package: str, link: Linker, level: int = 2, ids: bool = False
) -> str:
    """One release's section: a heading naming it and one bullet per change."""
    hashes = "#" * level
    anchor = f"{package}-{release.version}".replace(".", "-")
    breaking = sum(c.breaking for c in release.changes)
    # With attr_list the heading gets a readable id: fastapi-0-117-0.
    suffix = f" {{ #{anchor} }}" if ids else ""
    lines = [f"{hashes} {package} {release.version}{suffix}", ""]
    summary = f"Against {release.previous}: {len(release.changes)} change(s)"
    lines.append(summary + (f", {breaking} breaking." if breaking else "."))
    lines.append("")
    lines += [_entry(c, link) for c in _sorted(release.changes)]
    return "\n".join(lines)


def format_markdown(
    releases: Sequence[ReleaseChanges],
    *,
    package: str,
    link: Linker = lambda change: None,
    level: int = 2,
    ids: bool = False,
) -> str:
    """Releases newest first; consecutive releases without a change share one line."""
    out: list[str] = []
    quiet: list[str] = []

    def flush() -> None:
        if quiet:
            out.append(f"No public API change in {package} {', '.join(quiet)}.")
            out.append("")
            quiet.clear()

    for release in releases:
        if not release.changes:
            quiet.append(release.version)
            continue
        flush()
        out.append(release_markdown(release, package=package, link=link, level=level, ids=ids))
        out.append("")
    flush()
    return "\n".join(out).strip() + "\n"


def format_json(releases: Sequence[ReleaseChanges]) -> str:
    """Releases and their changes as JSON."""
    data = [
        {
            "version": r.version,
            "previous": r.previous,
            "changes": [
                {
                    k: v
                    for k, v in asdict(c).items()
                    if v not in (None, "", False) or k == "breaking"
                }
                for c in _sorted(r.changes)
            ],
        }
        for r in releases
    ]
    return json.dumps(data, indent=2)


def changes_page(
    history: History, *, ids: bool = False, changes: list[ReleaseChanges] | None = None
) -> str:
    """The Markdown of a site's changes page: every release of ``history``, newest first.

    An object is linked (an optional cross-reference, plain text when the site
    has no such anchor) when the last release of the history, the one the
    site documents, still has it. ``changes`` is ``history_changes(history)``
    if the caller has it.
    """
    if not history.releases:
        return "The API history is empty."
    last = history.snapshots[-1]

    def link(change: Change) -> str | None:
        return change.key if change.key in last else None

    versions = history.versions()
    intro = (
        f"{len(versions)} releases of {history.package}, {versions[0]} to {versions[-1]}, "
        "each compared with the release before it."
    )
    if changes is None:
        changes = history_changes(history)
    body = format_markdown(changes, package=history.package, link=link, ids=ids)
    return f"{intro}\n\n{body}"
