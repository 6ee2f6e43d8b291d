"""Explain why a page's ``:::`` directive cannot be rendered.

mkdocstrings reports a failed directive as "could not be found" whatever the
cause; griffe mentions a syntax error in the source only at debug level. When
a build fails on a page, this module finds the page's identifiers and says,
for each one that cannot be collected, which file is at fault and what to
change: a misspelt identifier, a package that is not on the search paths, or a
module with a syntax error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import griffe

__all__ = ["diagnose", "find_identifiers"]

# mkdocstrings' own directive syntax: an optional heading marker, then ":::".
_DIRECTIVE = re.compile(r"^(?:#{1,6} *)?::: ?(?P<name>\S+?) *$", re.MULTILINE)


def find_identifiers(markdown: str) -> list[str]:
    """The identifiers of the ``:::`` directives of a page, in order."""
    return [m["name"] for m in _DIRECTIVE.finditer(markdown)]


def diagnose(identifier: str, search_paths: Sequence[Path]) -> str | None:
    """Why ``identifier`` cannot be collected, or None when it can.

    The message names the file at fault (when there is one) and what to change.
    """
    finder = griffe.ModuleFinder(search_paths=list(search_paths))
    top = identifier.split(".", 1)[0]
    try:
        _, package = finder.find_spec(top, try_relative_path=False)
    except ModuleNotFoundError:
        paths = ", ".join(str(p) for p in search_paths[:3])
        return (
            f"no package {top!r} on the search paths ({paths}, ...): fix the identifier, "
            "install the package, or add its folder to the python handler's 'paths'"
        )
    error = _syntax_error(package, identifier)
    if error is not None:
        return error
    try:
        loaded = griffe.load(
            top, search_paths=list(search_paths), allow_inspection=False, resolve_aliases=False
        )
    except Exception as exc:  # griffe's loading errors have no common base
        return f"griffe cannot load {top!r}: {exc}"
    obj: griffe.Object | griffe.Alias = loaded
    parts = identifier.split(".")[1:]
    for depth, part in enumerate(parts, start=2):
        try:
            obj = obj.get_member(part)
        except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            parent = ".".join(identifier.split(".")[: depth - 1])
            names = sorted(n for n in _members(obj) if not n.startswith("_"))
            shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
            where = f" ({_relative(obj.filepath)})" if _filepath(obj) else ""
            return f"{parent!r}{where} has no member {part!r}: fix the identifier" + (
                f" (members: {shown})" if shown else ""
            )
    return None


def _members(obj: griffe.Object | griffe.Alias) -> list[str]:
    try:
        return list(obj.members)
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return []


def _filepath(obj: griffe.Object | griffe.Alias) -> bool:
    try:
        return isinstance(obj.filepath, Path)
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return False


def _relative(path: Path | list[Path]) -> str:
    first = path[0] if isinstance(path, list) else path
    try:
        return str(first.relative_to(Path.cwd()))
    except ValueError:
        return str(first)


def _syntax_error(package: griffe.Package | griffe.NamespacePackage, identifier: str) -> str | None:
    roots = [package.path] if isinstance(package, griffe.Package) else list(package.path)
    files: list[Path] = []
    for root in roots:
        folder = root.parent if root.name == "__init__.py" else root
        files.extend([root] if root.suffix == ".py" and root.name != "__init__.py" else [])
        if folder.is_dir():
            files.extend(sorted(folder.rglob("*.py")))
    # A module on the identifier's own path is the likely culprit: report it first.
    parts = identifier.split(".")
    on_path = {"/".join(parts[1:i]) for i in range(1, len(parts) + 1)}

    def rank(file: Path) -> int:
        stem = file.with_suffix("").as_posix()
        return 0 if any(stem.endswith(p) for p in on_path if p) else 1

    for file in sorted(files, key=rank):
        try:
            compile(file.read_bytes(), str(file), "exec", dont_inherit=True)
        except SyntaxError as error:
            return (
                f"{_relative(file)}, line {error.lineno}: syntax error ({error.msg}); "
                "griffe cannot read this module: fix the source"
            )
        except (OSError, ValueError):
            continue
    return None
