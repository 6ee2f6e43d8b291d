"""Material 9.8.2: its search plugin's index and entries, how a page is added; typeset labels."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, SupportsIndex

from refsite.internals.declared import usable

__all__ = [
    "index_entries",
    "lxml_add_entry",
    "own_add_entry",
    "replace_add_entry",
    "search_index",
    "set_search_entries",
    "set_typeset_title",
]


def search_index(config: Any) -> tuple[Any, Any] | None:
    """Material's search plugin of the MkDocs ``config`` and its index, if both are there."""
    search = config.plugins.get("material/search") or config.plugins.get("search")
    index = getattr(search, "search_index", None)
    return None if index is None else (search, index)


def index_entries(index: Any) -> list[Any]:
    """The index's entries so far (a list Material appends to)."""
    entries: list[Any] = index.entries
    return entries


def set_search_entries(search: Any, entries: list[Any]) -> None:
    """Make Material's search index hold exactly ``entries``."""
    search.search_index.entries = entries
    # Material merges a dirty rebuild's entries into the previous index by
    # URL prefix; these entries are already whole.
    search.search_index_prev = None


def own_add_entry(index: Any) -> Callable[[Any], None]:
    """Material's own ``add_entry_from_context`` of ``index``."""
    add: Callable[[Any], None] = type(index).add_entry_from_context.__get__(index)
    return add


def replace_add_entry(index: Any, add_entry: Callable[[Any], None]) -> None:
    """Make Material index each page with ``add_entry`` (an instance attribute shadows its own)."""
    index.add_entry_from_context = add_entry


def lxml_add_entry(index: Any, feed: Callable[[Any, str], None]) -> Callable[[Any], None] | None:
    """Material's ``add_entry_from_context``, with the page fed to its parser by ``feed``.

    The body of Material 9.8.2's SearchIndex.add_entry_from_context, but for
    the parsing. None when Material lacks the pieces it relies on.
    """
    if not usable("search-lxml"):
        return None
    from material.plugins.search.plugin import Parser

    def add_entry(page: Any) -> None:
        search = page.meta.get("search") or {}
        if search.get("exclude"):
            return
        parser = Parser()
        # Empty until fed: its containers can be swapped for faster ones.
        parser.context = _Context()
        parser.skip = _Skip(parser.skip)
        feed(parser, page.content)
        for section in parser.data:
            if not section.is_excluded():
                index.create_entry_for_section(section, page.toc, page.url, page)

    return add_entry


class _Context(list[Any]):
    """Material's ``Parser.context`` (the open elements), which knows its tags.

    Material 9.8.2 asks ``x in self.context`` (a tag name or an Element) for
    every tag and text of a page; its Element compares by tag in Python, so
    each question walked the open elements at Python speed. Here the count of
    each open tag answers it; the list itself is as Material keeps it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}

    def append(self, element: Any) -> None:
        super().append(element)
        self.tags[element.tag] = self.tags.get(element.tag, 0) + 1

    def pop(self, index: SupportsIndex = -1) -> Any:
        element = super().pop(index)
        left = self.tags[element.tag] - 1
        if left:
            self.tags[element.tag] = left
        else:
            del self.tags[element.tag]
        return element

    def __contains__(self, item: object) -> bool:
        return getattr(item, "tag", item) in self.tags


class _Skip(set[Any]):
    """Material's ``Parser.skip`` (tag names and Elements, equal by tag), asked by tag.

    Material 9.8.2 only asks whether it shares a tag with the open elements
    (``self.skip.intersection(self.context)``), which hashed every open
    element in Python; here the open tags are looked up in it instead.
    """

    def intersection(self, *others: Iterable[Any]) -> set[Any]:
        [other] = others
        if isinstance(other, _Context):
            # A tag name finds an equal Element in the set (same hash, equal by tag).
            return {tag for tag in other.tags if tag in self}
        return set(self).intersection(other)


def set_typeset_title(item: Any, html: str) -> None:
    """Make Material show a navigation item's label as ``html`` rather than as text.

    Material 9.8.2's ``partials/nav-item.html`` shows ``nav_item.typeset.title``
    as HTML when the item has it (its typeset plugin sets it on pages).
    """
    item.typeset = {"title": html}
