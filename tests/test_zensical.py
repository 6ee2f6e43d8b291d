"""The same mkdocs.yml built by Zensical: refsite's checks run on its output from the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import lxml.html
import pytest
from mkdocstrings import Inventory

from conftest import BIN, ROOT, Build, refsite, run
from refsite.checks.coverage import rendered_names


@pytest.fixture(scope="session")
def zensical_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The FastAPI site built by Zensical from a copy of the project."""
    project = tmp_path_factory.mktemp("zensical") / "project"
    project.mkdir()
    for name in (
        "mkdocs.yml",
        "navtree.yml",
        "coverage-exclusions.yml",
        "examples-exclusions.yml",
        "docs",
    ):
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
    # Zensical 0.0.60's 404 page linked to a skip target it did not render;
    # 0.0.73 does not, so no finding is ignored any more.
    links = refsite("links", zensical_site, cwd=ROOT)
    assert links.returncode == 0, links.stdout
    assert "0 finding(s)" in links.stdout
    coverage = refsite("coverage", zensical_site, "--fail-under", "100", cwd=ROOT)
    assert coverage.returncode == 0, coverage.stdout


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
    # The objects themselves (priority 1) are the same. refsite creates every
    # alias griffe knows before rendering, so that objects.inv does not depend
    # on the order pages render in (workers, cache): it lists more aliases
    # (priority 2) than a plain serial render happens to.
    ours_inv, theirs_inv = _inventory(fastapi_site.site), _inventory(zensical_site)
    assert {n for n, p in ours_inv.items() if p == 1} == {
        n for n, p in theirs_inv.items() if p == 1
    }
    assert set(theirs_inv) <= set(ours_inv)
    assert set(rendered_names(zensical_site)) <= set(rendered_names(fastapi_site.site))


def _inventory(site: Path) -> dict[str, int]:
    """Name -> priority of each Python object in a site's objects.inv."""
    with (site / "objects.inv").open("rb") as file:
        inventory = Inventory.parse_sphinx(file, domain_filter=("py",))
    return {item.name: item.priority for item in inventory.values()}
