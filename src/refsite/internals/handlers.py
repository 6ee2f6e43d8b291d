"""mkdocstrings 1.0.8, mkdocstrings-python 2.0.11, griffe 2.4.1: inventory, rendering, loading."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from importlib import import_module
from typing import Any

from refsite.internals.declared import replace_once, usable

__all__ = [
    "GRIFFE_LOGGER",
    "PRELOADED",
    "collect_packages",
    "griffe_logger",
    "headings",
    "lines_collection",
    "modules_collection",
    "python_option_names",
    "record_inventory",
    "search_paths",
    "set_collections",
    "wrap_code_formatter",
    "wrap_collect",
    "wrap_render",
]


GRIFFE_LOGGER = "mkdocs.plugins.griffe"
"""Where griffe logs once mkdocstrings-python 2.0.11 is imported (it patches griffe's loggers)."""
PRELOADED = ("mkdocstrings._internal.plugin",)
"""mkdocstrings 1.0.8's private modules that every build imports (a fork server preloads them)."""


def record_inventory(handlers: Any, record: Callable[[dict[str, Any]], None]) -> None:
    """Replace mkdocstrings' inventory by a copy that shows ``record`` every registration.

    mkdocstrings 1.0.8's extension registers an object's aliases only when
    the inventory lacks them, so what a page registers would depend on the
    pages rendered before it in the same process: a page rendered by a
    worker, or replayed from the cache, would register less or more than in
    a serial build. Here every registration reaches ``register`` (and is
    recorded), and mkdocstrings' rule is applied there instead, in the order
    pages are registered or replayed.
    """
    inventory = handlers.inventory

    class RecordingInventory(type(inventory)):  # type: ignore[misc]
        def __contains__(self, name: object) -> bool:
            return False

        def register(
            self,
            name: str,
            domain: str,
            role: str,
            uri: str,
            priority: int = 1,
            dispname: str | None = None,
        ) -> None:
            kw: dict[str, Any] = {"name": name, "domain": domain, "role": role, "uri": uri}
            kw |= {"priority": priority, "dispname": dispname}
            record(kw)
            # Aliases (registered with a lower priority) only when absent.
            if priority > 1 and dict.__contains__(self, name):
                return
            super().register(**kw)

    copy = RecordingInventory(project=inventory.project, version=inventory.version)
    dict.update(copy, inventory)
    handlers.inventory = copy


def wrap_render(handler: Any, wrap: Callable[[Callable[..., str]], Callable[..., str]]) -> None:
    """Route ``handler.render`` through ``wrap(render)`` (an instance attribute shadows it)."""
    handler.render = wrap(type(handler).render.__get__(handler))


def headings(handler: Any) -> list[Any]:
    """The headings the handler rendered so far (mkdocstrings 1.0.8's ``_headings``), appendable."""
    found: list[Any] = handler._headings
    return found


def wrap_collect(handler: Any, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Route ``handler.collect`` through ``wrap(collect)``, on top of any earlier wrapper."""
    handler.collect = wrap(handler.collect)


def modules_collection(handler: Any) -> Any:
    """What griffe loaded for the python handler (its ModulesCollection); None if unknown."""
    return getattr(handler, "_modules_collection", None)


def collect_packages(handler: Any, packages: set[str]) -> Any:
    """Have the python ``handler`` load ``packages`` as rendering a page would; its collection.

    With its global options (preloaded packages and extensions included), so
    the build loads each package once, whoever asks first. A package it
    cannot find is left out; None when the handler does not work as
    expected (another handler's API): the caller takes its slow path.
    """
    from mkdocstrings import CollectionError

    try:
        options = handler.get_options({})
        for top in sorted(packages):
            with contextlib.suppress(CollectionError):
                handler.collect(top, options)
    except Exception:  # not worth failing the build over: the caller's slow path
        return None
    return modules_collection(handler)


def lines_collection(handler: Any) -> Any:
    """The source lines griffe read for the python handler; None if unknown."""
    return getattr(handler, "_lines_collection", None)


def set_collections(handler: Any, modules: Any, lines: Any) -> None:
    """Give the python handler modules loaded before (in another build or process)."""
    handler._modules_collection = modules
    handler._lines_collection = lines


def search_paths(handler: Any) -> list[str] | None:
    """griffe's search path for the python handler, in its order; None if unknown."""
    roots = getattr(handler, "_paths", None)
    return [str(r) for r in roots] if isinstance(roots, list) else None


def python_option_names() -> set[str] | None:
    """The option names mkdocstrings-python knows; None when they cannot be read."""
    if not usable("python-options"):
        return None
    config = import_module("mkdocstrings_handlers.python._internal.config")
    return {field.name for field in config.PythonInputOptions.__dataclass_fields__.values()}


def griffe_logger() -> logging.Logger | None:
    """The logging.Logger behind griffe's logger, which mkdocstrings may wrap in an adapter."""
    import griffe

    inner = getattr(griffe.logger, "_logger", None)
    target = getattr(inner, "logger", inner)
    return target if isinstance(target, logging.Logger) else None


def wrap_code_formatter(
    wrap: Callable[[Callable[[str, int], str], dict[str, str]], Callable[[str, int], str]],
) -> bool:
    """Route mkdocstrings-python's code formatter (Black's) through ``wrap(format, stash)``.

    mkdocstrings-python 2.0.11 formats signatures and code with what its
    module-level ``_get_formatter()`` returns (looked up at each call),
    after swapping cross-references for keys of ``_StashCrossRefFilter.stash``.
    Once per process; False when the shape is not the one written for.
    """
    if not usable("signature-memo"):
        return False
    rendering: Any = import_module("mkdocstrings_handlers.python._internal.rendering")

    def make(current: Callable[[], Callable[[str, int], str]]) -> Callable[[], Any]:
        made: list[Callable[[str, int], str]] = []

        def formatter() -> Callable[[str, int], str]:
            # At the first signature, not at configuration: getting the
            # formatter imports Black (60 ms), which a build that formats no
            # signature (a warm one, every page kept) never needs.
            if not made:
                made.append(wrap(current(), rendering._StashCrossRefFilter.stash))
            return made[0]

        return formatter

    replace_once(rendering, "_get_formatter", make)
    return True
