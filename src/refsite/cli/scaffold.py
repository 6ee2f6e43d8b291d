"""The ``refsite init`` and ``refsite docstrings`` commands.

``init`` reads the package with griffe, writes the project, then builds it
until the build is clean (:func:`refsite.scaffold.trial.settle`), saying what
each step did, with its time, and, one a line, each fault of a docstring the
site renders anyway. No existing ``mkdocs.yml`` has a say in it. With
``--releases``, before it writes, it locks the releases to document (as
``refsite lock-releases``) and reads their API history from the oldest
(as ``refsite history``): the project is a versioned site with a changes
page.

``docstrings`` reports those faults for a project, from its ``mkdocs.yml``
and pages, nothing built (:mod:`refsite.scaffold.docstrings`): exit 0 with
none, 1 with findings, 2 when the input is unusable.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import Version

from refsite.checks.coverage import CoverageError
from refsite.cli.common import PROG, UsageError, site_config
from refsite.cli.history import quiet_griffe, read_releases
from refsite.cli.mkdocs_yml import SiteConfig
from refsite.core.store import DEFAULT_DIR
from refsite.history.model import HistoryError, dump_history
from refsite.mkdocs.config import ReleasesConfig
from refsite.registry.wheels import WheelError, available_versions
from refsite.releases.lock import Lock, LockError, fetch, lock_json, minor, resolve
from refsite.releases.requirements import RequirementsError, lock_pins, relock
from refsite.scaffold import docstrings
from refsite.scaffold.load import load
from refsite.scaffold.plan import plan_site
from refsite.scaffold.project import check_new, check_writable, project_files, write_project
from refsite.scaffold.trial import TRIAL_ROUNDS, Trial, settle
from refsite.scaffold.values import FINDING_KINDS, Finding, Loaded, ScaffoldError, SitePlan
from refsite.scaffold.versioned import (
    EXTRAS,
    FILES,
    HISTORY_FILE,
    LOCK_FILE,
    PYPROJECT,
    REQUIREMENTS,
    REQUIREMENTS_HEADER,
    Select,
    Versioned,
    older_findings,
    parse_releases,
    pyproject_toml,
    selection,
)

__all__ = ["add_commands"]


def add_commands(commands: Any) -> None:
    """Add ``init`` to the ``refsite`` parser's subcommands."""
    init = commands.add_parser("init", help="write a checked reference site for a package")
    init.add_argument("package", metavar="PACKAGE", help="the package to document (import name)")
    init.add_argument("dir", metavar="DIR", help="the folder to write the project into")
    init.add_argument(
        "--src", help="the source folder holding PACKAGE (default: the installed package)"
    )
    init.add_argument(
        "--releases",
        type=_releases,
        metavar="N|X.Y,...",
        help="a versioned site: the newest patch of the N newest minors up to the newest "
        "release (or these versions, e.g. 8.1,8.2), locked, with their API history",
    )
    init.add_argument("--force", action="store_true", help="overwrite files that exist")
    init.add_argument(
        "--no-trial",
        action="store_true",
        help="skip the trial build that checks the project builds clean",
    )
    init.set_defaults(run=_cmd_init, reads_config=False)

    report = commands.add_parser(
        "docstrings", help="list what the docstrings a site renders get wrong"
    )
    report.add_argument(
        "project",
        metavar="PROJECT",
        nargs="?",
        help="the site's mkdocs.yml or the folder that holds it (default: --config's); "
        "a built site folder reads --config's",
    )
    report.add_argument("--package", action="append", help="a package to read (repeatable)")
    report.add_argument("--preload", action="append", help="a package re-exports come from")
    report.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    report.set_defaults(run=_cmd_docstrings)


def _releases(value: str) -> Select:
    try:
        return parse_releases(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _say(text: str) -> None:
    print(f"{PROG} init: {text}", flush=True)


def _done(text: str, start: float) -> None:
    """A step's line: what it did, and how long it took since ``start``."""
    _say(f"{text} ({time.perf_counter() - start:.1f} s)")


def _cmd_init(args: argparse.Namespace, _config: SiteConfig) -> int:
    start = time.perf_counter()
    folder = Path(args.dir)
    src = Path(args.src) if args.src else None
    try:
        check_writable(folder)
        loaded = load(args.package, src=src)
        plan = plan_site(loaded)
        _done(
            f"read {args.package} with griffe: {plan.documented} object(s) "
            f"on {len(plan.pages)} page(s)",
            start,
        )
        # The project names the source folder relative to itself, so it moves with it.
        where = os.path.relpath(src.resolve(), folder.resolve()) if src else None
        versioned: Versioned | None = None
        more: dict[str, str] = {}
        found: list[Finding] = []
        if args.releases is not None:
            # Before minutes of reading releases: whether the files may be written.
            check_new(folder, [*project_files(plan, src=where), *FILES], force=args.force)
            versioned, more, found = versioned_files(loaded, plan, folder, args.releases)
            plan = plan_site(loaded, found=found)
        step = time.perf_counter()
        files = project_files(plan, src=where, versioned=versioned)
        write_project(folder, {**files, **more}, force=args.force)
        _done(f"wrote {len(files) + len(more)} files to {folder}", step)
        if not args.no_trial:
            trial = settle(
                folder,
                loaded,
                plan,
                list(files),
                src=where,
                versioned=versioned,
                found=found,
                on_built=_say_built,
                on_found=_say_found,
            )
            _findings(trial.plan.findings)
            if not _settled(trial, folder):
                return 1
            plan = trial.plan
        else:
            _findings(plan.findings)
    except ScaffoldError as error:
        raise UsageError(str(error)) from None
    build = "refsite build --versions" if versioned is not None else "mkdocs serve"
    print(
        f"{PROG} init: {len(plan.pages)} page(s), {plan.documented} object(s) documented, "
        f"{len(plan.exclusions)} excluded (see coverage-exclusions.yml) "
        f"in {time.perf_counter() - start:.1f} s; next: cd {folder} && {build}"
    )
    return 0


def versioned_files(
    loaded: Loaded, plan: SitePlan, folder: Path, select: Select
) -> tuple[Versioned, dict[str, str], list[Finding]]:
    """Lock the releases ``select`` names, pin the newest, read the API history from the oldest.

    As ``refsite lock-releases``, ``refsite upgrade``'s pins and ``refsite
    history`` would in the project: the wheels go to its wheels folder, the
    snapshots to its cache. Returns the releases, the text of the lock, the
    pins (``pyproject.toml``, ``requirements/lock.txt``) and the history, and
    what the older releases' docstrings get wrong.

    Raises:
        UsageError: the package's releases cannot be locked, pinned or read.
    """
    package = loaded.package
    distribution = loaded.distribution or package
    if canonicalize_name(distribution) != canonicalize_name(package):
        raise UsageError(
            f"{package} is the import name of {distribution}: --releases reads releases "
            "under the import name, which must be the distribution's (leave --releases out)"
        )
    try:
        lock = _lock(package, select, tuple(plan.preload), folder)
        newest = str(lock.selection.newest)
        found = _older(loaded, plan, lock, folder)
        versioned = Versioned.of(lock)
        files = {LOCK_FILE: lock_json(lock), **_pins(package, newest, versioned.dependencies)}
        files[HISTORY_FILE] = _history(package, versioned.since, newest, plan.preload, folder)
    except (LockError, WheelError, HistoryError, RequirementsError) as error:
        raise UsageError(str(error)) from None
    return versioned, files, found


def _older(loaded: Loaded, plan: SitePlan, lock: Lock, folder: Path) -> list[Finding]:
    """What the docstrings of the releases older than the root's get wrong, read from their wheels.

    They are unpacked where ``refsite build --versions`` reads them.
    """
    step = time.perf_counter()
    wheels = folder / str(ReleasesConfig.wheels_dir.default)
    older = [r for r in lock.releases if r.version != lock.selection.newest]
    sources = {r.version: fetch(r, wheels / "files", wheels / "unpacked")[0] for r in older}
    found = older_findings(loaded, plan, sources)
    faults = {(f.kind, f.target) for f in plan.findings}
    new = [f for f in found if (f.kind, f.target) not in faults]
    _done(
        f"older releases ({', '.join(sources) or 'none'}): {len(new)} more docstring "
        "fault(s) their pages render as the newest's",
        step,
    )
    return found


def _lock(package: str, select: Select, dependencies: tuple[str, ...], folder: Path) -> Lock:
    """The lock of the releases ``select`` names, up to the newest (:func:`_newest`)."""
    step = time.perf_counter()
    index = available_versions(package)
    newest = _newest(package, index)
    chosen = selection(package, select, dependencies=dependencies, newest=newest)
    lock = resolve(
        chosen,
        folder / str(ReleasesConfig.wheels_dir.default) / "files",
        versions_of=lambda name: index if name == package else available_versions(name),
    )
    documented = ", ".join(r.version for r in lock.releases)
    added = f" ({minor(newest)} added: the root documents it)" if chosen.select != select else ""
    _done(f"lock: {package} {documented}{added}, with their wheels' hashes, in {LOCK_FILE}", step)
    return lock


def _pins(package: str, newest: str, dependencies: Sequence[str]) -> dict[str, str]:
    """``pyproject.toml`` pinning ``newest`` and the ``requirements/lock.txt`` pip resolves."""
    step = time.perf_counter()
    pyproject = pyproject_toml(package, newest)
    requirements, _ = relock(
        pyproject, REQUIREMENTS_HEADER, extras=EXTRAS, package=package, dependencies=dependencies
    )
    count = len(lock_pins(requirements))
    _done(f"pins: {package} {newest} in {PYPROJECT}, {count} package(s) in {REQUIREMENTS}", step)
    return {PYPROJECT: pyproject, REQUIREMENTS: requirements}


def _history(package: str, since: str, newest: str, preload: Sequence[str], folder: Path) -> str:
    """The API history's text: every release from ``since`` to ``newest``, read."""
    step = time.perf_counter()
    quiet_griffe()
    cache = folder / DEFAULT_DIR / "history"
    versions, history = read_releases(package, since, newest, preload=preload, cache=cache)
    if newest in history.skipped:
        raise HistoryError(f"{package} {newest} cannot be read: {history.skipped[newest]}")
    skipped = f" ({', '.join(history.skipped)} skipped)" if history.skipped else ""
    _done(
        f"history: {len(history.releases)} release(s) of {package} read, "
        f"{versions[0]} to {versions[-1]}{skipped}, in {HISTORY_FILE}",
        step,
    )
    return dump_history(history)


def _newest(package: str, index: Sequence[str]) -> str:
    """The newest release to document: the installed one, else the index's newest.

    The root of a versioned site documents the installed package, and its
    history must end there.

    Raises:
        UsageError: the index has no final release, or not the installed one.
    """
    if not index:
        raise UsageError(f"{package}: no final release on the package index")
    try:
        installed = metadata.version(package)
    except metadata.PackageNotFoundError:
        return index[-1]
    if not any(Version(v) == Version(installed) for v in index):
        raise UsageError(
            f"{package} {installed} is installed but is no final release on the package "
            f"index, and the site's root documents it: install one "
            f"(pip install {package}=={index[-1]}), or leave --releases out"
        )
    if Version(installed) < Version(index[-1]):
        _say(
            f"{package} {index[-1]} is on the index, {installed} is installed: the releases "
            f"end at {installed}, which the root documents (install {index[-1]} for it)"
        )
    return installed


def _say_built(seconds: float, warnings: Sequence[str]) -> None:
    outcome = f"{len(warnings)} warning(s)" if warnings else "clean"
    _say(f"trial build (mkdocs build --strict): {outcome} ({seconds:.1f} s)")


def _say_found(found: Sequence[Finding], excluded: Mapping[str, str]) -> None:
    if found:
        _say(f"the build showed {len(found)} more docstring fault(s): rendering them too")
    if excluded:
        _say(f"excluding {len(excluded)} object(s) the build warned about for another reason")


def _findings(findings: Sequence[Finding]) -> None:
    """Each docstring fault on a line, as a linter says it, then how many of each kind."""
    for finding in findings:
        print(finding, flush=True)
    counts = Counter(f.kind for f in findings)
    if counts:
        kinds = "; ".join(f"{counts[k]} {label}" for k, label in FINDING_KINDS.items() if counts[k])
        _say(f"{len(findings)} docstring fault(s), each documented all the same: {kinds}")


# How many of a failed trial build's warning lines `init` repeats.
SHOWN = 5


def _settled(trial: Trial, folder: Path) -> bool:
    """Whether the trial builds ended clean; if not, say why on stderr."""
    if trial.outcome == "clean":
        return True
    # The build's own lines, a few: each names a problem; the command shows them all.
    for line in trial.warnings[:SHOWN]:
        print(line, file=sys.stderr)
    more = len(trial.warnings) - SHOWN
    rest = f"; {more} more not shown" if more > 0 else ""
    why = (
        "fails for a reason no object explains"
        if trial.outcome == "unexplained"
        else f"still warns after {TRIAL_ROUNDS} rounds"
    )
    print(
        f"{PROG} init: the trial build of {folder} {why} (above{rest}): fix it in the "
        f"project, then run 'cd {folder} && mkdocs build --strict'",
        file=sys.stderr,
    )
    return False


def _cmd_docstrings(args: argparse.Namespace, config: SiteConfig) -> int:
    # As `refsite examples` takes its site: a mkdocs.yml, its folder, a built site.
    config = site_config(Path(args.project) if args.project else config.path, config)
    packages = args.package or config.refsite.coverage.packages
    if not packages:
        raise UsageError("no package to read: pass --package NAME (or set coverage.packages)")
    docs = config.resolve(config.docs_dir)
    if not docs.is_dir():
        raise UsageError(f"{docs}: no such folder (the site's docs_dir)")
    options = config.python.get("options")
    options = options if isinstance(options, Mapping) else {}
    try:
        findings = docstrings.read(
            packages,
            docstrings.rendered_names(docs),
            preload=args.preload or config.refsite.coverage.preload,
            search_paths=config.search_paths(),
            style=str(options.get("docstring_style") or "google"),
            urls=docstrings.docs_urls(options.get("extensions")),
        )
    except CoverageError as error:
        raise UsageError(str(error)) from None
    formatter = {
        "text": docstrings.format_text,
        "markdown": docstrings.format_markdown,
        "json": docstrings.format_json,
    }[args.format]
    print(formatter(findings))
    return 1 if findings else 0
