"""The one store on disk: values under content-derived keys, a folder per kind of value.

Every cache refsite keeps between builds (rendered pages and objects, kept
page outputs, loaded modules, the history's page and badges) is a file in a
namespace folder of the cache folder. They share what makes a cache safe to
use from several processes at once and after a killed build:

- one key derivation (:func:`key`): sha256 over the parts, each kept apart
  from the next, so that no two lists of parts give the same key;
- atomic writes (:func:`write_atomic`): a temporary file in the same folder,
  renamed over the entry, so a reader sees the old value or the new, never
  half of one, and a killed writer leaves only a ``.tmp`` file;
- reads that take a missing, torn or foreign file for a miss;
- one prune policy (:func:`prune`): least recently used first, beyond a
  size limit. A read renews an entry's modification time, which says when
  a build last used it;
- one marker (:data:`MARKER`, a ``CACHEDIR.TAG`` as the Cache Directory
  Tagging spec has it, https://bford.info/cachedir/): refsite deletes only
  in a folder that holds it, so a mistyped cache folder (``.``, a project's
  data) loses nothing. The store writes it when it first writes a folder
  that is new or empty (:func:`claim`).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = [
    "DEFAULT_DIR",
    "MARKER",
    "NAMESPACES",
    "STALE_TEMP_SECONDS",
    "CacheFile",
    "NotACacheError",
    "Store",
    "cache_files",
    "claim",
    "derive_key",
    "dump_pickle",
    "is_marked",
    "load_pickle",
    "prune",
    "prune_plan",
    "write_atomic",
]

DEFAULT_DIR = ".cache/refsite"
"""The cache folder, relative to mkdocs.yml, unless the plugin's ``cache_dir`` says otherwise."""

MARKER = "CACHEDIR.TAG"
"""The file that makes a folder refsite's cache; refsite deletes nothing in a folder without it."""

_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"  # the spec's, first in the file
_MARKER_TEXT = (
    f"{_SIGNATURE}\n"
    "# This file is a cache directory tag created by refsite (the build cache of an API\n"
    "# reference site). refsite deletes files only in a folder that holds this file.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)

NAMESPACES = frozenset(
    {
        "docstrings",
        "examples",
        "history",
        "inventories",
        "modules",
        "objects",
        "outputs",
        "pages",
        "parsed",
        "present",
        "public-api",
        "shared-pages",
        "templates",
    }
)
"""The folders refsite writes in a cache folder: what an unmarked one may hold to be adopted."""


def derive_key(*parts: str | bytes) -> str:
    """The key of a value derived from ``parts``: sha256 over them, separated by NUL."""
    digest = hashlib.sha256()
    for number, part in enumerate(parts):
        if number:
            digest.update(b"\0")
        digest.update(part.encode() if isinstance(part, str) else part)
    return digest.hexdigest()


def write_atomic(file: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``file`` so that a reader never sees half of it.

    The bytes go to a temporary file in the same folder (the same file
    system, so the rename is atomic), which then replaces ``file``.

    Args:
        file: Where the data goes.
        data: The whole content.
        mode: The file's permissions; by default the temporary file's own
            (readable by its owner alone), which suits a cache entry.
    """
    _write_atomic(file, lambda out: out.write(data), mode)


def _write_atomic(file: Path, write: Callable[[IO[bytes]], object], mode: int | None) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=file.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, file)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def dump_pickle(file: Path, value: Any) -> None:
    """Pickle ``value`` to ``file`` atomically."""
    # Streamed: griffe's loaded modules take tens of megabytes.
    _write_atomic(file, lambda out: pickle.dump(value, out, pickle.HIGHEST_PROTOCOL), None)


def load_pickle(file: Path) -> Any:
    """What :func:`dump_pickle` wrote to ``file``; None when it is missing or torn."""
    try:
        with file.open("rb") as handle:
            value = pickle.load(handle)
        # Its modification time says when a build last used it: pruning
        # keeps what recent builds used.
        os.utime(file)
    except Exception:  # missing, torn, or written by other code: a miss
        return None
    return value


def _load_json(file: Path) -> Any:
    try:
        value = json.loads(file.read_text(encoding="utf-8"))
        os.utime(file)  # used now: see load_pickle
    except (OSError, ValueError):  # missing or torn: a miss
        return None
    return value


class NotACacheError(Exception):
    """A folder that is not refsite's cache: nothing in it is deleted."""


def is_marked(directory: Path) -> bool:
    """Whether ``directory`` holds refsite's :data:`MARKER`."""
    try:
        with (directory / MARKER).open("rb") as file:
            head = file.read(512)
    except OSError:
        return False
    return head.startswith(_SIGNATURE.encode()) and b"refsite" in head


def _foreign(directory: Path) -> list[str]:
    """The names in ``directory`` that are not refsite's namespace folders, sorted."""
    return sorted(
        entry.name
        for entry in directory.iterdir()
        if entry.name != MARKER and not (entry.name in NAMESPACES and entry.is_dir())
    )


def claim(directory: Path) -> bool:
    """Make ``directory`` refsite's cache if it is one or may be; returns whether it is.

    A folder that holds the marker is refsite's. One that does not exist yet
    or is empty is created with the marker. One without the marker that holds
    nothing but folders named after refsite's namespaces (:data:`NAMESPACES`:
    the cache of a refsite from before the marker) is adopted: it gets the
    marker. Any other folder is left as it is, and False says so: values may
    still be stored there, but :func:`prune` deletes nothing in it.
    """
    if is_marked(directory):
        return True
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if _foreign(directory):
            return False
        write_atomic(directory / MARKER, _MARKER_TEXT.encode(), mode=0o644)
    except OSError:
        return False
    return True


class Store:
    """Values on disk under ``root``, by namespace (a sub-folder) and key.

    JSON values are ``<namespace>/<key>.json``; pickled values (objects JSON
    cannot hold) are ``<namespace>/<key>.pickle``. The first value a store
    saves marks its folder (:func:`claim`).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._claimed = False

    def _claim(self) -> None:
        if not self._claimed:
            self._claimed = True
            claim(self.root)

    def file(self, namespace: str, name: str, suffix: str = ".json") -> Path:
        """Where the entry ``name`` of ``namespace`` lies."""
        return self.root / namespace / f"{name}{suffix}"

    def exists(self, namespace: str, name: str) -> bool:
        """Whether a JSON entry is stored (complete: entries are written atomically)."""
        return self.file(namespace, name).is_file()

    def load(self, namespace: str, name: str) -> Any:
        """The JSON value stored under ``name``, or None when missing or torn."""
        return _load_json(self.file(namespace, name))

    def save(self, namespace: str, name: str, value: Any) -> None:
        """Store a JSON value under ``name``, atomically."""
        self._claim()
        # One call to the C encoder, not chunks.
        write_atomic(self.file(namespace, name), json.dumps(value).encode())

    def load_pickle(self, namespace: str, name: str) -> Any:
        """The pickled value stored under ``name``, or None when missing or torn."""
        return load_pickle(self.file(namespace, name, ".pickle"))

    def save_pickle(self, namespace: str, name: str, value: Any) -> None:
        """Store a pickled value under ``name``, atomically."""
        self._claim()
        dump_pickle(self.file(namespace, name, ".pickle"), value)


@dataclass(frozen=True)
class CacheFile:
    """A file of the cache folder, as pruning sees it."""

    path: Path
    size: int
    used: float
    """When a build last wrote or read it (its modification time)."""


# A temporary file this old belongs to a build that was killed while writing.
STALE_TEMP_SECONDS = 3600.0


def prune_plan(files: Iterable[CacheFile], *, max_bytes: int, now: float) -> list[CacheFile]:
    """The files to delete so that the rest fit in ``max_bytes``.

    Torn temporary files go first, then the least recently used entries.
    """
    files = list(files)
    delete = [f for f in files if f.path.suffix == ".tmp" and now - f.used > STALE_TEMP_SECONDS]
    gone = {f.path for f in delete}
    kept = sorted((f for f in files if f.path not in gone), key=lambda f: f.used)
    total = sum(f.size for f in kept)
    for file in kept:
        if total <= max_bytes:
            break
        delete.append(file)
        total -= file.size
    return delete


def cache_files(directory: Path) -> list[CacheFile]:
    """Every file under a cache folder but its :data:`MARKER`."""
    found = []
    marker = directory / MARKER
    for path in directory.rglob("*"):
        if path == marker:
            continue
        try:
            info = path.stat()
        except OSError:
            continue
        if path.is_file():
            found.append(CacheFile(path=path, size=info.st_size, used=info.st_mtime))
    return found


def prune(directory: Path, *, max_bytes: int, now: float) -> list[CacheFile]:
    """Delete what :func:`prune_plan` picks in ``directory``; returns what was deleted.

    Raises:
        NotACacheError: ``directory`` has no :data:`MARKER` and holds what refsite
            did not write (see :func:`claim`); nothing is deleted.
    """
    if not directory.is_dir():
        return []
    if not is_marked(directory):
        foreign = _foreign(directory)
        if foreign:
            shown = ", ".join(foreign[:3]) + (
                f" and {len(foreign) - 3} more" if foreign[3:] else ""
            )
            raise NotACacheError(
                f"{directory}: not a refsite cache folder (no {MARKER}; it holds {shown}): "
                "nothing deleted"
            )
        # Empty: nothing to delete. Else an older refsite's cache, adopted.
        if not any(directory.iterdir()) or not claim(directory):
            return []
    deleted = []
    for file in prune_plan(cache_files(directory), max_bytes=max_bytes, now=now):
        try:
            file.path.unlink()
        except OSError:
            continue
        deleted.append(file)
    return deleted
