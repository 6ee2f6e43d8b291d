"""The ways refsite runs work in a process of its own: MkDocs, and a job beside a build.

A trial build of a new project, each release of a versioned site and the
CLI's plain build all run ``mkdocs <argv>`` as a subprocess, its exit status
and (unless it goes to the terminal) its combined output handed back. A
versioned build forks most of its builds from a server instead
(:class:`ForkServer`, which runs :mod:`refsite.mkdocs.forkserver`), and
falls back to a subprocess where it cannot.
What a build needs but does not make (its public API, its examples' results)
is read by a :class:`BackgroundJob` while the pages render; what it makes from
what it has loaded (the history's badges, the Markdown twins, griffe's
modules pickled) is worked out by a forked copy of it (:func:`in_background`,
:func:`in_child_process`).
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from refsite.core.store import dump_pickle, load_pickle

__all__ = [
    "DEFAULT_COLLECTIONS",
    "FEWER_COLLECTIONS",
    "FORK_SERVER",
    "BackgroundJob",
    "ForkServer",
    "Forked",
    "can_fork",
    "collect_less",
    "in_background",
    "in_child_process",
    "mkdocs_command",
    "run_mkdocs",
]

_T = TypeVar("_T")

POLL_SECONDS = 0.01
"""How often a wait on a forked copy looks whether it has ended."""

DEFAULT_COLLECTIONS = gc.get_threshold()
"""The garbage collector's thresholds this interpreter started with."""
FEWER_COLLECTIONS = 10_000
"""New container objects between two of :func:`collect_less`'s youngest collections."""


def collect_less() -> None:
    """Have this process (and what it forks) run the garbage collector far less often.

    Python collects every 700 new container objects, and every tenth
    collection the next generation too. A build makes millions, most alive
    to its end (griffe's objects, which are all in reference cycles,
    Markdown's trees), and the collector walks them again and again: 7 s
    spent collecting in the processes of ten releases and the root. Every
    10,000 that is 2.6 s, for about 4 MiB more at a build's peak (50,000
    saves little more and costs 11 MiB); the older generations keep their
    ratios. A process set higher still is left as it is.
    """
    youngest, middle, oldest = gc.get_threshold()
    if 0 < youngest < FEWER_COLLECTIONS:
        gc.set_threshold(FEWER_COLLECTIONS, middle, oldest)


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
    server: ForkServer | None = None,
    output: Path | None = None,
) -> tuple[int, str]:
    """Run MkDocs with ``argv`` and wait for it: forked from ``server``, else a subprocess.

    Args:
        argv: MkDocs' arguments.
        command: What runs MkDocs (see :func:`mkdocs_command`).
        cwd: Its working folder (default: this process's).
        env: Its whole environment (default: this process's).
        capture: Hand back its standard output and error, together; else they
            go where this process's go, and ``""`` is handed back.
        server: A :class:`ForkServer` to fork the build from; a server that
            has ended leaves the build to a subprocess.
        output: The file a forked build writes its output to (with ``server``).

    Returns:
        Its exit status and its output.
    """
    if server is not None and output is not None:
        try:
            status = server.run(argv, env or os.environ, cwd or Path.cwd(), output)
        except RuntimeError:  # the server is gone: this build runs on its own
            pass
        else:
            return status, output.read_text(encoding="utf-8", errors="replace")
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


FORK_SERVER = "refsite.mkdocs.forkserver"
"""The module a :class:`ForkServer` runs: named, not imported, since it imports MkDocs."""


class ForkServer:
    """A server process (:func:`serve`) started with ``python``; one build at a time."""

    def __init__(self, python: str, env: Mapping[str, str]) -> None:
        self._process = subprocess.Popen(
            [python, "-m", FORK_SERVER],
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
        except (OSError, ValueError):  # ValueError: closed here, by :meth:`close`
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


_COLLECT_LESS = "from refsite.core.processes import collect_less; collect_less()\n"


class BackgroundJob:
    """Python ``code`` run beside a build, in a low-priority process of its own.

    It gets ``request`` as JSON on its standard input and prints its answer
    as JSON. A plain subprocess, not multiprocessing: its "spawn" re-imports
    the parent's ``__main__``, which may be any script that runs a build.
    """

    def __init__(self, code: str, request: Any) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", _COLLECT_LESS + code],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:  # no process to spare: the caller does the work itself
            return
        self._process = process
        # Pages are what the build waits for: this takes the CPU they leave.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, process.pid, 10)
        assert process.stdin is not None
        with contextlib.suppress(OSError):  # it ended already: answer() says None
            process.stdin.write(json.dumps(request, default=str).encode())
            process.stdin.close()

    def answer(self) -> Any:
        """Its answer, once it ends; None when it failed or never started."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.stdin is not None and not process.stdin.closed:
            with contextlib.suppress(OSError):  # the request was cut short
                process.stdin.close()
        assert process.stdout is not None
        with process.stdout:
            output = process.stdout.read()
        if process.wait() != 0:
            return None
        try:
            return json.loads(output)
        except ValueError:
            return None

    def stop(self) -> None:
        """Stop the process, if it still runs."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()


class Forked:
    """A forked copy of this process: as much of :class:`subprocess.Popen` as workers use."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                pid, status = self.pid, 0
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status) if status else 0
        return self.returncode

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def wait(self) -> int | None:
        while self.poll() is None:
            time.sleep(POLL_SECONDS)
        return self.returncode


def can_fork() -> bool:
    """Whether workers can be copies of this process.

    Not while another thread runs (mkdocstrings may still be downloading
    inventories): a copy would inherit any lock that thread holds, held forever.
    """
    return hasattr(os, "fork") and threading.active_count() == 1


def in_background(work: Callable[[], _T]) -> Callable[[], _T | None]:
    """Start ``work()`` in a forked copy of this process; returns what waits for its result.

    The result comes back pickled through a temporary file. The waiting call
    returns None when the copy failed (or the system cannot fork): then the
    caller does the work itself.
    """
    if not can_fork():
        return lambda: None
    handle, name = tempfile.mkstemp(prefix="refsite-result-", suffix=".pickle")
    os.close(handle)
    result = Path(name)
    try:
        pid = os.fork()
    except OSError:
        result.unlink(missing_ok=True)
        return lambda: None
    if pid == 0:
        status = 1
        try:
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            logging.disable(logging.CRITICAL)
            dump_pickle(result, ("done", work()))
            status = 0
        finally:
            os._exit(status)
    copy = Forked(pid)

    def wait() -> _T | None:
        copy.wait()
        saved = load_pickle(result) if copy.returncode == 0 else None
        result.unlink(missing_ok=True)
        if isinstance(saved, tuple) and len(saved) == 2 and saved[0] == "done":
            value: _T = saved[1]
            return value
        return None

    return wait


def in_child_process(work: Callable[[], None]) -> None:
    """Run ``work`` in a forked copy of this process, without waiting for it.

    Pickling what griffe loaded takes most of a second: a copy of the process
    does it while the build goes on. It writes nothing to the terminal and
    leaves without running any exit handler of the build's.
    """
    if not hasattr(os, "fork"):  # no fork on this system: do nothing rather than wait
        return
    try:
        pid = os.fork()
    except OSError:
        return
    if pid != 0:
        _CHILDREN.append(pid)
        _reap_children()
        return
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        work()
        status = 0
    except BaseException:
        status = 1
    os._exit(status)


# Children forked by in_child_process, reaped at the next fork or never (the
# system reaps them when the build's process ends).
_CHILDREN: list[int] = []


def _reap_children() -> None:
    for pid in list(_CHILDREN):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _CHILDREN.remove(pid)
