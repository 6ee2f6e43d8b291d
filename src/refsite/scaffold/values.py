"""The plan of a reference site as values: pages, their sections and entries, the nav.

Also :class:`Loaded`, a package as griffe read it, which the plan is made from,
and :class:`ScaffoldError`, what every step raises for input it cannot use.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import griffe

from refsite.checks.coverage import Exclusion, PublicObject

__all__ = [
    "DOCSTRING_OPTIONS",
    "FINDING_KINDS",
    "KINDS",
    "Entry",
    "Finding",
    "Loaded",
    "NavItem",
    "Page",
    "ScaffoldError",
    "Section",
    "SitePlan",
]

KINDS = {
    "class": "Classes",
    "exception": "Exceptions",
    "function": "Functions",
    "constant": "Constants",
}
"""Object kinds, in the order pages show them, and the title of a page of each kind."""


DOCSTRING_OPTIONS = {"warn_missing_types": False, "warn_unknown_params": False}
"""The docstring parser's options, here and in the generated ``mkdocs.yml``: untyped
parameters, and parameters documented but gone from the signature, render as
written; a section that does not parse renders as griffe leaves it (a finding)."""

FINDING_KINDS = {
    "unlinked": "cross-references to objects the site does not document, shown as code",
    "narrative": "relative links into the package's narrative docs",
    "unparsed": "docstring sections griffe cannot parse, shown as it leaves them",
}
"""What a docstring can get wrong that the site renders anyway, and how it renders."""


class ScaffoldError(ValueError):
    """Input that cannot be scaffolded; the message says what to do."""


@dataclass(frozen=True)
class Entry:
    """One public object, rendered with ``::: name``."""

    name: str
    kind: str
    filepath: str | None = None
    lines: tuple[int, int] = (0, 0)
    hide_value: bool = False
    """A constant whose value is too long to show (a data table): its docstring only."""


@dataclass(frozen=True)
class Finding:
    """A fault of one docstring, which the site renders as well as it can.

    ``kind`` is one of :data:`FINDING_KINDS`; ``target`` what the fault is about:
    the identifier a cross-reference names (``unlinked``), the link
    (``narrative``), or the object whose docstring does not parse (``unparsed``).
    """

    kind: str
    target: str
    obj: str
    """The object whose docstring holds it."""
    file: str | None
    line: int
    message: str
    """What is wrong, and how the site renders it."""
    fix: str = ""
    """What would fix it, where obvious."""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file else ""
        fix = f" ({self.fix})" if self.fix else ""
        return f"{where}{self.obj}: {self.message}{fix}"


@dataclass(frozen=True)
class Section:
    """The objects of one module on a page, after the module's one-line intro."""

    module: str
    intro: str
    entries: tuple[Entry, ...]
    elsewhere: tuple[tuple[str, str], ...] = ()
    """Objects this module also exposes, documented under another name: (name, that name)."""
    whole: bool = False
    """The module's docstring says more than its first sentence: it is rendered whole."""


@dataclass(frozen=True)
class Page:
    """A reference page: its file under ``docs/``, title and sections.

    The first section is the page's own module (its heading is the page's);
    the others are small modules merged into it, each under a heading.
    """

    path: str
    title: str
    intro: str
    sections: tuple[Section, ...] = ()
    links: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    """For a split module's index page: (label, file name, object names) of its kind pages."""

    @property
    def url(self) -> str:
        """The page's URL path from the site root (directory URLs)."""
        stem = self.path.removesuffix(".md")
        stem = stem.removesuffix("index") if stem.endswith("/index") else stem + "/"
        return "/" + stem

    @property
    def anchors(self) -> tuple[str, ...]:
        """The element ids of the objects the page renders."""
        return tuple(e.name for s in self.sections for e in s.entries)


@dataclass(frozen=True)
class NavItem:
    """A navigation entry: a page, or a section whose first child is its index."""

    label: str
    page: Page
    children: tuple[NavItem, ...] = ()


@dataclass
class SitePlan:
    """Everything the generated project holds, before it becomes files."""

    package: str
    intro: str
    """The home page's introduction: the package docstring's first sentence."""
    docstring_style: str
    """The style most docstrings follow: google, numpy or sphinx."""
    nav: list[NavItem] = field(default_factory=list)
    """The reference pages, in navigation order."""
    exclusions: list[Exclusion] = field(default_factory=list)
    """Public objects left out, each with the reason."""
    distribution: str | None = None
    """The installed distribution whose version the home page shows."""
    docs_urls: dict[str, str] = field(default_factory=dict)
    """Where site-absolute docstring links lead, by top-level package."""
    preload: list[str] = field(default_factory=list)
    """Packages loaded first because the package re-exports their objects."""
    findings: list[Finding] = field(default_factory=list)
    """What the documented objects' docstrings get wrong, rendered as well as it can be."""

    @property
    def pages(self) -> list[Page]:
        """Every reference page, in navigation order."""
        return [p for item in self.nav for p in _item_pages(item)]

    @property
    def documented(self) -> int:
        """How many objects the pages render."""
        return sum(len(p.anchors) for p in self.pages)


def _item_pages(item: NavItem) -> Iterator[Page]:
    # A section's first child is its index page, the section's own.
    if not item.children:
        yield item.page
    for child in item.children:
        yield from _item_pages(child)


@dataclass
class Loaded:
    """A package as griffe loaded it, its public API, and what loading it warned."""

    package: str
    collection: griffe.ModulesCollection
    objects: list[PublicObject]
    warnings: list[str]
    preload: list[str] = field(default_factory=list)
    """Other packages loaded first, because the package re-exports their objects."""
    distribution: str | None = None
    """The installed distribution that provides it (None for a source folder)."""
    docs_urls: dict[str, str] = field(default_factory=dict)
    """The documentation site of it and of each preloaded package, by top-level name:
    where their site-absolute docstring links lead."""
