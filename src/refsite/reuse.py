"""The MkDocs side of refsite's speed-ups: reuse what earlier builds computed.

- Pages: a page found in the :class:`~refsite.cache.PageCache` is not
  rendered; its HTML and table of contents are restored, and what rendering it
  registered (autorefs anchors for cross-references, mkdocstrings inventory
  items for ``objects.inv``) is replayed, so the site is byte for byte the one
  a clean build writes.
- Search: Material's search entries of a page whose rendered content did not
  change are reused; a changed page is indexed by Material's own handlers fed
  by lxml (:func:`refsite.search.feed_tree`) rather than by ``html.parser``.
- Loaded modules: within one ``mkdocs serve`` process, what griffe loaded for
  the previous rebuild is handed to the next while the sources are unchanged.

It hooks into mkdocstrings', autorefs' and Material's objects, some of them
private; where one is missing, the page or value is simply not reused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.toc import AnchorLink, TableOfContents

from refsite.cache import (
    CachedPage,
    PageCache,
    data_to_anchors,
    first_heading,
    renderer_versions,
    source_files,
    toc_to_data,
)
from refsite.directives import find_identifiers
from refsite.search import feed_tree

__all__ = ["BuildReuse", "fingerprint"]

# What griffe loaded for the python handler, kept across the rebuilds of one
# `mkdocs serve` process (each rebuild gets a new handler): loading FastAPI,
# Starlette and httpx again is the largest cost of a rebuild after an edit.
_LOADED: dict[str, Any] = {}
# pymdownx.snippets' include markers: a page that includes files is not cached.
_INCLUDES = re.compile(r"^\s*;?--8<--", re.MULTILINE)


class BuildReuse:
    """Reuse for one build; the plugin creates one in ``on_config``."""

    def __init__(self, config: Any, cache_dir: Path, log: logging.LoggerAdapter[Any]) -> None:
        self.log = log
        self.fingerprint = fingerprint(config)
        self.cache = PageCache(cache_dir, self.fingerprint)
        self._mkdocstrings = config.plugins["mkdocstrings"]
        self._autorefs = config.plugins["autorefs"]
        self._replay: CachedPage | None = None
        self._miss: tuple[str, str] | None = None
        self._recording: CachedPage | None = None
        self._restored = False
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

    def page_markdown(self, markdown: str, page: Any) -> str:
        """The Markdown to render: all of it, or only its title for a cached page."""
        self._replay = self._miss = self._recording = None
        if _INCLUDES.search(markdown):
            # The included file is read during conversion, where no key sees it.
            self._restore_loaded_modules()
            return markdown
        key = self.cache.key(page.file.src_uri, markdown)
        self._replay = self.cache.get(key)
        if self._replay is None:
            self._restore_loaded_modules()
            self._miss = (key, markdown)
            self._recording = CachedPage(content="", toc=[])
            return markdown
        self._replay_side_effects(page, self._replay)
        # Render only the title line: MkDocs takes the page title from it.
        return first_heading(markdown)

    def page_content(self, html: str, page: Any) -> str:
        """The page's HTML: restored from the cache, or stored into it."""
        if self._replay is not None:
            cached, self._replay = self._replay, None
            page.toc = TableOfContents(data_to_anchors(cached.toc, AnchorLink))
            return cached.content
        if self._miss is not None and self._recording is not None:
            (key, markdown), self._miss = self._miss, None
            recording, self._recording = self._recording, None
            sources = self._sources(markdown)
            if sources is not None:
                recording.content = html
                recording.toc = toc_to_data(page.toc)
                recording.sources = dict.fromkeys(sources, "")
                self.cache.put(key, recording)
        return html

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
        autorefs = self._autorefs
        inventory = self._mkdocstrings.handlers.inventory
        register_anchor = type(autorefs).register_anchor.__get__(autorefs)
        register_item = type(inventory).register.__get__(inventory)

        def anchor(page: Any, identifier: str, anchor: str | None = None, **kw: Any) -> None:
            if self._recording is not None:
                self._recording.anchors.append(
                    [identifier, anchor, kw.get("title"), kw.get("primary", True)]
                )
            register_anchor(page, identifier, anchor, **kw)

        def item(**kw: Any) -> None:
            if self._recording is not None:
                self._recording.inventory.append(kw)
            register_item(**kw)

        # Instance attributes shadow the methods; set anew each build, they
        # replace (rather than stack on) the previous build's wrappers.
        autorefs.register_anchor = anchor
        inventory.register = item

    def _python_handler_collections(self) -> tuple[Any, Any] | None:
        handler = self._mkdocstrings.handlers.get_handler("python")
        modules = getattr(handler, "_modules_collection", None)
        lines = getattr(handler, "_lines_collection", None)
        return None if modules is None or lines is None else (modules, lines)

    def _loaded_sources(self, modules: Any) -> str:
        folders = [
            Path(str(m.filepath)).parent
            for m in modules.members.values()
            if not isinstance(m.filepath, list)
        ]
        return self.cache.tree_hash(folders)

    def _restore_loaded_modules(self) -> None:
        """Give this build's python handler what an earlier rebuild loaded, if still current."""
        if self._restored:
            return
        self._restored = True
        saved = _LOADED.get(self.fingerprint)
        collections = self._python_handler_collections()
        if saved is None or collections is None:
            return
        handler = self._mkdocstrings.handlers.get_handler("python")
        if saved["sources"] == self._loaded_sources(saved["modules"]):
            self.log.debug("reusing the modules griffe loaded for the previous build")
            handler._modules_collection = saved["modules"]
            handler._lines_collection = saved["lines"]
        else:
            self.log.debug("sources changed since the previous build: griffe loads them again")

    def _keep_loaded_modules(self) -> None:
        collections = self._python_handler_collections()
        if collections is None or not collections[0].members:
            return
        modules, lines = collections
        _LOADED.clear()
        _LOADED[self.fingerprint] = {
            "modules": modules,
            "lines": lines,
            "sources": self._loaded_sources(modules),
        }

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
        # The handler keeps what griffe loaded in a private attribute: without
        # it, the page is simply not cached.
        collection = getattr(handler, "_modules_collection", None)
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
        metadata, so they are cached under a hash of those.
        """
        search = config.plugins.get("material/search") or config.plugins.get("search")
        index = getattr(search, "search_index", None)
        if index is None:
            return
        cache = self.cache
        add_entry = _fast_add_entry(index) or type(index).add_entry_from_context.__get__(index)

        def cached_add_entry(page: Any) -> None:
            key = cache.derived_key(
                "search",
                page.url,
                page.content or "",
                repr(toc_to_data(page.toc)),
                str(page.title),
                repr(sorted(page.meta.items())),
            )
            entries = cache.load(key)
            if isinstance(entries, list):
                index.entries.extend(entries)
                return
            first = len(index.entries)
            add_entry(page)
            cache.store(key, index.entries[first:])

        index.add_entry_from_context = cached_add_entry


def _fast_add_entry(index: Any) -> Any:
    """Material's ``add_entry_from_context``, with the page tokenized by lxml.

    None when Material's search plugin does not have the pieces it relies on.
    """
    try:
        from material.plugins.search.plugin import Parser
    except ImportError:
        return None
    if not hasattr(index, "create_entry_for_section"):
        return None

    def add_entry(page: Any) -> None:
        # The body of SearchIndex.add_entry_from_context, but for the parsing.
        search = page.meta.get("search") or {}
        if search.get("exclude"):
            return
        parser = Parser()
        feed_tree(parser, page.content)
        for section in parser.data:
            if not section.is_excluded():
                index.create_entry_for_section(section, page.toc, page.url, page)

    return add_entry


def _type_name(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def fingerprint(config: Any) -> str:
    """What every page's rendering depends on besides its Markdown and sources."""
    digest = hashlib.sha256(renderer_versions().encode())
    digest.update(Path(config.config_file_path).read_bytes())
    # What !ENV and defaults resolved to, which the file's bytes do not show.
    digest.update(f"{config.site_url}|{config.use_directory_urls}".encode())
    # Objects (such as the extension mkdocstrings adds) count by their type:
    # their repr holds a memory address.
    resolved = [
        config.markdown_extensions,
        config.mdx_configs,
        dict(config.plugins["mkdocstrings"].config),
    ]
    digest.update(json.dumps(resolved, sort_keys=True, default=_type_name).encode())
    # refsite's own code and templates (its griffe extensions and templates
    # render objects too), also when it is an editable install whose version
    # does not change.
    package = Path(__file__).parent
    for file in sorted([*package.glob("*.py"), *package.glob("templates/**/*.jinja")]):
        digest.update(file.read_bytes())
    return digest.hexdigest()
