"""What ``refsite init --releases`` adds to a project: releases, their history, a changes page.

A :class:`Versioned` says which releases of the package the site documents
(the refsite plugin's ``releases`` options, resolved into the lock) and where
its API history starts: at the oldest documented release. From it come the
options ``mkdocs.yml`` gains, the *API Changes* page and its entry in the
navigation and in ``navtree.yml``; :mod:`refsite.scaffold.project` puts them
in place. The lock and the history themselves are read from the package
index by the command (:mod:`refsite.cli.scaffold`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.version import InvalidVersion, Version

from refsite.releases.lock import Lock, Selection, minor
from refsite.scaffold.findings import audit, documented_ids, merge, shown
from refsite.scaffold.load import load
from refsite.scaffold.values import Finding, Loaded, SitePlan

__all__ = [
    "CHANGES_PAGE",
    "EXTRAS",
    "FILES",
    "HISTORY_FILE",
    "LOCK_FILE",
    "PYPROJECT",
    "REQUIREMENTS",
    "REQUIREMENTS_HEADER",
    "Versioned",
    "older_findings",
    "parse_releases",
    "pyproject_toml",
    "selection",
]

LOCK_FILE = "releases.lock.json"
"""The releases lock, beside ``mkdocs.yml``."""
HISTORY_FILE = "api-history.json"
"""The API history, beside ``mkdocs.yml``."""
CHANGES_PAGE = "reference/changes.md"
"""The changes page, under ``docs/``."""
PYPROJECT = "pyproject.toml"
"""Its ``site`` extra pins the release the root documents: ``refsite upgrade`` moves it."""
REQUIREMENTS = "requirements/lock.txt"
"""What the site installs, exactly; ``refsite upgrade`` resolves it again."""
REQUIREMENTS_HEADER = (
    "# Exact versions of what the reference installs: pip install -r requirements/lock.txt\n"
    "# (refsite upgrade resolves it again when it moves the site to a new release).\n"
)
EXTRAS = ("site", "dev")
"""The extras of ``pyproject.toml`` that ``requirements/lock.txt`` pins (``refsite
upgrade``'s default)."""
FILES = (f"docs/{CHANGES_PAGE}", LOCK_FILE, HISTORY_FILE, PYPROJECT, REQUIREMENTS)
"""What a versioned project has beyond the others' files."""

Select = int | tuple[str, ...]


def parse_releases(text: str) -> Select:
    """``--releases``' value: a number of minors (``3``) or versions (``8.1,8.2,8.3``).

    Raises:
        ValueError: neither; the message names what is accepted.
    """
    accepted = "give a number of minors (e.g. 3) or versions separated by commas (e.g. 8.1,8.2)"
    text = text.strip()
    if text.isdigit():
        if int(text) < 1:
            raise ValueError(f"{text!r}: at least one release; {accepted}")
        return int(text)
    versions = tuple(v.strip() for v in text.split(","))
    for version in versions:
        try:
            Version(version)
        except InvalidVersion:
            raise ValueError(f"{version!r} is not a release version; {accepted}") from None
    return versions


def selection(
    package: str, select: Select, *, dependencies: tuple[str, ...] = (), newest: str
) -> Selection:
    """The selection ``mkdocs.yml``'s ``releases`` options declare, up to ``newest``.

    ``refsite build --versions`` reads the options back and refuses a lock
    made for others: these are the values the options are written with. A
    list of versions that does not take ``newest`` gets its ``X.Y``: the
    newest documented release is the one the root documents.
    """
    if isinstance(select, tuple) and not any(
        v == minor(newest) or Version(v) == Version(newest) for v in select
    ):
        select = (*select, minor(newest))
    return Selection(package=package, dependencies=dependencies, select=select, newest=newest)


def pyproject_toml(package: str, version: str) -> str:
    """The ``pyproject.toml`` of a versioned site: its ``site`` extra pins ``version``."""
    return f"""\
# What the {package} reference documents: the `site` extra pins the release
# the root of the versioned site documents (the installed one), and
# requirements/lock.txt what that installs. `refsite upgrade` moves both, the
# releases lock and the API history to a new release of {package}: then
# install the new pins and build (refsite build --versions).
[project]
name = {json.dumps(package + "-reference")}
version = "0"

[project.optional-dependencies]
site = [{json.dumps(f"{package}=={version}")}]
# More packages to pin (the site's tools, say): refsite upgrade resolves both extras.
dev = []
"""


def older_findings(loaded: Loaded, plan: SitePlan, sources: Mapping[str, Path]) -> list[Finding]:
    """What the docstrings of older releases get wrong, as the plan's pages render them.

    ``sources`` holds each older release's package folder (its unpacked
    wheel) by version. An older docstring may name an object the site does
    not document in that release (one since removed, one never public): it
    is rendered as code in every release, as the newest's faults are, unless
    the newest release documents it. The build of each release then needs no
    trial of its own. A finding's file is named as in the release:
    ``click-8.1.8/click/core.py``.

    Raises:
        refsite.scaffold.values.ScaffoldError: a release's package cannot be read.
    """
    newest = documented_ids(shown(loaded.collection, plan))
    found: list[Finding] = []
    for version, folder in sources.items():
        older = load(plan.package, src=folder)
        root = folder.resolve()
        for finding in audit(older.collection, plan):
            if finding.kind == "unlinked" and finding.target in newest:
                continue
            file = finding.file
            if file is not None and Path(file).is_relative_to(root):
                file = f"{plan.package}-{version}/{Path(file).relative_to(root).as_posix()}"
            found.append(replace(finding, file=file))
    return merge(found)


@dataclass(frozen=True)
class Versioned:
    """The releases a generated site documents, and where its history starts."""

    package: str
    """The distribution on the package index (``releases.package``)."""
    select: Select
    dependencies: tuple[str, ...]
    since: str
    """The oldest documented release: the history's first (``history.since``)."""

    @classmethod
    def of(cls, lock: Lock) -> Versioned:
        """What ``lock`` documents: its selection, from its oldest release."""
        chosen = lock.selection
        select = chosen.select if isinstance(chosen.select, tuple) else int(chosen.select)
        return cls(chosen.package, select, chosen.dependencies, lock.releases[-1].version)

    def plugin_yml(self, indent: str) -> str:
        """The refsite plugin's ``releases`` and ``history`` options, at ``indent``."""
        if isinstance(self.select, tuple):
            select = "[" + ", ".join(json.dumps(v) for v in self.select) + "]"
        else:
            select = str(self.select)
        lines = [
            "# The releases `refsite build --versions` documents, each under /X.Y/,",
            "# the newest also at the root: `select` is the newest patch of that",
            "# many newest minors, or a list of versions. The lock pins their exact",
            "# wheels; `refsite upgrade` moves it, and the history, to a new release.",
            "releases:",
            f"  package: {json.dumps(self.package)}",
            *([f"  dependencies: {json.dumps(list(self.dependencies))}"] * bool(self.dependencies)),
            f"  select: {select}",
            f"  lock: {LOCK_FILE}",
            "# The public API release by release, from the oldest documented one",
            "# (`refsite history` rereads it): the API Changes page and the",
            '# "Added in" badges on object headings.',
            "history:",
            f"  file: {HISTORY_FILE}",
            f"  since: {json.dumps(self.since)}",
            "  badges: true",
        ]
        return "".join(f"{indent}{line}\n" for line in lines)

    def changes_page(self, package: str) -> str:
        """The changes page: what it lists, then the placeholder the build fills."""
        return (
            "# API Changes\n\n"
            f"What changed in the public API of `{package}` from one release to the next, "
            f"newest release first, from {self.since} up to the release this reference "
            "documents. The public API is the one the [API Coverage](coverage.md) page "
            "counts; each release was read from its published wheel, without installing "
            "it. Entries marked **breaking** can make code written for the older release "
            "fail on the newer one. The same list for any two releases comes from "
            "`refsite changes OLD NEW`.\n\n"
            "<!-- refsite:changes -->\n"
        )
