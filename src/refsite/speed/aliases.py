"""griffe's aliases, all made at load: a page registers the same wherever it renders.

griffe makes the alias objects of members (``fastapi.responses.
StreamingResponse.close`` for Starlette's method) when something first reads
them, and mkdocstrings registers a rendered object's aliases in objects.inv
and with autorefs. What a page registered would then depend on the pages the
process rendered before it: a serial build, a worker and a replay from the
cache would each write another objects.inv. Registering them all as soon as
modules are loaded makes each page's registrations its own, in every build,
whatever renders it. :func:`refsite.internals.fill_registry` registers their
paths without making the alias objects themselves (where this griffe's rules
are the ones it was written for).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from refsite import internals

__all__ = ["materialize_after_loads", "materialize_loaded"]


def materialize_after_loads(handler: Any) -> None:
    """After griffe loads modules for the python ``handler``, create every alias it would later.

    Nothing where the handler is not as :mod:`refsite.internals` was
    written for: then no page is reused or rendered elsewhere either.
    """
    if not internals.usable("materialize") or getattr(handler.collect, "materializes", False):
        return

    def wrap(collect: Callable[..., Any]) -> Callable[..., Any]:
        def collect_then_materialize(identifier: str, options: Any) -> Any:
            data = collect(identifier, options)
            materialize_loaded(handler)
            return data

        collect_then_materialize.materializes = True  # type: ignore[attr-defined]
        return collect_then_materialize

    internals.wrap_collect(handler, wrap)


def materialize_loaded(handler: Any) -> None:
    """Materialize the aliases of what the python ``handler`` has loaded, if not done yet."""
    # Read anew: the modules may come from an earlier rebuild or from disk.
    modules = internals.modules_collection(handler)
    if modules is not None:
        loaded = frozenset(modules.members)
        # Kept on the collection, so a copy from disk is not walked again.
        if getattr(modules, "refsite_materialized", None) != loaded:
            internals.fill_registry(modules.members.values())
            modules.refsite_materialized = loaded
