"""Cold builds on every core: worker processes render pages into the page cache.

MkDocs renders pages one after another in one process. When a build meets
its first page that the cache does not hold, refsite starts worker processes
(one per extra core). Each loads the same configuration and renders pages
from the end of the site backwards, storing each in the page cache, while
MkDocs walks forwards; when MkDocs reaches a page a worker has finished, the
page is replayed from the cache like any cached page. Workers only ever add
cache entries, so the site is the one a serial build writes: a page the
workers have not reached is rendered by MkDocs itself, and they are stopped
once MkDocs has every page.

Where the system can fork (Linux, macOS), a worker is a copy of MkDocs'
own process made once it has loaded the sources with griffe: it starts
rendering at once, with nothing to import, configure or load. Elsewhere it
is a new process (``python -m refsite.speed.workers``) that does all of that.

Each page is rendered once: whoever starts it first claims it (a file
created exclusively in a folder of the build's own). MkDocs waits for a page
a worker has claimed; a worker stops at the first page MkDocs has claimed,
since every page before it is MkDocs' too.

:func:`assign` is pure; :class:`Workers` runs the processes; running this
module (``python -m refsite.speed.workers``) is one worker of the second kind.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from refsite import internals
from refsite.core.processes import Forked, can_fork
from refsite.speed.aliases import materialize_loaded

__all__ = [
    "CLAIMS_ENV",
    "WORKER_ENV",
    "PageWorkers",
    "Workers",
    "assign",
    "claim",
    "render_page",
    "worker_count",
]

# Set in a worker's environment: its refsite plugin renders into the cache
# and starts no workers or checks of its own.
WORKER_ENV = "REFSITE_WORKER"
# The folder of the build's claims on pages, in a worker's environment.
CLAIMS_ENV = "REFSITE_CLAIMS"
_T = TypeVar("_T")

# How often MkDocs looks whether a worker has finished the page it waits for,
# and for how long at most before it renders the page itself.
POLL_SECONDS = 0.01
WAIT_SECONDS = 120.0


def claim(folder: Path, page: str) -> bool:
    """Claim ``page`` in ``folder``: True for the first process to ask, False after."""
    name = hashlib.sha256(page.encode()).hexdigest()[:32]
    try:
        os.close(os.open(folder / name, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def worker_count(setting: int | None, cpus: int | None) -> int:
    """How many processes render: ``setting``, else one per core; at least 1."""
    if setting is not None:
        return max(1, setting)
    return max(1, cpus or 1)


def assign(pages: Sequence[str], processes: int) -> list[list[str]]:
    """The pages each of ``processes - 1`` workers renders, in its order.

    MkDocs itself walks the pages from the first; the workers start from the
    last and take turns backwards, so they meet MkDocs in the middle whatever
    the pages cost.
    """
    workers = processes - 1
    if workers < 1:
        return []
    backwards = list(reversed(pages))
    return [backwards[i::workers] for i in range(workers)]


class Workers:
    """The worker processes of one build."""

    def __init__(self) -> None:
        self._processes: list[subprocess.Popen[bytes] | Forked] = []
        self._claims: Path | None = None
        self.started = False

    def start(
        self, config_file: str, fingerprint: str, assignments: Sequence[Sequence[str]]
    ) -> int:
        """Start one worker per assignment; returns how many started."""
        self.started = True
        self._claims = Path(tempfile.mkdtemp(prefix="refsite-claims-"))
        env = {**os.environ, WORKER_ENV: fingerprint, CLAIMS_ENV: str(self._claims)}
        for pages in assignments:
            if not pages:
                continue
            try:
                process = subprocess.Popen(
                    [sys.executable, "-m", "refsite.speed.workers", config_file, json.dumps(pages)],
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            except OSError:  # no process to spare: MkDocs renders the rest itself
                break
            self._processes.append(process)
        return len(self._processes)

    def fork(self, assignments: Sequence[Sequence[str]], render: Callable[[str], None]) -> int:
        """Fork one copy of this process per assignment; returns how many started.

        Each copy calls ``render(page)`` for its pages in order, stopping at
        the first one claimed before it, then leaves without running any of
        the build's exit handlers. It writes nothing to the terminal.
        """
        self.started = True
        self._claims = Path(tempfile.mkdtemp(prefix="refsite-claims-"))
        for pages in assignments:
            if not pages:
                continue
            try:
                pid = os.fork()
            except OSError:  # no process to spare: MkDocs renders the rest itself
                break
            if pid == 0:
                os._exit(_render_in_copy(self._claims, pages, render))
            self._processes.append(Forked(pid))
        return len(self._processes)

    def claim(self, page: str) -> bool:
        """Whether MkDocs' process may render ``page``: no worker has claimed it."""
        return self._claims is None or not self._processes or claim(self._claims, page)

    def wait_for(self, ready: Callable[[], bool], timeout: float = WAIT_SECONDS) -> None:
        """Wait until ``ready()``, until no worker is left to make it so, or ``timeout``.

        After that, the caller does the work itself: a stuck worker costs time, never the build.
        """
        deadline = time.monotonic() + timeout
        while not ready() and time.monotonic() < deadline:
            if all(process.poll() is not None for process in self._processes):
                return
            time.sleep(POLL_SECONDS)

    def stop(self) -> None:
        """Stop every worker: what they stored is complete (writes are atomic)."""
        for process in self._processes:
            if process.poll() is None:
                process.kill()
        for process in self._processes:
            process.wait()
        self._processes = []
        if self._claims is not None:
            shutil.rmtree(self._claims, ignore_errors=True)
            self._claims = None
        self.started = False


def _render_in_copy(claims: Path, pages: Sequence[str], render: Callable[[str], None]) -> int:
    """A forked worker's life: render its pages, quietly; the exit status."""
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        logging.disable(logging.CRITICAL)
        for page in pages:
            if not claim(claims, page):
                break  # MkDocs has reached this page: the rest are before it
            render(page)
    except BaseException:
        return 1
    return 0


def _run(config_file: str, pages: Sequence[str]) -> int:
    """Render ``pages`` of the site into the page cache, as MkDocs' build would."""
    # MkDocs' own steps, as mkdocs.commands.build.build takes them up to
    # reading the pages.
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files, set_exclusions
    from mkdocs.structure.nav import get_navigation

    logging.disable(logging.CRITICAL)
    config = load_config(config_file, site_dir=os.devnull)
    config = config.plugins.on_config(config)
    config.plugins.on_pre_build(config=config)
    files = get_files(config)
    env = config.theme.get_env()
    files.add_files_from_theme(env, config)
    files = config.plugins.on_files(files, config=config)
    set_exclusions(files, config)
    nav = get_navigation(files, config)
    config.plugins.on_nav(nav, config=config, files=files)
    claims = os.environ.get(CLAIMS_ENV)
    for src in pages:
        if claims and not claim(Path(claims), src):
            break  # MkDocs has reached this page: the rest are before it
        render_page(config, files, src)
    return 0


def render_page(config: Any, files: Any, src: str) -> None:
    """Run MkDocs' steps for the page at ``src``: every plugin's page events, up to its HTML."""
    from mkdocs.structure.pages import Page

    file = files.get_file_from_path(src)
    if file is None:
        return
    page = file.page if file.page is not None else Page(None, file, config)
    internals.populate_page(page, config, files)


if __name__ == "__main__":
    sys.exit(_run(sys.argv[1], json.loads(sys.argv[2])))


class PageWorkers:
    """MkDocs' side of a build's page workers: when they start, how, and waiting for them.

    The plugin asks :meth:`wait_hook` for each page it is about to read from
    the cache, and calls :meth:`start` at the first page it must render.
    """

    def __init__(self) -> None:
        self.workers = Workers()
        self._pending = False
        self._in_copy = False
        self.on_start: Callable[[int], None] = lambda count: None
        """Called with how many workers started, when they do."""

    def reset(self) -> None:
        """Forget a start that never happened (a new build begins)."""
        self._pending = False

    def wait_hook(self, page: str) -> Callable[[Callable[[], bool]], None] | None:
        """What MkDocs calls for ``page`` when the cache lacks it, while workers run."""
        if not self.workers.started:
            return None
        return functools.partial(self._wait, page)

    def _wait(self, page: str, ready: Callable[[], bool]) -> None:
        # Claim it to render it here, or wait for the worker that did.
        if not self.workers.claim(page):
            self.workers.wait_for(ready)

    def start(
        self,
        page: str,
        rest: Sequence[str],
        processes: int,
        *,
        config: Any,
        files: Any,
        fingerprint: str,
        current: Callable[[], str | None],
    ) -> None:
        """At ``page``, the first one MkDocs renders, start workers on the pages after it.

        Where the system can fork, the workers are copies of this process made
        once the python handler has loaded the sources (``current()`` names the
        page MkDocs renders then); elsewhere, new processes.
        """
        if self._in_copy or self._pending or self.workers.started:
            return
        # Workers render into the page cache; without the upstream shapes they
        # rely on (refsite.internals), MkDocs renders every page itself.
        if not internals.usable("page-workers"):
            return
        assignments = assign(rest, processes)
        if not any(assignments):
            return
        mkdocstrings = config.plugins.get("mkdocstrings")
        handler = mkdocstrings.handlers.get_handler("python") if mkdocstrings else None
        if can_fork() and handler is not None:
            self._fork_after_first_load(handler, assignments, config, files, current)
            return
        started = self.workers.start(config.config_file_path, fingerprint, assignments)
        if started:
            self.workers.claim(page)  # MkDocs renders it now
            self.on_start(started)

    def _fork_after_first_load(
        self,
        handler: Any,
        assignments: list[list[str]],
        config: Any,
        files: Any,
        current: Callable[[], str | None],
    ) -> None:
        self._pending = True

        def wrap(collect: Callable[..., Any]) -> Callable[..., Any]:
            def collect_then_fork(identifier: str, options: Any) -> Any:
                data = collect(identifier, options)
                if not self._pending:
                    return data
                self._pending = False
                # The copies start from what a worker of its own would have.
                materialize_loaded(handler)
                render = functools.partial(self._render_in_copy, config, files)
                started = self.workers.fork(assignments, render)
                if started:
                    page = current()
                    if page is not None:
                        self.workers.claim(page)  # MkDocs is rendering it
                    self.on_start(started)
                return data

            return collect_then_fork

        internals.wrap_collect(handler, wrap)

    def _render_in_copy(self, config: Any, files: Any, page: str) -> None:
        if not self._in_copy:
            # This copy renders its pages only: it starts and waits for none.
            self._in_copy = True
            self.workers = Workers()
        render_page(config, files, page)
