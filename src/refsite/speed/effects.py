"""What rendering a page registers with autorefs and mkdocstrings: recorded, and replayed.

mkdocstrings registers each rendered object with autorefs (for
cross-references) and in its inventory (``objects.inv``) while it renders; a
page served from the cache must register the same. :class:`Registrations`
records what each rendered page registers and replays it for a page that is
not rendered, alone or (serve's incremental rebuilds) every page in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from refsite import internals
from refsite.speed.kept_pages import KeptPage

__all__ = ["PageEffects", "Registrations", "Replayed"]


@dataclass
class PageEffects:
    """What rendering one page registered, and the source files it read."""

    anchors: list[list[Any]]
    """autorefs ``register_anchor`` calls: [identifier, anchor, title, primary]."""
    inventory: list[dict[str, Any]]
    """mkdocstrings inventory ``register`` calls, as keyword arguments."""
    sources: set[str] | None
    """Source files of the objects it renders; None when they cannot be known."""


@dataclass(frozen=True)
class Replayed:
    """What :meth:`Registrations.replay_in_order` registered, to put back in the next rebuild."""

    registrations: list[tuple[str, list[list[Any]], list[dict[str, Any]]]]
    maps: tuple[dict[str, Any], ...]
    """autorefs' URL and title maps afterwards."""
    inventory: dict[str, Any]


def _copy_map(url_map: dict[str, Any]) -> dict[str, Any]:
    # The URL maps hold lists that registering appends to: copy those too.
    return {k: list(v) if isinstance(v, list) else v for k, v in url_map.items()}


class Registrations:
    """Records what rendering a page registers, and registers it again for a page not rendered.

    Args:
        mkdocstrings: The mkdocstrings plugin.
        autorefs: The autorefs plugin.
        record: Whether to record (when :mod:`refsite.internals` says
            replaying is possible).
    """

    def __init__(self, mkdocstrings: Any, autorefs: Any, *, record: bool) -> None:
        self._mkdocstrings = mkdocstrings
        self._autorefs = autorefs
        self.recording: KeptPage | None = None
        """Where the page being rendered records its registrations, if anywhere."""
        if record:
            internals.record_anchors(autorefs, self._anchor)
            internals.record_inventory(mkdocstrings.handlers, self._item)

    def _anchor(self, registered: list[Any]) -> None:
        if self.recording is not None:
            self.recording.anchors.append(registered)

    def _item(self, kw: dict[str, Any]) -> None:
        if self.recording is not None:
            self.recording.inventory.append(kw)

    def replay(self, page: Any, cached: KeptPage) -> None:
        """Register what ``cached`` recorded, for ``page``."""
        # mkdocstrings writes objects.inv only if a handler was used.
        self._mkdocstrings.handlers.get_handler("python")
        for identifier, anchor, title, primary in cached.anchors:
            self._autorefs.register_anchor(page, identifier, anchor, title=title, primary=primary)
        for kwargs in cached.inventory:
            self._mkdocstrings.handlers.inventory.register(**kwargs)

    def replay_in_order(
        self, pages: Sequence[tuple[Any, PageEffects]], last: Replayed | None = None
    ) -> Replayed:
        """Register every page's anchors and inventory items in page order, as a full build does.

        For rebuilds that rendered only some pages: the others' registrations
        are replayed, and those of the rendered ones are put back in place.
        What that leaves is returned; given back as ``last`` in the next
        rebuild, it is put back whole when every page registers the same
        (an edit that changed no heading), instead of registering again.
        """
        handlers = self._mkdocstrings.handlers
        handlers.get_handler("python")  # objects.inv is written only if a handler was used
        inventory = handlers.inventory
        registrations = [(page.url, effects.anchors, effects.inventory) for page, effects in pages]
        if last is not None and last.registrations == registrations:
            internals.set_url_maps(self._autorefs, [_copy_map(saved) for saved in last.maps])
            inventory.clear()
            dict.update(inventory, last.inventory)
            return last
        inventory.clear()
        for page, effects in pages:
            for identifier, anchor, title, primary in effects.anchors:
                self._autorefs.register_anchor(
                    page, identifier, anchor, title=title, primary=primary
                )
            for kwargs in effects.inventory:
                inventory.register(**kwargs)
        # autorefs keeps an identifier's URLs in the order they were registered,
        # and a full build registers page by page: restore that order.
        rank = {page.url: i for i, (page, _) in enumerate(pages)}
        maps = internals.url_maps(self._autorefs) or ({}, {}, {})
        for url_map in maps[:2]:  # primary and secondary URLs
            for urls in url_map.values():
                if len(urls) > 1:
                    urls.sort(key=lambda url: rank.get(url.partition("#")[0], -1))
        after = tuple(_copy_map(url_map) for url_map in maps)
        return Replayed(registrations, after, dict(inventory))
