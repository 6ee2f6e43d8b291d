"""Link integrity on fixture sites: real builds, then damaged copies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import Build, refsite
from refsite.links import check_links


@pytest.fixture
def damaged(mini_built: Build, tmp_path: Path) -> Path:
    """A copy of the built mini site, to break."""
    site = tmp_path / "site"
    shutil.copytree(mini_built.site, site)
    return site


def _append(page: Path, html: str) -> None:
    text = page.read_text()
    page.write_text(text.replace("</article>", html + "</article>", 1))


def test_fixture_site_links_resolve(mini_built: Build) -> None:
    report = check_links(mini_built.site)
    assert report.findings == []
    assert report.pages >= 5
    assert report.links > 50
    assert "https://example.org/upstream/" in report.external
    result = refsite("links", mini_built.site, cwd=mini_built.project)
    assert result.returncode == 0
    assert "0 finding(s)" in result.stdout


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<a href="../nope/">x</a>', "/api/shapes/: ../nope/: no file serves /api/nope/"),
        (
            '<a href="#minipkg.shapes.Circle">x</a>',
            "/api/shapes/: #minipkg.shapes.Circle: no element #minipkg.shapes.Circle on /api/shapes/",
        ),
        (
            '<a href="../colours/#minipkg.colours.Colour.PINK">x</a>',
            "/api/shapes/: ../colours/#minipkg.colours.Colour.PINK: no element #minipkg.colours.Colour.PINK on /api/colours/",
        ),
        (
            '<img src="../../assets/nope.png">',
            "/api/shapes/: ../../assets/nope.png: no file serves /assets/nope.png",
        ),
        (
            '<p id="minipkg.shapes.area">again</p>',
            "/api/shapes/: #minipkg.shapes.area: id used more than once",
        ),
    ],
    ids=["page", "fragment", "cross-page-fragment", "asset", "duplicate-id"],
)
def test_broken_link_is_a_finding(damaged: Path, html: str, expected: str) -> None:
    _append(damaged / "api/shapes/index.html", html)
    assert [str(f) for f in check_links(damaged).findings] == [expected]
    result = refsite("links", damaged, cwd=damaged.parent)
    assert result.returncode == 1
    assert expected in result.stdout.splitlines()


def test_links_that_escape_the_base_path_are_findings(mini_built: Build) -> None:
    # Built for the root of its host, the site's 404 page links to "/assets/...":
    # served from /sub/ those links would leave the site.
    report = check_links(mini_built.site, base_path="/sub/")
    assert report.findings
    assert all("leaves the site's base path /sub/" in f.problem for f in report.findings)
    assert {f.page for f in report.findings} == {"/404.html"}
