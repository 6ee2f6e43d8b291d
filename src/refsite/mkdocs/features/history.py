"""The history feature: the API history's changes page and the badges on object headings.

Wires :mod:`refsite.history.view` into a build. It owns :attr:`Build.history`.
"""

from __future__ import annotations

from typing import Any

from mkdocs.exceptions import PluginError

from refsite.history.badges import add_badges
from refsite.history.model import HistoryError
from refsite.history.view import HistoryView, view
from refsite.mkdocs.build import PLUGIN_NAME, Build, Feature, log

__all__ = ["History"]


class History(Feature):
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
            log.warning("history: %s; regenerate %s with scripts/lock", reason, settings.file)

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
