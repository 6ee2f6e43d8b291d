"""Read a package's API history from the wheels of its releases.

For every release, the exact wheel is downloaded (:mod:`refsite.registry.wheels`),
unpacked, and read statically with griffe (:func:`refsite.history.snapshot.read_snapshot`);
nothing is installed or imported. A release without a wheel is read from its
sdist's source tree. Packages that re-export objects (Starlette for FastAPI)
are read from a wheel too: the newest final release that the package's own
``Requires-Dist`` allows, as a user installing that release then would have
got. Which one was read, with its hash, is recorded.

A release that cannot be read (no wheel and no usable sdist, a source tree
without the package) or that the index marks yanked is skipped, with the
reason, in :attr:`History.skipped`; the others are read all the same.

A snapshot is cached under the hashes of the files it was read from and of
the code that reads it, as soon as it is read: a warm read downloads and
parses nothing new, and a run that stopped half-way resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from refsite.checks.coverage import CoverageError
from refsite.core.fingerprint import own_code
from refsite.history.model import FORMAT, History, HistoryError, ReleaseRead
from refsite.history.snapshot import Snapshot, read_snapshot
from refsite.registry.index import IndexFile, pip_sources, project_files, yanked_versions
from refsite.registry.metadata import dependency_specifiers, newest_matching, wheel_metadata
from refsite.registry.wheels import (
    NoRelease,
    Wheel,
    WheelError,
    available_versions,
    download,
    download_sdist,
    package_root,
    unpack,
)

__all__ = ["Step", "read_history", "read_release", "releases_between"]


@dataclass(frozen=True)
class Step:
    """Progress: one release read, or skipped."""

    index: int
    """1-based."""
    total: int
    version: str
    seconds: float
    cached: bool
    skipped: str | None = None
    """Why the release was skipped; None when it was read."""
    sdist: bool = False
    """Read from its sdist: it has no wheel."""

    def text(self, package: str) -> str:
        """The progress line's text: ``3/55 click 6.5 (0.4 s, from its sdist)``."""
        if self.skipped is not None:
            how = f"skipped ({self.seconds:.1f} s): {self.skipped}"
        else:
            notes = ["cached"] * self.cached + ["from its sdist"] * self.sdist
            how = f"({', '.join([f'{self.seconds:.1f} s', *notes])})"
        return f"{self.index}/{self.total} {package} {self.version} {how}"


def releases_between(versions: Iterable[str], first: str, last: str | None) -> list[str]:
    """The versions from ``first`` to ``last`` (inclusive; None: no upper bound), oldest first.

    Raises:
        history.HistoryError: no version falls in the range.
    """
    low, high = Version(first), Version(last) if last else None
    chosen = [v for v in versions if Version(v) >= low and (high is None or Version(v) <= high)]
    if not chosen:
        raise HistoryError(f"no release between {first} and {last or 'the newest'}")
    return sorted(chosen, key=Version)


def _code_version() -> str:
    """What the snapshot depends on besides the wheels: our reading code and griffe."""
    digest = hashlib.sha256(FORMAT.encode())
    digest.update(own_code("history", "checks.coverage").encode())
    for name in ("griffe", "griffe-public-redundant-aliases"):
        digest.update(metadata.version(name).encode())
    return digest.hexdigest()[:16]


IndexFiles = Callable[[str], Sequence[IndexFile]]
"""A project's files on the index, by project name."""


def _index_files(name: str) -> list[IndexFile]:
    return project_files(name, pip_sources())


@dataclass(frozen=True)
class _Read:
    release: ReleaseRead
    snapshot: Snapshot
    cached: bool
    sdist: bool
    """Read from the sdist: the release has no wheel."""


class _Reader:
    """Downloads, unpacks and reads releases; remembers what the index listed."""

    def __init__(
        self, package: str, preload: Sequence[str], cache: Path, files: IndexFiles
    ) -> None:
        self.package = package
        self.preload = list(preload)
        self.wheels = cache / "wheels"
        self.unpacked = cache / "unpacked"
        self.snapshots = cache / "snapshots"
        self.code = _code_version()
        self._versions: dict[str, list[str]] = {}
        self._files = files
        self._listed: dict[str, Sequence[IndexFile]] = {}

    def files(self, name: str) -> Sequence[IndexFile]:
        """The files of project ``name`` on the index (asked once)."""
        if name not in self._listed:
            self._listed[name] = self._files(name)
        return self._listed[name]

    def read(self, version: str, pins: Mapping[str, str] | None = None) -> _Read:
        main = self._fetch(self.package, version)
        main_root = self._root(main, self.package)
        deps: list[Wheel] = []
        for name in self.preload:
            pinned = (pins or {}).get(name)
            if pinned is None:
                pinned = self._newest(name, dependency_specifiers(wheel_metadata(main), name))
            deps.append(self._fetch(name, pinned))
        wheels = [main, *deps]
        key = "-".join([self.code, *(w.sha256[:16] for w in wheels)])
        release = ReleaseRead(version, tuple((w.name, w.version, w.sha256) for w in wheels))
        stored = self.snapshots / f"{key}.json"
        try:
            return _Read(
                release, json.loads(stored.read_text(encoding="utf-8")), True, main.is_sdist
            )
        except (OSError, ValueError):
            pass
        roots = [main_root, *(self._root(w, n) for w, n in zip(deps, self.preload, strict=True))]
        snapshot = read_snapshot([self.package], preload=self.preload, search_paths=roots)
        self.snapshots.mkdir(parents=True, exist_ok=True)
        temp = stored.with_suffix(".tmp")
        temp.write_text(json.dumps(snapshot), encoding="utf-8")
        temp.replace(stored)
        return _Read(release, snapshot, False, main.is_sdist)

    def _fetch(self, name: str, version: str) -> Wheel:
        """The wheel of ``name==version``, else its sdist.

        Raises:
            WheelError: neither can be had; the message says why.
        """
        try:
            return download(name, version, self.wheels)
        except WheelError as no_wheel:
            files = self.files(name)
            if not any(Version(f.version) == Version(version) for f in files):
                raise  # the index lists nothing of it: pip's answer says so
            try:
                return download_sdist(name, version, self.wheels, files)
            except WheelError as error:
                # pip names as missing a release that has no wheel for this Python.
                wheel = "no wheel" if isinstance(no_wheel, NoRelease) else str(no_wheel)
                raise WheelError(f"{wheel}; {error}") from None

    def _root(self, wheel: Wheel, package: str) -> Path:
        folder = unpack(wheel, self.unpacked)
        if not wheel.is_sdist:
            return folder
        try:
            return package_root(folder, package)
        except WheelError as error:
            raise WheelError(f"no wheel; {error}") from None

    def _newest(self, name: str, specifier: SpecifierSet | None) -> str:
        """The newest final release of ``name`` that ``specifier`` allows."""
        if name not in self._versions:
            self._versions[name] = available_versions(name)
        newest = newest_matching(self._versions[name], specifier)
        if newest is None:
            raise WheelError(f"no release of {name} satisfies {specifier}")
        return newest


def read_history(
    package: str,
    versions: Sequence[str],
    *,
    preload: Sequence[str] = (),
    cache: Path,
    progress: Callable[[Step], None] = lambda step: None,
    files: IndexFiles = _index_files,
) -> History:
    """The history of ``package`` over ``versions`` (oldest first), read from their wheels.

    A release that the index marks yanked, or that cannot be read, is left
    out and named in the history's ``skipped`` with the reason; each release
    read is cached at once, so a run that stops keeps what it read.

    Args:
        files: A project's files on the index (the sdists of releases without
            a wheel, which releases are yanked); by default, asked of the
            indexes pip uses, once, when first needed.
    """
    reader = _Reader(package, preload, cache, files)
    releases: list[ReleaseRead] = []
    snapshots: list[Snapshot] = []
    skipped: dict[str, str] = {}
    from_sdist: list[str] = []
    yanked = yanked_versions(reader.files(package))
    for index, version in enumerate(versions, 1):
        start = time.perf_counter()
        if version in yanked:
            reason = f": {yanked[version]}" if yanked[version] else ""
            skipped[version] = f"yanked{reason}"
            progress(Step(index, len(versions), version, 0.0, False, skipped[version]))
            continue
        try:
            read = reader.read(version)
        except (WheelError, CoverageError) as error:
            skipped[version] = str(error)
            seconds = time.perf_counter() - start
            progress(Step(index, len(versions), version, seconds, False, skipped[version]))
            continue
        releases.append(read.release)
        snapshots.append(read.snapshot)
        if read.sdist:
            from_sdist.append(version)
        seconds = time.perf_counter() - start
        progress(Step(index, len(versions), version, seconds, read.cached, sdist=read.sdist))
    notes = (
        f"Each release of {package} is read from its wheel"
        + (f" ({', '.join(from_sdist)} from its sdist: no wheel)" if from_sdist else "")
        + (
            f", with the newest final release of {', '.join(preload)} that its "
            "Requires-Dist allows (versions and hashes under 'releases')"
            if preload
            else ""
        )
        + "."
    )
    return History(
        package=package, releases=releases, snapshots=snapshots, notes=notes, skipped=skipped
    )


def read_release(
    package: str,
    version: str,
    *,
    preload: Sequence[str] = (),
    cache: Path,
    pins: Mapping[str, str] | None = None,
) -> tuple[ReleaseRead, Snapshot]:
    """One release, read (or taken from the cache) as for a history.

    ``pins`` gives the versions of ``preload`` packages to read instead of the
    newest allowed (to reread a release exactly as a history recorded it).
    """
    read = _Reader(package, preload, cache, _index_files).read(version, pins)
    return read.release, read.snapshot
