"""Templates without the repeated work: compiled once, theme folders listed once.

MkDocs makes a new Jinja environment for the theme in every build, and
mkdocstrings one for its handler; each compiles every template it renders
again, and MkDocs lists every file of the theme's folders (Material's hold
thousands of icons) to find its static files. In a rebuild after an edit
that is most of the time. Jinja's bytecode cache checks each entry against
the template's source; a folder per Jinja and Python version keeps entries
of other interpreters apart. Listings leave out dot-files, which MkDocs never
copies, and are kept only for folders outside the project, which do not
change while a site is served. A page's templated HTML can also come from
``render``, which the plugin backs with :class:`refsite.core.outputs.OutputMemo`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

__all__ = ["PageRender", "compiled_templates", "theme_env"]

PageRender = Callable[[jinja2.Template, dict[str, Any], Callable[[], str]], str]
"""(template, context, render) -> HTML: may return a kept result instead of calling render."""


def compiled_templates(cache_dir: Path) -> jinja2.BytecodeCache:
    """A bytecode cache for templates: the user's, else one in ``cache_dir``.

    Compiled templates belong to the installed packages, not to a site, as
    Python's own ``.pyc`` files do: they are kept per user (``XDG_CACHE_HOME``,
    by default ``~/.cache/refsite``), so a site's first build, or one after
    its cache was deleted, does not compile them again. Each entry is checked
    against its template's source before use.
    """
    version = f"jinja-{jinja2.__version__}-py{sys.version_info[0]}.{sys.version_info[1]}"
    user = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "refsite"
    for folder in (user / "templates" / version, cache_dir / "templates" / version):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue  # a read-only home: keep them with the site's cache
        if os.access(folder, os.W_OK):
            break
    return jinja2.FileSystemBytecodeCache(str(folder))


def theme_env(
    get_env: Callable[[], jinja2.Environment],
    *,
    bytecode: jinja2.BytecodeCache,
    listings: dict[str, list[str]],
    project: Path,
    render: PageRender | None = None,
) -> Callable[[], jinja2.Environment]:
    """Wrap a theme's ``get_env`` so its environments share compiled code and listings.

    Args:
        get_env: The theme's own ``get_env``.
        bytecode: Where compiled templates are kept.
        listings: Template names by folder, kept by the caller between builds.
        project: The project folder, whose theme overrides are listed every time.
        render: Called for every top-level render of the environment's templates.
    """
    project = project.resolve()

    def env_with_caches() -> jinja2.Environment:
        env = get_env()
        env.bytecode_cache = bytecode
        if render is not None:
            env.template_class = _rendering_through(render)
        loader = env.loader
        if isinstance(loader, jinja2.FileSystemLoader):
            folders = [str(p) for p in loader.searchpath]

            def list_templates() -> list[str]:
                names: set[str] = set()
                for folder in folders:
                    known = listings.get(folder)
                    if known is None:
                        known = _templates_in(folder)
                        if not Path(folder).resolve().is_relative_to(project):
                            listings[folder] = known
                    names.update(known)
                return sorted(names)

            loader.list_templates = list_templates  # type: ignore[method-assign]
        return env

    return env_with_caches


def _templates_in(folder: str) -> list[str]:
    """What ``jinja2.FileSystemLoader(folder).list_templates()`` lists, but dot-files.

    MkDocs copies no dot-file from a theme, so none is listed; and no
    dot-folder is walked at all: Material's thousands of icons sit in
    ``.icons/`` (its folder is listed in 1 ms instead of 35).
    """
    found = []
    for root, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        found += [
            os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/")
            for name in files
            if not name.startswith(".")
        ]
    return sorted(found)


def _rendering_through(render: PageRender) -> type[jinja2.Template]:
    """A template class whose ``render`` goes through ``render``.

    Only MkDocs calls ``render``: templates that a template includes or
    extends are rendered through its own code, not through this method.
    """

    class Template(jinja2.Template):
        def render(self, *args: Any, **kwargs: Any) -> str:
            context = dict(*args, **kwargs)
            return render(self, context, lambda: jinja2.Template.render(self, context))

    return Template
