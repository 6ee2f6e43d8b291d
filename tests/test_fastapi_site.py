"""The FastAPI reference site itself: built once, checked against its contract and
against what griffe reads from the installed packages."""

from __future__ import annotations

import filecmp
import json
import re
from functools import cache
from pathlib import Path

import griffe
import pytest
from bs4 import BeautifulSoup, Tag

from conftest import BIN, ROOT, Build, mkdocs_build, refsite, run, seed_inventories


def test_strict_build_has_no_warnings_and_matches_the_tree(fastapi_site: Build) -> None:
    assert fastapi_site.warnings == []
    assert "refsite: the site matches navtree.yml" in fastapi_site.output


def test_contract_check_cli_passes(fastapi_site: Build) -> None:
    result = refsite("check", fastapi_site.site, "--tree", ROOT / "navtree.yml", cwd=ROOT)
    assert result.returncode == 0, result.stdout


@cache
def _griffe() -> griffe.ModulesCollection:
    loader = griffe.GriffeLoader(
        extensions=griffe.load_extensions("griffe_typingdoc"), allow_inspection=False
    )
    for package in ("httpx", "starlette", "fastapi"):
        loader.load(package)
    loader.resolve_aliases(external=True)
    return loader.modules_collection


@cache
def _soup(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site / url.strip("/") / "index.html").read_text(), "lxml")


def _squash(text: str) -> str:
    """Text without Markdown punctuation and whitespace, for containment checks."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[\s`*_]+", "", text)


def _first_sentence(text: str) -> str:
    paragraph = text.strip().split("\n\n", 1)[0]
    return re.split(r"(?<=[.!?])\s", paragraph, maxsplit=1)[0][:160]


def _section(site: Path, url: str, anchor: str) -> Tag:
    heading = _soup(site, url).find(id=anchor)
    assert isinstance(heading, Tag), f"no #{anchor} on {url}"
    parent = heading.parent
    assert isinstance(parent, Tag)
    return parent


DOCUMENTED = [
    (
        "/reference/websockets/",
        "fastapi.WebSocket.receive_text",
        "starlette.websockets.WebSocket.receive_text",
    ),
    (
        "/reference/websockets/",
        "fastapi.WebSocket.send_json",
        "starlette.websockets.WebSocket.send_json",
    ),
    ("/reference/websockets/", "fastapi.WebSocket.accept", "starlette.websockets.WebSocket.accept"),
    (
        "/reference/httpconnection/",
        "fastapi.requests.HTTPConnection",
        "starlette.requests.HTTPConnection",
    ),
    (
        "/reference/httpconnection/",
        "fastapi.requests.HTTPConnection.url",
        "starlette.requests.HTTPConnection.url",
    ),
    (
        "/reference/httpconnection/",
        "fastapi.requests.HTTPConnection.headers",
        "starlette.requests.HTTPConnection.headers",
    ),
    (
        "/reference/httpconnection/",
        "fastapi.requests.HTTPConnection.query_params",
        "starlette.requests.HTTPConnection.query_params",
    ),
    (
        "/reference/response/",
        "fastapi.Response.set_cookie",
        "starlette.responses.Response.set_cookie",
    ),
    (
        "/reference/security/",
        "fastapi.security.OAuth2PasswordBearer",
        "fastapi.security.oauth2.OAuth2PasswordBearer",
    ),
    ("/reference/security/", "fastapi.security.HTTPBasic", "fastapi.security.http.HTTPBasic"),
    (
        "/reference/security/",
        "fastapi.security.APIKeyHeader",
        "fastapi.security.api_key.APIKeyHeader",
    ),
    (
        "/reference/encoders/",
        "fastapi.encoders.jsonable_encoder",
        "fastapi.encoders.jsonable_encoder",
    ),
    ("/reference/fastapi/", "fastapi.FastAPI", "fastapi.applications.FastAPI"),
    ("/reference/apirouter/", "fastapi.APIRouter.get", "fastapi.routing.APIRouter.get"),
]


@pytest.mark.parametrize(("url", "anchor", "path"), DOCUMENTED, ids=[d[1] for d in DOCUMENTED])
def test_rendered_object_carries_what_griffe_reads(
    fastapi_site: Build, url: str, anchor: str, path: str
) -> None:
    obj = _griffe().get_member(path)
    section = _squash(_section(fastapi_site.site, url, anchor).get_text(" "))
    checked = 0
    if obj.docstring is not None:
        assert _squash(_first_sentence(obj.docstring.value)) in section
        checked += 1
    # Many Starlette members have no docstring: their signature is what the
    # reader gets, so compare the annotations griffe reads.
    annotation = obj.returns if obj.is_function else getattr(obj, "annotation", None)
    if annotation is not None:
        assert _squash(str(annotation)) in section, annotation
        checked += 1
    if obj.is_function or obj.is_class:
        function = obj if obj.is_function else obj.members.get("__init__")
        for parameter in function.parameters if function is not None else ():
            if parameter.name in {"self", "cls"}:
                continue
            assert _squash(parameter.name) in section, parameter.name
            checked += 1
        # Doc() metadata on Annotated parameters (griffe-typingdoc) must be rendered.
        for item in _documented_parameters(obj):
            assert _squash(_first_sentence(item.description)) in section, item.name
            checked += 1
    assert checked > 0, f"nothing to compare for {path}"


def _documented_parameters(obj: griffe.Object) -> list[griffe.DocstringParameter]:
    """Parameters described in the docstrings of an object and of its __init__."""
    owners = [obj]
    if obj.is_class and "__init__" in obj.members:
        owners.append(obj.members["__init__"])
    return [
        item
        for owner in owners
        if owner.docstring is not None
        for section in owner.docstring.parsed
        if section.kind is griffe.DocstringSectionKind.parameters
        for item in section.value
        if item.description
    ]


@pytest.mark.parametrize(
    "path",
    [
        "fastapi.security.oauth2.OAuth2PasswordBearer",
        "fastapi.security.http.HTTPBasic",
        "fastapi.security.api_key.APIKeyHeader",
        "fastapi.encoders.jsonable_encoder",
    ],
)
def test_security_and_encoder_parameter_docs_come_from_doc_metadata(path: str) -> None:
    # Guards the test above: these objects really document parameters with Doc(),
    # so its comparison of parameter descriptions is not vacuous for them.
    assert len(_documented_parameters(_griffe().get_member(path))) >= 2


def test_websocket_state_members_render_with_their_values(fastapi_site: Build) -> None:
    state = _griffe().get_member("starlette.websockets.WebSocketState")
    members = [m for m in state.members.values() if m.is_attribute and not m.name.startswith("_")]
    assert [m.name for m in members] == ["CONNECTING", "CONNECTED", "DISCONNECTED", "RESPONSE"]
    for member in members:
        anchor = f"fastapi.websockets.WebSocketState.{member.name}"
        text = _squash(_section(fastapi_site.site, "/reference/websockets/", anchor).get_text(" "))
        assert _squash(str(member.value)) in text


def test_every_declared_websocket_member_is_rendered_once(fastapi_site: Build) -> None:
    directive = (ROOT / "docs/reference/websockets.md").read_text()
    block = directive.split("::: fastapi.WebSocket\n", 1)[1].split("\n\n", 1)[0]
    declared = re.findall(r"^ +- (\w+)$", block, re.MULTILINE)
    websocket = _griffe().get_member("starlette.websockets.WebSocket")
    assert set(declared) <= set(websocket.all_members)
    soup = _soup(fastapi_site.site, "/reference/websockets/")
    ids = [
        str(t["id"])[len("fastapi.WebSocket.") :]
        for t in soup.find_all(id=re.compile(r"^fastapi\.WebSocket\.\w+$"))
    ]
    # members_order: source decides the order; the list decides what is shown.
    assert sorted(ids) == sorted(declared)


def test_landing_page_names_the_documented_versions(fastapi_site: Build) -> None:
    from importlib.metadata import version

    text = (fastapi_site.site / "index.html").read_text()
    assert f"<td>{version('fastapi')}</td>" in text
    assert f"<td>{version('starlette')}</td>" in text


def test_no_page_loads_third_party_assets(fastapi_site: Build) -> None:
    for page in fastapi_site.site.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(), "lxml")
        for tag in soup.find_all(["script", "link", "img", "iframe"]):
            ref = tag.get("src") or (tag.get("href") if tag.name == "link" else None)
            if isinstance(ref, str) and tag.get("rel") != ["canonical"]:
                assert not re.match(r"^(https?:)?//", ref), f"{page}: {ref}"


def test_coverage_is_complete_and_reported_in_the_site(fastapi_site: Build) -> None:
    result = refsite(
        "coverage", fastapi_site.site, "--fail-under", "100", "--format", "json", cwd=ROOT
    )
    assert result.returncode == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["missing"] == []
    assert data["percent"] == 100.0
    # The names the issue found missing upstream are documented here.
    for name in (
        "fastapi.exceptions.RequestValidationError",
        "fastapi.exceptions.ResponseValidationError",
        "fastapi.exceptions.WebSocketRequestValidationError",
        "fastapi.exceptions.FastAPIError",
        "fastapi.middleware.Middleware",
        "fastapi.middleware.wsgi.WSGIMiddleware",
    ):
        assert name in data["documented"], name
    page = _soup(fastapi_site.site, "/reference/coverage/")
    cells = [td.get_text() for td in page.select("article table")[0].find_all("td")]
    assert cells[0] == str(data["total"])
    assert cells[1].startswith(str(len(data["documented"])))
    reasons = {
        tr.find_all("td")[1].get_text() for tr in page.select("article table")[1].find_all("tr")[1:]
    }
    assert {e["reason"].replace("`", "") for e in data["excluded"]} == reasons


def test_every_internal_link_resolves_and_ids_are_unique(fastapi_site: Build) -> None:
    result = refsite("links", fastapi_site.site, cwd=ROOT)
    assert result.returncode == 0, result.stdout
    assert "0 finding(s)" in result.stdout


def test_two_builds_of_the_same_commit_have_the_same_manifest(
    fastapi_site: Build, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # The second build reuses the first one's page cache: a cached build must
    # show readers exactly what a clean one does.
    cache = tmp_path_factory.getbasetemp() / "fastapi-cache"
    again = mkdocs_build(ROOT, tmp_path / "again", cache=cache)
    assert again.returncode == 0, again.output
    assert re.search(r"page cache: \d+ page\(s\) reused, 0 rendered", again.output)
    assert (again.site / "objects.inv").read_bytes() == (
        fastapi_site.site / "objects.inv"
    ).read_bytes()
    assert (again.site / "search/search_index.json").read_bytes() == (
        fastapi_site.site / "search/search_index.json"
    ).read_bytes()
    result = refsite("diff", fastapi_site.site, again.site, cwd=ROOT)
    assert result.returncode == 0
    assert result.stdout.strip() == "no page changed"


def test_speed_ups_change_no_byte_of_the_site(fastapi_site: Build, tmp_path: Path) -> None:
    # The session build used the page cache, a worker process rendering pages,
    # the cached and lxml-fed search indexing and the coverage cache; this one
    # uses none of them.
    assert "rendering pages in 1 worker process(es) too" in fastapi_site.output
    assert "indexing pages for search in 1 worker process(es) too" in fastapi_site.output
    off_cache = tmp_path / "off-cache"
    seed_inventories(off_cache)
    env_off = run(
        BIN / "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        tmp_path / "off",
        cwd=ROOT,
        env={
            "SOURCE_DATE_EPOCH": "1700000000",
            "REFSITE_CACHE": "false",
            # The same copies of other docs' inventories: they are no speed-up.
            "REFSITE_CACHE_DIR": str(off_cache),
        },
    )
    assert env_off.returncode == 0, env_off.stdout
    assert "page cache" not in env_off.stdout
    differing = filecmp.dircmp(fastapi_site.site, tmp_path / "off")
    assert _differences(differing) == []


def _differences(compare: filecmp.dircmp[str]) -> list[str]:
    out = [*compare.left_only, *compare.right_only, *compare.diff_files]
    for name, sub in compare.subdirs.items():
        out += [f"{name}/{f}" for f in _differences(sub)]
    return out
