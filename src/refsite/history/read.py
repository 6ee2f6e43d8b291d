"""Read a package's API history from the wheels of its releases.

For every release, the exact wheel is downloaded (:mod:`refsite.releases.wheels`),
unpacked, and read statically with griffe (:func:`refsite.history.snapshot.read_snapshot`);
nothing is installed or imported. Packages that re-export objects (Starlette
for FastAPI) are read from a wheel too: the newest final release that the
package's own ``Requires-Dist`` allows, as a user installing that release
then would have got. Which one was read, with its hash, is recorded.

A snapshot is cached under the hashes of the wheels it was read from and of
the code that reads it, so a warm read downloads and parses nothing new.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from refsite.core.fingerprint import own_code
from refsite.history.model import FORMAT, History, HistoryError, Release
from refsite.history.snapshot import Snapshot, read_snapshot
from refsite.releases.lock import dependency_specifiers, newest_matching, wheel_metadata
from refsite.releases.wheels import Wheel, WheelError, available_versions, download, unpack

__all__ = ["Step", "read_history", "read_release", "releases_between"]


@dataclass(frozen=True)
class Step:
    """Progress: one release read."""

    index: int
    """1-based."""
    total: int
    version: str
    seconds: float
    cached: bool


def releases_between(versions: Sequence[str], first: str, last: str | None) -> list[str]:
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


class _Reader:
    """Downloads, unpacks and reads releases; remembers dependency versions listed."""

    def __init__(self, package: str, preload: Sequence[str], cache: Path) -> None:
        self.package = package
        self.preload = list(preload)
        self.wheels = cache / "wheels"
        self.unpacked = cache / "unpacked"
        self.snapshots = cache / "snapshots"
        self.code = _code_version()
        self._versions: dict[str, list[str]] = {}

    def read(
        self, version: str, pins: Mapping[str, str] | None = None
    ) -> tuple[Release, Snapshot, bool]:
        main = download(self.package, version, self.wheels)
        main_root = unpack(main, self.unpacked)
        deps: list[Wheel] = []
        for name in self.preload:
            pinned = (pins or {}).get(name)
            if pinned is None:
                pinned = self._newest(name, dependency_specifiers(wheel_metadata(main), name))
            deps.append(download(name, pinned, self.wheels))
        wheels = [main, *deps]
        key = "-".join([self.code, *(w.sha256[:16] for w in wheels)])
        release = Release(version, tuple((w.name, w.version, w.sha256) for w in wheels))
        stored = self.snapshots / f"{key}.json"
        try:
            return release, json.loads(stored.read_text(encoding="utf-8")), True
        except (OSError, ValueError):
            pass
        roots = [main_root, *(unpack(w, self.unpacked) for w in deps)]
        snapshot = read_snapshot([self.package], preload=self.preload, search_paths=roots)
        self.snapshots.mkdir(parents=True, exist_ok=True)
        temp = stored.with_suffix(".tmp")
        temp.write_text(json.dumps(snapshot), encoding="utf-8")
        temp.replace(stored)
        return release, snapshot, False

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
) -> History:
    """The history of ``package`` over ``versions`` (oldest first), read from their wheels.

    Raises:
        refsite.releases.wheels.WheelError: a wheel cannot be downloaded or unpacked.
        refsite.checks.coverage.CoverageError: a wheel does not hold the package.
    """
    reader = _Reader(package, preload, cache)
    releases: list[Release] = []
    snapshots: list[Snapshot] = []
    for index, version in enumerate(versions, 1):
        start = time.perf_counter()
        release, snapshot, cached = reader.read(version)
        releases.append(release)
        snapshots.append(snapshot)
        progress(Step(index, len(versions), version, time.perf_counter() - start, cached))
    notes = (
        f"Each release of {package} is read from its wheel"
        + (
            f", with the newest final release of {', '.join(preload)} that its "
            "Requires-Dist allows (versions and hashes under 'releases')"
            if preload
            else ""
        )
        + "."
    )
    return History(package=package, releases=releases, snapshots=snapshots, notes=notes)


def read_release(
    package: str,
    version: str,
    *,
    preload: Sequence[str] = (),
    cache: Path,
    pins: Mapping[str, str] | None = None,
) -> tuple[Release, Snapshot]:
    """One release, read (or taken from the cache) as for a history.

    ``pins`` gives the versions of ``preload`` packages to read instead of the
    newest allowed (to reread a release exactly as a history recorded it).
    """
    release, snapshot, _ = _Reader(package, preload, cache).read(version, pins)
    return release, snapshot
