"""The files of a generated project: render a site plan, write it, build it once.

:func:`project_files` turns a :class:`~refsite.scaffold.values.SitePlan` into the
files of an MkDocs project with the conventions of refsite's own site
(``mkdocs.yml``, ``navtree.yml``, the pages and the exclusions file);
:func:`write_project` writes them without overwriting a maintainer's files.
:mod:`refsite.scaffold.trial` builds them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from refsite.scaffold.values import (
    DOCSTRING_OPTIONS,
    Entry,
    NavItem,
    Page,
    ScaffoldError,
    Section,
    SitePlan,
)
from refsite.scaffold.versioned import CHANGES_PAGE, Versioned

__all__ = ["check_new", "check_writable", "project_files", "write_project"]


def _q(value: str) -> str:
    """A YAML scalar: JSON strings are valid YAML."""
    return json.dumps(value, ensure_ascii=False)


def project_files(
    plan: SitePlan, *, src: str | None = None, versioned: Versioned | None = None
) -> dict[str, str]:
    """The files of the project, by path relative to its folder.

    ``src`` is the source folder relative to the project, for a package that
    is not installed: mkdocstrings looks there and ``mkdocs serve`` watches it.
    ``versioned``: the releases the site documents, with their changes page.
    """
    files = {
        "mkdocs.yml": _mkdocs_yml(plan, src, versioned),
        "navtree.yml": _navtree_yml(plan, versioned),
        "coverage-exclusions.yml": _exclusions_yml(plan),
        "docs/index.md": _home(plan, versioned),
        "docs/reference/index.md": _reference_index(plan),
        "docs/reference/coverage.md": (
            "# API Coverage\n\n"
            f"How much of the public API of `{plan.package}` this reference documents, "
            "and what it leaves out on purpose, with the reason.\n\n"
            "<!-- refsite:coverage -->\n"
        ),
        "docs/reference/docstrings.md": (
            "# Docstrings\n\n"
            f"What the docstrings of `{plan.package}` get wrong, each shown here as well "
            "as it can be: for the package's authors to fix, where the table says.\n\n"
            "<!-- refsite:docstrings -->\n"
        ),
    }
    if versioned is not None:
        files[f"docs/{CHANGES_PAGE}"] = versioned.changes_page(plan.package)
    for page in plan.pages:
        files[f"docs/{page.path}"] = _page_markdown(page)
    return files


def _nav_lines(item: NavItem, indent: str) -> list[str]:
    if not item.children:
        return [f"{indent}- {_q(item.label)}: {item.page.path}"]
    lines = [f"{indent}- {_q(item.label)}:"]
    for child in item.children:
        lines += _nav_lines(child, indent + "    ")
    return lines


def _mkdocs_yml(plan: SitePlan, src: str | None, versioned: Versioned | None) -> str:
    """The project's ``mkdocs.yml``, its parts in the order the file has them."""
    return "".join(
        [
            _site_yml(plan),
            _watch_yml(src),
            _MARKDOWN_YML,
            _plugins_yml(plan, src, versioned),
            _nav_yml(plan, versioned),
        ]
    )


def _site_yml(plan: SitePlan) -> str:
    """The head of ``mkdocs.yml``: what it is, the site's name, theme and validation."""
    return f"""\
# The API reference of {plan.package}, written by `refsite init` and meant to be
# edited: reorder pages, rename labels, add prose. The refsite plugin checks
# every build against navtree.yml, the links, and the API coverage.
site_name: {_q(plan.package + " API reference")}
site_url: !ENV [REFSITE_SITE_URL, "http://127.0.0.1:8000/"]
# No repo_url: Material would call the GitHub API from every page.

theme:
  name: material
  # The default fonts come from Google Fonts: use the system's.
  font: false
  features:
    - content.code.copy
    - navigation.indexes
    - navigation.top
    - navigation.footer
    - search.suggest
    - search.highlight
    - toc.follow

# MkDocs 1.6 lets these pass --strict unless they are warnings.
validation:
  nav:
    omitted_files: warn
    not_found: warn
    absolute_links: warn
  links:
    not_found: warn
    anchors: warn
    absolute_links: warn
    unrecognized_links: warn

"""


def _watch_yml(src: str | None) -> str:
    if src is None:
        return ""
    return f"# `mkdocs serve` rebuilds when a docstring changes.\nwatch:\n  - {_q(src)}\n\n"


_MARKDOWN_YML = """\
markdown_extensions:
  - admonition
  - attr_list
  - md_in_html
  - toc:
      permalink: true
  - pymdownx.details
  - pymdownx.highlight:
      pygments_lang_class: true
  - pymdownx.inlinehilite
  - pymdownx.superfences

"""


def _plugins_yml(plan: SitePlan, src: str | None, versioned: Versioned | None) -> str:
    """The plugins: search, mkdocstrings' python handler, refsite and its checks."""
    paths = f"          paths: [{_q(src)}]\n" if src is not None else ""
    docstring_options = "".join(
        f"              {k}: {str(v).lower()}\n" for k, v in DOCSTRING_OPTIONS.items()
    )
    releases = versioned.plugin_yml(" " * 6) if versioned is not None else ""
    coverage_preload = ""
    if plan.preload:
        coverage_preload = f"        preload: [{', '.join(_q(n) for n in plan.preload)}]\n"
    return f"""\
plugins:
  # Split names at dots and punctuation, but keep CamelCase and snake_case whole.
  - search:
      separator: '[\\s\\-,:!=\\[\\]()"`/]+|\\.(?!\\d)|&[lg]t;'
  - mkdocstrings:
      default_handler: python
      handlers:
        python:
{paths}          # No inventories: they would be downloaded at build time.
          inventories: []
          options:
{_handler_extensions_yml(plan)}            docstring_style: {plan.docstring_style}
            # Untyped parameters, and parameters documented but gone from the
            # signature, render as written; a section that does not parse
            # renders as griffe leaves it (see refsite.docfixes).
            docstring_options:
{docstring_options}            heading_level: 2
            show_root_heading: true
            show_root_full_path: true
            show_if_no_docstring: true
            show_source: false
            show_submodules: false
            members_order: source
            merge_init_into_class: true
            separate_signature: true
            show_signature_annotations: true
            signature_crossrefs: true
            show_symbol_type_heading: true
            show_symbol_type_toc: true
            filters:
              - "!^_"
  - refsite:
      tree: navtree.yml
      search_boost: 4
      coverage:
        packages: [{_q(plan.package)}]
{coverage_preload}        exclusions: coverage-exclusions.yml
        fail_under: 100
      # Docstring faults are the Docstrings page's findings; true makes each a warning.
      docstrings:
        fail: false
{releases}
"""


def _handler_extensions_yml(plan: SitePlan) -> str:
    """The python handler's griffe extensions and its options for other packages."""
    extensions = (
        "            extensions:\n"
        "              # Example lines marked '# hidden: ' run in the examples\n"
        "              # check but never show on the pages.\n"
        "              - refsite.hidden_lines\n"
        "              # A class an optional import (of speed-ups, say) would\n"
        "              # replace is documented when that import is not installed.\n"
        "              - refsite.optional_imports\n"
    )
    if plan.docs_urls:
        bases = ", ".join(f"{_q(k)}: {_q(v)}" for k, v in plan.docs_urls.items())
        extensions += (
            "              # Links to pages of the package's own site lead there.\n"
            "              - refsite.extras.docstring_links:\n"
            f"                  bases: {{{bases}}}\n"
        )
    extensions += _docfixes_yml(plan)
    if plan.preload:
        names = ", ".join(_q(n) for n in plan.preload)
        extensions += (
            f"            # {plan.package} re-exports objects of these: load them too.\n"
            f"            preload_modules: [{names}]\n"
        )
    return extensions


def _docfixes_yml(plan: SitePlan) -> str:
    """The extension that renders what the docstrings get wrong (``refsite init`` lists it)."""
    unlinked = sorted({f.target for f in plan.findings if f.kind == "unlinked"})
    unparsed = sorted({f.target for f in plan.findings if f.kind == "unparsed"})
    narrative = any(f.kind == "narrative" for f in plan.findings)
    if not (unlinked or unparsed or narrative):
        return ""
    indent = " " * 18
    lines = [
        "              # What docstrings get wrong, rendered as well as it can be",
        "              # (`refsite init` said each fault, with its line).",
        "              - refsite.docfixes:",
    ]
    if unlinked:
        lines.append(
            f"{indent}# Objects this site does not document: references to them show as code."
        )
        lines += [f"{indent}unlinked:", *(f"{indent}  - {_q(i)}" for i in unlinked)]
    if unparsed:
        lines.append(
            f"{indent}# Docstrings with a section griffe cannot parse: shown as it leaves them."
        )
        lines += [f"{indent}unparsed:", *(f"{indent}  - {_q(i)}" for i in unparsed)]
    if narrative:
        bases = ", ".join(f"{_q(k)}: {_q(v)}" for k, v in plan.docs_urls.items())
        lines.append(f"{indent}# Relative links in docstrings lead to these sites' pages.")
        lines.append(f"{indent}docs: {{{bases}}}")
    return "\n".join(lines) + "\n"


def _nav_yml(plan: SitePlan, versioned: Versioned | None) -> str:
    nav = [
        "nav:",
        "  - Home: index.md",
        "  - Reference:",
        "      - Reference: reference/index.md",
    ]
    for item in plan.nav:
        nav += _nav_lines(item, "      ")
    nav.append("      - API Coverage: reference/coverage.md")
    nav.append("      - Docstrings: reference/docstrings.md")
    if versioned is not None:
        nav.append(f"      - API Changes: {CHANGES_PAGE}")
    return "\n".join(nav) + "\n"


def _navtree_yml(plan: SitePlan, versioned: Versioned | None) -> str:
    lines = [
        f"# The declared navigation of the {plan.package} reference: `refsite check`",
        "# compares the built site with it (labels, order, URLs, and the anchor of",
        "# every object on each page). Edit it along with the nav of mkdocs.yml.",
        "tree:",
        "  - {label: Home, url: /}",
        "  - label: Reference",
        "    url: /reference/",
        "    children:",
        "      - {label: Reference, url: /reference/}",
    ]
    for item in plan.nav:
        lines += _tree_lines(item, "      ")
    lines.append("      - {label: API Coverage, url: /reference/coverage/}")
    lines.append("      - {label: Docstrings, url: /reference/docstrings/}")
    if versioned is not None:
        lines.append("      - {label: API Changes, url: /reference/changes/}")
    return "\n".join(lines) + "\n"


def _tree_lines(item: NavItem, indent: str) -> list[str]:
    anchors = ", ".join(_q(a) for a in item.page.anchors)
    entry = f"label: {_q(item.label)}, url: {item.page.url}"
    if not item.children:
        extra = f", anchors: [{anchors}]" if anchors else ""
        return [f"{indent}- {{{entry}{extra}}}"]
    lines = [f"{indent}- {entry.replace(', url', chr(10) + indent + '  url')}"]
    lines.append(f"{indent}  children:")
    for child in item.children:
        lines += _tree_lines(child, indent + "    ")
    return lines


def _exclusions_yml(plan: SitePlan) -> str:
    lines = [
        f"# Public names of {plan.package} that the reference leaves out, each with the",
        "# reason: what `refsite init` could not render without a warning (fix the",
        "# cause upstream and remove the entry to document it), and test code.",
    ]
    if not plan.exclusions:
        return "\n".join([*lines, "exclude: []"]) + "\n"
    lines.append("exclude:")
    for exclusion in plan.exclusions:
        lines += [f"  - name: {_q(exclusion.pattern)}", f"    reason: {_q(exclusion.reason)}"]
    return "\n".join(lines) + "\n"


def _home(plan: SitePlan, versioned: Versioned | None) -> str:
    out = [f"# {plan.package}", "", plan.intro, ""]
    if plan.distribution:
        out += [f"<!-- refsite:versions {plan.distribution} -->", ""]
    pages = len(plan.pages)
    out += [
        f"- [Reference](reference/index.md): {plan.documented} public objects "
        f"on {pages} page{'s' if pages != 1 else ''}.",
        "- [API Coverage](reference/coverage.md): what is documented, and what is left out.",
        "- [Docstrings](reference/docstrings.md): what the docstrings get wrong, to fix upstream.",
    ]
    if versioned is not None:
        out.append(
            f"- [API Changes]({CHANGES_PAGE}): what changed from one release to the next, "
            f"since {versioned.since}."
        )
    out.append("")
    return "\n".join(out)


def _reference_index(plan: SitePlan) -> str:
    out = ["# Reference", "", f"The public API of `{plan.package}`, module by module.", ""]
    for item in plan.nav:
        page = item.page
        link = page.path.removeprefix("reference/")
        intro = page.intro or f"{len(page.anchors)} public objects."
        out.append(f"- [{item.label}]({link}): {intro}")
    return "\n".join([*out, ""])


def _page_markdown(page: Page) -> str:
    first, *rest = page.sections or (Section("", "", ()),)
    intro = page.intro or (f"The public objects of `{first.module}`." if first.module else "")
    out = [f"# {page.title}", ""]
    if first.whole:
        out += _module_docstring(first.module)
    elif intro:
        out += [intro, ""]
    for label, link, names in page.links:
        shown = ", ".join(f"`{n.rpartition('.')[2]}`" for n in names[:3])
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        out += [f"- [{label}]({link}): {shown}{more}"]
    if page.links:
        out.append("")
    out += _elsewhere(first)
    out += _directives(first.entries, 2)
    for section in rest:
        out += [f"## `{section.module}`", ""]
        if section.whole:
            out += _module_docstring(section.module)
        else:
            out += [section.intro or f"The public objects of `{section.module}`.", ""]
        out += _elsewhere(section)
        out += _directives(section.entries, 3)
    return "\n".join(out)


def _module_docstring(module: str) -> list[str]:
    """A module's docstring, whole, under the heading the page gives it."""
    return [
        f"::: {module}",
        "    options:",
        "      show_root_heading: false",
        "      show_root_toc_entry: false",
        "      members: false",
        "",
    ]


def _elsewhere(section: Section) -> list[str]:
    """A line linking the objects a module exposes that another page documents."""
    if not section.elsewhere:
        return []
    links = ", ".join(f"[`{name}`][{target}]" for name, target in section.elsewhere)
    return [f"Also importable from `{section.module}`, and documented elsewhere: {links}.", ""]


def _directives(entries: Sequence[Entry], level: int) -> list[str]:
    out = []
    for entry in entries:
        out.append(f"::: {entry.name}")
        options = [f"      heading_level: {level}"] if level != 2 else []
        if entry.hide_value:
            options.append("      show_attribute_values: false")
        if options:
            out += ["    options:", *options]
        out.append("")
    return out


def write_project(
    folder: Path,
    files: Mapping[str, str],
    *,
    force: bool = False,
    previous: Iterable[str] = (),
) -> list[str]:
    """Write ``files`` (text by relative path) under ``folder``; returns their paths.

    Files of ``previous`` (what an earlier call wrote) that ``files`` no longer
    has are removed: MkDocs would warn about a page outside the navigation.

    Raises:
        ScaffoldError: a file exists and ``force`` is false, or the folder cannot be written.
    """
    check_new(folder, files, force=force)
    try:
        for name, text in files.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        for name in set(previous) - set(files):
            (folder / name).unlink(missing_ok=True)
    except OSError as error:
        raise ScaffoldError(
            f"{folder}: cannot write there ({error.strerror}): choose a folder you can write to"
        ) from None
    return list(files)


def check_new(folder: Path, names: Iterable[str], *, force: bool = False) -> None:
    """Fail when a file of ``names`` (relative to ``folder``) exists, unless ``force``.

    Raises:
        ScaffoldError: one does.
    """
    existing = [name for name in names if (folder / name).exists()]
    if existing and not force:
        shown = ", ".join(existing[:3])
        more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
        raise ScaffoldError(
            f"{folder}: {shown}{more} already exist(s): pass --force to overwrite, "
            "or choose an empty folder"
        )


def check_writable(folder: Path) -> None:
    """Fail early, before loading anything, when ``folder`` cannot be created or written.

    Raises:
        ScaffoldError: it cannot.
    """
    probe = folder
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise ScaffoldError(
            f"{folder}: cannot write there ({probe} is not a writable folder): "
            "choose a folder you can write to"
        )
