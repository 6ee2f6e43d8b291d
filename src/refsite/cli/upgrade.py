"""``refsite upgrade``: follow the documented package's releases.

- ``refsite upgrade``: move the ``site`` pin, ``requirements/lock.txt``, the
  releases lock and the API history to the newest release on the index,
  together (``scripts/lock --upgrade`` runs it). Exit 0, also when already
  current.
- ``refsite upgrade --check``: exit 1 with one line when the lock is behind the
  index or names a release the index no longer offers; 0 when current.
- ``refsite upgrade --pr-body OLD NEW``: the pull request body for that move.

Bad input exits 2 with one message naming the file and what to change.
"""

from __future__ import annotations

import argparse
import functools
import logging
import sys
import time
from pathlib import Path
from typing import Any

import griffe

from refsite.checks.coverage import CoverageError
from refsite.cli.common import PROG, UsageError
from refsite.cli.mkdocs_yml import SiteConfig
from refsite.cli.versions import _current_lock, _releases
from refsite.history.model import HistoryError, load_history
from refsite.history.read import Step
from refsite.mkdocs.config import ReleasesConfig
from refsite.registry.index import pip_sources, upload_times
from refsite.registry.wheels import WheelError, available_versions
from refsite.releases.lock import LockError
from refsite.releases.requirements import RequirementsError, relock
from refsite.releases.upgrade import Files, check_line, plan_upgrade, pr_body, upgrade

__all__ = ["add_parsers"]


def add_parsers(commands: Any) -> None:
    """Add ``upgrade`` to the ``refsite`` parser's subcommands."""
    command = commands.add_parser(
        "upgrade",
        help="move the site to the newest release of its package (pins, locks, history)",
    )
    what = command.add_mutually_exclusive_group()
    what.add_argument(
        "--check",
        action="store_true",
        help="only say whether the lock is behind the index (exit 1 when it is)",
    )
    what.add_argument(
        "--pr-body",
        nargs=2,
        metavar=("OLD", "NEW"),
        help="print the pull request body for the move from OLD to NEW",
    )
    command.add_argument(
        "--checks",
        help="with --pr-body: a file of check results, one a line, for the body",
    )
    # Defaults are applied in _upgrade: --check and --pr-body refuse these, given.
    command.add_argument(
        "--extras",
        help="the project's extras requirements/lock.txt pins (default: site,dev)",
    )
    command.add_argument(
        "--pyproject",
        help="relative to mkdocs.yml (default: pyproject.toml)",
    )
    command.add_argument(
        "--requirements",
        help="relative to mkdocs.yml (default: requirements/lock.txt)",
    )
    command.set_defaults(run=run)


def _say(text: str) -> None:
    print(f"{PROG} upgrade: {text}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace, config: SiteConfig) -> int:
    """Run ``refsite upgrade`` with its parsed arguments."""
    releases = _releases(config)
    history_file = config.resolve(config.refsite.history.file or "api-history.json")
    given = [f"--{n}" for n in ("pyproject", "requirements", "extras") if getattr(args, n)]
    if given and (args.check or args.pr_body):
        reads = (
            "--check reads the lock and the index" if args.check else "--pr-body reads the history"
        )
        them = "them" if len(given) > 1 else "it"
        raise UsageError(
            f"{', '.join(given)}: only the upgrade itself uses {them}; {reads}: leave {them} out"
        )
    try:
        if args.pr_body:
            return _pr_body(args, history_file, releases)
        return _upgrade(args, config, releases, history_file)
    except (LockError, WheelError, HistoryError, RequirementsError, CoverageError) as error:
        raise UsageError(str(error)) from None


def _on_release(package: str, step: Step) -> None:
    _say(f"  history: {step.text(package)}")


def _pr_body(args: argparse.Namespace, history_file: Path, releases: ReleasesConfig) -> int:
    checks: list[str] = []
    if args.checks:
        try:
            text = Path(args.checks).read_text(encoding="utf-8")
        except OSError as error:
            raise UsageError(f"{args.checks}: cannot read the check results ({error})") from None
        checks = [line.strip() for line in text.splitlines() if line.strip()]
    old, new = args.pr_body
    history = load_history(history_file)
    label = str(releases.label or releases.package)
    print(pr_body(history, old, new, checks=checks, label=label), end="")
    return 0


def _upgrade(
    args: argparse.Namespace,
    config: SiteConfig,
    releases: ReleasesConfig,
    history_file: Path,
) -> int:
    start = time.perf_counter()
    lock = _current_lock(config, releases)
    package = lock.selection.package
    _say(f"listing the releases of {package} on the index")
    available = available_versions(package)
    min_age = float(releases.min_age_hours)  # checked with the plugin's options
    uploaded = upload_times(package, pip_sources()) if min_age > 0 else {}
    plan = plan_upgrade(lock, available, uploaded=uploaded, min_age_hours=min_age)
    line = check_line(plan, root=config.path.parent)
    if args.check:
        print(f"{PROG} upgrade: {line}")
        return 0 if plan.is_current else 1
    if plan.is_current:
        _say(f"already current: {line} ({time.perf_counter() - start:.1f} s)")
        return 0
    _say(line.partition(": run")[0])
    files = Files(
        pyproject=config.resolve(args.pyproject or "pyproject.toml"),
        requirements=config.resolve(args.requirements or "requirements/lock.txt"),
        lock=config.resolve(releases.lock),
        history=history_file,
        config=config.path,
    )
    cache = config.resolve(config.refsite.cache_dir)
    extras = [e.strip() for e in (args.extras or "site,dev").split(",") if e.strip()]
    try:
        previous = files.requirements.read_text(encoding="utf-8")
    except OSError:
        previous = ""  # no lock yet: everything is resolved

    def requirements(pyproject: str) -> str:
        text, how = relock(
            pyproject,
            previous,
            extras=extras,
            package=package,
            dependencies=lock.selection.dependencies,
        )
        _say(f"  requirements/lock.txt: {how}")
        return text

    # griffe logs each annotation of a release it cannot resolve; a CI log
    # should show one line per release.
    griffe.logger.setLevel(logging.CRITICAL + 1)
    outcome = upgrade(
        plan,
        files,
        lock=lock,
        available=available,
        relock=requirements,
        wheels_dir=config.resolve(releases.wheels_dir),
        history_cache=cache / "history",
        versions_of=lambda name: available if name == package else available_versions(name),
        say=_say,
        on_release=functools.partial(_on_release, package),
    )
    dropped = f"; dropped {', '.join(plan.gone)}" if plan.gone else ""
    added = f"; {plan.added} added to releases.select" if plan.added else ""
    written = f"{'five' if plan.added else 'four'} files written"
    _say(
        f"{package} {plan.current} -> {plan.target}: {len(outcome.read)} release(s) read into "
        f"the history, {len(outcome.lock.releases)} documented{dropped}{added}; {written} "
        f"in {time.perf_counter() - start:.1f} s"
    )
    return 0
