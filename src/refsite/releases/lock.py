"""The releases a site documents: which ones, their exact wheels, and the lock.

A versioned site documents several releases of one package (FastAPI), each
rendered from that release's own wheel and the wheels of the dependencies it
re-exports (Starlette, httpx), picked as pip would have picked them then: the
newest release that the package's ``Requires-Dist`` allows. Resolving asks the
package index; the result is written to a lock file with every wheel's hash,
and builds read only the lock, so a build a month later renders the same site.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from refsite.core.commands import command_text
from refsite.core.store import write_atomic
from refsite.registry.metadata import (
    dependency_specifiers,
    final_versions,
    newest_matching,
    wheel_metadata,
)
from refsite.registry.wheels import Wheel, available_versions, download, unpack

__all__ = [
    "FORMAT",
    "Lock",
    "LockError",
    "Pinned",
    "Release",
    "Selection",
    "fetch",
    "load_lock",
    "lock_json",
    "minor",
    "resolve",
    "select_versions",
    "write_lock",
]

FORMAT = "refsite-releases/1"
_T = TypeVar("_T")
_R = TypeVar("_R")


class LockError(ValueError):
    """A lock file that cannot be used; the message names the file and the fix."""


@dataclass(frozen=True)
class Selection:
    """Which releases of ``package`` to document (the plugin's ``releases`` options)."""

    package: str
    dependencies: tuple[str, ...] = ()
    """Packages whose wheels are read with it (re-exported classes come from them)."""
    select: int | str | tuple[str, ...] = 10
    """N: the newest patch of the N newest minors; ``all``: of every minor since
    ``since``; or a list of versions (``X.Y`` for its newest patch, or exact)."""
    since: str = "0.0"
    newest: str | None = None
    """No release after this one (the version the site's environment pins)."""

    def as_data(self) -> dict[str, Any]:
        select = list(self.select) if isinstance(self.select, tuple) else self.select
        return {
            "package": self.package,
            "dependencies": list(self.dependencies),
            "select": select,
            "since": self.since,
            "newest": self.newest,
        }


@dataclass(frozen=True)
class Pinned:
    """One exact wheel in the lock."""

    name: str
    version: str
    filename: str
    sha256: str


@dataclass(frozen=True)
class Release:
    """One documented release: the package's wheel first, then its dependencies'."""

    version: str
    wheels: tuple[Pinned, ...]

    @property
    def minor(self) -> str:
        """The folder the release lives in, ``X.Y``."""
        return minor(self.version)

    def pinned(self, name: str) -> Pinned | None:
        """The wheel of ``name`` in this release, if any."""
        want = canonicalize_name(name)
        return next((w for w in self.wheels if w.name == want), None)


@dataclass(frozen=True)
class Lock:
    """The lock file's content: the selection it was resolved for, and the releases."""

    selection: Selection
    releases: tuple[Release, ...]
    """Newest first."""

    def release(self, version: str) -> Release:
        """The release whose version or ``X.Y`` folder is ``version``.

        Raises:
            LockError: the lock has no such release.
        """
        for release in self.releases:
            if version in (release.version, release.minor):
                return release
        known = ", ".join(r.minor for r in self.releases) or "none"
        raise LockError(f"no release {version} in the lock (it has {known})")


def minor(version: str) -> str:
    """``0.115.14`` -> ``0.115``."""
    release = Version(version).release
    return f"{release[0]}.{release[1] if len(release) > 1 else 0}"


def select_versions(available: Iterable[str], selection: Selection) -> list[str]:
    """The versions ``selection`` names among ``available``, newest first.

    Raises:
        LockError: an explicitly listed version is not available.
    """
    versions = sorted(final_versions(available), reverse=True)
    if selection.newest is not None:
        cap = Version(selection.newest)
        versions = [v for v in versions if v <= cap]
    newest_patch: dict[str, Version] = {}
    for version in versions:  # newest first: the first of a minor is its newest patch
        newest_patch.setdefault(minor(str(version)), version)
    if isinstance(selection.select, tuple):
        chosen = []
        for wanted in selection.select:
            found = newest_patch.get(wanted) if wanted.count(".") == 1 else None
            if found is None:
                found = next((v for v in versions if str(v) == str(Version(wanted))), None)
            if found is None:
                raise LockError(f"{selection.package} {wanted} is not on the package index")
            chosen.append(found)
        return [str(v) for v in sorted(set(chosen), reverse=True)]
    patches = sorted(newest_patch.values(), reverse=True)
    if selection.select == "all":
        since = Version(selection.since)
        return [str(v) for v in patches if v >= since]
    if isinstance(selection.select, int) and selection.select > 0:
        return [str(v) for v in patches[: selection.select]]
    raise LockError(
        f"releases: select must be a positive number, 'all' or a list of versions, "
        f"not {selection.select!r}"
    )


def resolve(
    selection: Selection,
    folder: Path,
    *,
    versions_of: Callable[[str], list[str]] = available_versions,
    get: Callable[[str, str, Path], Wheel] = download,
    progress: Callable[[str], None] | None = None,
) -> Lock:
    """Ask the index which releases ``selection`` names and pin their wheels.

    Wheels are downloaded into ``folder`` (the dependencies' requirements are
    read from the package's own wheel).

    Raises:
        LockError: a release or wheel cannot be found.
        WheelError: pip failed.
    """
    say = progress or (lambda text: None)
    say(f"listing the releases of {selection.package}")
    versions = select_versions(versions_of(selection.package), selection)
    if not versions:
        raise LockError(f"no release of {selection.package} matches the 'releases' options")
    dependency_versions = {d: versions_of(d) for d in selection.dependencies}
    packages = _parallel(lambda v: get(selection.package, v, folder), versions)
    wanted: list[list[tuple[str, str]]] = []
    for wheel in packages:
        text = wheel_metadata(wheel)
        pins = []
        for dependency in selection.dependencies:
            spec = dependency_specifiers(text, dependency)
            version = newest_matching(dependency_versions[dependency], spec)
            if version is None:
                raise LockError(
                    f"{selection.package} {wheel.version} requires {dependency}{spec or ''}: "
                    "no such release on the package index"
                )
            pins.append((dependency, version))
        wanted.append(pins)
        say(f"{selection.package} {wheel.version}: " + ", ".join(f"{d} {v}" for d, v in pins))
    unique = sorted({pin for pins in wanted for pin in pins})
    got = dict(zip(unique, _parallel(lambda p: get(p[0], p[1], folder), unique), strict=True))
    releases = []
    for wheel, pins in zip(packages, wanted, strict=True):
        wheels = [wheel, *(got[p] for p in pins)]
        releases.append(Release(version=wheel.version, wheels=tuple(_pin(w) for w in wheels)))
    return Lock(selection=selection, releases=tuple(releases))


def fetch(
    release: Release,
    wheels_dir: Path,
    unpacked_dir: Path,
    *,
    get: Callable[[str, str, Path], Wheel] = download,
) -> list[Path]:
    """The unpacked folders of ``release``'s wheels, downloading what is missing.

    Raises:
        LockError: a downloaded wheel's hash differs from the lock's.
        WheelError: a wheel cannot be downloaded or unpacked.
    """

    def one(pinned: Pinned) -> Path:
        wheel = get(pinned.name, pinned.version, wheels_dir)
        if wheel.sha256 != pinned.sha256:
            raise LockError(
                f"{wheel.path}: sha256 {wheel.sha256} differs from the lock's {pinned.sha256} "
                f"for {pinned.name} {pinned.version}; delete the file and build again "
                "(refsite build --versions downloads it anew), or refresh the lock "
                f"({command_text(wheels_dir, 'refsite lock-releases')}) if the index changed it"
            )
        return unpack(wheel, unpacked_dir)

    return _parallel(one, release.wheels)


def load_lock(path: Path) -> Lock:
    """Read a lock file.

    Raises:
        LockError: the file is missing or malformed.
    """
    run = command_text(path, "refsite lock-releases")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LockError(f"{path}: no such lock file; create it with {run}") from None
    except (OSError, ValueError) as error:
        raise LockError(f"{path}: not readable JSON ({error}); run {run}") from None
    try:
        if data["format"] != FORMAT:
            raise LockError(f"{path}: format {data['format']!r}, not {FORMAT}; run {run}")
        chosen = data["selection"]
        select = chosen["select"]
        selection = Selection(
            package=chosen["package"],
            dependencies=tuple(chosen["dependencies"]),
            select=tuple(select) if isinstance(select, list) else select,
            since=chosen["since"],
            newest=chosen["newest"],
        )
        releases = tuple(
            Release(version=r["version"], wheels=tuple(Pinned(**w) for w in r["wheels"]))
            for r in data["releases"]
        )
        # Every version is compared later: one that does not parse is the lock's fault.
        for text in (selection.since, selection.newest, *(r.version for r in releases)):
            if text is not None:
                Version(text)
        for release in releases:
            for wheel in release.wheels:
                Version(wheel.version)
    except InvalidVersion as error:
        raise LockError(f"{path}: {error}; run {run} to write it again") from None
    except (KeyError, TypeError) as error:
        raise LockError(f"{path}: malformed lock ({error!r}); run {run}") from None
    return Lock(selection=selection, releases=releases)


def write_lock(lock: Lock, path: Path) -> None:
    """Write ``lock`` to ``path`` (atomically, as stable, diffable JSON)."""
    # Readable by all, as a plain write makes it: a project file, not a cache entry.
    write_atomic(path, lock_json(lock).encode(), mode=0o644)


def lock_json(lock: Lock) -> str:
    """The text of ``lock``'s file: stable, diffable JSON."""
    data = {
        "format": FORMAT,
        "selection": lock.selection.as_data(),
        "releases": [
            {"version": r.version, "wheels": [w.__dict__ for w in r.wheels]} for r in lock.releases
        ],
    }
    return json.dumps(data, indent=2) + "\n"


def _pin(wheel: Wheel) -> Pinned:
    return Pinned(
        name=wheel.name, version=wheel.version, filename=wheel.filename, sha256=wheel.sha256
    )


def _parallel(work: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
    """``work`` on every item, several at once: pip spends its time waiting on the index."""
    if len(items) <= 1:
        return [work(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(8, len(items))) as pool:
        return list(pool.map(work, items))
