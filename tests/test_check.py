"""The contract check on small fixture sites: real builds, the plugin and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Build, mkdocs_build, refsite


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def test_matching_site_passes_in_plugin_and_cli(mini_built: Build) -> None:
    assert "refsite: the site matches navtree.yml" in mini_built.output
    assert mini_built.warnings == []
    result = refsite("check", mini_built.site, "--tree", "navtree.yml", cwd=mini_built.project)
    assert result.returncode == 0, result.stdout
    assert "matches navtree.yml" in result.stdout


def _drop_colours_page(p: Path) -> None:
    _edit(p / "mkdocs.yml", "      - Colours: api/colours.md\n", "")
    (p / "docs/api/colours.md").unlink()


def _drop_area(p: Path) -> None:
    _edit(p / "docs/api/shapes.md", "::: minipkg.shapes.area\n", "")


def _swap_nav(p: Path) -> None:
    _edit(
        p / "mkdocs.yml",
        "      - Shapes: api/shapes.md\n      - Colours: api/colours.md\n",
        "      - Colours: api/colours.md\n      - Shapes: api/shapes.md\n",
    )


def _relabel(p: Path) -> None:
    _edit(p / "mkdocs.yml", "- Colours: api/colours.md", "- Colors: api/colours.md")


def _wrong_upstream(p: Path) -> None:
    _edit(p / "mkdocs.yml", "https://example.org/upstream/", "https://example.org/elsewhere/")


def _link_becomes_section(p: Path) -> None:
    _edit(
        p / "mkdocs.yml",
        "  - Upstream: https://example.org/upstream/\n",
        "  - Upstream:\n      - More: https://example.org/more/\n",
    )


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_drop_colours_page, "/api/colours/: declared page 'Colours'; found no page at that URL"),
        (
            _drop_area,
            "/api/shapes/: declared anchor #minipkg.shapes.area; found no element with that id",
        ),
        (
            _drop_area,
            "/api/shapes/: declared toc entry 'area' (#minipkg.shapes.area); found no such entry",
        ),
        (
            _swap_nav,
            "/: declared navigation > API: order ['Shapes', 'Colours']; found ['Colours', 'Shapes']",
        ),
        (_relabel, "/: declared navigation > API: entry 'Colours'; found 'Colors' in its place"),
        (
            _wrong_upstream,
            "/: declared navigation > Upstream: link to https://example.org/upstream/; "
            "found https://example.org/elsewhere/",
        ),
        (
            _link_becomes_section,
            "/: declared navigation > Upstream: a single link; found a section",
        ),
    ],
    ids=[
        "missing-page",
        "missing-anchor",
        "missing-toc",
        "reordered",
        "relabelled",
        "upstream",
        "shape",
    ],
)
def test_site_that_breaks_its_contract_fails_build_and_cli(
    mini: Path, edit: Callable[[Path], None], expected: str
) -> None:
    edit(mini)
    build = mkdocs_build(mini)
    assert build.returncode == 1, build.output
    assert f"WARNING -  refsite: {expected}" in build.output
    assert "Aborted with" in build.output
    result = refsite("check", build.site, "--tree", "navtree.yml", cwd=mini)
    assert result.returncode == 1
    assert expected in result.stdout.splitlines()


SIDE = "              - {label: side, anchor: minipkg.shapes.Square.side}\n"
SCALE = "              - {label: scale, anchor: minipkg.shapes.Square.scale}\n"


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        (
            SIDE.replace(
                "label: side, anchor: minipkg.shapes.Square.side", "label: SCALE, anchor: x"
            )
            + SCALE,
            "/api/shapes/: declared toc entry 'SCALE' (#x); found no such entry in the entries under 'Square'",
        ),
        (
            SCALE + SIDE,
            "/api/shapes/: declared toc entry 'side' after 'scale'; found it comes before it",
        ),
        (
            SIDE + SCALE.replace("label: scale", "label: rescale"),
            "/api/shapes/: declared toc entry #minipkg.shapes.Square.scale labelled 'rescale'; found 'scale'",
        ),
    ],
    ids=["missing-child", "order", "label"],
)
def test_toc_findings(mini_built: Build, tmp_path: Path, declared: str, expected: str) -> None:
    tree = tmp_path / "tree.yml"
    text = (mini_built.project / "navtree.yml").read_text()
    assert SIDE + SCALE in text
    tree.write_text(text.replace(SIDE + SCALE, declared))
    result = refsite("check", mini_built.site, "--tree", tree, cwd=mini_built.project)
    assert result.returncode == 1
    assert [line for line in result.stdout.splitlines() if line.startswith("/")] == [expected]


def test_malformed_tree_file_stops_cli_and_build(mini: Path, mini_built: Build) -> None:
    (mini / "navtree.yml").write_text("tree:\n  - {label: Home, url: /\n")
    result = refsite("check", mini_built.site, "--tree", mini / "navtree.yml", cwd=mini)
    assert result.returncode == 2
    assert "Traceback" not in result.stdout
    [line] = result.stdout.splitlines()
    assert line.startswith(f"refsite: error: {mini / 'navtree.yml'}: not valid YAML at line 3")
    build = mkdocs_build(mini)
    assert build.returncode == 1
    assert "Traceback" not in build.output
    assert f"refsite: {mini / 'navtree.yml'}: not valid YAML at line 3" in build.output
    assert "fix the file or the 'tree' option" in build.output


def test_unknown_identifier_names_page_and_members(mini: Path) -> None:
    _edit(mini / "docs/api/shapes.md", "::: minipkg.shapes.area", "::: minipkg.shapes.Circle")
    build = mkdocs_build(mini)
    assert build.returncode == 1
    assert (
        "ERROR   -  refsite: api/shapes.md: '::: minipkg.shapes.Circle' cannot be rendered: "
        "'minipkg.shapes' (src/minipkg/shapes.py) has no member 'Circle': fix the identifier "
        "(members: Square, area)" in build.output
    )
    assert not (mini / "site" / "api" / "shapes" / "index.html").exists()


def test_unknown_package_says_where_it_looked(mini: Path) -> None:
    _edit(mini / "docs/api/colours.md", "::: minipkg.colours.Colour", "::: nopkg.Thing")
    build = mkdocs_build(mini)
    assert build.returncode == 1
    assert (
        "refsite: api/colours.md: '::: nopkg.Thing' cannot be rendered: no package 'nopkg'"
        in build.output
    )


def test_syntax_error_in_documented_source_names_file_and_line(mini: Path) -> None:
    source = mini / "src/minipkg/shapes.py"
    source.write_text(source.read_text() + "\ndef broken(:\n    pass\n")
    lines = source.read_text().count("\n")
    build = mkdocs_build(mini)
    assert build.returncode == 1
    assert (
        f"refsite: api/shapes.md: '::: minipkg.shapes.Square' cannot be rendered: "
        f"src/minipkg/shapes.py, line {lines - 1}: syntax error (invalid syntax)" in build.output
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check"], "the following arguments are required: SITE_DIR"),
        (["check", "no-such-dir"], "refsite: error: no-such-dir: not a directory"),
        (["check", "docs"], "refsite: error: docs: no HTML pages in it; build the site first"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_cli_arguments(mini: Path, args: list[str], message: str) -> None:
    result = refsite(*args, cwd=mini)
    assert result.returncode == 2
    assert message in result.stdout
    assert "Traceback" not in result.stdout
