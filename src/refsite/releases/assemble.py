"""Assemble a versioned site: every release of the lock in its folder, the newest at the root.

Each release is one ordinary MkDocs build (``REFSITE_RELEASE=X.Y``, see
:mod:`refsite.releases.current`) into ``X.Y/``; the root is a build of the
installed packages, which are the newest release. ``versions.json`` at the
root, in mike's format, feeds Material's version selector. A release whose
inputs (its wheels, the site's sources and configuration, the renderers) are
those of the site already in place keeps its folder as it is, unbuilt; so
does the root while the installed packages it documents are unchanged too.

Each build runs in its own process (``jobs`` at once): memory stays that of
one build per job, and a failed build names its release. With ``python``,
those processes are forked from servers that have imported MkDocs and its
plugins once (:mod:`refsite.mkdocs.forkserver`). The newest release
is built first, alone and on every core (its pages rendered by workers, see
:mod:`refsite.speed.workers`): the object cache then holds what the other releases
and the root mostly share, rather than two releases rendering it side by side.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from refsite.core import processes
from refsite.releases.current import RELEASE_ENV, VERSIONED_ENV, WORKERS_ENV
from refsite.releases.lock import Lock, Release, fetch
from refsite.releases.shards import (
    ROOT,
    Shard,
    ShardError,
    ShardManifest,
    assembly_plan,
    lock_digest,
    read_manifest,
    shard_releases,
    write_manifest,
)
from refsite.releases.stamps import STAMP, folder_stamps, read_stamps

__all__ = [
    "VERSIONS_JSON",
    "BuiltRelease",
    "VersionedBuild",
    "VersionsError",
    "assemble_shards",
    "build_failure",
    "build_versioned",
    "versions_json",
]

VERSIONS_JSON = "versions.json"


class VersionsError(Exception):
    """A versioned build failed; the message names the release and why."""


@dataclass(frozen=True)
class BuiltRelease:
    """One folder of the versioned site."""

    folder: str
    """``X.Y``, or ``""`` for the root."""
    version: str
    seconds: float
    reused: bool


@dataclass
class VersionedBuild:
    """What :func:`build_versioned` did."""

    site: Path
    releases: list[BuiltRelease] = field(default_factory=list)
    download_seconds: float = 0.0
    seconds: float = 0.0


def versions_json(releases: Sequence[Release]) -> list[dict[str, Any]]:
    """mike's ``versions.json`` for ``releases`` (newest first); the newest is ``latest``."""
    return [
        {
            "version": release.minor,
            "title": release.version,
            "aliases": ["latest"] if index == 0 else [],
        }
        for index, release in enumerate(releases)
    ]


def build_versioned(
    config_file: Path,
    site_dir: Path,
    lock: Lock,
    *,
    wheels_dir: Path,
    inputs: Iterable[Path],
    mkdocs: Sequence[str],
    source_paths: Sequence[Path] = (),
    env: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
    jobs: int = 1,
    python: str | None = None,
    shard: Shard | None = None,
) -> VersionedBuild:
    """Build every release of ``lock`` and the root into ``site_dir``, or one shard of them.

    Args:
        config_file: The site's ``mkdocs.yml``.
        site_dir: Where the versioned site goes (replaced when all builds succeed).
        lock: The releases, newest first.
        wheels_dir: Where wheels are downloaded and unpacked.
        inputs: The files every release is rendered from (docs, tree, config, code).
        source_paths: The python handler's own folders (the root reads packages there first).
        mkdocs: The command that runs MkDocs (``[".venv/bin/mkdocs"]``).
        env: The environment of the builds (default: this process's).
        progress: Called with one line per step (from several threads when ``jobs`` > 1).
        jobs: How many builds run at once (each in its own process).
        python: The Python of ``mkdocs``: builds are forked from servers it runs
            (one per job), where the system can fork; else each is a subprocess.
        shard: Only this shard's releases (and, in shard 1, the root), into
            ``site_dir`` as a shard's folder (:mod:`refsite.releases.shards`),
            which :func:`assemble_shards` puts together with the others.

    Raises:
        VersionsError: a build failed or printed warnings.
        ShardError: more shards than releases.
    """
    say = progress or (lambda text: None)
    start = time.perf_counter()
    result = VersionedBuild(site=site_dir)
    base_env, first_env = _environments(env, jobs)
    releases = shard_releases(lock, shard) if shard else lock.releases
    folders = [r.minor for r in releases] + ([""] if shard is None or shard.has_root else [])
    # The newer releases too: an older one's notes look up objects it lacks in them.
    newer = lock.releases[: lock.releases.index(releases[-1]) + 1]
    result.download_seconds = _fetch_wheels(newer, wheels_dir, say, start)
    work = _fresh(site_dir.with_name(f".{site_dir.name}.building"))
    stamps_file = site_dir.with_name(site_dir.name + STAMP)
    old_stamps = _old_stamps(site_dir, stamps_file, shard)
    builds = _Builds(
        site_dir=site_dir,
        root_dir=site_dir / ROOT if shard else site_dir,
        work=work,
        config_file=config_file,
        mkdocs=mkdocs,
        python=python,
        base_env=base_env,
        first_env=first_env,
        stamps=folder_stamps(lock, sorted(set(inputs)), source_paths, base_env),
        old_stamps=old_stamps,
        newest=lock.releases[0].version,
        total=len(folders),
        say=say,
        jobs=jobs,
    )
    try:
        result.releases += _build_all(builds, releases, root="" in folders)
        # Every build succeeded: only now does the site in place give up folders.
        if shard is None:
            _assemble(site_dir, work, lock, builds.kept, old_stamps)
            stamps_file.write_text(json.dumps(builds.stamps, indent=2) + "\n", encoding="utf-8")
        else:
            _gather_shard(builds, ShardManifest(shard, lock_digest(lock), tuple(folders), {}))
    finally:
        builds.close()
        shutil.rmtree(work, ignore_errors=True)
    result.seconds = time.perf_counter() - start
    return result


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _old_stamps(site_dir: Path, stamps_file: Path, shard: Shard | None) -> dict[str, str]:
    """The input keys of the folders in place: beside a site, in a shard's folder."""
    if not site_dir.is_dir():
        return {}
    if shard is None:
        return read_stamps(stamps_file)
    try:
        manifest = read_manifest(site_dir)
    except ShardError:
        return {}
    return {f: manifest.stamps[f] for f in manifest.folders if f in manifest.stamps}


def assemble_shards(
    site_dir: Path,
    lock: Lock,
    folders: Sequence[Path],
    *,
    lock_file: Path,
    progress: Callable[[str], None] | None = None,
) -> VersionedBuild:
    """Put the folders of shards (``--shard``) together: the site one build of all writes.

    The shards stay as they are: their files are hard-linked into the site
    (copied across file systems), which takes no room nor time. Nothing is
    built, so the site's bytes are the shards' and ``versions.json`` is the
    one build's; the input keys go beside the site, as after that build.

    Raises:
        ShardError: a folder is not a shard of ``lock`` or one is missing.
    """
    say = progress or (lambda text: None)
    start = time.perf_counter()
    sources, stamps = assembly_plan(lock, lock_file, folders)
    result = VersionedBuild(site=site_dir)
    work = site_dir.with_name(f".{site_dir.name}.building")
    shutil.rmtree(work, ignore_errors=True)
    root = work / "_root"
    order = [("", lock.releases[0].version), *((r.minor, r.version) for r in lock.releases)]
    try:
        for number, (folder, version) in enumerate(order, start=1):
            began = time.perf_counter()
            shutil.copytree(sources[folder], root / folder, copy_function=_link)
            name = f"{folder} ({version})" if folder else f"root ({version})"
            say(f"{number}/{len(order)} {name}: from {sources[folder]}")
            result.releases.append(BuiltRelease(folder, version, time.perf_counter() - began, True))
        (root / VERSIONS_JSON).write_text(
            json.dumps(versions_json(lock.releases), indent=2) + "\n", encoding="utf-8"
        )
        _replace(site_dir, root)
        stamps_file = site_dir.with_name(site_dir.name + STAMP)
        stamps_file.write_text(json.dumps(dict(stamps), indent=2) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result.seconds = time.perf_counter() - start
    return result


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


def _environments(
    env: Mapping[str, str] | None, jobs: int
) -> tuple[dict[str, str], dict[str, str]]:
    """The environment of every build, and that of the newest release, built alone."""
    base_env = dict(os.environ if env is None else env)
    base_env[VERSIONED_ENV] = "1"
    base_env.pop(RELEASE_ENV, None)
    first_env = dict(base_env)
    if jobs > 1:  # the builds share the cores: each renders in its own process only
        base_env[WORKERS_ENV] = "1"
    return base_env, first_env


def _fetch_wheels(
    releases: Sequence[Release], wheels_dir: Path, say: Callable[[str], None], start: float
) -> float:
    """Download and unpack every wheel of ``releases``; the seconds since ``start``."""
    wheels = sorted({w for r in releases for w in r.wheels}, key=repr)
    say(f"wheels: {len(wheels)} for {len(releases)} release(s)")
    # One pass over the distinct wheels, so two releases never fetch one file at once.
    fetch(Release("all", tuple(wheels)), wheels_dir / "files", wheels_dir / "unpacked")
    seconds = time.perf_counter() - start
    say(f"wheels: ready in {seconds:.1f} s")
    return seconds


@dataclass
class _Builds:
    """What the builds of one versioned site share: how they run and what they keep."""

    site_dir: Path
    root_dir: Path
    """Where the root in place is: ``site_dir``, or its ``root/`` in a shard's folder."""
    work: Path
    """Where the builds go (the root into ``_root``), moved into place at the end."""
    config_file: Path
    mkdocs: Sequence[str]
    python: str | None
    base_env: dict[str, str]
    first_env: dict[str, str]
    """The environment of the newest release, built alone."""
    stamps: dict[str, str]
    old_stamps: dict[str, str]
    newest: str
    total: int
    say: Callable[[str], None]
    jobs: int
    kept: set[str] = field(default_factory=set)
    """Folders of the site in place that stay as they are (moved in at the end)."""
    servers: list[processes.ForkServer] = field(default_factory=list)
    lanes: queue.SimpleQueue[list[processes.ForkServer]] = field(default_factory=queue.SimpleQueue)
    """One slot per job, its fork server started when the slot first builds (a
    site whose releases are all kept starts none)."""

    def __post_init__(self) -> None:
        for _ in range(max(1, self.jobs)):
            self.lanes.put([])

    def build(self, number: int, release: Release | None, alone: bool = False) -> BuiltRelease:
        """Build one release (``None``: the root) into :attr:`work`, or keep its folder."""
        folder = release.minor if release is not None else ""
        newest = self.newest
        name = f"{folder} ({release.version})" if release is not None else f"root ({newest})"
        began = time.perf_counter()
        previous = self.site_dir / folder if folder else self.root_dir
        unchanged = self.old_stamps.get(folder) == self.stamps[folder]
        if unchanged and (previous / "index.html").is_file():
            self.kept.add(folder)
            version = release.version if release is not None else newest
            built = BuiltRelease(folder, version, time.perf_counter() - began, True)
            self.say(f"{number}/{self.total} {name}: unchanged, kept")
            return built
        self.say(f"building {number}/{self.total}: {name}")
        common = self.first_env if alone else self.base_env
        env = {**common, RELEASE_ENV: folder} if release is not None else common
        summary = self._run(folder, env)
        built = BuiltRelease(folder, release.version if release else newest, 0.0, False)
        built = replace(built, seconds=time.perf_counter() - began)
        detail = f" ({summary})" if summary else ""
        self.say(f"{number}/{self.total} {name}: built in {built.seconds:.1f} s{detail}")
        return built

    def _run(self, folder: str, env: Mapping[str, str]) -> str:
        """Run one build in a free lane, on its fork server where there can be one."""
        serve = bool(self.python) and hasattr(os, "fork")
        lane = self.lanes.get()
        try:
            if serve and not lane and self.python:
                lane.append(processes.ForkServer(self.python, self.base_env))
                self.servers.append(lane[0])
            log = self.work / f".{folder or 'root'}.log"
            server = lane[0] if lane else None
            site = self.work / folder if folder else self.work / "_root"
            return _mkdocs(self.mkdocs, self.config_file, site, env, server, log)
        finally:
            self.lanes.put(lane)

    def close(self) -> None:
        """Stop the fork servers."""
        for server in self.servers:
            server.close()


def _build_all(builds: _Builds, releases: Sequence[Release], *, root: bool) -> list[BuiltRelease]:
    """The newest of ``releases`` alone, then the others and the root ``jobs`` at a time.

    Raises:
        VersionsError: the first build that failed (the ones not started are cancelled).
    """
    done = [builds.build(1, releases[0], alone=True)]
    tasks: list[Release | None] = [*releases[1:], *([None] if root else [])]
    with ThreadPoolExecutor(max_workers=max(1, builds.jobs)) as pool:
        futures = [pool.submit(builds.build, n, r) for n, r in enumerate(tasks, start=2)]
        failures = []
        for future in futures:
            try:
                done.append(future.result())
            except VersionsError as error:
                failures.append(error)
                for other in futures:
                    other.cancel()
        if failures:
            raise failures[0]
    return done


def _assemble(
    site_dir: Path, work: Path, lock: Lock, kept: set[str], old_stamps: Mapping[str, str]
) -> None:
    """Gather the root, the release folders and ``versions.json``; put them in ``site_dir``."""
    root = work / "_root"
    if "" in kept:
        root.mkdir()
        releases = {r.minor for r in lock.releases} | {f for f in old_stamps if f}
        for entry in site_dir.iterdir():
            if entry.name not in releases and entry.name != VERSIONS_JSON:
                entry.rename(root / entry.name)
    for release in lock.releases:
        built_in = site_dir if release.minor in kept else work
        (built_in / release.minor).rename(root / release.minor)
    (root / VERSIONS_JSON).write_text(
        json.dumps(versions_json(lock.releases), indent=2) + "\n", encoding="utf-8"
    )
    _replace(site_dir, root)


def _gather_shard(builds: _Builds, manifest: ShardManifest) -> None:
    """Gather a shard's folders (the root into ``root/``) and its manifest into ``site_dir``."""
    out = builds.work / "_shard"
    out.mkdir()
    for folder in manifest.folders:
        if folder in builds.kept:
            source = builds.site_dir / folder if folder else builds.root_dir
        else:
            source = builds.work / (folder or "_root")
        source.rename(out / (folder or ROOT))
    write_manifest(out, replace(manifest, stamps=builds.stamps))
    _replace(builds.site_dir, out)


def _mkdocs(
    command: Sequence[str],
    config_file: Path,
    site: Path,
    env: Mapping[str, str],
    server: processes.ForkServer | None,
    log: Path,
) -> str:
    """Run one strict build; what its caches reused, e.g. ``page cache: 3 page(s) reused, ...``."""
    argv = ["build", "--strict", "--config-file", str(config_file), "--site-dir", str(site)]
    returncode, stdout = processes.run_mkdocs(
        argv, command=command, env=env, server=server, output=log
    )
    # `mkdocs build --strict -q` can exit 0 despite warnings (mkdocs#4126): read them too.
    problems = [line for line in stdout.splitlines() if line.startswith(("WARNING", "ERROR"))]
    if returncode != 0 or problems:
        raise VersionsError(build_failure(env.get(RELEASE_ENV), returncode, stdout))
    caches = [
        line.split("refsite: ", 1)[1]
        for line in stdout.splitlines()
        if "refsite: page cache:" in line or "refsite: object cache:" in line
    ]
    return "; ".join(caches)


def build_failure(release: str | None, returncode: int, output: str) -> str:
    """One line on a failed build of ``release`` (None: the root), and how to see it all.

    The build's output is not passed on whole: its first warning or error (or
    last line) is named, with how many more there are and the command that
    shows them all.
    """
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    problems = [line for line in lines if line.startswith(("WARNING", "ERROR"))]
    # "Aborted with N warnings in strict mode!" only repeats the count.
    problems = [line for line in problems if "Aborted with" not in line] or problems
    first = problems[0] if problems else (lines[-1] if lines else "no output")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    which = release or "the root"
    rerun = "mkdocs build --strict"
    if release:
        rerun = f"REFSITE_RELEASE={release} {rerun}"
    return (
        f"the build of {which} failed (exit {returncode}): {first}{more}; "
        f"fix it and build again (all of them: {rerun})"
    )


def _replace(site_dir: Path, new: Path) -> None:
    """Put ``new`` where ``site_dir`` is, the old one removed only once the new is in place."""
    old = site_dir.with_name(f".{site_dir.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if site_dir.exists():
        site_dir.rename(old)
    new.rename(site_dir)
    shutil.rmtree(old, ignore_errors=True)
