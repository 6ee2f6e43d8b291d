"""The handler features: mkdocstrings' Python handler loaded lean, and the upstream shapes.

See :mod:`refsite.mkdocs.python_handler`: the handler's option classes are
loaded without pydantic (0.2 s of every build process), so refsite checks the
option names pydantic would have rejected.
"""

from __future__ import annotations

from mkdocs.exceptions import PluginError

from refsite import internals
from refsite.mkdocs.build import PLUGIN_NAME, Build, Feature, log
from refsite.mkdocs.python_handler import load_without_pydantic, unknown_options

__all__ = ["HandlerOptionsFeature", "UpstreamShapesFeature"]


class HandlerOptionsFeature(Feature):
    """Load the python handler without pydantic; an unknown option is a configuration error."""

    def config_early(self, build: Build) -> None:
        # Before mkdocstrings imports its handlers in its own on_config.
        mkdocstrings = build.config.plugins.get("mkdocstrings")
        if not build.options.enabled or mkdocstrings is None:
            return
        load_without_pydantic()
        handlers = mkdocstrings.config.get("handlers") or {}
        options = (handlers.get("python") or {}).get("options") or {}
        unknown = unknown_options(options)
        if unknown:
            names = ", ".join(repr(name) for name in unknown)
            raise PluginError(
                f"{PLUGIN_NAME}: {build.config.config_file_path}: mkdocstrings' python handler "
                f"has no option {names}: fix or remove it under plugins > mkdocstrings > "
                "handlers > python > options"
            )


class UpstreamShapesFeature(Feature):
    """Say, in one line each, which upstream private part changed shape (see internals)."""

    def config(self, build: Build) -> None:
        # After the handler is imported (config_early): only what this process
        # imported is checked. INFO, not a warning: the speed-up that needs the
        # part is left off and the build stays correct, so --strict goes on.
        if build.options.enabled:
            for line in internals.problems(build.config):
                log.info("%s", line)
