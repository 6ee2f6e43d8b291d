"""Scaffolding: plan the reference site of any Python package.

:func:`load` reads a package with griffe, as the coverage check does;
:func:`plan_site` groups its public API (:func:`refsite.checks.coverage.public_api`)
into pages the way its users meet it: one page per public module, a small
module merged into its parent's page, a large one split by kind, every object
on the page of the shortest name the package exposes it under, private modules
left out. What cannot be rendered without a warning (an import from a package
the site does not load, a docstring that does not parse) goes to the
exclusions, with the reason. :mod:`refsite.scaffold.project` turns the plan into files
and builds them once; :func:`culprits` names the objects the warnings of that
build come from, so that they can be excluded too.
"""

from __future__ import annotations

import glob
import logging
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import griffe

from refsite.checks.coverage import (
    CoverageError,
    Exclusion,
    PublicObject,
    load_packages,
    public_api,
)

__all__ = [
    "DOCSTRING_OPTIONS",
    "KINDS",
    "Entry",
    "Loaded",
    "NavItem",
    "Page",
    "ScaffoldError",
    "Section",
    "SitePlan",
    "culprits",
    "first_sentence",
    "load",
    "package_metadata",
    "plan_site",
]

KINDS = {
    "class": "Classes",
    "exception": "Exceptions",
    "function": "Functions",
    "constant": "Constants",
}
"""Object kinds, in the order pages show them, and the title of a page of each kind."""
SMALL = 3
"""A module with at most this many objects goes on its parent's page."""
LARGE = 20
"""A module with more objects than this gets one page per kind."""
LONG_VALUE = 200
"""A constant whose value's source is longer than this is shown without it."""
_STYLES = ("google", "numpy", "sphinx")
DOCSTRING_OPTIONS = {"warn_missing_types": False, "warn_unknown_params": False}
"""The docstring parser's options, here and in the generated ``mkdocs.yml``: untyped
parameters, and parameters documented but gone from the signature, render as
written; a docstring that does not parse is excluded instead."""
# A source location in a warning: "path/to/file.py:12".
_LOCATION = re.compile(r"(?P<file>[^\s:]+\.pyi?):(?P<line>\d+)")
_EXCEPTION_BASES = {"BaseException", "Exception", "Warning"}


class ScaffoldError(ValueError):
    """Input that cannot be scaffolded; the message says what to do."""


@dataclass(frozen=True)
class Entry:
    """One public object, rendered with ``::: name``."""

    name: str
    kind: str
    filepath: str | None = None
    lines: tuple[int, int] = (0, 0)
    hide_value: bool = False
    """A constant whose value is too long to show (a data table): its docstring only."""


@dataclass(frozen=True)
class Section:
    """The objects of one module on a page, after the module's one-line intro."""

    module: str
    intro: str
    entries: tuple[Entry, ...]
    elsewhere: tuple[tuple[str, str], ...] = ()
    """Objects this module also exposes, documented under another name: (name, that name)."""


@dataclass(frozen=True)
class Page:
    """A reference page: its file under ``docs/``, title and sections.

    The first section is the page's own module (its heading is the page's);
    the others are small modules merged into it, each under a heading.
    """

    path: str
    title: str
    intro: str
    sections: tuple[Section, ...] = ()
    links: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    """For a split module's index page: (label, file name, object names) of its kind pages."""

    @property
    def url(self) -> str:
        """The page's URL path from the site root (directory URLs)."""
        stem = self.path.removesuffix(".md")
        stem = stem.removesuffix("index") if stem.endswith("/index") else stem + "/"
        return "/" + stem

    @property
    def anchors(self) -> tuple[str, ...]:
        """The element ids of the objects the page renders."""
        return tuple(e.name for s in self.sections for e in s.entries)


@dataclass(frozen=True)
class NavItem:
    """A navigation entry: a page, or a section whose first child is its index."""

    label: str
    page: Page
    children: tuple[NavItem, ...] = ()


@dataclass
class SitePlan:
    """Everything the generated project holds, before it becomes files."""

    package: str
    intro: str
    """The home page's introduction: the package docstring's first sentence."""
    docstring_style: str
    """The style most docstrings follow: google, numpy or sphinx."""
    nav: list[NavItem] = field(default_factory=list)
    """The reference pages, in navigation order."""
    exclusions: list[Exclusion] = field(default_factory=list)
    """Public objects left out, each with the reason."""
    distribution: str | None = None
    """The installed distribution whose version the home page shows."""
    docs_urls: dict[str, str] = field(default_factory=dict)
    """Where site-absolute docstring links lead, by top-level package."""
    preload: list[str] = field(default_factory=list)
    """Packages loaded first because the package re-exports their objects."""

    @property
    def pages(self) -> list[Page]:
        """Every reference page, in navigation order."""
        return [p for item in self.nav for p in _item_pages(item)]

    @property
    def documented(self) -> int:
        """How many objects the pages render."""
        return sum(len(p.anchors) for p in self.pages)


def _item_pages(item: NavItem) -> Iterator[Page]:
    # A section's first child is its index page, the section's own.
    if not item.children:
        yield item.page
    for child in item.children:
        yield from _item_pages(child)


@dataclass
class Loaded:
    """A package as griffe loaded it, its public API, and what loading it warned."""

    package: str
    collection: griffe.ModulesCollection
    objects: list[PublicObject]
    warnings: list[str]
    preload: list[str] = field(default_factory=list)
    """Other packages loaded first, because the package re-exports their objects."""
    distribution: str | None = None
    """The installed distribution that provides it (None for a source folder)."""
    docs_urls: dict[str, str] = field(default_factory=dict)
    """The documentation site of it and of each preloaded package, by top-level name:
    where their site-absolute docstring links lead."""


@contextmanager
def _griffe_warnings() -> Iterator[list[str]]:
    """Collect what griffe warns about (MkDocs would count each as a warning)."""
    records: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = _Collect(logging.WARNING)
    target = logging.getLogger("griffe")
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
            with _griffe_warnings() as warnings:
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
            if _resolve(loader.modules_collection, o) is None
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
            docs_urls[name] = url
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


def _has_sources(module: Any) -> bool:
    paths = module.filepath if isinstance(module.filepath, list) else [module.filepath]
    if any(p is not None and Path(p).suffix in {".py", ".pyi"} for p in paths):
        return True
    return any(not m.is_alias and m.is_module and _has_sources(m) for m in module.members.values())


def plan_site(loaded: Loaded, *, exclude: Mapping[str, str] | None = None) -> SitePlan:
    """Group the public API of ``loaded`` into pages.

    ``exclude`` maps public names to leave out to the reason (what a trial
    build found).
    """
    collection = loaded.collection
    extra = dict(exclude or {})
    entries: dict[str, list[tuple[int, Entry]]] = {}
    elsewhere: dict[str, list[tuple[str, str]]] = {}
    exclusions: list[Exclusion] = []
    style = _docstring_style(loaded)
    load_problems = _by_location(loaded.warnings)
    test_suites: set[str] = set()
    for obj in loaded.objects:
        suite = _test_suite(obj.name)
        if suite is not None:
            # A test package shipped inside the package: public by name, not API.
            if suite not in test_suites:
                test_suites.add(suite)
                exclusions.append(Exclusion(f"{_glob_escape(suite)}.*", _TESTS_REASON))
            continue
        reason = extra.get(obj.name)
        target = None if reason else _resolve(collection, obj)
        if reason is None and target is None:
            source = _unresolved_target(collection, obj)
            top = source.split(".", 1)[0]
            reason = f"Imported from `{top}` ({source}), which this site does not load."
        if target is not None and reason is None:
            problems = _load_problems(target, load_problems) or _docstring_problems(target, style)
            if problems:
                reason = f"Its docstring does not render cleanly: {_clean(problems[0])}."
        if reason is not None:
            exclusions.append(Exclusion(pattern=_glob_escape(obj.name), reason=reason))
            continue
        assert target is not None
        module, _, short = obj.name.rpartition(".")
        kind = _kind(target)
        entry = Entry(
            name=obj.name,
            kind=kind,
            hide_value=kind == "constant" and len(str(getattr(target, "value", ""))) > LONG_VALUE,
            filepath=str(target.filepath) if isinstance(target.filepath, Path) else None,
            lines=(target.lineno or 0, target.endlineno or target.lineno or 0),
        )
        entries.setdefault(module, []).append((_position(collection, module, short), entry))
        for other in obj.names[1:]:
            home, _, name = other.rpartition(".")
            elsewhere.setdefault(home, []).append((name, obj.name))
    root = collection.get_member(loaded.package)
    plan = SitePlan(
        package=loaded.package,
        intro=_first_sentence(root) or f"The API reference of `{loaded.package}`.",
        docstring_style=style,
        exclusions=exclusions,
        distribution=loaded.distribution,
        docs_urls=dict(loaded.docs_urls),
        preload=list(loaded.preload),
    )
    plan.nav = _pages(collection, loaded.package, entries, elsewhere)
    return plan


_TESTS_REASON = "The package's own test suite, not its API."


def _test_suite(name: str) -> str | None:
    """The test package or module a public name is in (``pkg.tests``), if any."""
    parts = name.split(".")
    for i, part in enumerate(parts[1:-1], start=1):
        if part == "tests" or part.startswith("test_"):
            return ".".join(parts[: i + 1])
    return None


def _resolve(collection: griffe.ModulesCollection, obj: PublicObject) -> Any:
    """The griffe object behind a public object, or None when it cannot be loaded."""
    try:
        target = collection.get_member(obj.path)
        return target.final_target if target.is_alias else target
    except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def _unresolved_target(collection: griffe.ModulesCollection, obj: PublicObject) -> str:
    """Where the chain of imports behind a public name leaves the loaded packages."""
    try:
        collection.get_member(obj.name).final_target  # noqa: B018 (it raises)
    except (griffe.AliasResolutionError, griffe.CyclicAliasError) as error:
        alias = getattr(error, "alias", None)
        return str(getattr(alias, "target_path", obj.path))
    except (KeyError, ValueError):
        pass
    return obj.path


def _kind(obj: Any) -> str:
    if obj.is_class:
        return "exception" if _is_exception(obj, set()) else "class"
    if obj.is_function:
        return "function"
    return "constant"


def _is_exception(cls: Any, seen: set[str]) -> bool:
    if cls.path in seen:
        return False
    seen.add(cls.path)
    for base in cls.bases:
        name = str(base).rsplit(".", 1)[-1]
        if name in _EXCEPTION_BASES or name.endswith(("Error", "Exception")):
            return True
    try:
        bases = cls.resolved_bases
    except Exception:  # griffe raises several kinds for bases it cannot follow
        return False
    return any(b.is_class and _is_exception(b, seen) for b in bases)


def _position(collection: griffe.ModulesCollection, module: str, name: str) -> int:
    """Where a name comes in its module: ``__all__`` order, else definition order."""
    try:
        members = collection.get_member(module)
    except KeyError:
        return 0
    exports = [str(e) for e in (getattr(members, "exports", None) or [])]
    order = exports or list(members.members)
    return order.index(name) if name in order else len(order)


def _first_sentence(obj: Any) -> str:
    if obj is None or obj.docstring is None:
        return ""
    return first_sentence(obj.docstring.value)


_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "cf.")


def first_sentence(docstring: str) -> str:
    """The first sentence of a docstring, as one line of Markdown that links nowhere."""
    paragraph = docstring.strip().split("\n\n", 1)[0]
    text = " ".join(paragraph.split())
    end = next(
        (
            m.end(1)
            for m in re.finditer(r"([.!?])(\s|$)", text)
            if not text[: m.end(1)].lower().endswith(_ABBREVIATIONS)
        ),
        len(text),
    )
    sentence = text[:end]
    sentence = re.sub(r":[\w:]+:`~?([^`]+)`", r"`\1`", sentence)  # reST roles
    sentence = sentence.replace("``", "`")
    if sentence.count("`") % 2:
        sentence = sentence.replace("`", "")
    # Outside code spans: links of the package's own site would not resolve
    # here, and HTML would be HTML.
    parts = sentence.split("`")
    for i in range(0, len(parts), 2):
        part = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", parts[i])
        part = part.replace("[", "\\[").replace("]", "\\]")
        parts[i] = part.replace("<", "&lt;").replace(">", "&gt;")
    sentence = "`".join(parts)
    return sentence if len(sentence) <= 300 else sentence[:297].rstrip() + "..."


def _clean(message: str) -> str:
    """A warning as one line, with its file path (which depends on the machine) reduced."""
    message = _LOCATION.sub(lambda m: f"line {m['line']}", message, count=1)
    return " ".join(message.split())[:200].rstrip(".")


def _glob_escape(name: str) -> str:
    return glob.escape(name) if any(c in name for c in "*?[") else name


def _rendered(obj: Any) -> Iterator[Any]:
    """The object and every member mkdocstrings renders with it."""
    yield obj
    if obj.is_alias or not (obj.is_class or obj.is_module):
        return
    for name, member in obj.members.items():
        if member.is_alias or (name.startswith("_") and name != "__init__"):
            continue
        yield from _rendered(member)


def _docstring_problems(obj: Any, style: str) -> list[str]:
    """The warnings parsing the docstrings of ``obj`` (and its members) gives."""
    with _griffe_warnings() as problems:
        for item in _rendered(obj):
            if item.docstring is not None:
                item.docstring.parse(style, **DOCSTRING_OPTIONS)
    return problems


def _by_location(warnings: Sequence[str], base: Path | None = None) -> list[tuple[Path, int, str]]:
    out = []
    for warning in warnings:
        match = _LOCATION.search(warning)
        if match:
            path = Path(match["file"])
            if not path.is_absolute():
                path = (base or Path.cwd()) / path
            out.append((path.resolve(), int(match["line"]), warning))
    return out


def _load_problems(obj: Any, problems: Sequence[tuple[Path, int, str]]) -> list[str]:
    if not problems or not isinstance(obj.filepath, Path):
        return []
    path, start, end = obj.filepath.resolve(), obj.lineno or 0, obj.endlineno or 0
    return [w for p, line, w in problems if p == path and start <= line <= end]


def _docstring_style(loaded: Loaded) -> str:
    """The docstring style most of the package's docstrings follow (google when unsure)."""
    counts = dict.fromkeys(_STYLES, 0)
    seen = 0
    for obj in loaded.objects:
        target = _resolve(loaded.collection, obj)
        if target is None:
            continue
        for item in _rendered(target):
            if item.docstring is None or seen >= 400:
                continue
            seen += 1
            with _griffe_warnings():
                parser, _ = griffe.infer_docstring_style(item.docstring)
            name = getattr(parser, "value", parser)
            if name in counts:
                counts[str(name)] += 1
    best = max(_STYLES, key=lambda s: counts[s])
    return best if counts[best] else "google"


def _pages(
    collection: griffe.ModulesCollection,
    package: str,
    found: Mapping[str, list[tuple[int, Entry]]],
    elsewhere: Mapping[str, list[tuple[str, str]]],
) -> list[NavItem]:
    order = list(KINDS)
    modules = {
        m: tuple(e for _, e in sorted(found[m], key=lambda pe: (order.index(pe[1].kind), pe[0])))
        for m in found
    }
    # A small module joins the page of its nearest ancestor that has one and
    # is not split by kind (the package's own page, made for it if need be).
    pages: dict[str, list[str]] = {}
    for module in sorted(modules, key=lambda m: (m != package, m)):
        host = _host(module, package, modules, pages)
        if module == package or host is None or len(modules[module]) > SMALL:
            pages.setdefault(module, [])
        else:
            pages.setdefault(host, []).append(module)
    items = []
    for module in sorted(pages, key=lambda m: (m != package, m)):
        own = modules.get(module, ())
        intro = _first_sentence(_module(collection, module))
        sections = [Section(module, intro, own, tuple(sorted(elsewhere.get(module, []))))] + [
            Section(
                c,
                _first_sentence(_module(collection, c)),
                modules[c],
                tuple(sorted(elsewhere.get(c, []))),
            )
            for c in pages[module]
        ]
        items.append(_nav_item(module, intro, sections))
    return items


def _host(
    module: str, package: str, modules: Mapping[str, tuple[Entry, ...]], pages: Mapping[str, Any]
) -> str | None:
    """The page a small module would join: its nearest ancestor's, if that is not split."""
    parent = module.rpartition(".")[0]
    while parent and len(parent) > len(package):
        if parent in pages:
            return parent if len(modules.get(parent, ())) <= LARGE else None
        parent = parent.rpartition(".")[0]
    return package if module.startswith(package + ".") else None


def _module(collection: griffe.ModulesCollection, name: str) -> Any:
    try:
        return collection.get_member(name)
    except KeyError:
        return None


def _nav_item(module: str, intro: str, sections: list[Section]) -> NavItem:
    label = f"`{module}`"
    own = sections[0].entries
    kinds = [k for k in KINDS if any(e.kind == k for e in own)]
    if len(own) <= LARGE or len(kinds) < 2:
        page = Page(f"reference/{module}.md", label, intro, tuple(sections))
        return NavItem(label, page)
    kind_pages = [
        Page(
            f"reference/{module}/{KINDS[k].lower()}.md",
            f"{KINDS[k]} of `{module}`",
            f"The {KINDS[k].lower()} of `{module}`.",
            (Section(module, "", tuple(e for e in own if e.kind == k)),),
        )
        for k in kinds
    ]
    links = tuple(
        (KINDS[k], f"{KINDS[k].lower()}.md", tuple(e.name for e in own if e.kind == k))
        for k in kinds
    )
    # Small modules merged here get their own sections on the index page.
    own_section = Section(module, intro, (), sections[0].elsewhere)
    index = Page(f"reference/{module}/index.md", label, intro, (own_section, *sections[1:]), links)
    pairs = zip(kinds, kind_pages, strict=True)
    children = (NavItem(label, index), *(NavItem(KINDS[k], p) for k, p in pairs))
    return NavItem(label, index, children)


def culprits(
    plan: SitePlan, loaded: Loaded, warnings: Sequence[str], *, base: Path
) -> dict[str, str]:
    """The objects the warnings of a trial build come from, each with its warning.

    A warning names an object (its identifier or a member's), points at a
    line of a source file (``path.py:LINE``, relative to ``base``, the project
    folder) within one, or names a page and a link that one of the page's
    objects has in its docstrings.
    """
    entries = [e for p in plan.pages for s in p.sections for e in s.entries]
    by_length = sorted(entries, key=lambda e: -len(e.name))
    found: dict[str, str] = {}
    for warning in warnings:
        entry = next(
            (e for e in by_length if re.search(rf"(?<![\w.]){re.escape(e.name)}(?!\w)", warning)),
            None,
        )
        for path, line, _ in _by_location([warning], base) if entry is None else []:
            entry = next((e for e in entries if _holds(e, path, line)), entry)
        if entry is None:
            entry = _page_culprit(plan, loaded, warning)
        if entry is not None and entry.name not in found:
            message = warning.split(" - ", 1)[-1]
            found[entry.name] = f"The trial build warned: {_clean(message)}."
    return found


def _holds(entry: Entry, path: Path, line: int) -> bool:
    return (
        bool(entry.filepath)
        and Path(str(entry.filepath)).resolve() == path
        and (entry.lines[0] <= line <= entry.lines[1])
    )


def _page_culprit(plan: SitePlan, loaded: Loaded, warning: str) -> Entry | None:
    """The object of the page a warning names whose docstrings hold the link it names."""
    page = next(
        (p for p in plan.pages if f"'{p.path}'" in warning or f" {p.url}: " in warning), None
    )
    if page is None:
        return None
    own = {page.path, page.url}
    tokens = {t.strip(":,.'\"") for t in re.split(r"[\s'\"]+", warning)}
    links = {t for t in tokens if t and t not in own and ("/" in t or "#" in t or ".md" in t)}
    links |= {t.split("#", 1)[0] for t in links if not t.startswith("#")} - {""}
    links |= {t.lstrip("/") for t in links} - {""}
    page_entries = [e for s in page.sections for e in s.entries]
    for entry in page_entries:
        texts = _docstrings(loaded, entry.name)
        if any(link in text for link in links for text in texts):
            return entry
    return page_entries[0] if len(page_entries) == 1 else None


def _docstrings(loaded: Loaded, name: str) -> list[str]:
    try:
        obj = loaded.collection.get_member(name)
        obj = obj.final_target if obj.is_alias else obj
    except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return []
    return [item.docstring.value for item in _rendered(obj) if item.docstring is not None]
