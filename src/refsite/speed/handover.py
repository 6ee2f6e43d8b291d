"""What griffe loaded for the python handler, handed to the next build.

Loading FastAPI, Starlette and httpx again is the largest cost of a rebuild
after an edit. Within one ``mkdocs serve`` process each rebuild gets a new
handler: what the previous one loaded is handed over while the sources are
unchanged. Across processes, what a build loaded from source is pickled
(:class:`refsite.speed.kept_pages.LoadedModules`) by a forked copy of the process.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import jinja2

from refsite import internals
from refsite.core.processes import in_child_process
from refsite.speed.kept_pages import KeptModules, KeptPages

__all__ = ["ModulesHandOver"]

# What griffe loaded for the python handler, kept across the rebuilds of one
# `mkdocs serve` process (each rebuild gets a new handler).
_LOADED: dict[str, Any] = {}


class ModulesHandOver:
    """One build's hand-over of griffe's loaded modules, from the last build and to the next.

    Args:
        mkdocstrings: The mkdocstrings plugin.
        cache: The page cache (its folder and tree hashes).
        fingerprint: The build's fingerprint: each configuration keeps its own.
        log: Where to say what was reused, at debug level.
        templates: Where the handler's compiled templates are kept, if anywhere.
        disk: Where modules are kept between processes.
        to_disk: Whether modules loaded from source are kept for the next process.
    """

    def __init__(
        self,
        mkdocstrings: Any,
        cache: KeptPages,
        fingerprint: str,
        log: logging.LoggerAdapter[Any],
        *,
        templates: jinja2.BytecodeCache | None,
        disk: KeptModules,
        to_disk: bool,
    ) -> None:
        self._mkdocstrings = mkdocstrings
        self.cache = cache
        self.fingerprint = fingerprint
        self.log = log
        self._templates = templates
        self._keep_modules = to_disk
        self._disk_modules = disk
        self._restored = False
        self._modules_from_disk = False

    def _python_handler_collections(self) -> tuple[Any, Any] | None:
        if not internals.usable("loaded-modules"):
            return None
        handler = self._mkdocstrings.handlers.get_handler("python")
        modules = internals.modules_collection(handler)
        lines = internals.lines_collection(handler)
        return None if modules is None or lines is None else (modules, lines)

    @staticmethod
    def _loaded_folders(modules: Any) -> list[Path]:
        return [
            Path(str(m.filepath)).parent
            for m in modules.members.values()
            if not isinstance(m.filepath, list)
        ]

    def _loaded_sources(self, modules: Any) -> str:
        return self.cache.tree_hash(self._loaded_folders(modules))

    def restore(self) -> None:
        """Give this build's python handler what an earlier rebuild loaded, if still current."""
        if self._restored:
            return
        self._restored = True
        handler = self._mkdocstrings.handlers.get_handler("python")
        env = getattr(handler, "env", None)
        if self._templates is not None and isinstance(env, jinja2.Environment):
            # The handler's templates are compiled anew with every handler,
            # i.e. every build: keep the compiled code instead.
            env.bytecode_cache = self._templates
        saved = _LOADED.get(self.fingerprint)
        collections = self._python_handler_collections()
        if collections is None:
            return
        if saved is None:
            kept = self._disk_modules.load(self.cache.tree_hash)
            if kept is not None:
                self.log.debug("reusing the modules griffe loaded in an earlier build")
                internals.set_collections(handler, *kept)
                self._modules_from_disk = True
            return
        if saved["sources"] == self._loaded_sources(saved["modules"]):
            self.log.debug("reusing the modules griffe loaded for the previous build")
            internals.set_collections(handler, saved["modules"], saved["lines"])
            self._modules_from_disk = True
        else:
            self.log.debug("sources changed since the previous build: griffe loads them again")

    def keep(self) -> None:
        """Every page is rendered: keep what griffe loaded for the next build."""
        collections = self._python_handler_collections()
        if collections is None or not collections[0].members:
            return
        modules, lines = collections
        sources = self._loaded_sources(modules)
        _LOADED.clear()
        _LOADED[self.fingerprint] = {"modules": modules, "lines": lines, "sources": sources}
        if self._keep_modules and self._restored and not self._modules_from_disk:
            # Loaded from source in this build: keep them for the next process.
            in_child_process(
                lambda: self._disk_modules.save(
                    self._loaded_folders(modules), sources, modules, lines
                )
            )
