"""Mark rendered API pages with when each object and parameter appeared.

A pure post-processing step on a page's HTML: in each object heading
(mkdocstrings gives headings the object's path as ``id``), after the name and
source link and before the permalink, it adds a small "Added in X.Y.Z"
badge, and "Deprecated since X.Y.Z" for a deprecated object. In the object's
own parameters table it marks parameters added after the object ("added in
X.Y.Z") and deprecated ones. What it inserts is plain text in ``span``
elements; the rest of the page is left byte for byte.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from refsite.history.since import Since
from refsite.history.snapshot import Snapshot

__all__ = ["BADGE_CLASS", "Marks", "add_badges", "marks_for"]

BADGE_CLASS = "refsite-since"
UNREAD = "*"
"""The member name of marks for what a class inherits from bases the history did not read."""


@dataclass(frozen=True)
class Marks:
    """What to say about one object heading."""

    added: str
    """"Added in 0.112.0" or "Added in 0.100.0 or earlier"."""
    deprecated: str = ""
    """"Deprecated since 0.112.0", or empty."""
    parameters: dict[str, list[str]] = field(default_factory=dict)
    """Parameter name -> its notes ("added in 0.112.0", "deprecated since 0.112.0")."""


def marks_for(since: Since, snapshot: Snapshot) -> dict[str, Marks]:
    """Heading id -> marks, for every object of ``snapshot`` (the last of the history).

    An object is found under each of its public names and its canonical path;
    a member under each of those followed by its own name, and so is a member
    the class inherits (dated from when the class first had it).
    """
    out: dict[str, Marks] = {}
    prefixes: dict[str, list[str]] = {}
    for key, record in snapshot.items():
        if "names" in record:
            prefixes[key] = sorted({*record["names"], record["path"]})
    for key, record in snapshot.items():
        added = since.added.get(key)
        if added is None:
            continue
        deprecated = since.deprecated.get(key)
        notes: dict[str, list[str]] = {}
        for name, version in since.parameters.get(key, {}).items():
            notes.setdefault(name, []).append(f"added in {version}")
        for name, version in since.deprecated_parameters.get(key, {}).items():
            notes.setdefault(name, []).append(f"deprecated since {_label(version, since)}")
        marks = Marks(
            added=f"Added in {_label(added, since)}",
            deprecated=f"Deprecated since {_label(deprecated, since)}" if deprecated else "",
            parameters=notes,
        )
        if "names" in record:
            ids = prefixes[key]
        else:
            parent, _, member = key.rpartition(".")
            ids = [f"{p}.{member}" for p in prefixes.get(parent, [parent])]
            ids.append(record["path"])
        for identifier in ids:
            out.setdefault(identifier, marks)
    # Members a class inherits: under each of the class's names.
    for key, members in since.inherited.items():
        for member, version in members.items():
            inherited = Marks(added=f"Added in {_label(version, since)}")
            for prefix in prefixes.get(key, [key]):
                out.setdefault(f"{prefix}.{member}", inherited)
    # What a class inherits from bases the history did not read: any other
    # member under the class (``UNREAD``), dated from when it had those bases.
    for key, version in since.unread_bases.items():
        from_base = Marks(added=f"Added in {_label(version, since)}")
        for prefix in prefixes.get(key, [key]):
            out.setdefault(f"{prefix}.{UNREAD}", from_base)
    return out


def _label(version: str, since: Since) -> str:
    """A release, or "X or earlier" for the first one (the history starts there)."""
    return f"{version} or earlier" if version == since.first else version


_HEADING = re.compile(
    r'<h(?P<level>[1-6]) id="(?P<id>[^"]+)" class="doc doc-heading">(?P<body>.*?)</h(?P=level)>',
    re.DOTALL,
)
_NAME_END = re.compile(r'<span class="doc doc-object-name[^"]*">.*?</span>', re.DOTALL)
_PERMALINK = re.compile(r'\s*<a [^>]*class="headerlink"')
_NEXT = re.compile(r'<h[1-6] id="[^"]+" class="doc doc-heading">|<div class="doc doc-children">')
_PARAMETER_CELL = r'(<tr class="doc-section-item">\s*<td>\s*<code>{name}</code>)'


def _badge(text: str, kind: str) -> str:
    return f' <span class="{BADGE_CLASS} {BADGE_CLASS}-{kind}">{html.escape(text)}</span>'


def add_badges(page: str, marks: Mapping[str, Marks]) -> str:
    """``page`` with badges after object names and notes on later parameters."""
    out: list[str] = []
    position = 0
    for match in _HEADING.finditer(page):
        identifier = html.unescape(match["id"])
        found = marks.get(identifier)
        if found is None:
            found = marks.get(f"{identifier.rpartition('.')[0]}.{UNREAD}")
        if found is None:
            continue
        body = match["body"]
        # Before the permalink, after anything else the heading holds (its
        # name, a source link): text that reads the heading keeps that order.
        permalink = _PERMALINK.search(body)
        name = _NAME_END.search(body)
        cut = permalink.start() if permalink else name.end() if name else len(body.rstrip())
        badges = _badge(found.added, "added")
        if found.deprecated:
            badges += _badge(found.deprecated, "deprecated")
        out.append(page[position : match.start("body")])
        out.append(body[:cut] + badges + body[cut:])
        position = match.end("body")
        if found.parameters:
            # The object's own contents: up to its first member or the next object.
            following = _NEXT.search(page, match.end())
            end = following.start() if following else len(page)
            section = page[match.end("body") : end]
            for parameter, notes in found.parameters.items():
                text = "".join(_badge(n, "parameter") for n in notes)
                cell = re.compile(_PARAMETER_CELL.format(name=re.escape(html.escape(parameter))))
                found_cell = cell.search(section)
                if found_cell is not None:
                    at = found_cell.end()
                    section = section[:at] + text + section[at:]
            out.append(section)
            position = end
    out.append(page[position:])
    return "".join(out)
