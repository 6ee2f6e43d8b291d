"""The ``refsite`` commands of a versioned site: ``lock-releases``, ``build``, ``serve``.

- ``refsite lock-releases``: resolve the plugin's ``releases`` options against
  the package index and write the lock (``scripts/lock`` runs it).
- ``refsite build --versions``: build every locked release and the root into
  one site (``scripts/build`` runs it); without ``--versions``, a strict
  ``mkdocs build`` of the installed release.
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
import subprocess
import sys
import time
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import refsite
from refsite.releases.assemble import VersionsError, build_versioned
from refsite.releases.lock import Lock, LockError, Selection, load_lock, resolve, write_lock
from refsite.releases.wheels import WheelError
from refsite.speed.cache import DEFAULT_DIR, prune

__all__ = ["UsageError", "add_commands"]

PROG = "refsite"
_BIN = Path(sys.executable).parent


class UsageError(Exception):
    """Input the command cannot use; the message says what to change."""


def add_commands(commands: Any) -> None:
    """Add the versioned-site commands to the ``refsite`` parser's subcommands."""
    lock = commands.add_parser(
        "lock-releases", help="resolve the declared releases to exact wheels and write the lock"
    )
    lock.add_argument(
        "--newest",
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
        command.add_argument("-d", "--site-dir", default="site", help="default: site")
        command.add_argument(
            "-j",
            "--jobs",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="builds at once with --versions (default: 2, or 1 on one core)",
        )
        if name == "serve":
            command.add_argument("--port", type=int, default=8000, help="default: 8000")
        command.set_defaults(run=functools.partial(_cmd_build, serve=name == "serve"))


def _say(text: str) -> None:
    print(f"{PROG}: {text}", file=sys.stderr, flush=True)


def _config(args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """mkdocs.yml (with !ENV resolved, as MkDocs reads it) and the plugin's options."""
    path, data = _read_config(args)
    for entry in data.get("plugins") or []:
        if isinstance(entry, Mapping) and PROG in entry:
            return path, dict(entry[PROG] or {})
    return path, {}


def _handler_paths(args: argparse.Namespace) -> Any:
    """The mkdocstrings python handler's ``paths`` in mkdocs.yml (None when unset)."""
    _, data = _read_config(args)
    for entry in data.get("plugins") or []:
        if isinstance(entry, Mapping) and "mkdocstrings" in entry:
            handlers = (entry["mkdocstrings"] or {}).get("handlers") or {}
            return (handlers.get("python") or {}).get("paths")
    return None


def _read_config(args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    from mkdocs.utils.yaml import yaml_load

    path = Path(args.config)
    try:
        with path.open(encoding="utf-8") as file:
            data = yaml_load(file)
    except OSError:
        raise UsageError(f"{path}: no such file; pass --config mkdocs.yml") from None
    except Exception as error:  # MkDocs' loader raises its own YAML errors
        raise UsageError(f"{path}: not valid YAML: {error}") from None
    return path, data if isinstance(data, dict) else {}


def _releases(path: Path, options: Mapping[str, Any]) -> dict[str, Any]:
    releases = dict(options.get("releases") or {})
    if not releases.get("package"):
        raise UsageError(
            f"{path}: the refsite plugin declares no 'releases' (package, dependencies, select)"
        )
    return releases


def _selection(releases: Mapping[str, Any], newest: str | None) -> Selection:
    select = releases.get("select", 10)
    return Selection(
        package=str(releases["package"]),
        dependencies=tuple(str(d) for d in releases.get("dependencies") or []),
        select=tuple(str(s) for s in select) if isinstance(select, list) else select,
        since=str(releases.get("since", "0.0")),
        newest=newest,
    )


def _cmd_lock(args: argparse.Namespace, _options: dict[str, Any]) -> int:
    path, options = _config(args)
    releases = _releases(path, options)
    newest = args.newest
    if newest is None:
        try:
            newest = metadata.version(str(releases["package"]))
        except metadata.PackageNotFoundError:
            raise UsageError(
                f"{releases['package']} is not installed: pass --newest VERSION"
            ) from None
    start = time.perf_counter()
    lock_file = path.parent / str(releases.get("lock", "requirements/releases.lock.json"))
    wheels = path.parent / str(releases.get("wheels_dir") or ".cache/wheels")
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


def _current_lock(path: Path, releases: Mapping[str, Any]) -> Lock:
    lock_file = path.parent / str(releases.get("lock", "requirements/releases.lock.json"))
    try:
        lock = load_lock(lock_file)
    except LockError as error:
        raise UsageError(str(error)) from None
    declared = _selection(releases, lock.selection.newest)
    if declared != lock.selection:
        raise UsageError(
            f"{lock_file} was written for other 'releases' options than {path}'s: "
            "run scripts/lock to refresh it"
        )
    return lock


def _inputs(path: Path, options: Mapping[str, Any]) -> list[Path]:
    """The files every release is rendered from: the site's own and refsite's code."""
    root = path.parent
    files = [path, *(p for p in (root / "docs").rglob("*") if p.is_file())]
    for name in (
        options.get("tree"),
        (options.get("coverage") or {}).get("exclusions"),
        (options.get("history") or {}).get("file"),
    ):
        if name:
            files.append(root / str(name))
    package = Path(refsite.__file__).parent
    files.extend(p for p in package.rglob("*") if p.suffix in (".py", ".js"))
    return files


def _source_paths(path: Path, paths: Any) -> list[Path]:
    """The python handler's ``paths`` (default ``.``), relative to ``mkdocs.yml``."""
    entries = paths if isinstance(paths, list) else ["."]
    return [path.parent / str(p) for p in entries]


def _cmd_build(args: argparse.Namespace, _options: dict[str, Any], *, serve: bool) -> int:
    path, options = _config(args)
    site = Path(args.site_dir)
    mkdocs = [str(_BIN / "mkdocs")]
    start = time.perf_counter()
    if not args.versions:
        status = subprocess.run(
            [*mkdocs, "build", "--strict", "--config-file", str(path), "--site-dir", str(site)],
            check=False,
        ).returncode
        if status != 0:
            return 1
    else:
        releases = _releases(path, options)
        lock = _current_lock(path, releases)
        wheels = path.parent / str(releases.get("wheels_dir") or ".cache/wheels")
        try:
            build_versioned(
                path,
                site,
                lock,
                wheels_dir=wheels,
                inputs=_inputs(path, options),
                source_paths=_source_paths(path, _handler_paths(args)),
                mkdocs=mkdocs,
                progress=_say,
                jobs=args.jobs,
                python=sys.executable,
            )
        except (LockError, WheelError) as error:
            raise UsageError(str(error)) from None
        except VersionsError as error:
            _say(str(error))
            return 1
        _prune_cache(path, options, builds=len(lock.releases) + 1)
        _say(
            f"{site}: {len(lock.releases)} release(s) and the root built "
            f"in {time.perf_counter() - start:.1f} s"
        )
    if serve:
        _serve(site, args.port)
    return 0


def _prune_cache(config: Path, options: Mapping[str, Any], *, builds: int) -> None:
    """Prune the page cache once all builds are done, to ``cache_max_mb`` per build.

    Each release is a site of its own in the cache; pruning to one site's
    worth after each build would delete what the releases built before it
    (and the next build of the site) use.
    """
    if options.get("cache") is False:
        return
    folder = Path(str(options.get("cache_dir") or DEFAULT_DIR))
    folder = folder if folder.is_absolute() else config.parent / folder
    if not folder.is_dir():
        return
    limit = float(options.get("cache_max_mb") or 200) * builds
    deleted = prune(folder, max_bytes=int(limit * 2**20), now=time.time())
    if deleted:
        _say(f"cache: deleted {len(deleted)} least recently used file(s) beyond {limit:.0f} MiB")


def _serve(site: Path, port: int) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        _say(f"serving {site} at http://127.0.0.1:{port}/ (Ctrl+C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
