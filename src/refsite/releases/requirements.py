"""The project's own pins: the documented package in ``pyproject.toml`` and ``lock.txt``.

A versioned site documents the release that its environment installs: the
``site`` extra of ``pyproject.toml`` pins it exactly, and
``requirements/lock.txt`` pins everything the project installs. Moving to a
new release changes both. This module computes their new text and never
writes: the caller replaces the files together (:mod:`refsite.releases.upgrade`).

The lock is resolved by pip itself (``pip install --dry-run --ignore-installed
--report``), which needs no scratch environment and asks whatever index pip is
configured for, or the ``--find-links`` folder a test passes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from refsite.registry.wheels import pip_reason

__all__ = [
    "RequirementsError",
    "lock_constraints",
    "lock_pins",
    "lock_text",
    "project_requirements",
    "relock",
    "repin",
    "resolve_requirements",
]


class RequirementsError(ValueError):
    """A pin that cannot be found or moved, or a resolution pip refused."""


def _site_pin(text: str, package: str, extra: str, source: str) -> str:
    """The requirement string of ``package`` in the ``extra`` list of a pyproject."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RequirementsError(f"{source}: not valid TOML ({error})") from None
    extras = data.get("project", {}).get("optional-dependencies", {})
    entries = extras.get(extra) if isinstance(extras, dict) else None
    found = []
    for entry in entries or []:
        try:
            requirement = Requirement(str(entry))
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) == canonicalize_name(package):
            found.append((str(entry), requirement))
    if len(found) != 1 or [s.operator for s in found[0][1].specifier] != ["=="]:
        raise RequirementsError(
            f"{source}: the '{extra}' extra must pin {package} exactly once, as "
            f'"{package}==X.Y.Z"'
        )
    return found[0][0]


def repin(text: str, package: str, version: str, *, extra: str = "site", source: str = "") -> str:
    """A pyproject's text with ``package`` pinned to ``version`` in the ``extra`` extra.

    Only that one string changes, so comments and layout stay as they are.

    Raises:
        RequirementsError: no single exact pin to move.
    """
    where = source or "pyproject.toml"
    entry = _site_pin(text, package, extra, where)
    quoted = [f'"{entry}"', f"'{entry}'"]
    if sum(text.count(q) for q in quoted) != 1:
        raise RequirementsError(f"{where}: {entry!r} appears more than once; pin it in one place")
    quote = quoted[0] if quoted[0] in text else quoted[1]
    return text.replace(quote, f"{quote[0]}{package}=={version}{quote[0]}")


def project_requirements(text: str, extras: Iterable[str]) -> list[str]:
    """The requirements a pyproject's project has with ``extras``, as strings.

    Raises:
        RequirementsError: the text is not TOML, or an extra is not declared.
    """
    try:
        project = tomllib.loads(text).get("project", {})
    except tomllib.TOMLDecodeError as error:
        raise RequirementsError(f"pyproject.toml: not valid TOML ({error})") from None
    out = [str(r) for r in project.get("dependencies", [])]
    declared = project.get("optional-dependencies", {})
    for extra in extras:
        if extra not in declared:
            raise RequirementsError(f"pyproject.toml: no optional-dependencies '{extra}'")
        out += [str(r) for r in declared[extra]]
    return out


def resolve_requirements(
    requirements: Sequence[str],
    *,
    constraints: Sequence[str] = (),
    pip_args: Sequence[str] = (),
    python: str = sys.executable,
) -> dict[str, str]:
    """What pip would install for ``requirements`` from nothing: name -> version.

    ``constraints`` are ``name==version`` lines pip must respect; ``pip_args``
    go to pip as they are (a test passes ``--no-index --find-links DIR``).

    Raises:
        RequirementsError: pip found no set of releases that fits (its reason).
    """
    with tempfile.TemporaryDirectory(prefix="refsite-lock-") as folder:
        report = Path(folder) / "report.json"
        wanted = Path(folder) / "requirements.txt"
        wanted.write_text("".join(f"{r}\n" for r in requirements), encoding="utf-8")
        fixed = Path(folder) / "constraints.txt"
        fixed.write_text("".join(f"{c}\n" for c in constraints), encoding="utf-8")
        command = [
            python,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--disable-pip-version-check",
            "--report",
            str(report),
            "--requirement",
            str(wanted),
            "--constraint",
            str(fixed),
            *pip_args,
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0 or not report.is_file():
            reason = pip_reason(result.stderr, result.returncode)
            raise RequirementsError(f"pip cannot resolve the requirements: {reason}")
        data = json.loads(report.read_text(encoding="utf-8"))
    return {
        str(item["metadata"]["name"]): str(item["metadata"]["version"])
        for item in data.get("install", [])
    }


def lock_text(previous: str, pins: dict[str, str]) -> str:
    """``requirements/lock.txt``'s text: its leading comments, then one pin a line.

    Sorted as ``pip freeze`` sorts them, so that a new release changes only
    the lines of what it moved.
    """
    header = []
    for line in previous.splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    body = [f"{name}=={pins[name]}" for name in sorted(pins, key=str.lower)]
    return "\n".join([*header, *body]) + "\n"


def lock_pins(text: str) -> dict[str, str]:
    """The ``name==version`` lines of a lock's text: canonical name -> version."""
    pins: dict[str, str] = {}
    for line in text.splitlines():
        name, _, version = line.partition("==")
        if version and not line.startswith("#"):
            pins[canonicalize_name(name.strip())] = version.strip()
    return pins


def lock_constraints(previous: str, drop: Iterable[str]) -> list[str]:
    """The pins of a lock's text, without those of the ``drop`` packages."""
    dropped = {canonicalize_name(name) for name in drop}
    out = []
    for line in previous.splitlines():
        name = line.partition("==")[0].strip()
        if line.startswith("#") or "==" not in line:
            continue
        if canonicalize_name(name) not in dropped:
            out.append(line.strip())
    return out


def relock(
    pyproject: str,
    previous: str,
    *,
    extras: Sequence[str],
    package: str,
    dependencies: Sequence[str] = (),
    pip_args: Sequence[str] = (),
    python: str = sys.executable,
) -> tuple[str, str]:
    """The new ``requirements/lock.txt`` text for ``pyproject`` and how it was found.

    pip resolves the project's requirements with ``extras`` three ways, the
    first that works wins, so that as few pins as possible move: every other
    pin of ``previous`` kept; then ``dependencies`` (Starlette, httpx) free
    too; then everything free, as ``scripts/lock`` resolves from scratch.

    Raises:
        RequirementsError: pip resolves none of the three (its last reason).
    """
    wanted = project_requirements(pyproject, extras)
    also = ", ".join(dependencies)
    tries: list[tuple[str, list[str] | None]] = [
        (f"other pins kept, {package} moved", [package]),
        (f"other pins kept, {package} and {also} moved", [package, *dependencies]),
        ("every pin resolved again", None),
    ]
    error: RequirementsError | None = None
    if not dependencies:
        del tries[1]
    for how, drop in tries:
        constraints = lock_constraints(previous, drop) if drop is not None else []
        try:
            pins = resolve_requirements(
                wanted, constraints=constraints, pip_args=pip_args, python=python
            )
        except RequirementsError as failed:
            error = failed
            continue
        pins = {n: v for n, v in pins.items() if canonicalize_name(n) != "refsite"}
        return lock_text(previous, pins), how
    raise error or RequirementsError("pip resolved nothing")
