"""Inventories: downloaded once from 127.0.0.1, cached, and linked from annotations."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import yaml

from conftest import INVENTORIES, Build, mkdocs_build, write_inventory
from refsite.checks.links import check_links
from refsite.extras.inventories import RETRY_SECONDS, cached_copy, fetch_inventory, load_inventories


class _Recorder(http.server.SimpleHTTPRequestHandler):
    requests: list[str]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.requests.append(self.path)
        super().do_GET()


@contextlib.contextmanager
def _serve(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """Serve ``folder`` on 127.0.0.1; yields its URL and the paths requested."""
    requests: list[str] = []
    handler = type("Handler", (_Recorder,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", requests
    finally:
        server.shutdown()
        server.server_close()


def _docs(tmp_path: Path) -> Path:
    docs = tmp_path / "docs-server"
    write_inventory(
        docs / "objects.inv",
        {"float": "library/functions.html#float", "enum.Enum": "library/enum.html#$"},
    )
    (docs / "notes.txt").write_text("not an inventory")
    return docs


def test_downloaded_once_then_read_from_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with _serve(_docs(tmp_path)) as (url, requests):
        found = load_inventories([url + "objects.inv"], cache)
        again = load_inventories([url + "objects.inv"], cache)
    assert requests == ["/objects.inv"]
    assert (
        found.items
        == again.items
        == {
            "float": f"{url}library/functions.html#float",
            "enum.Enum": f"{url}library/enum.html#enum.Enum",
        }
    )
    assert found.missing == []
    # The server is gone: the cached copy still serves.
    assert load_inventories([url + "objects.inv"], cache).items == found.items


def test_unreachable_or_invalid_inventories_are_missing(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with _serve(_docs(tmp_path)) as (url, _):
        assert fetch_inventory(url + "notes.txt", cache) is None
        assert fetch_inventory(url + "absent.inv", cache) is None
    # Nothing listens there any more.
    found = load_inventories([url + "objects.inv"], cache, timeout=2)
    assert (found.items, found.loaded, found.missing) == ({}, [], [url + "objects.inv"])
    # No copy is kept, only when each download failed.
    assert all(f.name.endswith(".failed") for f in cache.iterdir())


def test_a_failed_download_is_tried_again_an_hour_later(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    calls: list[str] = []

    def offline(url: str, timeout: float) -> Any:
        calls.append(url)
        raise OSError("no network")

    url = "https://docs.example.org/objects.inv"
    assert fetch_inventory(url, cache, opener=offline, now=1000.0) is None
    assert fetch_inventory(url, cache, opener=offline, now=1000.0 + RETRY_SECONDS - 1) is None
    assert calls == [url]
    assert fetch_inventory(url, cache, opener=offline, now=1000.0 + RETRY_SECONDS) is None
    assert calls == [url, url]


def test_an_unreadable_cached_copy_is_dropped(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    url = "http://127.0.0.1:9/objects.inv"
    copy = cached_copy(cache, url)
    copy.parent.mkdir(parents=True)
    copy.write_bytes(b"# Sphinx inventory version 2\n# Project: x\n# Version: 1\n# zlib\nnot zlib")
    assert load_inventories([url], cache, timeout=2).missing == [url]
    assert not copy.exists()


def _with_inventory(mini: Path, url: str, cache: Path) -> None:
    config_file = mini / "mkdocs.yml"
    config = yaml.safe_load(config_file.read_text())
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "mkdocstrings" in plugin:
            options = plugin["mkdocstrings"]["handlers"]["python"]["options"]
            options.update(
                separate_signature=True, show_signature_annotations=True, signature_crossrefs=True
            )
        if isinstance(plugin, dict) and "refsite" in plugin:
            plugin["refsite"].update(inventories=[url], cache_dir=str(cache))
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))


def _float_links(build: Build) -> list[str]:
    doc = lxml.html.parse(build.site / "api" / "shapes" / "index.html").getroot()
    return [str(h) for h in doc.xpath("//a/@href") if "functions.html#float" in h]


def test_fixture_site_links_annotations_offline_from_the_cache(mini: Path, tmp_path: Path) -> None:
    cache = tmp_path / "refsite-cache"
    with _serve(_docs(tmp_path)) as (url, requests):
        # No network and no copy yet: built anyway, said once, without the links.
        offline_url = "http://127.0.0.1:9/objects.inv"
        _with_inventory(mini, offline_url, cache)
        offline = mkdocs_build(mini)
        assert offline.returncode == 0, offline.output
        notes = [line for line in offline.output.splitlines() if "inventories" in line]
        assert len(notes) == 1
        assert notes[0].startswith("INFO")
        assert offline_url in notes[0]
        assert "built without links into those docs" in notes[0]
        assert _float_links(offline) == []

        _with_inventory(mini, url + "objects.inv", cache)
        online = mkdocs_build(mini)
        assert online.returncode == 0, online.output
        assert set(_float_links(online)) == {f"{url}library/functions.html#float"}
        report = check_links(online.site)
        assert report.findings == []
        assert f"{url}library/functions.html#float" in report.external
        assert requests == ["/objects.inv"]  # the link check fetched nothing
    # The server is gone: the next build reads the cached copy.
    cached = mkdocs_build(mini)
    assert cached.returncode == 0, cached.output
    assert _float_links(cached) == _float_links(online)
    assert "inventories: annotations link to 2 objects" in cached.output


# --- The FastAPI site ---------------------------------------------------------


def test_fastapi_annotations_link_into_python_and_pydantic_docs(fastapi_site: Build) -> None:
    site = fastapi_site.site
    assert any(
        line.startswith("INFO") and "inventories: annotations link to" in line
        for line in fastapi_site.output.splitlines()
    )
    python = "https://docs.python.org/3/"
    pydantic = "https://docs.pydantic.dev/latest/"
    expected = {
        "str": python + INVENTORIES[python + "objects.inv"]["str"],
        "enum.Enum": python + INVENTORIES[python + "objects.inv"]["enum.Enum"],
        "pydantic.BaseModel": pydantic
        + INVENTORIES[pydantic + "objects.inv"]["pydantic.BaseModel"],
    }
    seen: dict[str, set[str]] = {name: set() for name in expected}
    for page in site.glob("reference/**/index.html"):
        doc = lxml.html.parse(page).getroot()
        for link in doc.xpath('//a[contains(@class, "autorefs-external")]'):
            # autorefs gives the full name as title when the text differs.
            name = link.get("title") or link.text_content()
            if name in seen:
                seen[name].add(link.get("href"))
    assert {name: sorted(hrefs) for name, hrefs in seen.items()} == {
        name: [url] for name, url in expected.items()
    }
    # In a signature: FastAPI(title: str = ...) links str.
    doc = lxml.html.parse(site / "reference/fastapi/index.html").getroot()
    signature = doc.xpath('//*[@id="fastapi.FastAPI"]/following-sibling::div[1]')[0]
    assert expected["str"] in signature.xpath(".//a/@href")
    report = check_links(site)
    assert expected["pydantic.BaseModel"] in report.external
