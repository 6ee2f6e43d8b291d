"""Shared helpers: copy fixture sites, run real builds, build the FastAPI site once."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from mkdocstrings import Inventory

from refsite.extras.inventories import cached_copy

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BIN = Path(sys.executable).parent


@dataclass
class Build:
    """A finished (or failed) real build."""

    project: Path
    site: Path
    returncode: int
    output: str

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.output.splitlines() if line.startswith(("WARNING", "ERROR"))]


def run(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing its combined output as text."""
    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )


def mkdocs_build(
    project: Path,
    site: Path | None = None,
    *extra: str,
    cache: Path | None = None,
    env: dict[str, str] | None = None,
) -> Build:
    """Run a real ``mkdocs build --strict`` of ``project``.

    The FastAPI site's page cache goes to ``cache`` (a fresh folder by default),
    never to the repository's own.
    """
    site = site or project / "site"
    # One process unless a test asks for workers: what a build reuses or
    # renders then does not depend on how fast a worker starts.
    env = {"SOURCE_DATE_EPOCH": "1700000000", "REFSITE_WORKERS": "1", **(env or {})}
    env["REFSITE_CACHE_DIR"] = str(cache or site.parent / f"{site.name}-cache")
    result = run(
        BIN / "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        site,
        *extra,
        cwd=project,
        env=env,
    )
    return Build(project=project, site=site, returncode=result.returncode, output=result.stdout)


def refsite(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed ``refsite`` command."""
    return run(BIN / "refsite", *args, cwd=cwd)


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A fresh copy of the mini fixture site, ready to edit and build."""
    dest = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", dest)
    return dest


def inherit_from_private_base(project: Path) -> None:
    """Make a copy of the mini fixture's Square inherit a documented member from a private base.

    Square's page then renders ``name``, defined in ``_base.py``: a base
    class's file is one of the page's sources.
    """
    shapes = project / "src/minipkg/shapes.py"
    shapes.write_text(
        "from minipkg._base import Shape\n\n"
        + shapes.read_text().replace("class Square:", "class Square(Shape):")
    )
    (project / "src/minipkg/_base.py").write_text(
        'class Shape:\n    """A shape."""\n\n    def name(self) -> str:\n'
        '        """Its name."""\n        return "shape"\n'
    )
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text().replace(
            "members_order: source", "members_order: source\n            inherited_members: true"
        )
    )


@pytest.fixture(scope="session")
def mini_built(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The mini fixture site, built once; tests must not modify it."""
    dest = tmp_path_factory.mktemp("mini-built") / "mini"
    shutil.copytree(FIXTURES / "mini", dest)
    build = mkdocs_build(dest)
    assert build.returncode == 0, build.output
    return build


def write_inventory(path: Path, items: dict[str, str]) -> None:
    """Write a Sphinx ``objects.inv`` of Python classes: name to URI (relative)."""
    inventory = Inventory()
    for name, uri in items.items():
        inventory.register(name, "py", "class", uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(inventory.format_sphinx())


# Small stand-ins for the inventories the FastAPI site links into: the tests
# cannot download the real ones, so the session's cache holds these copies.
INVENTORIES = {
    "https://docs.python.org/3/objects.inv": {
        "str": "library/stdtypes.html#str",
        "enum.Enum": "library/enum.html#enum.Enum",
    },
    "https://docs.pydantic.dev/latest/objects.inv": {
        "pydantic.BaseModel": "api/base_model/#pydantic.BaseModel",
    },
}


def seed_inventories(cache_dir: Path) -> None:
    """Put the stand-in inventories where a build with ``cache_dir`` finds its copies."""
    for url, items in INVENTORIES.items():
        write_inventory(cached_copy(cache_dir / "inventories", url), items)


@pytest.fixture
def site_copy(mini_built: Build, tmp_path: Path) -> Path:
    """A copy of the built mini site, free to change (to break a link, to add twins)."""
    site = tmp_path / "site"
    shutil.copytree(mini_built.site, site)
    return site


def soup(path: Path) -> BeautifulSoup:
    """A built page, parsed."""
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def nav_labels(page: Path) -> list[str]:
    """The labels of a built page's primary navigation links, in order."""
    return [
        a.get_text(" ", strip=True) for a in soup(page).select("nav.md-nav--primary a.md-nav__link")
    ]


@pytest.fixture(scope="session")
def fastapi_site(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The real FastAPI reference site of this repository, built once per session."""
    site = tmp_path_factory.mktemp("fastapi") / "site"
    cache = tmp_path_factory.getbasetemp() / "fastapi-cache"
    seed_inventories(cache)
    # Cold, with a worker process rendering pages beside MkDocs' own.
    build = mkdocs_build(ROOT, site, cache=cache, env={"REFSITE_WORKERS": "2"})
    assert build.returncode == 0, build.output
    return build


# --- Serving a built site and driving Debian's chromium -----------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a site folder under a URL prefix, with the site's 404 page."""

    prefix = "/"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if not clean.startswith(self.prefix):
            return str(Path(self.directory) / "__outside_prefix__")
        return super().translate_path("/" + clean[len(self.prefix) :])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


@contextlib.contextmanager
def serve_site(site: Path, prefix: str = "/") -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 under ``prefix``; yields the base URL."""
    handler = type(
        "Handler",
        (_SiteHandler,),
        {"prefix": prefix if prefix.endswith("/") else prefix + "/"},
    )
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{handler.prefix}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def fastapi_url(fastapi_site: Build) -> Iterator[str]:
    """The FastAPI site, served on 127.0.0.1 for the whole session."""
    with serve_site(fastapi_site.site) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian chromium, driven by Playwright (never its own download)."""
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: run scripts/test, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class Visit:
    """A browser page plus every request it made; only 127.0.0.1 is allowed."""

    page: Any
    requests: list[str]

    @property
    def foreign(self) -> list[str]:
        return [u for u in self.requests if urlsplit(u).hostname not in {"127.0.0.1", None}]


@contextlib.contextmanager
def recorded_context(browser: Any, **options: Any) -> Iterator[Visit]:
    """A browser context whose requests are recorded; any to a host other than
    127.0.0.1 is aborted and fails the test when the context closes."""
    context = browser.new_context(**options)
    record = Visit(page=None, requests=[])

    def route(route: Any) -> None:
        url = route.request.url
        record.requests.append(url)
        if urlsplit(url).scheme in {"http", "https"} and urlsplit(url).hostname != "127.0.0.1":
            route.abort()
        else:
            route.continue_()

    context.route("**/*", route)
    record.page = context.new_page()
    try:
        yield record
    finally:
        context.close()
    assert record.foreign == [], f"requests left the machine: {record.foreign}"


@pytest.fixture
def visit(browser: Any) -> Iterator[Visit]:
    """A fresh desktop-sized browser context, recorded as by ``recorded_context``."""
    with recorded_context(browser, viewport={"width": 1280, "height": 900}) as record:
        yield record
