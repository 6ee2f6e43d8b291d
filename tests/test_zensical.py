"""The same mkdocs.yml built by Zensical: refsite's checks run on its output from the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import lxml.html
import pytest

from conftest import BIN, ROOT, Build, refsite, run
from refsite.coverage import rendered_names

# Zensical's 404 page (0.0.60 to 0.0.73) has a skip link to an element it does not render.
ZENSICAL_404_SKIP = "/404.html: #__skip"


@pytest.fixture(scope="session")
def zensical_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The FastAPI site built by Zensical from a copy of the project."""
    project = tmp_path_factory.mktemp("zensical") / "project"
    project.mkdir()
    for name in ("mkdocs.yml", "navtree.yml", "coverage-exclusions.yml", "docs"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name)
        else:
            shutil.copy(source, project / name)
    result = run(BIN / "zensical", "build", cwd=project)
    assert result.returncode == 0, result.stdout
    assert "Build finished" in result.stdout
    return project / "site"


def test_contract_check_passes_on_zensical_output(zensical_site: Path) -> None:
    result = refsite("check", zensical_site, "--tree", ROOT / "navtree.yml", cwd=ROOT)
    assert result.returncode == 0, result.stdout


def test_links_and_coverage_pass_on_zensical_output(zensical_site: Path) -> None:
    links = refsite("links", zensical_site, "--ignore", ZENSICAL_404_SKIP, cwd=ROOT)
    assert links.returncode == 0, links.stdout
    coverage = refsite("coverage", zensical_site, "--fail-under", "100", cwd=ROOT)
    assert coverage.returncode == 0, coverage.stdout


def test_the_known_zensical_defect_is_still_the_only_link_finding(zensical_site: Path) -> None:
    # When a Zensical release fixes its 404 page, this fails: drop the --ignore.
    links = refsite("links", zensical_site, cwd=ROOT)
    assert links.returncode == 1
    assert [line for line in links.stdout.splitlines() if line.startswith("/")] == [
        f"{ZENSICAL_404_SKIP}: no element #__skip on /404.html"
    ]


def _objects(site: Path) -> dict[str, set[str]]:
    """Per page, the ids of the rendered API objects (mkdocstrings headings)."""
    out: dict[str, set[str]] = {}
    for page in sorted(site.rglob("*.html")):
        doc = lxml.html.fromstring(page.read_bytes())
        ids = {str(i) for i in doc.xpath("//*[contains(@class, 'doc-heading')]/@id")}
        out[page.relative_to(site).as_posix()] = ids
    return out


def test_both_engines_build_the_same_pages_and_object_anchors(
    zensical_site: Path, fastapi_site: Build
) -> None:
    ours = _objects(fastapi_site.site)
    theirs = _objects(zensical_site)
    assert sorted(ours) == sorted(theirs)
    for page, ids in ours.items():
        assert ids == theirs[page], page
    # Guard against comparing two empty sets: the site renders ~1,000 objects.
    assert sum(len(ids) for ids in ours.values()) > 500
    assert rendered_names(fastapi_site.site) == rendered_names(zensical_site)
