"""The reader extras' features: source links, links into other docs, search rank, llms.txt.

Wire :mod:`refsite.extras` into a build, each only where its option asks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from refsite.checks.site import ParsedFiles
from refsite.core.processes import in_background
from refsite.extras.inventories import Inventories, load_inventories
from refsite.extras.llms import LLMS_KINDS, LlmsReport, write_llms
from refsite.extras.search import INDEX, boost_site_index
from refsite.extras.sourcelinks import TEMPLATES
from refsite.mkdocs.build import Build, BuiltSite, Feature, log

__all__ = [
    "LlmsFeature",
    "OtherInventoriesFeature",
    "SearchBoostFeature",
    "SourceLinkTemplatesFeature",
]


class SourceLinkTemplatesFeature(Feature):
    """refsite's python templates, which show each object's source link."""

    def config_early(self, build: Build) -> None:
        # Before mkdocstrings reads its options in its own on_config.
        mkdocstrings = build.config.plugins.get("mkdocstrings")
        # A site with templates of its own keeps them (they may extend ours).
        if (
            build.options.enabled
            and build.options.source_links
            and mkdocstrings is not None
            and mkdocstrings.config.get("custom_templates") is None
        ):
            mkdocstrings.config["custom_templates"] = str(TEMPLATES)


class OtherInventoriesFeature(Feature):
    """Annotations link into other projects' docs through their ``objects.inv``."""

    def __init__(self) -> None:
        # Read once per process: a `mkdocs serve` rebuild links the same items.
        self.loaded: tuple[tuple[str, ...], Inventories] | None = None

    def pages_rendered(self, build: Build, files: Any) -> None:
        # Before autorefs (priority -50) turns cross-references into links.
        autorefs = build.config.plugins.get("autorefs")
        urls = build.options.inventories
        if not (build.options.enabled and urls and autorefs is not None):
            return
        cache_dir = build.base / build.options.cache_dir / "inventories"
        key = (str(cache_dir), *urls)
        if self.loaded is None or self.loaded[0] != key:
            self.loaded = (key, load_inventories(urls, cache_dir))
        found = self.loaded[1]
        for name, url in found.items.items():
            autorefs.register_url(name, url)
        if found.missing:
            log.info(
                "inventories: no copy of %s in %s and it cannot be downloaded (no network?): "
                "built without links into those docs",
                " or ".join(found.missing),
                cache_dir,
            )
        else:
            log.info("inventories: annotations link to %d objects of other docs", len(found.items))


class SearchBoostFeature(Feature):
    """API object sections rank above the pages that merely name them."""

    def boost(self, build: Build, site: BuiltSite) -> None:
        """Post-build: Material's search plugin, listed before this one, has written its index."""
        boost = build.options.search_boost
        if boost == 1 or not (site.directory / INDEX).is_file():
            return
        boosted = build.kept.boosted_index(boost) if build.kept is not None else None
        boost_site_index(site.directory, boost, boosted=boosted)


class LlmsFeature(Feature):
    """``llms.txt`` and a Markdown twin of every page, made from the built HTML."""

    def __init__(self) -> None:
        self.finish_: Callable[[], LlmsReport] | None = None

    def start(self, build: Build, site: BuiltSite) -> None:
        """Post-build: start writing them, in a forked copy of this process on a cold build.

        When pages were rendered (every twin is converted anew), the copy
        writes them while this process runs the checks, and hands back what
        it parsed; :meth:`finish` waits for it.
        """
        self.finish_ = None
        if not build.options.llms:
            return
        config = build.config
        parsed: ParsedFiles = site.parsed

        def write() -> tuple[LlmsReport, dict[tuple[str, str], Any]]:
            summary = config.site_description or ""
            report = write_llms(
                site.directory, title=config.site_name, summary=summary, files=parsed
            )
            return report, parsed.entries(LLMS_KINDS)

        cold = build.reuse is not None and build.reuse.cache.misses > 0
        job = in_background(write) if cold and build.command != "serve" else None

        def finish() -> LlmsReport:
            done = job() if job is not None else None
            if done is None:  # not started, or the copy failed: here, where errors show
                done = write()
            report, entries = done
            parsed.add(entries)
            return report

        self.finish_ = finish

    def finish(self, build: Build, site: BuiltSite) -> None:
        """Post-build, before the parsed files are kept: wait for the writer, and report."""
        if self.finish_ is None:
            return
        llms = self.finish_()
        self.finish_ = None
        log.info(
            "llms.txt: %d pages; their Markdown twins are %d kB, %.0f%% of the HTML",
            len(llms.pages),
            llms.markdown_bytes // 1000,
            100 * llms.ratio,
        )
