"""Which objects warnings come from, so that the plan can leave them out.

Three sources of warnings, one answer each: what griffe warned while loading
(:func:`problems_at` an object's lines), what parsing an object's docstrings
warns (:func:`docstring_problems`), and what a trial build of the generated
project warned (:func:`culprits`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import griffe

from refsite.scaffold.load import griffe_warnings, rendered
from refsite.scaffold.values import DOCSTRING_OPTIONS, Entry, Loaded, SitePlan

__all__ = ["by_location", "clean", "culprits", "docstring_problems", "problems_at"]

# A source location in a warning: "path/to/file.py:12".
_LOCATION = re.compile(r"(?P<file>[^\s:]+\.pyi?):(?P<line>\d+)")


def culprits(
    plan: SitePlan, loaded: Loaded, warnings: Sequence[str], *, base: Path
) -> dict[str, str]:
    """The objects the warnings of a trial build come from, each with its warning.

    A warning names an object (its identifier or a member's), points at a
    line of a source file (``path.py:LINE``, relative to ``base``, the project
    folder) within one, or names a page and a link that one of the page's
    objects has in its docstrings.
    """
    entries = [e for p in plan.pages for s in p.sections for e in s.entries]
    by_length = sorted(entries, key=lambda e: -len(e.name))
    found: dict[str, str] = {}
    for warning in warnings:
        entry = next(
            (e for e in by_length if re.search(rf"(?<![\w.]){re.escape(e.name)}(?!\w)", warning)),
            None,
        )
        for path, line, _ in by_location([warning], base) if entry is None else []:
            entry = next((e for e in entries if _holds(e, path, line)), entry)
        if entry is None:
            entry = _page_culprit(plan, loaded, warning)
        if entry is not None and entry.name not in found:
            message = warning.split(" - ", 1)[-1]
            found[entry.name] = f"The trial build warned: {clean(message)}."
    return found


def _holds(entry: Entry, path: Path, line: int) -> bool:
    return (
        bool(entry.filepath)
        and Path(str(entry.filepath)).resolve() == path
        and (entry.lines[0] <= line <= entry.lines[1])
    )


def _page_culprit(plan: SitePlan, loaded: Loaded, warning: str) -> Entry | None:
    """The object of the page a warning names whose docstrings hold the link it names."""
    page = next(
        (p for p in plan.pages if f"'{p.path}'" in warning or f" {p.url}: " in warning), None
    )
    if page is None:
        return None
    own = {page.path, page.url}
    tokens = {t.strip(":,.'\"") for t in re.split(r"[\s'\"]+", warning)}
    links = {t for t in tokens if t and t not in own and ("/" in t or "#" in t or ".md" in t)}
    links |= {t.split("#", 1)[0] for t in links if not t.startswith("#")} - {""}
    links |= {t.lstrip("/") for t in links} - {""}
    page_entries = [e for s in page.sections for e in s.entries]
    for entry in page_entries:
        texts = _docstrings(loaded, entry.name)
        if any(link in text for link in links for text in texts):
            return entry
    return page_entries[0] if len(page_entries) == 1 else None


def _docstrings(loaded: Loaded, name: str) -> list[str]:
    try:
        obj = loaded.collection.get_member(name)
        obj = obj.final_target if obj.is_alias else obj
    except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return []
    return [item.docstring.value for item in rendered(obj) if item.docstring is not None]


def clean(message: str) -> str:
    """A warning as one line, with its file path (which depends on the machine) reduced."""
    message = _LOCATION.sub(lambda m: f"line {m['line']}", message, count=1)
    return " ".join(message.split())[:200].rstrip(".")


def by_location(warnings: Sequence[str], base: Path | None = None) -> list[tuple[Path, int, str]]:
    """The warnings that name a source line, as (resolved file, line, warning)."""
    out = []
    for warning in warnings:
        match = _LOCATION.search(warning)
        if match:
            path = Path(match["file"])
            if not path.is_absolute():
                path = (base or Path.cwd()) / path
            out.append((path.resolve(), int(match["line"]), warning))
    return out


def problems_at(obj: Any, problems: Sequence[tuple[Path, int, str]]) -> list[str]:
    """The located warnings (:func:`by_location`) that fall within the lines of ``obj``."""
    if not problems or not isinstance(obj.filepath, Path):
        return []
    path, start, end = obj.filepath.resolve(), obj.lineno or 0, obj.endlineno or 0
    return [w for p, line, w in problems if p == path and start <= line <= end]


def docstring_problems(obj: Any, style: str) -> list[str]:
    """The warnings parsing the docstrings of ``obj`` (and its members) gives."""
    with griffe_warnings() as problems:
        for item in rendered(obj):
            if item.docstring is not None:
                item.docstring.parse(style, **DOCSTRING_OPTIONS)
    return problems
