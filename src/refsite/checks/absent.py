"""Objects an older release does not have: find them, say so, and relax the contract.

A page written for the newest release may render objects that an older one
lacks (FastAPI's Server-Sent Events arrived in 0.135). In that release the
page's ``:::`` directive becomes a short note instead of a failed build; a
page whose objects are all absent leaves the release's navigation, and the
contract check of that release no longer asks for those pages and anchors.

The build of such a release says what it left out in its folder's
``absent.json``, so that ``refsite check`` of the finished folder relaxes the
contract the same way (:func:`absent_record`, :func:`read_absent`,
:func:`release_contract`).
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import griffe

from refsite import internals
from refsite.checks.tree import NavEntry, TocEntry, Tree

__all__ = [
    "ABSENT_FILE",
    "Absent",
    "AbsentError",
    "absent_note",
    "absent_record",
    "present",
    "present_in",
    "prune_tree",
    "read_absent",
    "release_contract",
    "replace_absent",
]

ABSENT_FILE = "absent.json"
_FORMAT = "refsite-absent/1"


class AbsentError(Exception):
    """A release folder's ``absent.json`` cannot be read; the message says which and why."""


@dataclass(frozen=True)
class Absent:
    """What a release's build left out of the contract."""

    release: str
    objects: frozenset[str]
    """Object paths: their anchors and their members' go."""
    pages: frozenset[str]
    """Page URLs of the tree, left out of the navigation."""


def absent_record(absent: Absent) -> str:
    """The text of ``absent.json`` for ``absent``."""
    data = {
        "format": _FORMAT,
        "release": absent.release,
        "objects": sorted(absent.objects),
        "pages": sorted(absent.pages),
    }
    return json.dumps(data, indent=2) + "\n"


def read_absent(site_dir: Path) -> Absent | None:
    """What the build of the release in ``site_dir`` left out; None without ``absent.json``.

    Raises:
        AbsentError: the file is there but is not such a record.
    """
    path = site_dir / ABSENT_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise AbsentError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise AbsentError(f"{path}: not JSON ({error}); rebuild the release") from None
    if not (
        isinstance(data, dict)
        and data.get("format") == _FORMAT
        and isinstance(data.get("release"), str)
        and all(
            isinstance(data.get(key), list) and all(isinstance(v, str) for v in data[key])
            for key in ("objects", "pages")
        )
    ):
        raise AbsentError(
            f"{path}: not a {_FORMAT} record (format, release, objects, pages); rebuild the release"
        )
    return Absent(data["release"], frozenset(data["objects"]), frozenset(data["pages"]))


# A `:::` line (optionally after a heading marker) and the indented option lines under it.
_BLOCK = r"^(?:#{{1,6}} *)?::: ?{name} *(?:\n|\Z)(?:[ \t]+\S.*(?:\n|\Z))*"


def present(identifiers: Iterable[str], folders: Sequence[Path]) -> set[str]:
    """Which of ``identifiers`` the packages found in ``folders`` define.

    Read statically with griffe; a re-export counts even when its target lives
    in a package that is not loaded.
    """
    wanted = list(dict.fromkeys(identifiers))
    loader = griffe.GriffeLoader(search_paths=list(folders), allow_inspection=False)
    # A probe, not the build's own load: what griffe finds odd in the sources
    # (an annotation naming a package that is not loaded) is no build problem.
    with _quiet_griffe():
        for top in dict.fromkeys(i.split(".", 1)[0] for i in wanted):
            try:
                loader.load(top, try_relative_path=False)
            except (ImportError, OSError, griffe.LoadingError):
                continue
    return present_in(loader.modules_collection, wanted)


def present_in(collection: griffe.ModulesCollection, identifiers: Iterable[str]) -> set[str]:
    """Which of ``identifiers`` the modules loaded in ``collection`` define."""
    found: set[str] = set()
    for identifier in identifiers:
        try:
            collection.get_member(identifier)
        except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            continue
        found.add(identifier)
    return found


@contextlib.contextmanager
def _quiet_griffe() -> Iterator[None]:
    """Silence griffe's logger (which mkdocstrings may have wrapped in an adapter)."""
    target = internals.griffe_logger() if internals.usable("quiet-griffe") else None
    if target is None:
        yield
        return
    disabled, target.disabled = target.disabled, True
    try:
        yield
    finally:
        target.disabled = disabled


def absent_note(identifier: str, package: str, version: str, first_with: str | None) -> str:
    """What stands for ``identifier`` in a release that lacks it.

    Raw HTML in Material's admonition classes, so it needs no Markdown
    extension of the site's.
    """
    name = f"<code>{html.escape(identifier)}</code>"
    if first_with is None:
        body = f"{name} is not part of this release."
    else:
        body = (
            f"{name} was added in a later release: the oldest documented "
            f"release that has it is {html.escape(package)} {html.escape(first_with)}."
        )
    return (
        '<div class="admonition note refsite-absent">\n'
        f'<p class="admonition-title">Not in {html.escape(package)} {html.escape(version)}</p>\n'
        f"<p>{body}</p>\n</div>\n\n"
    )


def replace_absent(markdown: str, notes: Mapping[str, str]) -> str:
    """``markdown`` with the ``:::`` block of each identifier in ``notes`` replaced by its note.

    A cross-reference to one of them or its members (``[`name`][pkg.name]``,
    ``[pkg.name][]``) becomes its text: the release has no heading to link to.
    """
    for identifier, note in notes.items():
        pattern = re.compile(_BLOCK.format(name=re.escape(identifier)), re.MULTILINE)
        markdown = pattern.sub(lambda _m, n=note: n, markdown)  # type: ignore[misc]
        name = re.escape(identifier) + r"(?:\.\w+)*"
        link = re.compile(rf"\[([^\[\]]*)\]\[{name}\]|\[({name})\]\[\]")
        markdown = link.sub(lambda m: m[1] if m[1] is not None else m[2], markdown)
    return markdown


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+")


def declared_objects(tree: Tree) -> set[str]:
    """The anchors of ``tree`` that are dotted object paths (mkdocstrings' heading ids)."""

    def toc(entries: tuple[TocEntry, ...]) -> Iterator[str]:
        for entry in entries:
            yield entry.anchor
            yield from toc(entry.children)

    def nav(entries: tuple[NavEntry, ...]) -> Iterator[str]:
        for entry in entries:
            yield from entry.anchors
            yield from toc(entry.toc)
            yield from nav(entry.children)

    return {anchor for anchor in nav(tree.entries) if _IDENTIFIER.fullmatch(anchor)}


def prune_tree(tree: Tree, absent: Collection[str], hidden: Collection[str]) -> Tree:
    """``tree`` without the pages in ``hidden`` and the anchors of ``absent`` objects.

    An anchor goes when it is an absent object or one of its members.
    """

    def gone(anchor: str) -> bool:
        return any(anchor == a or anchor.startswith(a + ".") for a in absent)

    def toc(entries: tuple[TocEntry, ...]) -> tuple[TocEntry, ...]:
        return tuple(replace(e, children=toc(e.children)) for e in entries if not gone(e.anchor))

    def nav(entries: tuple[NavEntry, ...]) -> tuple[NavEntry, ...]:
        kept = []
        for entry in entries:
            if entry.url is not None and entry.url in hidden and not entry.children:
                continue
            kept.append(
                replace(
                    entry,
                    children=nav(entry.children),
                    anchors=tuple(a for a in entry.anchors if not gone(a)),
                    toc=toc(entry.toc),
                )
            )
        return tuple(kept)

    return replace(tree, entries=nav(tree.entries))


def release_contract(tree: Tree, absent: Absent | None) -> Tree:
    """The contract of a release: ``tree`` without what its build left out (``absent``).

    The one relaxation, whether the build knows ``absent`` itself or ``refsite
    check`` reads it from the release folder's ``absent.json``.
    """
    return tree if absent is None else prune_tree(tree, absent.objects, absent.pages)
