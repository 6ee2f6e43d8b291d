"""The docstrings feature: what the rendered docstrings get wrong, on the Docstrings page.

Wires :mod:`refsite.scaffold.docstrings` into a build: when a page holds
``<!-- refsite:docstrings -->`` or ``docstrings.fail`` is set, the audit runs
beside the build in a process of its own, the page is filled with its
findings, and after the build they are said in one line, or each as a warning
(so a strict build fails) when ``docstrings.fail`` asks. Only the newest
release's docstrings are read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import markdown as md
from mkdocs.exceptions import PluginError

from refsite.checks.coverage import CoverageError, package_folders
from refsite.core.keys import base_key, tree_digest
from refsite.core.processes import BackgroundJob
from refsite.core.store import Store
from refsite.mkdocs.build import PLUGIN_NAME, Build, BuiltSite, JobFeature, log
from refsite.scaffold.docstrings import (
    docs_urls,
    findings_from_data,
    format_markdown,
    has_placeholder,
    read_data,
    rendered_names,
    summary,
)
from refsite.scaffold.values import Finding

__all__ = ["PLACEHOLDER", "DocstringsFeature"]

PLACEHOLDER = "<!-- refsite:docstrings -->"
"""What the docstrings page holds until it is filled (see :meth:`DocstringsFeature.post_page`)."""

_WORKER = (
    "import json, sys\n"
    "from refsite.scaffold.docstrings import read_data\n"
    "request = json.load(sys.stdin)\n"
    "print(json.dumps(read_data(request, read_api=request.pop('read_api', False))))\n"
)


class DocstringsFeature(JobFeature):
    """The docstrings audit, its page and its report."""

    def __init__(self) -> None:
        self.request: dict[str, Any] | None = None
        self.job: BackgroundJob | None = None
        self.findings: list[Finding] | None = None
        self.kept: tuple[Store, str] | None = None
        self.answered: dict[str, Any] | None = None

    def config(self, build: Build) -> None:
        self.stop()
        self.request, self.findings, self.kept, self.answered = None, None, None, None
        options = build.options
        packages = options.coverage.packages
        if not options.enabled or not packages or build.worker_of is not None:
            return
        docs = Path(build.config.docs_dir)
        if build.older_release is not None or not (
            options.docstrings.fail or has_placeholder(docs)
        ):
            return
        python = _python_options(build.config)
        self.request = {
            "packages": list(packages),
            "names": rendered_names(docs),
            "preload": list(options.coverage.preload),
            "search_paths": [str(p) for p in build.search_paths],
            "style": str(python.get("docstring_style") or "google"),
            "urls": docs_urls(python.get("extensions")),
        }
        if build.reuse is not None:
            # Kept by what the audit reads: the request (the pages' names
            # included) and the packages' files by content.
            folders = package_folders(
                [*self.request["packages"], *self.request["preload"]], build.search_paths
            )
            key = base_key(
                "docstrings", json.dumps(self.request, sort_keys=True), tree_digest(folders)
            )
            self.kept = (Store(build.reuse.cache.directory), key)
            data = self.kept[0].load("docstrings", key)
            if data is not None:
                self.findings = findings_from_data(data)
                return
        # Coverage reads the public API with the same griffe load as the audit:
        # one load for both, unless the examples check took it already.
        api = build.public_api
        share = (
            api is not None
            and api.wanted
            and api.request
            == (self.request["packages"], self.request["preload"], self.request["search_paths"])
        )
        self.job = BackgroundJob(_WORKER, {**self.request, "read_api": share})
        if api is not None and share:
            api.hand_over(self._public_api)

    def post_page(self, build: Build, output: str, page: Any) -> str:
        if PLACEHOLDER not in output:
            return output
        findings = self._result()
        if findings is None:
            return output
        html = md.markdown(format_markdown(findings), extensions=["tables"])
        return output.replace(PLACEHOLDER, html)

    def report(self, build: Build, site: BuiltSite) -> None:
        """Post-build: the findings in one line, or each a warning under ``docstrings.fail``."""
        findings = self._result()
        if findings is None:
            return
        if build.options.docstrings.fail:
            for finding in findings:
                log.warning("docstrings: %s", finding)
        elif findings:
            log.info("docstrings: %s (see the docstrings page)", summary(findings))

    def _answer(self) -> dict[str, Any] | None:
        """The process's answer, once it is in (None: no process, or it failed)."""
        if self.job is not None:
            answer = self.job.answer()
            self.answered = answer if isinstance(answer, dict) else None
            self.job = None
        return self.answered

    def _public_api(self) -> list[Any] | None:
        """The public API the process read for coverage; None: coverage reads it itself."""
        api = (self._answer() or {}).get("api")
        return api if isinstance(api, list) else None

    def _result(self) -> list[Finding] | None:
        if self.findings is None and self.request is not None:
            data = (self._answer() or {}).get("findings")
            try:
                # No process, or it failed: read here, where errors are raised.
                data = data if data is not None else read_data(self.request)["findings"]
            except CoverageError as error:
                raise PluginError(f"{PLUGIN_NAME}: docstrings: {error}") from None
            self.findings = findings_from_data(data)
            if self.kept is not None:
                self.kept[0].save("docstrings", self.kept[1], data)
        return self.findings

    def stop(self) -> None:
        if self.job is not None:
            self.job.stop()
        self.job = None


def _python_options(config: Any) -> Mapping[str, Any]:
    """The python handler's options in ``mkdocs.yml`` (its docstring style, its extensions)."""
    plugin = config.plugins.get("mkdocstrings")
    handler = plugin.config.get("handlers", {}).get("python", {}) if plugin is not None else {}
    options = handler.get("options", {})
    return options if isinstance(options, Mapping) else {}
