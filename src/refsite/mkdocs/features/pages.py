"""The pages feature: what refsite adds to each page's Markdown and to the navigation.

It fills the ``<!-- refsite:NAME -->`` placeholders (the versions table, the
changes page, the coverage, examples and docstrings pages' markers), shows
backticked navigation labels as code (in the sidebar, the header and the
footer; as plain text in the ``<title>`` and the footer's ``aria-label``),
and, when a page fails to render, says why its ``:::`` directive cannot be
rendered. It owns :attr:`Build.page` and :attr:`Build.site_wide`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mkdocs.exceptions import PluginError

from refsite import internals
from refsite.checks.directives import diagnose, find_identifiers
from refsite.core.placeholders import PlaceholderError, expand, placeholder_names, versions_table
from refsite.extras.titles import code_search_titles, inline_code, retitle_page
from refsite.mkdocs.build import PLUGIN_NAME, Build, BuiltSite, Feature, log
from refsite.mkdocs.features.coverage import PLACEHOLDER as COVERAGE_PLACEHOLDER
from refsite.mkdocs.features.docstrings import PLACEHOLDER as DOCSTRINGS_PLACEHOLDER
from refsite.mkdocs.features.examples import PLACEHOLDER as EXAMPLES_PLACEHOLDER

__all__ = ["PagesFeature"]


class PagesFeature(Feature):
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
                    "docstrings": lambda args: DOCSTRINGS_PLACEHOLDER,
                    "changes": lambda args: self._changes_page(build),
                },
            )
        except PlaceholderError as error:
            raise PluginError(f"{PLUGIN_NAME}: {page.file.src_uri}: {error}") from None
        # What fills a placeholder comes from the whole site or the environment
        # (the coverage and examples reports, filled after templating: their
        # Markdown stays the same); the changes page comes from the history
        # file alone (see the serve feature).
        build.site_wide = bool(set(placeholder_names(markdown)) - {"changes"})
        return expanded

    def _changes_page(self, build: Build) -> str:
        if build.history is None:
            raise PlaceholderError("refsite:changes needs the plugin's 'history.file' option")
        return build.history.page(ids=self.attr_list, release=build.older_release)

    def post_page(self, build: Build, output: str, page: Any) -> str:
        if not build.options.enabled:
            return output
        # Material puts the labels in the page's title, header and footer as
        # they are: backticks become code there, or plain text where no HTML goes.
        previous, following = page.previous_page, page.next_page
        return retitle_page(
            output,
            title=page.title,
            previous=previous.title if previous is not None else None,
            following=following.title if following is not None else None,
        )

    def search_titles(self, build: Build, site: BuiltSite) -> None:
        """Post-build: backticked labels that Material's index took as titles show as code."""
        path = site.directory / "search" / "search_index.json"
        if not build.options.enabled or not path.is_file():
            return
        text = path.read_text(encoding="utf-8")
        if "`" not in text:
            return
        index = json.loads(text)
        if code_search_titles(index):
            # Material writes the index compactly; keep it so.
            path.write_text(json.dumps(index, separators=(",", ":")), encoding="utf-8")

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
