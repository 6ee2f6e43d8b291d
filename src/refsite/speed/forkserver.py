"""MkDocs builds forked from a process that has imported MkDocs and its plugins once.

A versioned site is a dozen ``mkdocs build`` runs. Each new Python process
spends about half a second importing MkDocs, Material, mkdocstrings, griffe,
black and refsite before it reads its configuration: a tenth of an older
release's build. ``refsite build --versions`` starts one :class:`ForkServer`
per build it runs at a time instead. The server imports those once
(:data:`PRELOAD`), then forks a child per build, which runs MkDocs' command
line exactly as ``mkdocs`` would, in its own folder and environment, its
output going to a file. The server does nothing else and runs no thread, so
forking it is safe.

Where ``os.fork`` is missing, :func:`run_mkdocs` runs ``mkdocs`` as a plain
subprocess instead (:func:`refsite.core.processes.run_mkdocs`).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import subprocess
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from refsite import internals
from refsite.core import processes
from refsite.core.processes import collect_less

__all__ = ["PRELOAD", "ForkServer", "run_mkdocs", "serve"]

PRELOAD = (
    "mkdocs.__main__",
    "mkdocs.commands.build",
    "mkdocs.config.defaults",
    "mkdocs.structure.pages",
    "material.plugins.search.plugin",
    "material.templates",
    "mkdocs_autorefs",
    "mkdocstrings",
    *internals.PRELOADED,
    "mkdocstrings_handlers.python",
    "griffe",
    "griffe_typingdoc",
    "black",
    "pygments.formatters.html",
    "pymdownx.highlight",
    "pymdownx.superfences",
    "markdown.extensions.toc",
    "lxml.html",
    "refsite.mkdocs.plugin",
)
"""What every build of a MkDocs + Material + mkdocstrings site imports (those installed)."""


def serve(requests: IO[str], replies: IO[str]) -> None:
    """Preload, then run one build per request line until ``requests`` ends.

    A request is a JSON object: ``argv`` (MkDocs' arguments, ``["build",
    ...]``), ``env``, ``cwd`` and ``output`` (the file its output goes to).
    The reply is ``{"status": N}``, MkDocs' exit status.
    """
    collect_less()  # while importing, and in every build forked
    # The Python handler as refsite's plugin loads it (without pydantic).
    from refsite.mkdocs.python_handler import load_without_pydantic

    load_without_pydantic()
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request, replies)  # never returns
        _, status = os.waitpid(pid, 0)
        replies.write(json.dumps({"status": os.waitstatus_to_exitcode(status)}) + "\n")
        replies.flush()


def _child(request: Mapping[str, Any], replies: IO[str]) -> None:
    code = 1
    try:
        replies.close()  # the server's alone: a build's own children must not hold it
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        output = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.close(output)
        from mkdocs.__main__ import cli

        try:
            cli.main(list(request["argv"]), prog_name="mkdocs")
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


class ForkServer:
    """A server process (:func:`serve`) started with ``python``; one build at a time."""

    def __init__(self, python: str, env: Mapping[str, str]) -> None:
        self._process = subprocess.Popen(
            [python, "-m", "refsite.speed.forkserver"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # What the preloading prints is nobody's concern; a build's
            # output goes to its own file.
            stderr=subprocess.DEVNULL,
            env=dict(env),
            text=True,
        )

    def run(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path, output: Path) -> int:
        """Run MkDocs with ``argv`` in a forked child; its exit status (output in ``output``)."""
        process = self._process
        assert process.stdin is not None
        assert process.stdout is not None
        request = {"argv": list(argv), "env": dict(env), "cwd": str(cwd), "output": str(output)}
        try:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            reply = process.stdout.readline()
        except OSError:
            reply = ""
        if not reply:
            raise RuntimeError("the fork server ended")
        return int(json.loads(reply)["status"])

    def close(self) -> None:
        """End the server (it ends when its input does)."""
        if self._process.stdin is not None:
            with contextlib.suppress(OSError):
                self._process.stdin.close()
        self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


def run_mkdocs(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    mkdocs: Sequence[str],
    server: ForkServer | None = None,
    cwd: Path | None = None,
    output: Path,
) -> tuple[int, str]:
    """Run ``mkdocs <argv>``: in ``server`` if given, else as ``mkdocs`` (a subprocess).

    Returns its exit status and its output (standard output and error).
    """
    where = cwd or Path.cwd()
    if server is not None:
        status = server.run(argv, env, where, output)
        return status, output.read_text(encoding="utf-8", errors="replace")
    return processes.run_mkdocs(argv, command=mkdocs, cwd=where, env=env)


def main() -> None:
    """Serve on standard input and output (anything else printed to it is dropped)."""
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)
    serve(sys.stdin, replies)


if __name__ == "__main__":
    main()
