"""Run examples, cheapest check first: parse, undefined names, then each in a forked process.

The process that runs this module executes the site's prelude once (its
imports are the costly part), then forks one child per example, as many at a
time as there are cores. A child works in a box (:mod:`refsite.examples.sandbox`):
a temporary folder and a process group of its own, connections to anything
but this machine refused and, where Linux allows, no network and nothing
else to write; its output is discarded. It runs the example after the
prelude and, for each ASGI application the example leaves behind (a
Starlette or FastAPI instance), generates its OpenAPI schema and starts it
under ``TestClient`` and sends it a request, so a route declared wrong fails
here. A child past the timeout is killed with every process it started, as
are the processes an example that ended leaves behind. Forked children share
the modules the prelude imported, as the tests of one process would; each
example still starts from the prelude's names.

What children import beyond the prelude (a package's lazily imported parts:
FastAPI's pydantic.v1 support, anyio's event loop) each child would import
again. So each child says which modules it imported, and once two children
have imported a module this process imports it too, for the children forked
after: the examples' results are those of children that import it
themselves, only cheaper. Objects are frozen out of the garbage collector
before each fork, so a child's collections do not copy the parent's memory.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import importlib
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from refsite.core.processes import DEFAULT_COLLECTIONS, collect_less
from refsite.examples import sandbox

__all__ = ["FILENAME", "Result", "prepare", "run_all", "run_prepared", "static_check"]

FILENAME = "<example>"
"""The file name examples run under, so tracebacks tell their lines apart."""

Result = dict[str, Any]
"""``{"status": "passed"|"failed", "error", "message", "line"}`` (line within the example),
and ``"sandbox"``: the limits it ran under (:func:`refsite.examples.sandbox.enter`), if it ran.
"""


def static_check(code: str, names: set[str]) -> Result | None:
    """A failure found without running ``code`` (a syntax error, an undefined name), or None.

    ``names`` are defined before the example runs (the prelude's).
    """
    try:
        tree = ast.parse(code, FILENAME)
    except SyntaxError as error:
        return _failed("SyntaxError", error.msg, error.lineno)
    try:
        from pyflakes import checker, messages  # type: ignore[import-untyped]
    except ImportError:  # the caller says the check is degraded
        return None
    found = checker.Checker(tree, FILENAME, builtins=names)
    for message in sorted(found.messages, key=lambda m: m.lineno):
        if isinstance(message, messages.UndefinedName):
            name = message.message_args[0]
            return _failed("NameError", f"name {name!r} is not defined", message.lineno)
    return None


def _failed(error: str, message: str, line: int | None) -> Result:
    return {"status": "failed", "error": error, "message": message, "line": line}


def run_all(
    codes: Sequence[str],
    *,
    prelude: str,
    timeout: float,
    workers: int,
    no_run: Sequence[int] = (),
    namespaces: bool = True,
) -> list[Result]:
    """Check every example of ``codes``; one result each, in order.

    The examples numbered in ``no_run`` are only parsed and checked for undefined names;
    ``namespaces=False`` keeps the examples out of Linux namespaces even where they work.
    """
    base = prepare(prelude)
    return run_prepared(
        base, codes, timeout=timeout, workers=workers, no_run=no_run, namespaces=namespaces
    )


def prepare(prelude: str) -> dict[str, Any]:
    """The names every example starts from: the prelude's, run once here."""
    base: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(prelude, "<prelude>", "exec"), base)  # the site's own, trusted setup
    # What exercising an application needs, imported once for every child.
    with contextlib.suppress(Exception), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a deprecation is the example's to meet, not ours
        import starlette.testclient  # noqa: F401
    return base


def run_prepared(
    base: dict[str, Any],
    codes: Sequence[str],
    *,
    timeout: float,
    workers: int,
    no_run: Sequence[int] = (),
    namespaces: bool = True,
) -> list[Result]:
    """:func:`run_all` after :func:`prepare`."""
    names = set(base) | set(dir(__builtins__)) | {"__file__"}
    results: list[Result | None] = [static_check(code, names) for code in codes]
    for index in no_run:
        results[index] = results[index] or {
            "status": "passed",
            "error": None,
            "message": None,
            "line": None,
        }
    pending = [i for i, r in enumerate(results) if r is None]
    scratch = Path(tempfile.mkdtemp(prefix="refsite-examples-"))
    try:
        limits = (timeout, max(workers, 1), namespaces)
        _fork_each(codes, pending, results, base, scratch, limits)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [r or _failed("RuntimeError", "no result", None) for r in results]


def _fork_each(
    codes: Sequence[str],
    pending: list[int],
    results: list[Result | None],
    base: Mapping[str, Any],
    scratch: Path,
    limits: tuple[float, int, bool],
) -> None:
    timeout, workers, namespaces = limits
    running: dict[int, tuple[int, float]] = {}  # pid -> (index, deadline)
    queue = list(reversed(pending))
    imported: dict[str, int] = {}  # module -> how many children imported it
    while queue or running:
        while queue and len(running) < workers:
            index = queue.pop()
            gc.freeze()
            pid = os.fork()
            if pid == 0:  # the child never returns
                _child(codes[index], base, scratch / str(index), namespaces)
            sandbox.own_group(pid)
            running[pid] = (index, time.monotonic() + timeout)
        pid, reaped = _ended()
        if pid == 0:
            now = time.monotonic()
            for late, (index, deadline) in list(running.items()):
                if now > deadline:
                    sandbox.end(late)
                    os.waitpid(late, 0)
                    del running[late]
                    results[index] = _failed(
                        "TimeoutError", f"still running after {timeout:g} s", None
                    )
            time.sleep(0.002)
            continue
        if not reaped:
            if pid in running:
                sandbox.end(pid)  # what the example left running: it still names their group
            os.waitpid(pid, 0)
        if pid in running:
            index, _ = running.pop(pid)
            results[index] = _read(scratch / f"{index}.json", imported)


def _ended() -> tuple[int, bool]:
    """A child that ended (0 if none), and whether it is reaped.

    Unreaped, its pid still names its process group, so what it left can be killed.
    """
    if not hasattr(os, "waitid"):  # macOS: reaped at once; what it left keeps running
        return os.waitpid(-1, os.WNOHANG)[0], True
    found = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    return (found.si_pid, False) if found is not None else (0, False)


def _read(file: Path, imported: dict[str, int]) -> Result:
    """A child's result; the modules it imported are counted, and imported here from two on."""
    try:
        result: Result = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return _failed("SystemExit", "the example ended its process", None)
    for name in result.pop("imported", ()):
        imported[name] = imported.get(name, 0) + 1
        if imported[name] == 2 and name not in sys.modules:
            _import_quietly(name)
    return result


def _import_quietly(name: str) -> None:
    """Import ``name`` here, as a child did; a module that fails here stays the children's."""
    sandbox.offline()  # as offline as the children who imported it
    with contextlib.suppress(Exception), warnings.catch_warnings():
        # Its warnings are the example's to meet, in the child, not ours.
        warnings.simplefilter("ignore")
        importlib.import_module(name)


def _child(code: str, base: Mapping[str, Any], folder: Path, namespaces: bool) -> None:
    result: Result
    before = set(sys.modules)
    out, limits = -1, None
    try:
        folder.mkdir()
        # Opened before the box turns the file system read-only.
        out = os.open(f"{folder}.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        limits = sandbox.enter(folder, namespaces=namespaces)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        # The example meets Python as it starts, whatever its parent tuned.
        gc.set_threshold(*DEFAULT_COLLECTIONS)
        namespace = dict(base)
        exec(compile(code, FILENAME, "exec"), namespace)
        _exercise_apps(namespace)
        result = {"status": "passed", "error": None, "message": None, "line": None}
    except BaseException as error:  # whatever the example raises is its result
        # The temporary folder's name would make two builds' pages differ.
        message = str(error).replace(str(folder), ".")
        result = _failed(type(error).__name__, message, _example_line(error))
    try:
        imported = sorted(set(sys.modules) - before)
        with open(out, "w", encoding="utf-8") as file:
            file.write(json.dumps({**result, "sandbox": limits, "imported": imported}))
    finally:
        os._exit(0)


def _exercise_apps(namespace: Mapping[str, Any]) -> None:
    """Generate the schema of each ASGI application left behind, start it and ask it once."""
    applications = sys.modules.get("starlette.applications")
    if applications is None:
        return
    apps = [v for v in namespace.values() if isinstance(v, applications.Starlette)]
    if not apps:
        return
    from starlette.testclient import TestClient

    for app in apps:
        if callable(getattr(app, "openapi", None)):
            app.openapi()
        with TestClient(app) as client:  # runs the lifespan: start-up and shut-down
            response = client.get("/")
            if response.status_code >= 500:
                raise RuntimeError(f"GET / answered {response.status_code}")


def _example_line(error: BaseException) -> int | None:
    if isinstance(error, SyntaxError) and error.filename == FILENAME:
        return error.lineno
    lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == FILENAME]
    return lines[-1] if lines else None


def main() -> None:
    """Run the prelude (``argv[1]``) at once, then the examples :func:`run_prepared`
    reads as JSON on stdin; print the results.

    The prelude's imports happen while the caller still looks for the examples.
    """
    out = sys.stdout
    sys.stdout = sys.stderr  # what the prelude prints must not mix with the results
    collect_less()  # importing the package; each example runs with the default
    base = prepare(sys.argv[1])
    out.write("\n")  # the prelude ran: the caller stops timing it
    out.flush()
    request = json.load(sys.stdin)
    out.write(json.dumps(run_prepared(base, **request)))
    out.flush()


if __name__ == "__main__":
    main()
