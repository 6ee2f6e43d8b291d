"""The versioned FastAPI site: two releases (the newest and 0.130, before Server-Sent Events).

Built once per session from a copy of this repository's site files with a lock
of two releases: the newest of the repository's lock (the one the `site`
extra pins, so that a move to a new release needs no change here) and 0.130.0
from tests/fixtures/fastapi-releases.lock.json (written for the same
`releases` options). It shares the page cache of the session's plain build.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import BIN, FIXTURES, ROOT, Build, nav_labels, recorded_context, run, serve_site, soup
from refsite.checks.coverage import load_api_data
from refsite.checks.manifest import build_manifest
from refsite.history.view import view

REPOSITORY_LOCK = json.loads((ROOT / "requirements/releases.lock.json").read_text())
NEWEST = REPOSITORY_LOCK["releases"][0]["version"]
MINOR = ".".join(NEWEST.split(".")[:2])


@dataclass
class VersionedSite:
    project: Path
    site: Path
    output: str


@pytest.fixture(scope="session")
def fastapi_versioned(
    tmp_path_factory: pytest.TempPathFactory, fastapi_site: Build
) -> VersionedSite:
    """`refsite build --versions` of the FastAPI site with two locked releases."""
    project = tmp_path_factory.mktemp("fastapi-versioned") / "project"
    project.mkdir()
    for name in [
        "mkdocs.yml",
        "navtree.yml",
        "coverage-exclusions.yml",
        "examples-exclusions.yml",
        "api-history.json",
    ]:
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "docs", project / "docs")
    (project / "requirements").mkdir()
    lock = json.loads((FIXTURES / "fastapi-releases.lock.json").read_text())
    lock["selection"] = REPOSITORY_LOCK["selection"]
    lock["releases"][0] = REPOSITORY_LOCK["releases"][0]
    (project / "requirements/releases.lock.json").write_text(json.dumps(lock, indent=2))
    base = tmp_path_factory.getbasetemp()
    env = {
        "SOURCE_DATE_EPOCH": "1700000000",
        # The session's plain build filled this cache: the root reuses its pages.
        "REFSITE_CACHE_DIR": str(base / "fastapi-cache"),
        "REFSITE_WHEELS_DIR": str(base / "fastapi-wheels"),
    }
    env = {**{k: v for k, v in os.environ.items() if k != "REFSITE_SITE_URL"}, **env}
    result = run(BIN / "refsite", "build", "--versions", cwd=project, env=env)
    assert result.returncode == 0, result.stdout
    return VersionedSite(project, project / "site", result.stdout)


def test_the_root_is_the_newest_release_at_the_seed_urls(
    fastapi_versioned: VersionedSite, fastapi_site: Build
) -> None:
    site = fastapi_versioned.site
    assert json.loads((site / "versions.json").read_text()) == [
        {"version": MINOR, "title": NEWEST, "aliases": ["latest"]},
        {"version": "0.130", "title": "0.130.0", "aliases": []},
    ]
    check = run(BIN / "refsite", "check", site, cwd=ROOT)
    assert check.returncode == 0, check.stdout
    links = run(BIN / "refsite", "links", site, cwd=ROOT)
    assert links.returncode == 0, links.stdout
    plain = build_manifest(fastapi_site.site)["pages"]
    versioned = build_manifest(site)["pages"]
    root = {url: page for url, page in versioned.items() if not url.startswith("/0.")}
    newest = {
        url.removeprefix(f"/{MINOR}"): page
        for url, page in versioned.items()
        if url.startswith(f"/{MINOR}/")
    }
    # The root renders the installed packages, /X.Y/ the locked wheels: the same pages.
    assert root == plain
    assert newest == plain


def test_an_older_release_documents_what_it_had(fastapi_versioned: VersionedSite) -> None:
    old = fastapi_versioned.site / "0.130"
    note = soup(old / "reference/sse/index.html").select(".refsite-absent")
    assert [n.select_one(".admonition-title").get_text(strip=True) for n in note] == [
        "Not in FastAPI 0.130.0",
        "Not in FastAPI 0.130.0",
    ]
    text = " ".join(note[0].get_text(" ").split())
    assert "fastapi.sse.EventSourceResponse was added in a later release" in text
    sse = "Server-Sent Events - EventSourceResponse and ServerSentEvent"
    assert sse not in nav_labels(old / "reference/websockets/index.html")
    assert sse in nav_labels(fastapi_versioned.site / MINOR / "reference/websockets/index.html")
    table = soup(old / "index.html").select("article table tbody tr")
    versions = {r.select("td")[0].get_text(): r.select("td")[1].get_text() for r in table}
    assert versions["fastapi"] == "0.130.0"
    assert versions["starlette"] == "0.52.1"
    # Rendered from its own wheels: FastAPI 0.130's class lacks what the newest's has.
    old_page = (old / "reference/fastapi/index.html").read_text()
    new_page = (fastapi_versioned.site / MINOR / "reference/fastapi/index.html").read_text()
    assert old_page.count('class="doc doc-heading"') < new_page.count('class="doc doc-heading"')
    # Its own objects, and no search entry for what it lacks.
    index = json.loads((old / "search/search_index.json").read_text())
    assert not [d for d in index["docs"] if d["location"].startswith("reference/sse/#fastapi")]
    assert [d for d in index["docs"] if d["location"] == "reference/websockets/#fastapi.WebSocket"]
    assert (old / "objects.inv").read_bytes() != (
        fastapi_versioned.site / "objects.inv"
    ).read_bytes()
    links = run(
        BIN / "refsite", "links", old, "--site-url", "http://127.0.0.1:8000/0.130/", cwd=ROOT
    )
    assert links.returncode == 0, links.stdout


def test_an_older_release_s_public_api_comes_from_the_history_as_its_wheels_give_it(
    fastapi_versioned: VersionedSite, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Coverage of an older release reads its API from the history, which equals reading it."""
    lock = json.loads((FIXTURES / "fastapi-releases.lock.json").read_text())
    older = lock["releases"][1]
    unpacked = tmp_path_factory.getbasetemp() / "fastapi-wheels" / "unpacked"
    folders = [str(unpacked / w["sha256"][:16]) for w in older["wheels"]]
    loaded = load_api_data(["fastapi"], ["httpx", "starlette"], folders)
    history = view(ROOT / "api-history.json")
    wheels = [(w["name"], w["version"], w["sha256"]) for w in older["wheels"]]
    assert history.public_api("fastapi", older["version"], wheels) == loaded
    # Other wheels than those the history read, or another package: read the wheels.
    others = [(name, version, "0" * 64) for name, version, _ in wheels]
    assert history.public_api("fastapi", older["version"], others) is None
    assert history.public_api("starlette", older["version"], wheels) is None
    # Its coverage page counts those objects.
    page = soup(fastapi_versioned.site / "0.130/reference/coverage/index.html")
    cell = page.select_one("article table tbody tr td")
    assert cell is not None
    assert cell.get_text(strip=True) == str(len(loaded))


# --- In Chromium ----------------------------------------------------------------


@pytest.fixture(scope="module", params=["/", "/refsite/"], ids=["at-root", "under-a-path"])
def versioned_url(request: Any, fastapi_versioned: VersionedSite) -> Iterator[str]:
    with serve_site(fastapi_versioned.site, request.param) as url:
        yield url


def _switch(page: Any, title: str) -> None:
    """Pick ``title`` in Material's version selector, as a reader does (its list opens on hover)."""
    page.mouse.move(600, 600)
    page.locator(".md-version").hover()
    page.locator(".md-version__link", has_text=title).click()


@pytest.mark.browser
def test_switching_releases_keeps_the_page(browser: Any, versioned_url: str) -> None:
    with recorded_context(browser, viewport={"width": 1280, "height": 900}) as visit:
        page = visit.page
        page.goto(versioned_url + "reference/websockets/")
        selector = page.locator(".md-version")
        expect(selector.locator(".md-version__current")).to_have_text(f"{NEWEST}latest")
        titles = selector.locator(".md-version__link").all_text_contents()
        assert [t.strip() for t in titles] == [f"{NEWEST}latest", "0.130.0"]

        _switch(page, "0.130.0")
        page.wait_for_url(versioned_url + "0.130/reference/websockets/")
        expect(page.locator(".md-version__current")).to_have_text("0.130.0")
        expect(page.locator('[id="fastapi.WebSocket"]')).to_have_count(1)

        _switch(page, NEWEST)
        page.wait_for_url(versioned_url + f"{MINOR}/reference/websockets/")
        expect(page.locator(".md-version__current")).to_have_text(f"{NEWEST}latest")

        page.goto(versioned_url + "0.130/reference/sse/")
        expect(page.locator(".refsite-absent .admonition-title").first).to_have_text(
            "Not in FastAPI 0.130.0"
        )
