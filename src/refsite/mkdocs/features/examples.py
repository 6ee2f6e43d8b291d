"""The examples feature: every fenced Python example the site renders, run.

Wires :mod:`refsite.examples` into a build: the check starts with the build in
a process of its own (nothing runs when every result is kept), the examples
page is filled once ``objects.inv`` exists, and each failing example that no
exclusion names is a warning after the build, so a strict build fails. Only
the newest release's examples are checked.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import markdown as md
from mkdocs.exceptions import PluginError
from mkdocstrings import Inventory

from refsite.checks.coverage import package_folders
from refsite.examples.check import ExamplesError, ExamplesReader, Settings
from refsite.examples.hidden import unshown_warning
from refsite.examples.report import ExamplesReport, format_markdown, load_exclusions, sort_out
from refsite.extras.sourcelinks import configured_naming, release_source, source_url
from refsite.mkdocs.build import PLUGIN_NAME, Build, BuiltSite, JobFeature, log

__all__ = ["PLACEHOLDER", "ExamplesFeature", "examples_settings"]

PLACEHOLDER = "<!-- refsite:examples -->"
"""What the examples page holds until every page is rendered (:meth:`ExamplesFeature.post_page`)."""


def examples_settings(build: Build) -> Settings | None:
    """The check this build asks for, or None."""
    options = build.options
    section = options.examples
    packages = section.packages or options.coverage.packages
    if not options.enabled or not section.enabled or not packages:
        return None
    cache = build.reuse.cache.directory if build.reuse is not None else None
    return Settings(
        packages=packages,
        preload=section.preload if section.preload is not None else options.coverage.preload,
        docs_dir=Path(build.config.docs_dir),
        search_paths=build.search_paths,
        prelude=section.prelude,
        requires=section.requires,
        timeout=float(section.timeout),
        store=cache,
    )


class ExamplesFeature(JobFeature):
    """The examples check, the examples page and the examples report."""

    def __init__(self) -> None:
        self.reader: ExamplesReader | None = None
        self.report_: ExamplesReport | None = None

    def config(self, build: Build) -> None:
        self.report_ = None
        self.stop()
        settings = examples_settings(build)
        # An older release's examples are history: checked only when asked.
        older = build.older_release is not None and not build.options.examples.older_releases
        if settings is None or build.worker_of is not None or older:
            return
        # The check loads the packages with griffe anyway: when coverage
        # still has to read their public API, the same load answers both.
        api = build.public_api
        paths = [str(p) for p in settings.search_paths]
        share = (
            api is not None
            and api.wanted
            and api.request == (list(settings.packages), list(settings.preload), paths)
        )
        if share:
            settings = replace(settings, read_api=True)
        self.reader = ExamplesReader(settings)
        if api is not None and share and self.reader.running:
            api.hand_over(self.reader.public_api)
        build.example_objects = lambda: self._objects(build)

    def _objects(self, build: Build) -> set[str]:
        report = self._report(build)
        return report.objects_with_examples if report is not None else set()

    def post_page(self, build: Build, output: str, page: Any) -> str:
        if PLACEHOLDER not in output:
            return output
        report = self._report(build)
        if report is None:
            said = "The examples are checked for the newest release only."
            if build.older_release is None:
                said = "The examples are not checked in this build."
            return output.replace(PLACEHOLDER, f"<p>{said}</p>")
        site = Path(build.config.site_dir)
        base = "../" * page.url.count("/")
        objects = _object_urls(site, base)
        text = format_markdown(report, object_url=objects, source_url=_source_urls(build, report))
        html = md.markdown(text, extensions=["tables"])
        return output.replace(PLACEHOLDER, html)

    def report(self, build: Build, site: BuiltSite) -> None:
        """Post-build: every failing example no exclusion names, and stale exclusions."""
        report = self._report(build)
        if report is None:
            return
        file = build.options.examples.exclusions or "an exclusions file"
        for outcome in report.failed:
            example, result = outcome.checked.example, outcome.checked.result
            log.warning(
                "examples: the example of %s (%s:%s) fails: %s: %s; fix it or exclude it "
                "with a reason in %s",
                example.object,
                example.file,
                example.line,
                result.get("error"),
                result.get("message"),
                file,
            )
        for exclusion in report.stale:
            log.warning(
                "examples: exclusion of %s in %s matches no failing example: remove it",
                exclusion.object,
                file,
            )
        examples = [o.checked.example for o in report.outcomes]
        unshown = unshown_warning(examples, _handler_extensions(build))
        if unshown is not None:
            log.warning("examples: %s", unshown)

    def _report(self, build: Build) -> ExamplesReport | None:
        if self.reader is None:
            return None
        if self.report_ is None:
            exclusions_file = build.options.examples.exclusions
            try:
                exclusions = (
                    load_exclusions(build.base / exclusions_file) if exclusions_file else []
                )
                self.report_ = sort_out(self.reader.result(), exclusions)
            except ExamplesError as error:
                raise PluginError(f"{PLUGIN_NAME}: examples: {error}") from None
        return self.report_

    def stop(self) -> None:
        if self.reader is not None:
            self.reader.stop()
        self.reader = None


def _object_urls(site: Path, base: str) -> dict[str, str]:
    """Each object's URL in the built site, relative to a page ``base`` deep."""
    try:
        with (site / "objects.inv").open("rb") as file:
            inventory = Inventory.parse_sphinx(file, domain_filter=("py",))
    except (OSError, ValueError):
        return {}
    return {name: base + item.uri for name, item in inventory.items()}


def _source_urls(build: Build, report: ExamplesReport) -> dict[str, str]:
    """``file:line`` -> the line on GitHub, for projects whose tag naming the site declares."""
    naming = configured_naming(_handler_extensions(build))
    if not naming:
        return {}
    urls: dict[str, str] = {}
    sources: dict[str, tuple[str, str] | None] = {}
    for outcome in report.outcomes:
        example = outcome.checked.example
        top = example.file.split("/")[0]
        if top not in sources:
            folders = package_folders([top], build.search_paths)
            sources[top] = release_source(folders[0], naming) if folders else None
        found = sources[top]
        if found is not None and example.line:
            where = f"{example.file}:{example.line}"
            urls[where] = source_url(*found, example.file, example.line, example.line)
    return urls


def _handler_extensions(build: Build) -> Any:
    """The python handler's ``extensions`` option as the site wrote it (None without one)."""
    plugin = build.config.plugins.get("mkdocstrings")
    handler = plugin.config.get("handlers", {}).get("python", {}) if plugin is not None else {}
    return handler.get("options", {}).get("extensions")
