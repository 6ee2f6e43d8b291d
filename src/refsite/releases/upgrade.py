"""Move a versioned site to the newest release of its package, all files together.

Four files say which release a site documents, and they must agree: the
``site`` extra of ``pyproject.toml`` pins it, ``requirements/lock.txt`` pins
what it installs, the releases lock (:mod:`refsite.releases.lock`) names the
documented releases' wheels, and the API history (:mod:`refsite.history`)
holds every release's public API. :func:`plan_upgrade` compares the lock with
the package index; :func:`upgrade` computes the four new texts, reading only
the releases the history lacks, and replaces the files only once all four
are ready, so a failure at any step leaves every file as it was. A site
whose ``releases.select`` is a list of versions gets the new release's
``X.Y`` in that list too (``mkdocs.yml``, a fifth file): the newest locked
release is the one the root documents.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

from refsite.core.commands import command_text
from refsite.history.changes import format_markdown, history_changes
from refsite.history.model import History, HistoryError, dump_history, load_history
from refsite.history.read import Step, read_history
from refsite.registry.metadata import dependency_specifiers, newest_matching, wheel_metadata
from refsite.registry.wheels import Wheel, available_versions, download
from refsite.releases.lock import (
    Lock,
    LockError,
    Pinned,
    Release,
    Selection,
    lock_json,
    minor,
    select_versions,
)
from refsite.releases.options import add_to_select
from refsite.releases.requirements import lock_pins, repin

__all__ = [
    "Files",
    "Outcome",
    "Plan",
    "check_line",
    "merge_history",
    "plan_upgrade",
    "pr_body",
    "relocked_releases",
    "replace_all",
    "upgrade",
    "with_target",
]

Say = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """Where the lock stands against the package index."""

    package: str
    current: str
    """The newest release the lock documents (the one the site pins)."""
    target: str
    """The newest final release the index offers (old enough, with a cooldown)."""
    newer: tuple[str, ...] = ()
    """Releases on the index newer than ``current``, up to ``target``, oldest first."""
    gone: tuple[str, ...] = ()
    """Locked releases the index no longer offers (yanked or deleted)."""
    waiting: tuple[str, ...] = ()
    """Newer releases left out for now: younger than the cooldown."""
    patches: tuple[str, ...] = ()
    """Releases older than ``current`` that the selection now names and the lock
    lacks: a new patch of a documented minor."""
    added: str = ""
    """The ``X.Y`` of ``target`` that an explicit ``select`` list gains (else empty)."""

    @property
    def is_current(self) -> bool:
        """Nothing to do: no newer release, none gone, no new patch."""
        return not self.newer and not self.gone and not self.patches


@dataclass(frozen=True)
class Files:
    """The four files an upgrade moves together."""

    pyproject: Path
    requirements: Path
    """``requirements/lock.txt``."""
    lock: Path
    """The releases lock."""
    history: Path
    config: Path | None = None
    """``mkdocs.yml``: rewritten only when an explicit ``select`` list gains a minor."""

    def all(self) -> list[Path]:
        """The files, in the order they are replaced."""
        return [self.history, self.lock, self.requirements, self.pyproject] + (
            [self.config] if self.config else []
        )


@dataclass
class Outcome:
    """What an upgrade did."""

    plan: Plan
    lock: Lock
    read: list[str] = field(default_factory=list)
    """The releases whose API was read (the ones the history lacked)."""
    dropped: list[str] = field(default_factory=list)
    """Releases taken out of the history, as the index no longer offers them."""
    seconds: float = 0.0


def plan_upgrade(
    lock: Lock,
    available: Sequence[str],
    *,
    uploaded: Mapping[str, float] | None = None,
    min_age_hours: float = 0.0,
    now: float | None = None,
) -> Plan:
    """Compare ``lock`` with the final releases the index offers (``available``).

    With ``min_age_hours``, a release is taken only once it has been on the
    index that long (``uploaded``: version -> upload time, seconds since the
    epoch; a release with no known time is taken).

    Raises:
        refsite.releases.lock.LockError: the selection names a release the index lacks.
    """
    package = lock.selection.package
    current = lock.selection.newest or (lock.releases[0].version if lock.releases else "0")
    finals = sorted({Version(v) for v in available if not Version(v).is_prerelease})
    offered = {str(v) for v in finals}
    gone = tuple(r.version for r in reversed(lock.releases) if r.version not in offered)
    cutoff = (now if now is not None else time.time()) - min_age_hours * 3600
    newer: list[str] = []
    waiting: list[str] = []
    for version in (str(v) for v in finals if v > Version(current)):
        at = (uploaded or {}).get(version)
        young = min_age_hours > 0 and at is not None and at > cutoff
        (waiting if young else newer).append(version)
    old_enough = [str(v) for v in finals if str(v) not in waiting]
    target = newer[-1] if newer else (old_enough[-1] if gone and old_enough else current)
    locked = {r.version for r in lock.releases}
    selection = with_target(lock.selection, target)
    added = minor(target) if selection.select != lock.selection.select else ""
    chosen = select_versions(old_enough, selection)
    patches = tuple(sorted((v for v in chosen if v not in locked and v not in newer), key=Version))
    return Plan(package, current, target, tuple(newer), gone, tuple(waiting), patches, added)


def with_target(selection: Selection, target: str) -> Selection:
    """``selection`` up to ``target``; an explicit list without it gets its ``X.Y``.

    The newest documented release is the one the root documents (and whose
    coverage gates the build), so a list that named only older minors would
    leave the root's release out of the lock.
    """
    select = selection.select
    if isinstance(select, tuple) and not any(
        v == minor(target) or Version(v) == Version(target) for v in select
    ):
        select = (*select, minor(target))
    return replace(selection, select=select, newest=target)


def check_line(plan: Plan, *, root: Path | None = None) -> str:
    """One line saying how the lock stands (what ``refsite upgrade --check`` prints).

    ``root``: the site's folder, which says what to run (:func:`command_text`).
    """
    if plan.is_current:
        waiting = (
            f" ({', '.join(plan.waiting)} not old enough yet for the cooldown)"
            if plan.waiting
            else ""
        )
        return f"{plan.package} {plan.current} is the newest release on the index{waiting}"
    parts = []
    if plan.newer:
        parts.append(
            f"{plan.package} {', '.join(plan.newer)} "
            f"{'is' if len(plan.newer) == 1 else 'are'} newer than the locked {plan.current}"
            + (f" ({plan.added} joins releases.select)" if plan.added else "")
        )
    if plan.patches:
        parts.append(
            f"{plan.package} {', '.join(plan.patches)}, newer patch(es) of documented "
            "minors, not in the lock"
        )
    if plan.gone:
        parts.append(
            f"{plan.package} {', '.join(plan.gone)} in the lock "
            f"{'is' if len(plan.gone) == 1 else 'are'} no longer on the index"
        )
    return "; ".join(parts) + f": run {command_text(root, 'refsite upgrade')}"


def merge_history(history: History, new: History, gone: Sequence[str]) -> History:
    """``history`` with ``new``'s releases added and the ``gone`` releases taken out."""
    pairs = {r.version: (r, s) for r, s in zip(history.releases, history.snapshots, strict=True)}
    pairs.update({r.version: (r, s) for r, s in zip(new.releases, new.snapshots, strict=True)})
    for version in gone:
        pairs.pop(version, None)
    ordered = [pairs[v] for v in sorted(pairs, key=Version)]
    skipped = {**history.skipped, **new.skipped}
    return replace(
        history,
        releases=[r for r, _ in ordered],
        snapshots=[s for _, s in ordered],
        notes=new.notes or history.notes,
        skipped={v: why for v, why in skipped.items() if v not in pairs and v not in gone},
    )


def upgrade(
    plan: Plan,
    files: Files,
    *,
    lock: Lock,
    available: Sequence[str],
    relock: Callable[[str], str],
    wheels_dir: Path,
    history_cache: Path,
    preload: Sequence[str] | None = None,
    get: Callable[[str, str, Path], Wheel] = download,
    versions_of: Callable[[str], list[str]] = available_versions,
    say: Say = lambda text: None,
    on_release: Callable[[Step], None] = lambda step: None,
) -> Outcome:
    """Move the four files to ``plan.target`` together; none changes if a step fails.

    ``lock`` is the current releases lock; ``available`` the package's
    releases on the index. ``relock`` turns the new ``pyproject.toml`` text
    into the new ``requirements/lock.txt`` text. ``preload``: the packages the
    history reads with each release (default: those its newest release was
    read with). ``on_release`` hears of each release read into the history.

    Raises:
        refsite.releases.lock.LockError: the releases cannot be resolved.
        refsite.registry.wheels.WheelError: a wheel cannot be listed or fetched.
        refsite.history.model.HistoryError: the history file is unusable.
        refsite.releases.requirements.RequirementsError: a pin cannot be moved.
    """
    start = time.perf_counter()
    package = plan.package
    say(f"step 1/4: pyproject.toml pins {package} {plan.target} (was {plan.current})")
    pyproject = repin(
        files.pyproject.read_text(encoding="utf-8"),
        package,
        plan.target,
        source=str(files.pyproject),
    )
    say("step 2/4: requirements/lock.txt: resolving what the project installs")
    requirements = relock(pyproject)

    say(f"step 3/4: releases lock: the documented releases of {package} up to {plan.target}")
    config: dict[Path, str] = {}
    if plan.added:
        if files.config is None:
            raise LockError(f"releases.select lacks {plan.added}: no mkdocs.yml to add it to")
        config[files.config] = add_to_select(
            files.config.read_text(encoding="utf-8"), plan.added, source=str(files.config)
        )
        say(f"  releases.select in {files.config.name} gains {plan.added}: the root documents it")
    new_lock = relocked_releases(
        replace(lock, selection=with_target(lock.selection, plan.target)),
        available,
        plan.target,
        pins=lock_pins(requirements),
        folder=wheels_dir / "files",
        get=get,
        versions_of=versions_of,
        say=lambda text: say(f"  {text}"),
    )

    merged, missing, dropped = _grown_history(
        files.history, plan, available, preload, history_cache, say, on_release
    )

    replace_all(
        {
            files.history: dump_history(merged),
            files.lock: lock_json(new_lock),
            files.requirements: requirements,
            files.pyproject: pyproject,
            **config,
        }
    )
    return Outcome(
        plan, new_lock, read=missing, dropped=dropped, seconds=time.perf_counter() - start
    )


def _grown_history(
    path: Path,
    plan: Plan,
    available: Sequence[str],
    preload: Sequence[str] | None,
    cache: Path,
    say: Say,
    on_release: Callable[[Step], None],
) -> tuple[History, list[str], list[str]]:
    """The history file's history with the releases it lacks read, and those gone dropped."""
    history = load_history(path)
    package = plan.package
    if preload is None:
        # Read new releases with what the history read the last one with.
        preload = [s[0] for s in history.releases[-1].sources[1:]] if history.releases else []
    have = set(history.versions())
    first = Version(history.versions()[0]) if have else Version(plan.target)
    top = Version(plan.target)
    missing = [
        v
        for v in sorted(set(available), key=Version)
        if not Version(v).is_prerelease and first <= Version(v) <= top and v not in have
    ]
    dropped = [v for v in plan.gone if v in have]
    say(
        f"step 4/4: API history: reading the {len(missing)} release(s) it lacks"
        + (f" ({', '.join(missing)})" if missing else "")
        + (f", dropping {', '.join(dropped)}" if dropped else "")
    )
    new = read_history(package, missing, preload=preload, cache=cache, progress=on_release)
    if plan.target in new.skipped:
        raise HistoryError(f"{package} {plan.target}: {new.skipped[plan.target]}")
    merged = merge_history(history, new, plan.gone)
    return merged, missing, dropped


def relocked_releases(
    lock: Lock,
    available: Sequence[str],
    newest: str,
    *,
    pins: Mapping[str, str],
    folder: Path,
    get: Callable[[str, str, Path], Wheel] = download,
    versions_of: Callable[[str], list[str]] = available_versions,
    say: Say = lambda text: None,
) -> Lock:
    """The releases lock for ``newest``: the releases the selection now names.

    A release the lock has keeps its wheels as they are, so its folder of the
    site stays the same. A new one gets each dependency at the version the
    project pins (``pins``, from ``requirements/lock.txt``) when its
    requirements allow it, else at the newest they allow: the newest release
    is then rendered from exactly what the environment installs.

    Raises:
        refsite.releases.lock.LockError: a dependency has no release that fits.
        refsite.registry.wheels.WheelError: a wheel cannot be listed or fetched.
    """
    selection = replace(lock.selection, newest=newest)
    versions = select_versions(available, selection)
    kept = {r.version: r for r in lock.releases}
    releases = []
    for version in versions:
        if version in kept:
            releases.append(kept[version])
            continue
        wheel = get(selection.package, version, folder)
        text = wheel_metadata(wheel)
        wheels = [wheel]
        for dependency in selection.dependencies:
            spec = dependency_specifiers(text, dependency)
            pinned = pins.get(canonicalize_name(dependency))
            if pinned is None or (spec is not None and not spec.contains(pinned)):
                pinned = newest_matching(versions_of(dependency), spec)
            if pinned is None:
                raise LockError(
                    f"{selection.package} {version} requires {dependency}{spec or ''}: "
                    "no such release on the package index"
                )
            wheels.append(get(dependency, pinned, folder))
        say(
            f"{selection.package} {version}: "
            + ", ".join(f"{w.name} {w.version}" for w in wheels[1:])
        )
        releases.append(Release(version, tuple(_pinned(w) for w in wheels)))
    new_ones = [v for v in versions if v not in kept]
    left = [v for v in kept if v not in versions]
    say(
        f"{len(versions)} release(s): {len(versions) - len(new_ones)} kept as locked, "
        f"{len(new_ones)} new" + (f"; {', '.join(left)} left out" if left else "")
    )
    return Lock(selection=selection, releases=tuple(releases))


def _pinned(wheel: Wheel) -> Pinned:
    return Pinned(wheel.name, wheel.version, wheel.filename, wheel.sha256)


# Swapped by tests to fail part of the way through.
_replace = os.replace


def replace_all(contents: Mapping[Path, str]) -> None:
    """Write every file of ``contents``, all or none.

    Each new text goes to a temporary file beside its target first; then the
    targets are replaced one by one, each old file kept under a hard link
    until all are in place. If a replacement fails, those already made are
    undone and the temporary files removed.
    """
    temps: dict[Path, Path] = {}
    backups: dict[Path, Path] = {}
    done: list[Path] = []
    try:
        for path, text in contents.items():
            temp = path.with_name(f".{path.name}.upgrade-new")
            temp.write_text(text, encoding="utf-8")
            temps[path] = temp
        for path in contents:
            if path.exists():
                backup = path.with_name(f".{path.name}.upgrade-old")
                backup.unlink(missing_ok=True)
                os.link(path, backup)
                backups[path] = backup
        for path, temp in temps.items():
            _replace(temp, path)
            done.append(path)
    except BaseException:
        for path in reversed(done):
            if path in backups:
                os.replace(backups.pop(path), path)
            else:
                path.unlink(missing_ok=True)
        raise
    finally:
        for leftover in [*temps.values(), *backups.values()]:
            leftover.unlink(missing_ok=True)


def pr_body(
    history: History, old: str, new: str, *, checks: Sequence[str] = (), label: str = ""
) -> str:
    """The Markdown body of the pull request that moves a site from ``old`` to ``new``.

    The API changes of every release after ``old`` up to ``new``, as the
    site's changes page lists them (newest first, breaking changes first in
    each release), then ``checks``, one line each.

    Raises:
        refsite.history.model.HistoryError: the history lacks ``old`` or ``new``.
    """
    versions = history.versions()
    for version in (old, new):
        history.snapshot(version)  # says which one the history lacks
    low, high = versions.index(old), versions.index(new)
    if high <= low:
        raise HistoryError(f"{new} is not a release after {old} in the history")
    part = replace(
        history,
        releases=history.releases[low : high + 1],
        snapshots=history.snapshots[low : high + 1],
    )
    changes = history_changes(part)
    name = label or history.package
    count = sum(len(r.changes) for r in changes)
    breaking = sum(c.breaking for r in changes for c in r.changes)
    lines = [
        f"Moves the reference from {name} {old} to {new}: the `site` pin in "
        "pyproject.toml, requirements/lock.txt, the releases lock and the API history "
        "(written by `refsite upgrade`).",
        "",
        f"## API changes ({count} in {len(changes)} release(s), {breaking} breaking)",
        "",
        format_markdown(changes, package=history.package, level=3).rstrip(),
    ]
    if checks:
        lines += ["", "## Checks", "", *(f"- {line}" for line in checks)]
    return "\n".join(lines) + "\n"
