"""API coverage: which public objects of a package does the built site document?

The public API is read statically with griffe: ``__all__`` where a module has
one, otherwise its public names, explicit re-exports (``from x import Y as Y``)
included. Aliases are resolved, so ``fastapi.Response`` and
``starlette.responses.Response`` are one object. What the site documents comes
from its ``objects.inv`` (read with mkdocstrings' inventory parser). Objects
that are deliberately left out are listed in an exclusions file, each with a
reason; an exclusion that matches nothing left to document is itself reported.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import griffe
from mkdocstrings import Inventory

from refsite.checks.optional_imports import KeepDefinitions
from refsite.core.keys import base_key, tree_digest
from refsite.core.processes import BackgroundJob
from refsite.core.store import Store
from refsite.core.yamlfile import YamlFileError, read_yaml

__all__ = [
    "CoverageError",
    "CoverageReport",
    "Exclusion",
    "PublicApiReader",
    "PublicObject",
    "examples_line",
    "format_json",
    "format_markdown",
    "format_text",
    "load_api",
    "load_api_data",
    "load_exclusions",
    "load_packages",
    "measure",
    "objects_from_data",
    "objects_to_data",
    "package_folders",
    "public_api",
    "rendered_names",
]

PUBLIC_API = "public-api"
"""The store's namespace of public APIs read, by their packages' sources."""


class CoverageError(ValueError):
    """Input that coverage cannot use; the message says what to change."""


@dataclass(frozen=True)
class PublicObject:
    """One object of the public API and the public names that reach it."""

    path: str
    """The canonical path, where the object is defined."""
    names: tuple[str, ...]
    """Public names under which users import it, shortest first."""

    @property
    def name(self) -> str:
        """The name to show: the shortest public name."""
        return self.names[0]


@dataclass(frozen=True)
class Exclusion:
    """A pattern of public names deliberately left undocumented, and why."""

    pattern: str
    reason: str


@dataclass
class CoverageReport:
    """The outcome of :func:`measure`."""

    documented: list[PublicObject] = field(default_factory=list)
    excluded: list[tuple[PublicObject, Exclusion]] = field(default_factory=list)
    missing: list[PublicObject] = field(default_factory=list)
    stale: list[Exclusion] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many public objects there are."""
        return len(self.documented) + len(self.excluded) + len(self.missing)

    @property
    def percent(self) -> float:
        """Documented or excluded, as a percentage of all public objects."""
        if not self.total:
            return 100.0
        return 100.0 * (len(self.documented) + len(self.excluded)) / self.total

    @property
    def documented_percent(self) -> float:
        """Documented, as a percentage of all public objects."""
        return 100.0 * len(self.documented) / self.total if self.total else 100.0


def load_api(
    packages: Sequence[str],
    *,
    preload: Sequence[str] = (),
    search_paths: Sequence[Path] | None = None,
) -> list[PublicObject]:
    """Read the public API of ``packages`` with griffe.

    ``preload`` names packages that re-exported objects come from (Starlette
    for FastAPI), so that their aliases resolve to one canonical object.

    Raises:
        CoverageError: a package cannot be found.
    """
    loader = load_packages(packages, preload=preload, search_paths=search_paths)
    return public_api(loader.modules_collection, packages)


def load_packages(
    packages: Sequence[str],
    *,
    preload: Sequence[str] = (),
    search_paths: Sequence[Path] | None = None,
    also: Sequence[str] = (),
) -> griffe.GriffeLoader:
    """Load ``preload`` then ``packages`` as coverage reads them, aliases resolved.

    ``also`` names more griffe extensions, for a caller that reads more from
    the same load (the examples check: docstrings, which coverage never reads).
    A class or function that an optional import of something not loaded would
    shadow is kept (:mod:`refsite.checks.optional_imports`).

    Raises:
        CoverageError: a package cannot be found.
    """
    loader = griffe.GriffeLoader(
        extensions=griffe.load_extensions(
            "griffe_public_redundant_aliases", KeepDefinitions, *also
        ),
        search_paths=list(search_paths) if search_paths is not None else None,
        allow_inspection=False,
    )
    for name in [*preload, *packages]:
        try:
            loader.load(name)
        except ModuleNotFoundError:
            raise CoverageError(
                f"package {name!r} not found: install it or fix the coverage 'packages'"
            ) from None
    loader.resolve_aliases(external=False, implicit=False)
    return loader


def public_api(collection: griffe.ModulesCollection, packages: Sequence[str]) -> list[PublicObject]:
    """The public objects of ``packages``, loaded in ``collection`` by :func:`load_packages`."""
    by_path: dict[str, list[str]] = {}
    for package in packages:
        for name, path in _public_names(collection.get_member(package)):
            by_path.setdefault(path, []).append(name)
    objects = [
        PublicObject(path=path, names=tuple(sorted(names, key=lambda n: (n.count("."), n))))
        for path, names in by_path.items()
    ]
    objects.sort(key=lambda o: o.name)
    return objects


def load_api_data(
    packages: Sequence[str], preload: Sequence[str], search_paths: Sequence[str]
) -> list[list[Any]]:
    """:func:`load_api` as plain data, for a worker process or a cache."""
    objects = load_api(packages, preload=preload, search_paths=[Path(p) for p in search_paths])
    return objects_to_data(objects)


def objects_to_data(objects: Iterable[PublicObject]) -> list[list[Any]]:
    """Public objects as plain data."""
    return [[o.path, list(o.names)] for o in objects]


def objects_from_data(data: Iterable[list[Any]]) -> list[PublicObject]:
    """The inverse of :func:`objects_to_data`."""
    return [PublicObject(path=path, names=tuple(names)) for path, names in data]


def package_folders(names: Sequence[str], search_paths: Sequence[Path]) -> list[Path]:
    """The folders (or single files) that the source of packages ``names`` lives in."""
    finder = griffe.ModuleFinder(search_paths=list(search_paths))
    folders: list[Path] = []
    for name in names:
        try:
            _, package = finder.find_spec(name, try_relative_path=False)
        except ModuleNotFoundError:
            continue
        paths = package.path if isinstance(package.path, list) else [package.path]
        folders.extend(p.parent if p.name == "__init__.py" else p for p in paths)
    return folders


def _public_names(module: griffe.Module) -> Iterator[tuple[str, str]]:
    """(public name, canonical path) for every public object of a module tree."""
    for name, member in module.members.items():
        if not member.is_alias and member.is_module:
            if not name.startswith("_"):
                yield from _public_names(member)  # type: ignore[arg-type]
            continue
        if not member.is_public:
            continue
        if isinstance(member, griffe.Alias):
            try:
                target = member.final_target
            except (griffe.AliasResolutionError, griffe.CyclicAliasError):
                # An import from a package that is not loaded (or a fallback
                # import): key it by what it points at.
                yield member.path, member.target_path
                continue
            if target.is_module:
                continue  # a re-exported module: its own members are counted
            yield member.path, target.path
        else:
            yield member.path, member.path


def rendered_names(site_dir: Path) -> list[str]:
    """The Python object names the site's ``objects.inv`` lists.

    Raises:
        CoverageError: the site has no readable ``objects.inv``.
    """
    path = site_dir / "objects.inv"
    try:
        with path.open("rb") as file:
            inventory = Inventory.parse_sphinx(file, domain_filter=("py",))
    except OSError:
        raise CoverageError(
            f"{path}: no objects.inv; build the site with mkdocstrings' inventory enabled"
        ) from None
    except Exception as error:  # the parser raises zlib and value errors alike
        raise CoverageError(f"{path}: not a readable Sphinx inventory ({error})") from None
    return sorted(inventory)


def load_exclusions(path: Path) -> list[Exclusion]:
    """Read an exclusions file: a YAML mapping with an ``exclude`` list.

    Raises:
        CoverageError: the file is missing or malformed.
    """
    try:
        data = read_yaml(path, what="exclusions file")
    except YamlFileError as error:
        raise CoverageError(str(error)) from None
    return parse_exclusions(data, source=str(path))


def parse_exclusions(data: Any, *, source: str = "<exclusions>") -> list[Exclusion]:
    """Validate parsed exclusions data; ``source`` names it in messages."""
    entries = data.get("exclude") if isinstance(data, Mapping) else None
    if not isinstance(entries, list):
        raise CoverageError(f"{source}: expected a mapping with an 'exclude' list")
    out: list[Exclusion] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise CoverageError(f"{source}: exclude[{i}]: expected 'name' and 'reason'")
        name, reason = entry.get("name"), entry.get("reason")
        if not isinstance(name, str) or not name:
            raise CoverageError(f"{source}: exclude[{i}]: 'name' is missing")
        if not isinstance(reason, str) or not reason.strip():
            raise CoverageError(
                f"{source}: exclude[{i}] ({name!r}): give a 'reason' for leaving it out"
            )
        out.append(Exclusion(pattern=name, reason=reason.strip()))
    return out


def measure(
    objects: Iterable[PublicObject], rendered: Iterable[str], exclusions: Sequence[Exclusion]
) -> CoverageReport:
    """Sort every public object into documented, excluded or missing.

    An object is documented when the inventory lists its canonical path or
    one of its public names (mkdocstrings lists a rendered object under both
    the name it was rendered as and its canonical path).
    """
    documented_paths = set(rendered)
    report = CoverageReport()
    used: set[Exclusion] = set()
    for obj in objects:
        if obj.path in documented_paths or any(n in documented_paths for n in obj.names):
            report.documented.append(obj)
            continue
        exclusion = next((e for e in exclusions if _matches(e, obj)), None)
        if exclusion is None:
            report.missing.append(obj)
        else:
            used.add(exclusion)
            report.excluded.append((obj, exclusion))
    report.stale = [e for e in exclusions if e not in used]
    return report


def _matches(exclusion: Exclusion, obj: PublicObject) -> bool:
    return any(fnmatch.fnmatchcase(n, exclusion.pattern) for n in (*obj.names, obj.path))


def format_text(report: CoverageReport) -> str:
    """A plain-text report, one finding per line after the summary."""
    lines = [_summary(report)]
    lines += [f"missing: {o.name} ({o.path})" for o in report.missing]
    lines += [
        f"stale exclusion: {e.pattern} matches nothing left to document" for e in report.stale
    ]
    return "\n".join(lines)


def _summary(report: CoverageReport) -> str:
    return (
        f"{report.total} public objects: {len(report.documented)} documented "
        f"({report.documented_percent:.1f}%), {len(report.excluded)} excluded, "
        f"{len(report.missing)} missing; {report.percent:.1f}% documented or excluded"
    )


def format_markdown(report: CoverageReport) -> str:
    """A Markdown report, for a PR comment or a page of the site."""
    out = [
        "| Public objects | Documented | Excluded | Missing | Documented or excluded |",
        "| ---: | ---: | ---: | ---: | ---: |",
        f"| {report.total} | {len(report.documented)} ({report.documented_percent:.1f}%) "
        f"| {len(report.excluded)} | {len(report.missing)} | {report.percent:.1f}% |",
    ]
    if report.missing:
        out += ["", "**Missing** (public, neither documented nor excluded):", ""]
        out += [f"- `{o.name}`" for o in report.missing]
    if report.stale:
        out += ["", "**Stale exclusions** (they match nothing left to document):", ""]
        out += [f"- `{e.pattern}`: {e.reason}" for e in report.stale]
    if report.excluded:
        out += ["", "**Excluded**, with the reason:", "", "| Name | Reason |", "| --- | --- |"]
        out += [f"| `{o.name}` | {e.reason} |" for o, e in report.excluded]
    return "\n".join(out)


def examples_line(report: CoverageReport, with_examples: Iterable[str]) -> str:
    """How many documented objects have an example, in their docstring or a member's."""
    paths = set(with_examples)
    prefixes = {p.rsplit(".", i)[0] for p in paths for i in range(p.count(".") + 1)}
    count = sum(1 for o in report.documented if prefixes & {o.path, *o.names})
    share = 100.0 * count / len(report.documented) if report.documented else 0.0
    return (
        f"**{count}** of the {len(report.documented)} documented objects ({share:.1f}%) "
        "have an example in their docstring or in a member's (see Examples)."
    )


def format_json(report: CoverageReport) -> str:
    """The report as JSON, for machines."""
    data = {
        "total": report.total,
        "percent": round(report.percent, 2),
        "documented_percent": round(report.documented_percent, 2),
        "documented": [o.name for o in report.documented],
        "excluded": [
            {"name": o.name, "pattern": e.pattern, "reason": e.reason} for o, e in report.excluded
        ],
        "missing": [{"name": o.name, "path": o.path} for o in report.missing],
        "stale": [{"pattern": e.pattern, "reason": e.reason} for e in report.stale],
    }
    return json.dumps(data, indent=2)


# Reads the public API in a process of its own; argv[1] is [packages, preload, paths].
_API_WORKER = (
    "import json, sys\n"
    "from refsite.checks.coverage import load_api_data\n"
    "print(json.dumps(load_api_data(*json.load(sys.stdin))))\n"
)


class PublicApiReader:
    """The public API of a build's packages, read in a process of its own meanwhile.

    Reading it with griffe takes about as long as rendering a few pages and
    needs nothing the build makes: a process started with the build reads
    it, at a lower priority than the build's own work. With a ``store`` the
    result is kept by the packages' sources (their content, wherever they
    lie), and no process is needed while they are unchanged. With
    ``in_process`` (every core is busy with other builds, so the process
    would only add its start-up) it is read in this process when
    :meth:`result` asks for it. ``known`` is the result, read
    elsewhere already. ``deferred`` waits for :meth:`start` to start the
    process, so that a job that loads the same packages anyway (the examples
    check, the docstrings audit) can read it from that load instead
    (:meth:`hand_over`), with ``in_process`` too.
    """

    def __init__(
        self,
        packages: Sequence[str],
        preload: Sequence[str],
        search_paths: Sequence[Path],
        store: Store | None = None,
        *,
        in_process: bool = False,
        known: list[Any] | None = None,
        deferred: bool = False,
    ) -> None:
        self._request = [list(packages), list(preload), [str(p) for p in search_paths]]
        self._store = store
        self._key: str | None = None
        self._data: list[Any] | None = known
        self._job: BackgroundJob | None = None
        self._source: Callable[[], list[Any] | None] | None = None
        self._pending = False
        if known is not None:  # read already (an older release, from the API history)
            return
        if store is not None:
            folders = package_folders([*packages, *preload], search_paths)
            # By content: the root of a versioned site reads the same files
            # as its newest release, from elsewhere.
            self._key = base_key(PUBLIC_API, repr([*packages, *preload]), tree_digest(folders))
            self._data = store.load(PUBLIC_API, self._key)
            if self._data is not None:
                return
        # Asked to read it here when the result is wanted (builds side by
        # side keep every core busy), unless a job that loads the packages
        # anyway takes it over first.
        self._in_process = in_process
        self._pending = True
        if not deferred:
            self.start()

    @property
    def request(self) -> tuple[list[str], list[str], list[str]]:
        """The packages, preloaded packages and search paths it reads."""
        packages, preload, paths = self._request
        return list(packages), list(preload), list(paths)

    @property
    def wanted(self) -> bool:
        """Whether it still needs a reader: nothing kept, no process, no source."""
        return self._pending and self._source is None

    def hand_over(self, source: Callable[[], list[Any] | None]) -> None:
        """Take the result from ``source`` (data as :func:`load_api_data`'s, or None) instead.

        Before :meth:`start`; a None from ``source`` is read here after all.
        """
        self._source = source
        self._pending = False

    def start(self) -> None:
        """Start the reading process, unless it is not needed or was handed over."""
        if self._pending:
            self._pending = False
            if not self._in_process:
                self._job = BackgroundJob(_API_WORKER, self._request)

    def result(self) -> list[Any]:
        """The public API as :func:`load_api_data` returns it (waits for the process).

        Raises:
            CoverageError: a package cannot be found.
        """
        if self._data is None:
            if self._source is not None:
                self._data = self._source()
            if self._data is None and self._job is not None:
                self._data = self._job.answer()
            if self._data is None:
                # No process, or it failed: read here, where errors are raised.
                self._data = load_api_data(*self._request)
            if self._store is not None and self._key is not None:
                self._store.save(PUBLIC_API, self._key, self._data)
        return self._data

    def stop(self) -> None:
        """Stop the process, if it still runs."""
        if self._job is not None:
            self._job.stop()
