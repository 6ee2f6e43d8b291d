"""Read a finished site directory: pages, navigation, tables of contents, ids.

Everything refsite checks comes from the built output, never from MkDocs'
in-memory state, so the same code reads a site built by MkDocs or by another
engine from the same ``mkdocs.yml`` (Material's HTML structure is the contract).
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import lxml.html
from lxml.html import HtmlElement

from refsite.core.store import dump_pickle, load_pickle

__all__ = [
    "NavNode",
    "Page",
    "ParsedFiles",
    "SiteError",
    "TocNode",
    "element_ids",
    "is_external",
    "page_file",
    "page_url",
    "parse_page",
    "read_page",
    "resolve",
]


class SiteError(ValueError):
    """A site directory that cannot be read."""


_T = TypeVar("_T")


@dataclass
class ParsedFiles:
    """What was read from a site's files, kept while each file is unchanged.

    Checks after a ``mkdocs serve`` rebuild read the same directory again,
    where only the pages the rebuild wrote have changed: a file is parsed
    again only when its modification time or size differs. Between
    processes (:meth:`save`, :meth:`load`) what was parsed is found again
    by the file's content: a build that writes the same page as the last
    one does not parse it again.
    """

    _memo: dict[tuple[str, str], tuple[tuple[int, int], bytes, Any]] = field(default_factory=dict)
    derived: dict[Any, Any] = field(default_factory=dict)
    """What checks computed from parsed files, with what they need to tell if it still holds."""
    _by_content: dict[tuple[str, bytes], Any] = field(default_factory=dict)
    """(kind, content digest) -> value, as :meth:`load` found them."""

    def read(self, file: Path, kind: str, parse: Callable[[bytes], _T]) -> _T:
        """``parse(file's bytes)``, or what it returned last time for the unchanged file."""
        stat = file.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        key = (str(file), kind)
        known = self._memo.get(key)
        if known is not None and known[0] == stamp:
            value: _T = known[2]
            return value
        data = file.read_bytes()
        digest = hashlib.blake2b(data, digest_size=20).digest()
        if known is not None and known[1] == digest:
            value = known[2]  # written again, the same: keep the object checks refer to
        elif (kind, digest) in self._by_content:
            value = self._by_content[(kind, digest)]
        else:
            value = parse(data)
        self._memo[key] = (stamp, digest, value)
        return value

    def entries(self, kinds: Collection[str]) -> dict[tuple[str, str], Any]:
        """What was read of ``kinds``, to :meth:`add` to the files of another process."""
        return {key: value for key, value in self._memo.items() if key[1] in kinds}

    def add(self, entries: dict[tuple[str, str], Any]) -> None:
        """Take what :meth:`entries` returned in another process."""
        self._memo.update(entries)

    @property
    def read_before(self) -> bool:
        """Whether any file was read or anything loaded."""
        return bool(self._memo or self._by_content)

    def save(self, file: Path, version: str) -> None:
        """Keep what was read and derived, by content, for the next process.

        ``version`` names the code that parsed it; :meth:`load` ignores a file
        of another version. Written atomically: a reader never sees half a file.
        """
        by_content = {(kind, digest): value for (_, kind), (_, digest, value) in self._memo.items()}
        # One pickle: the derived results and the parsed values they refer to
        # stay the same objects, which is how checks tell that a result holds.
        dump_pickle(file, (version, by_content, self.derived))

    @classmethod
    def load(cls, file: Path, version: str) -> ParsedFiles:
        """What :meth:`save` kept, or nothing when the file is missing, torn or of other code."""
        saved = load_pickle(file)
        if not (isinstance(saved, tuple) and len(saved) == 3 and saved[0] == version):
            return cls()
        _, by_content, derived = saved
        if not (isinstance(by_content, dict) and isinstance(derived, dict)):
            return cls()
        return cls(derived=derived, _by_content=by_content)


@dataclass(frozen=True)
class NavNode:
    """An entry of the rendered primary navigation.

    ``href`` is resolved: a path from the site root for pages of the site, the
    absolute URL for external links, None for a section that is only a label.
    """

    label: str
    href: str | None
    children: tuple[NavNode, ...] = ()


@dataclass(frozen=True)
class TocNode:
    """An entry of a page's rendered table of contents."""

    label: str
    anchor: str
    children: tuple[TocNode, ...] = ()


@dataclass(frozen=True)
class Page:
    """What refsite reads from one HTML page."""

    url: str
    title: str
    ids: frozenset[str]
    nav: tuple[NavNode, ...]
    toc: tuple[TocNode, ...]


def is_external(href: str) -> bool:
    """Whether a link leaves the site (has a scheme or is protocol-relative)."""
    parts = urlsplit(href)
    return bool(parts.scheme) or href.startswith("//")


# Pure and called for every link of every page: a site has thousands, most of
# them the same navigation links on every page and in every rebuild.
@functools.lru_cache(maxsize=65536)
def resolve(href: str, base_url: str) -> str:
    """Resolve a link found on the page at ``base_url`` (a site path) to a site path.

    External links come back unchanged; the fragment is kept.
    """
    if is_external(href):
        return href
    path, fragment = urldefrag(urljoin(base_url, href))
    # urljoin keeps "a/./b" and "a/b/../c" shapes in some cases; normalise them
    # while keeping the trailing slash that marks a directory URL.
    normal = posixpath.normpath(unquote(path)) if path else base_url
    if path.endswith("/") and not normal.endswith("/"):
        normal += "/"
    if normal.startswith("//"):
        normal = normal[1:]
    return normal + (f"#{fragment}" if fragment else "")


def page_file(site_dir: Path, url: str) -> Path:
    """The file that serves a site path ("/a/" is "a/index.html")."""
    path = urlsplit(url).path.lstrip("/")
    if not path or path.endswith("/"):
        path += "index.html"
    return site_dir / unquote(path)


def page_url(site_dir: Path, file: Path) -> str:
    """The site path that a built HTML file is served at."""
    rel = file.relative_to(site_dir).as_posix()
    if rel == "index.html":
        return "/"
    if rel.endswith("/index.html"):
        return "/" + rel[: -len("index.html")]
    return "/" + rel


def read_page(
    site_dir: Path, url: str, *, navigation: bool = True, files: ParsedFiles | None = None
) -> Page:
    """Read the page served at ``url`` (its primary navigation only if ``navigation``).

    ``files`` keeps what was parsed for the next call on an unchanged file.

    Raises:
        SiteError: no file serves that URL.
    """
    file = page_file(site_dir, url)
    if not file.is_file():
        raise SiteError(f"{url}: no page (expected {file})")
    if files is None:
        return parse_page(file.read_bytes(), url, navigation=navigation)
    return files.read(
        file,
        f"page:{url}:{navigation}",
        lambda data: parse_page(data, url, navigation=navigation),
    )


def element_ids(doc: HtmlElement) -> tuple[set[str], list[str]]:
    """Every element id of a parsed page, and those used more than once."""
    seen: set[str] = set()
    duplicates: list[str] = []
    for value in doc.xpath("//@id"):
        if value in seen and value not in duplicates:
            duplicates.append(str(value))
        seen.add(str(value))
    return seen, duplicates


def parse_page(html: str | bytes, url: str, *, navigation: bool = True) -> Page:
    """Parse the HTML of the page served at ``url``.

    Every page repeats the whole navigation; ``navigation=False`` skips it.
    """
    # lxml rather than BeautifulSoup: a reference site has tens of thousands of
    # elements per page, and lxml reads them an order of magnitude faster.
    doc = lxml.html.fromstring(html)
    seen, _ = element_ids(doc)
    title = doc.find(".//title")
    return Page(
        url=url,
        title=title.text_content().strip() if title is not None else "",
        ids=frozenset(seen),
        nav=_primary_nav(doc, url) if navigation else (),
        toc=_toc(doc),
    )


def label_text(element: HtmlElement) -> str:
    """The visible text of a label, with inline code written in backticks."""
    parts: list[str] = []

    def walk(node: HtmlElement) -> None:
        if node.tag == "code":
            text = node.text_content()
            # Empty <code> elements are mkdocstrings' symbol badges (drawn by CSS).
            if text.strip():
                parts.append(f"`{text}`")
            return
        if isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(element)
    return " ".join("".join(parts).split())


def _children(element: HtmlElement, tag: str, cls: str | None = None) -> list[HtmlElement]:
    return [c for c in element if c.tag == tag and (cls is None or cls in c.classes)]


_CLASS = 'contains(concat(" ", normalize-space(@class), " "), " {} ")'


def _primary_nav(doc: HtmlElement, url: str) -> tuple[NavNode, ...]:
    navs = doc.xpath(f"//nav[{_CLASS.format('md-nav--primary')}]")
    if not navs:
        return ()
    lists = _children(navs[0], "ul", "md-nav__list")
    return _nav_items(lists[0], url) if lists else ()


def _nav_items(ul: HtmlElement, url: str) -> tuple[NavNode, ...]:
    return tuple(_nav_item(li, url) for li in _children(ul, "li", "md-nav__item"))


def _nav_item(li: HtmlElement, url: str) -> NavNode:
    nested = [n for n in _children(li, "nav", "md-nav") if "md-nav--secondary" not in n.classes]
    if nested:
        inner = nested[0]
        container = _children(li, "div", "md-nav__container")
        href: str | None = None
        if container:
            section_links = _children(container[0], "a")
            if section_links:
                href = resolve(section_links[0].get("href", ""), url)
        # The nested nav's title repeats the section's label in every layout.
        title = _children(inner, "label", "md-nav__title")
        label = label_text(title[0]) if title else ""
        lists = _children(inner, "ul", "md-nav__list")
        children = _nav_items(lists[0], url) if lists else ()
        return NavNode(label=label, href=href, children=children)
    links = _children(li, "a")
    if links:
        return NavNode(label=label_text(links[0]), href=resolve(links[0].get("href", ""), url))
    labels = _children(li, "label")
    return NavNode(label=label_text(labels[0]) if labels else "", href=None)


def _toc(doc: HtmlElement) -> tuple[TocNode, ...]:
    # Material renders the table of contents twice (inside the primary nav for
    # small screens, and in the sidebar); the sidebar one is the reference.
    secondary = _CLASS.format("md-nav--secondary")
    primary = _CLASS.format("md-nav--primary")
    navs = doc.xpath(f"//nav[{secondary}][not(ancestor::nav[{primary}])]")
    if not navs:
        return ()
    lists = _children(navs[0], "ul", "md-nav__list")
    return _toc_items(lists[0]) if lists else ()


def _toc_items(ul: HtmlElement) -> tuple[TocNode, ...]:
    nodes: list[TocNode] = []
    for li in _children(ul, "li", "md-nav__item"):
        links = _children(li, "a")
        if not links:
            continue
        anchor = unquote(links[0].get("href", "").partition("#")[2])
        children: tuple[TocNode, ...] = ()
        inner = _children(li, "nav")
        if inner:
            lists = _children(inner[0], "ul", "md-nav__list")
            if lists:
                children = _toc_items(lists[0])
        nodes.append(TocNode(label=label_text(links[0]), anchor=anchor, children=children))
    return tuple(nodes)
