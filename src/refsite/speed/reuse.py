"""The MkDocs side of refsite's speed-ups: reuse what earlier builds computed.

- Pages: a page found in the :class:`~refsite.speed.kept_pages.PageCache` is not
  rendered; its HTML and table of contents are restored, and what rendering it
  registered (autorefs anchors for cross-references, mkdocstrings inventory
  items for ``objects.inv``) is replayed (:mod:`refsite.speed.effects`), so
  the site is byte for byte the one a clean build writes.
- Search: Material's search entries of a page whose rendered content did not
  change are reused (:mod:`refsite.speed.search_entries`).
- Loaded modules: what griffe loaded for the previous build is handed to the
  next while the sources are unchanged (:mod:`refsite.speed.handover`).

It hooks into mkdocstrings', autorefs' and Material's objects, some of them
private, through :mod:`refsite.internals`; where one is not as it was
written for, the page or value is simply not reused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.structure.toc import AnchorLink, TableOfContents

from refsite import internals
from refsite.checks.directives import find_identifiers
from refsite.core.keys import base_key, tree_digest
from refsite.speed.effects import PageEffects, Registrations, Replayed
from refsite.speed.handover import ModulesHandOver
from refsite.speed.kept_pages import (
    KeptModules,
    KeptPage,
    KeptPages,
    data_to_anchors,
    first_heading,
    source_files,
    toc_to_data,
)
from refsite.speed.search_entries import SearchEntries
from refsite.speed.shared_pages import LinkPrefixes, SharedPages
from refsite.speed.workers import Workers

__all__ = ["BuildReuse", "fingerprint"]

# pymdownx.snippets' include markers: a page that includes files is not cached.
_INCLUDES = re.compile(r"^\s*;?--8<--", re.MULTILINE)


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
        self.fingerprint = fingerprint(config)
        self.cache = KeptPages(cache_dir, self.fingerprint)
        # A versioned build: pages rendered from the same files as another
        # release's are taken from it (refsite.speed.shared_pages).
        self._any_release = fingerprint(config, any_release=True) if share_releases else None
        self._shared: SharedPages | None = None
        self._collected: set[str] = set()
        self._mkdocstrings = config.plugins["mkdocstrings"]
        self._autorefs = config.plugins["autorefs"]
        self._replay: KeptPage | None = None
        self._miss: tuple[str, str] | None = None
        self._modules = ModulesHandOver(
            self._mkdocstrings,
            self.cache,
            self.fingerprint,
            log,
            templates=templates,
            disk=KeptModules(cache_dir, self.fingerprint),
            to_disk=keep_modules,
        )
        self.effects: PageEffects | None = None
        """What the page last rendered registered (set by :meth:`page_content`)."""
        # Without the upstream shapes that recording and replaying rely on,
        # every page is rendered (refsite.internals says so).
        self._reuses_pages = internals.usable("page-cache")
        self._registrations = Registrations(
            self._mkdocstrings, self._autorefs, record=self._reuses_pages
        )
        self.search = SearchEntries(config, self.cache)
        """Material's search entries, reused."""

    @property
    def indexers(self) -> Workers:
        """Workers indexing pages for search (see :meth:`index_in_parallel`)."""
        return self.search.indexers

    @property
    def search_entries(self) -> dict[str, list[Any]]:
        """Material's search entries of each page indexed in this build, by page URL."""
        return self.search.by_url

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
        self._registrations.recording = None
        if not self._reuses_pages:
            self._modules.restore()
            return markdown
        # What rendering the page registers is recorded for every rendered
        # page (serve's incremental rebuilds replay it), stored only if cacheable.
        self._registrations.recording = KeptPage(content="", toc=[])
        if _INCLUDES.search(markdown):
            # The included file is read during conversion, where no key sees it.
            self._modules.restore()
            return markdown
        key = self.cache.key(page.file.src_uri, markdown)
        if wait is not None and not self.cache.exists(key):
            wait(lambda: self.cache.exists(key))
        self._replay = self.cache.get(key)
        if self._replay is None:
            self._modules.restore()
            self._replay = self._from_other_release(key, page.file.src_uri, markdown)
        if self._replay is None:
            self._miss = (key, markdown)
            return markdown
        self._registrations.recording = None
        self._registrations.replay(page, self._replay)
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
        recording, self._registrations.recording = self._registrations.recording, None
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

    def _from_other_release(self, key: str, src_uri: str, markdown: str) -> KeptPage | None:
        """The page as another release rendered it from the same files, kept for this one too."""
        shared = self._shared_pages()
        page = shared.get(src_uri, markdown, self._same_aliases) if shared is not None else None
        if page is None:
            return None
        self.cache.put(key, page)
        self.cache.misses -= 1  # counted by the lookup that found nothing
        self.cache.hits += 1
        return page

    def _same_aliases(self, page: KeptPage) -> bool:
        """Whether each object ``page`` registered has the same aliases in this build.

        mkdocstrings registers an object (priority 1), then each of the names
        the python handler's ``get_aliases`` gives (priority 2, under the same
        URL). Asked of this build's griffe load, as rendering would ask it.
        """
        handler = self._mkdocstrings.handlers.get_handler("python")
        # Loaded as rendering would load them: griffe's aliases are those of
        # whole packages (a build that replays its first pages has loaded none).
        tops = {
            str(i["name"]).split(".", 1)[0] for i in page.inventory if i.get("priority") == 1
        } - self._collected
        if tops:
            internals.collect_packages(handler, tops)
            self._collected |= tops
        expected: dict[str, list[str]] = {}
        recorded: dict[str, list[str]] = {}
        for item in page.inventory:
            if item.get("domain") != "py":
                continue
            uri = str(item.get("uri"))
            if item.get("priority") == 1:
                expected[uri] = list(handler.get_aliases(str(item["name"])))
                recorded[uri] = []
            elif uri in recorded:
                recorded[uri].append(str(item["name"]))
        return expected == recorded

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
            options = getattr(handler, "global_options", None)
            preload = options.get("preload_modules") if isinstance(options, dict) else None
            self._shared = SharedPages(
                self.cache, self._any_release, roots, prefixes, [str(m) for m in preload or ()]
            )
        return self._shared

    def replay_in_order(
        self, pages: Sequence[tuple[Any, PageEffects]], last: Replayed | None = None
    ) -> Replayed:
        """:meth:`refsite.speed.effects.Registrations.replay_in_order`."""
        return self._registrations.replay_in_order(pages, last)

    def set_search_entries(self, entries: list[Any]) -> None:
        """Make Material's search index hold exactly ``entries``."""
        self.search.set_entries(entries)

    def index_in_parallel(self, pages: Sequence[Any], processes: int) -> int:
        """:meth:`refsite.speed.search_entries.SearchEntries.index_in_parallel`."""
        return self.search.index_in_parallel(pages, processes)

    def pages_rendered(self) -> None:
        """Every page is rendered: keep what griffe loaded for the next rebuild."""
        # mkdocstrings tears its handlers down after the build: keep them now.
        self._modules.keep()

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


def _type_name(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def fingerprint(config: Any, *, any_release: bool = False) -> str:
    """What every page's rendering depends on besides its Markdown and sources.

    With ``any_release``, without what names the release a versioned build
    renders (its site URL and the python handler's source folders), which do
    not show in a page's rendering: see :mod:`refsite.speed.shared_pages`.
    """
    # What !ENV and defaults resolved to, which the file's bytes do not show.
    site_url = "" if any_release else config.site_url
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
    return base_key(
        "pages",
        Path(config.config_file_path).read_bytes(),
        f"{site_url}|{config.use_directory_urls}",
        json.dumps(resolved, sort_keys=True, default=_type_name),
        user_inputs(config),
    )


def user_inputs(config: Any) -> str:
    """The site's own templates and griffe extensions, by content.

    mkdocstrings' ``custom_templates``, the theme's ``custom_dir`` and the
    python handler's extensions given as files render pages as much as the
    installed renderers do, and keep their path when they are edited.
    """
    base = Path(config.config_file_path).parent
    roots = [
        base / p for p in (config.plugins["mkdocstrings"].config.get("custom_templates"),) if p
    ]
    if config.theme.custom_dir:
        roots.append(Path(config.theme.custom_dir))
    python = (config.plugins["mkdocstrings"].config.get("handlers") or {}).get("python") or {}
    for extension in (python.get("options") or {}).get("extensions") or []:
        for name in extension if isinstance(extension, dict) else [extension]:
            path = str(name).split(":", 1)[0]
            if path.endswith(".py") or "/" in path:
                roots.append(base / path)
    return tree_digest(roots, suffixes=None)
