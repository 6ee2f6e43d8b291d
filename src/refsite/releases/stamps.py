"""What each folder of a versioned site is built from: one input key per folder.

A release's folder is rendered from its wheels, the site's sources and
configuration, the renderers and the set of documented releases; the root
from the installed packages instead of wheels. The keys of the folders in
place are kept beside the site (:data:`STAMP`), so a rebuild keeps a folder
whose key is unchanged, and in a shard's folder, so the assembly can tell
shards built from other sources apart.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path

from refsite.core.keys import renderer_versions
from refsite.releases.lock import Lock, Release

__all__ = ["STAMP", "folder_stamps", "input_key", "installed_key", "read_stamps"]

# Beside the site (not in it): the input key each release folder was built from.
STAMP = ".refsite-versions.json"


def input_key(release: Release | None, files: Iterable[Path], extra: Mapping[str, str]) -> str:
    """What a release's folder is built from: its wheels, ``files``' bytes, renderers, ``extra``."""
    digest = hashlib.sha256(renderer_versions().encode())
    if release is not None:
        digest.update(repr(release).encode())
    for path in sorted(set(files)):
        digest.update(f"\0{path}\0".encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"missing")
    digest.update(json.dumps(dict(extra), sort_keys=True).encode())
    return digest.hexdigest()


def installed_key(names: Iterable[str], paths: Sequence[Path] = ()) -> str:
    """What the root renders ``names`` from: their files in ``paths``, else as installed.

    ``paths`` are the python handler's own folders, which it searches first.
    """
    digest = hashlib.sha256()
    for name in sorted(set(names)):
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"\0{name}=={version}".encode())
        files = _package_files(name, paths)
        for file in files:
            digest.update(f"\0{file}\0".encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _package_files(name: str, paths: Sequence[Path]) -> list[Path]:
    for base in paths:
        if (base / name).is_dir():
            return sorted((base / name).rglob("*.py"))
        if (base / f"{name}.py").is_file():
            return [base / f"{name}.py"]
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    if spec.submodule_search_locations:
        return sorted(f for d in spec.submodule_search_locations for f in Path(d).rglob("*.py"))
    return [Path(spec.origin)] if spec.origin else []


def folder_stamps(
    lock: Lock, inputs: Iterable[Path], source_paths: Sequence[Path], env: Mapping[str, str]
) -> dict[str, str]:
    """The input key of each folder: ``X.Y`` for each release, ``""`` for the root."""
    # A release's pages also depend on which others are documented: its notes
    # name the oldest documented release that has an object it lacks, and
    # the newest is documented whole while older ones end at themselves.
    documented = [[r.version, [w.sha256 for w in r.wheels]] for r in lock.releases]
    extra = {"site_url": env.get("REFSITE_SITE_URL", ""), "lock": json.dumps(documented)}
    stamps = {r.minor: input_key(r, inputs, extra) for r in lock.releases}
    installed = installed_key((w.name for w in lock.releases[0].wheels), source_paths)
    stamps[""] = input_key(None, inputs, {**extra, "installed": installed})
    return stamps


def read_stamps(path: Path) -> dict[str, str]:
    """The keys in ``path``; none when it is missing or unreadable (everything is built)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
