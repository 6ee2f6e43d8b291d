"""The contract check: does a built site match its declared navigation tree?

Given a site directory and a :class:`~refsite.checks.tree.Tree`, it reports every page
URL that has no page, every declared anchor missing from its page, every
difference between the declared and the rendered primary navigation (labels,
order, nesting, link targets), and every declared table-of-contents entry that
the page's table of contents lacks or has out of order.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from refsite.checks.site import NavNode, Page, ParsedFiles, SiteError, TocNode, read_page
from refsite.checks.tree import NavEntry, TocEntry, Tree

__all__ = ["Finding", "check_site"]


@dataclass(frozen=True)
class Finding:
    """One way in which the site differs from its contract."""

    page: str
    declared: str
    found: str

    def __str__(self) -> str:
        return f"{self.page}: declared {self.declared}; found {self.found}"


def check_site(site_dir: Path, tree: Tree, *, files: ParsedFiles | None = None) -> list[Finding]:
    """Every difference between the site in ``site_dir`` and ``tree``.

    ``files`` keeps parsed pages between checks of the same directory.
    """
    findings: list[Finding] = []
    pages: dict[str, Page] = {}
    for entry in tree.pages():
        assert entry.url is not None  # pages() yields only entries with a url
        try:
            page = read_page(site_dir, entry.url, navigation=False, files=files)
        except SiteError:
            findings.append(Finding(entry.url, f"page {entry.label!r}", "no page at that URL"))
            continue
        pages[entry.url] = page
        findings.extend(_check_anchors(page, entry.anchors))
        findings.extend(_check_toc(page, entry.toc))
    home = _nav_page(site_dir, tree, pages, files)
    if home is None:
        findings.append(Finding("/", "a primary navigation", "no page to read it from"))
    elif not home.nav:
        findings.append(Finding(home.url, "a primary navigation", "none in the page"))
    else:
        findings.extend(_compare_nav(tree, tree.entries, home.nav, home.url, "navigation"))
    return findings


def _nav_page(
    site_dir: Path, tree: Tree, pages: dict[str, Page], files: ParsedFiles | None
) -> Page | None:
    # Every page renders the whole navigation; the home page is the natural one,
    # the first declared page the fallback for a site without one.
    try:
        return read_page(site_dir, "/", files=files)
    except SiteError:
        pass
    for entry in tree.pages():
        if entry.url in pages:
            return read_page(site_dir, entry.url, files=files)
    return None


def _check_anchors(page: Page, anchors: Sequence[str]) -> Iterator[Finding]:
    for anchor in anchors:
        if anchor not in page.ids:
            yield Finding(page.url, f"anchor #{anchor}", "no element with that id")


def _flatten(nodes: Sequence[TocNode]) -> list[TocNode]:
    out: list[TocNode] = []
    for node in nodes:
        out.append(node)
        out.extend(_flatten(node.children))
    return out


def _check_toc(page: Page, declared: Sequence[TocEntry]) -> Iterator[Finding]:
    yield from _check_toc_level(page.url, declared, page.toc, "the table of contents")


def _check_toc_level(
    url: str, declared: Sequence[TocEntry], scope: Sequence[TocNode], where: str
) -> Iterator[Finding]:
    order = _flatten(scope)
    last = -1
    for entry in declared:
        index = next((i for i, n in enumerate(order) if n.anchor == entry.anchor), None)
        if index is None:
            elsewhere = f" in {where}" if where != "the table of contents" else ""
            yield Finding(
                url, f"toc entry {entry.label!r} (#{entry.anchor})", f"no such entry{elsewhere}"
            )
            continue
        node = order[index]
        if node.label != entry.label:
            yield Finding(
                url, f"toc entry #{entry.anchor} labelled {entry.label!r}", f"{node.label!r}"
            )
        if index < last:
            yield Finding(
                url,
                f"toc entry {entry.label!r} after {order[last].label!r}",
                "it comes before it",
            )
        last = max(last, index)
        if entry.children:
            yield from _check_toc_level(
                url, entry.children, node.children, f"the entries under {entry.label!r}"
            )


def _compare_nav(
    tree: Tree,
    declared: Sequence[NavEntry],
    rendered: Sequence[NavNode],
    page_url: str,
    where: str,
    parent: NavEntry | None = None,
) -> Iterator[Finding]:
    expected = list(declared)
    if parent is not None:
        own = tree.target(parent)
        index = [e for e in expected if own is not None and tree.target(e) == own]
        # A section's index page is rendered as the section's own link
        # (Material's navigation.indexes) or as its first child; both are fine.
        expected = [e for e in expected if e not in index]
        if rendered and own is not None and rendered[0].href == own and not rendered[0].children:
            rendered = rendered[1:]
    labels = [e.label for e in expected]
    found = [n.label for n in rendered]
    if sorted(labels) == sorted(found) and labels != found:
        yield Finding(page_url, f"{where}: order {labels}", f"{found}")
        return
    matcher = difflib.SequenceMatcher(a=labels, b=found, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            for entry, node in zip(expected[a1:a2], rendered[b1:b2], strict=True):
                yield from _compare_entry(tree, entry, node, page_url, where)
        elif op == "replace" and a2 - a1 == b2 - b1:
            for entry, node in zip(expected[a1:a2], rendered[b1:b2], strict=True):
                yield Finding(
                    page_url, f"{where}: entry {entry.label!r}", f"{node.label!r} in its place"
                )
                yield from _compare_entry(tree, entry, node, page_url, where)
        else:
            for entry in expected[a1:a2]:
                yield Finding(page_url, f"{where}: entry {entry.label!r}", "no such entry")
            for node in rendered[b1:b2]:
                yield Finding(page_url, f"{where}: no entry {node.label!r}", "an entry")


def _compare_entry(
    tree: Tree,
    entry: NavEntry,
    node: NavNode,
    page_url: str,
    where: str,
) -> Iterator[Finding]:
    here = f"{where} > {entry.label}"
    target = tree.target(entry)
    if entry.is_section != bool(node.children):
        shape = "a section" if entry.is_section else "a single link"
        other = "a single link" if entry.is_section else "a section"
        yield Finding(page_url, f"{here}: {shape}", other)
        return
    if entry.is_section:
        first = node.children[0] if node.children else None
        leads = node.href or (first.href if first and first.label == entry.label else None)
        if target is not None and leads != target:
            yield Finding(page_url, f"{here}: section leading to {target}", f"{leads}")
        yield from _compare_nav(tree, entry.children, node.children, page_url, here, entry)
    elif target != node.href:
        yield Finding(page_url, f"{here}: link to {target}", f"{node.href}")
