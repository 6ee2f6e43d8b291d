"""Shards of a versioned site: its releases split over machines, and put back together.

``refsite build --versions --shard I/N`` builds shard I of N into a folder of
its own: each of its releases under ``X.Y/``, and in shard 1 (which holds the
newest release, whose pages the root mostly replays) the root under
``root/``, beside :data:`SHARD_FILE`, which says what the folder holds and
what it was built from. ``--assemble`` checks a set of such folders against
the lock (:func:`assembly_plan`) before anything is put together.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from refsite.core.store import write_atomic
from refsite.releases.lock import Lock, Release, lock_json

__all__ = [
    "ROOT",
    "SHARD_FILE",
    "Shard",
    "ShardError",
    "ShardManifest",
    "assembly_plan",
    "lock_digest",
    "parse_shard",
    "read_manifest",
    "shard_releases",
    "write_manifest",
]

SHARD_FILE = "shard.json"
ROOT = "root"
"""The root's folder in shard 1's folder (a release's is ``X.Y``, never this)."""
_FORMAT = "refsite-shard/1"
_HOW = "refsite build --versions --shard"


class ShardError(ValueError):
    """A shard or a set of shard folders that cannot be used; the message says what to change."""


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (from 1) of ``total``."""

    index: int
    total: int

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"

    @property
    def has_root(self) -> bool:
        """Shard 1 builds the root, after the newest release, whose pages it mostly replays."""
        return self.index == 1


def parse_shard(text: str) -> Shard:
    """``"2/4"`` -> ``Shard(2, 4)``.

    Raises:
        ShardError: not ``I/N`` with 1 <= I <= N.
    """
    index, slash, total = text.partition("/")
    if not (slash and index.strip().isdigit() and total.strip().isdigit()):
        raise ShardError(f"--shard {text}: give I/N, shard I of N (e.g. --shard 1/2)")
    shard = Shard(int(index), int(total))
    if not 1 <= shard.index <= shard.total:
        raise ShardError(
            f"--shard {text}: there are {shard.total} shard(s); give I from 1 to {shard.total}"
        )
    return shard


def shard_releases(lock: Lock, shard: Shard) -> tuple[Release, ...]:
    """The releases of ``shard``: a run of the lock's, newest first.

    Neighbouring releases share most of their pages, so each shard takes a run
    of them (its builds replay each other's); the runs differ by one release
    at most, and the shorter ones come first, since shard 1 builds the root too.

    Raises:
        ShardError: more shards than releases.
    """
    count = len(lock.releases)
    if shard.total > count:
        raise ShardError(
            f"--shard {shard}: the lock has {count} release(s); give at most {count} shards"
        )
    size, longer = divmod(count, shard.total)
    shorter = shard.total - longer
    start = (shard.index - 1) * size + max(0, shard.index - 1 - shorter)
    end = start + size + (1 if shard.index > shorter else 0)
    return lock.releases[start:end]


def lock_digest(lock: Lock) -> str:
    """What a shard folder records of the lock it was built from."""
    return hashlib.sha256(lock_json(lock).encode()).hexdigest()


@dataclass(frozen=True)
class ShardManifest:
    """The content of a shard folder's :data:`SHARD_FILE`."""

    shard: Shard
    lock: str
    """:func:`lock_digest` of the lock the shard was built from."""
    folders: tuple[str, ...]
    """``X.Y`` of each release it holds, ``""`` for the root."""
    stamps: Mapping[str, str]
    """The input key of every folder of the site (:mod:`refsite.releases.stamps`)."""


def write_manifest(folder: Path, manifest: ShardManifest) -> None:
    """Write ``manifest`` into the shard folder ``folder``."""
    data = {
        "format": _FORMAT,
        "shard": str(manifest.shard),
        "lock": manifest.lock,
        "folders": list(manifest.folders),
        "stamps": dict(manifest.stamps),
    }
    write_atomic(folder / SHARD_FILE, (json.dumps(data, indent=2) + "\n").encode())


def read_manifest(folder: Path) -> ShardManifest:
    """The manifest of the shard folder ``folder``.

    Raises:
        ShardError: no folder, no manifest, or not one this refsite writes.
    """
    again = f"build it again ({_HOW} I/N -d {folder})"
    if not folder.is_dir():
        raise ShardError(f"{folder}: no such folder; pass the folders that {_HOW} I/N -d DIR wrote")
    try:
        data = json.loads((folder / SHARD_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ShardError(f"{folder}: no {SHARD_FILE}, so not a shard's folder; {again}") from None
    except (OSError, ValueError):
        raise ShardError(f"{folder}/{SHARD_FILE}: not JSON; {again}") from None
    try:
        if data["format"] != _FORMAT:
            raise ShardError(f"{folder}/{SHARD_FILE}: format {data['format']!r}; {again}")
        return ShardManifest(
            shard=parse_shard(str(data["shard"])),
            lock=str(data["lock"]),
            folders=tuple(str(f) for f in data["folders"]),
            stamps={str(k): str(v) for k, v in data["stamps"].items()},
        )
    except (KeyError, TypeError, AttributeError, ShardError):
        raise ShardError(f"{folder}/{SHARD_FILE}: not a shard manifest; {again}") from None


def assembly_plan(
    lock: Lock, lock_file: Path, folders: Sequence[Path]
) -> tuple[dict[str, Path], Mapping[str, str]]:
    """Where each folder of the site comes from (``""``: the root), and their input keys.

    Raises:
        ShardError: a folder is no shard of this lock, shards were built from
            other sources, or a release is missing or held twice.
    """
    if not folders:
        raise ShardError(f"--assemble: name the shards' folders ({_HOW} I/N -d DIR wrote them)")
    digest = lock_digest(lock)
    sources: dict[str, Path] = {}
    first: tuple[Path, ShardManifest] | None = None
    for folder in folders:
        manifest = read_manifest(folder)
        if manifest.lock != digest:
            raise ShardError(
                f"{folder}: built from another lock than {lock_file}; build shard "
                f"{manifest.shard} again from this lock ({_HOW} {manifest.shard})"
            )
        if first is None:
            first = (folder, manifest)
        elif manifest.stamps != first[1].stamps:
            raise ShardError(
                f"{folder}: built from other sources than {first[0]} (the docs, mkdocs.yml, "
                "refsite or the installed packages); build every shard from one commit"
            )
        for name in manifest.folders:
            if name in sources:
                raise ShardError(
                    f"{sources[name].parent} and {folder} both hold {name or ROOT}; "
                    "pass each shard's folder once"
                )
            source = folder / (name or ROOT)
            if not (source / "index.html").is_file():
                raise ShardError(
                    f"{source}: missing, though {SHARD_FILE} lists it; build shard "
                    f"{manifest.shard} again ({_HOW} {manifest.shard})"
                )
            sources[name] = source
    assert first is not None  # folders is not empty
    total = first[1].shard.total
    for name, what in [("", f"the root ({lock.releases[0].version})")] + [
        (r.minor, f"{r.minor} ({r.version})") for r in lock.releases
    ]:
        if name not in sources:
            shard = _holder(lock, name, total)
            raise ShardError(
                f"no folder holds {what}: add the folder of shard {shard} ({_HOW} {shard})"
            )
    return sources, first[1].stamps


def _holder(lock: Lock, name: str, total: int) -> Shard:
    """The shard of ``total`` that builds the folder ``name``."""
    for index in range(1, total + 1):
        shard = Shard(index, total)
        if name in {r.minor for r in shard_releases(lock, shard)}:
            return shard
    return Shard(1, total)  # the root
