"""MkDocs 1.6.1: populating a page, dirty builds, the dev server's observer, the theme's Jinja."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from refsite.internals.declared import replace_once, usable

__all__ = [
    "DIRTY_BUILD_LOGGER",
    "DIRTY_WARNING",
    "populate_page",
    "replace_observer",
    "serve_builds_dirty",
    "set_modified",
    "wrap_theme_get_env",
]

DIRTY_BUILD_LOGGER = "mkdocs.commands.build"
"""Where MkDocs 1.6.1 warns that a dirty build's navigation may be inaccurate."""
DIRTY_WARNING = "A 'dirty' build is being performed"
"""How that warning starts (serve's incremental rebuilds keep the site whole: it is hidden)."""


def populate_page(page: Any, config: Any, files: Any) -> None:
    """MkDocs' own steps for a page, up to its HTML (``mkdocs.commands.build._populate_page``)."""
    from mkdocs.commands.build import _populate_page

    _populate_page(page, config, files)


def serve_builds_dirty() -> bool:
    """Make this process's ``mkdocs serve`` build as ``mkdocs serve --dirty`` does.

    MkDocs 1.6.1's serve() calls the ``build`` it imported into
    ``mkdocs.commands.serve`` (looked up at each call) with ``dirty`` fixed by
    the command line. Without ``--dirty`` every rebuild reads and writes every
    page; with refsite's incremental rebuilds, a dirty one is as whole and
    only renders and writes what changed, so most users, who type the bare
    command, get the fast loop without knowing the flag. Called from
    ``on_startup``, before serve's first build. False, changing nothing,
    when the shape is not the one written for.
    """
    if not usable("serve-dirty"):
        return False

    def make(build: Callable[..., None]) -> Callable[..., None]:
        def dirty_build(config: Any, *, serve_url: str | None = None, dirty: bool = False) -> None:
            build(config, serve_url=serve_url, dirty=True)

        return dirty_build

    replace_once(import_module("mkdocs.commands.serve"), "build", make)
    return True


def set_modified(file: Any, modified: bool) -> None:
    """Make MkDocs' dirty build read and write ``file``'s page, or not.

    MkDocs asks File.is_modified(); an instance attribute answers for this
    build's File object.
    """
    file.is_modified = lambda: modified


def replace_observer(server: Any, observer: Any, *, build_delay: float) -> bool:
    """Give MkDocs' dev server ``observer`` in place of its polling one, watching the same paths.

    Returns False, changing nothing, where the server is not the one this
    was written for or its observer has started.
    """
    from watchdog.observers.polling import PollingObserver

    watched = getattr(server, "_watched_paths", None)
    refs = getattr(server, "_watch_refs", None)
    old = getattr(server, "observer", None)
    if not isinstance(watched, dict) or not isinstance(refs, dict) or old is None:
        return False
    if old.is_alive() or not isinstance(old, PollingObserver):
        return False
    paths = list(watched)
    server.observer = observer
    watched.clear()
    refs.clear()
    for path in paths:
        server.watch(path)
    server.build_delay = min(getattr(server, "build_delay", build_delay), build_delay)
    return True


def wrap_theme_get_env(theme: Any, wrap: Callable[[Callable[[], Any]], Callable[[], Any]]) -> bool:
    """Route the theme's ``get_env`` through ``wrap(get_env)``; False if it cannot be."""
    if not usable("theme-templates"):
        return False
    theme.get_env = wrap(theme.get_env)
    return True
