"""Outputs kept between builds: their keys see every input, and kept outputs equal made ones."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conftest import FIXTURES, mkdocs_build
from refsite.checks.site import ParsedFiles
from refsite.core.outputs import KeptOutputsFile, template_key
from refsite.speed.kept_outputs import KeptOutputs
from test_cache import _same_tree


def _nav_item(title: str, url: str, *, active: bool = False) -> SimpleNamespace:
    return SimpleNamespace(title=title, url=url, active=active, children=[], meta={})


def _context(**changes: Any) -> dict[str, Any]:
    """A template context shaped like MkDocs' for a page, with ``changes`` applied."""
    home = _nav_item("Home", "")
    other = _nav_item("Other", "other/")
    page = SimpleNamespace(
        url="page/",
        file=SimpleNamespace(src_uri="page.md"),
        title="Page",
        content="<p>Body</p>",
        meta={},
        toc=[SimpleNamespace(title="Part", id="part", level=2, children=[])],
        canonical_url=None,
        edit_url=None,
        is_homepage=False,
        previous_page=home,
        next_page=other,
        ancestors=[],
    )
    for name, value in changes.pop("page", {}).items():
        setattr(page, name, value)
    nav = SimpleNamespace(
        items=[home, _nav_item("Page", "page/", active=True), other], homepage=home
    )
    context: dict[str, Any] = {
        "nav": nav,
        "pages": [],
        "base_url": "..",
        "extra_css": [],
        "extra_javascript": [],
        "mkdocs_version": "1.6.1",
        "build_date_utc": "2026-11-28",
        "config": {},
        "page": page,
    }
    context.update(changes)
    return context


BASE = template_key("site", "main.html", _context())


@pytest.mark.parametrize(
    ("name", "context", "same"),
    [
        ("the same inputs", _context(), True),
        ("another build date (Material does not show it)", _context(build_date_utc="2027"), True),
        ("other content", _context(page={"content": "<p>Other</p>"}), False),
        ("another title", _context(page={"title": "Renamed"}), False),
        ("another table of contents", _context(page={"toc": []}), False),
        ("another next page", _context(page={"next_page": _nav_item("Last", "last/")}), False),
        ("other metadata", _context(page={"meta": {"hide": ["toc"]}}), False),
        ("another base URL", _context(base_url="../.."), False),
    ],
)
def test_template_key_sees_every_input(name: str, context: dict[str, Any], same: bool) -> None:
    assert (template_key("site", "main.html", context) == BASE) is same, name


def test_template_key_sees_the_navigation_the_template_and_the_site() -> None:
    context = _context()
    context["nav"].items[2].title = "Renamed elsewhere"
    assert template_key("site", "main.html", context) != BASE
    assert template_key("site", "404.html", _context()) != BASE
    assert template_key("other site", "main.html", _context()) != BASE


def test_template_key_sees_the_configuration_as_templates_do() -> None:
    config = {"site_name": "Site", "extra": {}, "site_dir": "/a", "plugins": {"search": None}}
    base = template_key("site", "main.html", _context(config=config))
    # A plugin sets extra.version at run time (a versioned build): the
    # template shows a version selector, so the key differs.
    versioned = {**config, "extra": {"version": {"provider": "mike"}}}
    assert template_key("site", "main.html", _context(config=versioned)) != base
    assert template_key("site", "main.html", _context(config={**config, "plugins": {}})) != base
    # Where the site is written does not show in a page.
    assert template_key("site", "main.html", _context(config={**config, "site_dir": "/b"})) == base


def test_template_key_refuses_what_it_cannot_see() -> None:
    # A plugin's own context entries, or a template rendered without a page.
    assert template_key("site", "main.html", _context(tags=["a"])) is None
    assert template_key("site", "main.html", {**_context(), "page": None}) is None


def test_output_memo_keeps_what_a_build_used(tmp_path: Path) -> None:
    file = tmp_path / "memo.pickle"
    first = KeptOutputsFile()
    first.put("a", "A")
    first.put("b", "B")
    first.save(file, "v1")
    second = KeptOutputsFile.load(file, "v1")
    assert second.get("a") == "A"
    second.save(file, "v1")
    # What the second build did not use is gone; another version reads nothing.
    third = KeptOutputsFile.load(file, "v1")
    assert (third.get("a"), third.get("b")) == ("A", None)
    assert KeptOutputsFile.load(file, "v2").get("a") is None


def test_output_memo_in_one_process_keeps_only_the_last_build(tmp_path: Path) -> None:
    # mkdocs serve: each rebuild finds what the one before used or made, and
    # nothing older, so memory does not grow with every edit.
    memo = KeptOutputsFile({"old": "O"})
    memo.put("page-v1", "1")
    memo.next_build()
    assert memo.get("page-v1") == "1"
    memo.put("page-v2", "2")
    memo.next_build()
    assert (memo.get("page-v1"), memo.get("page-v2"), memo.get("old")) == ("1", "2", None)
    memo.next_build()
    memo.next_build()
    assert memo.get("page-v1") is None


def test_output_memo_survives_a_torn_file(tmp_path: Path) -> None:
    file = tmp_path / "memo.pickle"
    KeptOutputsFile({"a": "A"}).save(file, "v1")
    file.write_bytes(file.read_bytes()[:10])
    memo = KeptOutputsFile.load(file, "v1")
    assert memo.get("a") is None


def test_parsed_files_are_found_again_by_content(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text("<p>one</p>")
    calls: list[bytes] = []

    def parse(data: bytes) -> list[str]:
        calls.append(data)
        return [data.decode()]

    before = ParsedFiles()
    value = before.read(page, "kind", parse)
    before.derived["result"] = value
    before.save(tmp_path / "parsed.pickle", "v1")

    # A new process, the same page written again: not parsed, and the kept
    # result still refers to the very value read.
    page.write_text("<p>one</p>")
    after = ParsedFiles.load(tmp_path / "parsed.pickle", "v1")
    again = after.read(page, "kind", parse)
    assert len(calls) == 1
    assert again is after.derived["result"]
    page.write_text("<p>two</p>")
    assert after.read(page, "kind", parse) == ["<p>two</p>"]
    assert len(calls) == 2
    assert not ParsedFiles.load(tmp_path / "parsed.pickle", "v2").read_before


class _Autorefs:
    """autorefs' URL maps, as KeptOutputs reads them."""

    def __init__(self, url: str) -> None:
        self._primary_url_map = {"pkg.Thing": [url]}
        self._secondary_url_map: dict[str, list[str]] = {}
        self._abs_url_map: dict[str, str] = {}
        self._title_map: dict[str, str] = {}


def _pages() -> list[SimpleNamespace]:
    return [SimpleNamespace(url="a/", content='<autoref identifier="pkg.Thing">Thing</autoref>')]


def _fix(kept: KeptOutputs, autorefs: _Autorefs, *, warn: bool = False) -> list[SimpleNamespace]:
    """One round as a build does it: kept results in, autorefs fixes the rest, results out."""
    pages = _pages()
    kept.before_cross_references(pages, autorefs)
    for page in pages:
        if "<autoref" in page.content:
            url = autorefs._primary_url_map["pkg.Thing"][0]
            page.content = f'<a href="{url}">Thing</a>'
            if warn:
                logging.getLogger("mkdocs.plugins.mkdocs_autorefs._internal.plugin").warning(
                    "Could not find cross-reference target"
                )
    kept.after_cross_references(pages)
    return pages


def test_fixed_cross_references_are_kept_by_page_and_anchors(tmp_path: Path) -> None:
    kept = KeptOutputs(tmp_path, "fingerprint")
    _fix(kept, _Autorefs("../b/#pkg.Thing"))
    assert (kept.memo.hits, kept.memo.misses) == (0, 1)
    # The same page and anchors: put back, not fixed again.
    pages = _pages()
    kept.before_cross_references(pages, _Autorefs("../b/#pkg.Thing"))
    assert pages[0].content == '<a href="../b/#pkg.Thing">Thing</a>'
    kept.after_cross_references(pages)
    # The target moved: fixed again, to the new place.
    moved = _fix(kept, _Autorefs("../c/#pkg.Thing"))
    assert moved[0].content == '<a href="../c/#pkg.Thing">Thing</a>'
    assert kept.memo.misses == 2


def test_cross_references_of_a_build_that_warned_are_not_kept(tmp_path: Path) -> None:
    kept = KeptOutputs(tmp_path, "fingerprint")
    _fix(kept, _Autorefs("../b/#pkg.Thing"), warn=True)
    pages = _pages()
    kept.before_cross_references(pages, _Autorefs("../b/#pkg.Thing"))
    # Still to fix: autorefs runs on it again, and warns again.
    assert "<autoref" in pages[0].content
    kept.after_cross_references(pages)


def _kept_counts(output: str) -> tuple[int, int]:
    match = re.search(r"kept outputs \([^)]*\): (\d+) reused, (\d+) made", output)
    assert match, output
    return int(match[1]), int(match[2])


def test_page_edit_in_a_new_process_matches_a_clean_build(tmp_path: Path) -> None:
    project = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", project)
    cold = mkdocs_build(project, tmp_path / "cold")
    warm = mkdocs_build(project, tmp_path / "warm")
    assert cold.returncode == warm.returncode == 0
    # Every templated page and fixed page of the warm build was kept.
    assert _kept_counts(warm.output)[1] == 0
    assert _same_tree(cold.site, warm.site) == []
    page = project / "docs/api/shapes.md"
    page.write_text(
        page.read_text().replace("# Shapes", "# Shapes\n\n## Drawing them\n\nIn order.")
    )
    edited = mkdocs_build(project, tmp_path / "edited")
    assert edited.returncode == 0, edited.output
    reused, made = _kept_counts(edited.output)
    assert reused > 0, edited.output
    assert made > 0, edited.output
    shutil.rmtree(project / ".cache")
    clean = mkdocs_build(project, tmp_path / "clean")
    assert _same_tree(clean.site, edited.site) == []
    assert "Drawing them" in (edited.site / "api/shapes/index.html").read_text()


def test_a_theme_lists_the_templates_jinja_does_but_dot_files(tmp_path: Path) -> None:
    import jinja2
    import material

    from refsite.speed.templates import _templates_in

    theme = Path(material.__file__).parent / "templates"
    expected = [
        name
        for name in jinja2.FileSystemLoader(str(theme)).list_templates()
        if not name.startswith(".") and "/." not in name
    ]
    assert len(expected) > 100  # Material's templates, partials and assets
    assert _templates_in(str(theme)) == expected
    # Dot-files and dot-folders (Material's .icons) are left out, the rest nested kept.
    (tmp_path / ".icons/x").mkdir(parents=True)
    (tmp_path / ".icons/x/a.svg").write_text("")
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials/.hidden.html").write_text("")
    (tmp_path / "partials/nav.html").write_text("")
    (tmp_path / "main.html").write_text("")
    assert _templates_in(str(tmp_path)) == ["main.html", "partials/nav.html"]
