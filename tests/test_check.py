"""The contract check on small fixture sites: real builds, the plugin and the CLI."""

from __future__ import annotations

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


# Each case breaks the contract with edits (file, old text, new text; a new
# text of None deletes the file) and names the finding it must produce.
NAV = "mkdocs.yml"
SHAPES_NAV = "      - Shapes: api/shapes.md\n"
COLOURS_NAV = "      - Colours: api/colours.md\n"
UPSTREAM = "https://example.org/upstream/"
BROKEN = {
    "missing-page": (
        [(NAV, COLOURS_NAV, ""), ("docs/api/colours.md", "", None)],
        "/api/colours/: declared page 'Colours'; found no page at that URL",
    ),
    "missing-anchor": (
        [("docs/api/shapes.md", "::: minipkg.shapes.area\n", "")],
        "/api/shapes/: declared anchor #minipkg.shapes.area; found no element with that id",
    ),
    "missing-toc": (
        [("docs/api/shapes.md", "::: minipkg.shapes.area\n", "")],
        "/api/shapes/: declared toc entry 'area' (#minipkg.shapes.area); found no such entry",
    ),
    "reordered": (
        [(NAV, SHAPES_NAV + COLOURS_NAV, COLOURS_NAV + SHAPES_NAV)],
        "/: declared navigation > API: order ['Shapes', 'Colours']; found ['Colours', 'Shapes']",
    ),
    "relabelled": (
        [(NAV, "- Colours: api/colours.md", "- Colors: api/colours.md")],
        "/: declared navigation > API: entry 'Colours'; found 'Colors' in its place",
    ),
    "upstream": (
        [(NAV, UPSTREAM, "https://example.org/elsewhere/")],
        f"/: declared navigation > Upstream: link to {UPSTREAM}; "
        "found https://example.org/elsewhere/",
    ),
    "shape": (
        [(NAV, f"  - Upstream: {UPSTREAM}\n", "  - Upstream:\n      - More: https://x.test/\n")],
        "/: declared navigation > Upstream: a single link; found a section",
    ),
}


@pytest.mark.parametrize(("edits", "expected"), BROKEN.values(), ids=BROKEN.keys())
def test_site_that_breaks_its_contract_fails_build_and_cli(
    mini: Path, edits: list[tuple[str, str, str | None]], expected: str
) -> None:
    for name, old, new in edits:
        if new is None:
            (mini / name).unlink()
        else:
            _edit(mini / name, old, new)
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
