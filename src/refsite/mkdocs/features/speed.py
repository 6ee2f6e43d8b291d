"""The speed feature: reuse what earlier builds computed, and render on every core.

Wires :mod:`refsite.speed` into a build: compiled templates, the page cache
and its replay, the object cache, the outputs kept between builds, and the
worker processes of a cold build. It owns :attr:`Build.reuse` and
:attr:`Build.kept`, and reads and keeps the site's parsed files.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from typing import Any

import jinja2
from mkdocs.exceptions import PluginError

from refsite import internals
from refsite.checks.directives import find_identifiers
from refsite.checks.site import ParsedFiles
from refsite.core.processes import collect_less
from refsite.core.store import NotACacheError, prune
from refsite.mkdocs.build import PLUGIN_NAME, Build, BuiltSite, Feature, log
from refsite.releases.current import WORKERS_ENV, versioned
from refsite.speed.aliases import materialize_after_loads
from refsite.speed.kept_outputs import KeptOutputs
from refsite.speed.objects import KeptObjects
from refsite.speed.reuse import BuildReuse
from refsite.speed.signatures import FormatOnce
from refsite.speed.templates import compiled_templates, theme_env
from refsite.speed.workers import PageWorkers, worker_count

__all__ = ["SpeedFeature", "pages_of"]


class SpeedFeature(Feature):
    """Page, object and output reuse, and the page workers of a cold build."""

    def __init__(self) -> None:
        self.command = "build"
        self.templates: jinja2.BytecodeCache | None = None
        self.theme_listings: dict[str, list[str]] = {}
        # A serve process keeps these across its rebuilds.
        self.kept: KeptOutputs | None = None
        self.parsed = ParsedFiles()
        self.workers = PageWorkers()
        self.workers.on_start = lambda count: log.info(
            "rendering pages in %d worker process(es) too", count
        )
        self.objects: KeptObjects | None = None
        self.pages: list[str] = []
        self.files_: Any = None
        self.materializing = False

    def startup(self, *, command: str, dirty: bool) -> None:
        self.command = command

    def config_early(self, build: Build) -> None:
        if build.options.enabled:
            collect_less()
        # Before other plugins' on_config make theme environments.
        self.templates = None
        if not (build.options.enabled and build.options.cache):
            return
        self.templates = compiled_templates(build.base / build.options.cache_dir)
        templates = self.templates
        internals.wrap_theme_get_env(
            build.config.theme,
            lambda get_env: theme_env(
                get_env,
                bytecode=templates,
                listings=self.theme_listings,
                project=build.base,
                render=self._render_page,
            ),
        )

    def config(self, build: Build) -> None:
        if build.options.enabled and build.options.cache:
            # Work done once per distinct input (cold builds too); off with
            # the cache, so that a build without it is upstream's own path.
            internals.wrap_code_formatter(FormatOnce)
            internals.reuse_highlight_setup()
        self.workers.reset()
        self.materializing = False
        self.objects = None
        config, options = build.config, build.options
        # mkdocstrings adds autorefs in its own on_config, which runs before ours.
        if not (
            options.enabled
            and options.cache
            and {"mkdocstrings", "autorefs"} <= set(config.plugins)
        ):
            self.kept = None
            return
        build.reuse = BuildReuse(
            config,
            build.base / options.cache_dir,
            log,
            templates=self.templates,
            # A serve process keeps them in memory across its rebuilds.
            keep_modules=self.command != "serve",
            share_releases=versioned(),
        )
        self.objects = KeptObjects.install(config, build.reuse.cache)
        kept = KeptOutputs(build.base / options.cache_dir, build.reuse.fingerprint)
        # A serve process keeps its outputs in memory across rebuilds.
        if self.command != "serve" or self.kept is None or not self.kept.same_site(kept):
            self.kept = kept
        else:
            self.kept.next_build()
        self.kept.theme_listings(list(config.theme.dirs), self.theme_listings)
        build.kept = self.kept

    def _render_page(
        self, template: jinja2.Template, context: dict[str, Any], render: Callable[[], str]
    ) -> str:
        if self.kept is None:
            return render()
        return self.kept.render(template, context, render)

    def files(self, build: Build, files: Any) -> None:
        self.pages = [f.src_uri for f in files.documentation_pages()]
        self.files_ = files
        if build.reuse is None:
            return
        build.reuse.files(files)
        if build.worker_of is not None and build.worker_of != build.reuse.cache.fingerprint:
            # Started with other options than the build it works for: its
            # pages would be cached under keys that build never asks for.
            raise PluginError(f"{PLUGIN_NAME}: worker: the configuration differs; stopping")

    def page_markdown(self, build: Build, markdown: str, page: Any) -> str:
        if not build.options.enabled:
            return markdown
        config = build.config
        if (
            not self.materializing
            and "mkdocstrings" in config.plugins
            and find_identifiers(markdown)
        ):
            materialize_after_loads(config.plugins["mkdocstrings"].handlers.get_handler("python"))
            self.materializing = True
        if build.reuse is None:
            return markdown
        wait = self.workers.wait_hook(page.file.src_uri)
        markdown = build.reuse.page_markdown(markdown, page, wait=wait)
        if build.reuse.rendering:
            self._start_workers(build, page.file.src_uri)
        return markdown

    def _start_workers(self, build: Build, src_uri: str) -> None:
        """At the first page to render in a cold build, start workers on the pages after it."""
        reuse = build.reuse
        if build.worker_of is not None or build.incremental or reuse is None:
            return
        if src_uri not in self.pages or reuse.cache.hits:
            return  # pages were reused before this one: an edit, not a cold build
        self.workers.start(
            src_uri,
            self.pages[self.pages.index(src_uri) + 1 :],
            worker_count(_workers_setting(build), os.cpu_count()),
            config=build.config,
            files=self.files_,
            fingerprint=reuse.cache.fingerprint,
            current=lambda: build.page[0] if build.page is not None else None,
        )

    def page_content(self, build: Build, html: str, page: Any) -> str:
        if build.reuse is None:
            return html
        return build.reuse.page_content(html, page)

    def pages_rendered(self, build: Build, files: Any) -> None:
        self.workers.workers.stop()  # every page is rendered or replayed
        if build.reuse is not None:
            build.reuse.pages_rendered()

    def before_cross_references(self, build: Build, files: Any) -> None:
        autorefs = build.config.plugins.get("autorefs")
        if self.kept is not None and autorefs is not None:
            self.kept.before_cross_references(pages_of(files), autorefs)

    def after_cross_references(self, build: Build, files: Any) -> None:
        if self.kept is not None:
            self.kept.after_cross_references(pages_of(files))

    def pages_finished(self, build: Build, files: Any) -> None:
        if build.reuse is None or build.worker_of is not None or build.incremental:
            return
        processes = worker_count(_workers_setting(build), os.cpu_count())
        started = build.reuse.index_in_parallel(pages_of(files), processes)
        if started:
            log.info("indexing pages for search in %d worker process(es) too", started)

    def search_index(self, build: Build) -> None:
        if build.reuse is not None:
            build.reuse.indexers.stop()  # every page is indexed

    def report(self, build: Build, site: BuiltSite) -> None:
        """Post-build: say what was reused, and prune the cache."""
        if build.reuse is not None:
            cache = build.reuse.cache
            shared = build.reuse.shared_hits
            log.info(
                "page cache: %d page(s) reused, %d rendered%s",
                cache.hits,
                cache.misses,
                f" ({shared} reused as another release rendered them)" if shared else "",
            )
            # A versioned build's releases share the cache: `refsite build
            # --versions` prunes it once, after the last of them.
            if self.command != "serve" and not versioned():
                limit = int(build.options.cache_max_mb * 2**20)
                try:
                    deleted = prune(cache.directory, max_bytes=limit, now=time.time())
                except NotACacheError as error:
                    log.warning("%s; point cache_dir at a folder of its own", error)
                    deleted = []
                if deleted:
                    log.info("cache: deleted %d least recently used file(s)", len(deleted))
        if self.kept is not None and self.kept.memo.hits + self.kept.memo.misses:
            memo = self.kept.memo
            log.info(
                "kept outputs (templated pages, cross-references, badges): %d reused, %d made",
                memo.hits,
                memo.misses,
            )

    def report_objects(self, build: Build, site: BuiltSite) -> None:
        """Post-build: say what the object cache reused."""
        objects = self.objects
        if objects is not None and objects.hits + objects.misses:
            log.info("object cache: %d object(s) reused, %d rendered", objects.hits, objects.misses)

    def parsed_files(self, build: Build) -> ParsedFiles:
        """What the checks parse of the built site, found by content in a fresh process."""
        if self.kept is not None and not self.parsed.read_before:
            self.parsed = self.kept.parsed()
        return self.parsed

    def save(self, build: Build, site: BuiltSite) -> None:
        """Post-build, after every step that parses: keep the outputs for the next build."""
        if self.kept is not None and self.command != "serve":
            self.kept.keep_theme_listings(self.theme_listings)
            self.kept.save(site.parsed)

    def build_error(self, build: Build | None, error: Exception) -> None:
        self.workers.workers.stop()
        if build is not None and build.reuse is not None:
            build.reuse.indexers.stop()

    def shutdown(self) -> None:
        self.workers.workers.stop()
        # MkDocs fires this from its command line, as the process ends. Python's
        # last garbage collection would walk every object griffe loaded (all
        # in reference cycles) to free memory the exit frees anyway: about
        # 0.45 s of a cold build. Frozen objects are left out of it.
        gc.freeze()


def _workers_setting(build: Build) -> int | None:
    # A versioned build running releases side by side sets this to 1.
    return int(os.environ.get(WORKERS_ENV) or 0) or build.options.workers


def pages_of(files: Any) -> list[Any]:
    """The pages among MkDocs' files."""
    return [f.page for f in files if f.page is not None]
