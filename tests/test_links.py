"""Link integrity on fixture sites: real builds, then site_copy copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Build, refsite
from refsite.checks.links import check_links
from refsite.checks.site import ParsedFiles


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
def test_broken_link_is_a_finding(site_copy: Path, html: str, expected: str) -> None:
    _append(site_copy / "api/shapes/index.html", html)
    assert [str(f) for f in check_links(site_copy).findings] == [expected]
    result = refsite("links", site_copy, cwd=site_copy.parent)
    assert result.returncode == 1
    assert expected in result.stdout.splitlines()


def test_checks_between_rebuilds_see_what_changed(site_copy: Path) -> None:
    # `mkdocs serve` checks the same folder after every rebuild, rereading only
    # the files a rebuild wrote: a change to a target page, to the linking page,
    # or to the files present must still show.
    files = ParsedFiles()
    _append(
        site_copy / "api/shapes/index.html",
        '<a href="../colours/#minipkg.colours.Colour.RED">red</a>',
    )
    assert check_links(site_copy, files=files).findings == []
    colours = site_copy / "api/colours/index.html"
    whole = colours.read_text()
    colours.write_text(whole.replace('id="minipkg.colours.Colour.RED"', 'id="renamed"'))
    broken = [str(f) for f in check_links(site_copy, files=files).findings]
    assert broken
    assert all("no element #minipkg.colours.Colour.RED on /api/colours/" in f for f in broken)
    assert {f.split(":")[0] for f in broken} == {"/api/colours/", "/api/shapes/"}
    colours.write_text(whole)
    assert check_links(site_copy, files=files).findings == []
    _append(site_copy / "api/shapes/index.html", '<a href="../../extra/">x</a>')
    assert [str(f) for f in check_links(site_copy, files=files).findings] == [
        "/api/shapes/: ../../extra/: no file serves /extra/"
    ]
    (site_copy / "extra").mkdir()
    (site_copy / "extra/index.html").write_text("<html><body>extra</body></html>")
    assert check_links(site_copy, files=files).findings == []
    assert check_links(site_copy, files=files).links == check_links(site_copy).links


def test_links_that_escape_the_base_path_are_findings(mini_built: Build) -> None:
    # Built for the root of its host, the site's 404 page links to "/assets/...":
    # served from /sub/ those links would leave the site.
    report = check_links(mini_built.site, base_path="/sub/")
    assert report.findings
    assert all("leaves the site's base path /sub/" in f.problem for f in report.findings)
    assert {f.page for f in report.findings} == {"/404.html"}
