"""The built FastAPI site in a real browser (Debian's chromium via Playwright)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from conftest import ROOT, Build, Visit, recorded_context

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
UPSTREAM = "https://fastapi.tiangolo.com/"


# --- Helpers ------------------------------------------------------------------


def heading(page: Any, anchor: str) -> Any:
    """The element whose id is ``anchor`` (ids contain dots, so no ``#`` selector)."""
    return page.locator(f'[id="{anchor}"]')


def scheme(page: Any) -> str:
    return page.locator("body").get_attribute("data-md-color-scheme")


def search_results(page: Any, query: str) -> list[dict[str, Any]]:
    """Type ``query`` into Material's search box; its results, best score first.

    Material groups results by page and always renders the page's own entry
    first in its group (with score 0 when only sections matched), so the rank
    is read from the scores Material's worker computed (``data-md-score``), in
    display order for equal scores.
    """
    box = page.locator("input.md-search__input")
    box.click()
    # Until the worker has built the index, the meta line says "Initializing
    # search" and a query typed then may go unanswered.
    expect(page.locator(".md-search-result__meta")).to_have_text("Type to start searching")
    box.fill(query)
    box.press("End")  # Material reads the query on keyup
    page.wait_for_selector(".md-search-result__item")
    script = """els => els.map(a => ({
        href: a.href,
        score: parseFloat(a.querySelector('article').dataset.mdScore),
        collapsed: a.closest('details') !== null,
    }))"""
    links: list[dict[str, Any]] = []
    for _ in range(20):  # the worker answers once; wait until the list is stable
        page.wait_for_timeout(150)
        now = page.eval_on_selector_all("a.md-search-result__link", script)
        if now and now == links:
            break
        links = now
    for link in links:
        parts = urlsplit(link["href"])
        link["target"] = parts.path + ("#" + parts.fragment if parts.fragment else "")
    return sorted(links, key=lambda link: -link["score"])


# --- 1. Symbol search ---------------------------------------------------------

# (query, page, anchor). Material favours a page's own entry over its sections,
# so where the page title names the symbol ("`HTTPConnection` class") the page
# would outrank the heading; the refsite plugin's search_boost lifts API object
# sections above it.
SEARCHES = [
    ("WebSocketState", "reference/websockets/", "fastapi.websockets.WebSocketState"),
    ("HTTPConnection", "reference/httpconnection/", "fastapi.requests.HTTPConnection"),
    ("OAuth2PasswordBearer", "reference/security/", "fastapi.security.OAuth2PasswordBearer"),
    ("jsonable_encoder", "reference/encoders/", "fastapi.encoders.jsonable_encoder"),
    ("set_cookie", "reference/response/", "fastapi.Response.set_cookie"),
    (
        "fastapi.websockets.WebSocketState",
        "reference/websockets/",
        "fastapi.websockets.WebSocketState",
    ),
]


@pytest.mark.parametrize(
    ("query", "path", "anchor"),
    SEARCHES,
    ids=[s[0] for s in SEARCHES],
)
def test_search_puts_the_symbol_heading_first_and_lands_on_it(
    visit: Visit, fastapi_url: str, query: str, path: str, anchor: str
) -> None:
    page = visit.page
    page.goto(fastapi_url + "reference/")
    base = urlsplit(fastapi_url).path
    target = f"{base}{path}#{anchor}"

    ranked = search_results(page, query)
    ranks = [link["target"] for link in ranked]
    assert target in ranks, f"{query!r} does not find {target}: {ranks[:5]}"
    rank = ranks.index(target) + 1
    # The first group shown is the symbol's page.
    first_group = page.locator(".md-search-result__item").first
    first_href = first_group.locator("a.md-search-result__link").first.get_attribute("href")
    assert urlsplit(first_href).path == base + path
    assert rank == 1, f"{query!r}: {target} ranks {rank}: {ranks[:5]}"
    assert not ranked[0]["collapsed"]

    link = first_group.locator(f'a.md-search-result__link[href*="#{anchor}"]').first
    if not link.is_visible():  # listed under "1 more on this page"
        first_group.locator("details summary").click()
    link.click()
    page.wait_for_url(lambda url: urlsplit(url).fragment == anchor)
    assert urlsplit(page.url).path == base + path
    expect(heading(page, anchor)).to_be_in_viewport()


# --- 2. Navigation -------------------------------------------------------------


def test_primary_navigation_and_toc_lead_to_a_member(visit: Visit, fastapi_url: str) -> None:
    page = visit.page
    page.goto(fastapi_url)
    nav = page.locator("nav.md-nav--primary")
    nav.get_by_text("Reference", exact=True).first.click()
    nav.get_by_role("link", name="WebSockets", exact=True).click()
    page.wait_for_url("**/reference/websockets/")
    expect(page.locator("h1").first).to_contain_text("WebSockets")

    toc = page.locator(".md-sidebar--secondary nav.md-nav--secondary")
    toc.locator('a[href$="#fastapi.websockets.WebSocketState"]').click()
    page.wait_for_url("**#fastapi.websockets.WebSocketState")
    expect(heading(page, "fastapi.websockets.WebSocketState")).to_be_in_viewport()
    member = "fastapi.websockets.WebSocketState.CONNECTING"
    toc.locator(f'a[href$="#{member}"]').click()
    page.wait_for_url(f"**#{member}")
    expect(heading(page, member)).to_be_in_viewport()


def test_opening_a_member_anchor_directly_scrolls_to_it(visit: Visit, fastapi_url: str) -> None:
    member = "fastapi.websockets.WebSocketState.CONNECTING"
    visit.page.goto(f"{fastapi_url}reference/websockets/#{member}")
    expect(heading(visit.page, member)).to_be_in_viewport()
    assert "CONNECTING" in heading(visit.page, member).inner_text()


def test_upstream_entries_link_to_the_upstream_site(visit: Visit, fastapi_url: str) -> None:
    visit.page.goto(fastapi_url + "reference/")
    nav = visit.page.locator("nav.md-nav--primary")
    people = nav.get_by_role("link", name="FastAPI People", exact=True)
    assert people.get_attribute("href") == UPSTREAM + "fastapi-people/"
    assert people.get_attribute("target") in {None, "_self"}  # same tab, like upstream
    notes = nav.locator(f'a[href="{UPSTREAM}release-notes/"]')
    assert notes.count() == 1
    # Nothing was fetched from upstream to render them.
    assert not [u for u in visit.requests if u.startswith(UPSTREAM)]


def test_phone_navigation_drawer_opens_and_its_links_work(browser: Any, fastapi_url: str) -> None:
    with recorded_context(browser, viewport={"width": 390, "height": 844}) as phone:
        page = phone.page
        page.goto(fastapi_url)
        nav = page.locator("nav.md-nav--primary")
        expect(nav).not_to_be_in_viewport()  # the drawer is closed, off-canvas
        page.locator('label.md-header__button[for="__drawer"]').click()
        assert page.locator("#__drawer").is_checked()
        expect(nav).to_be_in_viewport()
        # "Reference" has an index page: its link opens that page, the label
        # next to it slides in the section's own panel.
        reference = nav.locator("li.md-nav__item--nested").first
        expect(reference).to_contain_text("Reference")
        reference.locator("label.md-nav__link").first.click()
        websockets = nav.get_by_role("link", name="WebSockets", exact=True)
        expect(websockets).to_be_visible()
        websockets.click()
        page.wait_for_url("**/reference/websockets/")
        expect(heading(page, "fastapi.WebSocket")).to_be_attached()
        assert len(phone.requests) > 3


# --- 3. Details -----------------------------------------------------------------


def test_palette_toggle_switches_to_dark_and_is_remembered(visit: Visit, fastapi_url: str) -> None:
    page = visit.page
    page.emulate_media(color_scheme="light")
    page.goto(fastapi_url + "reference/")
    assert scheme(page) == "default"
    toggle = page.locator('form[data-md-component="palette"] label.md-header__button:visible')
    for _ in range(3):  # auto -> light -> dark
        if scheme(page) == "slate":
            break
        toggle.click()
    assert scheme(page) == "slate"
    page.goto(fastapi_url + "reference/websockets/")
    assert scheme(page) == "slate"
    page.locator("nav.md-nav--primary").get_by_role("link", name="Status Codes").click()
    page.wait_for_url("**/reference/status/")
    assert scheme(page) == "slate"


def test_code_copy_button_copies_the_code(visit: Visit, fastapi_url: str) -> None:
    page = visit.page
    page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=fastapi_url.rstrip("/")
    )
    page.goto(fastapi_url + "reference/websockets/")
    block = page.locator("div.highlight").first
    code = block.locator("code").first.inner_text()
    block.hover()
    # Material 9.8's copy button (older releases: button.md-clipboard).
    block.locator('button[data-md-type="copy"]').click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() == code.strip()
    assert "from fastapi import WebSocket" in copied


def test_mkdocstrings_headings_have_permalinks(visit: Visit, fastapi_url: str) -> None:
    page = visit.page
    page.goto(fastapi_url + "reference/websockets/")
    headings = page.locator(".doc-heading[id]")
    assert headings.count() > 20
    for anchor in ["fastapi.WebSocket", "fastapi.websockets.WebSocketState.CONNECTING"]:
        link = heading(page, anchor).locator("a.headerlink")
        assert urlsplit(link.get_attribute("href")).fragment == anchor
    without = page.evaluate(
        "[...document.querySelectorAll('.doc-heading[id]')]"
        ".filter(h => !h.querySelector('a.headerlink')).map(h => h.id)"
    )
    assert without == []


def test_unknown_url_shows_the_404_page_with_navigation(visit: Visit, fastapi_url: str) -> None:
    response = visit.page.goto(fastapi_url + "reference/no-such-page/")
    assert response is not None
    assert response.status == 404
    assert "404" in visit.page.locator("article").inner_text()
    nav = visit.page.locator("nav.md-nav--primary")
    expect(nav.get_by_role("link", name="FastAPI People", exact=True)).to_be_attached()
    assert nav.locator('a[href$="reference/websockets/"]').count() >= 1


# --- 5. Live reload --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, OSError):
        return None


def _project_copy(dest: Path) -> Path:
    """Copy what ``scripts/serve`` needs; reuse the real .venv without touching it."""
    dest.mkdir()
    for name in ["docs", "scripts", "requirements", "src"]:
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    for file in [*ROOT.glob("*.yml"), ROOT / "pyproject.toml", ROOT / "api-history.json"]:
        shutil.copy2(file, dest / file.name)
    # A folder of symlinks to the real .venv: scripts/install records its stamp
    # file here instead of re-installing the project (from this copy) into it.
    venv = dest / ".venv"
    venv.mkdir()
    for entry in (ROOT / ".venv").iterdir():
        if entry.name != ".refsite-installed":
            (venv / entry.name).symlink_to(entry)
    lock = (dest / "pyproject.toml").read_bytes() + (dest / "requirements/lock.txt").read_bytes()
    (venv / ".refsite-installed").write_text(f"site {hashlib.sha256(lock).hexdigest()}\n")
    return dest


def test_live_reload_shows_an_edit_within_60_seconds(
    tmp_path: Path,
    visit: Visit,
    capsys: pytest.CaptureFixture[str],
    record_property: Any,
    fastapi_site: Build,
) -> None:
    project = _project_copy(tmp_path / "project")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/reference/background/"
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        ["scripts/serve", "-a", f"127.0.0.1:{port}"],
        cwd=project,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={k: v for k, v in os.environ.items() if k != "REFSITE_SITE_URL"},
    )
    try:
        deadline = time.monotonic() + 120
        while _get(url) is None:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "mkdocs serve did not start within 120 s"
            time.sleep(0.5)
        visit.page.goto(url)

        sentence = f"Live reload marker {time.time_ns()}."
        page_md = project / "docs/reference/background.md"
        page_md.write_text(page_md.read_text() + f"\n{sentence}\n")
        start = time.monotonic()
        while sentence not in (_get(url) or ""):
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() - start < 60, "the edit was not served within 60 s"
            time.sleep(0.25)
        seconds = time.monotonic() - start
        # The open page reloads itself (mkdocs serve's livereload script).
        expect(visit.page.get_by_text(sentence)).to_be_visible(timeout=30_000)
        record_property("live_reload_seconds", round(seconds, 1))
        with capsys.disabled():
            print(f"\nlive reload: edit served after {seconds:.1f} s")
        # scripts/serve rebuilt one page, yet the served site is whole: every
        # page's search entries and every object of the session's build.
        served_index = json.loads(_get(f"http://127.0.0.1:{port}/search/search_index.json") or "{}")
        built_index = json.loads((fastapi_site.site / "search/search_index.json").read_text())
        assert {d["location"] for d in served_index["docs"]} == {
            d["location"] for d in built_index["docs"]
        }
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/objects.inv", timeout=10) as inv:
            assert inv.read() == (fastapi_site.site / "objects.inv").read_bytes()
        # The edited page, and the pages filled from the whole site or the
        # environment in every rebuild: home (the versions table), the API
        # Coverage and the Examples reports.
        rebuilt = re.search(
            r"incremental rebuild: (\d+) of (\d+) page", (tmp_path / "serve.log").read_text()
        )
        assert rebuilt is not None
        assert int(rebuilt[1]) <= 4 < int(rebuilt[2])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


# --- 6. Screenshots ----------------------------------------------------------------


@pytest.mark.parametrize("color", ["light", "dark"])
def test_screenshots_of_home_and_websockets(visit: Visit, fastapi_url: str, color: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = visit.page
    page.emulate_media(color_scheme=color)
    for name, path in [("home", ""), ("websockets", "reference/websockets/")]:
        page.goto(fastapi_url + path)
        page.wait_for_load_state("networkidle")
        assert scheme(page) == ("slate" if color == "dark" else "default")
        shot = SCREENSHOTS / f"{name}-{color}.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000


# --- The page itself ---------------------------------------------------------------


def test_home_page_loads_with_no_request_leaving_the_machine(
    visit: Visit, fastapi_url: str
) -> None:
    response = visit.page.goto(fastapi_url)
    assert response is not None
    assert response.status == 200
    visit.page.wait_for_load_state("networkidle")
    assert visit.page.title().startswith("FastAPI API reference")
    assert visit.page.locator("nav.md-nav--primary").first.is_visible()
    assert len(visit.requests) > 3  # the page, its styles and scripts were really fetched
