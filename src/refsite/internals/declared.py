"""What refsite relies on in MkDocs, mkdocstrings, autorefs, griffe and Material, checked.

:data:`SHAPES` declares it (attributes, a signature), one entry per upstream
object, with the versions it was written against (:data:`WRITTEN_FOR`).
:func:`usable` tells a speed-up (:data:`FEATURES`) whether everything it
relies on is there; one that is not takes the slow, correct path.
:func:`problems` says so, one line per mismatch, for the plugin to log.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from importlib import metadata
from typing import Any

from refsite.core.shapes import Shape, mismatch
from refsite.internals.autorefs import AUTOREFS_LOGGER

__all__ = [
    "FEATURES",
    "SHAPES",
    "WRITTEN_FOR",
    "check_shapes",
    "problems",
    "replace_once",
    "usable",
]

WRITTEN_FOR = {
    "mkdocs": "1.6.1",
    "mkdocstrings": "1.0.8",
    "mkdocstrings-python": "2.0.11",
    "mkdocs-autorefs": "1.4.5",
    "mkdocs-material": "9.8.2",
    "griffe": "2.4.1",
    "pymdown-extensions": "13.1.2",
    "pygments": "2.21.0",
}
"""The upstream versions this module was written and tested against."""


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
    # mkdocstrings-python 2.0.11: the formatter of signatures (Black), looked
    # up at each call, and the stash of cross-reference keys it formats
    # around; wrapped to format each distinct signature once.
    Shape(
        "python.formatter",
        "mkdocstrings-python",
        "mkdocstrings_handlers.python._internal.rendering:_get_formatter",
        parameters=(),
    ),
    Shape(
        "python.stash",
        "mkdocstrings-python",
        "mkdocstrings_handlers.python._internal.rendering:_StashCrossRefFilter",
        ("stash",),
    ),
    # pymdown-extensions 13.1.2 looks each code block's lexer up with
    # Pygments' get_lexer_by_name, imported into its module; Pygments 2.21.0's
    # HTML formatter computes its style classes in _create_stylesheet.
    Shape(
        "pymdownx.lexer",
        "pymdown-extensions",
        "pymdownx.highlight:get_lexer_by_name",
        parameters=("_alias", "options"),
    ),
    Shape(
        "pygments.stylesheet",
        "pygments",
        "pygments.formatters.html:HtmlFormatter",
        ("_create_stylesheet", "ttype2class", "class2style", "style", "classprefix"),
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
        ("data", "handle_starttag", "handle_data", "handle_endtag", "context", "skip"),
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
    # MkDocs 1.6.1: serve() builds with the `build` imported into its module,
    # which refsite wraps so that bare `mkdocs serve` rebuilds as --dirty does.
    Shape(
        "mkdocs.serve_build",
        "mkdocs",
        "mkdocs.commands.serve:build",
        parameters=("config", "serve_url", "dirty"),
    ),
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

# Registering what a page registers, to replay it; and griffe's loaded modules.
_REPLAY = ("autorefs.register_anchor", "mkdocstrings.inventory", "mkdocstrings.inventory_register")
_LOADED = ("python.collections", "python.collect")
_SEARCH = ("material.search_index", "material.add_entry")

FEATURES: dict[str, tuple[str, tuple[str, ...]]] = {
    # Each page registers its own anchors and inventory items only once
    # griffe's aliases are all made, whoever renders it.
    "materialize": ("aliases made at load", _LOADED),
    "page-cache": ("the page cache", (*_REPLAY, *_LOADED)),
    "object-cache": ("the object cache", ("mkdocstrings.render", *_LOADED)),
    "page-workers": ("page workers", ("mkdocs.populate_page", *_REPLAY, *_LOADED)),
    "loaded-modules": ("keeping what griffe loaded", ("python.collections",)),
    "shared-pages": ("pages shared between releases", ("python.paths", "python.collections")),
    "incremental-serve": (
        "incremental serve rebuilds",
        ("autorefs.url_maps", "mkdocs.is_modified", *_REPLAY, *_LOADED, *_SEARCH),
    ),
    "serve-dirty": ("bare mkdocs serve rebuilding as --dirty does", ("mkdocs.serve_build",)),
    "kept-cross-references": (
        "kept cross-references",
        ("autorefs.url_maps", "autorefs.settings", "autorefs.logger"),
    ),
    "signature-memo": (
        "signatures formatted once per distinct text",
        ("python.formatter", "python.stash"),
    ),
    "highlight-setup": (
        "lexers and style classes looked up once",
        ("pymdownx.lexer", "pygments.stylesheet"),
    ),
    "search-cache": ("reused search entries", _SEARCH),
    "search-lxml": (
        "search indexing with lxml",
        (*_SEARCH, "material.sections", "material.parser"),
    ),
    "watch-events": ("OS change notifications in serve", ("mkdocs.livereload",)),
    "theme-templates": ("kept templates and templated pages", ("mkdocs.theme_env",)),
    "quiet-griffe": ("a quiet griffe while looking for absent objects", ("griffe.logger",)),
    "python-options": ("loading mkdocstrings-python without pydantic", ("python.options",)),
}
"""Each speed-up: what the build goes without when it is off, and the shapes it relies on."""


_REPLACED = "refsite_replaced"


def replace_once(owner: Any, name: str, make: Callable[[Any], Any]) -> None:
    """Replace ``owner``'s ``name`` by ``make(current)``, once per process.

    A process may configure many builds (``mkdocs serve``, the tests, a fork
    server): the replacement carries a mark, so a second call finds it and
    changes nothing, and no wrapper is ever wrapped again.
    """
    current = getattr(owner, name)
    if getattr(current, _REPLACED, False):
        return
    replacement = make(current)
    setattr(replacement, _REPLACED, True)
    setattr(owner, name, replacement)


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
    Only code this process has imported is checked, so checking imports
    nothing (the dev server's module, say, in a build): call it once
    mkdocstrings-python is loaded as refsite loads it (see
    :mod:`refsite.mkdocs.python_handler`). :func:`usable` checks the rest
    when a feature asks.
    """
    plugins = set(getattr(config, "plugins", None) or ())
    used = {"mkdocs", "griffe"}
    if "mkdocstrings" in plugins:
        used |= {"mkdocstrings", "mkdocstrings-python", "mkdocs-autorefs"}
    if plugins & {"material/search", "search"}:
        used.add("mkdocs-material")
    return [
        line
        for shape in SHAPES
        if shape.package in used
        and shape.owner.partition(":")[0] in sys.modules
        and (line := _problem(shape))
    ]


@functools.cache
def _problem(shape: Shape) -> str | None:
    """The line saying what is wrong with ``shape``; None when all is well.

    "" when its package is not installed: nothing to say, and nothing usable.
    """
    wrong = mismatch(shape)
    if wrong is None:
        return None
    try:  # only now: reading a package's metadata costs milliseconds
        installed = metadata.version(shape.package)
    except metadata.PackageNotFoundError:
        return ""
    without = ", ".join(sorted(what for what, needs in FEATURES.values() if shape.name in needs))
    return (
        f"{shape.package} {installed}: {wrong} "
        f"(written for {WRITTEN_FOR[shape.package]}): building without {without}"
    )
