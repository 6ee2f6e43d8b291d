"""What the documented objects' docstrings get wrong, found before and after a build.

A docstring's faults are the docstring's: the object is documented all the same,
and the fault rendered as well as it can be (:mod:`refsite.scaffold.docfixes`).
:func:`audit` finds them in the plan's docstrings before any build: a
cross-reference to an identifier no page renders, a relative link into the
package's narrative docs, a section griffe cannot split. :func:`from_warnings`
reads the ones it missed from a trial build's warnings. Each is a
:class:`~refsite.scaffold.values.Finding` with its file, line and object and,
where obvious, a fix.
"""

from __future__ import annotations

import builtins
import difflib
import importlib.util
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import griffe

from refsite.scaffold.culprits import clean
from refsite.scaffold.docfixes import links, names_object, narrative_url, refs
from refsite.scaffold.load import griffe_warnings, rendered
from refsite.scaffold.values import DOCSTRING_OPTIONS, Finding, SitePlan

__all__ = ["Shown", "audit", "audit_items", "documented_ids", "from_warnings", "merge", "shown"]

# What a trial build says of a cross-reference autorefs cannot resolve.
_UNRESOLVED = re.compile(
    r"(?:from (?P<file>\S+?):(?P<line>\d+): \((?P<obj>[^)]+)\) )?"
    r"Could not find cross-reference target '(?P<id>[^']+)'"
)
# What MkDocs and refsite's link check say of a relative link no page serves.
_LINK = re.compile(
    r"contains (?:a|an unrecognized relative) link '(?P<link>[^']+)'"
    r"|broken link: \S+: (?P<broken>\S+): no file serves"
)
# What griffe says of a docstring line: "path/to/file.py:12: message".
_LOCATED = re.compile(r"(?P<file>[^\s:]+\.pyi?):(?P<line>\d+): (?P<message>.+)")


@dataclass(frozen=True)
class Shown:
    """A docstring a page renders: its object, and the identifier it is shown under."""

    obj: Any
    identifier: str


def shown(collection: griffe.ModulesCollection, plan: SitePlan) -> Iterator[Shown]:
    """Every object whose docstring the plan's pages render, each once.

    The modules whose docstrings are rendered whole, then each entry with the
    members rendered with it.
    """
    seen: set[int] = set()
    for page in plan.pages:
        for section in page.sections:
            if section.whole and section.module:
                module = _get(collection, section.module)
                if module is not None and id(module) not in seen:
                    seen.add(id(module))
                    yield Shown(module, section.module)
            for entry in section.entries:
                target = _get(collection, entry.name)
                if target is None:
                    continue
                for item in rendered(target):
                    if id(item) not in seen:
                        seen.add(id(item))
                        yield Shown(item, entry.name + item.path[len(target.path) :])


def _get(collection: griffe.ModulesCollection, name: str) -> Any:
    try:
        obj = collection.get_member(name)
        return obj.final_target if obj.is_alias else obj
    except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def documented_ids(items: Iterable[Shown]) -> set[str]:
    """The identifiers cross-references resolve to: those the pages render objects
    under, and each object's canonical path and the other names griffe knows it by."""
    ids: set[str] = set()
    for item in items:
        ids.add(item.identifier)
        ids.add(item.obj.path)
        with suppress(griffe.AliasResolutionError, griffe.CyclicAliasError):
            ids.update(item.obj.aliases)
    return ids


def audit(collection: griffe.ModulesCollection, plan: SitePlan) -> list[Finding]:
    """The faults of every docstring the plan's pages render, in page order."""
    return audit_items(
        list(shown(collection, plan)),
        style=plan.docstring_style,
        ours={plan.package.split(".", 1)[0], *plan.preload},
        docs_urls=plan.docs_urls,
    )


def audit_items(
    items: Sequence[Shown], *, style: str, ours: Set[str], docs_urls: Mapping[str, str]
) -> list[Finding]:
    """The faults of the docstrings of ``items``, everything a site's pages render.

    ``style`` is the docstring style they are parsed in, ``ours`` the top-level
    packages the site documents, ``docs_urls`` their documentation sites.
    """
    known = documented_ids(items)
    by_name: dict[str, list[str]] = {}
    for identifier in known:
        by_name.setdefault(identifier.rpartition(".")[2], []).append(identifier)
    findings: list[Finding] = []
    for item in items:
        docstring = item.obj.docstring
        if docstring is None:
            continue
        file = _file(item.obj)
        start = docstring.lineno or 0
        for ref in refs(docstring.value):
            if ref.as_link and ref.identifier in known:
                findings.append(
                    _narrative(
                        item.obj.path, file, start + ref.line, ref.identifier, None, ref.text
                    )
                )
            elif ref.identifier not in known:
                fix = _suggest(ref.identifier, by_name, ours)
                findings.append(
                    Finding(
                        "unlinked",
                        ref.identifier,
                        item.obj.path,
                        file,
                        start + ref.line,
                        f"cross-reference to `{ref.identifier}`, which this site does not "
                        "document: shown as code",
                        fix,
                    )
                )
        base = docs_urls.get(item.obj.package.name)
        for link in links(docstring.value):
            findings.append(_narrative(item.obj.path, file, start + link.line, link.target, base))
        with griffe_warnings() as problems:
            docstring.parse(style, **DOCSTRING_OPTIONS)
        if problems:
            findings.append(_unparsed(item.obj.path, file, start, problems[0]))
    return findings


def _file(obj: Any) -> str | None:
    return str(obj.filepath) if isinstance(obj.filepath, Path) else None


def _suggest(identifier: str, by_name: dict[str, list[str]], ours: Set[str]) -> str:
    top = identifier.split(".", 1)[0]
    if identifier in vars(builtins):
        return (
            "a Python builtin: add https://docs.python.org/3/objects.inv to the python "
            "handler's `inventories` to link it"
        )
    if "." in identifier and top not in ours and _is_module(top):
        return (
            f"an object of `{top}`: add its objects.inv to the python handler's "
            "`inventories` to link it"
        )
    # The same name elsewhere: a module renamed (textual.filters, now textual.filter),
    # or a name given relative to its module; the public names first.
    same = by_name.get(identifier.rpartition(".")[2], [])
    same = [i for i in same if i.endswith("." + identifier)] or same
    same = [i for i in same if "._" not in i] or same
    close = difflib.get_close_matches(identifier, same, n=1, cutoff=0.0)
    return f"did you mean `{close[0]}`?" if close else ""


def _is_module(name: str) -> bool:
    """Whether a top-level module of that name is installed, or in the standard library."""
    if name in sys.stdlib_module_names:
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _narrative(
    obj: str, file: str | None, line: int, target: str, base: str | None, text: str = "text"
) -> Finding:
    if names_object(target):
        said = f"link to `{target}` written as a URL: rendered as a cross-reference"
        fix = f"write [{text}][{target}]"
    elif base is None:
        said = f"relative link `{target}` into the package's own docs: shown as its text"
        fix = "give the distribution a Documentation URL (Project-URL) to link it there"
    else:
        said, fix = f"relative link `{target}`: leads to {narrative_url(target, base)}", ""
    return Finding("narrative", target, obj, file, line, said, fix)


def _unparsed(obj: str, file: str | None, line: int, problem: str) -> Finding:
    located = _LOCATED.search(problem)
    message = clean(located["message"] if located else problem)
    return Finding(
        "unparsed",
        obj,
        obj,
        file,
        int(located["line"]) if located else line,
        f"griffe cannot parse a section ({message}): shown as it leaves it",
    )


def from_warnings(
    collection: griffe.ModulesCollection, plan: SitePlan, warnings: Sequence[str]
) -> tuple[list[tuple[Finding, str]], list[str]]:
    """The findings a trial build's warnings show, each with its warning, and the
    warnings that show none."""
    items = None
    findings: list[tuple[Finding, str]] = []
    rest: list[str] = []
    for warning in warnings:
        unresolved = _UNRESOLVED.search(warning)
        if unresolved:
            finding = Finding(
                "unlinked",
                unresolved["id"],
                unresolved["obj"] or "?",
                unresolved["file"],
                int(unresolved["line"] or 0),
                f"cross-reference to `{unresolved['id']}`, which this site does not "
                "document: shown as code",
            )
            findings.append((finding, warning))
            continue
        items = items if items is not None else list(shown(collection, plan))
        located = _LOCATED.search(warning)
        if located:
            owner = _docstring_at(items, Path(located["file"]), int(located["line"]))
            if owner is not None:
                findings.append((_unparsed(owner.path, _file(owner), 0, located[0]), warning))
                continue
        link = _LINK.search(warning)
        target = link and (link["link"] or link["broken"])
        owner = _holding(items, f"({target})") if target else None
        if target and owner is not None:
            base = plan.docs_urls.get(owner.package.name)
            line = owner.docstring.lineno or 0
            findings.append((_narrative(owner.path, _file(owner), line, target, base), warning))
            continue
        rest.append(warning)
    return findings, rest


def _holding(items: Iterable[Shown], text: str) -> Any:
    """The first object whose docstring holds ``text``."""
    return next(
        (i.obj for i in items if i.obj.docstring is not None and text in i.obj.docstring.value),
        None,
    )


def _docstring_at(items: Iterable[Shown], path: Path, line: int) -> Any:
    """The object whose docstring spans a line of a file, if a page renders it."""
    path = path.resolve()
    for item in items:
        docstring = item.obj.docstring
        if (
            docstring is not None
            and isinstance(item.obj.filepath, Path)
            and item.obj.filepath.resolve() == path
            and (docstring.lineno or 0) <= line <= (docstring.endlineno or 0)
        ):
            return item.obj
    return None


def merge(*groups: Iterable[Finding]) -> list[Finding]:
    """The findings of several groups, each fault once, in order."""
    out: dict[tuple[str, str, str], Finding] = {}
    for group in groups:
        for finding in group:
            out.setdefault((finding.kind, finding.target, finding.obj), finding)
    return list(out.values())
