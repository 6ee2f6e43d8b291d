"""Read a finished site directory: pages, navigation, tables of contents, ids.

Everything refsite checks comes from the built output, never from MkDocs'
in-memory state, so the same code reads a site built by MkDocs or by another
engine from the same ``mkdocs.yml`` (Material's HTML structure is the contract).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag

__all__ = [
    "NavNode",
    "Page",
    "SiteError",
    "TocNode",
    "is_external",
    "page_file",
    "page_url",
    "parse_page",
    "read_page",
    "resolve",
]


class SiteError(ValueError):
    """A site directory that cannot be read."""


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
    duplicate_ids: tuple[str, ...]
    nav: tuple[NavNode, ...]
    toc: tuple[TocNode, ...]
    links: tuple[str, ...]


def is_external(href: str) -> bool:
    """Whether a link leaves the site (has a scheme or is protocol-relative)."""
    parts = urlsplit(href)
    return bool(parts.scheme) or href.startswith("//")


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


def read_page(site_dir: Path, url: str) -> Page:
    """Read the page served at ``url``.

    Raises:
        SiteError: no file serves that URL.
    """
    file = page_file(site_dir, url)
    if not file.is_file():
        raise SiteError(f"{url}: no page (expected {file})")
    return parse_page(file.read_text(encoding="utf-8"), url)


def parse_page(html: str, url: str) -> Page:
    """Parse the HTML of the page served at ``url``."""
    soup = BeautifulSoup(html, "lxml")
    seen: set[str] = set()
    duplicates: list[str] = []
    for tag in soup.find_all(id=True):
        value = tag.get("id")
        if not isinstance(value, str):
            continue
        if value in seen and value not in duplicates:
            duplicates.append(value)
        seen.add(value)
    title_tag = soup.find("title")
    links = tuple(
        str(a["href"]) for a in soup.find_all("a", href=True) if isinstance(a.get("href"), str)
    )
    return Page(
        url=url,
        title=title_tag.get_text(strip=True) if title_tag else "",
        ids=frozenset(seen),
        duplicate_ids=tuple(duplicates),
        nav=_primary_nav(soup, url),
        toc=_toc(soup),
        links=links,
    )


def label_text(tag: Tag) -> str:
    """The visible text of a label, with inline code written in backticks."""
    parts: list[str] = []
    for node in tag.descendants:
        if isinstance(node, Tag) and node.name == "code":
            text = node.get_text()
            # Empty <code> elements are mkdocstrings' symbol badges (drawn by CSS).
            if text.strip():
                parts.append(f"`{text}`")
        elif type(node) is NavigableString and not _inside(node, "code", tag):
            parts.append(str(node))
    return " ".join("".join(parts).split())


def _inside(node: NavigableString, name: str, stop: Tag) -> bool:
    parent = node.parent
    while parent is not None and parent is not stop:
        if parent.name == name:
            return True
        parent = parent.parent
    return False


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    return list(value) if isinstance(value, list) else []


def _children(tag: Tag, name: str, cls: str | None = None) -> list[Tag]:
    return [
        c
        for c in tag.find_all(name, recursive=False)
        if isinstance(c, Tag) and (cls is None or cls in _classes(c))
    ]


def _primary_nav(soup: BeautifulSoup, url: str) -> tuple[NavNode, ...]:
    nav = soup.find("nav", class_="md-nav--primary")
    if not isinstance(nav, Tag):
        return ()
    lists = _children(nav, "ul", "md-nav__list")
    return _nav_items(lists[0], url) if lists else ()


def _nav_items(ul: Tag, url: str) -> tuple[NavNode, ...]:
    return tuple(_nav_item(li, url) for li in _children(ul, "li", "md-nav__item"))


def _nav_item(li: Tag, url: str) -> NavNode:
    nested = [n for n in _children(li, "nav", "md-nav") if "md-nav--secondary" not in _classes(n)]
    if nested:
        inner = nested[0]
        container = _children(li, "div", "md-nav__container")
        href: str | None = None
        if container:
            section_links = _children(container[0], "a")
            if section_links:
                href = resolve(str(section_links[0].get("href", "")), url)
        # The nested nav's title repeats the section's label in every layout.
        title = _children(inner, "label", "md-nav__title")
        label = label_text(title[0]) if title else ""
        lists = _children(inner, "ul", "md-nav__list")
        children = _nav_items(lists[0], url) if lists else ()
        return NavNode(label=label, href=href, children=children)
    links = _children(li, "a")
    if links:
        link = links[0]
        return NavNode(label=label_text(link), href=resolve(str(link.get("href", "")), url))
    labels = _children(li, "label")
    return NavNode(label=label_text(labels[0]) if labels else "", href=None)


def _toc(soup: BeautifulSoup) -> tuple[TocNode, ...]:
    # Material renders the table of contents twice (inside the primary nav for
    # small screens, and in the sidebar); the sidebar one is the reference.
    navs = [
        n
        for n in soup.find_all("nav", class_="md-nav--secondary")
        if isinstance(n, Tag) and n.find_parent("nav", class_="md-nav--primary") is None
    ]
    if not navs:
        return ()
    lists = _children(navs[0], "ul", "md-nav__list")
    return _toc_items(lists[0]) if lists else ()


def _toc_items(ul: Tag) -> tuple[TocNode, ...]:
    nodes: list[TocNode] = []
    for li in _children(ul, "li", "md-nav__item"):
        links = _children(li, "a")
        if not links:
            continue
        href = str(links[0].get("href", ""))
        anchor = unquote(href.partition("#")[2])
        children: tuple[TocNode, ...] = ()
        inner = _children(li, "nav")
        if inner:
            lists = _children(inner[0], "ul", "md-nav__list")
            if lists:
                children = _toc_items(lists[0])
        nodes.append(TocNode(label=label_text(links[0]), anchor=anchor, children=children))
    return tuple(nodes)
