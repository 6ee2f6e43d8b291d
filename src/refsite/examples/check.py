"""Check a site's examples: collect them, run the ones not run before, keep every result.

A result is kept in the store by the example's text, the prelude, the
timeout and the versions of the packages involved, so an example runs again
only when one of those changed. The whole list is also kept by what it is
made of (the pages' directives, the packages' source files as they lie on
disk, the same settings), so a warm build reads one file and loads nothing.
The runs happen in a process of their own (:mod:`refsite.examples.runner`),
which imports the prelude once and forks; :class:`ExamplesReader` starts the
whole check in a process beside a build.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import griffe

from refsite.checks.coverage import (
    CoverageError,
    load_packages,
    objects_to_data,
    package_folders,
    public_api,
)
from refsite.core.fingerprint import own_code
from refsite.core.keys import stat_digest, tree_digest
from refsite.core.processes import BackgroundJob
from refsite.core.store import Store, derive_key
from refsite.examples.collect import Example, collect, directives, load_objects
from refsite.examples.runner import Result

__all__ = [
    "NO_RUN",
    "SHOULD_FAIL",
    "Checked",
    "ExamplesError",
    "ExamplesReader",
    "Runner",
    "Settings",
    "cached",
    "check",
]

_NAMESPACE = "examples"
NO_RUN = "no_run"
"""A fence flag (```` ```python no_run ````): parse and check names, do not run."""
SHOULD_FAIL = "should_fail"
"""A fence flag: the example passes when running it fails."""


class ExamplesError(ValueError):
    """Input the examples check cannot use; the message says what to change."""


@dataclass(frozen=True)
class Settings:
    """What to check and how (the plugin's ``examples`` options, resolved)."""

    packages: Sequence[str]
    docs_dir: Path
    preload: Sequence[str] = ()
    search_paths: Sequence[Path] = ()
    prelude: str = ""
    requires: Sequence[str] = ()
    """Distributions the examples need besides the packages; their versions key the results."""
    timeout: float = 10.0
    workers: int = 0
    """Examples run at a time; 0: one per core."""
    store: Path | None = None
    """The store's folder; None keeps nothing."""
    read_api: bool = False
    """Also read the packages' public API for coverage, from the same griffe load."""


@dataclass(frozen=True)
class Checked:
    """An example and what running it gave."""

    example: Example
    result: Result = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Whether it ran without an error."""
        return self.result.get("status") == "passed"


def check(settings: Settings, loaded: griffe.ModulesCollection | None = None) -> list[Checked]:
    """Every example of the site, checked; ``loaded``: the packages, loaded already.

    Raises:
        ExamplesError: a package or a declared requirement is missing.
    """
    store = Store(settings.store) if settings.store is not None else None
    versions = _versions(settings)
    keys = _WholeKeys(settings, versions)
    if store is not None and (data := keys.load(store)) is not None:
        return _from_data(data)
    runner = Runner(settings.prelude, settings.search_paths)
    try:
        collection = loaded or load_objects(
            settings.packages, preload=settings.preload, search_paths=settings.search_paths
        )
    except CoverageError as error:
        runner.stop()
        raise ExamplesError(str(error)) from None
    examples = collect(collection, directives(settings.docs_dir))
    results = _results(examples, settings, f"{versions} {keys.sources}", store, runner)
    checked = [Checked(e, r) for e, r in zip(examples, results, strict=True)]
    if store is not None:
        keys.save(store, [[asdict(c.example), c.result] for c in checked])
    return checked


def cached(settings: Settings) -> list[Checked] | None:
    """What :func:`check` would return, when it is kept already; else None."""
    if settings.store is None:
        return None
    try:
        keys = _WholeKeys(settings, _versions(settings))
    except ExamplesError:
        return None
    data = keys.load(Store(settings.store))
    return None if data is None else _from_data(data)


class _WholeKeys:
    """The keys the whole list is kept by: the packages' files by size and time, then by content.

    The first costs a ``stat`` a file, which a warm build can afford (and is
    None while a file was written too recently for its time to vouch for
    it); the second reads them all, and finds the list again where the same
    files lie elsewhere or anew: the root of a versioned site (its newest
    release's wheels, installed), a fresh virtual environment with a
    restored cache. The folders are those the runner imports from: the
    handler's ``paths`` first, as its ``PYTHONPATH``.
    """

    def __init__(self, settings: Settings, versions: str) -> None:
        self._folders = package_folders(
            [*settings.packages, *settings.preload], settings.search_paths
        )
        # What the results depend on, wherever the check was asked from (the
        # CLI or a build, with relative or absolute paths).
        asked = [
            list(settings.packages),
            list(settings.preload),
            str(settings.docs_dir.resolve()),
            settings.prelude,
            list(settings.requires),
            settings.timeout,
        ]
        self._parts = (
            "examples/site",
            own_code(),
            json.dumps(asked),
            versions,
            repr(directives(settings.docs_dir)),
        )
        stat = stat_digest(self._folders)
        self.by_stat = None if stat is None else derive_key(*self._parts, "stat", stat)

    @functools.cached_property
    def sources(self) -> str:
        """The packages' source files by content: what each example's result is kept by too."""
        return tree_digest(self._folders)

    @functools.cached_property
    def by_content(self) -> str:
        return derive_key(*self._parts, "content", self.sources)

    def load(self, store: Store) -> Any:
        """The kept list (as data), or None; found by content, it is kept by stat too."""
        data = None if self.by_stat is None else store.load(_NAMESPACE, self.by_stat)
        if data is None:
            data = store.load(_NAMESPACE, self.by_content)
            if data is not None and self.by_stat is not None:
                store.save(_NAMESPACE, self.by_stat, data)
        return data

    def save(self, store: Store, data: Any) -> None:
        """Keep the list under both keys."""
        if self.by_stat is not None:
            store.save(_NAMESPACE, self.by_stat, data)
        store.save(_NAMESPACE, self.by_content, data)


def _from_data(data: list[Any]) -> list[Checked]:
    return [Checked(Example(**{**e, "flags": tuple(e["flags"])}), r) for e, r in data]


def _results(
    examples: Sequence[Example],
    settings: Settings,
    versions: str,
    store: Store | None,
    runner: Runner,
) -> list[Result]:
    # ``versions`` names the requirements' releases and the packages' files by
    # content: an edit to a signature changes what an example does even where
    # the version number stays (an editable install, a package in ``paths``).
    keys = [
        derive_key(
            "examples/run",
            own_code(),
            e.code,
            " ".join(e.flags),
            settings.prelude,
            str(settings.timeout),
            versions,
        )
        for e in examples
    ]
    results: list[Result | None] = [
        store.load(_NAMESPACE, k) if store is not None else None for k in keys
    ]
    missing = [i for i, r in enumerate(results) if r is None]
    if missing:
        ran = runner.run(
            [examples[i].code for i in missing],
            no_run=[n for n, i in enumerate(missing) if NO_RUN in examples[i].flags],
            timeout=settings.timeout,
            workers=settings.workers or os.cpu_count() or 1,
        )
        for i, result in zip(missing, ran, strict=True):
            if SHOULD_FAIL in examples[i].flags:
                result = _expected_failure(result)
            results[i] = result
            if store is not None:
                store.save(_NAMESPACE, keys[i], result)
    else:
        runner.stop()
    return [r for r in results if r is not None]


def _expected_failure(result: Result) -> Result:
    if result.get("status") == "failed":
        return {"status": "passed", "error": None, "message": None, "line": None}
    message = "the fence says should_fail, but the example ran without an error"
    return {"status": "failed", "error": "ShouldFail", "message": message, "line": None}


class Runner:
    """A runner process (:mod:`refsite.examples.runner`), started early.

    It runs the prelude (imports the package) as soon as it starts, while
    this process still looks for the examples; :meth:`run` hands it the examples.
    ``paths`` are where the site's packages are found (the python handler's
    ``paths`` first), as the build finds them.
    """

    def __init__(self, prelude: str, paths: Sequence[Path] = ()) -> None:
        self._started = time.monotonic()
        # A file, not a pipe: nobody reads while the prelude runs, and it may say a lot.
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (run and stop close it)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "refsite.examples.runner", prelude],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in paths)},
        )

    def run(
        self, codes: Sequence[str], *, timeout: float, workers: int, no_run: Sequence[int] = ()
    ) -> list[Result]:
        """Every example's result, in order.

        Raises:
            ExamplesError: the prelude itself fails, or runs past ``timeout`` from its start.
        """
        # The runner writes a line once the prelude ran (JSON allows it before the results).
        assert self._process.stdout is not None
        left = self._started + timeout - time.monotonic()
        if not select.select([self._process.stdout], [], [], max(left, 0))[0]:
            self.stop()
            raise ExamplesError(
                f"the examples' prelude still runs after {timeout:g} s (examples.timeout); "
                "fix examples.prelude"
            )
        request = {"codes": list(codes), "timeout": timeout, "workers": workers}
        output, _ = self._process.communicate(
            json.dumps({**request, "no_run": list(no_run)}).encode()
        )
        with self._errors:
            if self._process.returncode != 0:
                self._errors.seek(0)
                said = self._errors.read().decode(errors="replace").strip().splitlines()
                last = (said or ["no output"])[-1]
                raise ExamplesError(f"the examples' prelude fails: {last}; fix examples.prelude")
        results: list[Result] = json.loads(output)
        return results

    def stop(self) -> None:
        """End the process unused."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.communicate()
        self._errors.close()


def _versions(settings: Settings) -> str:
    """The versions of the packages and requirements: what results are kept by.

    Each is the distribution found first on the search paths (an older
    release's unpacked wheel before what is installed). The packages' files
    count by content besides (:attr:`_WholeKeys.sources`): a version number
    stays the same across edits of an editable install or a site's own package.
    """
    paths = [str(p) for p in settings.search_paths] or None
    found = []
    for name in [*settings.packages, *settings.preload]:
        version = _version(name, paths)
        found.append(f"{name}=={version}")
    for name in settings.requires:
        version = _version(name, paths)
        if version is None:
            raise ExamplesError(
                f"{name!r} is not installed: the examples need it (install it, or remove it "
                "from examples.requires)"
            )
        found.append(f"{name}=={version}")
    return " ".join(found)


def _version(name: str, paths: list[str] | None) -> str | None:
    found = (
        importlib.metadata.distributions(name=name, path=paths)
        if paths is not None
        else importlib.metadata.distributions(name=name)
    )
    distribution = next(iter(found), None)
    return distribution.version if distribution is not None else None


def _worker_main() -> None:
    """Check the settings on stdin (as JSON) and print the results: a build's helper process."""
    data = json.load(sys.stdin)
    settings = Settings(
        **{
            **data,
            "docs_dir": Path(data["docs_dir"]),
            "search_paths": [Path(p) for p in data["search_paths"]],
            "store": Path(data["store"]) if data["store"] else None,
        }
    )
    answer: dict[str, Any] = {}
    loaded = None
    if settings.read_api:
        # One load for both: coverage's extension and the docstrings' (each
        # reads what the other leaves alone: public names, docstrings).
        with contextlib.suppress(CoverageError):  # the check below says it
            loader = load_packages(
                settings.packages,
                preload=settings.preload,
                search_paths=settings.search_paths or None,
                also=("griffe_typingdoc",),
            )
            loaded = loader.modules_collection
            answer["api"] = objects_to_data(public_api(loaded, settings.packages))
    try:
        checked = check(settings, loaded)
    except ExamplesError as error:
        print(json.dumps({**answer, "error": str(error)}))
        return
    print(json.dumps({**answer, "checked": [[asdict(c.example), c.result] for c in checked]}))


class ExamplesReader:
    """The whole check, in a process of its own started with a build; :meth:`result` waits."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._job: BackgroundJob | None = None
        self._answer: dict[str, Any] | None = None
        self._data: list[Checked] | None = cached(settings)
        if self._data is not None:
            return
        self._job = BackgroundJob(
            "from refsite.examples.check import _worker_main as m; m()", asdict(settings)
        )

    @property
    def running(self) -> bool:
        """Whether a process checks the examples (nothing was kept)."""
        return self._job is not None

    def _answered(self) -> dict[str, Any]:
        if self._answer is None:
            answer = self._job.answer() if self._job is not None else None
            self._answer = answer if isinstance(answer, dict) else {}
        return self._answer

    def public_api(self) -> list[Any] | None:
        """The public API read from the same load (``read_api``); None if it was not."""
        api = self._answered().get("api")
        return api if isinstance(api, list) else None

    def result(self) -> list[Checked]:
        """Every example, checked (waits for the process).

        Raises:
            ExamplesError: as :func:`check`.
        """
        if self._data is None:
            data = self._answered()
            if "error" in data:
                raise ExamplesError(data["error"])
            if "checked" in data:
                self._data = _from_data(data["checked"])
            else:  # no process, or it died: check here, where errors are raised
                self._data = check(self._settings)
        return self._data

    def stop(self) -> None:
        """Stop the process, if it still runs."""
        if self._job is not None:
            self._job.stop()
