"""PR previews: a site built for a sub-path (.../pr-<N>/) works when served there."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import FIXTURES, ROOT, Build, Visit, mkdocs_build, serve_site

PREFIX = "/refsite/pr-7/"
SITE_URL = f"http://127.0.0.1:8000{PREFIX}"
URL_ATTRIBUTES = ("href", "src", "action", "poster", "data")


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The mini fixture site, built as the preview of PR 7 is."""
    project = tmp_path_factory.mktemp("preview") / "mini"
    shutil.copytree(FIXTURES / "mini", project)
    config = project / "mkdocs.yml"
    text, count = re.subn(
        r"(?m)^site_url: .*$", f"site_url: {SITE_URL}", config.read_text(encoding="utf-8")
    )
    assert count == 1, "the mini fixture's mkdocs.yml has no site_url line"
    config.write_text(text, encoding="utf-8")
    build = mkdocs_build(project)
    assert build.returncode == 0, build.output
    assert build.warnings == []
    return build


def _urls(page: Path) -> list[str]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
    urls = [tag[attr] for attr in URL_ATTRIBUTES for tag in soup.find_all(attrs={attr: True})]
    for tag in soup.find_all(srcset=True):
        urls += [part.split()[0] for part in tag["srcset"].split(",") if part.strip()]
    return [str(url) for url in urls]


def test_site_absolute_urls_stay_under_the_sub_path(preview: Build) -> None:
    pages = sorted(preview.site.rglob("*.html"))
    assert len(pages) >= 5
    escaping: list[str] = []
    site_absolute = 0
    for page in pages:
        for url in _urls(page):
            parts = urlsplit(url)
            if parts.scheme in {"http", "https"} and parts.netloc != "127.0.0.1:8000":
                continue  # another site, e.g. the fixture's external nav entry
            if parts.scheme not in {"", "http", "https"} or not parts.path.startswith("/"):
                continue  # relative, a fragment, mailto:, data: ...
            if parts.path.startswith("//"):
                escaping.append(f"{page.relative_to(preview.site)}: {url}")
                continue
            site_absolute += 1
            if not parts.path.startswith(PREFIX):
                escaping.append(f"{page.relative_to(preview.site)}: {url}")
    assert escaping == []
    # Not vacuous: the 404 page and the canonical links are site-absolute.
    assert site_absolute >= len(pages)


def test_the_404_page_loads_its_assets_from_the_sub_path(preview: Build) -> None:
    assets = _urls(preview.site / "404.html")
    local = [u for u in assets if u.startswith("/") and not u.startswith("//")]
    assert local, "the 404 page has no site-absolute asset URL"
    for url in local:
        assert url.startswith(PREFIX), url
        relative = urlsplit(url).path[len(PREFIX) :]
        if Path(relative).suffix:  # a file, e.g. a style sheet or a script
            assert (preview.site / relative).is_file(), f"{url}: no such file in the build"


def test_sitemap_lists_pages_under_the_preview_url(preview: Build) -> None:
    sitemap = (preview.site / "sitemap.xml").read_text(encoding="utf-8")
    locations = re.findall(r"<loc>(.*?)</loc>", sitemap)
    assert locations
    assert all(loc.startswith(SITE_URL) for loc in locations), locations


def _responses(visit: Visit) -> list[Any]:
    responses: list[Any] = []
    visit.page.on("response", lambda response: responses.append(response))
    return responses


@pytest.mark.browser
def test_preview_pages_load_and_navigate_under_the_sub_path(visit: Visit, preview: Build) -> None:
    with serve_site(preview.site, prefix=PREFIX) as base:
        assert urlsplit(base).path == PREFIX
        responses = _responses(visit)
        response = visit.page.goto(base)
        assert response is not None
        assert response.status == 200
        visit.page.wait_for_load_state("networkidle")
        assert visit.page.title().startswith("Mini reference")
        assert visit.page.locator("link[rel=stylesheet]").count() > 0

        # Follow the nav, two levels down: the API section, then one of its pages.
        for label, path in [("API", "api/"), ("Shapes", "api/shapes/")]:
            nav = visit.page.locator("nav.md-nav--primary")
            link = nav.get_by_role("link", name=label, exact=True).first
            href = link.get_attribute("href")
            assert href is not None
            with visit.page.expect_navigation() as navigation:
                link.click()
            assert navigation.value is not None
            assert navigation.value.status == 200
            assert visit.page.url == base + path
            assert urlsplit(visit.page.url).path.startswith(PREFIX)
            visit.page.wait_for_load_state("networkidle")
            assert label in visit.page.title()

        local = [r for r in responses if urlsplit(r.url).hostname == "127.0.0.1"]
        assert len(local) > 3  # pages, styles and scripts were fetched
        for r in local:
            assert urlsplit(r.url).path.startswith(PREFIX), r.url
            assert r.status < 400, f"{r.status} {r.url}"


@pytest.mark.browser
def test_preview_404_page_is_styled_from_the_sub_path(visit: Visit, preview: Build) -> None:
    with serve_site(preview.site, prefix=PREFIX) as base:
        responses = _responses(visit)
        response = visit.page.goto(base + "no/such/page/")
        assert response is not None
        assert response.status == 404
        visit.page.wait_for_load_state("networkidle")
        others = [r for r in responses if r.url != base + "no/such/page/"]
        assert others, "the 404 page loaded no assets"
        for r in others:
            if urlsplit(r.url).hostname == "127.0.0.1":
                assert urlsplit(r.url).path.startswith(PREFIX), r.url
                assert r.status < 400, f"{r.status} {r.url}"
        # Its links lead back into the preview, not to the server's root.
        home = visit.page.locator("a.md-header__button.md-logo").first.get_attribute("href")
        assert home is not None
        assert urlsplit(urljoin(visit.page.url, home)).path == PREFIX


@pytest.mark.parametrize("argument", ["abc", "7a", "07", "0", "-1", "../7", ""])
def test_scripts_preview_rejects_a_bad_pr_number(argument: str) -> None:
    result = subprocess.run(
        [ROOT / "scripts" / "preview", argument],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "PR_NUMBER must be a pull request number" in result.stderr


def test_scripts_preview_without_arguments_prints_its_usage() -> None:
    result = subprocess.run(
        [ROOT / "scripts" / "preview"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "usage: scripts/preview PR_NUMBER" in result.stderr
