"""A persistent, content-addressed cache of rendered pages.

Rendering a reference page (mkdocstrings turning objects into HTML) is most of
a build. A page's rendering depends on its Markdown, the site's configuration,
the versions of the renderers, and the source files of the objects it renders
(with their bases, whose members are inherited). The cache key covers the
first three; each entry lists the source files it was rendered from with their
content hashes, and is only used while every one of them is unchanged. A
docstring edit therefore re-renders exactly the pages that show that file.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import griffe

from refsite.core.keys import base_key, file_hash, tree_digest
from refsite.core.store import Store, derive_key, dump_pickle, load_pickle

__all__ = [
    "FORMAT",
    "PAGES",
    "KeptModules",
    "KeptPage",
    "KeptPages",
    "first_heading",
    "source_files",
]

FORMAT = "refsite-page-cache/1"
PAGES = "pages"
"""The store's namespace of rendered pages."""
_HEADING = re.compile(r"^# .*$", re.MULTILINE)


def first_heading(markdown: str) -> str:
    """The page's first level-one ATX heading line, or ``""``.

    A cached page is replayed from this line alone, so MkDocs derives the same
    title from it as from the whole page.
    """
    match = _HEADING.search(markdown)
    return match.group(0) + "\n" if match else ""


@dataclass
class KeptPage:
    """What a page's rendering produced, to replay without rendering it."""

    content: str
    toc: list[dict[str, Any]]
    anchors: list[list[Any]] = field(default_factory=list)
    """autorefs ``register_anchor`` calls: [identifier, anchor, title, primary]."""
    inventory: list[dict[str, Any]] = field(default_factory=list)
    """mkdocstrings inventory ``register`` calls, as keyword arguments."""
    sources: dict[str, str] = field(default_factory=dict)
    """Source file path -> content hash, for every file the page renders."""


class KeptPages:
    """Rendered pages on disk, one JSON file per key, in the cache folder's :class:`Store`.

    Other values derived under the site's fingerprint (or shared between
    releases) are kept beside them, each kind in its own ``namespace``.
    """

    def __init__(self, directory: Path, fingerprint: str) -> None:
        self.directory = directory
        self.fingerprint = fingerprint
        self._store = Store(directory)
        self._hashes: dict[str, str] = {}
        self.hits = 0
        self.misses = 0

    def key(self, src_uri: str, markdown: str) -> str:
        """The key of a page: its path, its Markdown and the site's fingerprint."""
        return derive_key(FORMAT, self.fingerprint, src_uri, markdown)

    def file_hash(self, path: str) -> str:
        """The content hash of a file, read once per cache instance (one build)."""
        known = self._hashes.get(path)
        if known is None:
            known = file_hash(path)
            self._hashes[path] = known
        return known

    def get(self, key: str) -> KeptPage | None:
        """The entry for ``key`` if there is one and its sources are unchanged."""
        try:
            page = KeptPage(**self.load(key))
        except TypeError:  # nothing stored, or an entry of another shape
            self.misses += 1
            return None
        if any(self.file_hash(path) != digest for path, digest in page.sources.items()):
            self.misses += 1
            return None
        self.hits += 1
        return page

    def put(self, key: str, page: KeptPage) -> None:
        """Store an entry, with the current hashes of its source files."""
        page.sources = {path: self.file_hash(path) for path in page.sources}
        self.store(key, page.__dict__)

    def derived_key(self, *parts: str | bytes) -> str:
        """A key for a value derived from ``parts`` under this site's fingerprint."""
        return derive_key(FORMAT, self.fingerprint, *parts)

    def shared_key(self, *parts: str | bytes) -> str:
        """A key for a value derived from ``parts`` and the renderers alone.

        Unlike :meth:`derived_key`, not under this site's fingerprint: two
        releases of a versioned site (whose builds read other source folders)
        share the value. ``parts`` must name all else it depends on.
        """
        return base_key(f"{FORMAT}/shared", *parts)

    def exists(self, key: str, *, namespace: str = PAGES) -> bool:
        """Whether an entry is stored under ``key`` (complete: entries are written atomically)."""
        return self._store.exists(namespace, key)

    def load(self, key: str, *, namespace: str = PAGES) -> Any:
        """A stored JSON value, or None."""
        return self._store.load(namespace, key)

    def store(self, key: str, value: Any, *, namespace: str = PAGES) -> None:
        """Store a JSON value; written atomically, so a killed build leaves no torn file."""
        self._store.save(namespace, key, value)

    def tree_hash(self, folders: Iterable[Path]) -> str:
        """One hash of every ``.py`` file under ``folders``, and where the folders lie."""
        roots = list(folders)
        return derive_key(*map(str, roots), tree_digest(roots, file_hash=self.file_hash))

    def content_hash(self, folders: Iterable[Path]) -> str:
        """:func:`refsite.core.keys.tree_digest`, each file read once a build.

        Unlike :meth:`tree_hash`, the same for the same files wherever they lie
        (a package installed, and the same release's unpacked wheel).
        """
        return tree_digest(folders, file_hash=self.file_hash)


class KeptModules:
    """What griffe loaded for the python handler, on disk between processes.

    Loading FastAPI, Starlette and httpx from source takes griffe over a
    second; a fresh build after a one-page edit needs them for that page.
    They are kept as a pickle (griffe's objects link to each other in ways
    its JSON form does not restore exactly) with the hash of their source
    folders, and used only while that hash holds. The file lives in the
    project's own cache folder, which only its own builds write.
    """

    def __init__(self, directory: Path, key: str) -> None:
        name = f"{key}-py{sys.version_info[0]}.{sys.version_info[1]}"
        self.file = Store(directory).file("modules", name, ".pickle")

    def load(self, tree_hash: Callable[[list[Path]], str]) -> tuple[Any, Any] | None:
        """The kept (modules, lines) collections, or None when absent or stale."""
        saved = load_pickle(self.file)
        if not (isinstance(saved, tuple) and len(saved) == 4):
            return None  # missing, torn, or written by other code: load from source
        folders, sources, modules, lines = saved
        if tree_hash([Path(f) for f in folders]) != sources:
            return None
        return modules, lines

    def save(self, folders: list[Path], sources: str, modules: Any, lines: Any) -> None:
        """Write the collections; atomically, so a reader never sees half a file."""
        # Pickling follows griffe's links between objects recursively.
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))
        dump_pickle(self.file, ([str(f) for f in folders], sources, modules, lines))


def source_files(objects: Iterable[griffe.Object | griffe.Alias]) -> set[str]:
    """The source files that rendering ``objects`` reads.

    That is the files of the objects, of their members, and of their base
    classes and the bases' members (inherited members are rendered too).
    """
    files: set[str] = set()
    seen: set[str] = set()
    stack = list(objects)
    while stack:
        obj = stack.pop()
        try:
            target = obj.final_target if isinstance(obj, griffe.Alias) else obj
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            continue  # an object from a package that is not loaded: not rendered
        if target.path in seen:
            continue
        seen.add(target.path)
        path = target.filepath
        for file in path if isinstance(path, list) else [path]:
            files.add(str(file))
        stack.extend(target.members.values())
        if isinstance(target, griffe.Class):
            stack.extend(target.resolved_bases)
    return files


def toc_to_data(toc: Iterable[Any]) -> list[dict[str, Any]]:
    """MkDocs' table of contents as plain data."""
    return [
        {"title": a.title, "id": a.id, "level": a.level, "children": toc_to_data(a.children)}
        for a in toc
    ]


def data_to_anchors(data: Iterable[Mapping[str, Any]], anchor_link: Any) -> list[Any]:
    """Rebuild MkDocs ``AnchorLink`` objects from :func:`toc_to_data` output."""
    anchors = []
    for item in data:
        anchor = anchor_link(item["title"], item["id"], item["level"])
        anchor.children = data_to_anchors(item["children"], anchor_link)
        anchors.append(anchor)
    return anchors
