"""The docstrings report: from the CLI on a project nothing built, and on the site's page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import griffe
import markdown
import pytest
from bs4 import BeautifulSoup

from conftest import BIN, FIXTURES, Build, mkdocs_build, run
from refsite.scaffold.docfixes import DocstringFixes
from refsite.scaffold.docstrings import docs_urls, format_markdown, read, rendered_names
from refsite.scaffold.values import Finding

INIT = FIXTURES / "init"


def _project(tmp: Path, fixture: str, package: str) -> Path:
    """``package`` scaffolded from a copy of a fixture, without a trial build."""
    shutil.copytree(INIT / fixture, tmp / fixture)
    result = run(
        BIN / "refsite", "init", package, "site-src", "--src", fixture, "--no-trial", cwd=tmp
    )
    assert result.returncode == 0, result.stdout
    return tmp / "site-src"


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _project(tmp_path_factory.mktemp("docstrings"), "broken", "brokenpkg")


def test_the_command_reads_a_project_nothing_built(broken: Path) -> None:
    result = run(BIN / "refsite", "docstrings", broken, cwd=broken.parent)
    assert result.returncode == 1, result.stdout
    assert not (broken / "site").exists()
    assert result.stdout.splitlines() == [
        "brokenpkg/__init__.py:14: brokenpkg.bad: griffe cannot parse a section (Failed to "
        "get 'name: description' pair from 'x the parameter, without the colon that Google "
        "style needs'): shown as it leaves it (write the section as google-style docstrings do)",
        "brokenpkg/__init__.py:29: brokenpkg.dangling: cross-reference to `nowhere.Thing`, "
        "which this site does not document: shown as code (link an object the site "
        "documents, or write the name as code)",
        "2 docstring finding(s): 1 unlinked, 1 unparsed",
    ]
    # In the project's folder, as `refsite coverage` runs there: mkdocs.yml by default.
    as_json = run(BIN / "refsite", "docstrings", "--format", "json", cwd=broken)
    assert as_json.returncode == 1
    data = json.loads(as_json.stdout)
    assert (data["total"], data["kinds"]) == (2, {"unlinked": 1, "narrative": 0, "unparsed": 1})
    assert data["findings"][1] == {
        "file": "brokenpkg/__init__.py",
        "line": 29,
        "object": "brokenpkg.dangling",
        "kind": "unlinked",
        "target": "nowhere.Thing",
        "message": "cross-reference to `nowhere.Thing`, which this site does not document: "
        "shown as code",
        "fix": "link an object the site documents, or write the name as code",
    }


def test_a_project_without_findings_exits_0(tmp_path: Path) -> None:
    project = _project(tmp_path, "optional", "optpkg")
    result = run(BIN / "refsite", "docstrings", project / "mkdocs.yml", cwd=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (
        0,
        "no docstring finding: every docstring the site renders reads as written",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere"], "nowhere: no such file"),
        (["site-src", "--package", "nopkg"], "package 'nopkg' not found"),
    ],
)
def test_unusable_input_is_one_line_and_exit_2(broken: Path, args: list[str], message: str) -> None:
    result = run(BIN / "refsite", "docstrings", *args, cwd=broken.parent)
    assert result.returncode == 2
    assert message in result.stdout
    assert len(result.stdout.strip().splitlines()) == 1


def test_the_docstrings_page_lists_each_finding(broken: Path) -> None:
    build = mkdocs_build(broken)
    assert build.returncode == 0, build.output
    assert "refsite: docstrings: 2 docstring finding(s): 1 unlinked, 1 unparsed" in build.output
    page = BeautifulSoup(
        (build.site / "reference/docstrings/index.html").read_text(), "html.parser"
    )
    rows = [[td.get_text() for td in tr.select("td")] for tr in page.select("article tbody tr")]
    assert [row[0] for row in rows] == [
        "brokenpkg.danglingbrokenpkg/__init__.py:29",
        "brokenpkg.badbrokenpkg/__init__.py:14",
    ]
    kinds = [p.get_text() for p in page.select("article p") if p.strong]
    assert [k.split(":")[0] for k in kinds] == ["Unlinked (1)", "Unparsed (1)"]
    assert "<!-- refsite:docstrings" not in page.decode()
    nav = [a.get_text(strip=True) for a in page.select("nav.md-nav--primary a.md-nav__link")]
    assert "Docstrings" in nav
    # Coverage took the public API from the audit's griffe load: the same
    # figures as the command's own load of the package.
    coverage = BeautifulSoup(
        (build.site / "reference/coverage/index.html").read_text(), "html.parser"
    )
    figures = [td.get_text(strip=True) for td in coverage.select("article tbody tr")[0]("td")]
    said = run(BIN / "refsite", "coverage", build.site, cwd=broken).stdout.splitlines()[-1]
    assert figures[:4] == ["6", "5 (83.3%)", "1", "0"]
    assert said.startswith("6 public objects: 5 documented (83.3%), 1 excluded, 0 missing")


def test_docstrings_fail_makes_each_finding_a_warning(broken: Path, tmp_path: Path) -> None:
    config = broken / "mkdocs.yml"
    text = config.read_text()
    assert "      docstrings:\n        fail: false\n" in text
    config.write_text(text.replace("        fail: false\n", "        fail: true\n"))
    try:
        build: Build = mkdocs_build(broken, tmp_path / "site")
    finally:
        config.write_text(text)
    assert build.returncode == 1
    assert [w.split(": ", 3)[2] for w in build.warnings if "docstrings:" in w] == [
        "brokenpkg/__init__.py:14",
        "brokenpkg/__init__.py:29",
    ]


@pytest.mark.parametrize(
    ("options", "objects"),
    [
        ("", ["brokenpkg.bad", "brokenpkg.dangling"]),
        ("    options:\n      members: [bad]\n", ["brokenpkg.bad"]),
        ("    options:\n      members: false\n", []),
    ],
)
def test_a_directive_s_members_option_limits_what_is_read(
    tmp_path: Path, options: str, objects: list[str]
) -> None:
    (tmp_path / "page.md").write_text(f"# Page\n\n::: brokenpkg\n{options}\nAfter.\n")
    found = read(["brokenpkg"], rendered_names(tmp_path), search_paths=[INIT / "broken"])
    assert [f.obj for f in found] == objects


def test_a_builtin_is_told_apart_from_a_name_the_package_lacks(tmp_path: Path) -> None:
    source = '''def f():
    """Takes a [str][], not a [Gone][pkg.Gone] or a [thing][pkg.things.Thing]."""

class Thing:
    """A thing."""
'''
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/page.md").write_text("::: pkg.f\n\n::: pkg.Thing\n")
    with griffe.temporary_pypackage("pkg", {"__init__.py": source}) as package:
        found = read(["pkg"], rendered_names(tmp_path / "docs"), search_paths=[package.tmpdir])
    assert [(f.target, f.fix) for f in found] == [
        (
            "str",
            "a Python builtin: add https://docs.python.org/3/objects.inv to the python "
            "handler's `inventories` to link it",
        ),
        ("pkg.Gone", "link an object the site documents, or write the name as code"),
        ("pkg.things.Thing", "did you mean `pkg.Thing`?"),
    ]


def test_markdown_cells_keep_code_and_escape_links() -> None:
    finding = Finding(
        "narrative",
        "pkg.Layer",
        "pkg.guide",
        "pkg/__init__.py",
        3,
        "link to `pkg.Layer` written as a URL: rendered as a cross-reference",
        "write [the layer][pkg.Layer] | or `a|b`",
    )
    html = markdown.markdown(format_markdown([finding]), extensions=["tables"])
    cells = BeautifulSoup(html, "html.parser").select("tbody td")
    assert [c.get_text() for c in cells] == [
        "pkg.guidepkg/__init__.py:3",
        "link to pkg.Layer written as a URL: rendered as a cross-reference",
        "write [the layer][pkg.Layer] | or a|b",
    ]


def test_the_fixes_extension_has_its_new_name_and_keeps_the_old() -> None:
    for name in ("refsite.docfixes", "refsite.scaffold.docfixes"):
        loaded = griffe.load_extensions({name: {"unlinked": ["x.Y"]}})
        fixes = [e for e in loaded._extensions if isinstance(e, DocstringFixes)]
        assert [f.unlinked for f in fixes] == [frozenset({"x.Y"})]
    assert docs_urls([{"refsite.docfixes": {"docs": {"pkg": "https://pkg.org/"}}}]) == {
        "pkg": "https://pkg.org/"
    }
