"""The fingerprint of refsite's own code, and of one file.

Every cache key that names refsite's code takes it from here (through
:func:`refsite.core.keys.base_key`), so that a change to any module, in any
subpackage, or to a template or script refsite ships, invalidates what the
old code made. An editable install keeps its version number across edits, so
the files themselves are hashed. Folders of a documented package are hashed
by :func:`refsite.core.keys.tree_digest`.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__all__ = ["PACKAGE", "code_files", "file_digest", "own_code"]

PACKAGE = Path(__file__).resolve().parent.parent
"""The ``refsite`` package folder."""

# What refsite's code is made of: Python modules, the python handler's
# templates and the scripts it puts into pages.
_SUFFIXES = (".py", ".jinja", ".js")


def code_files(*names: str, package: Path = PACKAGE) -> list[Path]:
    """Every code file of ``package`` (recursively), or only those of the named parts.

    ``names`` are dotted names below ``refsite``: a subpackage (``"history"``,
    every file below it, so that a module split in two stays covered) or a
    module (``"checks.coverage"``).
    """
    if not names:
        return _code_below(package)
    files: list[Path] = []
    for name in names:
        path = package.joinpath(*name.split("."))
        files.extend(_code_below(path) if path.is_dir() else [path.with_suffix(".py")])
    return files


def _code_below(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob("*")
        if path.suffix in _SUFFIXES and "__pycache__" not in path.parts
    )


@functools.cache
def own_code(*names: str, package: Path = PACKAGE) -> str:
    """The sha256 of :func:`code_files` (``names`` narrow it, for keys of one concern)."""
    digest = hashlib.sha256()
    for path in code_files(*names, package=package):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def file_digest(path: str) -> str:
    """The sha256 of a file's bytes; ``"missing"`` when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "missing"
