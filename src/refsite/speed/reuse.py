"""The MkDocs side of refsite's speed-ups: reuse what earlier builds computed.

- Pages: a page found in the :class:`~refsite.speed.cache.PageCache` is not
  rendered; its HTML and table of contents are restored, and what rendering it
  registered (autorefs anchors for cross-references, mkdocstrings inventory
  items for ``objects.inv``) is replayed, so the site is byte for byte the one
  a clean build writes.
- Search: Material's search entries of a page whose rendered content did not
  change are reused; a changed page is indexed by Material's own handlers fed
  by lxml (:func:`refsite.extras.search.feed_tree`) rather than by ``html.parser``.
- Loaded modules: within one ``mkdocs serve`` process, what griffe loaded for
  the previous rebuild is handed to the next while the sources are unchanged.

It hooks into mkdocstrings', autorefs' and Material's objects, some of them
private, through :mod:`refsite.mkdocs.internals`; where one is not as it was
written for, the page or value is simply not reused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.structure.toc import AnchorLink, TableOfContents

from refsite.checks.directives import find_identifiers
from refsite.core.fingerprint import own_code
from refsite.extras.search import feed_tree
from refsite.mkdocs import internals
from refsite.speed.aliases import materialize_after_loads, materialize_loaded
from refsite.speed.cache import (
    CachedPage,
    LoadedModules,
    PageCache,
    data_to_anchors,
    first_heading,
    renderer_versions,
    source_files,
    toc_to_data,
)
from refsite.speed.shared_pages import LinkPrefixes, SharedPages
from refsite.speed.workers import Workers, assign, can_fork, in_child_process

__all__ = [
    "BuildReuse",
    "PageEffects",
    "Replayed",
    "fingerprint",
    "materialize_after_loads",
    "materialize_loaded",
]

# What griffe loaded for the python handler, kept across the rebuilds of one
# `mkdocs serve` process (each rebuild gets a new handler): loading FastAPI,
# Starlette and httpx again is the largest cost of a rebuild after an edit.
_LOADED: dict[str, Any] = {}
# pymdownx.snippets' include markers: a page that includes files is not cached.
_INCLUDES = re.compile(r"^\s*;?--8<--", re.MULTILINE)
# refsite's source links (handler_templates/.../_refsite_source): excluded from
# the search index, they name a release's tag and lines, in which two releases
# of the same page differ.
_SOURCE_HREF = re.compile(r'(<a class="doc-source-link" href=")[^"]*(" [^>]*data-search-exclude)')


@dataclass
class PageEffects:
    """What rendering one page registered, and the source files it read."""

    anchors: list[list[Any]]
    """autorefs ``register_anchor`` calls: [identifier, anchor, title, primary]."""
    inventory: list[dict[str, Any]]
    """mkdocstrings inventory ``register`` calls, as keyword arguments."""
    sources: set[str] | None
    """Source files of the objects it renders; None when they cannot be known."""


@dataclass(frozen=True)
class Replayed:
    """What :meth:`BuildReuse.replay_in_order` registered, to put back in the next rebuild."""

    registrations: list[tuple[str, list[list[Any]], list[dict[str, Any]]]]
    maps: tuple[dict[str, Any], ...]
    """autorefs' URL and title maps afterwards."""
    inventory: dict[str, Any]


def _copy_map(url_map: dict[str, Any]) -> dict[str, Any]:
    # The URL maps hold lists that registering appends to: copy those too.
    return {k: list(v) if isinstance(v, list) else v for k, v in url_map.items()}


class BuildReuse:
    """Reuse for one build; the plugin creates one in ``on_config``."""

    def __init__(
        self,
        config: Any,
        cache_dir: Path,
        log: logging.LoggerAdapter[Any],
        *,
        templates: jinja2.BytecodeCache | None = None,
        keep_modules: bool = True,
        share_releases: bool = False,
    ) -> None:
        self.log = log
        self._keep_modules = keep_modules
        self._templates = templates
        self.fingerprint = fingerprint(config)
        self.cache = PageCache(cache_dir, self.fingerprint)
        # A versioned build: pages rendered from the same files as another
        # release's are taken from it (refsite.speed.shared_pages).
        self._any_release = fingerprint(config, any_release=True) if share_releases else None
        self._shared: SharedPages | None = None
        self._mkdocstrings = config.plugins["mkdocstrings"]
        self._autorefs = config.plugins["autorefs"]
        self._replay: CachedPage | None = None
        self._miss: tuple[str, str] | None = None
        self._recording: CachedPage | None = None
        self._restored = False
        self._search: Any = None
        self._entries_of: Callable[[Any], list[Any]] | None = None
        self._search_settings = ""
        self.indexers = Workers()
        """Workers indexing pages for search (see :meth:`index_in_parallel`)."""
        self._disk_modules = LoadedModules(cache_dir, self.fingerprint)
        self._modules_from_disk = False
        self.effects: PageEffects | None = None
        """What the page last rendered registered (set by :meth:`page_content`)."""
        self.search_entries: dict[str, list[Any]] = {}
        """Material's search entries of each page indexed in this build, by page URL."""
        # Without the upstream shapes that recording and replaying rely on,
        # every page is rendered (refsite.mkdocs.internals says so).
        self._reuses_pages = internals.usable("page-cache")
        if self._reuses_pages:
            self._record_side_effects()
        self._cache_search_entries(config)

    def files(self, files: Any) -> None:
        """Fold the site's page URLs into the cache key."""
        # A page links to others by their URLs: a renamed or added page
        # changes the rendering of pages whose Markdown did not change.
        urls = sorted(f"{f.src_uri}>{f.url}" for f in files.documentation_pages())
        self.cache.fingerprint = hashlib.sha256(
            "\n".join([self.cache.fingerprint, *urls]).encode()
        ).hexdigest()
        if self._any_release is not None:
            self._any_release = hashlib.sha256(
                "\n".join([self._any_release, *urls]).encode()
            ).hexdigest()

    def page_markdown(
        self,
        markdown: str,
        page: Any,
        *,
        wait: Callable[[Callable[[], bool]], None] | None = None,
    ) -> str:
        """The Markdown to render: all of it, or only its title for a cached page.

        ``wait(ready)``, if given, is called for a page the cache lacks: it
        may wait until ``ready()`` (another process has stored the page).
        """
        self._replay = self._miss = None
        self.effects = None
        self._recording = None
        if not self._reuses_pages:
            self._restore_loaded_modules()
            return markdown
        # What rendering the page registers is recorded for every rendered
        # page (serve's incremental rebuilds replay it), stored only if cacheable.
        self._recording = CachedPage(content="", toc=[])
        if _INCLUDES.search(markdown):
            # The included file is read during conversion, where no key sees it.
            self._restore_loaded_modules()
            return markdown
        key = self.cache.key(page.file.src_uri, markdown)
        if wait is not None and not self.cache.exists(key):
            wait(lambda: self.cache.exists(key))
        self._replay = self.cache.get(key)
        if self._replay is None:
            self._restore_loaded_modules()
            self._replay = self._from_other_release(key, page.file.src_uri, markdown)
        if self._replay is None:
            self._miss = (key, markdown)
            return markdown
        self._recording = None
        self._replay_side_effects(page, self._replay)
        # Render only the title line: MkDocs takes the page title from it.
        return first_heading(markdown)

    @property
    def rendering(self) -> bool:
        """Whether the page that :meth:`page_markdown` last saw is rendered, not replayed."""
        return self._replay is None

    def page_content(self, html: str, page: Any) -> str:
        """The page's HTML: restored from the cache, or stored into it.

        Afterwards :attr:`effects` holds what the page registered and read.
        """
        if self._replay is not None:
            cached, self._replay = self._replay, None
            page.toc = TableOfContents(data_to_anchors(cached.toc, AnchorLink))
            self.effects = PageEffects(cached.anchors, cached.inventory, set(cached.sources))
            return cached.content
        recording, self._recording = self._recording, None
        if recording is None:
            return html
        sources: set[str] | None = None
        if self._miss is not None:
            (key, markdown), self._miss = self._miss, None
            sources = self._sources(markdown)
            if sources is not None:
                recording.content = html
                recording.toc = toc_to_data(page.toc)
                recording.sources = dict.fromkeys(sources, "")
                self.cache.put(key, recording)
                shared = self._shared_pages()
                if shared is not None:
                    shared.put(page.file.src_uri, markdown, recording)
        self.effects = PageEffects(recording.anchors, recording.inventory, sources)
        return html

    @property
    def shared_hits(self) -> int:
        """Pages of this build taken from another release's rendering."""
        return self._shared.hits if self._shared is not None else 0

    def _from_other_release(self, key: str, src_uri: str, markdown: str) -> CachedPage | None:
        """The page as another release rendered it from the same files, kept for this one too."""
        shared = self._shared_pages()
        page = shared.get(src_uri, markdown) if shared is not None else None
        if page is None:
            return None
        self.cache.put(key, page)
        self.cache.misses -= 1  # counted by the lookup that found nothing
        self.cache.hits += 1
        return page

    def _shared_pages(self) -> SharedPages | None:
        if self._any_release is None:
            return None
        if self._shared is None:
            handler = self._mkdocstrings.handlers.get_handler("python")
            # griffe's search path, in its order: without it, nothing is shared.
            roots = internals.search_paths(handler)
            if roots is None or not internals.usable("shared-pages"):
                self._any_release = None
                return None
            prefixes = LinkPrefixes(handler, roots)
            self._shared = SharedPages(self.cache, self._any_release, roots, prefixes)
        return self._shared

    def replay_in_order(
        self, pages: Sequence[tuple[Any, PageEffects]], last: Replayed | None = None
    ) -> Replayed:
        """Register every page's anchors and inventory items in page order, as a full build does.

        For rebuilds that rendered only some pages: the others' registrations
        are replayed, and those of the rendered ones are put back in place.
        What that leaves is returned; given back as ``last`` in the next
        rebuild, it is put back whole when every page registers the same
        (an edit that changed no heading), instead of registering again.
        """
        handlers = self._mkdocstrings.handlers
        handlers.get_handler("python")  # objects.inv is written only if a handler was used
        inventory = handlers.inventory
        registrations = [(page.url, effects.anchors, effects.inventory) for page, effects in pages]
        if last is not None and last.registrations == registrations:
            internals.set_url_maps(self._autorefs, [_copy_map(saved) for saved in last.maps])
            inventory.clear()
            dict.update(inventory, last.inventory)
            return last
        inventory.clear()
        for page, effects in pages:
            for identifier, anchor, title, primary in effects.anchors:
                self._autorefs.register_anchor(
                    page, identifier, anchor, title=title, primary=primary
                )
            for kwargs in effects.inventory:
                inventory.register(**kwargs)
        # autorefs keeps an identifier's URLs in the order they were registered,
        # and a full build registers page by page: restore that order.
        rank = {page.url: i for i, (page, _) in enumerate(pages)}
        maps = internals.url_maps(self._autorefs) or ({}, {}, {})
        for url_map in maps[:2]:  # primary and secondary URLs
            for urls in url_map.values():
                if len(urls) > 1:
                    urls.sort(key=lambda url: rank.get(url.partition("#")[0], -1))
        after = tuple(_copy_map(url_map) for url_map in maps)
        return Replayed(registrations, after, dict(inventory))

    def set_search_entries(self, entries: list[Any]) -> None:
        """Make Material's search index hold exactly ``entries``."""
        if self._search is None:
            return
        internals.set_search_entries(self._search, entries)

    def pages_rendered(self) -> None:
        """Every page is rendered: keep what griffe loaded for the next rebuild."""
        # mkdocstrings tears its handlers down after the build: keep them now.
        self._keep_loaded_modules()

    def _record_side_effects(self) -> None:
        """Record what rendering a page registers, so a cached page can replay it.

        mkdocstrings registers each rendered object with autorefs (for
        cross-references) and in its inventory (objects.inv) while it renders;
        a page served from the cache must register the same.
        """

        def anchor(registered: list[Any]) -> None:
            if self._recording is not None:
                self._recording.anchors.append(registered)

        def item(kw: dict[str, Any]) -> None:
            if self._recording is not None:
                self._recording.inventory.append(kw)

        internals.record_anchors(self._autorefs, anchor)
        internals.record_inventory(self._mkdocstrings.handlers, item)

    def _python_handler_collections(self) -> tuple[Any, Any] | None:
        if not internals.usable("loaded-modules"):
            return None
        handler = self._mkdocstrings.handlers.get_handler("python")
        modules = internals.modules_collection(handler)
        lines = internals.lines_collection(handler)
        return None if modules is None or lines is None else (modules, lines)

    @staticmethod
    def _loaded_folders(modules: Any) -> list[Path]:
        return [
            Path(str(m.filepath)).parent
            for m in modules.members.values()
            if not isinstance(m.filepath, list)
        ]

    def _loaded_sources(self, modules: Any) -> str:
        return self.cache.tree_hash(self._loaded_folders(modules))

    def _restore_loaded_modules(self) -> None:
        """Give this build's python handler what an earlier rebuild loaded, if still current."""
        if self._restored:
            return
        self._restored = True
        handler = self._mkdocstrings.handlers.get_handler("python")
        env = getattr(handler, "env", None)
        if self._templates is not None and isinstance(env, jinja2.Environment):
            # The handler's templates are compiled anew with every handler,
            # i.e. every build: keep the compiled code instead.
            env.bytecode_cache = self._templates
        saved = _LOADED.get(self.fingerprint)
        collections = self._python_handler_collections()
        if collections is None:
            return
        if saved is None:
            kept = self._disk_modules.load(self.cache.tree_hash)
            if kept is not None:
                self.log.debug("reusing the modules griffe loaded in an earlier build")
                internals.set_collections(handler, *kept)
                self._modules_from_disk = True
            return
        if saved["sources"] == self._loaded_sources(saved["modules"]):
            self.log.debug("reusing the modules griffe loaded for the previous build")
            internals.set_collections(handler, saved["modules"], saved["lines"])
            self._modules_from_disk = True
        else:
            self.log.debug("sources changed since the previous build: griffe loads them again")

    def _keep_loaded_modules(self) -> None:
        collections = self._python_handler_collections()
        if collections is None or not collections[0].members:
            return
        modules, lines = collections
        sources = self._loaded_sources(modules)
        _LOADED.clear()
        _LOADED[self.fingerprint] = {"modules": modules, "lines": lines, "sources": sources}
        if self._keep_modules and self._restored and not self._modules_from_disk:
            # Loaded from source in this build: keep them for the next process.
            in_child_process(
                lambda: self._disk_modules.save(
                    self._loaded_folders(modules), sources, modules, lines
                )
            )

    def _replay_side_effects(self, page: Any, cached: CachedPage) -> None:
        # mkdocstrings writes objects.inv only if a handler was used.
        self._mkdocstrings.handlers.get_handler("python")
        for identifier, anchor, title, primary in cached.anchors:
            self._autorefs.register_anchor(page, identifier, anchor, title=title, primary=primary)
        for kwargs in cached.inventory:
            self._mkdocstrings.handlers.inventory.register(**kwargs)

    def _sources(self, markdown: str) -> set[str] | None:
        """The source files a page rendered, or None when they cannot be known."""
        identifiers = find_identifiers(markdown)
        if not identifiers:
            return set()
        handler = self._mkdocstrings.handlers.get_handler("python")
        # What griffe loaded: without it, the page is simply not cached.
        collection = internals.modules_collection(handler)
        if collection is None:
            return None
        try:
            return source_files(collection.get_member(i) for i in identifiers)
        except (KeyError, ValueError):
            return None

    def _cache_search_entries(self, config: Any) -> None:
        """Reuse Material's search entries of pages whose rendered content is unchanged.

        Material's search plugin parses every page's HTML with Python's
        html.parser to index it, a large share of a build. Its entries are a
        function of the page's content, table of contents, URL, title and
        metadata and the search plugin's options, so they are cached under a
        hash of those (the content without what the index leaves out: source
        links, so releases share entries).
        """
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
        self._search_settings = settings
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
            self.search_entries[page.url] = entries

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
        settings = self._search_settings
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


def _search_key(cache: PageCache, page: Any, settings: str) -> str:
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
        _SOURCE_HREF.sub(r"\1\2", page.content or ""),
        repr(toc_to_data(page.toc)),
        str(page.title),
        repr(sorted(page.meta.items())),
    )


def _type_name(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def fingerprint(config: Any, *, any_release: bool = False) -> str:
    """What every page's rendering depends on besides its Markdown and sources.

    With ``any_release``, without what names the release a versioned build
    renders (its site URL and the python handler's source folders), which do
    not show in a page's rendering: see :mod:`refsite.speed.shared_pages`.
    """
    digest = hashlib.sha256(renderer_versions().encode())
    digest.update(Path(config.config_file_path).read_bytes())
    # What !ENV and defaults resolved to, which the file's bytes do not show.
    site_url = "" if any_release else config.site_url
    digest.update(f"{site_url}|{config.use_directory_urls}".encode())
    mkdocstrings = dict(config.plugins["mkdocstrings"].config)
    if any_release:
        handlers = dict(mkdocstrings.get("handlers") or {})
        handlers["python"] = {
            k: v for k, v in (handlers.get("python") or {}).items() if k != "paths"
        }
        mkdocstrings["handlers"] = handlers
    # Objects (such as the extension mkdocstrings adds) count by their type:
    # their repr holds a memory address.
    resolved = [config.markdown_extensions, config.mdx_configs, mkdocstrings]
    digest.update(json.dumps(resolved, sort_keys=True, default=_type_name).encode())
    # refsite's own code and templates (its griffe extensions and templates
    # render objects too), also when it is an editable install whose version
    # does not change.
    digest.update(own_code().encode())
    return digest.hexdigest()
