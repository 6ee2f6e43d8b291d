"""What the package index holds of a project beyond pip's list of versions.

pip lists versions, but not when each reached the index, which were yanked,
or where a release's sdist lies. The indexes pip is configured for say them:
a find-links folder by its files (their modification times), an index by its
simple API page, JSON (PEP 691 and 700, which PyPI serves) or HTML (PEP 503
and 592). A release's time is that of its earliest file (for a cooldown); a
release is yanked when every file of it is (pip skips it then).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

__all__ = [
    "PYPI",
    "IndexFile",
    "Sources",
    "pip_sources",
    "project_files",
    "upload_times",
    "yanked_versions",
]

PYPI = "https://pypi.org/simple"
_JSON = "application/vnd.pypi.simple.v1+json"
# JSON where the index serves it, else its HTML page.
_ACCEPT = f"{_JSON}, text/html;q=0.1"
Fetch = Callable[[str], bytes]


class Sources:
    """Where pip looks: find-links folders and index URLs."""

    def __init__(self, folders: Iterable[Path] = (), indexes: Iterable[str] = ()) -> None:
        self.folders = list(folders)
        self.indexes = list(indexes)


def pip_sources(environ: Mapping[str, str] | None = None, python: str = sys.executable) -> Sources:
    """The find-links folders and index URLs pip uses, from its configuration and environment."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, str] = {}
    command = [python, "-m", "pip", "config", "list"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    for line in result.stdout.splitlines():
        key, _, value = line.partition("=")
        values[key.rpartition(".")[2]] = value.strip().strip("'\"")
    for option in ("find-links", "index-url", "extra-index-url", "no-index"):
        variable = "PIP_" + option.upper().replace("-", "_")
        if variable in env:
            values[option] = env[variable]
    links = values.get("find-links", "").split()
    folders = [Path(urlsplit(x).path if x.startswith("file:") else x) for x in links]
    indexes: list[str] = []
    if values.get("no-index", "").lower() not in ("1", "true", "yes", "on"):
        indexes = [values.get("index-url") or PYPI, *values.get("extra-index-url", "").split()]
    return Sources([f for f in folders if f.is_dir()], indexes)


def _version_of(filename: str, name: str) -> str | None:
    try:
        if filename.endswith(".whl"):
            project, version, _, _ = parse_wheel_filename(filename)
        else:
            project, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return str(version) if project == canonicalize_name(name) else None


def _get(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": _ACCEPT})
    with urllib.request.urlopen(request, timeout=60) as response:
        data: bytes = response.read()
        return data


@dataclass(frozen=True)
class IndexFile:
    """One file of a project on an index or in a find-links folder."""

    filename: str
    version: str
    url: str
    """Where to fetch it: an absolute URL, or a local path ('' when the index did not say)."""
    sha256: str | None = None
    yanked: str | None = None
    """None when not yanked; else why (empty when the index gave no reason)."""
    uploaded: float | None = None
    """Seconds since the epoch, where known."""

    @property
    def is_sdist(self) -> bool:
        """Whether the file is a source distribution (not a wheel)."""
        return not self.filename.endswith(".whl")


def project_files(name: str, sources: Sources, *, fetch: Fetch = _get) -> list[IndexFile]:
    """Every file of project ``name`` that ``sources`` hold (folders first).

    An index that cannot be asked, or answers with neither JSON nor HTML,
    contributes nothing.
    """
    files: list[IndexFile] = []
    for folder in sources.folders:
        for path in sorted(folder.iterdir()):
            version = _version_of(path.name, name)
            if version is not None:
                at = path.stat().st_mtime
                files.append(IndexFile(path.name, version, str(path), uploaded=at))
    for index in sources.indexes:
        if not index.startswith(("http://", "https://")):
            continue
        page = f"{index.rstrip('/')}/{canonicalize_name(name)}/"
        try:
            body = fetch(page)
        except OSError:
            continue
        for entry in _entries(body, page):
            version = _version_of(entry.filename, name)
            if version is not None:
                files.append(
                    IndexFile(
                        entry.filename, version, entry.url, entry.sha256, entry.yanked, entry.at
                    )
                )
    return files


@dataclass(frozen=True)
class _Entry:
    filename: str
    url: str
    sha256: str | None
    yanked: str | None
    at: float | None


def _entries(body: bytes, page: str) -> list[_Entry]:
    """The files a simple API page lists, JSON or HTML."""
    try:
        data = json.loads(body)
    except ValueError:
        parser = _Anchors(page)
        parser.feed(body.decode("utf-8", "replace"))
        return parser.entries
    entries = []
    for file in data.get("files", []) if isinstance(data, dict) else []:
        if not isinstance(file, dict):
            continue
        stamp = file.get("upload-time")
        at = (
            datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
            if isinstance(stamp, str)
            else None
        )
        hashes = file.get("hashes")
        sha256 = hashes.get("sha256") if isinstance(hashes, dict) else None
        url = file.get("url")
        entries.append(
            _Entry(
                filename=str(file.get("filename", "")),
                url=urljoin(page, url) if isinstance(url, str) else "",
                sha256=sha256 if isinstance(sha256, str) else None,
                yanked=_yanked(file.get("yanked")),
                at=at,
            )
        )
    return entries


def _yanked(value: object) -> str | None:
    """PEP 691's ``yanked`` (false, true or a reason) as None or a reason."""
    if value is None or value is False:
        return None
    return value if isinstance(value, str) else ""


class _Anchors(HTMLParser):
    """The files of a PEP 503 HTML page: its anchors, their hashes and ``data-yanked``."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.entries: list[_Entry] = []
        self._open: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open, self._text = dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != "a" or self._open is None:
            return
        attrs, self._open = self._open, None
        url, fragment = urldefrag(urljoin(self.page, attrs.get("href") or ""))
        kind, _, digest = fragment.partition("=")
        filename = "".join(self._text).strip() or url.rpartition("/")[2]
        self.entries.append(
            _Entry(
                filename=filename,
                url=url,
                sha256=digest if kind == "sha256" and digest else None,
                # Present, with a reason or none: yanked.
                yanked=(attrs["data-yanked"] or "") if "data-yanked" in attrs else None,
                at=None,
            )
        )


def upload_times(name: str, sources: Sources, *, fetch: Fetch = _get) -> dict[str, float]:
    """Version -> when its first file appeared (seconds since the epoch), where known.

    An index that cannot be asked, or that does not serve upload times,
    contributes nothing: a release with no known time is treated as old.
    """
    times: dict[str, float] = {}
    for file in project_files(name, sources, fetch=fetch):
        if file.uploaded is not None:
            times[file.version] = min(file.uploaded, times.get(file.version, file.uploaded))
    return times


def yanked_versions(files: Sequence[IndexFile]) -> dict[str, str]:
    """Version -> why it was yanked, for each release whose every file is yanked."""
    versions: dict[str, list[IndexFile]] = {}
    for file in files:
        versions.setdefault(file.version, []).append(file)
    return {
        version: next((f.yanked for f in group if f.yanked), "")
        for version, group in versions.items()
        if all(f.yanked is not None for f in group)
    }
