"""Rank API objects first in Material's search.

Material's search index is a list of documents, one per page section, each
with an optional ``boost`` that its search UI applies. A page whose title names
the object it documents (say "`HTTPConnection` class") otherwise outranks the
object's own heading, because Material favours whole pages. Boosting the
sections that are API objects (the anchors listed in ``objects.inv``) makes a
symbol search land on the symbol.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mkdocstrings import Inventory

__all__ = ["boost_sections", "boost_site_index", "inventory_anchors"]

INDEX = Path("search") / "search_index.json"


def inventory_anchors(site_dir: Path) -> set[str]:
    """The element ids that the site's ``objects.inv`` points at."""
    with (site_dir / "objects.inv").open("rb") as file:
        inventory = Inventory.parse_sphinx(file, domain_filter=("py",))
    return {item.uri.partition("#")[2] for item in inventory.values() if "#" in item.uri}


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


def boost_site_index(site_dir: Path, boost: float) -> int:
    """Boost the object sections of a built site's Material search index in place."""
    path = site_dir / INDEX
    index = json.loads(path.read_text(encoding="utf-8"))
    count = boost_sections(index, inventory_anchors(site_dir), boost)
    # Material writes the index compactly; keep it so.
    path.write_text(json.dumps(index, separators=(",", ":")), encoding="utf-8")
    return count
