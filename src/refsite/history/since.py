"""Following objects across releases: which is which, and since when each has what.

:func:`match_keys` pairs the objects of two consecutive snapshots, renames
included; :func:`since` follows each object of a history's last release back
to when it, each of its parameters and its deprecations appeared.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.utils import canonicalize_name

from refsite.history.model import History
from refsite.history.snapshot import Snapshot

__all__ = ["Since", "match_keys", "since"]


def match_keys(old: Snapshot, new: Snapshot) -> dict[str, str]:
    """New key -> old key for every object of ``new`` that ``old`` had.

    The same key matches. A top-level object whose shortest public name
    changed matches when it shares a public name or its canonical path with
    an old object that is otherwise unmatched; its members follow it.
    """
    matched = {key: key for key in new if key in old}
    old_left = {k for k in old if k not in new and "names" in old[k]}
    renamed: dict[str, str] = {}
    for key in sorted(k for k in new if k not in old and "names" in new[k]):
        record = new[key]
        names = set(record["names"])
        for candidate in sorted(old_left):
            former = old[candidate]
            if names & set(former["names"]) or former["path"] == record["path"]:
                renamed[key] = candidate
                old_left.discard(candidate)
                break
    matched.update(renamed)
    for key in new:
        if key in matched:
            continue
        parent, _, member = key.rpartition(".")
        if parent in renamed and f"{renamed[parent]}.{member}" in old:
            matched[key] = f"{renamed[parent]}.{member}"
    return matched


@dataclass
class Since:
    """When the objects of a history's last release appeared, and were deprecated."""

    first: str
    """The first release of the history: what it has is "there at ``first`` or earlier"."""
    added: dict[str, str] = field(default_factory=dict)
    """Key -> the release it appeared in (``first`` when it was already there)."""
    parameters: dict[str, dict[str, str]] = field(default_factory=dict)
    """Key -> parameter -> the release it was added in, for parameters added after the object."""
    deprecated: dict[str, str] = field(default_factory=dict)
    """Key -> the release that deprecated it."""
    deprecated_parameters: dict[str, dict[str, str]] = field(default_factory=dict)
    """Key -> parameter -> the release that deprecated it."""
    inherited: dict[str, dict[str, str]] = field(default_factory=dict)
    """Class key -> member it inherits -> the release since which the class has it.

    A member a class inherits from a base (``fastapi.WebSocket.url``, from
    ``HTTPConnection``) appears when the class first had it, its own or inherited.
    """
    unread_bases: dict[str, str] = field(default_factory=dict)
    """Class key -> the release since which it has had its bases from packages the history
    did not read (``TestClient``'s ``httpx.Client``): what it inherits from them dates from then.
    """


def since(history: History) -> Since:
    """When each object (and parameter) of the last release appeared or was deprecated.

    Each object is followed back from the last release while it is matched
    (:func:`match_keys`); what it has (a parameter, a deprecation) dates from
    the oldest release of the unbroken run that has it.
    """
    if not history.releases:
        return Since(first="")
    versions = history.versions()
    result = Since(first=versions[0])
    last = history.snapshots[-1]
    # Each key of the last release, followed back: its records, newest first.
    chains: dict[str, list[dict[str, Any]]] = {key: [] for key in last}
    # The key each release had it under, newest first (a renamed class's members follow it).
    keys: dict[str, list[str]] = {key: [] for key in last}
    current = {key: key for key in last}
    for index in range(len(history.snapshots) - 1, -1, -1):
        snapshot = history.snapshots[index]
        for key, at in current.items():
            chains[key].append(snapshot[at])
            keys[key].append(at)
        if index:
            back = match_keys(history.snapshots[index - 1], snapshot)
            current = {key: back[at] for key, at in current.items() if at in back}
    newest = len(versions) - 1
    # The distributions the history read: a base from any other is not in it.
    read = {canonicalize_name(history.package)}
    read.update(canonicalize_name(s[0]) for r in history.releases for s in r.sources)
    for key, chain in chains.items():
        result.added[key] = versions[newest - len(chain) + 1]
        # Most objects stay the same for many releases: look at each record
        # once per run of equal ones, not once per release.
        runs = _runs(chain)
        run = _run_of("deprecated", [(r.keys(), length) for r, length in runs])
        if run:
            result.deprecated[key] = versions[newest - run + 1]
        params = [({p[0] for p in r.get("params", [])}, length) for r, length in runs]
        for name, *_ in chain[0].get("params", []):
            run = _run_of(name, params)
            if run < len(chain):
                result.parameters.setdefault(key, {})[name] = versions[newest - run + 1]
        deprecated = [(r.get("deprecated_params", {}).keys(), length) for r, length in runs]
        for name in chain[0].get("deprecated_params", {}):
            run = _run_of(name, deprecated)
            result.deprecated_parameters.setdefault(key, {})[name] = versions[newest - run + 1]
        for name in chain[0].get("inherits", []):
            run = _inherited_run(name, chain, keys[key], history.snapshots)
            result.inherited.setdefault(key, {})[name] = versions[newest - run + 1]
        run = _unread_run(runs, read)
        if run:
            result.unread_bases[key] = versions[newest - run + 1]
    return result


def _unread_run(runs: Sequence[tuple[dict[str, Any], int]], read: Collection[str]) -> int:
    """How many releases from the newest on a class has had its bases from unread packages.

    0 when it has none (its newest record's bases are all from ``read``).
    """
    # Only a base named by its package counts: an undotted name (``Exception``,
    # ``HTTPConnection[StateT]``) or the standard library's is not a package left unread.
    unread = set()
    for base in runs[0][0].get("bases", ()):
        top = base.split(".")[0]
        named = "." in base and top not in sys.stdlib_module_names
        if named and canonicalize_name(top) not in read:
            unread.add(base)
    if not unread:
        return 0
    count = 0
    for record, length in runs:
        if not unread <= set(record.get("bases", ())):
            break
        count += length
    return count


def _inherited_run(
    name: str, chain: Sequence[dict[str, Any]], keys: Sequence[str], snapshots: Sequence[Any]
) -> int:
    """How many releases from the newest on the class had member ``name``, inherited or own."""
    newest = len(snapshots) - 1
    count = 0
    for offset, (record, at) in enumerate(zip(chain, keys, strict=True)):
        own = f"{at}.{name}" in snapshots[newest - offset]
        if not own and name not in record.get("inherits", ()):
            break
        count += 1
    return count


def _runs(chain: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], int]]:
    """The chain as (record, how many releases in a row have it)."""
    runs: list[tuple[dict[str, Any], int]] = []
    for record in chain:
        if runs and (runs[-1][0] is record or runs[-1][0] == record):
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((record, 1))
    return runs


def _run_of(name: str, runs: Sequence[tuple[Collection[str], int]]) -> int:
    """How many releases from the newest on have ``name`` in their collection, without a break."""
    count = 0
    for names, length in runs:
        if name not in names:
            break
        count += length
    return count
