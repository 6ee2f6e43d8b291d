"""The MkDocs plugin: a switchboard that calls refsite's features for each MkDocs event.

Each concern is a feature (:mod:`refsite.mkdocs.features`) that owns the few
hooks it needs; this module only declares their order and the order of the
steps after a build, and hands every hook the build in progress
(:class:`~refsite.mkdocs.build.Build`). Engines that skip this plugin run the
same checks with the CLI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority

from refsite.mkdocs.build import PLUGIN_NAME, Build, BuiltSite, Feature
from refsite.mkdocs.config import RefsiteConfig
from refsite.mkdocs.features import extras
from refsite.mkdocs.features.checks import ContractFeature, LinksFeature
from refsite.mkdocs.features.coverage import CoverageFeature
from refsite.mkdocs.features.docstrings import DocstringsFeature
from refsite.mkdocs.features.examples import ExamplesFeature
from refsite.mkdocs.features.handler import HandlerOptionsFeature, UpstreamShapesFeature
from refsite.mkdocs.features.history import HistoryFeature
from refsite.mkdocs.features.pages import PagesFeature
from refsite.mkdocs.features.release import ReleaseFeature
from refsite.mkdocs.features.serve import ServeFeature
from refsite.mkdocs.features.speed import SpeedFeature

__all__ = ["PLUGIN_NAME", "RefsitePlugin"]


class RefsitePlugin(BasePlugin[RefsiteConfig]):
    """refsite's additions to a build, and its checks after it."""

    def __init__(self) -> None:
        self.pages, self.release, self.history = PagesFeature(), ReleaseFeature(), HistoryFeature()
        self.speed, self.serving, self.coverage = SpeedFeature(), ServeFeature(), CoverageFeature()
        self.contract, self.links = ContractFeature(), LinksFeature()
        self.llms, self.search = extras.LlmsFeature(), extras.SearchBoostFeature()
        self.examples, self.docstrings = ExamplesFeature(), DocstringsFeature()
        # Every hook calls the features in this order. Where it matters:
        # - page_markdown: placeholders are filled (pages), then the release
        #   marks what it lacks, then the page cache keys the result (speed);
        # - config: the page cache (speed) and the history exist before the
        #   coverage reader, which reads both;
        # - page_content, files, pages_rendered: the page cache before the
        #   serve feature records what the page did; links into other docs
        #   are registered once every page is rendered, before autorefs.
        self.features: tuple[Feature, ...] = (
            self.pages,
            self.release,
            self.history,
            self.speed,
            self.serving,
            self.coverage,
            self.examples,
            self.docstrings,
            self.contract,
            self.links,
            extras.SourceLinkTemplatesFeature(),
            HandlerOptionsFeature(),
            UpstreamShapesFeature(),
            extras.OtherInventoriesFeature(),
            self.search,
            self.llms,
        )
        self.build: Build | None = None
        self.command = "build"

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        for feature in self.features:
            feature.startup(command=command, dirty=dirty)

    # Before other plugins' on_config: mkdocstrings reads its handlers' paths,
    # imports its handlers and makes theme environments in its own.
    @event_priority(100)
    def _on_config_early(self, config: Any) -> None:
        self.build = Build.start(self.config, config, command=self.command)
        for feature in self.features:
            feature.config_early(self.build)

    def _on_config(self, config: Any) -> Any:
        for feature in self.features:
            feature.config(self._current)
        return config

    on_config = CombinedEvent(_on_config_early, _on_config)

    @property
    def _current(self) -> Build:
        assert self.build is not None, "on_config made it"
        return self.build

    def on_files(self, files: Any, *, config: Any) -> Any:
        for feature in self.features:
            feature.files(self._current, files)
        return files

    def on_nav(self, nav: Any, *, config: Any, files: Any) -> Any:
        for feature in self.features:
            feature.nav(self._current, nav, files)
        return nav

    def on_page_markdown(self, markdown: str, *, page: Any, **kwargs: Any) -> str:
        for feature in self.features:
            markdown = feature.page_markdown(self._current, markdown, page)
        return markdown

    @event_priority(-100)  # After mkdocstrings and autorefs have seen the page.
    def on_page_content(self, html: str, *, page: Any, **kwargs: Any) -> str:
        for feature in self.features:
            html = feature.page_content(self._current, html, page)
        return html

    def on_post_page(self, output: str, *, page: Any, config: Any) -> str:
        for feature in self.features:
            output = feature.post_page(self._current, output, page)
        return output

    # Before mkdocstrings writes objects.inv and autorefs (-50) fixes cross-references.
    @event_priority(100)
    def _on_env_rendered(self, env: Any, *, config: Any, files: Any) -> Any:
        for feature in self.features:
            feature.pages_rendered(self._current, files)
        return env

    @event_priority(-49)  # After every anchor and URL is registered, just before autorefs.
    def _on_env_before_autorefs(self, env: Any, *, config: Any, files: Any) -> Any:
        for feature in self.features:
            feature.before_cross_references(self._current, files)
        return env

    @event_priority(-60)  # Once autorefs has fixed the pages.
    def _on_env_after_autorefs(self, env: Any, *, config: Any, files: Any) -> Any:
        for feature in self.features:
            feature.after_cross_references(self._current, files)
        return env

    @event_priority(-110)  # Once every plugin has finished the pages' HTML.
    def _on_env_finished(self, env: Any, *, config: Any, files: Any) -> Any:
        for feature in self.features:
            feature.pages_finished(self._current, files)
        return env

    on_env = CombinedEvent(
        _on_env_rendered, _on_env_before_autorefs, _on_env_after_autorefs, _on_env_finished
    )

    @event_priority(50)  # Before Material's search plugin writes its index.
    def _on_post_build_search(self, *, config: Any) -> None:
        for feature in self.features:
            feature.search_index(self._current)

    def _on_post_build(self, *, config: Any) -> None:
        build = self._current
        if not self.config.enabled:
            return
        site = BuiltSite(Path(config.site_dir), self.speed.parsed_files(build))
        # The steps after a build, in this order:
        steps = (
            self.speed.report,  # what this build reused; the cache is pruned
            self.release.report,
            self.speed.report_objects,
            self.search.boost,  # Material's index is written (its plugin is listed first)
            self.pages.search_titles,
            self.release.write_absent,  # `refsite check` of this folder relaxes the contract alike
            self.llms.start,  # on a cold build a forked writer runs beside the checks...
            self.contract.check,
            self.links.check,
            self.llms.finish,  # ...and hands back what it parsed: joined before it is kept
            self.speed.save,  # keeps what every step parsed, for the next build
            self.coverage.report,  # an older release's is told; the newest's gates the build
            self.examples.report,
            self.docstrings.report,  # findings, unless docstrings.fail makes them warnings
        )
        for step in steps:
            step(build, site)

    on_post_build = CombinedEvent(_on_post_build_search, _on_post_build)

    def on_build_error(self, *, error: Exception) -> None:
        for feature in self.features:
            feature.build_error(self.build, error)

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        for feature in self.features:
            feature.serve(self._current, server)
        return server

    def on_shutdown(self) -> None:
        for feature in self.features:
            feature.shutdown()
