"""The ``refsite init`` and ``refsite docstrings`` commands.

``init`` reads the package with griffe, writes the project, then builds it
until the build is clean (:func:`refsite.scaffold.trial.settle`), saying what
each step did and, one a line, each fault of a docstring the site renders
anyway. No existing ``mkdocs.yml`` has a say in it. ``docstrings`` reports
those faults for a project, from its ``mkdocs.yml`` and pages, nothing built
(:mod:`refsite.scaffold.docstrings`): exit 0 with none, 1 with findings, 2
when the input is unusable.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from refsite.checks.coverage import CoverageError
from refsite.cli.common import PROG, UsageError
from refsite.cli.config import SiteConfig
from refsite.cli.examples import _site_config as site_config
from refsite.scaffold import docstrings
from refsite.scaffold.load import load
from refsite.scaffold.model import FINDING_KINDS, Finding, ScaffoldError
from refsite.scaffold.plan import plan_site
from refsite.scaffold.project import check_writable, project_files, write_project
from refsite.scaffold.trial import TRIAL_ROUNDS, Trial, settle

__all__ = ["add_commands"]


def add_commands(commands: Any) -> None:
    """Add ``init`` to the ``refsite`` parser's subcommands."""
    init = commands.add_parser("init", help="write a checked reference site for a package")
    init.add_argument("package", metavar="PACKAGE", help="the package to document (import name)")
    init.add_argument("dir", metavar="DIR", help="the folder to write the project into")
    init.add_argument(
        "--src", help="the source folder holding PACKAGE (default: the installed package)"
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


def _say(text: str) -> None:
    print(f"{PROG} init: {text}", flush=True)


def _cmd_init(args: argparse.Namespace, _config: SiteConfig) -> int:
    start = time.monotonic()
    folder = Path(args.dir)
    src = Path(args.src) if args.src else None
    try:
        check_writable(folder)
        _say(f"reading {args.package} with griffe")
        loaded = load(args.package, src=src)
        plan = plan_site(loaded)
        # The project names the source folder relative to itself, so it moves with it.
        where = os.path.relpath(src.resolve(), folder.resolve()) if src else None
        files = write_project(folder, project_files(plan, src=where), force=args.force)
        _say(f"wrote {len(files)} files to {folder}")
        if not args.no_trial:
            trial = settle(
                folder,
                loaded,
                plan,
                files,
                src=where,
                on_build=lambda: _say("trial build (mkdocs build --strict)"),
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
    print(
        f"{PROG} init: {len(plan.pages)} page(s), {plan.documented} object(s) documented, "
        f"{len(plan.exclusions)} excluded (see coverage-exclusions.yml) "
        f"in {time.monotonic() - start:.1f}s; next: cd {folder} && mkdocs serve"
    )
    return 0


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
