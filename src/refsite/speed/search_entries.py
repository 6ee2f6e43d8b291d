"""Material's search entries of a page, reused while its rendered content is unchanged.

Material's search plugin parses every page's HTML with Python's html.parser
to index it, a large share of a build. Its entries are a function of the
page's content, table of contents, URL, title and metadata and the search
plugin's options, so they are cached under a hash of those (the content
without what the index leaves out: source links, so releases share
entries). A changed page is indexed by Material's own handlers fed by lxml
(:func:`refsite.extras.search.feed_tree`) rather than by ``html.parser``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from refsite import internals
from refsite.core.processes import can_fork
from refsite.extras.search import feed_tree
from refsite.extras.source_tokens import strip_links
from refsite.speed.kept_pages import KeptPages, toc_to_data
from refsite.speed.workers import Workers, assign

__all__ = ["SearchEntries"]


class SearchEntries:
    """One build's reuse of Material's search entries; nothing without Material's search."""

    def __init__(self, config: Any, cache: KeptPages) -> None:
        self.cache = cache
        self._search: Any = None
        self._entries_of: Callable[[Any], list[Any]] | None = None
        self._settings = ""
        self.indexers = Workers()
        """Workers indexing pages for search (see :meth:`index_in_parallel`)."""
        self.by_url: dict[str, list[Any]] = {}
        """Material's search entries of each page indexed in this build, by page URL."""
        self._install(config)

    def set_entries(self, entries: list[Any]) -> None:
        """Make Material's search index hold exactly ``entries``."""
        if self._search is None:
            return
        internals.set_search_entries(self._search, entries)

    def _install(self, config: Any) -> None:
        """Route Material's indexing of each page through the cache."""
        found = internals.search_index(config) if internals.usable("search-cache") else None
        if found is None:
            return
        search, index = found
        self._search = search
        cache = self.cache
        # What the entries depend on besides the page: the search plugin's
        # options (not the whole site's fingerprint, which names the source
        # folders: releases of a versioned site share entries).
        settings = json.dumps(dict(search.config), sort_keys=True, default=_type_name)
        self._settings = settings
        add_entry = internals.lxml_add_entry(index, feed_tree) or internals.own_add_entry(index)

        def entries_of(page: Any) -> list[Any]:
            all_entries = internals.index_entries(index)
            first = len(all_entries)
            add_entry(page)
            entries = all_entries[first:]
            del all_entries[first:]
            return entries

        def cached_add_entry(page: Any) -> None:
            key = _search_key(cache, page, settings)
            if not cache.exists(key) and not self.indexers.claim(key):
                self.indexers.wait_for(lambda: cache.exists(key))
            entries = cache.load(key)
            if not isinstance(entries, list):
                entries = entries_of(page)
                cache.store(key, entries)
            internals.index_entries(index).extend(entries)
            self.by_url[page.url] = entries

        internals.replace_add_entry(index, cached_add_entry)
        self._entries_of = entries_of

    def index_in_parallel(self, pages: Sequence[Any], processes: int) -> int:
        """Fork workers that store the search entries of the pages the cache lacks.

        Material indexes each page as MkDocs writes it, one after another;
        the workers index from the last page backwards meanwhile, and MkDocs
        waits for an entry a worker has claimed. Returns how many started.
        """
        entries_of = self._entries_of
        if entries_of is None or processes < 2 or not can_fork():
            return 0
        cache = self.cache
        settings = self._settings
        missing = {
            key: page
            for page in pages
            if not cache.exists(key := _search_key(cache, page, settings))
        }
        if len(missing) < 2:
            return 0

        def index(key: str) -> None:
            cache.store(key, entries_of(missing[key]))

        return self.indexers.fork(assign(list(missing), processes), index)


def _search_key(cache: KeptPages, page: Any, settings: str) -> str:
    """What Material's search entries of a page are cached under: all they are made of.

    Not the site's fingerprint, which names the source folders: the search
    plugin's options (``settings``) and the page, without what the index
    leaves out (source links), so that releases of a versioned site share
    entries.
    """
    return cache.shared_key(
        "search",
        settings,
        page.url,
        strip_links(page.content or ""),
        repr(toc_to_data(page.toc)),
        str(page.title),
        repr(sorted(page.meta.items())),
    )


def _type_name(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"
