"""The docstrings report: each fault of a docstring the site renders, for its author to fix.

What a site renders is what its pages' ``:::`` directives name, with the
members rendered with them (:func:`rendered_names` reads the directives from
the Markdown, no build needed). :func:`read` loads the packages as coverage
does and audits those docstrings with :func:`refsite.scaffold.findings.audit_items`,
the audit ``refsite init`` runs: a cross-reference to an object the site does
not document, a relative link into the package's narrative docs, a section
griffe cannot parse. Each is a :class:`~refsite.scaffold.values.Finding` (file,
line, object, kind, fix); the formatters below show them as text, Markdown
(the *Docstrings* page) and JSON. The findings are the report's, not a
build's failures, unless the site asks (the plugin's ``docstrings.fail``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import griffe

from refsite.checks.coverage import load_packages, objects_to_data, package_folders, public_api
from refsite.examples.collect import directives
from refsite.scaffold.findings import Shown, audit_items
from refsite.scaffold.load import rendered
from refsite.scaffold.values import FINDING_KINDS, Finding

__all__ = [
    "PLACEHOLDER_NAME",
    "docs_urls",
    "findings_from_data",
    "findings_to_data",
    "format_json",
    "format_markdown",
    "format_text",
    "has_placeholder",
    "read",
    "read_data",
    "rendered_names",
    "summary",
]

PLACEHOLDER_NAME = "refsite:docstrings"
"""What a page writes (``<!-- refsite:docstrings -->``) to show the report."""

# The names a site gives the extension that renders the faults (refsite init writes the first).
_DOCFIXES = ("refsite.docfixes", "refsite.scaffold.docfixes")


def rendered_names(docs_dir: Path) -> list[tuple[str, list[str] | None]]:
    """What the ``:::`` directives of the pages under ``docs_dir`` render: each
    identifier, with the members it is limited to (None: every public one)."""
    found = directives(docs_dir)
    return [(d.name, None if d.members is None else list(d.members)) for d in found]


def has_placeholder(docs_dir: Path) -> bool:
    """Whether a page under ``docs_dir`` asks for the report."""
    return any(
        PLACEHOLDER_NAME in page.read_text(encoding="utf-8") for page in docs_dir.rglob("*.md")
    )


def docs_urls(extensions: Any) -> dict[str, str]:
    """The documentation sites the python handler's ``extensions`` give the docstring
    fixes (relative links in a package's docstrings lead there), by top-level package."""
    for entry in extensions if isinstance(extensions, list) else []:
        if isinstance(entry, Mapping) and len(entry) == 1:
            name, options = next(iter(entry.items()))
            if name in _DOCFIXES and isinstance(options, Mapping):
                docs = options.get("docs")
                return (
                    {str(k): str(v) for k, v in docs.items()} if isinstance(docs, Mapping) else {}
                )
    return {}


def read(
    packages: Sequence[str],
    names: Iterable[tuple[str, Sequence[str] | None]],
    *,
    preload: Sequence[str] = (),
    search_paths: Sequence[Path] = (),
    style: str = "google",
    urls: Mapping[str, str] | None = None,
) -> list[Finding]:
    """The faults of the docstrings that the directives ``names`` render, in page order.

    ``names`` are as :func:`rendered_names` gives them.

    Files are given relative to the folder their package lies in.

    Raises:
        CoverageError: a package cannot be found.
    """
    loader = load_packages(packages, preload=preload, search_paths=search_paths or None)
    return _read_loaded(
        loader.modules_collection, packages, names, preload, search_paths, style, urls
    )


def _read_loaded(
    collection: griffe.ModulesCollection,
    packages: Sequence[str],
    names: Iterable[tuple[str, Sequence[str] | None]],
    preload: Sequence[str],
    search_paths: Sequence[Path],
    style: str,
    urls: Mapping[str, str] | None,
) -> list[Finding]:
    items = list(_shown(collection, names))
    ours = {p.split(".", 1)[0] for p in [*packages, *preload]}
    findings = audit_items(items, style=style, ours=ours, docs_urls=urls or {})
    roots = [f.parent for f in package_folders([*packages, *preload], search_paths)]
    return [
        replace(f, file=_relative(f.file, roots), fix=f.fix or _fix(f.kind, style))
        for f in findings
    ]


def _fix(kind: str, style: str) -> str:
    """The fix of a finding whose audit saw no better one."""
    if kind == "unlinked":
        return "link an object the site documents, or write the name as code"
    if kind == "unparsed":
        return f"write the section as {style}-style docstrings do"
    return "link the page's full URL"


def _shown(
    collection: griffe.ModulesCollection, names: Iterable[tuple[str, Sequence[str] | None]]
) -> Iterator[Shown]:
    """Each object a directive names and the members rendered with it, each once."""
    seen: set[int] = set()
    for name, members in names:
        try:
            obj = collection.get_member(name)
            target = obj.final_target if obj.is_alias else obj
        except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            continue  # a directive that cannot render: the build says so
        for item in rendered(target):
            member = item.path[len(target.path) + 1 :].split(".", 1)[0]
            if members is not None and member and member not in members:
                continue
            if id(item) not in seen:
                seen.add(id(item))
                yield Shown(item, name + item.path[len(target.path) :])


def _relative(file: str | None, roots: Sequence[Path]) -> str | None:
    if file is None:
        return None
    path = Path(file)
    for root in roots:
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix()
    return file


def read_data(request: Mapping[str, Any], *, read_api: bool = False) -> dict[str, Any]:
    """:func:`read` from plain data and as plain data, for a process of its own.

    ``{"findings": ...}``, and with ``read_api`` ``"api"``: the packages'
    public API for coverage (:func:`refsite.checks.coverage.load_api_data`'s
    data), read from the same griffe load, which is the one coverage makes.
    """
    packages, preload = request["packages"], request["preload"]
    search_paths = [Path(p) for p in request["search_paths"]]
    loader = load_packages(packages, preload=preload, search_paths=search_paths or None)
    collection = loader.modules_collection
    findings = _read_loaded(
        collection,
        packages,
        request["names"],
        preload,
        search_paths,
        request["style"],
        request["urls"],
    )
    answer: dict[str, Any] = {"findings": findings_to_data(findings)}
    if read_api:
        answer["api"] = objects_to_data(public_api(collection, packages))
    return answer


def findings_to_data(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """Findings as plain data."""
    return [asdict(f) for f in findings]


def findings_from_data(data: Iterable[Mapping[str, Any]]) -> list[Finding]:
    """The inverse of :func:`findings_to_data`."""
    return [Finding(**f) for f in data]


def summary(findings: Sequence[Finding]) -> str:
    """How many findings of each kind, in one line."""
    if not findings:
        return "no docstring finding: every docstring the site renders reads as written"
    counts = Counter(f.kind for f in findings)
    kinds = ", ".join(f"{counts[k]} {k}" for k in FINDING_KINDS if counts[k])
    return f"{len(findings)} docstring finding(s): {kinds}"


def format_text(findings: Sequence[Finding]) -> str:
    """One finding a line, as a linter says it, then the summary."""
    return "\n".join([*(str(f) for f in findings), summary(findings)])


def format_markdown(findings: Sequence[Finding]) -> str:
    """The summary, then a table of each kind's findings, for the *Docstrings* page."""
    out = [summary(findings).capitalize() + "."]
    for kind, what in FINDING_KINDS.items():
        rows = [f for f in findings if f.kind == kind]
        if not rows:
            continue
        out += [
            "",
            f"**{kind.capitalize()}** ({len(rows)}): {what}.",
            "",
            "| Object, where | Fault | Suggested fix |",
            "| --- | --- | --- |",
        ]
        out += [
            f"| `{f.obj}`{f'<br>`{f.file}:{f.line}`' if f.file else ''} "
            f"| {_cell(f.message)} | {_cell(f.fix)} |"
            for f in rows
        ]
    return "\n".join(out)


# A code span.
_CODE = re.compile(r"(`+)(.+?)\1")


def _cell(text: str) -> str:
    """Text for a table cell: Markdown's links and pipes escaped outside code (a pipe
    in code does not end a cell)."""
    out, last = [], 0
    for match in _CODE.finditer(text):
        out += [_escape(text[last : match.start()]), match[0]]
        last = match.end()
    out.append(_escape(text[last:]))
    return "".join(out)


def _escape(text: str) -> str:
    return re.sub(r"([\\|\[\]<>*_])", r"\\\1", text)


def format_json(findings: Sequence[Finding]) -> str:
    """The findings as JSON, with how many of each kind."""
    counts = Counter(f.kind for f in findings)
    data = {
        "total": len(findings),
        "kinds": {k: counts[k] for k in FINDING_KINDS},
        "findings": [
            {
                "file": f.file,
                "line": f.line,
                "object": f.obj,
                "kind": f.kind,
                "target": f.target,
                "message": f.message,
                "fix": f.fix,
            }
            for f in findings
        ],
    }
    return json.dumps(data, indent=2)
