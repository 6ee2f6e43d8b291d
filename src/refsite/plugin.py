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

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger

from refsite.check import check_site
from refsite.directives import diagnose, find_identifiers
from refsite.placeholders import PlaceholderError, expand, versions_table
from refsite.tree import Tree, TreeError, load_tree

__all__ = ["PLUGIN_NAME", "RefsiteConfig", "RefsitePlugin"]

PLUGIN_NAME = "refsite"
log: logging.LoggerAdapter[logging.Logger] = get_plugin_logger(PLUGIN_NAME)


class RefsiteConfig(base.Config):
    """Options of the ``refsite`` plugin in ``mkdocs.yml``."""

    tree = c.Optional(c.Type(str))
    """The declared navigation tree file, relative to ``mkdocs.yml``.

    Without it, the contract check does not run."""

    enabled = c.Type(bool, default=True)
    """Set to false to skip every check (for example in a quick local preview)."""


class RefsitePlugin(BasePlugin[RefsiteConfig]):
    """Checks the built site against its contract after every build."""

    def __init__(self) -> None:
        self._tree: Tree | None = None
        self._page: tuple[str, str] | None = None
        self._search_paths: list[Path] = []

    def on_config(self, config: Any) -> Any:
        # The same instance lives across `mkdocs serve` rebuilds: reread the
        # tree each time so edits to it take effect.
        self._tree = None
        self._page = None
        self._search_paths = _search_paths(config)
        if not self.config.enabled or not self.config.tree:
            return config
        path = Path(config.config_file_path).parent / self.config.tree
        try:
            self._tree = load_tree(path)
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
            return expand(markdown, {"versions": versions_table})
        except PlaceholderError as error:
            raise PluginError(f"{PLUGIN_NAME}: {page.file.src_uri}: {error}") from None

    def on_build_error(self, *, error: Exception) -> None:
        if self._page is None:
            return
        src_uri, markdown = self._page
        for identifier in find_identifiers(markdown):
            reason = diagnose(identifier, self._search_paths)
            if reason is not None:
                log.error("%s: '::: %s' cannot be rendered: %s", src_uri, identifier, reason)

    def on_post_build(self, *, config: Any) -> None:
        if self._tree is None:
            return
        findings = check_site(Path(config.site_dir), self._tree)
        for finding in findings:
            log.warning("%s", finding)
        if not findings:
            log.info("the site matches %s", self.config.tree)


def _search_paths(config: Any) -> list[Path]:
    """Where mkdocstrings' python handler looks for packages: its paths, then sys.path."""
    base = Path(config.config_file_path).parent
    paths: list[str] = ["."]
    plugin = config.plugins.get("mkdocstrings")
    if plugin is not None:
        handler = plugin.config.get("handlers", {}).get("python", {})
        paths = list(handler.get("paths", paths))
    return [base / p for p in paths] + [Path(p) for p in sys.path if p]
