"""Rank API objects first in Material's search.

Material's search index is a list of documents, one per page section, each
with an optional ``boost`` that its search UI applies. A page whose title names
the object it documents (say "`HTTPConnection` class") otherwise outranks the
object's own heading, because Material favours whole pages. Boosting the
sections that are API objects (the anchors listed in ``objects.inv``) makes a
symbol search land on the symbol.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import lxml.html
from lxml.html import HtmlElement
from mkdocstrings import Inventory

__all__ = ["boost_sections", "boost_site_index", "boosted_index"]

INDEX = Path("search") / "search_index.json"


# A `mkdocs serve` rebuild that changed no object boosts with the same inventory.
@functools.lru_cache(maxsize=4)
def _anchors(inventory_data: bytes) -> frozenset[str]:
    inventory = Inventory.parse_sphinx(io.BytesIO(inventory_data), domain_filter=("py",))
    return frozenset(item.uri.partition("#")[2] for item in inventory.values() if "#" in item.uri)


def boost_sections(index: dict[str, Any], anchors: Iterable[str], boost: float) -> int:
    """Give every section whose anchor is in ``anchors`` the ``boost``; returns how many."""
    wanted = set(anchors)
    count = 0
    for doc in index.get("docs", []):
        fragment = str(doc.get("location", "")).partition("#")[2]
        if fragment in wanted and "boost" not in doc:
            doc["boost"] = boost
            count += 1
    return count


def boost_site_index(
    site_dir: Path, boost: float, *, boosted: Callable[[str, bytes], str] | None = None
) -> None:
    """Boost the object sections of a built site's Material search index in place.

    ``boosted(index, inventory)`` returns the boosted index text; by default
    :func:`boosted_index` (a caller may keep its results).
    """
    path = site_dir / INDEX
    make = boosted or functools.partial(boosted_index, boost=boost)
    text = make(path.read_text(encoding="utf-8"), (site_dir / "objects.inv").read_bytes())
    path.write_text(text, encoding="utf-8")


def boosted_index(index_text: str, inventory_data: bytes, *, boost: float) -> str:
    """A search index's text with the sections that the inventory points at boosted."""
    index = json.loads(index_text)
    boost_sections(index, _anchors(inventory_data), boost)
    # Material writes the index compactly; keep it so.
    return json.dumps(index, separators=(",", ":"))


def feed_tree(parser: Any, html: str) -> None:
    """Feed an ``html.parser``-style handler the events of ``html``, tokenized by lxml.

    Material's search plugin indexes a page by feeding its HTML to a subclass
    of Python's ``html.parser``, whose pure-Python tokenizer is most of the
    cost. This walks lxml's tree instead and calls the same ``handle_starttag``,
    ``handle_data`` and ``handle_endtag`` methods in document order, so the
    handler's logic, and the index it builds, stay Material's own.
    """
    if not html.strip():
        return
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    # lxml drops the whitespace before the first tag; html.parser reports it.
    lead = html.split("<", 1)[0]
    if lead and not root.text:
        parser.handle_data(lead)
    elif root.text:
        parser.handle_data(root.text)
    _children(parser, root)


def _children(parser: Any, element: HtmlElement) -> None:
    for child in element:
        if isinstance(child.tag, str):  # comments: html.parser's handler skips those too
            parser.handle_starttag(child.tag, list(child.attrib.items()))
            if child.text:
                parser.handle_data(child.text)
            _children(parser, child)
            parser.handle_endtag(child.tag)
        if child.tail:
            parser.handle_data(child.tail)
