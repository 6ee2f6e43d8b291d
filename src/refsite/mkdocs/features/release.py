"""The release feature: one release of a versioned site, rendered from its own wheels.

Wires :mod:`refsite.releases.current` into a build that ``refsite build
--versions`` started for one release (``REFSITE_RELEASE``). It owns
:attr:`Build.release`: the release's version and its contract (what it lacks
is left out of the navigation and the declared tree).
"""

from __future__ import annotations

import logging
from typing import Any

from mkdocs.exceptions import PluginError

from refsite import internals
from refsite.checks.absent import ABSENT_FILE, absent_record, declared_objects
from refsite.mkdocs.build import PLUGIN_NAME, Build, BuiltSite, Feature, log
from refsite.releases.banner import add_banner, newest_page_url, outdated_banner
from refsite.releases.current import (
    OlderSources,
    ReleaseSite,
    root_script,
    versioned,
    wanted_release,
)

__all__ = ["ReleaseFeature"]


class ReleaseFeature(Feature):
    """The release a versioned build renders; the root's version switch."""

    def __init__(self) -> None:
        self.old_sources = OlderSources()

    def config_early(self, build: Build) -> None:
        # Before mkdocstrings' on_config reads its handlers' paths.
        build.release = _release_site(build)
        griffe_log = logging.getLogger(internals.GRIFFE_LOGGER)
        griffe_log.removeFilter(self.old_sources)
        self.old_sources.reset([])
        if build.release is not None and not build.release.is_newest:
            # What griffe finds odd in an older release's own sources (an
            # annotation naming a pydantic_core function that release used)
            # is that release's history, not a problem of this site: told
            # with --verbose, counted at the end.
            self.old_sources.reset([f.name for f in build.release.folders])
            griffe_log.addFilter(self.old_sources)
        if versioned():
            build.config.extra["version"] = {"provider": "mike", "alias": True}

    def nav(self, build: Build, nav: Any, files: Any) -> None:
        release = build.release
        if release is None:
            return
        pages = files.documentation_pages()
        cache = build.reuse.cache if build.reuse is not None else None
        mkdocstrings = build.config.plugins.get("mkdocstrings")
        handler = mkdocstrings.handlers.get_handler("python") if mkdocstrings else None
        members = declared_objects(build.tree) if build.tree is not None else set()
        release.scan(
            [("/" + f.url, f.content_string) for f in pages], cache, handler, members=members
        )
        release.prune_navigation(nav)

    def page_markdown(self, build: Build, markdown: str, page: Any) -> str:
        if build.release is None:
            return markdown
        return build.release.page_markdown(markdown)

    def post_page(self, build: Build, output: str, page: Any) -> str:
        release = build.release
        if release is not None and not release.is_newest:
            newest = release.lock.releases[0].version
            href = newest_page_url(page.url)
            banner = outdated_banner(release.label, release.release.version, newest, href)
            output = add_banner(output, banner)
        if versioned() and build.release is None:
            # The root of a versioned site: see assets/versions.js.
            base = "../" * page.url.count("/") or "./"
            script = f'<script data-base="{base}">{root_script()}</script>'
            output = output.replace("</head>", script + "</head>", 1)
        return output

    def report(self, build: Build, site: BuiltSite) -> None:
        """Post-build: how many problems griffe saw in an older release's own sources."""
        if self.old_sources.count:
            log.info(
                "griffe reported %d problem(s) in this release's own sources "
                "(shown with --verbose); the pages render as the release's code allows",
                self.old_sources.count,
            )

    def write_absent(self, build: Build, site: BuiltSite) -> None:
        """Post-build: what this release lacks, for `refsite check` to relax the contract alike."""
        left_out = build.release.left_out() if build.release is not None else None
        if left_out is not None:
            (site.directory / ABSENT_FILE).write_text(absent_record(left_out), encoding="utf-8")


def _release_site(build: Build) -> ReleaseSite | None:
    """The release this build renders (``REFSITE_RELEASE``); None: the installed packages."""
    version = wanted_release()
    settings = build.options.releases
    if version is None or not build.options.enabled:
        return None
    if not settings.package:
        raise PluginError(
            f"{PLUGIN_NAME}: REFSITE_RELEASE={version} but no 'releases' options: "
            "declare the documented package under the plugin's 'releases'"
        )
    # Only a versioned build reads the lock and the wheels.
    from refsite.registry.wheels import WheelError
    from refsite.releases.lock import LockError

    wheels = build.base / settings.wheels_dir
    try:
        release = ReleaseSite.load(
            build.base / settings.lock,
            version,
            settings.label or settings.package,
            wheels / "files",
            wheels / "unpacked",
        )
    except (LockError, WheelError) as error:
        raise PluginError(f"{PLUGIN_NAME}: releases: {error}") from None
    release.configure(build.config)
    return release
