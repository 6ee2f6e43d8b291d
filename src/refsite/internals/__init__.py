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

The accessors live by upstream package (:mod:`.autorefs`, :mod:`.handlers`,
:mod:`.material`, :mod:`.builds`), the declarations and the check in
:mod:`.declared`; everything is re-exported here. Upstream modules are
imported inside the functions: importing this package costs nothing.
"""

from refsite.core.shapes import Shape
from refsite.internals.alias_registry import MADE, fill_registry
from refsite.internals.autorefs import (
    AUTOREFS_LOGGER,
    link_state,
    record_anchors,
    set_url_maps,
    url_maps,
)
from refsite.internals.builds import (
    DIRTY_BUILD_LOGGER,
    DIRTY_WARNING,
    populate_page,
    replace_observer,
    serve_builds_dirty,
    set_modified,
    wrap_theme_get_env,
)
from refsite.internals.declared import (
    FEATURES,
    SHAPES,
    WRITTEN_FOR,
    check_shapes,
    problems,
    usable,
)
from refsite.internals.handlers import (
    GRIFFE_LOGGER,
    PRELOADED,
    collect_packages,
    griffe_logger,
    headings,
    lines_collection,
    modules_collection,
    python_option_names,
    record_inventory,
    search_paths,
    set_collections,
    wrap_code_formatter,
    wrap_collect,
    wrap_render,
)
from refsite.internals.highlight import reuse_highlight_setup
from refsite.internals.material import (
    index_entries,
    lxml_add_entry,
    own_add_entry,
    replace_add_entry,
    search_index,
    set_search_entries,
    set_typeset_title,
)

__all__ = [
    "AUTOREFS_LOGGER",
    "DIRTY_BUILD_LOGGER",
    "DIRTY_WARNING",
    "FEATURES",
    "GRIFFE_LOGGER",
    "MADE",
    "PRELOADED",
    "SHAPES",
    "WRITTEN_FOR",
    "Shape",
    "check_shapes",
    "collect_packages",
    "fill_registry",
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
    "reuse_highlight_setup",
    "search_index",
    "search_paths",
    "serve_builds_dirty",
    "set_collections",
    "set_modified",
    "set_search_entries",
    "set_typeset_title",
    "set_url_maps",
    "url_maps",
    "usable",
    "wrap_code_formatter",
    "wrap_collect",
    "wrap_render",
    "wrap_theme_get_env",
]
