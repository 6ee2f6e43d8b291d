"""Members a class inherits are dated like the others: since the class first had them."""

from __future__ import annotations

from typing import Any

import lxml.html

from conftest import Build
from refsite.history.badges import add_badges, marks_for
from refsite.history.model import History, ReleaseRead
from refsite.history.since import since


def cls(path: str, inherits: list[str], names: list[str] | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"kind": "class", "path": path, "names": names or [path]}
    if inherits:
        record["inherits"] = inherits
    return record


def method(path: str) -> dict[str, Any]:
    return {"kind": "function", "path": path, "params": []}


# pkg.Socket: `url` inherited all along; `close` its own in 1.0, inherited from
# 2.0 on (moved to the base); `state` inherited from 3.0 on; `gone` inherited
# in 1.0 only, and back in 3.0: it dates from 3.0.
SNAPSHOTS: list[dict[str, dict[str, Any]]] = [
    {
        "pkg.Socket": cls("pkg._s.Socket", ["gone", "url"]),
        "pkg.Socket.close": method("pkg._s.Socket.close"),
    },
    {"pkg.Socket": cls("pkg._s.Socket", ["close", "url"])},
    {
        "pkg.Socket": cls(
            "pkg._s.Socket", ["close", "gone", "state", "url"], ["pkg.Socket", "pkg.ws.Socket"]
        )
    },
]
HISTORY = History(
    package="pkg", releases=[ReleaseRead(v) for v in ("1.0", "2.0", "3.0")], snapshots=SNAPSHOTS
)


def test_inherited_members_date_from_when_the_class_had_them() -> None:
    found = since(HISTORY)
    assert found.inherited == {
        "pkg.Socket": {"close": "1.0", "gone": "3.0", "state": "3.0", "url": "1.0"}
    }


def test_inherited_members_get_a_badge_under_every_name_of_the_class() -> None:
    marks = marks_for(since(HISTORY), SNAPSHOTS[-1])
    for prefix in ("pkg.Socket", "pkg.ws.Socket", "pkg._s.Socket"):
        assert marks[f"{prefix}.url"].added == "Added in 1.0 or earlier"
        assert marks[f"{prefix}.state"].added == "Added in 3.0"
    page = '<h3 id="pkg.ws.Socket.state" class="doc doc-heading"><span class="doc doc-object-name">state</span></h3>'
    assert add_badges(page, marks) == page.replace(
        "</span></h3>",
        '</span> <span class="refsite-since refsite-since-added">Added in 3.0</span></h3>',
    )


def test_a_renamed_class_keeps_its_inherited_members_dates() -> None:
    renamed = [
        {"pkg.Old": cls("pkg._s.Socket", ["url"], ["pkg.Old"])},
        {"pkg.New": cls("pkg._s.Socket", ["url"], ["pkg.New"])},
    ]
    history = History("pkg", [ReleaseRead("1.0"), ReleaseRead("2.0")], renamed)
    assert since(history).inherited == {"pkg.New": {"url": "1.0"}}


def test_what_a_class_inherits_from_an_unread_package_dates_from_when_it_had_the_base() -> None:
    client = {"kind": "class", "path": "pkg._t.Client", "names": ["pkg.Client"]}
    snapshots = [
        {"pkg.Client": {**client, "bases": ["Exception"]}},
        {"pkg.Client": {**client, "bases": ["other.Base", "Exception"]}},
        {"pkg.Client": {**client, "bases": ["other.Base"]}, "pkg.Client.own": method("x")},
    ]
    releases = [ReleaseRead(v, (("pkg", v, "0" * 64),)) for v in ("1.0", "2.0", "3.0")]
    found = since(History("pkg", releases, snapshots))
    assert found.unread_bases == {"pkg.Client": "2.0"}
    marks = marks_for(found, snapshots[-1])
    page = "".join(
        f'<h3 id="pkg.Client.{m}" class="doc doc-heading"><span class="doc doc-object-name">'
        f"{m}</span></h3>"
        for m in ("timeout", "own")
    )
    badged = add_badges(page, marks)
    # `timeout` comes from other.Base, which the history did not read; `own` is dated itself.
    assert badged.count("Added in 2.0") == 1
    assert badged.count("Added in 3.0") == 1
    assert badged.index("Added in 2.0") < badged.index("pkg.Client.own")
    # A base of the standard library or one named without its package is no such base.
    std = [{"pkg.Client": {**client, "bases": ["enum.Enum", "Base[T]"]}}]
    assert since(History("pkg", releases[:1], std)).unread_bases == {}


# --- The FastAPI site -----------------------------------------------------------

WEBSOCKET_INHERITED = [
    "scope",
    "app",
    "url",
    "base_url",
    "headers",
    "query_params",
    "path_params",
    "cookies",
    "client",
    "state",
    "url_for",
]


def test_every_object_heading_of_the_fastapi_site_says_since_when(fastapi_site: Build) -> None:
    undated: list[str] = []
    headings = 0
    for page in sorted(fastapi_site.site.rglob("*.html")):
        doc = lxml.html.parse(page).getroot()
        for heading in doc.xpath('//*[contains(@class, "doc-heading")][@id]'):
            headings += 1
            if not heading.xpath('.//span[contains(@class, "refsite-since-added")]'):
                undated.append(heading.get("id"))
    assert headings > 900
    page = lxml.html.parse(fastapi_site.site / "reference/websockets/index.html").getroot()
    for member in WEBSOCKET_INHERITED:
        (badge,) = page.xpath(
            f'//*[@id="fastapi.WebSocket.{member}"]//span[contains(@class, "refsite-since-added")]'
        )
        assert badge.text.startswith("Added in "), member
    # TestClient's members from httpx.Client (a package the history does not read).
    (badge,) = lxml.html.parse(fastapi_site.site / "reference/testclient/index.html").xpath(
        '//*[@id="fastapi.testclient.TestClient.trust_env"]//span[contains(@class, "refsite-since")]'
    )
    assert badge.text.startswith("Added in ")
    # Modules (fastapi.openapi.models) and what a re-exported module holds
    # (fastapi.status, Starlette's: its constants) are in the history too.
    (badge,) = lxml.html.parse(fastapi_site.site / "reference/status/index.html").xpath(
        '//*[@id="fastapi.status.HTTP_418_IM_A_TEAPOT"]//span[contains(@class, "refsite-since")]'
    )
    assert badge.text.startswith("Added in ")
    assert undated == []
