"""The history feature: the API history's changes page and the badges on object headings.

Wires :mod:`refsite.history.view` into a build. It owns :attr:`Build.history`.
"""

from __future__ import annotations

from typing import Any

from mkdocs.exceptions import PluginError

from refsite.core.commands import command_text
from refsite.core.processes import in_background
from refsite.history.badges import add_badges
from refsite.history.model import HistoryError
from refsite.history.view import HistoryView, view
from refsite.mkdocs.build import PLUGIN_NAME, Build, Feature, log

__all__ = ["HistoryFeature"]


class HistoryFeature(Feature):
    """Reads the history file; marks each object heading with when it appeared."""

    def __init__(self) -> None:
        # A serve rebuild reuses what the last build read of an unchanged file.
        self.view: HistoryView | None = None

    def config(self, build: Build) -> None:
        settings = build.options.history
        if not build.options.enabled or not settings.file:
            self.view = None
            return
        try:
            cache_dir = build.base / build.options.cache_dir if build.options.cache else None
            self.view = view(build.base / settings.file, self.view, cache_dir=cache_dir)
        except HistoryError as error:
            raise PluginError(f"{PLUGIN_NAME}: history.file: {error}") from None
        build.history = self.view
        reason = self.view.staleness()
        if reason is not None:
            run = command_text(build.base, "refsite history")
            log.warning("history: %s; regenerate %s with %s", reason, settings.file, run)
        self._prepare(build)

    def _prepare(self, build: Build) -> None:
        """In a build that must make the badges or the changes page, make them beside it.

        About a third of a second of work that a cold build's process would
        do in turn: a forked copy does it while griffe loads the sources. (A
        site whose pages show no changes page makes one there all the same.)
        """
        assert self.view is not None
        view, release = self.view, build.older_release
        wanted = {
            "ids": "attr_list" in build.config.markdown_extensions,
            "badges": build.options.history.badges,
            "page": True,
        }
        if view.unprepared(release, **wanted):
            view.prepared_elsewhere(in_background(lambda: view.prepare(release, **wanted)))

    def pages_finished(self, build: Build, files: Any) -> None:
        if self.view is not None:
            # What was prepared beside the build is taken, and its process reaped.
            self.view.settle()

    def build_error(self, build: Build | None, error: Exception) -> None:
        if self.view is not None:
            self.view.settle()  # a failed build leaves no copy behind either

    def post_page(self, build: Build, output: str, page: Any) -> str:
        history = build.history
        if history is None or not build.options.history.badges or "doc-heading" not in output:
            return output
        # An older release is marked as of its own snapshot in the history.
        release = build.older_release

        def add() -> str:
            return add_badges(output, history.marks(release))

        if build.kept is None:
            return add()
        return build.kept.badges(output, f"{history.digest}/{release or ''}", add)
