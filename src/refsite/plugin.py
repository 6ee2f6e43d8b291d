"""The MkDocs plugin: run refsite's checks on the site a build just wrote.

A thin adapter: it reads its options, calls the library on ``site_dir`` after
the build and turns findings into warnings, so ``mkdocs build --strict`` fails
on them. Engines that skip this plugin run the same checks with the CLI.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import markdown as md
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger

from refsite.check import check_site
from refsite.coverage import (
    CoverageError,
    CoverageReport,
    format_markdown,
    load_api,
    load_exclusions,
    measure,
    rendered_names,
)
from refsite.directives import diagnose, find_identifiers
from refsite.links import check_links
from refsite.placeholders import PlaceholderError, expand, versions_table
from refsite.tree import Tree, TreeError, load_tree

__all__ = ["PLUGIN_NAME", "CoverageConfig", "RefsiteConfig", "RefsitePlugin"]

PLUGIN_NAME = "refsite"
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


class RefsitePlugin(BasePlugin[RefsiteConfig]):
    """Checks the built site against its contract after every build."""

    def __init__(self) -> None:
        self._tree: Tree | None = None
        self._page: tuple[str, str] | None = None
        self._search_paths: list[Path] = []
        self._coverage: CoverageReport | None = None
        self._base = Path()

    def on_config(self, config: Any) -> Any:
        # The same instance lives across `mkdocs serve` rebuilds: reset what a
        # build computes, and reread the tree so edits to it take effect.
        self._tree = None
        self._page = None
        self._coverage = None
        self._base = Path(config.config_file_path).parent
        self._search_paths = _search_paths(config)
        if not self.config.enabled or not self.config.tree:
            return config
        try:
            self._tree = load_tree(self._base / self.config.tree)
        except TreeError as error:
            raise PluginError(
                f"{PLUGIN_NAME}: {error}; fix the file or the 'tree' option"
            ) from None
        return config

    def on_page_markdown(self, markdown: str, *, page: Any, **kwargs: Any) -> str:
        # Remember the page: if rendering it fails, on_build_error explains why.
        self._page = (page.file.src_uri, markdown)
        if not self.config.enabled:
            return markdown
        try:
            # The coverage report needs objects.inv, which exists only once
            # every page is rendered: keep its placeholder for on_post_page.
            return expand(
                markdown,
                {"versions": versions_table, "coverage": lambda args: COVERAGE_PLACEHOLDER},
            )
        except PlaceholderError as error:
            raise PluginError(f"{PLUGIN_NAME}: {page.file.src_uri}: {error}") from None

    def on_post_page(self, output: str, *, page: Any, config: Any) -> str:
        if COVERAGE_PLACEHOLDER not in output or not self.config.enabled:
            return output
        # objects.inv is written before pages are (mkdocstrings' on_env).
        report = self._coverage_report(Path(config.site_dir))
        if report is None:
            return output
        html = md.markdown(format_markdown(report), extensions=["tables"])
        return output.replace(COVERAGE_PLACEHOLDER, html)

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
        site = Path(config.site_dir)
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

    def _coverage_report(self, site: Path) -> CoverageReport | None:
        settings = self.config.coverage
        if not settings.packages:
            return None
        if self._coverage is None:
            try:
                exclusions = (
                    load_exclusions(self._base / settings.exclusions) if settings.exclusions else []
                )
                api = load_api(
                    settings.packages,
                    preload=settings.preload,
                    search_paths=self._search_paths,
                )
                self._coverage = measure(api, rendered_names(site), exclusions)
            except CoverageError as error:
                raise PluginError(f"{PLUGIN_NAME}: coverage: {error}") from None
        return self._coverage


def _search_paths(config: Any) -> list[Path]:
    """Where mkdocstrings' python handler looks for packages: its paths, then sys.path."""
    root = Path(config.config_file_path).parent
    paths: list[str] = ["."]
    plugin = config.plugins.get("mkdocstrings")
    if plugin is not None:
        handler = plugin.config.get("handlers", {}).get("python", {})
        paths = list(handler.get("paths", paths))
    return [root / p for p in paths] + [Path(p) for p in sys.path if p]
