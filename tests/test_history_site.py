"""FastAPI's API history in the built site, and the committed history file against griffe.

The facts checked here were established from the wheels themselves (by
reading their source files), not from refsite's output:

- ``FastAPI(openapi_external_docs=...)``: absent from ``fastapi/applications.py``
  in the 0.116.2 wheel, present in 0.117.0.
- ``fastapi.exceptions.DependencyScopeError``: no such class in
  ``fastapi/exceptions.py`` up to 0.120.4, defined from 0.121.0.
- ``FastAPI.on_event``: first decorated with ``@deprecated(...)`` in 0.104.0.
- ``FastAPI(openapi_prefix=...)``: in ``fastapi/applications.py`` of 0.144.0,
  gone from 0.145.0.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from conftest import ROOT, Build
from refsite.history.model import load_history
from refsite.history.read import read_release

HISTORY = ROOT / "api-history.json"


def soup(site: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((site / page / "index.html").read_text(encoding="utf-8"), "lxml")


def release_entries(site: Path, version: str) -> list[Tag]:
    """The list items of one release's section of the API Changes page."""
    page = soup(site, "reference/changes")
    heading = page.find(id=f"fastapi-{version.replace('.', '-')}")
    assert heading is not None, f"no section for {version}"
    assert version in heading.get_text()
    items: list[Tag] = []
    for sibling in heading.find_next_siblings():
        if sibling.name == "h2":
            break
        items += sibling.find_all("li") if isinstance(sibling, Tag) else []
    return items


def entry(items: list[Tag], *words: str) -> Tag:
    found = [li for li in items if all(w in li.get_text(" ") for w in words)]
    assert len(found) == 1, [li.get_text(" ") for li in items]
    return found[0]


def heading_badges(site: Path, page: str, identifier: str) -> list[str]:
    heading = soup(site, page).find(id=identifier)
    assert heading is not None
    return [b.get_text() for b in heading.select(".refsite-since")]


def parameter_notes(site: Path, page: str, identifier: str, parameter: str) -> list[str]:
    """The notes on a parameter's row in the object's own parameters table."""
    heading = soup(site, page).find(id=identifier)
    assert heading is not None
    contents = heading.find_next_sibling("div", class_="doc-contents")
    assert contents is not None
    for code in contents.select("tr.doc-section-item > td:first-child > code"):
        if code.get_text() == parameter:
            cell = code.parent
            assert cell is not None
            return [b.get_text() for b in cell.select(".refsite-since")]
    raise AssertionError(f"{identifier} has no parameter row {parameter}")


def test_a_parameter_added_to_fastapi_is_listed_and_marked(fastapi_site: Build) -> None:
    site = fastapi_site.site
    item = entry(
        release_entries(site, "0.117.0"), "fastapi.FastAPI", "parameter", "openapi_external_docs"
    )
    # Linked to the object's entry in this reference.
    link = item.find("a")
    assert link is not None
    assert str(link["href"]).endswith("fastapi/#fastapi.FastAPI")
    assert parameter_notes(
        site, "reference/fastapi", "fastapi.FastAPI", "openapi_external_docs"
    ) == ["added in 0.117.0"]
    # There from the start, so no note; the class itself predates the history.
    assert parameter_notes(site, "reference/fastapi", "fastapi.FastAPI", "debug") == []
    assert heading_badges(site, "reference/fastapi", "fastapi.FastAPI") == [
        "Added in 0.100.0 or earlier"
    ]


def test_an_exception_class_that_appeared_is_listed_and_badged(fastapi_site: Build) -> None:
    site = fastapi_site.site
    item = entry(release_entries(site, "0.121.0"), "DependencyScopeError")
    assert item.get_text(" ").strip().endswith("added")
    badges = heading_badges(site, "reference/exceptions", "fastapi.exceptions.DependencyScopeError")
    assert badges == ["Added in 0.121.0"]


def test_on_event_is_badged_deprecated_since_its_decorator_appeared(fastapi_site: Build) -> None:
    badges = heading_badges(fastapi_site.site, "reference/fastapi", "fastapi.FastAPI.on_event")
    assert badges == ["Added in 0.100.0 or earlier", "Deprecated since 0.104.0"]
    item = entry(
        release_entries(fastapi_site.site, "0.104.0"), "fastapi.FastAPI.on_event", "deprecated"
    )
    assert "lifespan" in item.get_text()  # the decorator's own message


def test_a_removed_fastapi_parameter_is_a_breaking_entry(fastapi_site: Build) -> None:
    item = entry(release_entries(fastapi_site.site, "0.145.0"), "fastapi.FastAPI", "openapi_prefix")
    text = item.get_text(" ")
    assert text.startswith("breaking")
    assert "removed" in text
    # Gone from the documented release's parameters table too.
    codes = soup(fastapi_site.site, "reference/fastapi").select(
        "#fastapi\\.FastAPI ~ div.doc-contents tr.doc-section-item > td:first-child > code"
    )
    names = {c.get_text() for c in codes}
    assert "debug" in names
    assert "openapi_prefix" not in names


def test_releases_without_change_share_a_line(fastapi_site: Build) -> None:
    page = soup(fastapi_site.site, "reference/changes")
    lines = [
        p.get_text() for p in page.find_all("p") if p.get_text().startswith("No public API change")
    ]
    history = load_history(HISTORY)
    quiet = {
        v for line in lines for v in line.removesuffix(".").split(" in fastapi ")[1].split(", ")
    }
    sections = {h["id"] for h in page.find_all("h2") if str(h.get("id", "")).startswith("fastapi-")}
    # Every release after the first is either a section or on a "no change" line.
    for version in history.versions()[1:]:
        section = f"fastapi-{version.replace('.', '-')}"
        assert (section in sections) != (version in quiet), version


# Both read with Starlette 0.27.0: three small wheels in all.
@pytest.mark.parametrize("version", ["0.100.1", "0.104.0"])
def test_history_file_matches_what_griffe_reads_from_the_wheels(
    version: str, tmp_path: Path
) -> None:
    history = load_history(HISTORY)
    recorded = history.releases[history.versions().index(version)]
    pins = {name: v for name, v, _ in recorded.sources if name != "fastapi"}
    release, snapshot = read_release(
        "fastapi", version, preload=list(pins), cache=tmp_path, pins=pins
    )
    assert release.sources == recorded.sources  # the same wheels, by hash
    assert snapshot == history.snapshot(version)
    shutil.rmtree(tmp_path)
