"""What a build keeps for the next one, after its pages are rendered.

The page cache (:mod:`refsite.speed.reuse`) makes rendering a page's objects
cheap in a warm build; what is left is the same work on every page in every
build: fixing cross-references, templating, badges, boosting the search
index, reading the inventory for coverage, and parsing the written HTML for
the checks. The plugin hands those steps to :class:`KeptOutputs`, which
keeps each result in :class:`refsite.core.outputs.OutputMemo` (and the checks'
parsing in :class:`refsite.checks.site.ParsedFiles`) under a digest of its inputs,
one file per configuration in the cache folder. A build in a new process
then repeats a step only for the pages whose inputs changed.

Cross-references are kept only from builds in which autorefs warned of
nothing: a kept result is one that a build made, warning-free, from the same
page and the same anchors.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2

from refsite import internals
from refsite.checks.coverage import rendered_names
from refsite.checks.site import ParsedFiles
from refsite.core.outputs import KeptOutputsFile, template_key
from refsite.core.store import Store, derive_key
from refsite.extras.search import boosted_index

__all__ = ["KeptOutputs"]


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class KeptOutputs:
    """One build's kept outputs: read from the cache folder, written back after the build.

    Args:
        cache_dir: The cache folder.
        fingerprint: What every page depends on (configuration, renderers,
            refsite, the theme's override folder by content): each
            configuration keeps its own files.
    """

    def __init__(self, cache_dir: Path, fingerprint: str) -> None:
        name = derive_key(fingerprint)
        store = Store(cache_dir)
        self._outputs_file = store.file("outputs", name, ".pickle")
        self._parsed_file = store.file("parsed", name, ".pickle")
        self._version = fingerprint
        self._parsed_version = f"{fingerprint};lxml=={metadata.version('lxml')}"
        self._memo: KeptOutputsFile | None = None
        self._pending: dict[str, str] = {}
        self._warnings: _Warnings | None = None

    @property
    def memo(self) -> KeptOutputsFile:
        """The kept outputs, read at first use."""
        if self._memo is None:
            self._memo = KeptOutputsFile.load(self._outputs_file, self._version)
        return self._memo

    def next_build(self) -> None:
        """Start another build in this process (``mkdocs serve``): it keeps only the last."""
        if self._memo is not None:
            self._memo.next_build()

    def same_site(self, other: KeptOutputs) -> bool:
        """Whether ``other`` keeps the same site's outputs under the same version."""
        return (self._outputs_file, self._version) == (
            other._outputs_file,
            other._version,
        )

    def render(
        self, template: jinja2.Template, context: dict[str, Any], render: Callable[[], str]
    ) -> str:
        """A page's templated HTML, kept from an earlier build when its inputs are the same."""
        key = template_key(self._version, template.name or "", context)
        return render() if key is None else self._kept(key, render)

    def badges(self, output: str, history: str, add: Callable[[], str]) -> str:
        """``add()`` (a page's HTML with its badges) for a page and history digest seen before."""
        return self._kept(derive_key("badges", history, output), add)

    def boosted_index(self, boost: float) -> Callable[[str, bytes], str]:
        """:func:`refsite.extras.search.boosted_index`, kept by the index and inventory."""

        def boosted(index: str, inventory: bytes) -> str:
            key = derive_key("search", str(boost), index, inventory)
            return self._kept(key, lambda: boosted_index(index, inventory, boost=boost))

        return boosted

    def theme_listings(self, folders: list[str], listings: dict[str, list[str]]) -> None:
        """Fill ``listings`` with the kept listings of the theme's ``folders``, if any."""
        for folder in folders:
            if folder not in listings:
                names = self.memo.get(derive_key("listing", folder))
                if names is not None:
                    listings[folder] = names.split("\n") if names else []

    def keep_theme_listings(self, listings: dict[str, list[str]]) -> None:
        """Keep the theme folders' listings for the next build."""
        # Only folders outside the project are listed once (see
        # refsite.speed.templates): installed themes, whose versions the
        # fingerprint holds.
        for folder, names in listings.items():
            self.memo.put(derive_key("listing", folder), "\n".join(names))

    def rendered_names(self, site: Path) -> list[str]:
        """:func:`refsite.checks.coverage.rendered_names`, kept by the inventory's bytes."""
        try:
            data = (site / "objects.inv").read_bytes()
        except OSError:
            return rendered_names(site)  # which says what is wrong
        names = self._kept(derive_key("names", data), lambda: "\n".join(rendered_names(site)))
        return [name for name in names.split("\n") if name]

    def _kept(self, key: str, make: Callable[[], str]) -> str:
        value = self.memo.get(key)
        if value is None:
            value = make()
            self.memo.put(key, value)
        return value

    def before_cross_references(self, pages: list[Any], autorefs: Any) -> None:
        """Put back each page's fixed cross-references, where they are known.

        Call after every anchor and URL is registered, before autorefs fixes
        the pages: it finds no reference left to fix in a page put back.
        """
        self._pending = {}
        maps = _url_maps(autorefs)
        # autorefs records backlinks while it fixes pages; mkdocstrings shows
        # them where a page has its placeholder (the `backlinks` option).
        if maps is None or any("<backlinks" in (page.content or "") for page in pages):
            return
        for page in pages:
            if not page.content:
                continue
            key = derive_key("refs", maps, page.url, page.content)
            fixed = self.memo.get(key)
            if fixed is None:
                self._pending[page.url] = key
            else:
                page.content = fixed
        self._warnings = _Warnings()
        logging.getLogger(internals.AUTOREFS_LOGGER).addHandler(self._warnings)

    def after_cross_references(self, pages: list[Any]) -> None:
        """Keep the pages autorefs fixed, if it warned of nothing."""
        if self._warnings is None:
            return
        logging.getLogger(internals.AUTOREFS_LOGGER).removeHandler(self._warnings)
        clean = self._warnings.count == 0
        self._warnings = None
        if not clean:
            return
        for page in pages:
            key = self._pending.get(page.url)
            if key is not None and page.content:
                self.memo.put(key, page.content)

    def parsed(self) -> ParsedFiles:
        """What the last build's checks parsed, found again by content."""
        return ParsedFiles.load(self._parsed_file, self._parsed_version)

    def save(self, parsed: ParsedFiles) -> None:
        """Write this build's outputs and parsed pages for the next build."""
        self.memo.save(self._outputs_file, self._version)
        parsed.save(self._parsed_file, self._parsed_version)


def _url_maps(autorefs: Any) -> str | None:
    """A digest of every URL autorefs can link to, or None when it cannot be read.

    The maps are autorefs' own attributes: a version that changed them (see
    :mod:`refsite.internals`) gets no kept cross-references, never wrong ones.
    """
    state = internals.link_state(autorefs) if internals.usable("kept-cross-references") else None
    if state is None:
        return None
    return derive_key(json.dumps(state, sort_keys=True, default=str))
