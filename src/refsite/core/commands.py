"""What a message tells the user to run: refsite's command, or this repository's script too.

A site made with ``refsite init`` has no ``scripts/``; the repository of the
FastAPI reference does, and its ``scripts/lock`` does more than the one
command (it re-resolves ``requirements/lock.txt`` first). A message names
the refsite command everywhere, and the script beside it where the site
being built is that repository (a ``scripts/lock`` beside its ``mkdocs.yml``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["command_text"]

# The script of this repository that runs each command.
_SCRIPTS = {
    "refsite lock-releases": "scripts/lock",
    "refsite history": "scripts/lock",
    "refsite upgrade": "scripts/lock --upgrade",
    "refsite build": "scripts/build",
    "refsite build --versions": "scripts/build",
}


def command_text(where: Path | None, command: str) -> str:
    """``command`` as a message names it for the site at ``where``.

    ``where`` is the project root or a file of the project (a lock, a
    history file): the nearest folder at or above it holding ``mkdocs.yml``
    is the root. Where that root has ``scripts/lock``, the text names the
    script first: ``scripts/lock (refsite lock-releases)``.
    """
    script = _SCRIPTS.get(command)
    root = _root(where) if where is not None and script is not None else None
    if root is not None and (root / "scripts" / "lock").is_file():
        return f"{script} ({command})"
    return command


def _root(where: Path) -> Path | None:
    start = where.absolute()
    for folder in (start, *start.parents):
        if (folder / "mkdocs.yml").is_file():
            return folder
    return None
