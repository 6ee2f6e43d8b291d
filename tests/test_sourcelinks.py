"""Source links: releases read from dist-info folders, griffe's links, the built pages."""

from __future__ import annotations

import ast
import re
from functools import cache
from importlib import metadata
from pathlib import Path

import griffe
import lxml.html
import pytest
import yaml

from conftest import ROOT, Build, Visit, mkdocs_build
from refsite.checks.links import check_links
from refsite.cli.mkdocs_yml import read_config
from refsite.extras.sourcelinks import (
    DistributionInfo,
    SourceLinks,
    configured_naming,
    find_distribution,
    github_repository,
    release_tag,
    source_url,
)

_LINK = re.compile(r"^https://github\.com/([^/]+/[^/]+)/blob/([^/]+)/(.+)#L(\d+)-L(\d+)$")


def _metadata(name: str, version: str, *urls: str) -> str:
    lines = ["Metadata-Version: 2.4", f"Name: {name}", f"Version: {version}"]
    lines += [f"Project-URL: {url}" for url in urls]
    return (
        "\n".join(lines)
        + "\n\nA long description.\nProject-URL: Source, https://github.com/not/this\n"
    )


def _unpacked_wheel(
    root: Path, name: str, version: str, *urls: str, dist: str | None = None
) -> Path:
    """A package folder with its dist-info next to it, as an unpacked wheel has."""
    package = root / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        '"""A package."""\n\n\nclass Thing:\n    """A thing."""\n\n    def go(self) -> None:\n        """Go."""\n'
    )
    dist_info = root / f"{dist or name}-{version}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(_metadata(dist or name, version, *urls))
    (dist_info / "RECORD").write_text(f"{name}/__init__.py,,\n")
    return package


@pytest.mark.parametrize(
    ("urls", "expected"),
    [
        (["Homepage, https://github.com/fastapi/fastapi"], "https://github.com/fastapi/fastapi"),
        (
            ["Homepage, https://example.org/", "Source, https://github.com/Kludex/starlette/"],
            "https://github.com/Kludex/starlette",
        ),
        # The repository wins over a homepage on GitHub that is not it.
        (
            [
                "Homepage, https://github.com/org/site",
                "Repository, https://github.com/org/code.git",
            ],
            "https://github.com/org/code",
        ),
        (["Changelog, https://github.com/encode/httpx/blob/master/CHANGELOG.md"], None),
        (["Source, https://gitlab.com/org/code"], None),
        ([], None),
    ],
)
def test_github_repository_from_project_urls(urls: list[str], expected: str | None) -> None:
    assert github_repository(urls) == expected


@pytest.mark.parametrize(
    ("name", "version", "expected"),
    [
        ("fastapi", "0.163.2", "0.163.2"),
        ("Starlette", "1.10.0", "1.10.0"),
        ("httpx", "0.28.1", "0.28.1"),
        ("unknown-project", "1.0", None),
    ],
)
def test_release_tags_follow_each_projects_naming(
    name: str, version: str, expected: str | None
) -> None:
    release = DistributionInfo(name, version, "https://github.com/o/r")
    assert release_tag(release, _site_naming()) == expected
    # No naming declared: no project has a tag (no link rather than a guessed one).
    assert release_tag(release) is None


def _site_naming() -> dict[str, str] | None:
    """The tag naming the FastAPI site's mkdocs.yml gives the source links extension."""
    python = read_config(ROOT / "mkdocs.yml").python
    return configured_naming(python["options"]["extensions"])


def test_source_url() -> None:
    assert (
        source_url("https://github.com/o/r", "1.2", "pkg/mod.py", 3, 9)
        == "https://github.com/o/r/blob/1.2/pkg/mod.py#L3-L9"
    )


def test_release_of_an_unpacked_wheel(tmp_path: Path) -> None:
    package = _unpacked_wheel(tmp_path, "thing", "3.1.4", "Source, https://github.com/o/thing")
    assert find_distribution(package) == DistributionInfo(
        "thing", "3.1.4", "https://github.com/o/thing"
    )


def test_release_of_a_distribution_named_unlike_its_package(tmp_path: Path) -> None:
    package = _unpacked_wheel(
        tmp_path, "thing", "2.0", "Source, https://github.com/o/thing", dist="py_thing"
    )
    release = find_distribution(package)
    assert release is not None
    assert (release.name, release.version) == ("py_thing", "2.0")
    assert find_distribution(tmp_path / "elsewhere" / "thing") is None


def _load(root: Path, name: str, tags: dict[str, str] | None = None) -> griffe.Module:
    loader = griffe.GriffeLoader(
        search_paths=[root],
        extensions=griffe.load_extensions(SourceLinks(tags=tags)),
        allow_inspection=False,
    )
    module = loader.load(name)
    assert isinstance(module, griffe.Module)
    return module


def test_griffe_objects_link_to_their_lines_at_the_release_tag(tmp_path: Path) -> None:
    _unpacked_wheel(tmp_path, "thing", "3.1.4", "Source, https://github.com/o/thing")
    package = _load(tmp_path, "thing", tags={"thing": "v{version}"})
    assert package["Thing"].source_link == (
        "https://github.com/o/thing/blob/v3.1.4/thing/__init__.py#L4-L8"
    )
    assert package["Thing.go"].source_link == (
        "https://github.com/o/thing/blob/v3.1.4/thing/__init__.py#L7-L8"
    )


def test_a_module_links_to_its_whole_file(tmp_path: Path) -> None:
    package = _unpacked_wheel(tmp_path, "thing", "3.1.4", "Source, https://github.com/o/thing")
    (package / "sub").mkdir()
    (package / "sub" / "__init__.py").write_text('"""Sub."""\n')
    (package / "sub" / "deep.py").write_text('"""Deep."""\n\nX = 1\n')
    loaded = _load(tmp_path, "thing", tags={"thing": "v{version}"})
    prefix = "https://github.com/o/thing/blob/v3.1.4/thing/"
    assert loaded.source_link == prefix + "__init__.py"
    assert loaded["sub"].source_link == prefix + "sub/__init__.py"
    assert loaded["sub.deep"].source_link == prefix + "sub/deep.py"
    assert loaded["sub.deep.X"].source_link == prefix + "sub/deep.py#L3-L3"


def test_unknown_tag_naming_gives_no_link(tmp_path: Path) -> None:
    _unpacked_wheel(tmp_path, "thing", "3.1.4", "Source, https://github.com/o/thing")
    assert _load(tmp_path, "thing")["Thing"].source_link is None


def test_no_repository_gives_no_link(tmp_path: Path) -> None:
    _unpacked_wheel(tmp_path, "thing", "3.1.4", "Homepage, https://example.org/")
    assert _load(tmp_path, "thing", tags={"thing": "{version}"})["Thing"].source_link is None


def test_fixture_site_headings_link_to_the_release(mini: Path) -> None:
    """A fixture package with a dist-info: its headings link to its lines at its tag."""
    dist_info = mini / "src" / "minipkg-2.5.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        _metadata("minipkg", "2.5.0", "Source, https://github.com/example/minipkg")
    )
    config_file = mini / "mkdocs.yml"
    config = yaml.safe_load(config_file.read_text())
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "mkdocstrings" in plugin:
            python = plugin["mkdocstrings"]["handlers"]["python"]
            python["options"]["extensions"] = [
                {"refsite.sourcelinks": {"tags": {"minipkg": "release-{version}"}}}
            ]
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    build = mkdocs_build(mini)
    assert build.returncode == 0, build.output
    doc = lxml.html.parse(build.site / "api" / "shapes" / "index.html").getroot()
    links = {
        h.get("id"): h.xpath('.//a[@class="doc-source-link"]/@href')
        for h in doc.xpath('//*[contains(@class, "doc-heading")]')
    }
    assert links["minipkg.shapes.Square"] == [
        "https://github.com/example/minipkg/blob/release-2.5.0/minipkg/shapes.py#L4-L15"
    ]
    assert links["minipkg.shapes.area"] == [
        "https://github.com/example/minipkg/blob/release-2.5.0/minipkg/shapes.py#L18-L20"
    ]
    report = check_links(build.site)
    assert report.findings == []
    assert links["minipkg.shapes.area"][0] in report.external


# --- The FastAPI site ---------------------------------------------------------


@cache
def _definitions(file: Path) -> set[tuple[str, int, int]]:
    """(name, first line, last line) of every def, class and assignment in ``file``.

    A decorated definition starts at its first decorator or (for griffe's
    properties) at its ``def``.
    """
    found: set[tuple[str, int, int]] = set()
    for node in ast.walk(ast.parse(file.read_text())):
        end = getattr(node, "end_lineno", None)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for first in [node.lineno, *(d.lineno for d in node.decorator_list[:1])]:
                found.add((node.name, first, node.end_lineno or node.lineno))
        elif isinstance(node, ast.Assign | ast.AnnAssign) and end is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    found.add((target.id, node.lineno, end))
                elif isinstance(target, ast.Attribute):
                    found.add((target.attr, node.lineno, end))
    return found


def _installed_release(name: str) -> tuple[str, Path]:
    dist = metadata.distribution(name)
    return dist.version, Path(str(dist.locate_file("")))


def test_every_fastapi_heading_links_to_its_definition_at_the_installed_release(
    fastapi_site: Build,
) -> None:
    releases = {
        "fastapi/fastapi": _installed_release("fastapi"),
        "Kludex/starlette": _installed_release("starlette"),
        "encode/httpx": _installed_release("httpx"),
    }
    headings = linked = modules = 0
    seen_repositories: set[str] = set()
    for page in sorted(fastapi_site.site.glob("reference/**/index.html")):
        doc = lxml.html.parse(page).getroot()
        for heading in doc.xpath('//*[contains(@class, "doc-heading")]'):
            headings += 1
            hrefs = heading.xpath('.//a[@class="doc-source-link"]/@href')
            assert hrefs, heading.get("id")
            linked += 1
            if heading.get("id") in {"fastapi.openapi.models", "fastapi.status"}:
                # A module links to its whole file (fastapi.status is Starlette's).
                whole = re.match(
                    r"^https://github\.com/([^/]+/[^/]+)/blob/([^/]+)/(.+\.py)$", hrefs[0]
                )
                assert whole, hrefs[0]
                version, root = releases[whole[1]]
                assert whole[2] == version
                assert (root / whole[3]).is_file()
                assert whole[3].endswith(heading.get("id").rsplit(".", 1)[-1] + ".py")
                modules += 1
                continue
            match = _LINK.match(hrefs[0])
            assert match, hrefs[0]
            repository, tag, path, start, end = match.groups()
            version, root = releases[repository]
            assert tag == version
            seen_repositories.add(repository)
            name = heading.get("id").rsplit(".", 1)[-1]
            definitions = _definitions(root / path)
            assert (name, int(start), int(end)) in definitions, f"{hrefs[0]} is not {name}"
    assert linked > 900
    assert headings == linked
    assert modules == 2
    assert seen_repositories == set(releases)


def test_reexported_websocket_links_to_starlette_at_its_release(fastapi_site: Build) -> None:
    doc = lxml.html.parse(fastapi_site.site / "reference/websockets/index.html").getroot()
    (href,) = doc.xpath('//*[@id="fastapi.WebSocket"]//a[@class="doc-source-link"]/@href')
    version = metadata.version("starlette")
    assert href.startswith(
        f"https://github.com/Kludex/starlette/blob/{version}/starlette/websockets.py#L"
    )


def test_source_links_are_external_and_kept_out_of_search(fastapi_site: Build) -> None:
    report = check_links(fastapi_site.site)
    assert report.findings == []
    assert any(
        link.startswith("https://github.com/fastapi/fastapi/blob/") for link in report.external
    )
    index = (fastapi_site.site / "search" / "search_index.json").read_text()
    assert "Source on GitHub" not in index
    assert not re.search(r'"title":\s*"[^"]*\bsource\b"', index)


@pytest.mark.browser
def test_source_link_sits_at_the_right_of_its_heading(fastapi_url: str, visit: Visit) -> None:
    page = visit.page
    page.goto(fastapi_url + "reference/websockets/")
    heading = page.locator('[id="fastapi.WebSocket"]')
    link = heading.locator("a.doc-source-link")
    assert link.is_visible()
    assert link.get_attribute("href").startswith("https://github.com/Kludex/starlette/blob/")
    box, heading_box = link.bounding_box(), heading.bounding_box()
    assert box is not None
    assert heading_box is not None
    # Floated right within the heading, smaller than the heading's text.
    assert heading_box["x"] + heading_box["width"] - (box["x"] + box["width"]) < 40
    assert box["y"] >= heading_box["y"]
    assert box["y"] + box["height"] <= heading_box["y"] + heading_box["height"]
    sizes = page.evaluate(
        "([a, h]) => [a, h].map(e => parseFloat(getComputedStyle(e).fontSize))",
        [link.element_handle(), heading.element_handle()],
    )
    assert sizes[0] < sizes[1]


def test_the_naming_configured_for_the_extension_is_read_from_the_handler_options() -> None:
    assert configured_naming(["griffe_typingdoc", "refsite.sourcelinks"]) == {}
    named = configured_naming([{"refsite.sourcelinks": {"tags": {"Shop_Kit": "v{version}"}}}])
    assert named == {"shop-kit": "v{version}"}
    assert configured_naming(["griffe_typingdoc"]) is None
    assert configured_naming(None) is None
    assert configured_naming([{"refsite.sourcelinks": {"colour": "red"}}]) is None
