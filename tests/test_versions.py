"""A versioned site of the mini fixture: three releases of its package, made as wheels here.

The same path as the FastAPI site: `refsite lock-releases` resolves the
declared releases on a package index (a local folder pip reads), `refsite
build --versions` builds each under /X.Y/ and the installed one at the root.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import BIN, FIXTURES, Build, nav_labels, recorded_context, run, serve_site, soup
from refsite.checks.absent import declared_objects
from refsite.checks.manifest import build_manifest
from refsite.checks.tree import load_tree
from refsite.extras.search import INDEX
from refsite.releases.current import OlderSources
from test_wheels import make_wheel

SRC = FIXTURES / "mini" / "src" / "minipkg"
RELEASES = """\
      releases:
        package: minipkg
        dependencies: [minidep]
        select: 3
        lock: releases.lock.json
        wheels_dir: wheels
"""


# Each release's wheel names its repository: its objects link to their source
# at the release's tag (refsite.extras.sourcelinks, with the tag naming declared here),
# and, as on the FastAPI site, their source code is not shown.
SOURCE = "https://github.com/example/minipkg"
SOURCE_LINKS = """\
            show_source: false
            extensions:
              - refsite.extras.sourcelinks:
                  tags:
                    minipkg: "v{version}"
"""
# Lines above the objects of shapes.py: each release has them at other lines.
SHIFT = {"1.0.0": 0, "1.1.0": 1, "2.0.0": 3, "2.1.0": 3}


def _package(version: str, *, colours: bool) -> dict[str, str]:
    init = (SRC / "__init__.py").read_text()
    # Each release's wheel says which it is, so a page shows what it was rendered from.
    shapes = "# A line of this release.\n" * SHIFT[version] + (SRC / "shapes.py").read_text()
    shapes = shapes.replace(
        "A square of a given side.", f"A square of a given side (minipkg {version})."
    )
    files = {"minipkg/shapes.py": shapes}
    if colours:
        files["minipkg/colours.py"] = (SRC / "colours.py").read_text()
    else:
        init = init.replace("from minipkg.colours import Colour\n", "").replace('"Colour", ', "")
    files["minipkg/__init__.py"] = init.replace('VERSION = "1.0"', f"VERSION = {version!r}")
    return files


@dataclass
class Versioned:
    project: Path
    site: Path
    env: dict[str, str]
    output: str


def _env(index: Path) -> dict[str, str]:
    return {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(index),
        "SOURCE_DATE_EPOCH": "1700000000",
        "REFSITE_VERSIONS": "",
    }


@pytest.fixture(scope="module")
def versioned(tmp_path_factory: pytest.TempPathFactory) -> Versioned:
    """The mini site with releases 1.0 (no colours), 1.1 and 2.0 (the fixture's own)."""
    return build_versioned_site(tmp_path_factory.mktemp("versioned"))


def build_versioned_site(
    work: Path,
    *,
    options: str = "",
    env: dict[str, str] | None = None,
    files: dict[str, dict[str, str]] | None = None,
) -> Versioned:
    """The versioned mini site in ``work``.

    Args:
        work: An empty folder.
        options: Added to refsite's options in mkdocs.yml.
        env: Added to the builds' environment.
        files: More files of a release's wheel, by its version.
    """
    index = work / "index"
    for version in ["1.0.0", "1.1.0", "1.2.0"]:
        make_wheel(index, "minidep", version, {"minidep/__init__.py": ""})
    url = (f"Project-URL: Source, {SOURCE}",)
    for version, colours, requires in [
        ("1.0.0", False, ("minidep<1.1",)),
        ("1.1.0", True, ("minidep>=1.1",)),
        ("2.0.0", True, ("minidep>=1.1",)),
    ]:
        package = {**_package(version, colours=colours), **(files or {}).get(version, {})}
        make_wheel(index, "minipkg", version, package, requires, url)
    make_wheel(index, "minipkg", "2.1.0rc1", _package("2.1.0", colours=True))
    project = work / "mini"
    shutil.copytree(FIXTURES / "mini", project)
    config = project / "mkdocs.yml"
    text = config.read_text()
    text = text.replace("  - refsite:\n", "  - refsite:\n" + RELEASES + options, 1)
    text = text.replace("members_order: source\n", "members_order: source\n" + SOURCE_LINKS, 1)
    config.write_text(text)
    env = {**_env(index), **(env or {})}
    locked = run(BIN / "refsite", "lock-releases", "--newest", "2.0.0", cwd=project, env=env)
    assert locked.returncode == 0, locked.stdout
    built = run(BIN / "refsite", "build", "--versions", cwd=project, env=env)
    assert built.returncode == 0, built.stdout
    return Versioned(project, project / "site", env, built.stdout)


def test_the_lock_pins_each_release_and_its_dependency(versioned: Versioned) -> None:
    lock = json.loads((versioned.project / "releases.lock.json").read_text())
    pins = [
        (r["version"], [(w["name"], w["version"]) for w in r["wheels"]]) for r in lock["releases"]
    ]
    assert pins == [
        ("2.0.0", [("minipkg", "2.0.0"), ("minidep", "1.2.0")]),
        ("1.1.0", [("minipkg", "1.1.0"), ("minidep", "1.2.0")]),
        ("1.0.0", [("minipkg", "1.0.0"), ("minidep", "1.0.0")]),
    ]
    assert all(len(w["sha256"]) == 64 for r in lock["releases"] for w in r["wheels"])


def test_every_release_has_its_folder_and_versions_json_lists_them(versioned: Versioned) -> None:
    site = versioned.site
    assert json.loads((site / "versions.json").read_text()) == [
        {"version": "2.0", "title": "2.0.0", "aliases": ["latest"]},
        {"version": "1.1", "title": "1.1.0", "aliases": []},
        {"version": "1.0", "title": "1.0.0", "aliases": []},
    ]
    for folder in ["", "2.0/", "1.1/", "1.0/"]:
        assert (site / folder / "api/shapes/index.html").is_file(), folder
        assert (site / folder / "objects.inv").is_file(), folder
        assert (site / folder / INDEX).is_file(), folder
        config = json.loads(soup(site / folder / "index.html").select_one("#__config").text)
        assert config["version"] == {"provider": "mike", "alias": True}, folder
    # Progress: one line per release and the total.
    lines = versioned.output.splitlines()
    assert "refsite: building 1/4: 2.0 (2.0.0)" in lines
    assert "refsite: building 4/4: root (2.0.0)" in lines
    assert lines[-1].startswith("refsite: site: 3 release(s) and the root built in ")


def test_an_object_a_release_lacks_is_a_note_and_its_page_leaves_the_navigation(
    versioned: Versioned,
) -> None:
    site = versioned.site
    article = soup(site / "1.0/api/colours/index.html").select_one("article")
    assert article is not None
    note = article.select_one(".admonition.note")
    assert note is not None
    assert note.select_one(".admonition-title").get_text(strip=True) == "Not in minipkg 1.0.0"
    assert note.get_text(" ", strip=True).endswith(
        "minipkg.colours.Colour was added in a later release: the oldest documented release that has it is minipkg 1.1.0."
    )
    assert not article.select(".doc-heading")
    assert "Colours" not in nav_labels(site / "1.0/api/shapes/index.html")
    assert "Colours" in nav_labels(site / "1.1/api/shapes/index.html")
    assert "Colours" in nav_labels(site / "api/shapes/index.html")
    # Each release documents (and indexes, and searches) only what it has.
    inventory_10 = (site / "1.0/objects.inv").read_bytes()
    inventory_11 = (site / "1.1/objects.inv").read_bytes()
    assert inventory_10 != inventory_11
    index_10 = json.loads((site / "1.0" / INDEX).read_text())
    assert not [d for d in index_10["docs"] if d["location"].startswith("api/colours/#minipkg")]
    index_11 = json.loads((site / "1.1" / INDEX).read_text())
    assert [d for d in index_11["docs"] if d["location"] == "api/colours/#minipkg.colours.Colour"]
    assert all(not d["location"].startswith(("/", "..")) for d in index_10["docs"])


def test_refsite_check_of_an_older_release_folder_relaxes_the_contract_as_its_build_did(
    versioned: Versioned, tmp_path: Path
) -> None:
    site = versioned.site
    record = json.loads((site / "1.0/absent.json").read_text())
    assert record == {
        "format": "refsite-absent/1",
        "release": "1.0.0",
        "objects": ["minipkg.colours.Colour", "minipkg.colours.Colour.RED"],
        "pages": ["/api/colours/"],
    }
    # Releases that have every object of the tree say nothing.
    assert not (site / "1.1/absent.json").exists()
    assert not (site / "absent.json").exists()
    checked = run(BIN / "refsite", "check", site / "1.0", cwd=versioned.project)
    assert checked.returncode == 0, checked.stdout
    assert "2 object(s) and 1 page(s) are not in release 1.0.0 (absent.json)" in checked.stdout
    # Without the record the folder is held to the newest release's contract.
    copy = tmp_path / "1.0"
    shutil.copytree(site / "1.0", copy)
    (copy / "absent.json").unlink()
    strict = run(BIN / "refsite", "check", copy, cwd=versioned.project)
    assert strict.returncode == 1, strict.stdout
    assert "Colours" in strict.stdout
    (copy / "absent.json").write_text('{"format": "refsite-absent/1"')
    torn = run(BIN / "refsite", "check", copy, cwd=versioned.project)
    assert torn.returncode == 2, torn.stdout
    assert "absent.json: not JSON" in torn.stdout
    assert "Traceback" not in torn.stdout


def test_each_release_lives_and_links_within_its_folder(versioned: Versioned) -> None:
    site = versioned.site
    # Rendered from its own wheel; the root from the fixture's sources.
    for folder, version in [("1.0", "1.0.0"), ("1.1", "1.1.0"), ("2.0", "2.0.0")]:
        text = soup(site / folder / "api/shapes/index.html").select_one("article").get_text(" ")
        assert f"A square of a given side (minipkg {version})." in text, folder
    root = soup(site / "api/shapes/index.html").select_one("article").get_text(" ")
    assert "A square of a given side." in root
    assert "(minipkg" not in root
    for folder in ["1.0", "1.1"]:
        page = (site / folder / "api/shapes/index.html").read_text()
        assert f'<link rel="canonical" href="http://127.0.0.1:8000/{folder}/api/shapes/">' in page
        result = run(
            BIN / "refsite",
            "links",
            site / folder,
            "--site-url",
            f"http://127.0.0.1:8000/{folder}/",
            cwd=versioned.project,
        )
        assert result.returncode == 0, result.stdout


def test_an_older_release_s_pages_say_so_and_link_to_the_same_page_in_the_newest(
    versioned: Versioned,
) -> None:
    site = versioned.site
    for folder, version in [("1.0", "1.0.0"), ("1.1", "1.1.0")]:
        for page, url in [("api/shapes/index.html", "api/shapes/"), ("index.html", "")]:
            banners = soup(site / folder / page).select("aside.refsite-outdated")
            assert len(banners) == 1, (folder, page)
            assert (
                banners[0]
                .get_text(" ", strip=True)
                .startswith(f"This page documents minipkg {version}, an older release.")
            )
            link = banners[0].select_one("a")
            assert link is not None
            # Relative, so right under any host and path, whatever site_url says.
            href = str(link["href"])
            assert urlsplit(href)[:2] == ("", "")
            assert not href.startswith("/")
            for base in ["http://127.0.0.1:8000/", "https://example.org/refsite/pr-7/"]:
                assert urljoin(f"{base}{folder}/{url}", href) == f"{base}{url}", (folder, page)
            assert "minipkg 2.0.0" in link.get_text()
    # The newest release, in its folder and at the root, has none.
    for page in [site / "2.0" / "api/shapes/index.html", site / "api/shapes/index.html"]:
        assert "refsite-outdated" not in page.read_text()


@pytest.fixture(scope="module")
def served_under_a_path(versioned: Versioned) -> Iterator[str]:
    """The versioned mini site on another port and under a preview's path."""
    with serve_site(versioned.site, "/refsite/pr-7/") as url:
        yield url


@pytest.mark.browser
def test_under_a_path_the_banner_and_the_selector_lead_to_the_newest_release(
    browser: Any, served_under_a_path: str
) -> None:
    from playwright.sync_api import expect

    base = served_under_a_path
    with recorded_context(browser, viewport={"width": 1280, "height": 900}) as visit:
        page = visit.page
        page.goto(base + "1.0/api/shapes/")
        page.locator("aside.refsite-outdated a").click()
        page.wait_for_url(base + "api/shapes/")
        expect(page.locator("aside.refsite-outdated")).to_have_count(0)
        page.goto(base + "1.1/")
        page.locator("aside.refsite-outdated a").click()
        page.wait_for_url(base)
        # Material's selector, from an older release's folder: each release's folder.
        page.goto(base + "1.0/api/shapes/")
        links = page.locator(".md-version__link")
        expect(links).to_have_count(3)
        hrefs = [links.nth(i).get_attribute("href") for i in range(3)]
        assert hrefs == [base + "2.0/", base + "1.1/", base + "1.0/"]
    assert not [u for u in visit.requests if "127.0.0.1:8000" in u]


def test_an_object_two_releases_share_renders_once_and_links_to_each_one_s_source(
    versioned: Versioned,
) -> None:
    """``area`` is the same in every release but for its tag and lines."""
    lines = (SRC / "shapes.py").read_text().splitlines()
    start = lines.index("def area(square: Square) -> float:") + 1
    end = start + 2
    for folder, version in [("1.0", "1.0.0"), ("1.1", "1.1.0"), ("2.0", "2.0.0")]:
        heading = soup(versioned.site / folder / "api/shapes/index.html").find(
            id="minipkg.shapes.area"
        )
        assert heading is not None, folder
        link = heading.select_one("a.doc-source-link")
        assert link is not None, folder
        shift = SHIFT[version]
        assert link["href"] == (
            f"{SOURCE}/blob/v{version}/minipkg/shapes.py#L{start + shift}-L{end + shift}"
        ), folder
    # Built after another release: it reused that release's rendering of area.
    built = next(line for line in versioned.output.splitlines() if "1.0 (1.0.0): built" in line)
    reused = re.search(r"object cache: (\d+) object\(s\) reused", built)
    assert reused is not None, built
    assert int(reused[1]) >= 1, built


def test_a_release_in_the_versioned_site_equals_its_own_clean_build(
    versioned: Versioned, tmp_path: Path
) -> None:
    for folder in ["1.0", "2.0"]:
        env = {**versioned.env, "REFSITE_RELEASE": folder, "REFSITE_VERSIONED": "1"}
        alone = tmp_path / folder
        result = run(
            BIN / "mkdocs", "build", "--strict", "--site-dir", alone,
            cwd=versioned.project,
            env={**env, "REFSITE_CACHE_DIR": str(tmp_path / "cache")},
        )  # fmt: skip
        assert result.returncode == 0, result.stdout
        assert build_manifest(versioned.site / folder) == build_manifest(alone), folder


def test_the_root_of_the_versioned_site_equals_its_own_clean_build(
    versioned: Versioned, tmp_path: Path
) -> None:
    # In the versioned build the root came last and took its pages from the
    # releases' shared renderings; alone, with a cache of its own, it renders them.
    alone = tmp_path / "root"
    result = run(
        BIN / "mkdocs", "build", "--strict", "--site-dir", alone,
        cwd=versioned.project,
        env={**versioned.env, "REFSITE_VERSIONED": "1", "REFSITE_CACHE_DIR": str(tmp_path / "c")},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout
    files = sorted(p.relative_to(alone) for p in alone.rglob("*") if p.is_file())
    assert len(files) > 10
    for file in files:
        assert (versioned.site / file).read_bytes() == (alone / file).read_bytes(), file


def test_a_rebuild_keeps_unchanged_releases_and_rebuilds_after_an_edit(
    versioned: Versioned, tmp_path: Path
) -> None:
    project = tmp_path / "mini"
    # Not its cache: its pages name the source files of the original by path.
    shutil.copytree(versioned.project, project, ignore=shutil.ignore_patterns("site", ".cache"))
    shutil.copytree(versioned.site, project / "site")
    before = build_manifest(project / "site")
    again = run(BIN / "refsite", "build", "--versions", cwd=project, env=versioned.env)
    assert again.returncode == 0, again.stdout
    for folder in ["2.0", "1.1", "1.0"]:
        assert f"({folder}.0): unchanged, kept" in again.stdout, again.stdout
    assert "root (2.0.0): unchanged, kept" in again.stdout, again.stdout
    assert build_manifest(project / "site") == before
    # The root renders the project's own sources (the handler's paths): an
    # edit there rebuilds the root alone.
    source = project / "src/minipkg/shapes.py"
    source.write_text(source.read_text().replace("The area of", "The surface of"))
    edited = run(BIN / "refsite", "build", "--versions", cwd=project, env=versioned.env)
    assert edited.returncode == 0, edited.stdout
    assert "root (2.0.0): built" in edited.stdout, edited.stdout
    assert edited.stdout.count("unchanged, kept") == 3, edited.stdout
    assert "The surface of" in (project / "site/api/shapes/index.html").read_text()
    assert (project / "site/1.0/api/shapes/index.html").read_bytes() == (
        versioned.site / "1.0/api/shapes/index.html"
    ).read_bytes()
    page = project / "docs/api/shapes.md"
    page.write_text(page.read_text() + "\nA new closing line.\n")
    edited = run(BIN / "refsite", "build", "--versions", cwd=project, env=versioned.env)
    assert edited.returncode == 0, edited.stdout
    assert "unchanged, kept" not in edited.stdout
    assert "A new closing line." in (project / "site/1.0/api/shapes/index.html").read_text()
    # Another set of documented releases (the lock alone changed): the notes
    # of those left may name others, so every folder is built again.
    lock_file = project / "releases.lock.json"
    lock = json.loads(lock_file.read_text())
    lock["releases"] = lock["releases"][:2]
    lock_file.write_text(json.dumps(lock, indent=2))
    fewer = run(BIN / "refsite", "build", "--versions", cwd=project, env=versioned.env)
    assert fewer.returncode == 0, fewer.stdout
    assert "1.1 (1.1.0): built" in fewer.stdout, fewer.stdout
    assert not (project / "site/1.0").exists()


def test_releases_share_pages_and_the_cache_is_pruned_once_after_the_last(
    versioned: Versioned, tmp_path: Path
) -> None:
    project = tmp_path / "mini"
    shutil.copytree(versioned.project, project, ignore=shutil.ignore_patterns("site", ".cache"))
    config = project / "mkdocs.yml"
    # Far less than one release's pages: pruning after each build would leave
    # the next nothing to share.
    config.write_text(
        config.read_text().replace("  - refsite:\n", "  - refsite:\n      cache_max_mb: 0.01\n", 1)
    )
    built = run(BIN / "refsite", "build", "--versions", cwd=project, env=versioned.env)
    assert built.returncode == 0, built.stdout
    # 1.1 renders only the page of shapes.py, which differs from 2.0's; the
    # others (colours.py is the same file) are 2.0's, its source links 1.1's.
    line = next(x for x in built.stdout.splitlines() if x.startswith("refsite: 2/4 1.1 (1.1.0)"))
    assert "(page cache: 3 page(s) reused, 1 rendered (3 reused as another release" in line
    assert "least recently used file(s) beyond 0 MiB" in built.stdout, built.stdout
    for folder, tag in [("2.0", "v2.0.0"), ("1.1", "v1.1.0")]:
        page = (project / "site" / folder / "api/colours/index.html").read_text()
        assert f"{SOURCE}/blob/{tag}/minipkg/colours.py#L" in page, folder
        assert page == (versioned.site / folder / "api/colours/index.html").read_text()


def test_build_versions_without_a_usable_lock_says_what_to_run(
    versioned: Versioned, tmp_path: Path
) -> None:
    project = tmp_path / "mini"
    shutil.copytree(versioned.project, project, ignore=shutil.ignore_patterns("site", "wheels"))
    (project / "releases.lock.json").unlink()
    result = run(BIN / "refsite", "build", "--versions", cwd=project, env=versioned.env)
    assert result.returncode == 2
    assert result.stdout.strip() == (
        "refsite: error: releases.lock.json: no such lock file; "
        "create it with refsite lock-releases"
    )
    config = project / "mkdocs.yml"
    shutil.copy(versioned.project / "releases.lock.json", project / "releases.lock.json")
    config.write_text(config.read_text().replace("select: 3", "select: 2"))
    result = run(BIN / "refsite", "build", "--versions", cwd=project, env=versioned.env)
    assert result.returncode == 2
    assert result.stdout.strip() == (
        "refsite: error: releases.lock.json was written for other 'releases' options than "
        "mkdocs.yml's: run refsite lock-releases to refresh it"
    )
    # A history file not made yet: the command that makes it, not this repository's script.
    config.write_text(
        config.read_text()
        .replace("select: 2", "select: 3")
        .replace(
            "  - refsite:\n", "  - refsite:\n      history:\n        file: api-history.json\n", 1
        )
    )
    result = run(BIN / "refsite", "build", "--versions", cwd=project, env=versioned.env)
    assert result.returncode == 1
    assert (
        "api-history.json: cannot read the history (No such file or directory); "
        "generate it with refsite history;"
    ) in result.stdout, result.stdout
    assert "scripts/" not in result.stdout


def test_a_plain_build_is_the_installed_release_alone(mini_built: Build) -> None:
    """Without REFSITE_VERSIONED, no selector and no release folders."""
    config = json.loads(soup(mini_built.site / "index.html").select_one("#__config").text)
    assert config["version"] is None
    assert not (mini_built.site / "versions.json").exists()


def test_declared_objects_are_the_dotted_anchors_of_the_contract() -> None:
    # An older release may lack a member the contract declares (0.100's
    # Starlette has no WebSocketState.RESPONSE): such anchors are looked up.
    tree = load_tree(FIXTURES / "mini" / "navtree.yml")
    assert declared_objects(tree) == {
        "minipkg.shapes.Square",
        "minipkg.shapes.Square.side",
        "minipkg.shapes.Square.scale",
        "minipkg.shapes.area",
        "minipkg.colours.Colour.RED",
    }


def test_griffe_messages_about_an_older_release_s_own_files_are_told_with_verbose() -> None:
    older = OlderSources()
    older.reset(["6c0c8bf9420bd58f"])
    own = logging.LogRecord(
        "mkdocs.plugins.griffe",
        logging.ERROR,
        "",
        0,
        "griffe: .cache/wheels/unpacked/6c0c8bf9420bd58f/fastapi/_compat.py:376: Failed",
        (),
        None,
    )
    other = logging.LogRecord(
        "mkdocs.plugins.griffe", logging.ERROR, "", 0, "griffe: docs/page.md: Failed", (), None
    )
    assert older.filter(own)
    assert older.filter(other)
    assert (own.levelno, own.levelname, other.levelno) == (logging.DEBUG, "DEBUG", logging.ERROR)
    assert older.count == 1
