"""Serve's incremental rebuilds: render and write only what changed, keep the site whole.

Under ``mkdocs serve --dirty`` MkDocs reads and writes only the pages whose
Markdown file is newer than their output. Alone, that leaves the site wrong:
a docstring edit rebuilds nothing, and the search index, ``objects.inv`` and
cross-references hold only the rebuilt pages. refsite keeps, for the life of
the serve process, a :class:`PageRecord` of every page: what it rendered,
registered and indexed, and the source files it read. Each rebuild then

1. plans (:func:`plan`): a page is rebuilt when its Markdown or one of its
   sources changed, when it cannot be known what it reads (it includes files,
   or holds a placeholder computed from the whole site), or when anything
   site-wide changed (configuration, renderers, the page set, the tree file);
2. renders those pages, and replays the others' cross-reference anchors and
   inventory items, in page order, so ``objects.inv`` and the links from the
   rebuilt pages are those of a full build;
3. falls back to rebuilding every page when a rebuilt page's title, metadata
   or anchors changed (:func:`changes_shape`), since every other page shows
   the navigation and may link to those anchors;
4. writes the search index from every page's entries, in page order.

:func:`plan` and :func:`changes_shape` are pure; :class:`IncrementalServe`
applies them to MkDocs' objects.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkdocs.structure.toc import AnchorLink, TableOfContents

from refsite import internals
from refsite.checks.site import page_file
from refsite.speed.effects import PageEffects, Replayed
from refsite.speed.kept_pages import data_to_anchors, toc_to_data
from refsite.speed.reuse import BuildReuse

__all__ = [
    "IncrementalServe",
    "PageRecord",
    "Plan",
    "changes_shape",
    "plan",
    "stamp",
    "watch_with_events",
]

Stamp = tuple[int, int]


def stamp(path: str) -> Stamp:
    """A file's modification time and size; (0, -1) when it is missing."""
    try:
        info = os.stat(path)
    except OSError:
        return (0, -1)
    return (info.st_mtime_ns, info.st_size)


@dataclass
class PageRecord:
    """What a page's last build produced and read."""

    url: str
    title: str | None
    meta: dict[str, Any]
    content: str
    """The HTML before cross-references are fixed (as the page cache keeps it)."""
    toc: list[dict[str, Any]]
    anchors: list[list[Any]]
    inventory: list[dict[str, Any]]
    sources: dict[str, Stamp] | None
    """Source file -> stamp when read; None: unknown, so rebuilt every time."""
    search: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Plan:
    """Which pages a rebuild renders."""

    full: bool
    render: frozenset[str]
    removed: frozenset[str] = frozenset()
    """URLs of pages the previous build had and this one has not."""


def plan(
    records: Mapping[str, PageRecord],
    *,
    same_site: bool,
    pages: Sequence[str],
    markdown_changed: Callable[[str], bool],
    stamp_of: Callable[[str], Stamp] = stamp,
) -> Plan:
    """Decide what to render, given the records of the previous build.

    Args:
        records: The previous build's records, by page source path.
        same_site: Whether everything site-wide is as in the previous build.
        pages: The source paths of this build's pages.
        markdown_changed: Whether a page's Markdown changed since its output.
        stamp_of: A source file's current stamp.
    """
    removed = frozenset(record.url for src, record in records.items() if src not in set(pages))
    if not same_site or set(records) != set(pages):
        return Plan(full=True, render=frozenset(pages), removed=removed)
    render = set()
    for src in pages:
        record = records[src]
        if (
            record.sources is None
            or markdown_changed(src)
            or any(stamp_of(path) != known for path, known in record.sources.items())
        ):
            render.add(src)
    return Plan(full=False, render=frozenset(render))


def changes_shape(before: PageRecord, after: PageRecord) -> bool:
    """Whether a rebuilt page changed what other pages show of it."""
    return (
        before.title != after.title
        or before.meta != after.meta
        or before.url != after.url
        or before.anchors != after.anchors
    )


class IncrementalServe:
    """The records of one ``mkdocs serve --dirty`` process, applied to each rebuild.

    The plugin keeps one across rebuilds and calls it from its hooks; it does
    nothing unless the build is dirty.
    """

    def __init__(self) -> None:
        self.records: dict[str, PageRecord] = {}
        self.site: str | None = None
        self.plan: Plan | None = None
        self._built: dict[str, PageRecord] = {}
        self._order: list[str] = []
        self._replayed: Replayed | None = None

    def forget(self) -> None:
        """Drop the records (after a failed build): the next rebuild is full."""
        self.records = {}
        self.site = None
        self.plan = None
        self._replayed = None

    def start(self, files: Any, site: str, site_dir: str) -> Plan:
        """Plan this rebuild and tell MkDocs which pages it must read and write.

        The output of a page that is gone is deleted, as a clean build would not
        write it (MkDocs' dirty builds leave it).
        """
        pages = list(files.documentation_pages())
        self._order = [f.src_uri for f in pages]
        self._built = {}
        by_src = {f.src_uri: f for f in pages}
        if not internals.usable("incremental-serve"):
            # Without what replaying relies on (refsite.internals):
            # every rebuild renders every page.
            self.records = {}
        self.plan = plan(
            self.records,
            same_site=site == self.site,
            pages=self._order,
            markdown_changed=lambda src: bool(by_src[src].is_modified()),
        )
        self.site = site
        for file in pages:
            internals.set_modified(file, file.src_uri in self.plan.render)
        for url in self.plan.removed:
            _remove_output(Path(site_dir), url)
        return self.plan

    def page_built(
        self, page: Any, html: str, effects: PageEffects | None, *, site_wide: bool = False
    ) -> None:
        """Record a page this build rendered (``html`` before cross-references).

        ``site_wide``: the page shows what comes from the whole site (such as
        the coverage report), so it is rendered in every rebuild.
        """
        anchors: list[list[Any]] = effects.anchors if effects else []
        inventory: list[dict[str, Any]] = effects.inventory if effects else []
        known = effects.sources if effects else None
        sources = None if known is None or site_wide else {path: stamp(path) for path in known}
        self._built[page.file.src_uri] = PageRecord(
            url=page.url,
            title=page.title,
            meta=dict(page.meta),
            content=html,
            toc=toc_to_data(page.toc),
            anchors=anchors,
            inventory=inventory,
            sources=sources,
        )

    def complete(self, files: Any, reuse: BuildReuse) -> bool:
        """Before cross-references are fixed: make the unread pages count.

        Replays their anchors and inventory items, gives them back their titles
        and metadata, and, when a rebuilt page changed shape, their content too,
        so that every page is written again. Returns whether it did that.
        """
        if self.plan is None or self.plan.full:
            return False
        reshaped = any(
            changes_shape(self.records[src], record) for src, record in self._built.items()
        )
        for file in files.documentation_pages():
            src = file.src_uri
            if src in self._built:
                continue
            record = self.records[src]
            page = file.page
            page.title = record.title
            page.meta = dict(record.meta)
            if reshaped:
                page.content = record.content
                page.toc = TableOfContents(data_to_anchors(record.toc, AnchorLink))
                self._built[src] = record
                internals.set_modified(file, True)
        self._replayed = reuse.replay_in_order(
            [(self._page(files, src), self._effects(src)) for src in self._order], self._replayed
        )
        return reshaped

    def search_entries(self, reuse: BuildReuse) -> list[Any] | None:
        """Every page's search entries, in page order; None when MkDocs' own are whole."""
        for record in self._built.values():
            record.search = reuse.search_entries.get(record.url, [])
        if self.plan is None or self.plan.full:
            return None
        return [entry for src in self._order for entry in self._record(src).search]

    def finish(self) -> None:
        """The build succeeded: its records are the next rebuild's."""
        self.records.update(self._built)
        for src in set(self.records) - set(self._order):
            del self.records[src]
        self._built = {}

    def _record(self, src: str) -> PageRecord:
        return self._built.get(src) or self.records[src]

    def _effects(self, src: str) -> PageEffects:
        record = self._record(src)
        return PageEffects(record.anchors, record.inventory, None)

    @staticmethod
    def _page(files: Any, src: str) -> Any:
        return files.get_file_from_path(src).page


# How long MkDocs' server waits for more changes before it rebuilds: its 0.1 s
# suits polling; change notifications for one save (an editor's write and
# rename) arrive within milliseconds. A later one only starts another rebuild.
BUILD_DELAY = 0.02


def watch_with_events(server: Any) -> bool:
    """Make MkDocs' dev server learn of changes from the OS instead of polling.

    MkDocs polls the watched folders every 0.5 s, so an edit waits 0.25 s on
    average before a rebuild even starts. watchdog's native observer (inotify
    on Linux) is told at once. Only events that change a file are delivered:
    the native observer also reports files being opened and closed, which
    every build does to the files it reads, and MkDocs would rebuild on each.
    Returns False, changing nothing, where the server is not the one this was
    written for (:mod:`refsite.internals`).
    """
    if not internals.usable("watch-events"):
        return False
    from watchdog import events
    from watchdog.observers import Observer

    changes: list[type[events.FileSystemEvent]] = [
        events.FileCreatedEvent,
        events.FileModifiedEvent,
        events.FileDeletedEvent,
        events.FileMovedEvent,
        events.DirCreatedEvent,
        events.DirDeletedEvent,
        events.DirMovedEvent,
    ]

    class ChangeObserver(Observer):  # type: ignore[misc,valid-type]
        def schedule(self, handler: Any, path: Any, **kw: Any) -> Any:
            kw["event_filter"] = kw.get("event_filter") or changes
            return super().schedule(handler, path, **kw)

    return internals.replace_observer(server, ChangeObserver(), build_delay=BUILD_DELAY)


def _remove_output(site_dir: Path, url: str) -> None:
    """Delete the page served at ``url``, and the folders that leaves empty."""
    file = page_file(site_dir, "/" + url)
    file.unlink(missing_ok=True)
    folder = file.parent
    while folder != site_dir and folder.is_relative_to(site_dir):
        try:
            folder.rmdir()  # only an empty folder
        except OSError:
            break
        folder = folder.parent
