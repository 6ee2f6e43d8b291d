"""What a site shows of an API history: its changes page and the heading badges.

Both are made from the history file when first asked for, and kept while the
file's content stays the same (comparing 190-odd releases takes seconds, and
``mkdocs serve`` rebuilds on every edit). With a cache folder they are also
kept on disk, by the file's digest and the code that makes them, so a new
process (every ``mkdocs build``) does not compute them again.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from refsite.core.keys import base_key
from refsite.core.store import Store
from refsite.history.badges import Marks, marks_for
from refsite.history.changes import (
    ReleaseChanges,
    changes_from_data,
    changes_page,
    changes_to_data,
    history_changes,
)
from refsite.history.model import History, load_history
from refsite.history.since import since

__all__ = ["HistoryView", "Prepared", "staleness", "view"]

Prepared = tuple[dict[str | None, dict[str, Marks]], dict[tuple[bool, str | None], str]]
"""What :meth:`HistoryView.prepare` makes: badges by release, changes pages by (ids, release)."""


@dataclass
class HistoryView:
    """One history file's content, and what the site makes of it.

    The file is read when something needs it that is not kept on disk: a
    build whose page, badges and summary are kept does not read it at all.
    """

    digest: str
    path: Path
    cache_dir: Path | None = None
    _history: History | None = None
    _marks: dict[str | None, dict[str, Marks]] = field(default_factory=dict)
    _pages: dict[tuple[bool, str | None], str] = field(default_factory=dict)
    _elsewhere: Callable[[], Prepared | None] | None = None
    """What another process makes of :meth:`prepare`, awaited at first use."""

    @property
    def history(self) -> History:
        """The history itself, read at first use."""
        if self._history is None:
            self._history = load_history(self.path)
        return self._history

    def staleness(self) -> str | None:
        """Why the history does not end at the installed release of its package, or None."""
        kept = self._load("summary")
        if not (isinstance(kept, list) and len(kept) == 2):
            releases = self.history.releases
            kept = [self.history.package, releases[-1].version if releases else None]
            self._save("summary", kept)
        package, last = kept
        return staleness(package, last)

    def unprepared(self, release: str | None, *, ids: bool, badges: bool, page: bool) -> bool:
        """Whether :meth:`prepare` has work to do: the page or badges are neither here nor kept.

        Reads no history: an older ``release`` is never the history's last.
        """
        suffix = "" if release is None else f"-{release}"
        wanted = []
        if badges and release not in self._marks:
            wanted.append(f"marks{suffix}")
        if page and (ids, release) not in self._pages:
            wanted.append(f"page-{ids}{suffix}")
        return any(self._load(what) is None for what in wanted)

    def prepare(self, release: str | None, *, ids: bool, badges: bool, page: bool) -> Prepared:
        """Make the badges and the changes page of ``release`` (kept on disk too); both."""
        marks = {release: self.marks(release)} if badges else {}
        pages = {(ids, release): self.page(ids=ids, release=release)} if page else {}
        return marks, pages

    def prepared_elsewhere(self, result: Callable[[], Prepared | None]) -> None:
        """Another process runs :meth:`prepare`: ``result()`` waits for what it made.

        A cold build's main process has other work meanwhile; a None result
        (the other process failed) leaves the work to the first use, here.
        """
        self._elsewhere = result

    def settle(self) -> None:
        """Take what another process prepared, waiting for it if need be."""
        result, self._elsewhere = self._elsewhere, None
        prepared = result() if result is not None else None
        if prepared is not None:
            marks, pages = prepared
            for release, value in marks.items():
                self._marks.setdefault(release, value)
            for key, page in pages.items():
                self._pages.setdefault(key, page)

    def marks(self, release: str | None = None) -> dict[str, Marks]:
        """Heading id -> badges, for ``release`` (default: the history's last).

        An older release of a versioned site is marked as of its own
        snapshot: a deprecation or a parameter that came later is not in the
        code its reader has. A release the history lacks gets no badges.
        """
        self.settle()
        versions = self.history.versions() if release is not None else []
        if release is not None and versions and release == versions[-1]:
            release = None
        if release not in self._marks:
            what = "marks" if release is None else f"marks-{release}"
            kept = self._load(what)
            if isinstance(kept, dict):
                marks = {key: Marks(**value) for key, value in kept.items()}
            else:
                marks = self._make_marks(release, versions)
                self._save(what, {k: dataclasses.asdict(v) for k, v in marks.items()})
            self._marks[release] = marks
        return self._marks[release]

    def _make_marks(self, release: str | None, versions: list[str]) -> dict[str, Marks]:
        history = self._upto(release, versions)
        if not history.snapshots:
            return {}
        return marks_for(since(history), history.snapshots[-1])

    def page(self, *, ids: bool, release: str | None = None) -> str:
        """The Markdown of the changes page; ``ids``: give release headings ``{ #id }``.

        ``release``: an older release of a versioned site, whose page ends at
        that release (default: the history's last).
        """
        self.settle()
        versions = self.history.versions() if release is not None else []
        if release is not None and versions and release == versions[-1]:
            release = None
        if (ids, release) not in self._pages:
            what = f"page-{ids}" if release is None else f"page-{ids}-{release}"
            kept = self._load(what)
            if isinstance(kept, str):
                self._pages[ids, release] = kept
            else:
                history = self._upto(release, versions)
                # The whole history's changes, compared once for every
                # release's page (an older release's ends at it).
                kept_versions = set(history.versions())
                changes = [c for c in self._changes() if c.version in kept_versions]
                self._pages[ids, release] = changes_page(history, ids=ids, changes=changes)
                self._save(what, self._pages[ids, release])
        return self._pages[ids, release]

    def public_api(
        self, package: str, release: str, wheels: Collection[tuple[str, str, str]]
    ) -> list[list[Any]] | None:
        """The public API of ``package`` ``release`` as coverage reads it, from the history.

        As :func:`refsite.checks.coverage.load_api_data` returns it. Only when the
        history read that release from wheels that are all among ``wheels``
        ((distribution, version, sha256), the release's locked wheels): its
        snapshot was read from the very files a build of it renders, by the
        same reader. None otherwise (the caller reads the wheels).
        """
        wanted = {tuple(w) for w in wheels}
        kept = self._load(f"api-{release}")
        if not (isinstance(kept, dict) and {"package", "sources", "api"} <= set(kept)):
            kept = self._read_api(release)
            self._save(f"api-{release}", kept)
        sources = {tuple(s) for s in kept["sources"]}
        if kept["package"] != package or not sources or not sources <= wanted:
            return None
        return list(kept["api"])

    def _read_api(self, version: str) -> dict[str, Any]:
        history = self.history
        read = next((r for r in history.releases if r.version == version), None)
        if read is None:
            return {"package": history.package, "sources": [], "api": []}
        snapshot = history.snapshot(version)
        # The records of public objects (not of their members) carry their names.
        api = [[r["path"], list(r["names"])] for r in snapshot.values() if "names" in r]
        api.sort(key=lambda item: item[1][0])
        return {
            "package": history.package,
            "sources": [list(s) for s in read.sources],
            "api": api,
        }

    def _changes(self) -> list[ReleaseChanges]:
        """The changes of every release of the history, kept on disk."""
        kept = self._load("changes")
        if isinstance(kept, list):
            try:
                return changes_from_data(kept)
            except (TypeError, ValueError):
                pass  # another shape: made again
        changes = history_changes(self.history)
        self._save("changes", changes_to_data(changes))
        return changes

    def _upto(self, release: str | None, versions: list[str]) -> History:
        """The history up to ``release`` (None: whole; a release it lacks: empty)."""
        if release is None:
            return self.history
        end = versions.index(release) + 1 if release in versions else 0
        return dataclasses.replace(
            self.history,
            releases=self.history.releases[:end],
            snapshots=self.history.snapshots[:end],
        )

    def _entry(self, what: str) -> tuple[Store, str] | None:
        """Where ``what`` is kept on disk: by the file's content and the code that makes it."""
        if self.cache_dir is None or not self.digest:
            return None
        return Store(self.cache_dir), base_key("history-view", what, self.digest)

    def _load(self, what: str) -> Any:
        entry = self._entry(what)
        # Absent or torn: computed again.
        return None if entry is None else entry[0].load("history", entry[1])

    def _save(self, what: str, value: Any) -> None:
        entry = self._entry(what)
        if entry is not None:
            entry[0].save("history", entry[1], value)


def staleness(package: str, last: str | None) -> str | None:
    """Why a history of ``package`` ending at ``last`` does not end at the installed release."""
    if last is None:
        return f"the history of {package} is empty"
    try:
        installed = metadata.version(package)
    except metadata.PackageNotFoundError:
        return None  # nothing installed to compare with: the site documents no release
    if last != installed:
        return f"the history ends at {package} {last}, the site documents {installed}"
    return None


def view(
    path: Path, previous: HistoryView | None = None, *, cache_dir: Path | None = None
) -> HistoryView:
    """The view of the history file at ``path``; ``previous`` when its content is unchanged.

    ``cache_dir`` keeps the page and badges on disk for later processes.

    Raises:
        refsite.history.model.HistoryError: the file is missing or not a history.
    """
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        digest = ""
    if previous is not None and digest and previous.digest == digest:
        return previous
    kept = HistoryView(digest, path, cache_dir=cache_dir)
    if kept._load("summary") is None:
        kept.history  # noqa: B018 (read now: a broken file fails the build at its start)
    return kept
