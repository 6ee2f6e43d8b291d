"""Other projects' inventories (``objects.inv``): links from annotations into their docs.

With them, an annotation such as ``str``, ``enum.Enum`` or
``pydantic.BaseModel`` links to docs.python.org or the Pydantic docs. Each
inventory is downloaded once and kept in a cache folder; later builds read the
cached copy and never ask the network again (delete the copy to refresh it).
An inventory that is neither cached nor reachable is reported as missing, and
the site is built without links into that project's docs; builds in the hour
after a failed download do not try again.

The items are Python objects (the ``py`` domain), each with its absolute URL:
the plugin registers them with autorefs, which turns the matching
cross-references of every page into links.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import posixpath
import re
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkdocstrings import Inventory

from refsite.core.store import derive_key, write_atomic

__all__ = [
    "RETRY_SECONDS",
    "Inventories",
    "cached_copy",
    "fetch_inventory",
    "load_inventories",
    "read_items",
]

# Every Sphinx inventory (version 2) starts with this line.
_HEADER = b"# Sphinx inventory version 2"
RETRY_SECONDS = 3600.0
"""How long after a failed download the next build tries again."""


@dataclass
class Inventories:
    """The items of the inventories that could be read, and the URLs that could not."""

    items: dict[str, str] = field(default_factory=dict)
    """Object name to its absolute URL."""
    loaded: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def cached_copy(cache_dir: Path, url: str) -> Path:
    """Where the copy of the inventory at ``url`` is kept."""
    name = re.sub(r"[^A-Za-z0-9.]+", "-", url.split("://", 1)[-1]).strip("-")[:80]
    digest = derive_key(url)[:12]
    return cache_dir / f"{name}-{digest}"


def fetch_inventory(
    url: str,
    cache_dir: Path,
    *,
    timeout: float = 10.0,
    opener: Callable[..., Any] = urllib.request.urlopen,
    now: float | None = None,
) -> Path | None:
    """The cached copy of the inventory at ``url``, downloaded first if there is none.

    Returns None when it is not cached and cannot be downloaded (no network,
    an HTTP error, or a file that is no Sphinx inventory). A failed download
    is not tried again for :data:`RETRY_SECONDS` (an offline machine's builds
    would each pay for it): ``now`` is the time to compare with.
    """
    copy = cached_copy(cache_dir, url)
    if copy.is_file():
        return copy
    failed = copy.with_name(copy.name + ".failed")
    now = time.time() if now is None else now
    with contextlib.suppress(OSError):
        if now - failed.stat().st_mtime < RETRY_SECONDS:
            return None
    try:
        with opener(url, timeout=timeout) as response:
            data = response.read()
    except (OSError, ValueError, http.client.HTTPException):
        data = b""
    if not data.startswith(_HEADER):
        with contextlib.suppress(OSError):
            cache_dir.mkdir(parents=True, exist_ok=True)
            failed.touch()
            os.utime(failed, (now, now))
        return None
    failed.unlink(missing_ok=True)
    write_atomic(copy, data)  # never a half-written copy, even with two builds at once
    return copy


def read_items(data: bytes, base_url: str) -> dict[str, str]:
    """The Python objects of an inventory, each with its URL under ``base_url``."""
    inventory = Inventory.parse_sphinx(io.BytesIO(data), domain_filter=("py",))
    base = base_url.rstrip("/")
    return {item.name: posixpath.join(base, item.uri) for item in inventory.values()}


def load_inventories(
    urls: Iterable[str],
    cache_dir: Path,
    *,
    timeout: float = 10.0,
    opener: Callable[..., Any] = urllib.request.urlopen,
) -> Inventories:
    """The items of the inventories at ``urls``, from their cached copies or downloaded.

    Each inventory's links are relative to the folder of its URL. An earlier
    URL wins over a later one for a name both list.
    """
    result = Inventories()
    for url in urls:
        copy = fetch_inventory(url, cache_dir, timeout=timeout, opener=opener)
        try:
            items = read_items(copy.read_bytes(), posixpath.dirname(url)) if copy else None
        except (OSError, ValueError, zlib.error):
            # An unreadable copy: as if there were none, and the next build
            # downloads it again.
            if copy is not None:
                copy.unlink(missing_ok=True)
            items = None
        if items is None:
            result.missing.append(url)
            continue
        result.loaded.append(url)
        for name, target in items.items():
            result.items.setdefault(name, target)
    return result
