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

This module is the server's side, run as ``python -m refsite.mkdocs.forkserver``;
the client, :class:`refsite.core.processes.ForkServer`, starts it by that
name (a process boundary, not an import) and sends it one request per build.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import traceback
from collections.abc import Mapping
from typing import IO, Any

from refsite import internals
from refsite.core.processes import collect_less

__all__ = ["PRELOAD", "serve"]

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


def main() -> None:
    """Serve on standard input and output (anything else printed to it is dropped)."""
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)
    serve(sys.stdin, replies)


if __name__ == "__main__":
    main()
