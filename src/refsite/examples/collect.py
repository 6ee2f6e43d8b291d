"""Find the examples: every fenced Python block in the docstrings the site renders.

What the site renders is what its pages' ``:::`` directives name, with their
members as mkdocstrings renders them with this site's options (inherited
members included, names starting with ``_`` left out, a directive's
``members`` list obeyed). Examples come from the docstring text and from
parameter documentation (``Annotated[..., Doc(...)]``, which griffe_typingdoc
turns into parameter descriptions). Each is found once, under the first
object (in page order) that renders it, with the source file and the line of
its opening fence.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import griffe
import yaml

from refsite.checks.coverage import CoverageError
from refsite.examples.fences import fences, is_fence_opening, reveal_line

__all__ = ["Directive", "Example", "collect", "directives", "fences", "load_objects"]

_DIRECTIVE = re.compile(r"^:::\s+([\w.]+)\s*$")
# libyaml's loader where PyYAML has it: a warm build reads every directive's options.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Directive:
    """One ``:::`` directive of a page: the object it renders and its ``members`` list."""

    page: str
    name: str
    members: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Example:
    """One fenced Python example."""

    object: str
    """The rendered path of the object whose docstring holds it."""
    file: str
    """Its source file, relative to the folder its package lies in (e.g. ``fastapi/routing.py``)."""
    line: int
    """The line of the opening fence in that file (0 when it cannot be found)."""
    code: str
    """The code as it runs, dedented: hidden lines (:mod:`refsite.examples.fences`) included."""
    flags: tuple[str, ...] = ()
    """Words after the language on the fence (``no_run``, ``should_fail``)."""
    hidden: int = 0
    """How many of its lines the page does not show (``# hidden: ``)."""


def directives(docs_dir: Path) -> list[Directive]:
    """The ``:::`` directives of every Markdown page under ``docs_dir``, in page order."""
    found: list[Directive] = []
    for page in sorted(docs_dir.rglob("*.md")):
        lines = page.read_text(encoding="utf-8").splitlines()
        for number, text in enumerate(lines):
            match = _DIRECTIVE.match(text)
            if match:
                members = _members_option(lines[number + 1 :])
                name = page.relative_to(docs_dir).as_posix()
                found.append(Directive(name, match[1], members))
    return found


def _members_option(after: Sequence[str]) -> tuple[str, ...] | None:
    """The ``members`` list among the indented options after a directive, if any
    (``members: false`` is an empty one)."""
    block: list[str] = []
    for text in after:
        if text.strip() and not text.startswith((" ", "\t")):
            break
        block.append(text)
    if not any(text.strip() for text in block):
        return None
    try:
        options = yaml.load(textwrap.dedent("\n".join(block)), Loader=_LOADER) or {}
    except yaml.YAMLError:
        return None
    members = options.get("options", {}).get("members") if isinstance(options, dict) else None
    if members is False:  # the object alone, as init's module headers have it
        return ()
    return tuple(str(m) for m in members) if isinstance(members, list) else None


def load_objects(
    packages: Sequence[str], *, preload: Sequence[str] = (), search_paths: Sequence[Path] = ()
) -> griffe.ModulesCollection:
    """The packages loaded as mkdocstrings loads them for this site (with griffe_typingdoc).

    Raises:
        CoverageError: a package cannot be found.
    """
    loader = griffe.GriffeLoader(
        extensions=griffe.load_extensions("griffe_typingdoc"),
        search_paths=list(search_paths) or None,
        allow_inspection=False,
    )
    for name in [*preload, *packages]:
        try:
            loader.load(name)
        except ModuleNotFoundError:
            raise CoverageError(f"package {name!r} not found: install it") from None
    loader.resolve_aliases(external=False, implicit=False)
    return loader.modules_collection


def collect(collection: griffe.ModulesCollection, found: Sequence[Directive]) -> list[Example]:
    """Every example the directives ``found`` render, each once."""
    examples: dict[tuple[str, int, str], Example] = {}
    for directive in found:
        try:
            obj = collection.get_member(directive.name)
        except (KeyError, ValueError):
            continue  # a directive that cannot render: the build says so
        for path, rendered in _rendered(obj, directive.name, directive.members):
            for example in _examples(path, rendered):
                examples.setdefault((example.file, example.line, example.code), example)
    return list(examples.values())


def _rendered(obj: Any, path: str, members: tuple[str, ...] | None) -> Iterator[tuple[str, Any]]:
    """(rendered path, object) of ``obj`` and of the members mkdocstrings renders with it."""
    target = _target(obj)
    if target is None:
        return
    yield path, target
    if not (target.is_class or target.is_module):
        return
    children = target.all_members if target.is_class else target.members
    for name, member in children.items():
        if name.startswith("_") or (members is not None and name not in members):
            continue
        if target.is_module and member.is_alias and not member.is_exported:
            continue
        if member.is_module and not member.is_alias:
            continue
        yield from _rendered(member, f"{path}.{name}", None)


def _target(obj: Any) -> Any:
    if isinstance(obj, griffe.Alias):
        try:
            return obj.final_target
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            return None
    return obj


def _examples(path: str, obj: Any) -> Iterator[Example]:
    texts = [obj.docstring.value] if obj.docstring is not None else []
    texts += _parameter_docs(obj)
    if obj.is_class and "__init__" in obj.all_members:  # merge_init_into_class
        texts += _parameter_docs(obj.all_members["__init__"])
    source = _source_lines(obj)
    claimed: set[int] = set()
    for text in texts:
        for fence in fences(text):
            line = _fence_line(source, obj, fence.code, claimed)
            claimed.add(line)
            yield Example(path, _relative_file(obj), line, fence.code, fence.flags, fence.hidden)


def _parameter_docs(obj: Any) -> list[str]:
    """The parameter descriptions of a function (``Doc(...)`` among them)."""
    obj = _target(obj)
    if obj is None or not obj.is_function or obj.docstring is None:
        return []
    return [
        parameter.description
        for section in obj.docstring.parsed
        if section.kind is griffe.DocstringSectionKind.parameters
        for parameter in section.value
    ]


def _source_lines(obj: Any) -> list[str]:
    try:
        return list(obj.lines_collection[obj.filepath])
    except (KeyError, TypeError, AttributeError):
        return []


def _fence_line(source: list[str], obj: Any, code: str, claimed: set[int]) -> int:
    """The line (1-based) in the source file of the fence that opens ``code``."""
    first = _unquote(next((c for c in code.splitlines() if c.strip()), ""))
    start = max((obj.lineno or 1) - 1, 0)
    end = obj.endlineno or len(source)
    for number in range(start, min(end, len(source))):
        if number + 1 in claimed or not is_fence_opening(_unquote(source[number])):
            continue
        following = (_unquote(t) for t in source[number + 1 : number + 40])
        if next((t for t in following if t), "") == first:
            return number + 1
    return 0


def _unquote(text: str) -> str:
    # A fence inside Doc("...") lies inside a string literal's lines; the
    # example's code starts with what a hidden line runs, not with its marker.
    return reveal_line(text.strip().strip("\"'"))


def _relative_file(obj: Any) -> str:
    filepath = Path(obj.filepath)
    package = obj.package
    root = Path(package.filepath).parent
    if root.name == package.name:
        root = root.parent
    try:
        return filepath.relative_to(root).as_posix()
    except ValueError:
        return filepath.as_posix()
