"""A history: the public API of consecutive releases, and its file format.

Each release's API is a snapshot (:mod:`refsite.history.snapshot`). A history
is stored compactly: for each key, the runs of releases over which its record
stays the same.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refsite.core.commands import command_text
from refsite.history.snapshot import Snapshot

__all__ = [
    "FORMAT",
    "History",
    "HistoryError",
    "ReleaseRead",
    "Snapshot",
    "dump_history",
    "history_from_data",
    "history_to_data",
    "load_history",
]

FORMAT = "refsite-api-history/2"
"""Version 2 records modules and what re-exported modules hold; a version 1
file lacks them, and a release read now beside its releases would seem to add
them all, so it is read as no history (regenerate it)."""


class HistoryError(ValueError):
    """A history file or request that cannot be used; the message says what to change."""


@dataclass(frozen=True)
class ReleaseRead:
    """One release in a history, and exactly what was read for it."""

    version: str
    sources: tuple[tuple[str, str, str], ...] = ()
    """(distribution, version, wheel sha256) of every wheel read for it."""


@dataclass
class History:
    """The public API of consecutive releases of one package, oldest first."""

    package: str
    releases: list[ReleaseRead]
    snapshots: list[Snapshot]
    notes: str = ""
    """How the history was read (for example, which Starlette each release got)."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Releases in its range that it lacks (yanked, or unreadable), and why."""

    def versions(self) -> list[str]:
        """The release versions, oldest first."""
        return [r.version for r in self.releases]

    def snapshot(self, version: str) -> Snapshot:
        """The snapshot of ``version``.

        Raises:
            HistoryError: the history has no such release.
        """
        for release, snapshot in zip(self.releases, self.snapshots, strict=True):
            if release.version == version:
                return snapshot
        raise HistoryError(
            f"{self.package} {version} is not in the history "
            f"({self.releases[0].version} to {self.releases[-1].version})"
            if self.releases
            else f"{self.package} {version}: the history is empty"
        )


def history_to_data(history: History) -> dict[str, Any]:
    """A history as plain data: each key's records as runs of identical releases."""
    objects: dict[str, list[list[Any]]] = {}
    for index, snapshot in enumerate(history.snapshots):
        for key in set(snapshot) | set(objects):
            record = snapshot.get(key)
            runs = objects.setdefault(key, [])
            if not runs:
                if record is not None:
                    runs.append([index, record])
                continue
            if runs[-1][1] != record:
                runs.append([index, record])
    data: dict[str, Any] = {
        "format": FORMAT,
        "package": history.package,
        "notes": history.notes,
        "releases": [[r.version, [list(s) for s in r.sources]] for r in history.releases],
    }
    if history.skipped:
        data["skipped"] = dict(history.skipped)
    data["objects"] = dict(sorted(objects.items()))
    return data


def history_from_data(data: Any, *, source: str = "<history>") -> History:
    """The inverse of :func:`history_to_data`.

    Raises:
        HistoryError: the data is not a history of this format.
    """
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        # The source is a file when one was read: the site it belongs to says what to run.
        run = command_text(Path(source) if Path(source).is_file() else None, "refsite history")
        if isinstance(data, Mapping) and data.get("format") == "refsite-api-history/1":
            raise HistoryError(
                f"{source}: a refsite-api-history/1 file, without modules; regenerate it with {run}"
            )
        raise HistoryError(f"{source}: not a {FORMAT} file; regenerate it with {run}")
    try:
        releases = [
            ReleaseRead(version=str(v), sources=tuple((str(a), str(b), str(c)) for a, b, c in s))
            for v, s in data["releases"]
        ]
        snapshots: list[Snapshot] = [{} for _ in releases]
        for key, runs in data["objects"].items():
            bounds = [int(start) for start, _ in runs] + [len(releases)]
            for (start, record), end in zip(runs, bounds[1:], strict=True):
                if record is not None:
                    for index in range(int(start), end):
                        snapshots[index][key] = record
        return History(
            package=str(data["package"]),
            releases=releases,
            snapshots=snapshots,
            notes=str(data.get("notes", "")),
            skipped={str(k): str(v) for k, v in data.get("skipped", {}).items()},
        )
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as error:
        raise HistoryError(f"{source}: malformed history ({error!r}); regenerate it") from None


def dump_history(history: History) -> str:
    """A history as compact JSON, one object's runs per line (small diffs in git)."""
    data = history_to_data(history)
    objects = data.pop("objects")
    head = json.dumps(data, separators=(",", ":"), sort_keys=True)
    lines = [
        f"{json.dumps(key)}:{json.dumps(runs, separators=(',', ':'), sort_keys=True)}"
        for key, runs in objects.items()
    ]
    return head[:-1] + ',"objects":{\n' + ",\n".join(lines) + "\n}}\n"


def load_history(path: Path) -> History:
    """Read a history file written by :func:`dump_history`.

    Raises:
        HistoryError: the file is missing or not a history.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise HistoryError(
            f"{path}: cannot read the history ({error.strerror}); "
            f"generate it with {command_text(path, 'refsite history')}"
        ) from None
    except ValueError as error:
        raise HistoryError(f"{path}: not valid JSON ({error}); regenerate it") from None
    return history_from_data(data, source=str(path))
