"""When each release of a package reached the package index, for a cooldown.

pip lists versions but not their upload times. The indexes pip is configured
for say them: a find-links folder by its files' modification times, an index
by the ``upload-time`` of each file in its JSON simple API (PEP 691 and 700,
which PyPI serves). A release's time is that of its earliest file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

__all__ = ["PYPI", "Sources", "pip_sources", "upload_times"]

PYPI = "https://pypi.org/simple"
_JSON = "application/vnd.pypi.simple.v1+json"
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
    request = urllib.request.Request(url, headers={"Accept": _JSON})
    with urllib.request.urlopen(request, timeout=60) as response:
        data: bytes = response.read()
        return data


def upload_times(name: str, sources: Sources, *, fetch: Fetch = _get) -> dict[str, float]:
    """Version -> when its first file appeared (seconds since the epoch), where known.

    An index that cannot be asked, or that does not serve upload times,
    contributes nothing: a release with no known time is treated as old.
    """
    times: dict[str, float] = {}

    def seen(version: str | None, at: float) -> None:
        if version is not None:
            times[version] = min(at, times.get(version, at))

    for folder in sources.folders:
        for path in folder.iterdir():
            seen(_version_of(path.name, name), path.stat().st_mtime)
    for index in sources.indexes:
        if not index.startswith(("http://", "https://")):
            continue
        try:
            data = json.loads(fetch(f"{index.rstrip('/')}/{canonicalize_name(name)}/"))
        except (OSError, ValueError):
            continue
        for file in data.get("files", []) if isinstance(data, dict) else []:
            stamp = file.get("upload-time") if isinstance(file, dict) else None
            if isinstance(stamp, str):
                at = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
                seen(_version_of(str(file.get("filename", "")), name), at)
    return times
