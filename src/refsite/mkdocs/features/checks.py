"""The check features: the built site against its declared tree, and its links.

Wire :mod:`refsite.checks` into a build: the same checks ``refsite check``
and ``refsite links`` run on a finished site, reported as warnings so that
``mkdocs build --strict`` fails on them. The contract feature owns
:attr:`Build.tree`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError

from refsite.checks.contract import check_site
from refsite.checks.links import check_links
from refsite.checks.tree import TreeError, load_tree
from refsite.mkdocs.build import PLUGIN_NAME, Build, BuiltSite, Feature, log

__all__ = ["ContractFeature", "LinksFeature"]


class ContractFeature(Feature):
    """The declared navigation tree, read anew every build, and the check against it."""

    def config(self, build: Build) -> None:
        options = build.options
        if not options.enabled or not options.tree:
            return
        try:
            build.tree = load_tree(build.base / options.tree)
        except TreeError as error:
            raise PluginError(
                f"{PLUGIN_NAME}: {error}; fix the file or the 'tree' option"
            ) from None

    def check(self, build: Build, site: BuiltSite) -> None:
        """Post-build: does the site match the tree (an older release's, relaxed)?"""
        if build.tree is None:
            return
        tree = build.tree if build.release is None else build.release.tree(build.tree)
        findings = check_site(site.directory, tree, files=site.parsed)
        for finding in findings:
            log.warning("%s", finding)
        if not findings:
            log.info("the site matches %s", build.options.tree)


class LinksFeature(Feature):
    """Every internal link and fragment of the built site resolves."""

    def check(self, build: Build, site: BuiltSite) -> None:
        """Post-build: report each broken link."""
        if not build.options.links:
            return
        base_path = urlsplit(build.config.site_url or "/").path or "/"
        report = check_links(site.directory, base_path=base_path, files=site.parsed)
        for link in report.findings:
            log.warning("broken link: %s", link)
