"""Page outputs kept between builds, each under a digest of what it is made of.

Once its pages are rendered (or replayed from the page cache), a build still
puts every page through the theme's templates and marks its headings with
badges; neither result changes while its inputs stay the same. An
:class:`KeptOutputsFile` keeps each result under a digest of those inputs, in one
file per site, so that a build in a new process does neither again for a
page whose inputs the last build saw. Keys cover every input: a page's
content, title, table of contents and metadata, its neighbours, the whole
navigation as the page shows it, the template, the configuration as the
templates see it (with what plugins set at run time, such as a versioned
build's ``extra.version``), and the site's fingerprint (renderer versions,
refsite's code, theme overrides).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from refsite.core.store import derive_key, dump_pickle, load_pickle

__all__ = [
    "KeptOutputsFile",
    "template_key",
]

# What MkDocs puts in a page's template context. A context with other keys
# (a plugin's additions) is rendered every time: its key could not see them.
CONTEXT_KEYS = frozenset(
    {
        "nav",
        "pages",
        "base_url",
        "extra_css",
        "extra_javascript",
        "mkdocs_version",
        "build_date_utc",
        "config",
        "page",
    }
)


def template_key(site: str, template: str, context: Mapping[str, Any]) -> str | None:
    """The key of a page's templated HTML, or None when it cannot be known.

    Args:
        site: What every page's HTML depends on: the configuration, the
            renderers' versions and the theme's templates.
        template: The name of the page's template.
        context: The template context MkDocs renders the page with.
    """
    page = context.get("page")
    if page is None or not set(context) <= CONTEXT_KEYS:
        return None
    config = context.get("config")
    if config is not None and not isinstance(config, Mapping):
        return None
    # build_date_utc is left out: Material's templates do not show it, and
    # it changes in every build unless SOURCE_DATE_EPOCH is set.
    data = {
        "template": template,
        "page": _page_data(page),
        "content": derive_key(page.content or ""),
        "nav": _nav_data(getattr(context.get("nav"), "items", [])),
        "homepage": _url(getattr(context.get("nav"), "homepage", None)),
        "pages": [getattr(f, "src_uri", str(f)) for f in context.get("pages") or []],
        "base_url": context.get("base_url"),
        "extra_css": [str(x) for x in context.get("extra_css") or []],
        "extra_javascript": [str(x) for x in context.get("extra_javascript") or []],
        "mkdocs_version": context.get("mkdocs_version"),
        "config": _config_data(config or {}),
    }
    return derive_key(site, json.dumps(data, sort_keys=True, default=str))


# Settings a theme's templates cannot show: where files are, how the build
# runs, and what the page, navigation and fingerprint already cover.
_BUILD_ONLY = frozenset(
    {
        "config_file_path",
        "docs_dir",
        "site_dir",
        "dev_addr",
        "watch",
        "strict",
        "validation",
        "remote_branch",
        "remote_name",
        "exclude_docs",
        "draft_docs",
        "not_in_nav",
        "hooks",
        "nav",
        "pages",
        "markdown_extensions",
        "mdx_configs",
        "plugins",
    }
)


def _config_data(config: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration as templates see it, including what plugins set at run time."""
    data = {key: value for key, value in config.items() if key not in _BUILD_ONLY}
    theme = data.get("theme")
    if isinstance(theme, Mapping):
        data["theme"] = {"name": getattr(theme, "name", None), **dict(theme)}
    # Templates test which plugins are enabled (Material: its search).
    data["plugins"] = sorted(config.get("plugins") or [])
    return data


def _url(page: Any) -> str | None:
    return None if page is None else str(page.url)


def _toc_data(items: Iterable[Any]) -> list[Any]:
    return [
        [item.title, item.id, item.level, getattr(item, "typeset", None), _toc_data(item.children)]
        for item in items
    ]


def _page_data(page: Any) -> dict[str, Any]:
    return {
        "url": page.url,
        "src": page.file.src_uri,
        "title": page.title,
        "meta": page.meta,
        "toc": _toc_data(page.toc),
        "canonical_url": page.canonical_url,
        "edit_url": page.edit_url,
        "is_homepage": page.is_homepage,
        "previous": [_url(page.previous_page), getattr(page.previous_page, "title", None)],
        "next": [_url(page.next_page), getattr(page.next_page, "title", None)],
        "ancestors": [a.title for a in page.ancestors],
    }


def _nav_data(items: Iterable[Any]) -> list[Any]:
    return [
        {
            "kind": type(item).__name__,
            "title": item.title,
            "url": getattr(item, "url", None),
            "active": item.active,
            "typeset": getattr(item, "typeset", None),
            "meta": getattr(item, "meta", None),
            "children": _nav_data(item.children or []),
        }
        for item in items
    ]


class KeptOutputsFile:
    """Outputs by key: those a build used or made are what it keeps for the next."""

    def __init__(self, entries: dict[str, str] | None = None) -> None:
        self._known = entries or {}
        self._used: dict[str, str] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> str | None:
        """The output kept under ``key``, if any."""
        value = self._used.get(key) or self._known.get(key)
        if value is None:
            self.misses += 1
            return None
        self._used[key] = value
        self.hits += 1
        return value

    def next_build(self) -> None:
        """Start another build in this process: it finds what the last one used or made."""
        # A serve process would otherwise keep every output of every edit.
        self._known, self._used = self._used, {}
        self.hits = self.misses = 0

    def put(self, key: str, value: str) -> None:
        """Keep ``value`` under ``key``."""
        self._used[key] = value

    def save(self, file: Path, version: str) -> None:
        """Write what this build used or made (older entries are dropped)."""
        dump_pickle(file, (version, self._used))

    @classmethod
    def load(cls, file: Path, version: str) -> KeptOutputsFile:
        """What :meth:`save` wrote with the same ``version``; empty otherwise."""
        saved = load_pickle(file)
        if not (isinstance(saved, tuple) and len(saved) == 2 and saved[0] == version):
            return cls()
        entries = saved[1]
        return cls(entries if isinstance(entries, dict) else None)
