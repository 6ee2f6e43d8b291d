"""The ``refsite`` commands of a versioned site: ``lock-releases``, ``build``, ``serve``.

- ``refsite lock-releases``: resolve the plugin's ``releases`` options against
  the package index and write the lock (``scripts/lock`` runs it).
- ``refsite build --versions``: build every locked release and the root into
  one site (``scripts/build`` runs it); without ``--versions``, a strict
  ``mkdocs build`` of the installed release. With ``--shard I/N``, only
  shard I of N of the releases, into a folder of its own; with ``--assemble
  DIR...``, those folders put together into the site one build of all writes
  (publish.yml builds the shards on several runners).
- ``refsite serve --versions``: the same, then serve it on 127.0.0.1.

Each prints one line per step and the total time; bad input exits 2 with one
message, a failed build 1.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import os
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from refsite.cli.common import PROG, UsageError, folder_to_write, release_version
from refsite.cli.mkdocs_yml import SiteConfig
from refsite.core.commands import command_text
from refsite.core.fingerprint import code_files
from refsite.core.limits import jobs, port
from refsite.core.processes import run_mkdocs
from refsite.core.store import NotACacheError, prune
from refsite.mkdocs.config import ReleasesConfig
from refsite.registry.wheels import WheelError
from refsite.releases.assemble import VersionsError, assemble_shards, build_versioned
from refsite.releases.lock import Lock, LockError, Selection, load_lock, resolve, write_lock
from refsite.releases.shards import Shard, ShardError, parse_shard

__all__ = ["add_commands"]

_BIN = Path(sys.executable).parent


def add_commands(commands: Any) -> None:
    """Add the versioned-site commands to the ``refsite`` parser's subcommands."""
    lock = commands.add_parser(
        "lock-releases", help="resolve the declared releases to exact wheels and write the lock"
    )
    lock.add_argument(
        "--newest",
        type=release_version,
        help="the newest release to document (default: the installed version of the package)",
    )
    lock.set_defaults(run=_cmd_lock)

    for name, what in (("build", "build"), ("serve", "build and serve")):
        command = commands.add_parser(
            name, help=f"{what} the site (with --versions: every locked release)"
        )
        command.add_argument(
            "--versions", action="store_true", help="every release of the lock, the newest at /"
        )
        command.add_argument(
            "-d", "--site-dir", type=folder_to_write, default="site", help="default: site"
        )
        command.add_argument(
            "-j",
            "--jobs",
            type=jobs,
            default=min(2, os.cpu_count() or 1),
            help="builds at once with --versions (default: 2, or 1 on one core)",
        )
        if name == "serve":
            command.add_argument("--port", type=port, default=8000, help="default: 8000")
        else:
            split = command.add_mutually_exclusive_group()
            split.add_argument(
                "--shard",
                metavar="I/N",
                help="with --versions: build only shard I of N of the releases (shard 1 "
                "also the root) into --site-dir, for --assemble",
            )
            split.add_argument(
                "--assemble",
                nargs="+",
                type=Path,
                metavar="DIR",
                help="with --versions: put the folders that --shard wrote together into "
                "--site-dir (builds nothing)",
            )
        command.set_defaults(run=functools.partial(_cmd_build, serve=name == "serve"))


def _say(text: str) -> None:
    print(f"{PROG}: {text}", file=sys.stderr, flush=True)


def _releases(config: SiteConfig) -> ReleasesConfig:
    releases = config.require().refsite.releases
    if not releases.package:
        raise UsageError(
            f"{config.path}: the refsite plugin declares no 'releases' "
            "(package, dependencies, select)"
        )
    return releases


def _selection(releases: ReleasesConfig, newest: str | None) -> Selection:
    select: Any = releases.select  # validated: an int, "all" or a list
    return Selection(
        package=str(releases.package),
        dependencies=tuple(releases.dependencies),
        select=tuple(str(s) for s in select) if isinstance(select, list) else select,
        since=releases.since,
        newest=newest,
    )


def _cmd_lock(args: argparse.Namespace, config: SiteConfig) -> int:
    releases = _releases(config)
    newest = args.newest
    if newest is None:
        try:
            newest = metadata.version(str(releases.package))
        except metadata.PackageNotFoundError:
            raise UsageError(
                f"{releases.package} is not installed: pass --newest VERSION"
            ) from None
    start = time.perf_counter()
    lock_file = config.resolve(releases.lock)
    wheels = config.resolve(releases.wheels_dir)
    try:
        lock = resolve(_selection(releases, newest), wheels / "files", progress=_say)
    except (LockError, WheelError) as error:
        raise UsageError(str(error)) from None
    write_lock(lock, lock_file)
    _say(
        f"{lock_file}: {len(lock.releases)} release(s), "
        f"{', '.join(r.version for r in lock.releases)} "
        f"({time.perf_counter() - start:.1f} s)"
    )
    return 0


def _current_lock(config: SiteConfig, releases: ReleasesConfig) -> Lock:
    lock_file = config.resolve(releases.lock)
    try:
        lock = load_lock(lock_file)
    except LockError as error:
        raise UsageError(str(error)) from None
    declared = _selection(releases, lock.selection.newest)
    if declared != lock.selection:
        raise UsageError(
            f"{lock_file} was written for other 'releases' options than {config.path}'s: "
            f"run {command_text(config.path, 'refsite lock-releases')} to refresh it"
        )
    return lock


def _inputs(config: SiteConfig) -> list[Path]:
    """The files every release is rendered from: the site's own and refsite's code."""
    options = config.refsite
    docs = config.resolve(config.docs_dir)
    files = [config.path, *(p for p in docs.rglob("*") if p.is_file())]
    exclusions = (options.coverage.exclusions, options.examples.exclusions)
    for name in (options.tree, *exclusions, options.history.file):
        if name:
            files.append(config.resolve(name))
    files.extend(code_files())
    return files


def _cmd_build(args: argparse.Namespace, config: SiteConfig, *, serve: bool) -> int:
    path = config.require().path
    site = Path(args.site_dir)
    mkdocs = [str(_BIN / "mkdocs")]
    start = time.perf_counter()
    split = getattr(args, "shard", None) or getattr(args, "assemble", None)
    if split and not args.versions:
        raise UsageError("--shard and --assemble split a versioned build: add --versions")
    if not args.versions:
        argv = ["build", "--strict", "--config-file", str(path), "--site-dir", str(site)]
        status, _ = run_mkdocs(argv, command=mkdocs, capture=False)
        if status != 0:
            return 1
    elif getattr(args, "assemble", None):
        _assemble(args, config, site)
    else:
        releases = _releases(config)
        lock = _current_lock(config, releases)
        shard = _shard(args)
        try:
            built = build_versioned(
                path,
                site,
                lock,
                wheels_dir=config.resolve(releases.wheels_dir),
                inputs=_inputs(config),
                source_paths=config.source_paths(),
                mkdocs=mkdocs,
                progress=_say,
                jobs=args.jobs,
                python=sys.executable,
                shard=shard,
            )
        except (LockError, WheelError, ShardError) as error:
            raise UsageError(str(error)) from None
        except VersionsError as error:
            _say(str(error))
            return 1
        _prune_cache(config, builds=len(built.releases))
        count = sum(1 for b in built.releases if b.folder)
        what = " and the root" if len(built.releases) > count else ""
        which = f"shard {shard}: " if shard else ""
        _say(
            f"{site}: {which}{count} release(s){what} built in {time.perf_counter() - start:.1f} s"
        )
    if serve:
        _serve(site, args.port)
    return 0


def _shard(args: argparse.Namespace) -> Shard | None:
    text = getattr(args, "shard", None)
    if text is None:
        return None
    try:
        return parse_shard(text)
    except ShardError as error:
        raise UsageError(str(error)) from None


def _assemble(args: argparse.Namespace, config: SiteConfig, site: Path) -> None:
    """Put the shards' folders together into ``site``, or say what to change."""
    releases = _releases(config)
    lock = _current_lock(config, releases)
    try:
        built = assemble_shards(
            site,
            lock,
            args.assemble,
            lock_file=config.resolve(releases.lock),
            progress=_say,
        )
    except ShardError as error:
        raise UsageError(str(error)) from None
    _say(
        f"{site}: {len(lock.releases)} release(s) and the root assembled from "
        f"{len(args.assemble)} shard folder(s) in {built.seconds:.1f} s"
    )


def _prune_cache(config: SiteConfig, *, builds: int) -> None:
    """Prune the page cache once all builds are done, to ``cache_max_mb`` per build.

    Each release is a site of its own in the cache; pruning to one site's
    worth after each build would delete what the releases built before it
    (and the next build of the site) use.
    """
    if not config.refsite.cache:
        return
    folder = config.resolve(config.refsite.cache_dir)
    if not folder.is_dir():
        return
    limit = float(config.refsite.cache_max_mb) * builds
    try:
        deleted = prune(folder, max_bytes=int(limit * 2**20), now=time.time())
    except NotACacheError as error:  # the site is built: say so, and keep it
        _say(f"warning: {error}; point the plugin's cache_dir at a folder of its own")
        return
    if deleted:
        _say(f"cache: deleted {len(deleted)} least recently used file(s) beyond {limit:.0f} MiB")


def _serve(site: Path, port: int) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        _say(f"serving {site} at http://127.0.0.1:{port}/ (Ctrl+C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
