"""One release's public API as data: the snapshot, and reading it with griffe.

A *snapshot* is the public API of one release, read statically with griffe
by :func:`refsite.checks.coverage.public_api` (the definition the coverage check
uses), as plain data: one record per public object, keyed by the shortest
public name users import it under, plus one record per public member that a
public class defines itself (``fastapi.FastAPI.get``). A record keeps what a
reader of the API depends on: kind, canonical path, import names, parameters
(name, kind, annotation, default), return annotation, bases, and deprecations.

Public modules get a record too (kind ``module``), under their path, and so
does a module the package re-exports (``fastapi.status``, Starlette's
``starlette.status``), with one record per public member of it
(``fastapi.status.HTTP_418_IM_A_TEAPOT``): the site documents them, and they
are dated like any object. These records carry no import names: they are not
public objects as coverage counts them.

Annotations are kept without ``Annotated[...]`` metadata: FastAPI documents
every parameter in a ``Doc(...)`` there, and a reworded docstring is not an API
change. A ``deprecated(...)`` in that metadata marks the parameter deprecated;
a ``@deprecated(...)`` decorator (``typing_extensions``/``warnings``) marks the
object. Warnings raised in function bodies are not read: they are usually
conditional on an argument, and griffe does not see bodies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import griffe

from refsite.checks.coverage import load_packages, public_api

__all__ = ["KINDS", "Snapshot", "read_snapshot"]

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
    for package in packages:
        for key, record in _modules(collection.get_member(package), package):
            snapshot.setdefault(key, record)
    return snapshot


def _modules(module: griffe.Module, top: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(key, record) of a module, its public submodules and the modules it re-exports.

    Submodules are those coverage reads (none under a private name); a
    re-exported module's own submodules are not followed.
    """
    yield module.path, {"kind": "module", "path": module.path}
    for name, member in module.members.items():
        if name.startswith("_"):
            continue
        if not member.is_alias:
            if member.is_module:
                yield from _modules(member, top)  # type: ignore[arg-type]
            continue
        target = _final(member) if member.is_public else None
        if not isinstance(target, griffe.Module):
            continue
        key = f"{module.path}.{name}"
        if target.path.split(".")[0] != top:
            yield key, {"kind": "module", "path": target.path}
            yield from _reexported(target, key)
        elif target.path == key:
            # ``from . import sub as sub``: the submodule itself, under its own name.
            yield from _modules(target, top)
        # Else a module of the package under a second name: recorded once, as itself.


def _reexported(module: griffe.Module, key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The public members of a module the package re-exports, under the name it gives it."""
    for name, member in module.members.items():
        if name.startswith("_") or not member.is_public or member.is_module:
            continue
        target = _final(member)
        if target is not None and not target.is_module:
            yield f"{key}.{name}", _record(target)
    # Starlette keeps the names it deprecated in a ``__deprecated__`` dict that
    # the module's ``__getattr__`` serves with a warning: still importable,
    # though griffe sees no member by that name.
    served = module.members.get("__deprecated__")
    if "__getattr__" in module.members and isinstance(served, griffe.Attribute):
        value = served.value
        if isinstance(value, griffe.ExprDict):
            for literal in value.keys:
                name = _message(str(literal))
                if name.isidentifier() and name not in module.members:
                    path = f"{module.path}.{name}"
                    yield f"{key}.{name}", {"kind": "attribute", "path": path, "deprecated": ""}


def _final(member: griffe.Object | griffe.Alias) -> griffe.Object | None:
    """What a member is, through aliases; None when that cannot be read."""
    if not isinstance(member, griffe.Alias):
        return member
    try:
        return member.final_target
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


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
