"""`refsite init PKG DIR --releases N`: a versioned site, its lock and history, built.

A find-links folder (which pip reads instead of any index) holds three
releases of relpkg as wheels: 1.0.0 (greet), 1.1.0 (adds wave) and 2.0.0
(adds bow, and Greeter.loud), plus a pre-release that no selection takes.
The package is not installed: init reads 2.0.0 from a source folder
(``--src``), which the root of the versioned site documents.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from conftest import BIN, run, soup
from refsite.checks.absent import replace_absent
from refsite.checks.tree import load_tree
from refsite.history.model import load_history
from refsite.releases.lock import load_lock
from refsite.scaffold.versioned import parse_releases
from test_history_read import make_sdist
from test_wheels import make_wheel

FUNCTIONS = {
    "1.0.0": ["greet"],
    "1.1.0": ["greet", "wave"],
    "2.0.0": ["greet", "wave", "bow"],
    "2.1.0rc1": ["greet", "wave", "bow"],
}


def _source(version: str) -> dict[str, str]:
    """relpkg at ``version``: one function more each release, a method more in 2.0.

    The functions live in ``relpkg.tools`` and are documented under ``relpkg``:
    the tools page links to them, bow included, which 1.1 lacks. Only the
    older releases' wave names ``relpkg.legacy``.
    """
    names = FUNCTIONS[version]
    # Before 2.0, wave's docstring links to an object no release documents.
    legacy = "" if version.startswith("2.") else " Like [`legacy`][relpkg.legacy]."
    functions = "".join(
        f'def {name}(name: str) -> str:\n    """{name.title()} someone.{legacy * (name == "wave")}\n\n'
        f"    Args:\n        name: Who.\n\n    Returns:\n        What to say.\n"
        f'    """\n    return name\n\n\n'
        for name in names
    )
    tool = 'class Tool:\n    """A tool."""\n'
    loud = (
        '    def loud(self) -> str:\n        """Say it loudly."""\n        return "HELLO"\n'
        if version.startswith("2.")
        else ""
    )
    greeter = (
        'class Greeter:\n    """Greets."""\n\n'
        '    def say(self) -> str:\n        """Say hello."""\n        return "hello"\n\n'
        f"{loud}"
    )
    init = (
        f'"""Greetings for tests."""\n\nfrom relpkg.tools import {", ".join(names)}\n\n'
        f"__all__ = {[*names, 'Greeter']!r}\n__version__ = {version!r}\n\n\n{greeter}"
    )
    return {
        "relpkg/__init__.py": init,
        "relpkg/tools.py": f'"""Tools."""\n\n\n{functions}{tool}',
    }


@dataclass
class Init:
    work: Path
    project: Path
    env: dict[str, str]
    output: str


def _index(work: Path) -> Path:
    index = work / "index"
    for version in FUNCTIONS:
        make_wheel(index, "relpkg", version, _source(version))
    return index


def _env(index: Path) -> dict[str, str]:
    return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(index), "SOURCE_DATE_EPOCH": "1700000000"}


def _init(work: Path, name: str, releases: str, *extra: str) -> Init:
    """``refsite init relpkg NAME --src src --releases RELEASES`` in ``work``."""
    env = _env(work / "index")
    result = run(
        BIN / "refsite",
        "init",
        "relpkg",
        name,
        "--src",
        "src",
        "--releases",
        releases,
        *extra,
        cwd=work,
        env=env,
    )
    assert result.returncode == 0, result.stdout
    return Init(work, work / name, env, result.stdout)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("init-releases")
    _index(work)
    for name, text in _source("2.0.0").items():
        path = work / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return work


@pytest.fixture(scope="module")
def two(work: Path) -> Init:
    """The site of the 2 newest minors, written with its trial build, then built versioned."""
    init = _init(work, "site-two", "2")
    built = run(BIN / "refsite", "build", "--versions", cwd=init.project, env=init.env)
    assert built.returncode == 0, built.stdout
    return Init(work, init.project, init.env, init.output + built.stdout)


def _refsite_options(project: Path) -> dict[str, object]:
    config = yaml.load((project / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    plugins = [p for p in config["plugins"] if isinstance(p, dict) and "refsite" in p]
    options: dict[str, object] = plugins[0]["refsite"]
    return options


def test_init_locks_the_newest_patch_of_n_minors_and_reads_their_history(two: Init) -> None:
    options = _refsite_options(two.project)
    assert options["releases"] == {
        "package": "relpkg",
        "select": "2",
        "lock": "releases.lock.json",
    }
    # The history starts at the oldest documented release.
    assert options["history"] == {"file": "api-history.json", "since": "1.1.0", "badges": "true"}
    lock = load_lock(two.project / "releases.lock.json")
    assert [r.version for r in lock.releases] == ["2.0.0", "1.1.0"]
    assert lock.selection.newest == "2.0.0"  # the pre-release is no final release
    history = load_history(two.project / "api-history.json")
    assert history.versions() == ["1.1.0", "2.0.0"]
    # One line per step, each with its time, and the total.
    said = [line for line in two.output.splitlines() if line.startswith("refsite init: ")]
    steps = [line for line in said if line.endswith(" s)")]
    assert [line.split(":")[1].split()[0] for line in steps] == [
        "read",
        "lock",
        "older",
        "pins",
        "history",
        "wrote",
        "trial",
    ]
    assert said[-1].endswith("next: cd site-two && refsite build --versions")
    assert "lock: relpkg 2.0.0, 1.1.0, with their wheels' hashes" in steps[1]
    assert "pins: relpkg 2.0.0 in pyproject.toml, 1 package(s) in requirements/lock.txt" in steps[3]
    assert "history: 2 release(s) of relpkg read, 1.1.0 to 2.0.0" in steps[4]
    assert "trial build (mkdocs build --strict): clean" in steps[6]
    # 1.1.0's docstrings are read too: the fault the newest lacks is rendered in all.
    assert "older releases (1.1.0): 1 more docstring fault(s)" in steps[2]
    assert (
        "relpkg-1.1.0/relpkg/tools.py:17: relpkg.tools.wave: cross-reference to `relpkg.legacy`"
        in two.output
    )
    docfixes = (two.project / "mkdocs.yml").read_text().partition("- refsite.docfixes:")[2]
    assert '- "relpkg.legacy"' in docfixes


def test_the_changes_page_is_in_the_navigation_and_the_tree(two: Init) -> None:
    config = yaml.load((two.project / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    reference = config["nav"][1]["Reference"]
    assert reference[-1] == {"API Changes": "reference/changes.md"}
    tree = load_tree(two.project / "navtree.yml")
    assert [(e.label, e.url) for e in tree.entries[1].children][-1] == (
        "API Changes",
        "/reference/changes/",
    )
    page = (two.project / "docs" / "reference" / "changes.md").read_text()
    assert "from 1.1.0 up to the release" in page
    assert page.endswith("<!-- refsite:changes -->\n")


def test_build_versions_builds_each_release_and_the_root_with_the_changes(two: Init) -> None:
    site = two.project / "site"
    assert (site / "2.0" / "index.html").is_file()
    assert (site / "1.1" / "index.html").is_file()
    assert not (site / "1.0").exists()
    versions = json.loads((site / "versions.json").read_text())
    assert [(v["version"], v["aliases"]) for v in versions] == [("2.0", ["latest"]), ("1.1", [])]
    assert "2 release(s) and the root built" in two.output
    # The root's changes page lists what 2.0.0 added; 1.1's ends at 1.1.0.
    root = soup(site / "reference" / "changes" / "index.html").select_one("article")
    assert root is not None
    text = root.get_text(" ", strip=True)
    assert "2.0.0" in text
    assert "relpkg.bow" in text
    assert "relpkg.Greeter.loud" in text
    older = soup(site / "1.1" / "reference" / "changes" / "index.html").select_one("article")
    assert older is not None
    assert "relpkg.bow" not in older.get_text(" ", strip=True)
    # 1.1 lacks bow: its note replaces it, and the tools section names it unlinked.
    page_11 = soup(site / "1.1" / "reference" / "relpkg" / "index.html")
    also = next(p for p in page_11.select("article p") if "Also importable" in p.get_text())
    assert [a.get_text() for a in also.select("a")] == ["greet", "wave"]
    assert "bow" in [c.get_text() for c in also.select("code")]
    legacy = next(c for c in page_11.select("article code") if c.get_text() == "legacy")
    assert legacy.find_parent("a") is None
    # Badges: bow was added in the newest release.
    page = next(site.glob("reference/relpkg*/index.html"))
    heading = soup(page).select_one('[id="relpkg.bow"]')
    assert heading is not None
    assert "Added in 2.0.0" in heading.get_text(" ", strip=True)


def test_upgrade_moves_the_site_to_a_new_release_as_fastapi_s(two: Init, tmp_path: Path) -> None:
    check = run(BIN / "refsite", "upgrade", "--check", cwd=two.project, env=two.env)
    assert check.returncode == 0, check.stdout
    assert "relpkg 2.0.0 is the newest release on the index" in check.stdout
    assert (two.project / "pyproject.toml").read_text().count('"relpkg==2.0.0"') == 1
    assert (two.project / "requirements" / "lock.txt").read_text().endswith("\nrelpkg==2.0.0\n")
    # relpkg 2.1.0 comes out: --check says so, and upgrade moves the four files.
    index = tmp_path / "index"
    shutil.copytree(two.work / "index", index)
    make_wheel(index, "relpkg", "2.1.0", _source("2.0.0"))
    project = tmp_path / "site"
    shutil.copytree(two.project, project, ignore=shutil.ignore_patterns("site"))
    check = run(BIN / "refsite", "upgrade", "--check", cwd=project, env=_env(index))
    assert check.returncode == 1, check.stdout
    assert "relpkg 2.1.0 is newer than the locked 2.0.0: run refsite upgrade" in check.stdout
    upgraded = run(BIN / "refsite", "upgrade", cwd=project, env=_env(index))
    assert upgraded.returncode == 0, upgraded.stdout
    lock = load_lock(project / "releases.lock.json")
    assert [r.version for r in lock.releases] == ["2.1.0", "2.0.0"]
    assert load_history(project / "api-history.json").versions() == ["1.1.0", "2.0.0", "2.1.0"]
    assert '"relpkg==2.1.0"' in (project / "pyproject.toml").read_text()
    assert "relpkg==2.1.0" in (project / "requirements" / "lock.txt").read_text()
    check = run(BIN / "refsite", "upgrade", "--check", cwd=project, env=_env(index))
    assert check.returncode == 0, check.stdout


def test_init_with_a_list_of_releases_adds_the_root_s_and_builds(work: Path) -> None:
    init = _init(work, "site-list", "1.0", "--no-trial")
    assert "lock: relpkg 2.0.0, 1.0.0 (2.0 added: the root documents it)" in init.output
    options = _refsite_options(init.project)
    assert options["releases"]["select"] == ["1.0", "2.0"]  # type: ignore[index]
    assert options["history"]["since"] == "1.0.0"  # type: ignore[index]
    lock = load_lock(init.project / "releases.lock.json")
    assert [r.version for r in lock.releases] == ["2.0.0", "1.0.0"]
    history = load_history(init.project / "api-history.json")
    assert history.versions() == ["1.0.0", "1.1.0", "2.0.0"]
    built = run(BIN / "refsite", "build", "--versions", cwd=init.project, env=init.env)
    assert built.returncode == 0, built.stdout
    versions = json.loads((init.project / "site" / "versions.json").read_text())
    assert [v["title"] for v in versions] == ["2.0.0", "1.0.0"]
    result = run(BIN / "refsite", "upgrade", "--check", cwd=init.project, env=init.env)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("[`bow`][relpkg.bow], [`wave`][relpkg.wave]", "`bow`, [`wave`][relpkg.wave]"),
        ("[relpkg.bow][] and [a member][relpkg.bow.when]", "relpkg.bow and a member"),
        # Another object whose name starts alike keeps its link.
        ("[`bows`][relpkg.bows]", "[`bows`][relpkg.bows]"),
    ],
)
def test_a_link_to_an_object_a_release_lacks_becomes_its_text(markdown: str, expected: str) -> None:
    assert replace_absent(markdown, {"relpkg.bow": "NOTE\n"}) == expected


@pytest.mark.parametrize(
    ("text", "select"),
    [("3", 3), ("8.1,8.2,8.3", ("8.1", "8.2", "8.3")), ("8.1.2", ("8.1.2",)), (" 2 ", 2)],
)
def test_parse_releases(text: str, select: object) -> None:
    assert parse_releases(text) == select


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("0", "'0': at least one release"),
        ("8.1,,8.2", "'' is not a release version"),
        ("all", "'all' is not a release version"),
    ],
)
def test_parse_releases_refuses(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_releases(text)


def test_a_bad_releases_value_and_existing_files_exit_2_before_reading(work: Path) -> None:
    result = run(BIN / "refsite", "init", "relpkg", "x", "--releases", "0", cwd=work)
    assert result.returncode == 2
    assert "--releases: '0': at least one release" in result.stdout
    folder = work / "site-exists"
    folder.mkdir()
    (folder / "api-history.json").write_text("{}")
    result = run(
        BIN / "refsite",
        "init",
        "relpkg",
        "site-exists",
        "--src",
        "src",
        "--releases",
        "2",
        cwd=work,
        env={"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(work / "nowhere")},
    )
    assert result.returncode == 2, result.stdout
    assert "api-history.json already exist(s): pass --force" in result.stdout


# Issue 30: a package's every release from one command, on an index as PyPI's
# is. A find-links folder cannot mark a release yanked, so a local simple index
# (PEP 503 HTML, data-yanked as PyPI writes it) serves relpkg: 1.0.0 (a wheel),
# 1.1.0 (an sdist only), 1.2.0 (yanked) and 2.0.0; 2.1.0 comes out later.
YANKED = {"1.2.0": "broke greet"}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _publish(served: Path) -> None:
    """Write the simple index page of what ``served/files`` holds."""
    anchors = []
    for path in sorted((served / "files").iterdir()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        version = path.name.removeprefix("relpkg-").split("-")[0].removesuffix(".tar.gz")
        why = YANKED.get(version)
        yanked = f' data-yanked="{why}"' if why else ""
        anchors.append(f'<a href="../../files/{path.name}#sha256={digest}"{yanked}>{path.name}</a>')
    page = served / "simple" / "relpkg" / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text("<!DOCTYPE html><html><body>\n" + "\n".join(anchors) + "\n</body></html>\n")


@pytest.fixture(scope="module")
def pypi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """The served folder and the environment that points pip (and refsite) at it."""
    served = tmp_path_factory.mktemp("simple-index")
    files = served / "files"
    make_wheel(files, "relpkg", "1.0.0", _source("1.0.0"))
    make_sdist(files, "relpkg", "1.1.0", _source("1.1.0"))
    make_wheel(files, "relpkg", "1.2.0", _source("1.1.0"))
    make_wheel(files, "relpkg", "2.0.0", _source("2.0.0"))
    _publish(served)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    env = {
        "PIP_NO_INDEX": "0",
        "PIP_FIND_LINKS": "",
        "PIP_INDEX_URL": f"http://127.0.0.1:{server.server_address[1]}/simple/",
        "PIP_NO_CACHE_DIR": "1",
        "SOURCE_DATE_EPOCH": "1700000000",
    }
    try:
        yield served, env
    finally:
        server.shutdown()
        server.server_close()


def test_every_release_from_one_command_then_an_upgrade_to_a_new_minor(
    pypi: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    served, env = pypi
    for name, text in _source("2.0.0").items():
        path = tmp_path / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    command = ["init", "relpkg", "site", "--src", "src", "--releases", "1.0", "--no-trial"]
    init = run(BIN / "refsite", *command, cwd=tmp_path, env=env)
    assert init.returncode == 0, init.stdout
    project = tmp_path / "site"
    # The history reads 1.1.0 from its sdist and skips the yanked 1.2.0.
    history = load_history(project / "api-history.json")
    assert history.versions() == ["1.0.0", "1.1.0", "2.0.0"]
    assert "1.1.0 from its sdist" in history.notes
    assert history.skipped == {"1.2.0": "yanked: broke greet"}
    assert "1.0.0 to 2.0.0 (1.2.0 skipped)" in init.stdout
    assert [r.version for r in load_lock(project / "releases.lock.json").releases] == [
        "2.0.0",
        "1.0.0",
    ]
    built = run(BIN / "refsite", "build", "--versions", cwd=project, env=env)
    assert built.returncode == 0, built.stdout
    # relpkg 2.1.0 comes out: the explicit list gains 2.1, and five files move.
    make_wheel(served / "files", "relpkg", "2.1.0", _source("2.0.0"))
    _publish(served)
    check = run(BIN / "refsite", "upgrade", "--check", cwd=project, env=env)
    assert check.returncode == 1, check.stdout
    assert "relpkg 2.1.0 is newer than the locked 2.0.0 (2.1 joins releases.select)" in check.stdout
    upgraded = run(BIN / "refsite", "upgrade", cwd=project, env=env)
    assert upgraded.returncode == 0, upgraded.stdout
    assert "releases.select in mkdocs.yml gains 2.1: the root documents it" in upgraded.stdout
    assert "2.1 added to releases.select; five files written" in upgraded.stdout
    assert _refsite_options(project)["releases"]["select"] == ["1.0", "2.0", "2.1"]  # type: ignore[index]
    lock = load_lock(project / "releases.lock.json")
    assert [r.version for r in lock.releases] == ["2.1.0", "2.0.0", "1.0.0"]
    history = load_history(project / "api-history.json")
    assert history.versions() == ["1.0.0", "1.1.0", "2.0.0", "2.1.0"]
    assert '"relpkg==2.1.0"' in (project / "pyproject.toml").read_text()
    built = run(BIN / "refsite", "build", "--versions", cwd=project, env=env)
    assert built.returncode == 0, built.stdout
    versions = json.loads((project / "site" / "versions.json").read_text())
    assert [v["title"] for v in versions] == ["2.1.0", "2.0.0", "1.0.0"]
    assert (project / "site" / "2.1" / "index.html").is_file()
    check = run(BIN / "refsite", "upgrade", "--check", cwd=project, env=env)
    assert check.returncode == 0, check.stdout
