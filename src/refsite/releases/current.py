"""The MkDocs side of one release of a versioned site.

With ``REFSITE_RELEASE=X.Y`` a build renders that release of the lock
(:mod:`refsite.releases.lock`) instead of the installed packages: mkdocstrings'
python handler reads the release's unpacked wheels first, the site lives at
``site_url`` + ``X.Y/``, a ``:::`` of an object the release lacks becomes a
note (:mod:`refsite.checks.absent`), and a page with nothing left leaves the
navigation. With ``REFSITE_VERSIONED`` set (every build of a versioned site,
the root included) pages get Material's version selector.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Collection, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import griffe

from refsite import internals
from refsite.checks.absent import (
    Absent,
    absent_note,
    present,
    present_in,
    release_contract,
    replace_absent,
)
from refsite.checks.directives import find_identifiers
from refsite.checks.tree import Tree
from refsite.history.model import HistoryError
from refsite.history.view import HistoryView
from refsite.speed.kept_pages import KeptPages

if TYPE_CHECKING:
    # Read only in a versioned build: a site's single-release builds skip the import.
    from refsite.releases.lock import Lock, Release

__all__ = [
    "RELEASE_ENV",
    "VERSIONED_ENV",
    "WORKERS_ENV",
    "OlderSources",
    "ReleaseSite",
    "root_script",
    "wanted_release",
]

RELEASE_ENV = "REFSITE_RELEASE"
VERSIONED_ENV = "REFSITE_VERSIONED"
# How many processes one build renders with (refsite.speed.workers); a versioned
# build that runs several builds at once sets it to 1.
WORKERS_ENV = "REFSITE_WORKERS"


def wanted_release() -> str | None:
    """The release this process builds (``REFSITE_RELEASE``), or None for the installed one."""
    return os.environ.get(RELEASE_ENV) or None


def versioned() -> bool:
    """Whether this build is part of a versioned site (``REFSITE_VERSIONED``)."""
    return os.environ.get(VERSIONED_ENV, "").lower() not in ("", "0", "false", "no")


def root_script() -> str:
    """The script the root pages of a versioned site carry (see assets/versions.js)."""
    return resources.files("refsite").joinpath("assets/versions.js").read_text(encoding="utf-8")


class ReleaseSite:
    """One release of the lock, as one MkDocs build renders it."""

    def __init__(
        self,
        lock: Lock,
        release: Release,
        label: str,
        wheels_dir: Path,
        unpacked_dir: Path,
    ) -> None:
        self.lock = lock
        self.release = release
        self.label = label
        self._wheels_dir = wheels_dir
        self._unpacked_dir = unpacked_dir
        from refsite.releases.lock import fetch

        self.folders = fetch(release, wheels_dir, unpacked_dir)
        self.absent: dict[str, str] = {}
        self.absent_members: set[str] = set()
        """Object paths the contract declares that this (older) release lacks."""
        """Identifier -> the note that stands for it on this release's pages."""
        self.hidden: set[str] = set()
        """URLs (``/x/y/``) of the pages left out of the navigation."""

    @classmethod
    def load(
        cls, lock_file: Path, version: str, label: str, wheels_dir: Path, unpacked_dir: Path
    ) -> ReleaseSite:
        """The release ``version`` (``X.Y`` or exact) of the lock in ``lock_file``.

        Raises:
            LockError: no such lock or release; a wheel's hash differs.
            WheelError: a wheel cannot be downloaded.
        """
        from refsite.releases.lock import load_lock

        lock = load_lock(lock_file)
        return cls(lock, lock.release(version), label, wheels_dir, unpacked_dir)

    @property
    def is_newest(self) -> bool:
        """Whether this is the newest documented release (the one that gates coverage)."""
        return self.release == self.lock.releases[0]

    @property
    def older_version(self) -> str | None:
        """This release's version, unless it is the newest: its badges and changes end there."""
        return None if self.is_newest else self.release.version

    def public_api(self, history: HistoryView, packages: Sequence[str]) -> list[Any] | None:
        """An older release's public API as ``history`` read it from its very wheels, if so.

        As :func:`refsite.checks.coverage.load_api_data` returns it; None for the
        newest release (its coverage gates the build: read from its sources).
        """
        if self.is_newest or len(packages) != 1:
            return None
        wheels = [(w.name, w.version, w.sha256) for w in self.release.wheels]
        try:
            return history.public_api(packages[0], self.release.version, wheels)
        except HistoryError:
            return None

    @property
    def versions(self) -> dict[str, str]:
        """Package name -> version, for the versions table."""
        return {w.name: w.version for w in self.release.wheels}

    def configure(self, config: Any) -> None:
        """Point mkdocstrings at the release's wheels and the site at its folder."""
        handlers = config.plugins["mkdocstrings"].config.setdefault("handlers", {})
        python = handlers.setdefault("python", {})
        python["paths"] = [str(f) for f in self.folders]
        base = config.site_url or "/"
        config.site_url = base.rstrip("/") + f"/{self.release.minor}/"

    def scan(
        self,
        pages: Sequence[tuple[str, str]],
        cache: KeptPages | None = None,
        handler: Any = None,
        *,
        members: Collection[str] = (),
    ) -> None:
        """Find the objects this release lacks on ``pages`` ((url, markdown) pairs).

        With ``cache``, which of the pages' objects a release has is kept by
        its wheels' hashes: the other releases of the site, which look up the
        newer ones for their notes, read it instead of loading them again.
        With mkdocstrings' python ``handler``, the release's packages are
        loaded by it, once for this scan and for rendering the pages.
        """
        by_page = {url: find_identifiers(markdown) for url, markdown in pages}
        identifiers = {i for ids in by_page.values() for i in ids}
        if not identifiers:
            return
        # Members the contract declares (a Starlette enum's value, say) that an
        # older release lacks while it has their object: not an error of that
        # release's build. The newest release's contract stays whole.
        tops = {i.split(".", 1)[0] for i in identifiers}
        declared = set()
        if not self.is_newest:
            declared = {m for m in members if m.split(".", 1)[0] in tops} - identifiers
        found = self._present(self.release, identifiers, cache, handler)
        if declared:
            self.absent_members = declared - self._present(self.release, declared, cache, handler)
        missing = identifiers - found
        first = self._first_with(missing, identifiers, cache)
        for identifier in sorted(missing):
            note = absent_note(identifier, self.label, self.release.version, first.get(identifier))
            self.absent[identifier] = note
        for url, ids in by_page.items():
            if ids and all(i in missing for i in ids):
                self.hidden.add(url)

    def page_markdown(self, markdown: str) -> str:
        """The page with a note in place of each absent object."""
        return replace_absent(markdown, self.absent) if self.absent else markdown

    def tree(self, tree: Tree) -> Tree:
        """The contract of this release: without its hidden pages and absent anchors."""
        return release_contract(tree, self.left_out())

    def left_out(self) -> Absent | None:
        """What :meth:`tree` leaves out of the contract (None: nothing), for ``absent.json``."""
        objects = frozenset({*self.absent, *self.absent_members})
        if not objects and not self.hidden:
            return None
        return Absent(self.release.version, objects, frozenset(self.hidden))

    def prune_navigation(self, nav: Any) -> None:
        """Take the hidden pages out of MkDocs' navigation, its page order and their links."""
        nav.items = self.prune_nav(nav.items, _page_url)
        nav.pages = [p for p in nav.pages if _page_url(p) not in self.hidden]
        for previous, page in zip([None, *nav.pages], nav.pages, strict=False):
            page.previous_page = previous
            if previous is not None:
                previous.next_page = page
        if nav.pages:
            nav.pages[-1].next_page = None

    def prune_nav(self, items: list[Any], url_of: Callable[[Any], str | None]) -> list[Any]:
        """Navigation ``items`` without the hidden pages (and sections left empty)."""
        kept = []
        for item in items:
            if item.children:
                item.children = self.prune_nav(item.children, url_of)
                if not item.children:
                    continue
            elif url_of(item) in self.hidden:
                continue
            kept.append(item)
        return kept

    def _present(
        self,
        release: Release,
        identifiers: set[str],
        cache: KeptPages | None,
        handler: Any = None,
    ) -> set[str]:
        """Which of ``identifiers`` ``release`` has (``handler``: this build's, loading it)."""
        key = None
        if cache is not None:
            key = cache.shared_key(
                "present", *sorted(w.sha256 for w in release.wheels), *sorted(identifiers)
            )
            kept = cache.load(key, namespace="present")
            if isinstance(kept, list):
                return {str(i) for i in kept}
        found = _loaded_by(handler, identifiers) if handler is not None else None
        if found is None:
            from refsite.releases.lock import fetch

            found = present(identifiers, fetch(release, self._wheels_dir, self._unpacked_dir))
        if cache is not None and key is not None:
            cache.store(key, sorted(found), namespace="present")
        return found

    def _first_with(
        self, missing: set[str], identifiers: set[str], cache: KeptPages | None
    ) -> dict[str, str]:
        """For each of ``missing``, the oldest newer documented release that has it."""
        newer = [r for r in self.lock.releases if _key(r.version) > _key(self.release.version)]
        first: dict[str, str] = {}
        left = set(missing)
        for release in sorted(newer, key=lambda r: _key(r.version)):
            if not left:
                break
            # All of the pages' identifiers, as that release's own scan asks.
            found = self._present(release, identifiers, cache) & left
            first.update(dict.fromkeys(found, release.version))
            left -= found
        return first


def _loaded_by(handler: Any, identifiers: set[str]) -> set[str] | None:
    """Which of ``identifiers`` mkdocstrings' python ``handler`` finds, loading their packages.

    It loads them as rendering the first page would (its global options,
    preloaded packages and extensions), so the build loads them once. None
    when the handler does not work as expected: the caller loads them itself.
    """
    collection = internals.collect_packages(handler, {i.split(".", 1)[0] for i in identifiers})
    if not isinstance(collection, griffe.ModulesCollection):
        return None
    return present_in(collection, identifiers)


def _page_url(item: Any) -> str | None:
    return "/" + item.url if getattr(item, "is_page", False) else None


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


class OlderSources(logging.Filter):
    """Lowers griffe's messages about an older release's own files to debug level.

    What griffe finds odd in an older release's sources (an annotation naming a
    pydantic_core function of its day) is that release's history, not a
    problem of the site: the plugin adds this filter to griffe's logger in
    such a build, and reports how many it lowered.
    """

    def __init__(self) -> None:
        super().__init__()
        self._folders: list[str] = []
        self.count = 0

    def reset(self, folders: list[str]) -> None:
        self._folders = [f"/{name}/" for name in folders]
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG and any(f in str(record.msg) for f in self._folders):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            self.count += 1
        return True
