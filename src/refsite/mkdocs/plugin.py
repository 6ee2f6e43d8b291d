"""The MkDocs plugin: refsite's additions to a build, and its checks after it.

A thin adapter: it reads its options, fills placeholders and navigation
labels, hands page rendering to :mod:`refsite.speed.reuse`, calls the library's
checks on ``site_dir`` after the build and turns findings into warnings, so
``mkdocs build --strict`` fails on them. Engines that skip this plugin run the
same checks with the CLI.
"""

from __future__ import annotations

import gc
import html
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import markdown as md
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger

from refsite.checks.absent import ABSENT_FILE, absent_record, declared_objects
from refsite.checks.contract import check_site
from refsite.checks.coverage import (
    CoverageError,
    CoverageReport,
    PublicApiReader,
    format_markdown,
    load_exclusions,
    measure,
    objects_from_data,
    rendered_names,
)
from refsite.checks.directives import diagnose, find_identifiers
from refsite.checks.links import check_links
from refsite.checks.site import ParsedFiles
from refsite.checks.tree import Tree, TreeError, load_tree
from refsite.core.placeholders import PlaceholderError, expand, placeholder_names, versions_table
from refsite.extras.inventories import Inventories, load_inventories
from refsite.extras.llms import LLMS_KINDS, LlmsReport, write_llms
from refsite.extras.search import INDEX, boost_site_index
from refsite.extras.sourcelinks import TEMPLATES
from refsite.history.badges import add_badges
from refsite.history.model import HistoryError
from refsite.history.view import HistoryView, view
from refsite.mkdocs.config import RefsiteConfig
from refsite.mkdocs.python_handler import load_without_pydantic, unknown_options
from refsite.releases.site import (
    WORKERS_ENV,
    OlderSources,
    ReleaseSite,
    root_script,
    versioned,
    wanted_release,
)
from refsite.speed.cache import prune
from refsite.speed.kept import KeptOutputs
from refsite.speed.objects import ObjectRenders
from refsite.speed.reuse import BuildReuse, materialize_after_loads
from refsite.speed.serve import IncrementalServe, watch_with_events
from refsite.speed.templates import compiled_templates, theme_env
from refsite.speed.workers import WORKER_ENV, PageWorkers, in_background, worker_count

__all__ = ["PLUGIN_NAME", "RefsitePlugin"]

PLUGIN_NAME = "refsite"
COVERAGE_PLACEHOLDER = "<!-- refsite:coverage -->"
log: logging.LoggerAdapter[logging.Logger] = get_plugin_logger(PLUGIN_NAME)


class RefsitePlugin(BasePlugin[RefsiteConfig]):
    """Checks the built site against its contract after every build."""

    def __init__(self) -> None:
        self._tree: Tree | None = None
        self._page: tuple[str, str] | None = None
        self._search_paths: list[Path] = []
        self._coverage: CoverageReport | None = None
        self._base = Path()
        self._reuse: BuildReuse | None = None
        self._api: PublicApiReader | None = None
        self._history: HistoryView | None = None
        self._attr_list = False
        self._release: ReleaseSite | None = None
        self._objects: ObjectRenders | None = None
        # Kept across the rebuilds of one `mkdocs serve`: this instance lives
        # that long (MkDocs keeps plugins that have on_startup).
        self._incremental: IncrementalServe | None = None
        self._parsed = ParsedFiles()
        self._site_wide_page = False
        self._materializing = False
        self._command = "build"
        self._templates: jinja2.BytecodeCache | None = None
        self._theme_listings: dict[str, list[str]] = {}
        self._page_workers = PageWorkers()
        self._page_workers.on_start = lambda count: log.info(
            "rendering pages in %d worker process(es) too", count
        )
        self._pages: list[str] = []
        self._files: Any = None
        # In a worker process (refsite.speed.workers), the fingerprint of the build it serves.
        self._worker_of = os.environ.get(WORKER_ENV)
        self._inventories: tuple[tuple[str, ...], Inventories] | None = None
        self._kept: KeptOutputs | None = None
        self._old_sources = OlderSources()

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self._command = command
        if command == "serve" and dirty:
            self._incremental = IncrementalServe()
            # The warning that a dirty build leaves navigation and links
            # inaccurate does not hold while refsite keeps the site whole.
            logging.getLogger("mkdocs.commands.build").addFilter(_hide_dirty_warning)

    @event_priority(100)  # Before other plugins' on_config make theme environments.
    def _on_config_templates(self, config: Any) -> None:
        self._templates = None
        if not (self.config.enabled and self.config.cache):
            return
        base = Path(config.config_file_path).parent
        self._templates = compiled_templates(base / self.config.cache_dir)
        config.theme.get_env = theme_env(
            config.theme.get_env,
            bytecode=self._templates,
            listings=self._theme_listings,
            project=base,
            render=self._render_page,
        )

    @event_priority(100)  # Before mkdocstrings reads its options in its own on_config.
    def _on_config_source_links(self, config: Any) -> None:
        mkdocstrings = config.plugins.get("mkdocstrings")
        # A site with templates of its own keeps them (they may extend ours).
        if (
            self.config.enabled
            and self.config.source_links
            and mkdocstrings is not None
            and mkdocstrings.config.get("custom_templates") is None
        ):
            mkdocstrings.config["custom_templates"] = str(TEMPLATES)

    @event_priority(100)  # Before mkdocstrings imports its handlers in its own on_config.
    def _on_config_handler(self, config: Any) -> None:
        mkdocstrings = config.plugins.get("mkdocstrings")
        if not self.config.enabled or mkdocstrings is None:
            return
        load_without_pydantic()
        handlers = mkdocstrings.config.get("handlers") or {}
        options = (handlers.get("python") or {}).get("options") or {}
        unknown = unknown_options(options)
        if unknown:
            names = ", ".join(repr(name) for name in unknown)
            raise PluginError(
                f"{PLUGIN_NAME}: {config.config_file_path}: mkdocstrings' python handler has "
                f"no option {names}: fix or remove it under plugins > mkdocstrings > "
                "handlers > python > options"
            )

    def _on_config(self, config: Any) -> Any:
        # The same instance lives across `mkdocs serve` rebuilds: reset what a
        # build computes, and reread the tree so edits to it take effect.
        self._tree = None
        self._page_workers.reset()
        self._page = None
        self._coverage = None
        self._materializing = False
        self._base = Path(config.config_file_path).parent
        self._search_paths = _search_paths(config)
        self._reuse = None
        self._objects = None
        plugins = config.plugins
        # mkdocstrings adds autorefs in its own on_config, which runs before ours.
        if (
            self.config.enabled
            and self.config.cache
            and {"mkdocstrings", "autorefs"} <= set(plugins)
        ):
            self._reuse = BuildReuse(
                config,
                self._base / self.config.cache_dir,
                log,
                templates=self._templates,
                # A serve process keeps them in memory across its rebuilds.
                keep_modules=self._command != "serve",
                share_releases=versioned(),
            )
            self._objects = ObjectRenders.install(config, self._reuse.cache)
            self._keep_outputs(config)
        else:
            self._kept = None
        self._load_history()
        self._start_public_api()
        self._attr_list = "attr_list" in config.markdown_extensions
        if not self.config.enabled or not self.config.tree:
            return config
        try:
            self._tree = load_tree(self._base / self.config.tree)
        except TreeError as error:
            raise PluginError(
                f"{PLUGIN_NAME}: {error}; fix the file or the 'tree' option"
            ) from None
        return config

    @event_priority(100)  # Before mkdocstrings' on_config reads its handlers' paths.
    def _on_config_release(self, config: Any) -> None:
        self._base = Path(config.config_file_path).parent
        self._release = self._release_site(config)
        griffe_log = logging.getLogger("mkdocs.plugins.griffe")
        griffe_log.removeFilter(self._old_sources)
        self._old_sources.reset([])
        if self._release is not None and not self._release.is_newest:
            # What griffe finds odd in an older release's own sources (an
            # annotation naming a pydantic_core function that release used)
            # is that release's history, not a problem of this site: told
            # with --verbose, counted at the end.
            self._old_sources.reset([f.name for f in self._release.folders])
            griffe_log.addFilter(self._old_sources)
        if versioned():
            config.extra["version"] = {"provider": "mike", "alias": True}

    on_config = CombinedEvent(
        _on_config_templates,
        _on_config_source_links,
        _on_config_handler,
        _on_config_release,
        _on_config,
    )

    def on_nav(self, nav: Any, *, config: Any, files: Any) -> Any:
        if self._release is not None:
            pages = files.documentation_pages()
            cache = self._reuse.cache if self._reuse is not None else None
            mkdocstrings = config.plugins.get("mkdocstrings")
            handler = mkdocstrings.handlers.get_handler("python") if mkdocstrings else None
            members = declared_objects(self._tree) if self._tree is not None else set()
            self._release.scan(
                [("/" + f.url, f.content_string) for f in pages], cache, handler, members=members
            )
            self._release.prune_navigation(nav)
        if self.config.enabled:
            # Navigation labels mark inline code with backticks (as the tree
            # does); Material shows a `typeset` title as HTML instead of text.
            for item in _walk_nav(nav.items):
                if "`" in (item.title or "") and not getattr(item, "typeset", None):
                    item.typeset = {"title": _inline_code(item.title)}
        return nav

    def on_files(self, files: Any, *, config: Any) -> Any:
        self._pages = [f.src_uri for f in files.documentation_pages()]
        self._files = files
        if self._reuse is not None:
            self._reuse.files(files)
            if self._worker_of is not None and self._worker_of != self._reuse.cache.fingerprint:
                # Started with other options than the build it works for: its
                # pages would be cached under keys that build never asks for.
                raise PluginError(f"{PLUGIN_NAME}: worker: the configuration differs; stopping")
            if self._incremental is not None:
                tree = self._base / self.config.tree if self.config.tree else None
                site = self._reuse.cache.derived_key(
                    "site",
                    tree.read_bytes() if tree and tree.is_file() else b"",
                    # A new history changes the changes page and every badge.
                    self._history.digest if self._history else "",
                )
                plan = self._incremental.start(files, site, config.site_dir)
                if not plan.full:
                    log.info(
                        "incremental rebuild: %d of %d page(s) to render",
                        len(plan.render),
                        len(files.documentation_pages()),
                    )
        return files

    def on_page_markdown(self, markdown: str, *, page: Any, config: Any, **kwargs: Any) -> str:
        # Remember the page: if rendering it fails, on_build_error explains why.
        self._page = (page.file.src_uri, markdown)
        if not self.config.enabled:
            return markdown
        try:
            # The coverage report needs objects.inv, which exists only once
            # every page is rendered: keep its placeholder for on_post_page.
            expanded = expand(
                markdown,
                {
                    "versions": self._versions_table,
                    "coverage": lambda args: COVERAGE_PLACEHOLDER,
                    "changes": self._changes_page,
                },
            )
        except PlaceholderError as error:
            raise PluginError(f"{PLUGIN_NAME}: {page.file.src_uri}: {error}") from None
        # What fills a placeholder comes from the whole site or the environment;
        # the changes page comes from the history file alone (see on_files).
        self._site_wide_page = expanded != markdown and set(placeholder_names(markdown)) != {
            "changes"
        }
        markdown = expanded
        if self._release is not None:
            markdown = self._release.page_markdown(markdown)
        if (
            not self._materializing
            and "mkdocstrings" in config.plugins
            and find_identifiers(markdown)
        ):
            materialize_after_loads(config.plugins["mkdocstrings"].handlers.get_handler("python"))
            self._materializing = True
        if self._reuse is None:
            return markdown
        wait = self._page_workers.wait_hook(page.file.src_uri)
        markdown = self._reuse.page_markdown(markdown, page, wait=wait)
        if self._reuse.rendering:
            self._start_workers(page.file.src_uri, config=config)
        return markdown

    def _keep_outputs(self, config: Any) -> None:
        """Read what the last build of this site kept for this one."""
        assert self._reuse is not None
        custom = config.theme.custom_dir
        kept = KeptOutputs(
            self._base / self.config.cache_dir,
            self._reuse.fingerprint,
            Path(custom) if custom else None,
        )
        # A serve process keeps its outputs in memory across rebuilds.
        if self._command != "serve" or self._kept is None or not self._kept.same_site(kept):
            self._kept = kept
        else:
            self._kept.next_build()
        self._kept.theme_listings(list(config.theme.dirs), self._theme_listings)

    def _render_page(
        self, template: jinja2.Template, context: dict[str, Any], render: Callable[[], str]
    ) -> str:
        if self._kept is None:
            return render()
        return self._kept.render(template, context, render)

    def _start_workers(self, src_uri: str, *, config: Any) -> None:
        """At the first page to render in a cold build, start workers on the pages after it."""
        if self._worker_of is not None or self._incremental is not None or self._reuse is None:
            return
        if src_uri not in self._pages or self._reuse.cache.hits:
            return  # pages were reused before this one: an edit, not a cold build
        # A versioned build running releases side by side sets this to 1.
        setting = int(os.environ.get(WORKERS_ENV) or 0) or self.config.workers
        self._page_workers.start(
            src_uri,
            self._pages[self._pages.index(src_uri) + 1 :],
            worker_count(setting, os.cpu_count()),
            config=config,
            files=self._files,
            fingerprint=self._reuse.cache.fingerprint,
            current=lambda: self._page[0] if self._page is not None else None,
        )

    @event_priority(-100)  # After mkdocstrings and autorefs have seen the page.
    def on_page_content(self, html: str, *, page: Any, **kwargs: Any) -> str:
        if self._reuse is None:
            return html
        html = self._reuse.page_content(html, page)
        if self._incremental is not None:
            self._incremental.page_built(
                page, html, self._reuse.effects, site_wide=self._site_wide_page
            )
        return html

    def on_post_page(self, output: str, *, page: Any, config: Any) -> str:
        if self._history is not None and self.config.history.badges and "doc-heading" in output:
            output = self._with_badges(output, self._history)
        if versioned() and self._release is None:
            # The root of a versioned site: see assets/versions.js.
            base = "../" * page.url.count("/") or "./"
            script = f'<script data-base="{base}">{root_script()}</script>'
            output = output.replace("</head>", script + "</head>", 1)
        if COVERAGE_PLACEHOLDER not in output or not self.config.enabled:
            return output
        # objects.inv is written before pages are (mkdocstrings' on_env).
        report = self._coverage_report(Path(config.site_dir))
        if report is None:
            return output
        html = md.markdown(format_markdown(report), extensions=["tables"])
        return output.replace(COVERAGE_PLACEHOLDER, html)

    def _with_badges(self, output: str, history: HistoryView) -> str:
        # An older release is marked as of its own snapshot in the history.
        release = self._older_release()
        add = lambda: add_badges(output, history.marks(release))  # noqa: E731
        if self._kept is None:
            return add()
        return self._kept.badges(output, f"{history.digest}/{release or ''}", add)

    # Before mkdocstrings writes objects.inv and autorefs fixes cross-references.
    @event_priority(100)
    def _on_env(self, env: Any, *, config: Any, files: Any) -> Any:
        self._page_workers.workers.stop()  # every page is rendered or replayed
        if self._reuse is not None:
            self._reuse.pages_rendered()
            if self._incremental is not None and self._incremental.complete(files, self._reuse):
                log.info(
                    "incremental rebuild: a page changed its title, metadata or anchors, "
                    "which every page shows or links to: writing every page"
                )
        autorefs = config.plugins.get("autorefs")
        if self.config.enabled and self.config.inventories and autorefs is not None:
            # Before autorefs (priority -50) turns cross-references into links.
            self._link_inventories(autorefs)
        return env

    @event_priority(-49)  # After every anchor and URL is registered, just before autorefs.
    def _on_env_before_autorefs(self, env: Any, *, config: Any, files: Any) -> Any:
        autorefs = config.plugins.get("autorefs")
        if self._kept is not None and autorefs is not None:
            self._kept.before_cross_references(_pages(files), autorefs)
        return env

    @event_priority(-60)  # Once autorefs has fixed the pages.
    def _on_env_after_autorefs(self, env: Any, *, config: Any, files: Any) -> Any:
        if self._kept is not None:
            self._kept.after_cross_references(_pages(files))
        return env

    @event_priority(-110)  # Once every plugin has finished the pages' HTML.
    def _on_env_index(self, env: Any, *, config: Any, files: Any) -> Any:
        if self._reuse is not None and self._worker_of is None and self._incremental is None:
            setting = int(os.environ.get(WORKERS_ENV) or 0) or self.config.workers
            processes = worker_count(setting, os.cpu_count())
            started = self._reuse.index_in_parallel(_pages(files), processes)
            if started:
                log.info("indexing pages for search in %d worker process(es) too", started)
        return env

    on_env = CombinedEvent(_on_env, _on_env_before_autorefs, _on_env_after_autorefs, _on_env_index)

    def _link_inventories(self, autorefs: Any) -> None:
        cache_dir = self._base / self.config.cache_dir / "inventories"
        # Read once per process: a `mkdocs serve` rebuild links the same items.
        key = (str(cache_dir), *self.config.inventories)
        if self._inventories is None or self._inventories[0] != key:
            self._inventories = (key, load_inventories(self.config.inventories, cache_dir))
        found = self._inventories[1]
        for name, url in found.items.items():
            autorefs.register_url(name, url)
        if found.missing:
            log.info(
                "inventories: no copy of %s in %s and it cannot be downloaded (no network?): "
                "built without links into those docs",
                " or ".join(found.missing),
                cache_dir,
            )
        else:
            log.info("inventories: annotations link to %d objects of other docs", len(found.items))

    def on_build_error(self, *, error: Exception) -> None:
        self._stop_worker()
        self._page_workers.workers.stop()
        if self._reuse is not None:
            self._reuse.indexers.stop()
        if self._incremental is not None:
            self._incremental.forget()
        if self._page is None:
            return
        src_uri, markdown = self._page
        for identifier in find_identifiers(markdown):
            reason = diagnose(identifier, self._search_paths)
            if reason is not None:
                log.error("%s: '::: %s' cannot be rendered: %s", src_uri, identifier, reason)

    @event_priority(50)  # Before Material's search plugin writes its index.
    def _on_post_build_search(self, *, config: Any) -> None:
        if self._reuse is not None:
            self._reuse.indexers.stop()  # every page is indexed
        if self._reuse is None or self._incremental is None:
            return
        entries = self._incremental.search_entries(self._reuse)
        if entries is not None:
            self._reuse.set_search_entries(entries)
        self._incremental.finish()

    def _on_post_build_checks(self, *, config: Any) -> None:
        if not self.config.enabled:
            return
        if self._reuse is not None:
            cache = self._reuse.cache
            shared = self._reuse.shared_hits
            log.info(
                "page cache: %d page(s) reused, %d rendered%s",
                cache.hits,
                cache.misses,
                f" ({shared} reused as another release rendered them)" if shared else "",
            )
            # A versioned build's releases share the cache: `refsite build
            # --versions` prunes it once, after the last of them.
            if self._command != "serve" and not versioned():
                limit = int(self.config.cache_max_mb * 2**20)
                deleted = prune(cache.directory, max_bytes=limit, now=time.time())
                if deleted:
                    log.info("cache: deleted %d least recently used file(s)", len(deleted))
        if self._kept is not None and self._kept.memo.hits + self._kept.memo.misses:
            memo = self._kept.memo
            log.info(
                "kept outputs (templated pages, cross-references, badges): %d reused, %d made",
                memo.hits,
                memo.misses,
            )
        if self._old_sources.count:
            log.info(
                "griffe reported %d problem(s) in this release's own sources "
                "(shown with --verbose); the pages render as the release's code allows",
                self._old_sources.count,
            )
        if self._objects is not None and self._objects.hits + self._objects.misses:
            objects = self._objects
            log.info("object cache: %d object(s) reused, %d rendered", objects.hits, objects.misses)
        site = Path(config.site_dir)
        if self._kept is not None and not self._parsed.read_before:
            # A fresh process: what the last build parsed is found by content.
            self._parsed = self._kept.parsed()
        # Material's search plugin, listed before this one, has written its index.
        if self.config.search_boost != 1 and (site / INDEX).is_file():
            boost = self.config.search_boost
            boosted = None
            if self._kept is not None:
                boosted = self._kept.boosted_index(boost)
            boost_site_index(site, boost, boosted=boosted)
        left_out = self._release.left_out() if self._release is not None else None
        if left_out is not None:  # `refsite check` of this folder relaxes the contract alike
            (site / ABSENT_FILE).write_text(absent_record(left_out), encoding="utf-8")
        finish_llms = self._start_llms(config, site) if self.config.llms else None
        if self._tree is not None:
            tree = self._tree if self._release is None else self._release.tree(self._tree)
            findings = check_site(site, tree, files=self._parsed)
            for finding in findings:
                log.warning("%s", finding)
            if not findings:
                log.info("the site matches %s", self.config.tree)
        if self.config.links:
            base_path = urlsplit(config.site_url or "/").path or "/"
            report = check_links(site, base_path=base_path, files=self._parsed)
            for link in report.findings:
                log.warning("broken link: %s", link)
        if finish_llms is not None:
            llms = finish_llms()
            log.info(
                "llms.txt: %d pages; their Markdown twins are %d kB, %.0f%% of the HTML",
                len(llms.pages),
                llms.markdown_bytes // 1000,
                100 * llms.ratio,
            )
        if self._kept is not None and self._command != "serve":
            self._kept.keep_theme_listings(self._theme_listings)
            self._kept.save(self._parsed)
        coverage = self._coverage_report(site)
        # An older release's coverage is reported; only the newest's gates the build.
        say = log.warning
        if self._release is not None and not self._release.is_newest:
            say = log.info
        if coverage is not None:
            settings = self.config.coverage
            for obj in coverage.missing:
                say(
                    "coverage: %s is public but not documented: render it with '::: %s' "
                    "or exclude it with a reason in %s",
                    obj.name,
                    obj.name,
                    settings.exclusions or "an exclusions file",
                )
            for exclusion in coverage.stale:
                say(
                    "coverage: exclusion %r in %s matches nothing left to document: remove it",
                    exclusion.pattern,
                    settings.exclusions,
                )
            if coverage.percent + 1e-9 < settings.fail_under:
                say(
                    "coverage: %.1f%% documented or excluded, under fail_under %s",
                    coverage.percent,
                    settings.fail_under,
                )

    on_post_build = CombinedEvent(_on_post_build_search, _on_post_build_checks)

    def _start_llms(self, config: Any, site: Path) -> Callable[[], LlmsReport]:
        """Start writing llms.txt and the twins; returns what finishes it.

        When pages were rendered (a cold build: every twin is converted
        anew), a forked copy of this process writes them while this one
        runs the checks, and hands back what it parsed.
        """

        def write() -> tuple[LlmsReport, dict[tuple[str, str], Any]]:
            summary = config.site_description or ""
            report = write_llms(site, title=config.site_name, summary=summary, files=self._parsed)
            return report, self._parsed.entries(LLMS_KINDS)

        cold = self._reuse is not None and self._reuse.cache.misses > 0
        job = in_background(write) if cold and self._command != "serve" else None

        def finish() -> LlmsReport:
            done = job() if job is not None else None
            if done is None:  # not started, or the copy failed: here, where errors show
                done = write()
            report, entries = done
            self._parsed.add(entries)
            return report

        return finish

    def _load_history(self) -> None:
        settings = self.config.history
        if not self.config.enabled or not settings.file:
            self._history = None
            return
        try:
            cache_dir = self._base / self.config.cache_dir if self.config.cache else None
            self._history = view(self._base / settings.file, self._history, cache_dir=cache_dir)
        except HistoryError as error:
            raise PluginError(f"{PLUGIN_NAME}: history.file: {error}") from None
        reason = self._history.staleness()
        if reason is not None:
            log.warning("history: %s; regenerate %s with scripts/lock", reason, settings.file)

    def _changes_page(self, args: Any) -> str:
        if self._history is None:
            raise PlaceholderError("refsite:changes needs the plugin's 'history.file' option")
        return self._history.page(ids=self._attr_list, release=self._older_release())

    def _older_release(self) -> str | None:
        return self._release.older_version if self._release is not None else None

    def _release_site(self, config: Any) -> ReleaseSite | None:
        """The release this build renders (``REFSITE_RELEASE``); None: the installed packages."""
        version = wanted_release()
        settings = self.config.releases
        if version is None or not self.config.enabled:
            return None
        if not settings.package:
            raise PluginError(
                f"{PLUGIN_NAME}: REFSITE_RELEASE={version} but no 'releases' options: "
                "declare the documented package under the plugin's 'releases'"
            )
        # Only a versioned build reads the lock and the wheels.
        from refsite.releases.lock import LockError
        from refsite.releases.wheels import WheelError

        wheels = self._base / settings.wheels_dir
        try:
            release = ReleaseSite.load(
                self._base / settings.lock,
                version,
                settings.label or settings.package,
                wheels / "files",
                wheels / "unpacked",
            )
        except (LockError, WheelError) as error:
            raise PluginError(f"{PLUGIN_NAME}: releases: {error}") from None
        release.configure(config)
        return release

    def _versions_table(self, names: Sequence[str]) -> str:
        known = self._release.versions if self._release is not None else None
        return versions_table(names, known)

    def _start_public_api(self) -> None:
        """Start reading the public API, in a process of its own unless it is cached."""
        self._stop_worker()
        settings = self.config.coverage
        if not self.config.enabled or not settings.packages or self._worker_of is not None:
            return
        cache = self._reuse.cache if self._reuse is not None else None
        self._api = PublicApiReader(
            settings.packages,
            settings.preload,
            self._search_paths,
            cache,
            # Builds running side by side (a versioned site) keep every core busy.
            in_process=os.environ.get(WORKERS_ENV) == "1",
            known=(
                self._release.public_api(self._history, settings.packages)
                if self._release is not None and self._history is not None
                else None
            ),
        )

    def _stop_worker(self) -> None:
        if self._api is not None:
            self._api.stop()
        self._api = None

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        if not self.config.enabled:
            return server
        if self.config.watch_events and watch_with_events(server):
            log.debug("watching for changes with the OS's notifications")
        # A docstring edit in a package the site documents from the project's
        # own folders (mkdocstrings' `paths`, e.g. src/) must reload the site;
        # installed packages are not watched.
        for folder in _project_source_folders(config):
            server.watch(str(folder))
        return server

    def on_shutdown(self) -> None:
        self._stop_worker()
        self._page_workers.workers.stop()
        # MkDocs fires this from its command line, as the process ends. Python's
        # last garbage collection would walk every object griffe loaded (all
        # in reference cycles) to free memory the exit frees anyway: about
        # 0.45 s of a cold build. Frozen objects are left out of it.
        gc.freeze()

    def _coverage_report(self, site: Path) -> CoverageReport | None:
        settings = self.config.coverage
        if not settings.packages:
            return None
        if self._coverage is None:
            try:
                exclusions_file = self._base / settings.exclusions if settings.exclusions else None
                exclusions = load_exclusions(exclusions_file) if exclusions_file else []
                api = self._api or PublicApiReader(
                    settings.packages, settings.preload, self._search_paths
                )
                objects = objects_from_data(api.result())
                names = self._kept.rendered_names(site) if self._kept else rendered_names(site)
                self._coverage = measure(objects, names, exclusions)
            except CoverageError as error:
                raise PluginError(f"{PLUGIN_NAME}: coverage: {error}") from None
        return self._coverage


def _hide_dirty_warning(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("A 'dirty' build is being performed")


def _pages(files: Any) -> list[Any]:
    return [f.page for f in files if f.page is not None]


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


def _project_source_folders(config: Any) -> list[Path]:
    """mkdocstrings' python handler paths that are folders of the project, docs excluded."""
    root = Path(config.config_file_path).parent.resolve()
    docs = Path(config.docs_dir).resolve()
    plugin = config.plugins.get("mkdocstrings")
    handler = plugin.config.get("handlers", {}).get("python", {}) if plugin is not None else {}
    folders = []
    for entry in handler.get("paths", []):
        folder = (root / entry).resolve()
        inside = folder.is_dir() and folder != root and folder.is_relative_to(root)
        if inside and not (folder.is_relative_to(docs) or docs.is_relative_to(folder)):
            folders.append(folder)
    return folders


def _search_paths(config: Any) -> list[Path]:
    """Where mkdocstrings' python handler looks for packages: its paths, then sys.path."""
    root = Path(config.config_file_path).parent
    paths: list[str] = ["."]
    plugin = config.plugins.get("mkdocstrings")
    if plugin is not None:
        handler = plugin.config.get("handlers", {}).get("python", {})
        paths = list(handler.get("paths", paths))
    return [root / p for p in paths] + [Path(p) for p in sys.path if p]
