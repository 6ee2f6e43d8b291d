"""The serve feature: ``mkdocs serve`` rebuilds that render and write only what changed.

Wires :mod:`refsite.speed.serve` into a build: under ``mkdocs serve`` a
rebuild renders the pages an edit touched and keeps the site whole; any
``mkdocs serve`` learns of changes from the OS and watches the project's own
source folders. Bare ``mkdocs serve`` (what most users type) rebuilds as
``--dirty`` does once refsite can keep the site whole: with its page cache,
under mkdocstrings, and with every upstream shape it relies on.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from refsite import internals
from refsite.mkdocs.build import Build, Feature, log
from refsite.speed.serve import IncrementalServe, watch_with_events

__all__ = ["ServeFeature"]


class ServeFeature(Feature):
    """Incremental rebuilds of ``mkdocs serve`` (bare or ``--dirty``), and what serve watches."""

    def __init__(self) -> None:
        # Kept across the rebuilds of one `mkdocs serve`: this instance lives
        # that long (MkDocs keeps plugins that have on_startup).
        self.incremental: IncrementalServe | None = None
        self.command = "build"

    def startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        if command == "serve" and dirty:
            self._start()

    def _start(self) -> None:
        self.incremental = IncrementalServe()
        # The warning that a dirty build leaves navigation and links
        # inaccurate does not hold while refsite keeps the site whole.
        logging.getLogger(internals.DIRTY_BUILD_LOGGER).addFilter(_hide_dirty_warning)

    def config_early(self, build: Build) -> None:
        # Serve's first build is under way, whole; the next ones are dirty.
        if (
            self.incremental is None
            and self.command == "serve"
            and _can_keep_whole(build)
            and internals.serve_builds_dirty()
        ):
            log.info("mkdocs serve: rebuilding only what changed, as with --dirty")
            self._start()
        build.incremental = self.incremental is not None

    def files(self, build: Build, files: Any) -> None:
        if self.incremental is None or build.reuse is None:
            return
        options = build.options
        tree = build.base / options.tree if options.tree else None
        site = build.reuse.cache.derived_key(
            "site",
            tree.read_bytes() if tree and tree.is_file() else b"",
            # A new history changes the changes page and every badge.
            build.history.digest if build.history else "",
        )
        plan = self.incremental.start(files, site, build.config.site_dir)
        if not plan.full:
            log.info(
                "incremental rebuild: %d of %d page(s) to render",
                len(plan.render),
                len(files.documentation_pages()),
            )

    def page_content(self, build: Build, html: str, page: Any) -> str:
        if self.incremental is not None and build.reuse is not None:
            self.incremental.page_built(page, html, build.reuse.effects, site_wide=build.site_wide)
        return html

    def pages_rendered(self, build: Build, files: Any) -> None:
        if self.incremental is None or build.reuse is None:
            return
        if self.incremental.complete(files, build.reuse):
            log.info(
                "incremental rebuild: a page changed its title, metadata or anchors, "
                "which every page shows or links to: writing every page"
            )

    def search_index(self, build: Build) -> None:
        if build.reuse is None or self.incremental is None:
            return
        entries = self.incremental.search_entries(build.reuse)
        if entries is not None:
            build.reuse.set_search_entries(entries)
        self.incremental.finish()

    def build_error(self, build: Build | None, error: Exception) -> None:
        if self.incremental is not None:
            self.incremental.forget()

    def serve(self, build: Build, server: Any) -> None:
        if not build.options.enabled:
            return
        if build.options.watch_events and watch_with_events(server):
            log.debug("watching for changes with the OS's notifications")
        # A docstring edit in a package the site documents from the project's
        # own folders (mkdocstrings' `paths`, e.g. src/) must reload the site;
        # installed packages are not watched.
        for folder in _project_source_folders(build.config):
            server.watch(str(folder))


def _can_keep_whole(build: Build) -> bool:
    """Whether refsite keeps this site whole in a dirty rebuild (see the module's docstring)."""
    options = build.options
    return (
        options.enabled
        and options.cache
        and "mkdocstrings" in build.config.plugins
        and internals.usable("incremental-serve")
    )


def _hide_dirty_warning(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith(internals.DIRTY_WARNING)


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
