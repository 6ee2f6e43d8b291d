"""The public API of a package, release by release, as data.

A *snapshot* is the public API of one release, read statically with griffe
by :func:`refsite.checks.coverage.public_api` (the definition the coverage check
uses), as plain data: one record per public object, keyed by the shortest
public name users import it under, plus one record per public member that a
public class defines itself (``fastapi.FastAPI.get``). A record keeps what a
reader of the API depends on: kind, canonical path, import names, parameters
(name, kind, annotation, default), return annotation, bases, and deprecations.

Annotations are kept without ``Annotated[...]`` metadata: FastAPI documents
every parameter in a ``Doc(...)`` there, and a reworded docstring is not an API
change. A ``deprecated(...)`` in that metadata marks the parameter deprecated;
a ``@deprecated(...)`` decorator (``typing_extensions``/``warnings``) marks the
object. Warnings raised in function bodies are not read: they are usually
conditional on an argument, and griffe does not see bodies.

A *history* is the snapshots of consecutive releases. It is stored compactly:
for each key, the runs of releases over which its record stays the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import griffe

from refsite.checks.coverage import load_packages, public_api

__all__ = [
    "FORMAT",
    "History",
    "HistoryError",
    "Release",
    "Since",
    "Snapshot",
    "dump_history",
    "history_from_data",
    "history_to_data",
    "load_history",
    "match_keys",
    "read_snapshot",
    "since",
]

FORMAT = "refsite-api-history/1"

Snapshot = dict[str, dict[str, Any]]
"""Public key -> record of one release's public API."""

# Parameter kinds, short: they repeat thousands of times in the data file.
KINDS = {
    griffe.ParameterKind.positional_only: "/",
    griffe.ParameterKind.positional_or_keyword: "",
    griffe.ParameterKind.var_positional: "*",
    griffe.ParameterKind.keyword_only: "kw",
    griffe.ParameterKind.var_keyword: "**",
}


class HistoryError(ValueError):
    """A history file or request that cannot be used; the message says what to change."""


@dataclass(frozen=True)
class Release:
    """One release in a history, and exactly what was read for it."""

    version: str
    sources: tuple[tuple[str, str, str], ...] = ()
    """(distribution, version, wheel sha256) of every wheel read for it."""


@dataclass
class History:
    """The public API of consecutive releases of one package, oldest first."""

    package: str
    releases: list[Release]
    snapshots: list[Snapshot]
    notes: str = ""
    """How the history was read (for example, which Starlette each release got)."""

    def versions(self) -> list[str]:
        """The release versions, oldest first."""
        return [r.version for r in self.releases]

    def snapshot(self, version: str) -> Snapshot:
        """The snapshot of ``version``.

        Raises:
            HistoryError: the history has no such release.
        """
        for release, snapshot in zip(self.releases, self.snapshots, strict=True):
            if release.version == version:
                return snapshot
        raise HistoryError(
            f"{self.package} {version} is not in the history "
            f"({self.releases[0].version} to {self.releases[-1].version})"
            if self.releases
            else f"{self.package} {version}: the history is empty"
        )


# --- Reading one release -------------------------------------------------------


def read_snapshot(
    packages: Sequence[str],
    *,
    preload: Sequence[str] = (),
    search_paths: Sequence[Path] | None = None,
) -> Snapshot:
    """The public API of ``packages`` as found on ``search_paths``, as a snapshot.

    Raises:
        refsite.checks.coverage.CoverageError: a package cannot be found.
    """
    collection = load_packages(
        packages, preload=preload, search_paths=search_paths
    ).modules_collection
    objects = public_api(collection, packages)
    snapshot: Snapshot = {}
    for obj in objects:
        try:
            target = collection.get_member(obj.path)
        except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            target = None
        if isinstance(target, griffe.Alias):
            try:
                target = target.final_target
            except (griffe.AliasResolutionError, griffe.CyclicAliasError):
                target = None
        if target is None:
            # Re-exported from a package that was not read: its name is all we know.
            snapshot[obj.name] = {"kind": "alias", "path": obj.path, "names": list(obj.names)}
            continue
        record = _record(target)
        record["names"] = list(obj.names)
        snapshot[obj.name] = record
        if isinstance(target, griffe.Class):
            inherited = _inherited_names(target)
            if inherited:
                record["inherits"] = inherited
            for name, member in target.members.items():
                if member.is_alias or not member.is_public or name.startswith("_"):
                    continue
                if isinstance(member, griffe.Function | griffe.Attribute):
                    snapshot[f"{obj.name}.{name}"] = _record(member)
    return snapshot


def _inherited_names(cls: griffe.Class) -> list[str]:
    """Public members a class inherits from bases griffe could read (not ``object``'s)."""
    try:
        members = cls.inherited_members
    except (griffe.AliasResolutionError, griffe.CyclicAliasError, ValueError):
        return []
    return sorted(n for n, m in members.items() if not n.startswith("_") and n not in cls.members)


def _record(obj: griffe.Object) -> dict[str, Any]:
    record: dict[str, Any] = {"kind": obj.kind.value, "path": obj.path}
    parameters: griffe.Parameters | None = None
    if isinstance(obj, griffe.Function):
        parameters = obj.parameters
        if obj.returns is not None:
            record["returns"] = _annotation(obj.returns)[0]
        if "property" in obj.labels:
            record["kind"] = "property"
    elif isinstance(obj, griffe.Class):
        parameters = obj.parameters
        bases = [_base(b) for b in obj.bases]
        if bases:
            record["bases"] = bases
    elif isinstance(obj, griffe.Attribute) and obj.annotation is not None:
        record["annotation"] = _annotation(obj.annotation)[0]
    if parameters is not None:
        params, deprecated = _parameters(
            parameters, method=obj.is_class or bool(obj.parent and obj.parent.is_class)
        )
        record["params"] = params
        if deprecated:
            record["deprecated_params"] = deprecated
    message = _deprecation(obj)
    if message is not None:
        record["deprecated"] = message
    return record


def _parameters(
    parameters: griffe.Parameters, *, method: bool
) -> tuple[list[list[Any]], dict[str, str]]:
    out: list[list[Any]] = []
    deprecated: dict[str, str] = {}
    for index, param in enumerate(parameters):
        if method and index == 0 and param.name in {"self", "cls"}:
            continue
        annotation, message = _annotation(param.annotation)
        default = None if param.default is None else str(param.default)
        out.append(
            [
                param.name,
                KINDS[param.kind or griffe.ParameterKind.positional_or_keyword],
                annotation,
                default,
            ]
        )
        if message is not None:
            deprecated[param.name] = message
    return out, deprecated


def _annotation(value: str | griffe.Expr | None) -> tuple[str | None, str | None]:
    """An annotation without its ``Annotated`` metadata, and a deprecation found there."""
    if value is None:
        return None, None
    if (
        isinstance(value, griffe.ExprSubscript)
        and _name(value.left).rsplit(".", 1)[-1] == "Annotated"
        and isinstance(value.slice, griffe.ExprTuple)
        and value.slice.elements
    ):
        first, *metadata = value.slice.elements
        message = next(
            (m for m in (_deprecated_call(item) for item in metadata) if m is not None), None
        )
        return _spelling(first), message
    return _spelling(value), None


# Old spellings of the same type: rewriting ``Optional[str]`` as ``str | None``
# across a code base is not an API change.
_BUILTIN_GENERICS = {
    "List": "list",
    "Dict": "dict",
    "Set": "set",
    "FrozenSet": "frozenset",
    "Tuple": "tuple",
    "Type": "type",
}


_QUALIFIED = re.compile(r"\b(?:typing_extensions|typing|collections\.abc)\.(?=\w)")


def _spelling(expr: str | griffe.Expr) -> str:
    """One spelling of a type expression: PEP 604 unions, builtin generics, bare names.

    ``typing.Any`` and ``Any`` are one type: Starlette switched from one to
    the other without changing its API. So are ``"URL"`` and ``URL``.
    """
    text = _spelled(expr)
    # A forward reference written as a string is the same type: 'URL' is URL.
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return _QUALIFIED.sub("", text)


def _spelled(expr: str | griffe.Expr) -> str:
    if isinstance(expr, griffe.ExprSubscript):
        name = _name(expr.left).rsplit(".", 1)[-1]
        items = (
            list(expr.slice.elements) if isinstance(expr.slice, griffe.ExprTuple) else [expr.slice]
        )
        if name == "Optional" and len(items) == 1:
            return _union([_spelling(items[0]), "None"])
        if name == "Union":
            return _union([_spelling(i) for i in items])
        left = _BUILTIN_GENERICS.get(name, str(expr.left))
        return f"{left}[{', '.join(_spelling(i) for i in items)}]"
    if isinstance(expr, griffe.ExprBinOp) and expr.operator == "|":
        return _union([_spelling(expr.left), _spelling(expr.right)])
    if isinstance(expr, griffe.ExprList):
        return f"[{', '.join(_spelling(e) for e in expr.elements)}]"
    return str(expr)


def _union(parts: list[str]) -> str:
    """A union with ``None`` last, each member once."""
    members: list[str] = []
    for part in parts:
        for member in part.split(" | ") if "[" not in part else [part]:
            if member not in members:
                members.append(member)
    if "None" in members:
        members.remove("None")
        members.append("None")
    return " | ".join(members)


def _name(expr: str | griffe.Expr) -> str:
    if isinstance(expr, griffe.ExprName | griffe.ExprAttribute):
        return expr.canonical_path
    return str(expr)


def _deprecated_call(expr: str | griffe.Expr) -> str | None:
    """The message of a ``deprecated("...")`` call expression, else None."""
    if not isinstance(expr, griffe.ExprCall):
        return None
    if _name(expr.function).rsplit(".", 1)[-1] != "deprecated":
        return None
    if not expr.arguments:
        return ""
    return _message(str(expr.arguments[0]))


def _message(literal: str) -> str:
    """A string literal's text on one line (quotes and indentation dropped)."""
    text = literal.strip()
    for quote in ('"""', "'''", '"', "'"):
        if len(text) >= 2 * len(quote) and text.startswith(quote) and text.endswith(quote):
            text = text[len(quote) : -len(quote)]
            break
    text = text.replace("\\n", "\n")
    return " ".join(text.split())


def _deprecation(obj: griffe.Object) -> str | None:
    for decorator in getattr(obj, "decorators", ()):
        message = _deprecated_call(decorator.value)
        if message is not None:
            return message
    return None


def _base(base: str | griffe.Expr) -> str:
    if isinstance(base, griffe.ExprName | griffe.ExprAttribute):
        return base.canonical_path
    return _spelling(base)


# --- Matching objects across releases ------------------------------------------


def match_keys(old: Snapshot, new: Snapshot) -> dict[str, str]:
    """New key -> old key for every object of ``new`` that ``old`` had.

    The same key matches. A top-level object whose shortest public name
    changed matches when it shares a public name or its canonical path with
    an old object that is otherwise unmatched; its members follow it.
    """
    matched = {key: key for key in new if key in old}
    old_left = {k for k in old if k not in new and "names" in old[k]}
    renamed: dict[str, str] = {}
    for key in sorted(k for k in new if k not in old and "names" in new[k]):
        record = new[key]
        names = set(record["names"])
        for candidate in sorted(old_left):
            former = old[candidate]
            if names & set(former["names"]) or former["path"] == record["path"]:
                renamed[key] = candidate
                old_left.discard(candidate)
                break
    matched.update(renamed)
    for key in new:
        if key in matched:
            continue
        parent, _, member = key.rpartition(".")
        if parent in renamed and f"{renamed[parent]}.{member}" in old:
            matched[key] = f"{renamed[parent]}.{member}"
    return matched


# --- What each object has had since when -----------------------------------------


@dataclass
class Since:
    """When the objects of a history's last release appeared, and were deprecated."""

    first: str
    """The first release of the history: what it has is "there at ``first`` or earlier"."""
    added: dict[str, str] = field(default_factory=dict)
    """Key -> the release it appeared in (``first`` when it was already there)."""
    parameters: dict[str, dict[str, str]] = field(default_factory=dict)
    """Key -> parameter -> the release it was added in, for parameters added after the object."""
    deprecated: dict[str, str] = field(default_factory=dict)
    """Key -> the release that deprecated it."""
    deprecated_parameters: dict[str, dict[str, str]] = field(default_factory=dict)
    """Key -> parameter -> the release that deprecated it."""


def since(history: History) -> Since:
    """When each object (and parameter) of the last release appeared or was deprecated.

    Each object is followed back from the last release while it is matched
    (:func:`match_keys`); what it has (a parameter, a deprecation) dates from
    the oldest release of the unbroken run that has it.
    """
    if not history.releases:
        return Since(first="")
    versions = history.versions()
    result = Since(first=versions[0])
    last = history.snapshots[-1]
    # Each key of the last release, followed back: its records, newest first.
    chains: dict[str, list[dict[str, Any]]] = {key: [] for key in last}
    current = {key: key for key in last}
    for index in range(len(history.snapshots) - 1, -1, -1):
        snapshot = history.snapshots[index]
        for key, at in current.items():
            chains[key].append(snapshot[at])
        if index:
            back = match_keys(history.snapshots[index - 1], snapshot)
            current = {key: back[at] for key, at in current.items() if at in back}
    newest = len(versions) - 1
    for key, chain in chains.items():
        result.added[key] = versions[newest - len(chain) + 1]
        # Most objects stay the same for many releases: look at each record
        # once per run of equal ones, not once per release.
        runs = _runs(chain)
        run = _run_of("deprecated", [(r.keys(), length) for r, length in runs])
        if run:
            result.deprecated[key] = versions[newest - run + 1]
        params = [({p[0] for p in r.get("params", [])}, length) for r, length in runs]
        for name, *_ in chain[0].get("params", []):
            run = _run_of(name, params)
            if run < len(chain):
                result.parameters.setdefault(key, {})[name] = versions[newest - run + 1]
        deprecated = [(r.get("deprecated_params", {}).keys(), length) for r, length in runs]
        for name in chain[0].get("deprecated_params", {}):
            run = _run_of(name, deprecated)
            result.deprecated_parameters.setdefault(key, {})[name] = versions[newest - run + 1]
    return result


def _runs(chain: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], int]]:
    """The chain as (record, how many releases in a row have it)."""
    runs: list[tuple[dict[str, Any], int]] = []
    for record in chain:
        if runs and (runs[-1][0] is record or runs[-1][0] == record):
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((record, 1))
    return runs


def _run_of(name: str, runs: Sequence[tuple[Collection[str], int]]) -> int:
    """How many releases from the newest on have ``name`` in their collection, without a break."""
    count = 0
    for names, length in runs:
        if name not in names:
            break
        count += length
    return count


# --- Storing a history -------------------------------------------------------------


def history_to_data(history: History) -> dict[str, Any]:
    """A history as plain data: each key's records as runs of identical releases."""
    objects: dict[str, list[list[Any]]] = {}
    for index, snapshot in enumerate(history.snapshots):
        for key in set(snapshot) | set(objects):
            record = snapshot.get(key)
            runs = objects.setdefault(key, [])
            if not runs:
                if record is not None:
                    runs.append([index, record])
                continue
            if runs[-1][1] != record:
                runs.append([index, record])
    return {
        "format": FORMAT,
        "package": history.package,
        "notes": history.notes,
        "releases": [[r.version, [list(s) for s in r.sources]] for r in history.releases],
        "objects": dict(sorted(objects.items())),
    }


def history_from_data(data: Any, *, source: str = "<history>") -> History:
    """The inverse of :func:`history_to_data`.

    Raises:
        HistoryError: the data is not a history of this format.
    """
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise HistoryError(f"{source}: not a {FORMAT} file; regenerate it with scripts/lock")
    try:
        releases = [
            Release(version=str(v), sources=tuple((str(a), str(b), str(c)) for a, b, c in s))
            for v, s in data["releases"]
        ]
        snapshots: list[Snapshot] = [{} for _ in releases]
        for key, runs in data["objects"].items():
            bounds = [int(start) for start, _ in runs] + [len(releases)]
            for (start, record), end in zip(runs, bounds[1:], strict=True):
                if record is not None:
                    for index in range(int(start), end):
                        snapshots[index][key] = record
        return History(
            package=str(data["package"]),
            releases=releases,
            snapshots=snapshots,
            notes=str(data.get("notes", "")),
        )
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise HistoryError(f"{source}: malformed history ({error!r}); regenerate it") from None


def dump_history(history: History) -> str:
    """A history as compact JSON, one object's runs per line (small diffs in git)."""
    data = history_to_data(history)
    objects = data.pop("objects")
    head = json.dumps(data, separators=(",", ":"), sort_keys=True)
    lines = [
        f"{json.dumps(key)}:{json.dumps(runs, separators=(',', ':'), sort_keys=True)}"
        for key, runs in objects.items()
    ]
    return head[:-1] + ',"objects":{\n' + ",\n".join(lines) + "\n}}\n"


def load_history(path: Path) -> History:
    """Read a history file written by :func:`dump_history`.

    Raises:
        HistoryError: the file is missing or not a history.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise HistoryError(
            f"{path}: cannot read the history ({error.strerror}); generate it with scripts/lock"
        ) from None
    except ValueError as error:
        raise HistoryError(f"{path}: not valid JSON ({error}); regenerate it") from None
    return history_from_data(data, source=str(path))


def snapshots_of(history: History, versions: Iterable[str]) -> list[Snapshot]:
    """The snapshots of ``versions``, in that order."""
    return [history.snapshot(v) for v in versions]
