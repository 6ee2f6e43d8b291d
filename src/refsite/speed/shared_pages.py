"""Rendered pages that the releases of a versioned site share.

The page cache (:mod:`refsite.speed.kept_pages`) keys a page under the site's
fingerprint, which names the release's source folders and site URL, and checks
its source files by path: two releases never share an entry, although most
pages of neighbouring releases render byte-identical files (FastAPI 0.161
changed two files of 0.160's). Here a page is kept by what it renders from,
wherever the files lie: its Markdown, the fingerprint without folders and
site URL, and the path of each source file within its package folder with
the file's content hash.

A rendered page names its release in two places: the source link of each
object (``<repository>/blob/<tag>/<path>#L<a>-L<b>``), and the file of each
cross-reference autorefs has yet to resolve (``filepath="/abs/path.py"``,
gone from the written page). The stored HTML holds tokens instead (the
repository and tag, :func:`refsite.extras.source_tokens.release_tokens`;
the file's path within its folder, :func:`file_tokens`), and a hit fills in
those of the release being built. A page whose HTML still shows where this
build's files lie (a "Source code in" label of a file under the working
folder) is not shared.

Each page has an index of the variants kept (one per set of sources), so
releases whose files differ keep theirs side by side.

One thing a page registers comes from beyond its own files: the aliases of
its objects in ``objects.inv`` (every name a package imports them under,
in any module). A newer release that imports a class in a new module adds
an alias an older one lacks, with the page's files unchanged. So a variant
is taken only when each of its objects has, in this build's griffe load,
the aliases it registered (:meth:`SharedPages.get`'s ``accept``); otherwise
the page is rendered. A variant rendered from the very same package files
(the newest release's, for the root of a versioned site) needs no such
question, and is tried first: a build that takes every page so loads
nothing with griffe.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import griffe

from refsite import internals
from refsite.checks.coverage import package_folders
from refsite.core.store import derive_key
from refsite.extras.source_tokens import fill_release_tokens, release_tokens
from refsite.extras.sourcelinks import configured_naming, link_prefix, release_source
from refsite.speed.kept_pages import KeptPage, KeptPages

__all__ = [
    "MAX_VARIANTS",
    "LinkPrefixes",
    "SharedPages",
    "Variant",
    "file_tokens",
    "fill_file_tokens",
    "locate",
    "relative_sources",
]

MAX_VARIANTS = 16
"""Variants an index keeps, the most recently stored first."""

# The store's namespace of shared pages and their indexes.
SHARED = "shared-pages"


@dataclass(frozen=True)
class Variant:
    """One kept rendering of a page: what it was rendered from."""

    sources: tuple[tuple[str, str], ...]
    """(path within the search folder, content hash) of each source file, sorted."""
    links: tuple[tuple[str, bool], ...]
    """(top-level package of a source, whether its objects had source links), sorted."""
    names: str = ""
    """A digest of the names the page registered in the inventory (objects and aliases):
    releases whose files are the same but whose packages import them elsewhere
    keep a variant each."""
    packages: str = ""
    """The content hash of the packages it was rendered with (its objects' and the
    preloaded ones): a build of the very same files has the same aliases."""
    tops: tuple[str, ...] = ()
    """Those packages' names, which :attr:`packages` hashes."""

    def to_data(self) -> list[Any]:
        """As plain data, for the index file."""
        return [
            [list(s) for s in self.sources],
            [list(link) for link in self.links],
            self.names,
            self.packages,
            list(self.tops),
        ]

    @classmethod
    def from_data(cls, data: Any) -> Variant | None:
        """The inverse of :meth:`to_data`; None for anything else."""
        try:
            sources, links, names, packages, tops = data
            return cls(
                tuple((str(p), str(h)) for p, h in sources),
                tuple((str(t), bool(b)) for t, b in links),
                str(names),
                str(packages),
                tuple(str(t) for t in tops),
            )
        except (TypeError, ValueError):
            return None

    def digest_part(self) -> str:
        """What the variant adds to its entry's key."""
        return json.dumps(self.to_data())


def relative_sources(
    sources: Mapping[str, str], roots: Sequence[str]
) -> tuple[tuple[str, str], ...] | None:
    """``sources`` (path -> hash) by their path within the first of ``roots`` holding them.

    None when a file lies in none of them: the page is not shared.
    """
    out = []
    for path, digest in sources.items():
        within = _within(path, roots)
        if within is None:
            return None
        out.append((within, digest))
    return tuple(sorted(out))


def _within(path: str, roots: Sequence[str]) -> str | None:
    for root in roots:
        folder = root.rstrip("/") + "/"
        if path.startswith(folder) and len(path) > len(folder):
            return path[len(folder) :]
    return None


# autorefs writes the file of each cross-reference's docstring into the
# rendered HTML (`<autoref ... filepath="/abs/path.py">`, for its messages)
# until it resolves them: the build's own location. A kept page holds a token
# in its place, the file's path within its folder.
_FILEPATH = 'filepath="{}"'
_FILE_TOKEN = "refsite-file:"


def file_tokens(html: str, files: Mapping[str, str]) -> str:
    """``html`` with each of ``files`` (path -> path within its folder) named by a token."""
    for path, within in files.items():
        html = html.replace(_FILEPATH.format(path), _FILEPATH.format(_FILE_TOKEN + within))
    return html


def fill_file_tokens(html: str, files: Mapping[str, str]) -> str | None:
    """The inverse of :func:`file_tokens` (``files``: path within -> path); None if one is left."""
    for within, path in files.items():
        html = html.replace(_FILEPATH.format(_FILE_TOKEN + within), _FILEPATH.format(path))
    return None if _FILEPATH.format(_FILE_TOKEN) in html else html


def shows_a_location(html: str, paths: Iterable[str], cwd: str) -> bool:
    """Whether ``html`` names one of ``paths`` as this build has it.

    A "Source code in" label shows a file's path relative to the working
    folder (or below ``site-packages``, or within its package, which
    releases share): the first is the build's own.
    """
    for path in paths:
        shown = [path]
        relative = os.path.relpath(path, cwd)
        if not relative.startswith(".."):
            shown.append(relative)
        if any(p in html for p in shown):
            return True
    return False


def locate(relative: str, roots: Sequence[str]) -> str | None:
    """Where ``relative`` is in this build: under the first of ``roots`` that has it."""
    for root in roots:
        path = Path(root) / relative
        if path.is_file():
            return str(path)
    return None


class SharedPages:
    """The variants of each page kept in ``cache``, found by what they render from.

    ``fingerprint`` is the site's, without what names a release (its source
    folders and site URL). A build says where its sources are (``roots``,
    griffe's search path in its order) and gives ``prefix_of(top)``: the
    ``<repository>/blob/<tag>/`` of a top-level package's source links in
    this build, ``""`` when it has none, None when that cannot be told.
    """

    def __init__(
        self,
        cache: KeptPages,
        fingerprint: str,
        roots: Sequence[str],
        prefix_of: Callable[[str], str | None],
        preload: Sequence[str] = (),
    ) -> None:
        self.cache = cache
        self.fingerprint = fingerprint
        self.roots = list(roots)
        self.prefix_of = prefix_of
        self.preload = list(preload)
        """Packages griffe loads besides those of the rendered objects (preload_modules)."""
        self.hits = 0
        self._package_hashes: dict[tuple[str, ...], str] = {}

    def get(
        self,
        src_uri: str,
        markdown: str,
        accept: Callable[[KeptPage], bool] = lambda page: True,
    ) -> KeptPage | None:
        """A kept rendering of the page whose sources are this build's, links filled in.

        ``accept`` may still turn a variant down: what it registers besides
        its HTML (the aliases of its objects) depends on more than its files.
        """
        index = self.cache.load(self._index_key(src_uri, markdown), namespace=SHARED)
        if not isinstance(index, list):
            return None
        found = []
        for data in index:
            variant = Variant.from_data(data)
            here = self._here(variant) if variant is not None else None
            if variant is not None and here is not None:
                found.append((variant, here))
        # A variant rendered from the very same packages needs no question
        # (and no griffe load to answer it): it goes first, then the others
        # from the most recently stored.
        found.sort(key=lambda item: not self._same_packages(item[0]))
        for variant, (sources, places) in found:
            try:
                page = KeptPage(
                    **self.cache.load(self._key(src_uri, markdown, variant), namespace=SHARED)
                )
            except TypeError:
                continue
            content = fill_release_tokens(page.content, self.prefix_of)
            content = fill_file_tokens(content, places) if content is not None else None
            if content is None:
                continue
            page.content = content
            page.sources = sources
            if not self._same_packages(variant) and not accept(page):
                continue
            self.hits += 1
            return page
        return None

    def put(self, src_uri: str, markdown: str, page: KeptPage) -> bool:
        """Keep ``page`` (hashed by :meth:`KeptPages.put`) if it can be shared; whether it was."""
        relative = relative_sources(page.sources, self.roots)
        if relative is None:
            return False
        files = {path: _within(path, self.roots) or "" for path in page.sources}
        html = file_tokens(page.content, files)
        # A file left named (one the page did not render from) stays this build's.
        if shows_a_location(html, page.sources, os.getcwd()) or _FILEPATH.format("/")[:-1] in html:
            return False
        prefixes: dict[str, str] = {}
        for top in sorted({within.split("/", 1)[0] for within, _ in relative}):
            prefix = self.prefix_of(top)
            if prefix is None:
                return False
            prefixes[top] = prefix
        content = release_tokens(html, {t: p for t, p in prefixes.items() if p})
        if content is None:
            return False
        names = derive_key(*(f"{i.get('name')} {i.get('uri')}" for i in page.inventory))
        links = tuple((t, bool(p)) for t, p in prefixes.items())
        tops = self._tops(page)
        variant = Variant(relative, links, names, self._packages(tops), tops)
        stored = dict(page.__dict__, content=content, sources=dict(relative))
        self.cache.store(self._key(src_uri, markdown, variant), stored, namespace=SHARED)
        index_key = self._index_key(src_uri, markdown)
        index = self.cache.load(index_key, namespace=SHARED)
        kept = [variant.to_data()] + [
            d for d in (index if isinstance(index, list) else []) if Variant.from_data(d) != variant
        ]
        self.cache.store(index_key, kept[:MAX_VARIANTS], namespace=SHARED)
        return True

    def _here(self, variant: Variant) -> tuple[dict[str, str], dict[str, str]] | None:
        """The variant's sources in this build, if they are the same files.

        As (path -> hash, path within its folder -> path).
        """
        for top, had_links in variant.links:
            prefix = self.prefix_of(top)
            if prefix is None or bool(prefix) != had_links:
                return None
        sources = {}
        places = {}
        for within, digest in variant.sources:
            path = locate(within, self.roots)
            if path is None or self.cache.file_hash(path) != digest:
                return None
            sources[path] = digest
            places[within] = path
        return sources, places

    def _tops(self, page: KeptPage) -> tuple[str, ...]:
        """The packages ``page``'s objects (and their aliases) come from, and the preloaded ones."""
        names = {str(i.get("name", "")).split(".", 1)[0] for i in page.inventory}
        return tuple(sorted((names | set(self.preload)) - {""}))

    def _same_packages(self, variant: Variant) -> bool:
        """Whether ``variant`` was rendered from this build's very packages (:meth:`_packages`)."""
        return bool(variant.packages) and variant.packages == self._packages(variant.tops)

    def _packages(self, tops: tuple[str, ...]) -> str:
        """The content hash of the packages ``tops``; "" when one is not found here.

        Their aliases are a function of those files: the root of a versioned
        site (the installed packages) and its newest release (the same
        wheels, unpacked elsewhere) agree without asking griffe.
        """
        if not tops:
            return ""
        known = self._package_hashes.get(tops)
        if known is None:
            folders = package_folders(list(tops), [Path(r) for r in self.roots])
            found = {f.name for f in folders}
            # A package not found here: no claim to be the same files.
            known = self.cache.content_hash(folders) if set(tops) <= found else ""
            self._package_hashes[tops] = known
        return known

    def _index_key(self, src_uri: str, markdown: str) -> str:
        return self.cache.shared_key("page-variants", self.fingerprint, src_uri, markdown)

    def _key(self, src_uri: str, markdown: str, variant: Variant) -> str:
        return self.cache.shared_key(
            "page", self.fingerprint, src_uri, markdown, variant.digest_part()
        )


class LinkPrefixes:
    """The ``prefix_of`` of a build whose objects mkdocstrings' python ``handler`` renders.

    Each top-level package's ``<repository>/blob/<tag>/`` is read from its
    metadata as :mod:`refsite.extras.sourcelinks` does, when that extension is
    configured and gives the package a link; else from the package as the
    handler loads it (loading it then, as rendering a page would: griffe
    may have found a Git checkout of its own).
    """

    def __init__(self, handler: Any, roots: Sequence[str]) -> None:
        self.handler = handler
        self.roots = list(roots)
        options = getattr(handler, "global_options", None)
        extensions = options.get("extensions") if isinstance(options, dict) else None
        self.naming = configured_naming(extensions)
        self._known: dict[str, str | None] = {}

    def __call__(self, top: str) -> str | None:
        """Package ``top``'s prefix, ``""`` when it has no links, None when it cannot be told."""
        if top not in self._known:
            prefix = self._from_metadata(top)
            self._known[top] = prefix if prefix is not None else self._from_handler(top)
        return self._known[top]

    def _from_metadata(self, top: str) -> str | None:
        init = locate(f"{top}/__init__.py", self.roots)
        if self.naming is None or init is None:
            return None
        found = release_source(Path(init).parent, self.naming)
        return link_prefix(*found) if found is not None else None

    def _from_handler(self, top: str) -> str | None:
        collection = internals.modules_collection(self.handler)
        if collection is None:
            return None
        try:
            if top not in collection.members:
                self.handler.collect(top, self.handler.get_options({}))
        except Exception:  # not loadable here: the page renders, as it would
            return None
        module = collection.members.get(top)
        if module is None:
            return None
        git = getattr(module, "git_info", None)
        if git is None:
            return ""
        if isinstance(git, griffe.GitInfo) and git.service == "github":
            return link_prefix(git.remote_url, git.commit_hash)
        return None
