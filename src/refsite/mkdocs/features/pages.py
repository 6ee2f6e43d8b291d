"""The pages feature: what refsite adds to each page's Markdown and to the navigation.

It fills the ``<!-- refsite:NAME -->`` placeholders (the versions table, the
changes page, the coverage page's marker), shows backticked navigation labels
as code, and, when a page fails to render, says why its ``:::`` directive
cannot be rendered. It owns :attr:`Build.page` and :attr:`Build.site_wide`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from mkdocs.exceptions import PluginError

from refsite.checks.directives import diagnose, find_identifiers
from refsite.core.placeholders import PlaceholderError, expand, placeholder_names, versions_table
from refsite.mkdocs import internals
from refsite.mkdocs.build import PLUGIN_NAME, Build, Feature, log
from refsite.mkdocs.features.coverage import PLACEHOLDER as COVERAGE_PLACEHOLDER
from refsite.mkdocs.features.examples import PLACEHOLDER as EXAMPLES_PLACEHOLDER

__all__ = ["Pages", "inline_code"]


class Pages(Feature):
    """Placeholders, navigation labels, and the diagnosis of a failed page."""

    def __init__(self) -> None:
        self.attr_list = False

    def config(self, build: Build) -> None:
        self.attr_list = "attr_list" in build.config.markdown_extensions

    def nav(self, build: Build, nav: Any, files: Any) -> None:
        if not build.options.enabled:
            return
        # Navigation labels mark inline code with backticks (as the tree
        # does); Material shows a `typeset` title as HTML instead of text.
        for item in _walk_nav(nav.items):
            if "`" in (item.title or "") and not getattr(item, "typeset", None):
                internals.set_typeset_title(item, inline_code(item.title))

    def page_markdown(self, build: Build, markdown: str, page: Any) -> str:
        # Remember the page: if rendering it fails, build_error explains why.
        build.page = (page.file.src_uri, markdown)
        if not build.options.enabled:
            return markdown
        try:
            # The coverage report needs objects.inv, which exists only once
            # every page is rendered: its feature fills the marker in post_page.
            expanded = expand(
                markdown,
                {
                    "versions": lambda names: _versions_table(build, names),
                    "coverage": lambda args: COVERAGE_PLACEHOLDER,
                    "examples": lambda args: EXAMPLES_PLACEHOLDER,
                    "changes": lambda args: self._changes_page(build),
                },
            )
        except PlaceholderError as error:
            raise PluginError(f"{PLUGIN_NAME}: {page.file.src_uri}: {error}") from None
        # What fills a placeholder comes from the whole site or the environment;
        # the changes page comes from the history file alone (see the serve feature).
        build.site_wide = expanded != markdown and set(placeholder_names(markdown)) != {"changes"}
        return expanded

    def _changes_page(self, build: Build) -> str:
        if build.history is None:
            raise PlaceholderError("refsite:changes needs the plugin's 'history.file' option")
        return build.history.page(ids=self.attr_list, release=build.older_release)

    def build_error(self, build: Build | None, error: Exception) -> None:
        if build is None or build.page is None:
            return
        src_uri, markdown = build.page
        for identifier in find_identifiers(markdown):
            reason = diagnose(identifier, build.search_paths)
            if reason is not None:
                log.error("%s: '::: %s' cannot be rendered: %s", src_uri, identifier, reason)


def _versions_table(build: Build, names: Sequence[str]) -> str:
    known = build.release.versions if build.release is not None else None
    return versions_table(names, known)


def _walk_nav(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        out.append(item)
        out.extend(_walk_nav(item.children or []))
    return out


def inline_code(title: str) -> str:
    """HTML for a label whose backticks mark inline code."""
    parts = html.escape(title, quote=False).split("`")
    if len(parts) % 2 == 0:
        return html.escape(title, quote=False)  # unbalanced: show it as it is
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
