"""Material 9.8.2: its search plugin's index and entries, how a page is added; typeset labels.

Written against that version; :mod:`refsite.mkdocs.internals.shapes` checks
that the installed one has what each function here relies on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from refsite.mkdocs.internals.shapes import usable

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
        feed(parser, page.content)
        for section in parser.data:
            if not section.is_excluded():
                index.create_entry_for_section(section, page.toc, page.url, page)

    return add_entry


def set_typeset_title(item: Any, html: str) -> None:
    """Make Material show a navigation item's label as ``html`` rather than as text.

    Material 9.8.2's ``partials/nav-item.html`` shows ``nav_item.typeset.title``
    as HTML when the item has it (its typeset plugin sets it on pages).
    """
    item.typeset = {"title": html}
