"""The one way refsite runs MkDocs in a process of its own.

A trial build of a new project, each release of a versioned site and the
CLI's plain build all run ``mkdocs <argv>`` as a subprocess, its exit status
and (unless it goes to the terminal) its combined output handed back. A
versioned build forks most of its builds from a server instead
(:mod:`refsite.speed.forkserver`), and falls back to this where it cannot.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["mkdocs_command", "run_mkdocs"]


def mkdocs_command(argv: Sequence[str], *, command: Sequence[str] | None = None) -> list[str]:
    """The command line that runs MkDocs with ``argv``.

    Args:
        argv: MkDocs' arguments (``["build", "--strict", ...]``).
        command: What runs MkDocs (``[".venv/bin/mkdocs"]``); by default this
            Python's ``-m mkdocs``, so the build sees the packages this process does.
    """
    return [*(command or [sys.executable, "-m", "mkdocs"]), *argv]


def run_mkdocs(
    argv: Sequence[str],
    *,
    command: Sequence[str] | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    capture: bool = True,
) -> tuple[int, str]:
    """Run MkDocs with ``argv`` in a subprocess and wait for it.

    Args:
        argv: MkDocs' arguments.
        command: What runs MkDocs (see :func:`mkdocs_command`).
        cwd: Its working folder (default: this process's).
        env: Its whole environment (default: this process's).
        capture: Hand back its standard output and error, together; else they
            go where this process's go, and ``""`` is handed back.

    Returns:
        Its exit status and its output.
    """
    process = subprocess.run(
        mkdocs_command(argv, command=command),
        cwd=cwd,
        env=None if env is None else dict(env),
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
        text=True,
        check=False,
    )
    return process.returncode, process.stdout or ""
