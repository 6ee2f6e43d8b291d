"""The ``refsite`` commands of the API history: ``history`` and ``changes``.

- ``refsite history``: read the public API of every release from its wheel
  (else its sdist) into the history file (``scripts/lock`` runs it). A
  release that is yanked or cannot be read is skipped with a line saying
  why; exit 0 with what was read, or 1 when the newest could not be read.
- ``refsite changes OLD NEW``: the API changes between two releases (from the
  history file, else their wheels) or a release and a source folder.

The package, the packages it re-exports from, the first release, the history
file and the cache folder come from ``mkdocs.yml`` unless given.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import griffe
from packaging.version import InvalidVersion, Version

from refsite.checks.coverage import CoverageError
from refsite.cli.common import UsageError, output_file, relative_to_config, release_version
from refsite.cli.mkdocs_yml import SiteConfig
from refsite.history.changes import ReleaseChanges, compare
from refsite.history.changes import format_json as format_changes_json
from refsite.history.changes import format_markdown as format_changes_markdown
from refsite.history.model import History, HistoryError, dump_history, load_history
from refsite.history.snapshot import Snapshot, read_snapshot

if TYPE_CHECKING:
    from refsite.history.read import Step

__all__ = ["DEFAULT_HISTORY", "add_commands", "quiet_griffe", "read_releases"]

DEFAULT_HISTORY = "api-history.json"


def add_commands(commands: Any) -> None:
    """Add the history commands to the ``refsite`` parser's subcommands."""
    changes = commands.add_parser(
        "changes", help="list the public API changes between two releases (or a source folder)"
    )
    changes.add_argument("old", metavar="OLD", help="a release version or a source folder")
    changes.add_argument("new", metavar="NEW", help="a release version or a source folder")
    changes.add_argument("--format", choices=["markdown", "json"], default="markdown")
    _history_options(changes)
    changes.set_defaults(run=_cmd_changes)

    history = commands.add_parser(
        "history", help="read the public API of every release from their wheels into a file"
    )
    history.add_argument(
        "--since",
        type=release_version,
        help="the first release (default: the plugin's history.since, else releases.since)",
    )
    history.add_argument(
        "--until",
        type=release_version,
        help="the last release (default: the installed version of the package)",
    )
    history.add_argument(
        "-o",
        "--output",
        type=output_file,
        help="the file to write (default: the history file)",
    )
    _history_options(history)
    history.set_defaults(run=_cmd_history)


def _history_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--package", help="the package (default: the first coverage package)")
    parser.add_argument(
        "--preload",
        action="append",
        help="a package it re-exports from, read from its wheel too "
        "(default: the plugin's history.preload, else coverage.preload)",
    )
    parser.add_argument(
        "--history",
        help=f"the history file (default: the plugin's history.file, {DEFAULT_HISTORY})",
    )
    parser.add_argument(
        "--cache-dir",
        help="the cache folder; wheels and snapshots go to its history/ (default: the plugin's)",
    )


@dataclass(frozen=True)
class _Settings:
    """What both commands read: from the arguments, else from ``mkdocs.yml``."""

    package: str
    preload: list[str]
    file: Path
    cache: Path


def _settings(args: argparse.Namespace, config: SiteConfig) -> _Settings:
    options = config.refsite
    packages = options.coverage.packages
    package = args.package or (packages[0] if packages else None)
    if not package:
        raise UsageError("no package: pass --package NAME (or set coverage.packages in mkdocs.yml)")
    if args.preload is not None:
        preload = list(args.preload)
    elif options.history.preload is not None:
        preload = list(options.history.preload)
    else:
        preload = list(options.coverage.preload)
    return _Settings(
        package=package,
        preload=preload,
        # A path from the command line may be the user's from here; one from
        # mkdocs.yml is relative to it (a file of that name here is another's).
        file=relative_to_config(config, args.history)
        if args.history
        else config.resolve(options.history.file or DEFAULT_HISTORY),
        cache=(
            relative_to_config(config, args.cache_dir)
            if args.cache_dir
            else config.resolve(options.cache_dir)
        )
        / "history",
    )


def quiet_griffe() -> None:
    """Keep griffe's complaints about old releases' annotations out of the output."""
    # griffe logs (at error level) each annotation of an old release that it
    # cannot resolve; a snapshot does not need them resolved, its failures
    # come back as exceptions, and a CI log should show one line per release.
    griffe.logger.setLevel(logging.CRITICAL + 1)


def read_releases(
    package: str,
    since: str,
    until: str,
    *,
    preload: Sequence[str],
    cache: Path,
    progress: Callable[[Step], None] = lambda step: None,
    listed: Callable[[list[str]], None] = lambda versions: None,
) -> tuple[list[str], History]:
    """The releases of ``package`` from ``since`` to ``until`` on the index, and their history.

    Yanked releases count, to be named as skipped; ``listed`` hears of the
    releases before they are read (``refsite history`` and ``refsite init``).

    Raises:
        refsite.registry.wheels.WheelError: the index cannot be asked.
        refsite.history.model.HistoryError: no release in the range.
    """
    from refsite.history.read import read_history, releases_between
    from refsite.registry.index import pip_sources, project_files, yanked_versions
    from refsite.registry.wheels import available_versions

    files = project_files(package, pip_sources())
    # pip lists no yanked release: they are named as skipped all the same.
    yanked = [v for v in yanked_versions(files) if not Version(v).is_prerelease]
    versions = releases_between({*available_versions(package), *yanked}, since, until)
    listed(versions)
    history = read_history(
        package,
        versions,
        preload=preload,
        cache=cache,
        progress=progress,
        files=lambda name: files if name == package else project_files(name, pip_sources()),
    )
    return versions, history


def _cmd_history(args: argparse.Namespace, config: SiteConfig) -> int:
    from importlib import metadata

    from refsite.registry.wheels import WheelError

    settings = _settings(args, config)
    package = settings.package
    since = args.since or config.refsite.history.since or config.refsite.releases.since
    quiet_griffe()
    until = args.until
    if until is None:
        try:
            until = metadata.version(package)
        except metadata.PackageNotFoundError:
            raise UsageError(f"{package} is not installed: pass --until VERSION") from None
    start = time.perf_counter()
    try:
        versions, history = read_releases(
            package,
            since,
            until,
            preload=settings.preload,
            cache=settings.cache,
            progress=lambda step: _progress(package, step),
            listed=lambda versions: print(
                f"history: {len(versions)} releases of {package}, {versions[0]} to {versions[-1]}",
                file=sys.stderr,
            ),
        )
    except (WheelError, HistoryError) as error:
        raise UsageError(str(error)) from None
    seconds = time.perf_counter() - start
    skipped = f" ({len(history.skipped)} skipped: {', '.join(history.skipped)})"
    read = f"{len(history.releases)} of {len(versions)} releases read in {seconds:.1f} s"
    newest = versions[-1]
    if newest in history.skipped:
        print(
            f"history: {read}{skipped}; not written: the newest, {newest}, could not be read "
            f"({history.skipped[newest]}). What was read is kept in {settings.cache}: "
            "run refsite history again to read only what is missing",
            file=sys.stderr,
        )
        return 1
    output: Path = args.output or settings.file
    output.write_text(dump_history(history), encoding="utf-8")
    print(
        f"history: {read}{skipped if history.skipped else ''}, written to {output}",
        file=sys.stderr,
    )
    return 0


def _progress(package: str, step: Step) -> None:
    print(f"history: {step.text(package)}", file=sys.stderr, flush=True)


def _snapshot(value: str, settings: _Settings, history: History | None) -> Snapshot:
    """A version (from the history file, else its wheel) or a source folder, read."""
    from refsite.history.read import read_release
    from refsite.registry.wheels import NoRelease, WheelError

    package = settings.package
    folder = Path(value)
    if folder.is_dir():
        # The folder holds the package (or is it); what it re-exports comes
        # from the installed packages.
        roots = [folder.parent if (folder / "__init__.py").is_file() else folder]
        try:
            return read_snapshot(
                [package],
                preload=settings.preload,
                search_paths=[*roots, *(Path(p) for p in sys.path if p)],
            )
        except CoverageError as error:
            raise UsageError(f"{value}: {error}") from None
    if history is not None and value in history.versions():
        return history.snapshot(value)
    if not _is_version(value):
        raise UsageError(f"{value}: neither a folder nor a release version of {package}")
    try:
        return read_release(package, value, preload=settings.preload, cache=settings.cache)[1]
    except NoRelease as error:
        raise UsageError(str(error)) from None  # it names the package and the release
    except (WheelError, CoverageError) as error:
        raise UsageError(f"{package} {value}: {error}") from None


def _is_version(value: str) -> bool:
    try:
        Version(value)
    except InvalidVersion:
        return False
    return True


def _check_order(old: str, new: str) -> None:
    """Refuse two releases given newest first: the changes would read backwards."""
    if Path(old).is_dir() or Path(new).is_dir() or not (_is_version(old) and _is_version(new)):
        return  # a folder is the newest code; a non-version is _snapshot's to refuse
    if Version(old) > Version(new):
        raise UsageError(
            f"{old} is newer than {new}: give the older release first (refsite changes {new} {old})"
        )


def _cmd_changes(args: argparse.Namespace, config: SiteConfig) -> int:
    _check_order(args.old, args.new)
    settings = _settings(args, config)
    quiet_griffe()
    history = None
    if settings.file.is_file():
        try:
            history = load_history(settings.file)
        except HistoryError as error:
            raise UsageError(str(error)) from None
    old = _snapshot(args.old, settings, history)
    new = _snapshot(args.new, settings, history)
    release = ReleaseChanges(version=args.new, previous=args.old, changes=compare(old, new))
    if args.format == "json":
        print(format_changes_json([release]))
    else:
        print(format_changes_markdown([release], package=settings.package), end="")
    return 0
