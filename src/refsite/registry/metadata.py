"""What a release's wheel or sdist says of itself: its requirements, read from the archive.

The lock and the history both pick a dependency's release as pip would have
picked it then: the newest final release its ``Requires-Dist`` allows.
"""

from __future__ import annotations

import tarfile
import zipfile
from collections.abc import Iterable
from email.parser import Parser

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from refsite.registry.wheels import Wheel, WheelError

__all__ = ["dependency_specifiers", "final_versions", "newest_matching", "wheel_metadata"]


def dependency_specifiers(metadata_text: str, name: str) -> SpecifierSet | None:
    """What a wheel's ``METADATA`` requires of ``name``, through any of its extras.

    None when it does not name ``name`` at all. FastAPI asks for httpx only in
    its ``standard`` and ``all`` extras: those count, as the documented
    objects (the test client) use it.
    """
    message = Parser().parsestr(metadata_text)
    extras = ["", *(message.get_all("Provides-Extra") or [])]
    want = canonicalize_name(name)
    found: SpecifierSet | None = None
    for line in message.get_all("Requires-Dist") or []:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) != want:
            continue
        marker = requirement.marker
        if marker is not None and not any(marker.evaluate({"extra": e}) for e in extras):
            continue
        if found is None or not str(found):
            found = requirement.specifier
    return found


def newest_matching(available: Iterable[str], specifier: SpecifierSet | None) -> str | None:
    """The newest final release in ``available`` that ``specifier`` allows."""
    allowed = [v for v in final_versions(available) if specifier is None or specifier.contains(v)]
    return str(max(allowed)) if allowed else None


def final_versions(versions: Iterable[str]) -> list[Version]:
    out = []
    for text in versions:
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        if not version.is_prerelease:
            out.append(version)
    return out


def wheel_metadata(wheel: Wheel) -> str:
    """The text of a wheel's ``METADATA`` (an sdist's ``PKG-INFO``), read from the archive."""
    if wheel.is_sdist:
        return _sdist_metadata(wheel)
    with zipfile.ZipFile(wheel.path) as archive:
        name = next((n for n in archive.namelist() if n.endswith(".dist-info/METADATA")), None)
        if name is None:
            raise WheelError(f"{wheel.path}: no METADATA in the wheel")
        return archive.read(name).decode("utf-8")


def _sdist_metadata(sdist: Wheel) -> str:
    """An sdist's top-level ``PKG-INFO`` (an old one may list no requirements)."""

    def top(name: str) -> bool:
        return name.count("/") == 1 and name.endswith("/PKG-INFO")

    try:
        data: bytes | None = None
        if sdist.filename.endswith(".zip"):
            with zipfile.ZipFile(sdist.path) as zipped:
                name = next((n for n in zipped.namelist() if top(n)), None)
                data = zipped.read(name) if name is not None else None
        else:
            with tarfile.open(sdist.path) as tarred:
                member = next((m for m in tarred.getmembers() if top(m.name)), None)
                file = tarred.extractfile(member) if member is not None else None
                data = file.read() if file is not None else None
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as error:
        raise WheelError(f"cannot read {sdist.path}: {error}") from None
    if data is None:
        raise WheelError(f"{sdist.path}: no PKG-INFO in the sdist")
    return data.decode("utf-8", "replace")
