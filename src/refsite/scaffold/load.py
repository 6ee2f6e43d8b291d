"""Reading a package with griffe: find it, load it and what it re-exports, walk it.

:func:`load` reads a package as the coverage check does
(:func:`refsite.checks.coverage.load_packages`), from a source folder or from
``sys.path``, loading first the packages whose objects it re-exports, and
collects what griffe warned meanwhile. The helpers below follow a public name
to the object behind it and list what mkdocstrings renders with an object.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import griffe

from refsite import internals
from refsite.checks.coverage import CoverageError, PublicObject, load_packages, public_api
from refsite.scaffold.values import Loaded, ScaffoldError

__all__ = [
    "docs_root",
    "griffe_warnings",
    "load",
    "package_metadata",
    "rendered",
    "resolve",
    "unresolved_target",
]


@contextmanager
def griffe_warnings() -> Iterator[list[str]]:
    """Collect what griffe warns about (MkDocs would count each as a warning)."""
    records: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = _Collect(logging.WARNING)
    # Where griffe logs: once mkdocstrings-python is imported (a test, or a
    # process that also builds), no longer the "griffe" logger.
    target = internals.griffe_logger() or logging.getLogger("griffe")
    target.addHandler(handler)
    try:
        yield records
    finally:
        target.removeHandler(handler)


def load(package: str, *, src: Path | None = None) -> Loaded:
    """Load ``package`` from ``src`` (a source folder) or else from ``sys.path``.

    A package that re-exports another one's objects (``attrs`` those of
    ``attr``) gets that one loaded first, when it is found and not the
    standard library, so the objects render under the package's names.

    Raises:
        ScaffoldError: no such package, or no Python source for it.
    """
    if src is not None and not src.is_dir():
        raise ScaffoldError(f"--src {src}: no such folder; give the folder that holds {package}")
    system = [Path(p) for p in sys.path if p]
    where = f"in {src}" if src is not None else "on sys.path"
    if not _findable(package, [src.resolve()] if src is not None else system):
        provides = _import_names(package) if src is None else []
        if provides:
            hint = f"{package} installs {', '.join(provides)}: give that import name"
        elif src is not None:
            hint = "check the name and that --src is the folder holding it"
        else:
            hint = f"install it (pip install {package}) or pass --src FOLDER"
        raise ScaffoldError(f"no package {package!r} {where}: {hint}")
    search_paths = [src.resolve(), *system] if src is not None else system
    preload: list[str] = []
    while True:
        try:
            with griffe_warnings() as warnings:
                loader = load_packages([package], preload=preload, search_paths=search_paths)
        except griffe.AliasResolutionError as error:
            top = error.alias.target_path.split(".", 1)[0]
            if top == package.split(".", 1)[0]:
                raise ScaffoldError(
                    f"griffe cannot load {package!r}: {error.alias.path} comes from "
                    f"{error.alias.target_path}, which it cannot read (compiled, without "
                    "stubs?): point --src at sources or stubs that define it"
                ) from None
            if top in preload or not _loadable(top, search_paths):
                raise ScaffoldError(
                    f"{package!r} imports {error.alias.target_path}, which griffe cannot find: "
                    f"install {top} or add its folder to --src"
                ) from None
            preload.append(top)
            continue
        except CoverageError as error:
            raise ScaffoldError(str(error)) from None
        objects = public_api(loader.modules_collection, [package])
        # Re-exports from packages that were not loaded: load them too.
        more = {
            o.path.split(".", 1)[0]
            for o in objects
            if resolve(loader.modules_collection, o) is None
        } - {package.split(".", 1)[0], *preload}
        more = {m for m in more if _loadable(m, search_paths)}
        if not more:
            break
        preload += sorted(more)
    root = loader.modules_collection.get_member(package)
    if not _has_sources(root):
        raise ScaffoldError(
            f"{package!r} {where} has no Python sources (.py or .pyi): "
            "install its sources or stubs, or point --src at them"
        )
    distribution, _ = package_metadata(package, src=src)
    docs_urls = {}
    for name in [package.split(".", 1)[0], *preload]:
        url = package_metadata(name, src=src)[1] or (src and package_metadata(name)[1])
        if url:
            docs_urls[name] = docs_root(url)
    return Loaded(
        package,
        loader.modules_collection,
        objects,
        list(warnings),
        preload,
        # The home page's versions table reads installed distributions only.
        distribution=distribution if src is None else None,
        docs_urls=docs_urls,
    )


def _import_names(distribution: str) -> list[str]:
    """The public top-level packages an installed distribution of that name provides."""

    def normal(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    wanted = normal(distribution)
    return sorted(
        top
        for top, names in metadata.packages_distributions().items()
        if not top.startswith("_") and any(normal(n) == wanted for n in names)
    )


def _findable(name: str, search_paths: Sequence[Path]) -> bool:
    try:
        griffe.ModuleFinder(search_paths=list(search_paths)).find_spec(
            name, try_relative_path=False
        )
    except ModuleNotFoundError:
        return False
    return True


def _loadable(name: str, search_paths: Sequence[Path]) -> bool:
    """Whether a package a re-export comes from is worth loading: found, not stdlib."""
    return name not in sys.stdlib_module_names and _findable(name, search_paths)


def package_metadata(package: str, *, src: Path | None = None) -> tuple[str | None, str | None]:
    """The distribution that provides ``package`` and its documentation URL, if known.

    Looks in ``src`` (an unpacked wheel or a folder with ``*.dist-info``) when
    given, else among the installed distributions.
    """
    top = package.split(".", 1)[0]
    dists = metadata.distributions(path=[str(src)]) if src is not None else metadata.distributions()
    for dist in dists:
        files = dist.files or []
        if not any(f.parts and f.parts[0] in {top, f"{top}.py"} for f in files):
            continue
        pairs = (v.partition(",") for v in dist.metadata.get_all("Project-URL") or [])
        urls = {label.strip().lower(): url.strip() for label, _, url in pairs}
        docs = urls.get("documentation") or urls.get("docs")
        return dist.metadata["Name"], docs
    return None, None


# Last path segments of a documentation URL that name its first page, not its
# root (pydantic's is https://pydantic.dev/docs/validation/latest/get-started/).
_LANDING = {
    "get-started",
    "getting-started",
    "getting_started",
    "quickstart",
    "introduction",
    "intro",
    "overview",
    "home",
    "welcome",
}


def docs_root(url: str) -> str:
    """The root of a documentation site, from the URL its package gives (maybe a page)."""
    head, _, last = url.rstrip("/").rpartition("/")
    if "://" in head and (last.lower() in _LANDING or last.endswith((".html", ".htm"))):
        return head + "/"
    return url if url.endswith("/") else url + "/"


def _has_sources(module: Any) -> bool:
    paths = module.filepath if isinstance(module.filepath, list) else [module.filepath]
    if any(p is not None and Path(p).suffix in {".py", ".pyi"} for p in paths):
        return True
    return any(not m.is_alias and m.is_module and _has_sources(m) for m in module.members.values())


def resolve(collection: griffe.ModulesCollection, obj: PublicObject) -> Any:
    """The griffe object behind a public object, or None when it cannot be loaded."""
    try:
        target = collection.get_member(obj.path)
        return target.final_target if target.is_alias else target
    except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def unresolved_target(collection: griffe.ModulesCollection, obj: PublicObject) -> str:
    """Where the chain of imports behind a public name leaves the loaded packages."""
    try:
        collection.get_member(obj.name).final_target  # noqa: B018 (it raises)
    except (griffe.AliasResolutionError, griffe.CyclicAliasError) as error:
        alias = getattr(error, "alias", None)
        return str(getattr(alias, "target_path", obj.path))
    except (KeyError, ValueError):
        pass
    return obj.path


def rendered(obj: Any) -> Iterator[Any]:
    """The object and every member mkdocstrings renders with it."""
    yield obj
    if obj.is_alias or not (obj.is_class or obj.is_module):
        return
    for name, member in obj.members.items():
        if member.is_alias or (name.startswith("_") and name != "__init__"):
            continue
        yield from rendered(member)
