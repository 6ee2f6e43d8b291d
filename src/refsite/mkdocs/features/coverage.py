"""The coverage feature: how much of the public API the site documents.

Wires :mod:`refsite.checks.coverage` into a build: the public API is read
while pages render (in a process of its own unless cached), the coverage page
is filled once ``objects.inv`` exists, and each object left undocumented is
reported after the build. Only the newest release's coverage gates the build.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import markdown as md
from mkdocs.exceptions import PluginError

from refsite.checks.coverage import (
    CoverageError,
    CoverageReport,
    PublicApiReader,
    examples_line,
    format_markdown,
    load_exclusions,
    measure,
    objects_from_data,
    rendered_names,
)
from refsite.core.store import Store
from refsite.mkdocs.build import PLUGIN_NAME, Build, BuiltSite, JobFeature, log
from refsite.releases.current import WORKERS_ENV

__all__ = ["PLACEHOLDER", "CoverageFeature"]

PLACEHOLDER = "<!-- refsite:coverage -->"
"""What the coverage page holds until every page is rendered (:meth:`CoverageFeature.post_page`)."""


class CoverageFeature(JobFeature):
    """The public API reader, the coverage page and the coverage report."""

    def __init__(self) -> None:
        self.api: PublicApiReader | None = None
        self.report_: CoverageReport | None = None

    def config(self, build: Build) -> None:
        """Start reading the public API, in a process of its own unless it is cached."""
        self.report_ = None
        self.stop()
        settings = build.options.coverage
        if not build.options.enabled or not settings.packages or build.worker_of is not None:
            return
        store = Store(build.reuse.cache.directory) if build.reuse is not None else None
        self.api = PublicApiReader(
            settings.packages,
            settings.preload,
            build.search_paths,
            store,
            # Builds running side by side (a versioned site) keep every core busy.
            in_process=os.environ.get(WORKERS_ENV) == "1",
            known=(
                build.release.public_api(build.history, settings.packages)
                if build.release is not None and build.history is not None
                else None
            ),
            # Started with the files: until then the examples check may take it over.
            deferred=True,
        )
        build.public_api = self.api

    def files(self, build: Build, files: Any) -> None:
        if self.api is not None:
            self.api.start()

    def post_page(self, build: Build, output: str, page: Any) -> str:
        if PLACEHOLDER not in output or not build.options.enabled:
            return output
        # objects.inv is written before pages are (mkdocstrings' on_env).
        report = self._report(build, Path(build.config.site_dir))
        if report is None:
            return output
        text = format_markdown(report)
        if build.example_objects is not None:
            text += "\n\n" + examples_line(report, build.example_objects())
        html = md.markdown(text, extensions=["tables"])
        return output.replace(PLACEHOLDER, html)

    def report(self, build: Build, site: BuiltSite) -> None:
        """Post-build: every public object left undocumented, and the gate."""
        coverage = self._report(build, site.directory)
        if coverage is None:
            return
        # An older release's coverage is reported; only the newest's gates the build.
        say = log.warning
        if build.release is not None and not build.release.is_newest:
            say = log.info
        settings = build.options.coverage
        for obj in coverage.missing:
            say(
                "coverage: %s is public but not documented: render it with '::: %s' "
                "or exclude it with a reason in %s",
                obj.name,
                obj.name,
                settings.exclusions or "an exclusions file",
            )
        for exclusion in coverage.stale:
            say(
                "coverage: exclusion %r in %s matches nothing left to document: remove it",
                exclusion.pattern,
                settings.exclusions,
            )
        if coverage.percent + 1e-9 < settings.fail_under:
            say(
                "coverage: %.1f%% documented or excluded, under fail_under %s",
                coverage.percent,
                settings.fail_under,
            )

    def _report(self, build: Build, site: Path) -> CoverageReport | None:
        settings = build.options.coverage
        if not settings.packages:
            return None
        if self.report_ is None:
            try:
                exclusions_file = build.base / settings.exclusions if settings.exclusions else None
                exclusions = load_exclusions(exclusions_file) if exclusions_file else []
                api = self.api or PublicApiReader(
                    settings.packages, settings.preload, build.search_paths
                )
                objects = objects_from_data(api.result())
                kept = build.kept
                names = kept.rendered_names(site) if kept else rendered_names(site)
                self.report_ = measure(objects, names, exclusions)
            except CoverageError as error:
                raise PluginError(f"{PLUGIN_NAME}: coverage: {error}") from None
        return self.report_

    def stop(self) -> None:
        if self.api is not None:
            self.api.stop()
        self.api = None
