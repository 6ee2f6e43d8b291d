"""What the plugin's features hand each other: the build in progress and the built site.

A feature never reaches into another one. What crosses from one concern to
another travels in the typed values here, passed into every hook: each field
names the feature that sets it; the others only read it.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.plugins import get_plugin_logger

from refsite.speed.workers import WORKER_ENV

if TYPE_CHECKING:
    from refsite.checks.coverage import PublicApiReader
    from refsite.checks.site import ParsedFiles
    from refsite.checks.tree import Tree
    from refsite.history.view import HistoryView
    from refsite.mkdocs.config import RefsiteConfig
    from refsite.releases.current import ReleaseSite
    from refsite.speed.kept_outputs import KeptOutputs
    from refsite.speed.reuse import BuildReuse

__all__ = ["PLUGIN_NAME", "Build", "BuiltSite", "Feature", "JobFeature", "log"]

PLUGIN_NAME = "refsite"
log: logging.LoggerAdapter[logging.Logger] = get_plugin_logger(PLUGIN_NAME)


@dataclass
class Build:
    """One build of the site, made anew in ``on_config`` (priority 100)."""

    options: RefsiteConfig
    config: Any
    """MkDocs' configuration of this build."""
    command: str
    """``build``, ``serve`` or ``gh-deploy``."""
    base: Path
    """The folder of ``mkdocs.yml``: options name files relative to it."""
    search_paths: list[Path]
    """Where mkdocstrings' python handler looks for packages: its paths, then sys.path."""
    worker_of: str | None
    """In a page worker process: the fingerprint of the build it renders for."""
    incremental: bool = False
    """Set by the serve feature: a rebuild of ``mkdocs serve --dirty`` renders what changed."""
    release: ReleaseSite | None = None
    """Set by the release feature: the release a versioned build renders, or None."""
    history: HistoryView | None = None
    """Set by the history feature: what the site shows of the API history."""
    tree: Tree | None = None
    """Set by the contract feature: the declared tree, read anew every build."""
    reuse: BuildReuse | None = None
    """Set by the speed feature: this build's page reuse (None: the cache is off)."""
    kept: KeptOutputs | None = None
    """Set by the speed feature: what the last build kept for this one."""
    public_api: PublicApiReader | None = None
    """Set by the coverage feature: its reader of the public API, which the examples
    check may feed from the load it makes anyway (one griffe load, not two)."""
    example_objects: Callable[[], set[str]] | None = None
    """Set by the examples feature: the paths of the objects that have an example (waits)."""
    page: tuple[str, str] | None = None
    """Set by the pages feature: the page being rendered (its path and Markdown)."""
    site_wide: bool = False
    """Set by the pages feature: the page being rendered shows values of the whole site."""

    @classmethod
    def start(cls, options: RefsiteConfig, config: Any, *, command: str) -> Build:
        """The build MkDocs is starting with ``config``."""
        return cls(
            options=options,
            config=config,
            command=command,
            base=Path(config.config_file_path).parent,
            search_paths=_search_paths(config),
            # In a worker process (refsite.speed.workers), the build it serves.
            worker_of=os.environ.get(WORKER_ENV),
        )

    @property
    def older_release(self) -> str | None:
        """The version of an older release this build renders; None for the newest."""
        return self.release.older_version if self.release is not None else None


@dataclass
class BuiltSite:
    """The finished site the post-build steps check and complete."""

    directory: Path
    parsed: ParsedFiles
    """What was parsed of its files: every check reads through it, parsing once."""


class Feature:
    """One concern of the plugin: the hooks it needs, each a no-op unless overridden.

    The plugin calls every feature for each hook, in the order it declares.
    Features live as long as the plugin: what one keeps across the rebuilds
    of ``mkdocs serve`` stays on it; what one build computes goes in :class:`Build`.
    """

    def startup(self, *, command: str, dirty: bool) -> None:
        """Once per process, before the first build."""

    def config_early(self, build: Build) -> None:
        """Before the other plugins' ``on_config`` (they read what this changes)."""

    def config(self, build: Build) -> None:
        """After mkdocstrings' ``on_config`` (autorefs is there)."""

    def files(self, build: Build, files: Any) -> None:
        """The site's files are known."""

    def nav(self, build: Build, nav: Any, files: Any) -> None:
        """The navigation is built."""

    def page_markdown(self, build: Build, markdown: str, page: Any) -> str:
        """A page's Markdown, before it is rendered."""
        return markdown

    def page_content(self, build: Build, html: str, page: Any) -> str:
        """A page's HTML, once mkdocstrings and autorefs have seen it."""
        return html

    def post_page(self, build: Build, output: str, page: Any) -> str:
        """A page's templated output."""
        return output

    def pages_rendered(self, build: Build, files: Any) -> None:
        """Every page is rendered, before objects.inv and cross-references."""

    def before_cross_references(self, build: Build, files: Any) -> None:
        """Every anchor and URL is registered, just before autorefs fixes the pages."""

    def after_cross_references(self, build: Build, files: Any) -> None:
        """autorefs has fixed the pages."""

    def pages_finished(self, build: Build, files: Any) -> None:
        """Every plugin has finished the pages' HTML."""

    def search_index(self, build: Build) -> None:
        """After the build, before Material's search plugin writes its index."""

    def build_error(self, build: Build | None, error: Exception) -> None:
        """The build failed."""

    def serve(self, build: Build, server: Any) -> None:
        """``mkdocs serve`` watches files."""

    def shutdown(self) -> None:
        """The process ends."""


class JobFeature(Feature):
    """A feature whose work runs in a process beside the build (coverage, examples, docstrings).

    The process is stopped when the build fails and when ``mkdocs serve`` ends,
    so none outlives what it worked for.
    """

    def stop(self) -> None:
        """Stop the process, if one still runs."""

    def build_error(self, build: Build | None, error: Exception) -> None:
        self.stop()

    def shutdown(self) -> None:
        self.stop()


def _search_paths(config: Any) -> list[Path]:
    """Where mkdocstrings' python handler looks for packages: its paths, then sys.path."""
    root = Path(config.config_file_path).parent
    paths: list[str] = ["."]
    plugin = config.plugins.get("mkdocstrings")
    if plugin is not None:
        handler = plugin.config.get("handlers", {}).get("python", {})
        paths = list(handler.get("paths", paths))
    return [root / p for p in paths] + [Path(p) for p in sys.path if p]
