"""Build manifests and their diff: which pages did a change alter for a reader?

A manifest maps each page URL of a built site to its title and a hash of its
normalised content: the main article only (so a new page in the navigation
does not mark every page changed), without scripts, with hashed asset names
and whitespace folded, so that two builds of the same inputs have equal
manifests and a docstring change shows up on exactly the pages that render it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lxml.html
from lxml.html import HtmlElement

from refsite.checks.site import page_url

__all__ = [
    "FORMAT",
    "ManifestError",
    "PageChange",
    "SiteDiff",
    "build_manifest",
    "diff_manifests",
    "format_diff_json",
    "format_diff_markdown",
    "format_diff_text",
    "load_manifest",
    "page_digest",
]

FORMAT = "refsite-manifest/1"
# Material and mkdocstrings name assets by content hash (bundle.1a2b3c4d.min.js).
_HASHED_ASSET = re.compile(r"\.[0-9a-f]{8,}(?=\.(?:min\.)?(?:js|css|json)\b)")

Manifest = dict[str, Any]


class ManifestError(ValueError):
    """A manifest file or site directory that cannot be read."""


@dataclass(frozen=True)
class PageChange:
    """A page in a diff."""

    url: str
    title: str


@dataclass
class SiteDiff:
    """Pages added, removed and changed between two builds."""

    added: list[PageChange] = field(default_factory=list)
    removed: list[PageChange] = field(default_factory=list)
    changed: list[PageChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Whether the two builds show the reader the same pages."""
        return not (self.added or self.removed or self.changed)


def page_digest(html: str | bytes) -> tuple[str, str]:
    """The title and the content hash of one page."""
    doc = lxml.html.fromstring(html)
    title_element = doc.find(".//title")
    title = title_element.text_content().strip() if title_element is not None else ""
    articles = doc.xpath("//article")
    body = doc.find("body")
    content = articles[0] if articles else (body if body is not None else doc)
    digest = hashlib.sha256()
    digest.update(title.encode())
    for piece in _normalised(content):
        digest.update(piece.encode())
        digest.update(b"\0")
    return title, digest.hexdigest()


def _normalised(element: HtmlElement) -> Iterator[str]:
    """Tags with their attributes, and text with whitespace folded, in document order."""
    for node in element.iter():
        # Comments (whose tag is not a string) and scripts show nothing.
        if isinstance(node.tag, str) and node.tag not in {"script", "noscript"}:
            attrs = " ".join(
                f"{k}={_HASHED_ASSET.sub('', v)}" for k, v in sorted(node.attrib.items())
            )
            yield f"<{node.tag} {attrs}>"
            if node.text and node.text.strip():
                yield " ".join(node.text.split())
        # A tail is the text after an element: ordinary text even after a script.
        if node is not element and node.tail and node.tail.strip():
            yield " ".join(node.tail.split())


def build_manifest(site_dir: Path) -> Manifest:
    """The manifest of a built site.

    Raises:
        ManifestError: the folder holds no HTML page.
    """
    files = sorted(site_dir.rglob("*.html"))
    if not files:
        raise ManifestError(f"{site_dir}: no HTML pages; build the site first")
    pages: dict[str, dict[str, str]] = {}
    for file in files:
        title, digest = page_digest(file.read_bytes())
        pages[page_url(site_dir, file)] = {"title": title, "hash": digest}
    return {"format": FORMAT, "pages": pages}


def load_manifest(path: Path) -> Manifest:
    """A manifest from a JSON file, or built from a site directory.

    Raises:
        ManifestError: neither a readable manifest nor a built site.
    """
    if path.is_dir():
        return build_manifest(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ManifestError(f"{path}: cannot read it ({error.strerror})") from None
    except json.JSONDecodeError as error:
        raise ManifestError(f"{path}: not JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ManifestError(
            f'{path}: not a refsite manifest (no "format": "{FORMAT}"); '
            "make one with `refsite manifest SITE_DIR`"
        )
    return data


def diff_manifests(old: Manifest, new: Manifest) -> SiteDiff:
    """What a reader sees differently in ``new`` compared with ``old``."""
    before, after = old["pages"], new["pages"]
    diff = SiteDiff()
    for url in sorted(after.keys() - before.keys()):
        diff.added.append(PageChange(url, after[url]["title"]))
    for url in sorted(before.keys() - after.keys()):
        diff.removed.append(PageChange(url, before[url]["title"]))
    for url in sorted(before.keys() & after.keys()):
        if before[url]["hash"] != after[url]["hash"]:
            diff.changed.append(PageChange(url, after[url]["title"]))
    return diff


def format_diff_text(diff: SiteDiff) -> str:
    """One line per page: ``added|removed|changed URL  title``."""
    if diff.empty:
        return "no page changed"
    lines = [f"added    {p.url}  {p.title}" for p in diff.added]
    lines += [f"removed  {p.url}  {p.title}" for p in diff.removed]
    lines += [f"changed  {p.url}  {p.title}" for p in diff.changed]
    return "\n".join(lines)


def format_diff_markdown(diff: SiteDiff, *, base_url: str = "") -> str:
    """A Markdown list for a PR comment; pages link to ``base_url`` when given."""
    if diff.empty:
        return "No page of the rendered site changed."

    def item(page: PageChange) -> str:
        label = f"{page.title} (`{page.url}`)"
        if base_url:
            return f"- [{label}]({base_url.rstrip('/')}{page.url})"
        return f"- {label}"

    out: list[str] = []
    for heading, pages in (
        ("Changed", diff.changed),
        ("Added", diff.added),
        ("Removed", diff.removed),
    ):
        if pages:
            out += [f"**{heading} pages ({len(pages)})**", "", *map(item, pages), ""]
    return "\n".join(out).rstrip()


def format_diff_json(diff: SiteDiff) -> str:
    """The diff as JSON."""
    data = {
        kind: [{"url": p.url, "title": p.title} for p in pages]
        for kind, pages in (
            ("added", diff.added),
            ("removed", diff.removed),
            ("changed", diff.changed),
        )
    }
    return json.dumps(data, indent=2)
