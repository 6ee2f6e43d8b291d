"""The MkDocs plugin: run refsite's checks on the site a build just wrote.

A thin adapter: it reads its options, calls the library on ``site_dir`` after
the build and turns findings into warnings, so ``mkdocs build --strict`` fails
on them. Engines that skip this plugin run the same checks with the CLI.
"""

from __future__ import annotations

import hashlib
import html
import logging
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import markdown as md
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
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
from refsite.check import check_site
from refsite.coverage import (
    CoverageError,
    CoverageReport,
    format_markdown,
    load_api,
    load_exclusions,
    measure,
    package_folders,
    rendered_names,
    report_from_data,
    report_to_data,
)
from refsite.directives import diagnose, find_identifiers
from refsite.links import check_links
from refsite.placeholders import PlaceholderError, expand, versions_table
from refsite.search import INDEX, boost_site_index
from refsite.tree import Tree, TreeError, load_tree

__all__ = ["PLUGIN_NAME", "CoverageConfig", "RefsiteConfig", "RefsitePlugin"]

PLUGIN_NAME = "refsite"
# What griffe loaded for the python handler, kept across the rebuilds of one
# `mkdocs serve` process (each rebuild gets a new handler): loading FastAPI,
# Starlette and httpx again is the largest cost of a rebuild after an edit.
_LOADED: dict[str, Any] = {}
COVERAGE_PLACEHOLDER = "<!-- refsite:coverage -->"
log: logging.LoggerAdapter[logging.Logger] = get_plugin_logger(PLUGIN_NAME)


class CoverageConfig(base.Config):
    """The ``coverage`` options of the plugin."""

    packages = c.ListOfItems(c.Type(str), default=[])
    """Packages whose public API the site should document; empty turns coverage off."""

    preload = c.ListOfItems(c.Type(str), default=[])
    """Packages that re-exported objects come from, so aliases resolve (e.g. starlette)."""

    exclusions = c.Optional(c.Type(str))
    """YAML file of public names left out on purpose, each with a reason."""

    fail_under = c.Type((int, float), default=0)
    """Warn when less than this percentage is documented or excluded."""


class RefsiteConfig(base.Config):
    """Options of the ``refsite`` plugin in ``mkdocs.yml``."""

    enabled = c.Type(bool, default=True)
    """Set to false to skip every check (for example in a quick local preview)."""

    tree = c.Optional(c.Type(str))
    """The declared navigation tree file, relative to ``mkdocs.yml``.

    Without it, the contract check does not run."""

    links = c.Type(bool, default=True)
    """Check that every internal link and fragment of the built site resolves."""

    coverage = c.SubConfig(CoverageConfig)
    """Measure the documented share of the public API (and fill the coverage page)."""

    search_boost = c.Type((int, float), default=1)
    """Multiply the search rank of API object sections by this (1 leaves the index alone)."""

    cache = c.Type(bool, default=True)
    """Reuse rendered pages whose Markdown, configuration, renderers and sources are unchanged."""

    cache_dir = c.Type(str, default=".cache/refsite")
    """Where the page cache lives, relative to ``mkdocs.yml``."""


class RefsitePlugin(BasePlugin[RefsiteConfig]):
    """Checks the built site against its contract after every build."""

    def __init__(self) -> None:
        self._tree: Tree | None = None
        self._page: tuple[str, str] | None = None
        self._search_paths: list[Path] = []
        self._coverage: CoverageReport | None = None
        self._base = Path()
        self._cache: PageCache | None = None
        self._replay: CachedPage | None = None
        self._miss: tuple[str, str] | None = None
        self._recording: CachedPage | None = None
        self._mkdocstrings: Any = None
        self._autorefs: Any = None
        self._config_fingerprint = ""
        self._restored = False

    def on_config(self, config: Any) -> Any:
        # The same instance lives across `mkdocs serve` rebuilds: reset what a
        # build computes, and reread the tree so edits to it take effect.
        self._tree = None
        self._page = None
        self._coverage = None
        self._base = Path(config.config_file_path).parent
        self._search_paths = _search_paths(config)
        self._cache = None
        self._replay = self._recording = None
        self._miss = None
        self._mkdocstrings = config.plugins.get("mkdocstrings")
        self._autorefs = config.plugins.get("autorefs")
        self._restored = False
        if self.config.enabled and self.config.cache and self._mkdocstrings and self._autorefs:
            self._config_fingerprint = _fingerprint(config)
            self._cache = PageCache(self._base / self.config.cache_dir, self._config_fingerprint)
            self._record_side_effects()
            self._cache_search_entries(config)
        if not self.config.enabled or not self.config.tree:
            return config
        try:
            self._tree = load_tree(self._base / self.config.tree)
        except TreeError as error:
            raise PluginError(
                f"{PLUGIN_NAME}: {error}; fix the file or the 'tree' option"
            ) from None
        return config

    def on_nav(self, nav: Any, *, config: Any, files: Any) -> Any:
        if self.config.enabled:
            # Navigation labels mark inline code with backticks (as the tree
            # does); Material shows a `typeset` title as HTML instead of text.
            for item in _walk_nav(nav.items):
                if "`" in (item.title or "") and not getattr(item, "typeset", None):
                    item.typeset = {"title": _inline_code(item.title)}
        return nav

    def on_files(self, files: Any, *, config: Any) -> Any:
        if self._cache is not None:
            # A page links to others by their URLs: a renamed or added page
            # changes the rendering of pages whose Markdown did not change.
            urls = sorted(f"{f.src_uri}>{f.url}" for f in files.documentation_pages())
            self._cache.fingerprint = hashlib.sha256(
                "\n".join([self._cache.fingerprint, *urls]).encode()
            ).hexdigest()
        return files

    def on_page_markdown(self, markdown: str, *, page: Any, **kwargs: Any) -> str:
        # Remember the page: if rendering it fails, on_build_error explains why.
        self._page = (page.file.src_uri, markdown)
        if not self.config.enabled:
            return markdown
        try:
            # The coverage report needs objects.inv, which exists only once
            # every page is rendered: keep its placeholder for on_post_page.
            markdown = expand(
                markdown,
                {"versions": versions_table, "coverage": lambda args: COVERAGE_PLACEHOLDER},
            )
        except PlaceholderError as error:
            raise PluginError(f"{PLUGIN_NAME}: {page.file.src_uri}: {error}") from None
        if self._cache is None:
            return markdown
        key = self._cache.key(page.file.src_uri, markdown)
        self._replay = self._cache.get(key)
        if self._replay is None:
            self._restore_loaded_modules()
            self._miss = (key, markdown)
            self._recording = CachedPage(content="", toc=[])
            return markdown
        self._replay_side_effects(page, self._replay)
        # Render only the title line: MkDocs takes the page title from it.
        return first_heading(markdown)

    @event_priority(-100)  # After mkdocstrings and autorefs have seen the page.
    def on_page_content(self, html: str, *, page: Any, **kwargs: Any) -> str:
        if self._replay is not None:
            cached, self._replay = self._replay, None
            page.toc = TableOfContents(data_to_anchors(cached.toc, AnchorLink))
            return cached.content
        if self._miss is not None and self._recording is not None and self._cache is not None:
            (key, markdown), self._miss = self._miss, None
            recording, self._recording = self._recording, None
            sources = self._sources(markdown)
            if sources is not None:
                recording.content = html
                recording.toc = toc_to_data(page.toc)
                recording.sources = dict.fromkeys(sources, "")
                self._cache.put(key, recording)
        return html

    def on_post_page(self, output: str, *, page: Any, config: Any) -> str:
        if COVERAGE_PLACEHOLDER not in output or not self.config.enabled:
            return output
        # objects.inv is written before pages are (mkdocstrings' on_env).
        report = self._coverage_report(Path(config.site_dir))
        if report is None:
            return output
        html = md.markdown(format_markdown(report), extensions=["tables"])
        return output.replace(COVERAGE_PLACEHOLDER, html)

    def on_env(self, env: Any, *, config: Any, files: Any) -> Any:
        # Every page is rendered; mkdocstrings tears its handlers down after
        # the build, so keep what griffe loaded now.
        self._keep_loaded_modules()
        return env

    def on_build_error(self, *, error: Exception) -> None:
        if self._page is None:
            return
        src_uri, markdown = self._page
        for identifier in find_identifiers(markdown):
            reason = diagnose(identifier, self._search_paths)
            if reason is not None:
                log.error("%s: '::: %s' cannot be rendered: %s", src_uri, identifier, reason)

    def on_post_build(self, *, config: Any) -> None:
        if not self.config.enabled:
            return
        if self._cache is not None:
            log.info(
                "page cache: %d page(s) reused, %d rendered", self._cache.hits, self._cache.misses
            )
        site = Path(config.site_dir)
        # Material's search plugin, listed before this one, has written its index.
        if self.config.search_boost != 1 and (site / INDEX).is_file():
            boost_site_index(site, self.config.search_boost)
        if self._tree is not None:
            findings = check_site(site, self._tree)
            for finding in findings:
                log.warning("%s", finding)
            if not findings:
                log.info("the site matches %s", self.config.tree)
        if self.config.links:
            base_path = urlsplit(config.site_url or "/").path or "/"
            report = check_links(site, base_path=base_path)
            for link in report.findings:
                log.warning("broken link: %s", link)
        coverage = self._coverage_report(site)
        if coverage is not None:
            settings = self.config.coverage
            for obj in coverage.missing:
                log.warning(
                    "coverage: %s is public but not documented: render it with '::: %s' "
                    "or exclude it with a reason in %s",
                    obj.name,
                    obj.name,
                    settings.exclusions or "an exclusions file",
                )
            for exclusion in coverage.stale:
                log.warning(
                    "coverage: exclusion %r in %s matches nothing left to document: remove it",
                    exclusion.pattern,
                    settings.exclusions,
                )
            if coverage.percent + 1e-9 < settings.fail_under:
                log.warning(
                    "coverage: %.1f%% documented or excluded, under fail_under %s",
                    coverage.percent,
                    settings.fail_under,
                )

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
        assert self._cache is not None
        folders = [
            Path(str(m.filepath)).parent
            for m in modules.members.values()
            if not isinstance(m.filepath, list)
        ]
        return self._cache.tree_hash(folders)

    def _restore_loaded_modules(self) -> None:
        """Give this build's python handler what an earlier rebuild loaded, if still current."""
        if self._restored or self._cache is None:
            return
        self._restored = True
        saved = _LOADED.get(self._config_fingerprint)
        collections = self._python_handler_collections()
        if saved is None or collections is None:
            return
        handler = self._mkdocstrings.handlers.get_handler("python")
        if saved["sources"] == self._loaded_sources(saved["modules"]):
            log.debug("reusing the modules griffe loaded for the previous build")
            handler._modules_collection = saved["modules"]
            handler._lines_collection = saved["lines"]
        else:
            log.debug("sources changed since the previous build: griffe loads them again")

    def _keep_loaded_modules(self) -> None:
        collections = self._python_handler_collections()
        if self._cache is None or collections is None or not collections[0].members:
            return
        modules, lines = collections
        _LOADED.clear()
        _LOADED[self._config_fingerprint] = {
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

    def _coverage_report(self, site: Path) -> CoverageReport | None:
        settings = self.config.coverage
        if not settings.packages:
            return None
        if self._coverage is not None:
            return self._coverage
        try:
            exclusions_file = self._base / settings.exclusions if settings.exclusions else None
            key = None
            if self._cache is not None:
                # The report is a function of the inventory, the exclusions and
                # the packages' sources: reuse it while none of them changed.
                folders = package_folders(
                    [*settings.packages, *settings.preload], self._search_paths
                )
                key = self._cache.derived_key(
                    "coverage",
                    (site / "objects.inv").read_bytes()
                    if (site / "objects.inv").is_file()
                    else b"",
                    exclusions_file.read_bytes()
                    if exclusions_file and exclusions_file.is_file()
                    else b"",
                    repr((settings.packages, settings.preload)),
                    self._cache.tree_hash(folders),
                )
                stored = self._cache.load(key)
                if stored is not None:
                    self._coverage = report_from_data(stored)
                    return self._coverage
            exclusions = load_exclusions(exclusions_file) if exclusions_file else []
            api = load_api(
                settings.packages, preload=settings.preload, search_paths=self._search_paths
            )
            self._coverage = measure(api, rendered_names(site), exclusions)
            if self._cache is not None and key is not None:
                self._cache.store(key, report_to_data(self._coverage))
        except CoverageError as error:
            raise PluginError(f"{PLUGIN_NAME}: coverage: {error}") from None
        return self._coverage

    def _cache_search_entries(self, config: Any) -> None:
        """Reuse Material's search entries of pages whose rendered content is unchanged.

        Material's search plugin parses every page's HTML with Python's
        html.parser to index it, a large share of a build. Its entries are a
        function of the page's content, table of contents, URL, title and
        metadata, so they are cached under a hash of those.
        """
        search = config.plugins.get("material/search") or config.plugins.get("search")
        index = getattr(search, "search_index", None)
        if index is None or self._cache is None:
            return
        cache = self._cache
        add_entry = type(index).add_entry_from_context.__get__(index)

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


def _walk_nav(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        out.append(item)
        out.extend(_walk_nav(item.children or []))
    return out


def _inline_code(title: str) -> str:
    """HTML for a label whose backticks mark inline code."""
    parts = html.escape(title, quote=False).split("`")
    if len(parts) % 2 == 0:
        return html.escape(title, quote=False)  # unbalanced: show it as it is
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _fingerprint(config: Any) -> str:
    """What every page's rendering depends on besides its Markdown and sources."""
    digest = hashlib.sha256(renderer_versions().encode())
    digest.update(Path(config.config_file_path).read_bytes())
    digest.update(f"{config.site_url}|{config.use_directory_urls}".encode())
    # refsite's own code (its griffe extension renders docstrings too), also
    # when it is an editable install whose version does not change.
    for file in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _search_paths(config: Any) -> list[Path]:
    """Where mkdocstrings' python handler looks for packages: its paths, then sys.path."""
    root = Path(config.config_file_path).parent
    paths: list[str] = ["."]
    plugin = config.plugins.get("mkdocstrings")
    if plugin is not None:
        handler = plugin.config.get("handlers", {}).get("python", {})
        paths = list(handler.get("paths", paths))
    return [root / p for p in paths] + [Path(p) for p in sys.path if p]
