"""Upstream internals: every private attribute and replaced function refsite touches.

refsite's speed-ups reach into objects their authors did not publish as
API: autorefs' URL maps, the python handler's loaded modules, Material's
search index, MkDocs' page population. They are all here, as small
functions, each with the versions it was written against and why it is
needed. Written against mkdocs 1.6.1, mkdocstrings 1.0.8,
mkdocstrings-python 2.0.11, mkdocs-autorefs 1.4.5, mkdocs-material 9.8.2 and
griffe 2.4.1 (:data:`WRITTEN_FOR`).

:data:`SHAPES` declares what each relies on (attributes, a signature);
:func:`check_shapes` compares them with the installed packages, and
:func:`usable` tells a speed-up (:data:`FEATURES`) whether everything it
relies on is there. One that is not takes the slow, correct path: a whole
build, as MkDocs and its plugins make it without refsite's help.
:func:`problems` says so, one line per mismatch, for the plugin to log.

Upstream modules are imported inside the functions: importing this module
costs nothing.
"""

from __future__ import annotations

import ast
import functools
import inspect
import logging
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module, metadata
from typing import Any

__all__ = [
    "AUTOREFS_LOGGER",
    "FEATURES",
    "SHAPES",
    "WRITTEN_FOR",
    "Shape",
    "check_shapes",
    "griffe_logger",
    "headings",
    "index_entries",
    "lines_collection",
    "link_state",
    "lxml_add_entry",
    "modules_collection",
    "own_add_entry",
    "populate_page",
    "problems",
    "python_option_names",
    "record_anchors",
    "record_inventory",
    "replace_add_entry",
    "replace_observer",
    "search_index",
    "search_paths",
    "set_collections",
    "set_modified",
    "set_search_entries",
    "set_url_maps",
    "url_maps",
    "usable",
    "wrap_collect",
    "wrap_render",
    "wrap_theme_get_env",
]

WRITTEN_FOR = {
    "mkdocs": "1.6.1",
    "mkdocstrings": "1.0.8",
    "mkdocstrings-python": "2.0.11",
    "mkdocs-autorefs": "1.4.5",
    "mkdocs-material": "9.8.2",
    "griffe": "2.4.1",
}
"""The upstream versions this module was written and tested against."""


AUTOREFS_LOGGER = "mkdocs.plugins.mkdocs_autorefs"
"""autorefs 1.4.5 logs through loggers under this one (``mkdocs.plugins.`` + its module)."""


@dataclass(frozen=True)
class Shape:
    """What refsite relies on in one upstream object.

    ``owner`` is ``module:qualname``. Each of ``attributes`` must be on the
    object, or (for a class) be set on ``self`` in one of its methods or its
    bases' (instance attributes, which only an instance has). ``parameters``,
    if given, are the names the callable takes, in order.
    """

    name: str
    package: str
    owner: str
    attributes: tuple[str, ...] = ()
    parameters: tuple[str, ...] | None = None
    prefix: str | None = None
    """If given, the object's ``name`` starts with it (a logger's name)."""


SHAPES: tuple[Shape, ...] = (
    # autorefs 1.4.5: mkdocstrings registers each rendered heading through
    # this method; a page replayed from the cache registers what it recorded.
    Shape(
        "autorefs.register_anchor",
        "mkdocs-autorefs",
        "mkdocs_autorefs:AutorefsPlugin.register_anchor",
        parameters=("self", "page", "identifier", "anchor", "title", "primary"),
    ),
    # autorefs 1.4.5: the maps that register_anchor fills, put back in page
    # order by serve's incremental rebuilds and digested for kept cross-references.
    Shape(
        "autorefs.url_maps",
        "mkdocs-autorefs",
        "mkdocs_autorefs:AutorefsPlugin",
        ("_primary_url_map", "_secondary_url_map", "_title_map", "_abs_url_map"),
    ),
    # autorefs 1.4.5: how it fixes references besides the maps (kept cross-references).
    Shape(
        "autorefs.settings",
        "mkdocs-autorefs",
        "mkdocs_autorefs:AutorefsPlugin",
        ("_link_titles", "_strip_title_tags", "legacy_refs"),
    ),
    # autorefs 1.4.5 warns of unresolved references through loggers under
    # AUTOREFS_LOGGER: a build that warned keeps no cross-references.
    Shape(
        "autorefs.logger",
        "mkdocs-autorefs",
        "mkdocs_autorefs._internal.references:_log.logger",
        ("name",),
        prefix=AUTOREFS_LOGGER,
    ),
    # mkdocstrings 1.0.8: the inventory behind objects.inv, replaced by a
    # recording copy (Handlers.inventory), registered as its extension does.
    Shape(
        "mkdocstrings.inventory",
        "mkdocstrings",
        "mkdocstrings:Handlers",
        ("inventory",),
    ),
    Shape(
        "mkdocstrings.inventory_register",
        "mkdocstrings",
        "mkdocstrings:Inventory.register",
        parameters=("self", "name", "domain", "role", "uri", "priority", "dispname"),
    ),
    # mkdocstrings 1.0.8: rendering a heading appends it to _headings, which
    # the object cache stores with an object's HTML and hands back on a hit.
    Shape(
        "mkdocstrings.render",
        "mkdocstrings",
        "mkdocstrings:BaseHandler",
        ("render", "_headings"),
    ),
    # mkdocstrings-python 2.0.11: what griffe loaded, kept across rebuilds and
    # on disk, read to know a page's source files.
    Shape(
        "python.collections",
        "mkdocstrings-python",
        "mkdocstrings_handlers.python:PythonHandler",
        ("_modules_collection", "_lines_collection"),
    ),
    # mkdocstrings-python 2.0.11: collect(identifier, options), wrapped to
    # act once griffe has loaded modules (aliases, forking page workers).
    Shape(
        "python.collect",
        "mkdocstrings-python",
        "mkdocstrings_handlers.python:PythonHandler.collect",
        parameters=("self", "identifier", "options"),
    ),
    # mkdocstrings-python 2.0.11: griffe's search path, in its order (pages
    # shared between the releases of a versioned site).
    Shape(
        "python.paths",
        "mkdocstrings-python",
        "mkdocstrings_handlers.python:PythonHandler",
        ("_paths",),
    ),
    # mkdocstrings-python 2.0.11: its option classes, whose field names
    # refsite checks when it loads the handler without pydantic.
    Shape(
        "python.options",
        "mkdocstrings-python",
        "mkdocstrings_handlers.python._internal.config:PythonInputOptions",
        ("__dataclass_fields__",),
    ),
    # Material 9.8.2: the search plugin's index, whose entries are cached
    # per page and, in serve's incremental rebuilds, set whole.
    Shape(
        "material.search_index",
        "mkdocs-material",
        "material.plugins.search.plugin:SearchPlugin",
        ("search_index", "search_index_prev"),
    ),
    Shape(
        "material.add_entry",
        "mkdocs-material",
        "material.plugins.search.plugin:SearchIndex",
        ("entries", "add_entry_from_context"),
    ),
    # Material 9.8.2: the pieces of add_entry_from_context, fed by lxml.
    Shape(
        "material.sections",
        "mkdocs-material",
        "material.plugins.search.plugin:SearchIndex.create_entry_for_section",
        parameters=("self", "section", "toc", "url", "page"),
    ),
    Shape(
        "material.parser",
        "mkdocs-material",
        "material.plugins.search.plugin:Parser",
        ("data", "handle_starttag", "handle_data", "handle_endtag"),
    ),
    # MkDocs 1.6.1: a page's events up to its HTML, as a page worker runs them.
    Shape(
        "mkdocs.populate_page",
        "mkdocs",
        "mkdocs.commands.build:_populate_page",
        parameters=("page", "config", "files", "dirty"),
    ),
    # MkDocs 1.6.1: a dirty build reads and writes the pages whose
    # File.is_modified() is true; serve's incremental rebuilds answer it.
    Shape("mkdocs.is_modified", "mkdocs", "mkdocs.structure.files:File", ("is_modified",)),
    # MkDocs 1.6.1: the dev server's observer and what it watches, swapped
    # for one that the OS notifies.
    Shape(
        "mkdocs.livereload",
        "mkdocs",
        "mkdocs.livereload:LiveReloadServer",
        ("observer", "_watched_paths", "_watch_refs", "build_delay", "watch"),
    ),
    # MkDocs 1.6.1: the theme's Jinja environment, wrapped to keep compiled
    # templates and templated pages.
    Shape("mkdocs.theme_env", "mkdocs", "mkdocs.theme:Theme", ("get_env",)),
    # griffe 2.4.1: the logger object wraps a logging.Logger (or
    # mkdocstrings' adapter of one) in _logger.
    Shape("griffe.logger", "griffe", "griffe._internal.logger:Logger", ("_logger",)),
)
"""What refsite relies on, one entry per upstream object."""

FEATURES: dict[str, tuple[str, tuple[str, ...]]] = {
    # Each page registers its own anchors and inventory items only once
    # griffe's aliases are all made, whoever renders it.
    "materialize": ("aliases made at load", ("python.collections", "python.collect")),
    "page-cache": (
        "the page cache",
        (
            "autorefs.register_anchor",
            "mkdocstrings.inventory",
            "mkdocstrings.inventory_register",
            "python.collections",
            "python.collect",
        ),
    ),
    "object-cache": (
        "the object cache",
        ("mkdocstrings.render", "python.collections", "python.collect"),
    ),
    "page-workers": (
        "page workers",
        (
            "mkdocs.populate_page",
            "autorefs.register_anchor",
            "mkdocstrings.inventory",
            "mkdocstrings.inventory_register",
            "python.collections",
            "python.collect",
        ),
    ),
    "loaded-modules": ("keeping what griffe loaded", ("python.collections",)),
    "shared-pages": ("pages shared between releases", ("python.paths", "python.collections")),
    "incremental-serve": (
        "incremental serve rebuilds",
        (
            "autorefs.register_anchor",
            "autorefs.url_maps",
            "mkdocstrings.inventory",
            "mkdocstrings.inventory_register",
            "python.collections",
            "python.collect",
            "mkdocs.is_modified",
            "material.search_index",
            "material.add_entry",
        ),
    ),
    "kept-cross-references": (
        "kept cross-references",
        ("autorefs.url_maps", "autorefs.settings", "autorefs.logger"),
    ),
    "search-cache": ("reused search entries", ("material.search_index", "material.add_entry")),
    "search-lxml": (
        "search indexing with lxml",
        ("material.add_entry", "material.sections", "material.parser"),
    ),
    "watch-events": ("OS change notifications in serve", ("mkdocs.livereload",)),
    "theme-templates": ("kept templates and templated pages", ("mkdocs.theme_env",)),
    "quiet-griffe": ("a quiet griffe while looking for absent objects", ("griffe.logger",)),
    "python-options": ("loading mkdocstrings-python without pydantic", ("python.options",)),
}
"""Each speed-up: what the build goes without when it is off, and the shapes it relies on."""


def usable(feature: str) -> bool:
    """Whether every shape that ``feature`` (a key of :data:`FEATURES`) relies on is there.

    Only that feature's shapes are checked (and the check kept): asking
    imports no upstream package the feature does not touch.
    """
    shapes = {shape.name: shape for shape in SHAPES}
    return all(_problem(shapes[name]) is None for name in FEATURES[feature][1])


def check_shapes() -> list[str]:
    """One line per declared shape that the installed packages lack, with what goes without it.

    A shape of a package that is not installed is left out: nothing of it runs.
    """
    return [line for shape in SHAPES if (line := _problem(shape))]


def problems(config: Any) -> list[str]:
    """:func:`check_shapes`, for the packages the MkDocs ``config``'s site uses.

    Each line says what changed and what the build does without it, e.g.
    ``mkdocs-autorefs 1.5.0: AutorefsPlugin has no _primary_url_map (written for
    1.4.5): building without incremental serve rebuilds, kept cross-references``.
    Call it once mkdocstrings-python is loaded as refsite loads it (see
    :mod:`refsite.mkdocs.python_handler`): checking imports the handler.
    """
    plugins = set(getattr(config, "plugins", None) or ())
    used = {"mkdocs", "griffe"}
    if "mkdocstrings" in plugins:
        used |= {"mkdocstrings", "mkdocstrings-python", "mkdocs-autorefs"}
    if plugins & {"material/search", "search"}:
        used.add("mkdocs-material")
    return [line for shape in SHAPES if shape.package in used and (line := _problem(shape))]


@functools.cache
def _problem(shape: Shape) -> str | None:
    """The line saying what is wrong with ``shape``; None when all is well.

    "" when its package is not installed: nothing to say, and nothing usable.
    """
    try:
        installed = metadata.version(shape.package)
    except metadata.PackageNotFoundError:
        return ""
    wrong = _mismatch(shape)
    if wrong is None:
        return None
    without = ", ".join(sorted(what for what, needs in FEATURES.values() if shape.name in needs))
    return (
        f"{shape.package} {installed}: {wrong} "
        f"(written for {WRITTEN_FOR[shape.package]}): building without {without}"
    )


def _mismatch(shape: Shape) -> str | None:
    module_name, _, qualname = shape.owner.partition(":")
    try:
        owner: Any = import_module(module_name)
    except ImportError:
        return f"no module {module_name}"
    where = module_name
    for i, part in enumerate(parts := qualname.split(".")):
        if not hasattr(owner, part):
            return f"{where} has no {part}"
        owner, where = getattr(owner, part), ".".join(parts[: i + 1])
    lacking = [name for name in shape.attributes if not _has(owner, name)]
    if lacking:
        return f"{where} has no {', '.join(lacking)}"
    if shape.parameters is not None:
        try:
            names = tuple(inspect.signature(owner).parameters)
        except (TypeError, ValueError):
            return f"{where} has no signature"
        if names != shape.parameters:
            return f"{where} takes ({', '.join(names)}), not ({', '.join(shape.parameters)})"
    if shape.prefix is not None and not str(owner.name).startswith(shape.prefix):
        return f"{where} is named {owner.name}, not {shape.prefix}..."
    return None


def _has(owner: Any, name: str) -> bool:
    if hasattr(owner, name):
        return True
    if not isinstance(owner, type):
        return False
    return any(name in _set_on_self(cls) for cls in owner.__mro__)


@functools.cache
def _set_on_self(cls: type) -> frozenset[str]:
    """The attributes a class's own methods assign on ``self``: its instance attributes."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return frozenset()
    names = set()
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                if (
                    isinstance(element, ast.Attribute)
                    and isinstance(element.value, ast.Name)
                    and element.value.id == "self"
                ):
                    names.add(element.attr)
    return frozenset(names)


# --- mkdocs-autorefs 1.4.5 ---------------------------------------------------


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


# --- mkdocstrings 1.0.8 and mkdocstrings-python 2.0.11 -----------------------


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


# --- mkdocs-material 9.8.2 ---------------------------------------------------


def search_index(config: Any) -> tuple[Any, Any] | None:
    """Material's search plugin of the MkDocs ``config`` and its index, if both are there."""
    search = config.plugins.get("material/search") or config.plugins.get("search")
    index = getattr(search, "search_index", None)
    return None if index is None else (search, index)


def index_entries(index: Any) -> list[Any]:
    """The index's entries so far (a list Material appends to)."""
    entries: list[Any] = index.entries
    return entries


def set_search_entries(search: Any, entries: list[Any]) -> None:
    """Make Material's search index hold exactly ``entries``."""
    search.search_index.entries = entries
    # Material merges a dirty rebuild's entries into the previous index by
    # URL prefix; these entries are already whole.
    search.search_index_prev = None


def own_add_entry(index: Any) -> Callable[[Any], None]:
    """Material's own ``add_entry_from_context`` of ``index``."""
    add: Callable[[Any], None] = type(index).add_entry_from_context.__get__(index)
    return add


def replace_add_entry(index: Any, add_entry: Callable[[Any], None]) -> None:
    """Make Material index each page with ``add_entry`` (an instance attribute shadows its own)."""
    index.add_entry_from_context = add_entry


def lxml_add_entry(index: Any, feed: Callable[[Any, str], None]) -> Callable[[Any], None] | None:
    """Material's ``add_entry_from_context``, with the page fed to its parser by ``feed``.

    The body of Material 9.8.2's SearchIndex.add_entry_from_context, but for
    the parsing. None when Material lacks the pieces it relies on.
    """
    if not usable("search-lxml"):
        return None
    from material.plugins.search.plugin import Parser

    def add_entry(page: Any) -> None:
        search = page.meta.get("search") or {}
        if search.get("exclude"):
            return
        parser = Parser()
        feed(parser, page.content)
        for section in parser.data:
            if not section.is_excluded():
                index.create_entry_for_section(section, page.toc, page.url, page)

    return add_entry


# --- MkDocs 1.6.1 ------------------------------------------------------------


def populate_page(page: Any, config: Any, files: Any) -> None:
    """MkDocs' own steps for a page, up to its HTML (``mkdocs.commands.build._populate_page``)."""
    from mkdocs.commands.build import _populate_page

    _populate_page(page, config, files)


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


# --- griffe 2.4.1 ------------------------------------------------------------


def griffe_logger() -> logging.Logger | None:
    """The logging.Logger behind griffe's logger, which mkdocstrings may wrap in an adapter."""
    import griffe

    inner = getattr(griffe.logger, "_logger", None)
    target = getattr(inner, "logger", inner)
    return target if isinstance(target, logging.Logger) else None
