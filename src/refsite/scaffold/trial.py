"""The trial builds of a generated project: ``mkdocs build --strict``, once as a rule.

:func:`trial_build` builds a written project once; :func:`settle` builds it
again, at most once, after rendering what the first build showed that the
plan's findings missed.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from refsite.core.processes import run_mkdocs
from refsite.scaffold.culprits import culprits
from refsite.scaffold.findings import from_warnings, merge
from refsite.scaffold.plan import plan_site
from refsite.scaffold.project import project_files, write_project
from refsite.scaffold.values import Finding, Loaded, SitePlan
from refsite.scaffold.versioned import Versioned

__all__ = ["TRIAL_ROUNDS", "Trial", "settle", "trial_build"]

TRIAL_ROUNDS = 2
"""The most trial builds :func:`settle` runs: the first is clean as a rule, a second
renders what the first showed that the plan's findings missed."""


def trial_build(folder: Path, *, env: Mapping[str, str] | None = None) -> tuple[int, list[str]]:
    """Build the project in ``folder`` once with ``mkdocs build --strict``.

    Returns the exit code and the warning and error lines (the site goes to a
    temporary folder).
    """
    with tempfile.TemporaryDirectory(prefix="refsite-trial-") as site:
        returncode, output = run_mkdocs(
            ["build", "--strict", "--site-dir", site],
            cwd=folder,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
        )
    lines = [
        line
        for line in output.splitlines()
        if line.startswith(("WARNING", "ERROR")) and "Aborted with" not in line
    ]
    if returncode and not lines:
        lines = output.strip().splitlines()[-3:]
    return returncode, lines


@dataclass(frozen=True)
class Trial:
    """How the trial builds of a written project ended."""

    plan: SitePlan
    """The plan last written, with what the builds found."""
    outcome: Literal["clean", "unexplained", "rounds"]
    """``clean``: the last build passed ``--strict`` without a warning;
    ``unexplained``: it warned and neither a docstring nor an object explains
    it; ``rounds``: it still warned after the last round."""
    warnings: tuple[str, ...] = ()
    """The last build's warning and error lines (none when clean)."""
    builds: int = 0
    """How many trial builds ran."""


def settle(
    folder: Path,
    loaded: Loaded,
    plan: SitePlan,
    files: Iterable[str],
    *,
    src: str | None = None,
    versioned: Versioned | None = None,
    found: Sequence[Finding] = (),
    rounds: int = TRIAL_ROUNDS,
    on_built: Callable[[float, Sequence[str]], None] = lambda seconds, warnings: None,
    on_found: Callable[[Sequence[Finding], Mapping[str, str]], None] = lambda found, excluded: None,
) -> Trial:
    """Build the project ``plan`` wrote to ``folder`` until it builds clean.

    The plan's findings (:func:`~refsite.scaffold.findings.audit`) make the
    first build clean as a rule. After a build that warns, what the warnings
    show of docstrings (:func:`~refsite.scaffold.findings.from_warnings`) is
    added to the findings; only a warning that no docstring explains excludes
    the object it comes from (:func:`~refsite.scaffold.culprits.culprits`), with
    the warning as the reason. The project is then written again. ``files``
    are the paths the project was written with, ``src`` its source folder and
    ``versioned`` its releases, as for :func:`project_files`; ``found`` the
    findings the plan was made with beyond its own audit. ``on_built`` is
    called after each build with its seconds and warning lines, ``on_found``
    with each round's new findings and exclusions.

    Raises:
        ScaffoldError: the project cannot be written again.
    """
    excluded: dict[str, str] = {}
    findings = list(found)
    warnings: list[str] = []
    for round_ in range(1, rounds + 1):
        start = time.perf_counter()
        code, warnings = trial_build(folder)
        on_built(time.perf_counter() - start, warnings)
        if code == 0 and not warnings:
            return Trial(plan, "clean", builds=round_)
        shown, rest = from_warnings(loaded.collection, plan, warnings)
        known = {(f.kind, f.target) for f in plan.findings}
        # A fault already rendered that still warns is one the extension cannot
        # render: its object is left out after all, with the warning as the reason.
        rest += [w for f, w in shown if (f.kind, f.target) in known]
        more = [f for f in merge(f for f, _ in shown) if (f.kind, f.target) not in known]
        new = culprits(plan, loaded, rest, base=folder) if rest else {}
        new = {name: reason for name, reason in new.items() if name not in excluded}
        if not (more or new):
            return Trial(plan, "unexplained", tuple(warnings), builds=round_)
        findings += more
        excluded.update(new)
        on_found(more, new)
        plan = plan_site(loaded, exclude=excluded, found=findings)
        written = project_files(plan, src=src, versioned=versioned)
        files = write_project(folder, written, force=True, previous=files)
    return Trial(plan, "rounds", tuple(warnings), builds=rounds)
