"""The one key policy: what every kept result's key covers, and the one folder hasher.

Every result refsite keeps between builds is used only while the inputs it
was made from are unchanged, so its key must name all of them. Each key
starts from :func:`base_key`, which covers what every result depends on: the
versions of the renderers (MkDocs, Material, mkdocstrings, griffe, ...) and
refsite's own code and templates by content (an editable install keeps its
version number across edits). Each kind of result adds its own inputs:
files by content (:func:`tree_digest`, :func:`file_hash`), options as
resolved, user templates by content. ARCHITECTURE.md's table lists each
kind and what its key adds.

Reading every file on every build costs a cold build nothing it can spare,
but a warm one can do better: :func:`stat_digest` keys by size and time,
and gives up (None: key by content) when a file changed too recently for
its time to tell two writes apart, as git treats racily clean entries.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import time
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path

from refsite.core.fingerprint import file_digest, own_code
from refsite.core.store import derive_key

__all__ = [
    "RENDERERS",
    "base_key",
    "file_hash",
    "renderer_versions",
    "stat_digest",
    "tree_digest",
]

POLICY = "refsite-keys/1"
"""Changed when what keys cover changes: every kept result is then made anew."""

# The distributions whose code turns Markdown and sources into a page.
RENDERERS = (
    "refsite",
    "mkdocs",
    "mkdocs-material",
    "mkdocs-autorefs",
    "mkdocstrings",
    "mkdocstrings-python",
    "griffe",
    "griffe-typingdoc",
    "griffe-public-redundant-aliases",
    "markdown",
    "pymdown-extensions",
    "pygments",
    # mkdocstrings formats signatures with whichever of these is installed.
    "black",
    "ruff",
)

# A file whose modification time is this close to now may be written again
# within the same tick of the file system's clock, with the same size: its
# stat cannot vouch for its content yet.
RACY_SECONDS = 2.0


def base_key(*parts: str | bytes) -> str:
    """A key covering the renderers' versions, refsite's own code, and ``parts``."""
    return derive_key(POLICY, renderer_versions(), own_code(), *parts)


def renderer_versions(names: Iterable[str] = RENDERERS) -> str:
    """A stable string of the installed versions of ``names``."""
    return _versions(tuple(names), _environment_stamp())


def _environment_stamp() -> tuple[tuple[str, int], ...]:
    # Installing, upgrading or removing a distribution adds or removes its
    # .dist-info folder, which changes its parent folder's modification time.
    stamps = []
    for entry in sys.path:
        try:
            stamps.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            continue
    return tuple(stamps)


# Reading distribution metadata takes ~0.1 s: once per environment state, not
# once per `mkdocs serve` rebuild.
@functools.lru_cache(maxsize=4)
def _versions(names: tuple[str, ...], environment: tuple[tuple[str, int], ...]) -> str:
    parts = []
    for name in names:
        try:
            parts.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}==absent")
    return ";".join(parts)


# Content hashes by (path, modification time, size), for the life of the
# process: the rebuilds of `mkdocs serve` hash only the files that changed.
_HASHES: dict[tuple[str, int, int], str] = {}


def file_hash(path: str) -> str:
    """The sha256 of a file's bytes (``"missing"`` if unreadable), remembered by its stat."""
    try:
        stat = os.stat(path)
    except OSError:
        return "missing"
    stamp = (path, stat.st_mtime_ns, stat.st_size)
    known = _HASHES.get(stamp)
    if known is None:
        known = file_digest(path)
        if known != "missing" and not _racy(stat.st_mtime_ns):
            _HASHES[stamp] = known
    return known


def _racy(mtime_ns: int) -> bool:
    return time.time() - mtime_ns / 1e9 < RACY_SECONDS


def _files(root: Path, suffixes: tuple[str, ...] | None) -> list[Path]:
    if not root.is_dir():
        return [root] if root.is_file() else []
    return sorted(
        path
        for path in root.rglob("*")
        if (suffixes is None or path.suffix in suffixes)
        and "__pycache__" not in path.parts
        and path.is_file()
    )


def tree_digest(
    roots: Iterable[Path],
    *,
    suffixes: tuple[str, ...] | None = (".py",),
    file_hash: Callable[[str], str] = file_hash,
) -> str:
    """One hash of the files below ``roots`` (folders or single files), by content.

    Each file counts by its path below its root's parent (``fastapi/routing.py``),
    so the same files give the same digest wherever they lie: a package
    installed, and the same release's unpacked wheel. ``suffixes`` None
    takes every file (a template folder).
    """
    digest = hashlib.sha256()
    for root in roots:
        for file in _files(root, suffixes):
            within = root.name
            if file != root:
                within += "/" + file.relative_to(root).as_posix()
            digest.update(f"{within}\0{file_hash(str(file))}\0".encode())
    return digest.hexdigest()


def stat_digest(
    roots: Iterable[Path], *, suffixes: tuple[str, ...] | None = (".py",)
) -> str | None:
    """A hash of the size and time of the files below ``roots``; None while one is racy.

    Cheap (a ``stat`` a file) and changed by any edit that leaves a new time
    or size; a file written in the last seconds might be written again
    unseen, so then the caller keys by :func:`tree_digest` instead.
    """
    parts = []
    for root in roots:
        for file in _files(root, suffixes):
            stat = file.stat()
            if _racy(stat.st_mtime_ns):
                return None
            parts.append(f"{file}:{stat.st_size}:{stat.st_mtime_ns}")
    return derive_key(*parts)
