"""What a site shows of an API history: its changes page and the heading badges.

Both are made from the history file when first asked for, and kept while the
file's content stays the same (comparing 190-odd releases takes seconds, and
``mkdocs serve`` rebuilds on every edit).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from refsite.badges import Marks, marks_for
from refsite.changes import changes_page
from refsite.history import History, load_history, since

__all__ = ["HistoryView", "staleness", "view"]


@dataclass
class HistoryView:
    """One history file's content, and what the site makes of it."""

    digest: str
    history: History
    _marks: dict[str, Marks] | None = None
    _pages: dict[bool, str] = field(default_factory=dict)

    def marks(self) -> dict[str, Marks]:
        """Heading id -> badges, for the history's last release."""
        if self._marks is None:
            last = self.history.snapshots[-1] if self.history.snapshots else {}
            self._marks = marks_for(since(self.history), last)
        return self._marks

    def page(self, *, ids: bool) -> str:
        """The Markdown of the changes page; ``ids``: give release headings ``{ #id }``."""
        if ids not in self._pages:
            self._pages[ids] = changes_page(self.history, ids=ids)
        return self._pages[ids]


def staleness(history: History) -> str | None:
    """Why the history does not end at the installed release of its package, or None."""
    if not history.releases:
        return f"the history of {history.package} is empty"
    try:
        installed = metadata.version(history.package)
    except metadata.PackageNotFoundError:
        return None  # nothing installed to compare with: the site documents no release
    last = history.releases[-1].version
    if last != installed:
        return f"the history ends at {history.package} {last}, the site documents {installed}"
    return None


def view(path: Path, previous: HistoryView | None = None) -> HistoryView:
    """The view of the history file at ``path``; ``previous`` when its content is unchanged.

    Raises:
        refsite.history.HistoryError: the file is missing or not a history.
    """
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        digest = ""
    if previous is not None and digest and previous.digest == digest:
        return previous
    return HistoryView(digest, load_history(path))
