"""Fingerprints of refsite's own code: what a value made by this code depends on.

Every cache key that names refsite's code takes it from here, so that a change
to any module, in any subpackage, or to a template or script refsite ships,
invalidates what the old code made. An editable install keeps its version
number across edits, so the files themselves are hashed.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__all__ = ["PACKAGE", "code_files", "own_code"]

PACKAGE = Path(__file__).resolve().parent.parent
"""The ``refsite`` package folder."""

# What refsite's code is made of: Python modules, the python handler's
# templates and the scripts it puts into pages.
_SUFFIXES = (".py", ".jinja", ".js")


def code_files(*modules: str) -> list[Path]:
    """Every code file of the package (recursively), or only the named modules'.

    ``modules`` are dotted names below ``refsite`` (``"history.model"``).
    """
    if modules:
        return [PACKAGE.joinpath(*name.split(".")).with_suffix(".py") for name in modules]
    return sorted(
        path
        for path in PACKAGE.rglob("*")
        if path.suffix in _SUFFIXES and "__pycache__" not in path.parts
    )


@functools.cache
def own_code(*modules: str) -> str:
    """The sha256 of :func:`code_files` (``modules`` narrows it, for keys of one concern)."""
    digest = hashlib.sha256()
    for path in code_files(*modules):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
