"""mkdocs-autorefs 1.4.5: recording anchors, its URL maps and link settings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["AUTOREFS_LOGGER", "link_state", "record_anchors", "set_url_maps", "url_maps"]

AUTOREFS_LOGGER = "mkdocs.plugins.mkdocs_autorefs"
"""autorefs 1.4.5 logs through loggers under this one (``mkdocs.plugins.`` + its module)."""


def record_anchors(autorefs: Any, record: Callable[[list[Any]], None]) -> None:
    """Show ``record`` each anchor registered: [identifier, anchor, title, primary].

    An instance attribute shadows AutorefsPlugin.register_anchor; set anew
    each build, it replaces (rather than stacks on) the previous wrapper.
    """
    register_anchor = type(autorefs).register_anchor.__get__(autorefs)

    def anchor(page: Any, identifier: str, anchor: str | None = None, **kw: Any) -> None:
        record([identifier, anchor, kw.get("title"), kw.get("primary", True)])
        register_anchor(page, identifier, anchor, **kw)

    autorefs.register_anchor = anchor


_URL_MAPS = ("_primary_url_map", "_secondary_url_map", "_title_map")


def url_maps(autorefs: Any) -> tuple[dict[str, Any], ...] | None:
    """autorefs' primary URL, secondary URL and title maps (the objects, not copies)."""
    maps = tuple(getattr(autorefs, name, None) for name in _URL_MAPS)
    return maps if all(isinstance(m, dict) for m in maps) else None  # type: ignore[return-value]


def set_url_maps(autorefs: Any, maps: Iterable[dict[str, Any]]) -> None:
    """Put back what :func:`url_maps` returned."""
    for name, value in zip(_URL_MAPS, maps, strict=True):
        setattr(autorefs, name, value)


def link_state(autorefs: Any) -> list[Any] | None:
    """Everything autorefs fixes a page's references from: its URL maps and link settings.

    None when it cannot be read: then nothing is kept, never a wrong link.
    """
    names = ("_primary_url_map", "_secondary_url_map", "_abs_url_map", "_title_map")
    maps = [getattr(autorefs, name, None) for name in names]
    if not all(isinstance(m, dict) for m in maps):
        return None
    settings = [
        getattr(autorefs, name, None)
        for name in ("_link_titles", "_strip_title_tags", "legacy_refs")
    ]
    return [maps, settings]
