"""Read the declared navigation tree: the contract a reference site must meet.

A tree file is YAML (see ``navtree.yml`` at the repository root for the format).
This module turns it into frozen values and rejects a malformed file with a
:class:`TreeError` that names the file, the entry and what to change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from refsite.core.yamlfile import LOADER, yaml_problem

__all__ = ["NavEntry", "TocEntry", "Tree", "TreeError", "load_tree", "parse_tree"]

_ENTRY_KEYS = {"label", "url", "upstream", "children", "anchors", "toc", "seed"}
_TOC_KEYS = {"label", "anchor", "children", "seed"}


class TreeError(ValueError):
    """A tree file that cannot be used; the message says where and what to change."""


@dataclass(frozen=True)
class TocEntry:
    """A heading that must appear in a page's table of contents."""

    label: str
    anchor: str
    children: tuple[TocEntry, ...] = ()


@dataclass(frozen=True)
class NavEntry:
    """One entry of the primary navigation.

    ``url`` is a page of the site (a path from the site root); ``upstream`` a
    path on the upstream site. A section (an entry with children) may have
    either, or neither when it is only a label.
    """

    label: str
    url: str | None = None
    upstream: str | None = None
    children: tuple[NavEntry, ...] = ()
    anchors: tuple[str, ...] = ()
    toc: tuple[TocEntry, ...] = ()

    @property
    def is_section(self) -> bool:
        """Whether the entry groups other entries."""
        return bool(self.children)


@dataclass(frozen=True)
class Tree:
    """A declared navigation tree."""

    upstream_root: str
    entries: tuple[NavEntry, ...]

    def target(self, entry: NavEntry) -> str | None:
        """Where an entry leads: a site path, an absolute upstream URL, or None."""
        if entry.url is not None:
            return entry.url
        if entry.upstream is not None:
            return self.upstream_root.rstrip("/") + "/" + entry.upstream.lstrip("/")
        return None

    def walk(self) -> Iterator[NavEntry]:
        """Every entry, depth first, in declared order."""

        def _walk(entries: tuple[NavEntry, ...]) -> Iterator[NavEntry]:
            for entry in entries:
                yield entry
                yield from _walk(entry.children)

        return _walk(self.entries)

    def pages(self) -> list[NavEntry]:
        """The entries that are pages of this site, one per URL.

        A section's index page is declared twice (on the section and as its
        first child); the anchors and toc of both are merged.
        """
        merged: dict[str, NavEntry] = {}
        for entry in self.walk():
            if entry.url is None:
                continue
            seen = merged.get(entry.url)
            if seen is None:
                merged[entry.url] = NavEntry(
                    label=entry.label, url=entry.url, anchors=entry.anchors, toc=entry.toc
                )
            else:
                merged[entry.url] = NavEntry(
                    label=seen.label,
                    url=seen.url,
                    anchors=seen.anchors + tuple(a for a in entry.anchors if a not in seen.anchors),
                    toc=seen.toc + entry.toc,
                )
        return list(merged.values())


def load_tree(path: Path) -> Tree:
    """Read and validate a tree file.

    Raises:
        TreeError: the file is missing, is not YAML, or does not follow the format.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TreeError(f"{path}: cannot read the tree file ({error.strerror})") from None
    return parse_tree(text, source=str(path))


def parse_tree(text: str, *, source: str = "<tree>") -> Tree:
    """Parse the text of a tree file; ``source`` names it in error messages."""
    try:
        data = yaml.load(text, Loader=LOADER)
    except yaml.YAMLError as error:
        raise TreeError(yaml_problem(error, source=source)) from None
    if not isinstance(data, Mapping):
        raise TreeError(f"{source}: expected a mapping with 'upstream_root' and 'tree' keys")
    root = data.get("upstream_root", "")
    if not isinstance(root, str) or (root and not root.startswith(("http://", "https://"))):
        raise TreeError(f"{source}: 'upstream_root' must be an http(s) URL, got {root!r}")
    entries = data.get("tree")
    if not isinstance(entries, list) or not entries:
        raise TreeError(f"{source}: 'tree' must be a non-empty list of entries")
    parsed = tuple(_entry(item, f"tree[{i}]", source) for i, item in enumerate(entries))
    tree = Tree(upstream_root=root, entries=parsed)
    if not root and any(entry.upstream for entry in tree.walk()):
        raise TreeError(f"{source}: entries use 'upstream' but 'upstream_root' is not set")
    return tree


def _entry(item: Any, where: str, source: str) -> NavEntry:
    if not isinstance(item, Mapping):
        raise TreeError(f"{source}: {where}: expected a mapping with a 'label', got {item!r}")
    here = f"{source}: {where}"
    label = _label(item.get("label"), here)
    here = f"{source}: {where} ({label!r})"
    unknown = sorted(set(item) - _ENTRY_KEYS)
    if unknown:
        raise TreeError(
            f"{here}: unknown key(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(_ENTRY_KEYS))}"
        )
    url = item.get("url")
    upstream = item.get("upstream")
    if url is not None and upstream is not None:
        raise TreeError(f"{here}: has both 'url' and 'upstream'; keep the one it leads to")
    if url is not None:
        _check_path(url, "url", here)
    if upstream is not None:
        _check_path(upstream, "upstream", here)
    children_data = item.get("children", [])
    if not isinstance(children_data, list):
        raise TreeError(f"{here}: 'children' must be a list of entries")
    children = tuple(
        _entry(child, f"{where}.children[{i}]", source) for i, child in enumerate(children_data)
    )
    if url is None and upstream is None and not children:
        raise TreeError(f"{here}: needs a 'url', an 'upstream' or 'children'")
    anchors = _strings(item.get("anchors", []), "anchors", here)
    toc_data = item.get("toc", [])
    if toc_data and url is None:
        raise TreeError(f"{here}: 'toc' needs the entry's page 'url'")
    if not isinstance(toc_data, list):
        raise TreeError(f"{here}: 'toc' must be a list of entries with 'label' and 'anchor'")
    toc = tuple(_toc(t, f"{where}.toc[{i}]", source) for i, t in enumerate(toc_data))
    return NavEntry(
        label=label,
        url=url,
        upstream=upstream,
        children=children,
        anchors=anchors,
        toc=toc,
    )


def _toc(item: Any, where: str, source: str) -> TocEntry:
    here = f"{source}: {where}"
    if not isinstance(item, Mapping):
        raise TreeError(f"{here}: expected a mapping with 'label' and 'anchor', got {item!r}")
    unknown = sorted(set(item) - _TOC_KEYS)
    if unknown:
        raise TreeError(
            f"{here}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_TOC_KEYS))}"
        )
    label, anchor = _label(item.get("label"), here), item.get("anchor")
    if not isinstance(anchor, str) or not anchor or anchor.startswith("#"):
        raise TreeError(f"{here} ({label!r}): 'anchor' must be an element id, without '#'")
    children_data = item.get("children", [])
    if not isinstance(children_data, list):
        raise TreeError(f"{here} ({label!r}): 'children' must be a list")
    children = tuple(
        _toc(child, f"{where}.children[{i}]", source) for i, child in enumerate(children_data)
    )
    return TocEntry(label=label, anchor=anchor, children=children)


def _label(label: Any, here: str) -> str:
    """The entry's label, stripped."""
    if label is not None and not isinstance(label, str):
        scalar = isinstance(label, int | float)  # YAML read 5 or 1.0 as a number
        fix = f'quote it (label: "{label}")' if scalar else "give the navigation label as text"
        raise TreeError(f"{here}: 'label' must be a string, not {label!r}; {fix}")
    if not label or not label.strip():
        raise TreeError(f"{here}: 'label' is missing or empty; give the entry its navigation label")
    return label.strip()


def _check_path(value: Any, key: str, here: str) -> None:
    if not isinstance(value, str) or not value.startswith("/"):
        raise TreeError(f"{here}: '{key}' must be a path from the site root such as /reference/")
    if "#" in value or "://" in value:
        raise TreeError(f"{here}: '{key}' must be a path without a scheme or '#fragment'")


def _strings(value: Any, key: str, here: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise TreeError(f"{here}: '{key}' must be a list of element ids")
    return tuple(value)
