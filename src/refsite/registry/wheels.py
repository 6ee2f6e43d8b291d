"""Exact wheels from the package index, fetched and unpacked without installing them.

pip finds and downloads (it knows the index, its mirrors and certificates);
this module names the result: a :class:`Wheel` with its file and hash, and an
unpacked folder that griffe reads packages from statically. Nothing is
imported or installed, so any release of any package can sit side by side.

A release without a wheel (click 6.5) is read from its sdist, fetched from
where the index lists it (:func:`refsite.registry.index.project_files`) and
checked against the index's hash: ``pip download`` would build the sdist's
metadata first, running its ``setup.py`` (20 s for click 6.5, and a failure
for a setup.py of Python 2). griffe reads the package from its source tree.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    canonicalize_version,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from refsite.registry.index import IndexFile

__all__ = [
    "NoRelease",
    "Wheel",
    "WheelError",
    "available_versions",
    "download",
    "download_sdist",
    "find_sdist",
    "find_wheel",
    "no_release",
    "offered_versions",
    "package_root",
    "pip_reason",
    "unpack",
]


class WheelError(Exception):
    """A wheel could not be listed, downloaded or unpacked (the message says which)."""


class NoRelease(WheelError):
    """The index has no such release of the project (the message names the newest)."""


@dataclass(frozen=True)
class Wheel:
    """One downloaded wheel file (or the sdist of a release that has no wheel)."""

    name: str
    """Normalised project name, e.g. ``fastapi``."""
    version: str
    """The release, e.g. ``0.115.14``."""
    filename: str
    """The ``.whl`` file name (``.tar.gz`` or ``.zip`` for an sdist)."""
    sha256: str
    """Hex digest of the file."""
    path: Path
    """Where the file lies."""

    @property
    def is_sdist(self) -> bool:
        """Whether the file is a source distribution."""
        return not self.filename.endswith(".whl")


def available_versions(name: str) -> list[str]:
    """The final releases of ``name`` on the index, oldest first.

    Raises:
        WheelError: pip cannot list them (unknown project, no index).
    """
    result = _pip("index", "versions", name)
    match = re.search(r"^Available versions:\s*(.+)$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or match is None:
        raise WheelError(f"cannot list the releases of {name!r}: {_reason(result)}")
    versions: list[Version] = []
    for text in match.group(1).split(","):
        try:
            version = Version(text.strip())
        except InvalidVersion:
            continue
        if not version.is_prerelease:
            versions.append(version)
    return [str(v) for v in sorted(versions)]


def find_wheel(name: str, version: str, folder: Path) -> Wheel | None:
    """The wheel of ``name`` ``version`` already in ``folder``, if there is one."""
    if not folder.is_dir():
        return None
    want_name = canonicalize_name(name)
    want_version = canonicalize_version(version)
    for path in sorted(folder.glob("*.whl")):
        try:
            file_name, file_version, _, _ = parse_wheel_filename(path.name)
        except InvalidWheelFilename:
            continue
        if file_name == want_name and canonicalize_version(file_version) == want_version:
            return _wheel(path)
    return None


def download(name: str, version: str, dest: Path) -> Wheel:
    """Download the wheel of ``name==version`` into ``dest`` (or reuse the one there).

    Raises:
        NoRelease: the index has no such release.
        WheelError: no wheel of it, or no index to ask.
    """
    found = find_wheel(name, version, dest)
    if found is not None:
        return found
    dest.mkdir(parents=True, exist_ok=True)
    result = _pip(
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        str(dest),
        f"{name}=={version}",
    )
    found = find_wheel(name, version, dest)
    if result.returncode != 0 or found is None:
        known = offered_versions(result.stderr)
        if known is not None and version not in known:
            raise NoRelease(no_release(name, version, known))
        raise WheelError(f"cannot download the wheel of {name}=={version}: {_reason(result)}")
    return found


_SDIST_SUFFIXES = (".tar.gz", ".zip")


def find_sdist(name: str, version: str, folder: Path) -> Wheel | None:
    """The sdist of ``name`` ``version`` already in ``folder``, if there is one."""
    if not folder.is_dir():
        return None
    for path in sorted(folder.iterdir()):
        if _sdist_of(path.name, name, version):
            return _file(path, name, version)
    return None


def download_sdist(name: str, version: str, dest: Path, files: Sequence[IndexFile]) -> Wheel:
    """Fetch the sdist of ``name==version`` that ``files`` list into ``dest`` (or reuse it).

    A yanked file is not taken; the index's sha256, where it gives one, must match.

    Raises:
        WheelError: no sdist of it is listed, or it cannot be fetched.
    """
    found = find_sdist(name, version, dest)
    if found is not None:
        return found
    listed = [
        f for f in files if f.yanked is None and f.url and _sdist_of(f.filename, name, version)
    ]
    if not listed:
        raise WheelError(f"no wheel and no sdist of {name} {version} on the index")
    chosen = min(listed, key=lambda f: not f.filename.endswith(".tar.gz"))
    dest.mkdir(parents=True, exist_ok=True)
    temp = dest / f".{chosen.filename}.part"
    try:
        if chosen.url.startswith(("http://", "https://")):
            with urllib.request.urlopen(chosen.url, timeout=60) as response:
                temp.write_bytes(response.read())
        else:
            shutil.copyfile(chosen.url, temp)
        digest = hashlib.sha256(temp.read_bytes()).hexdigest()
        if chosen.sha256 is not None and digest != chosen.sha256:
            raise WheelError(
                f"{chosen.url}: sha256 {digest} differs from the index's {chosen.sha256}"
            )
        temp.replace(dest / chosen.filename)
    except OSError as error:
        raise WheelError(f"cannot fetch {chosen.url}: {error}") from None
    finally:
        temp.unlink(missing_ok=True)
    return _file(dest / chosen.filename, name, version)


def _sdist_of(filename: str, name: str, version: str) -> bool:
    if not filename.endswith(_SDIST_SUFFIXES):
        return False
    try:
        file_name, file_version = parse_sdist_filename(filename)
    except InvalidSdistFilename:
        return False
    return file_name == canonicalize_name(name) and canonicalize_version(
        file_version
    ) == canonicalize_version(version)


def unpack(wheel: Wheel, root: Path) -> Path:
    """Unpack ``wheel`` into ``root/<sha256[:16]>/`` once and return that folder.

    The folder appears whole or not at all (unpacked beside it, then renamed),
    so an interrupted unpack never leaves half a package for griffe to read.
    An sdist's folder is its source tree (the one folder it holds): see
    :func:`package_root` for where in it the package lies.

    Raises:
        WheelError: the file is not a readable wheel or sdist.
    """
    target = root / wheel.sha256[:16]
    if not target.is_dir():
        root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{wheel.sha256[:16]}-", dir=root))
        try:
            _extract(wheel.path, scratch)
            os.rename(scratch, target)
        except (OSError, zipfile.BadZipFile, tarfile.TarError) as error:
            shutil.rmtree(scratch, ignore_errors=True)
            if not target.is_dir():  # else another process unpacked it first
                raise WheelError(f"cannot unpack {wheel.path}: {error}") from None
    if wheel.is_sdist:
        inside = [p for p in target.iterdir() if not p.name.startswith(".")]
        if len(inside) == 1 and inside[0].is_dir():
            return inside[0]
    return target


def _extract(path: Path, folder: Path) -> None:
    if path.name.endswith(".tar.gz"):
        with tarfile.open(path) as archive:
            # Files and folders only, all inside: an sdist needs no links.
            members = [
                m
                for m in archive.getmembers()
                if (m.isfile() or m.isdir())
                and not m.name.startswith("/")
                and ".." not in m.name.split("/")
            ]
            archive.extractall(folder, members=members)
        return
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)


def package_root(folder: Path, package: str) -> Path:
    """Where in an unpacked sdist ``folder`` the import package ``package`` lies.

    Raises:
        WheelError: neither ``src/`` (the src layout) nor the top level holds it.
    """
    for candidate in (folder / "src", folder):
        if (candidate / package).is_dir() or (candidate / f"{package}.py").is_file():
            return candidate
    raise WheelError(f"the sdist holds no {package} under src/ or at its top level")


def _wheel(path: Path) -> Wheel:
    name, version, _, _ = parse_wheel_filename(path.name)
    return _file(path, str(name), str(version))


def _file(path: Path, name: str, version: str) -> Wheel:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Wheel(
        name=str(canonicalize_name(name)),
        version=version,
        filename=path.name,
        sha256=digest,
        path=path,
    )


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", *args, "--disable-pip-version-check"]
    try:
        return subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as error:
        return subprocess.CompletedProcess(command, 1, "", f"ERROR: {error}")


def _reason(result: subprocess.CompletedProcess[str]) -> str:
    return pip_reason(result.stderr, result.returncode)


# pip's answer to a release it cannot find lists every release of the project.
_NOT_FOUND = re.compile(
    r"Could not find a version that satisfies the requirement (?P<requirement>\S+) "
    r"\(from versions: (?P<versions>[^)]*)\)"
)


def offered_versions(stderr: str) -> list[str] | None:
    """The releases pip listed when no release matched (oldest first), or None if it did not."""
    match = _NOT_FOUND.search(stderr)
    if match is None:
        return None
    listed = [v.strip() for v in match["versions"].split(",")]
    return [v for v in listed if v and v != "none"]


def no_release(name: str, wanted: str, known: list[str]) -> str:
    """One line: the index has no release ``wanted`` of ``name``, and which is the newest."""
    newest = _newest(known)
    if newest is None:
        return f"no release {wanted} of {name} on the index, nor any other: is the name right?"
    return f"no release {wanted} of {name} on the index; the newest is {newest}"


def _newest(versions: list[str]) -> str | None:
    parsed: list[Version] = []
    for text in versions:
        try:
            parsed.append(Version(text))
        except InvalidVersion:
            continue
    final = [v for v in parsed if not v.is_prerelease] or parsed
    return str(max(final)) if final else None


def pip_reason(stderr: str, returncode: int) -> str:
    """pip's own one-line reason, without its warnings about unused indexes.

    Its list of every release of a project it could not match is left out:
    the line names the requirement and the newest release instead.
    """
    match = _NOT_FOUND.search(stderr)
    if match is not None:
        newest = _newest(offered_versions(stderr) or [])
        ending = f"; the newest is {newest}" if newest else ", nor any release of it"
        return f"no release matching {match['requirement']} on the index{ending}"
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line.removeprefix("ERROR: ") for line in lines if line.startswith("ERROR:")]
    if errors:
        return errors[0]
    return lines[-1] if lines else f"pip exited with {returncode}"
