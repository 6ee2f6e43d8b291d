"""The releases a site documents: selection, resolution to exact wheels, the lock."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from refsite.checks.absent import absent_note, present, prune_tree, replace_absent
from refsite.checks.tree import parse_tree
from refsite.core.commands import command_text
from refsite.registry.metadata import dependency_specifiers, newest_matching
from refsite.releases.lock import (
    Lock,
    LockError,
    Selection,
    fetch,
    load_lock,
    minor,
    resolve,
    select_versions,
    write_lock,
)
from test_wheels import make_wheel

ROOT = Path(__file__).resolve().parent.parent
AVAILABLE = [
    "0.99.1", "0.100.0", "0.100.1", "0.101.0", "0.101.1", "0.102.0",
    "0.103.0rc1", "0.103.0", "0.103.2", "0.104.0", "0.105.0b1",
]  # fmt: skip


@pytest.mark.parametrize(
    ("select", "since", "newest", "expected"),
    [
        (2, "0.0", None, ["0.104.0", "0.103.2"]),
        (3, "0.0", "0.102.0", ["0.102.0", "0.101.1", "0.100.1"]),
        ("all", "0.100.0", None, ["0.104.0", "0.103.2", "0.102.0", "0.101.1", "0.100.1"]),
        ("all", "0.100.0", "0.101.0", ["0.101.0", "0.100.1"]),
        (("0.100", "0.103.0"), "0.0", None, ["0.103.0", "0.100.1"]),
        (100, "0.0", None, ["0.104.0", "0.103.2", "0.102.0", "0.101.1", "0.100.1", "0.99.1"]),
    ],
)
def test_select_versions(
    select: int | str | tuple[str, ...], since: str, newest: str | None, expected: list[str]
) -> None:
    selection = Selection("pkg", select=select, since=since, newest=newest)
    assert select_versions(AVAILABLE, selection) == expected


@pytest.mark.parametrize(
    ("select", "message"),
    [
        (("0.98",), "pkg 0.98 is not on the package index"),
        (0, "releases: select must be a positive number, 'all' or a list of versions, not 0"),
        (
            "some",
            "releases: select must be a positive number, 'all' or a list of versions, not 'some'",
        ),
    ],
)
def test_select_versions_rejects_what_it_cannot_select(
    select: int | str | tuple[str, ...], message: str
) -> None:
    with pytest.raises(LockError) as info:
        select_versions(AVAILABLE, Selection("pkg", select=select))
    assert str(info.value) == message


def test_minor() -> None:
    assert [minor(v) for v in ["0.115.14", "1.0", "2"]] == ["0.115", "1.0", "2.0"]


METADATA = """\
Metadata-Version: 2.1
Name: fastapi
Version: 0.115.0
Requires-Dist: starlette<0.39.0,>=0.37.2
Requires-Dist: pydantic>=1.7.4
Provides-Extra: standard
Requires-Dist: httpx>=0.23.0; extra == "standard"
Provides-Extra: all
Requires-Dist: httpx>=0.23.0; extra == "all"
Requires-Dist: ujson>=4; extra == "all"
Requires-Dist: uvloop; sys_platform == "nonesuch"
"""


def test_dependency_specifiers_read_plain_and_extra_requirements() -> None:
    assert dependency_specifiers(METADATA, "Starlette") == SpecifierSet(">=0.37.2,<0.39.0")
    assert dependency_specifiers(METADATA, "httpx") == SpecifierSet(">=0.23.0")
    assert dependency_specifiers(METADATA, "uvloop") is None  # its marker never holds
    assert dependency_specifiers(METADATA, "jinja2") is None


def test_newest_matching_skips_pre_releases() -> None:
    versions = ["0.37.1", "0.37.2", "0.38.6", "0.39.0", "0.38.7rc1"]
    assert newest_matching(versions, SpecifierSet(">=0.37.2,<0.39.0")) == "0.38.6"
    assert newest_matching(versions, None) == "0.39.0"
    assert newest_matching(versions, SpecifierSet(">1")) is None


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A local package index (a folder pip reads) of a package and its dependency."""
    folder = tmp_path / "index"
    for version in ["1.0.0", "1.1.0", "1.2.0"]:
        make_wheel(folder, "tinydep", version, {"tinydep/__init__.py": f"V = {version!r}\n"})
    make_wheel(folder, "tinypkg", "1.0.0", {"tinypkg/__init__.py": ""}, ("tinydep<1.1",))
    make_wheel(folder, "tinypkg", "1.0.1", {"tinypkg/__init__.py": ""}, ("tinydep<1.1",))
    make_wheel(folder, "tinypkg", "2.0.0", {"tinypkg/__init__.py": "X = 1\n"}, ("tinydep>=1.1",))
    make_wheel(folder, "tinypkg", "3.0.0", {"tinypkg/__init__.py": ""}, ("tinydep>=1.1",))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    return folder


def test_resolve_pins_each_release_with_its_dependencies_and_the_lock_round_trips(
    index: Path, tmp_path: Path
) -> None:
    selection = Selection("tinypkg", ("tinydep",), select=5, newest="2.0.0")
    lines: list[str] = []
    lock = resolve(selection, tmp_path / "wheels", progress=lines.append)
    assert [(r.version, [(w.name, w.version) for w in r.wheels]) for r in lock.releases] == [
        ("2.0.0", [("tinypkg", "2.0.0"), ("tinydep", "1.2.0")]),
        ("1.0.1", [("tinypkg", "1.0.1"), ("tinydep", "1.0.0")]),
    ]
    assert "tinypkg 1.0.1: tinydep 1.0.0" in lines
    wheel = lock.releases[0].wheels[0]
    assert wheel.filename == "tinypkg-2.0.0-py3-none-any.whl"
    assert (tmp_path / "wheels" / wheel.filename).is_file()
    write_lock(lock, tmp_path / "releases.lock.json")
    assert load_lock(tmp_path / "releases.lock.json") == lock
    assert lock.release("1.0").version == "1.0.1"
    with pytest.raises(LockError, match=r"^no release 9\.9 in the lock \(it has 2\.0, 1\.0\)$"):
        lock.release("9.9")

    # A build fetches from the lock: the unpacked folders, package first.
    new, old = (fetch(r, tmp_path / "files", tmp_path / "unpacked") for r in lock.releases)
    assert (new[0] / "tinypkg" / "__init__.py").read_text() == "X = 1\n"
    assert (new[1] / "tinydep" / "__init__.py").read_text() == "V = '1.2.0'\n"
    # What each release defines, read statically from those folders.
    names = ["tinypkg.X", "tinydep.V", "tinypkg.nope", "nosuchpkg.Y"]
    assert present(names, new) == {"tinypkg.X", "tinydep.V"}
    assert present(names, old) == {"tinydep.V"}


def test_fetch_refuses_a_wheel_whose_hash_differs_from_the_lock(
    index: Path, tmp_path: Path
) -> None:
    lock = resolve(Selection("tinypkg", (), select=1), tmp_path / "wheels")
    # The index now serves other bytes under the same name.
    make_wheel(index, "tinypkg", "3.0.0", {"tinypkg/__init__.py": "CHANGED = 1\n"})
    with pytest.raises(LockError) as info:
        fetch(lock.releases[0], tmp_path / "files", tmp_path / "unpacked")
    message = str(info.value)
    assert "tinypkg-3.0.0-py3-none-any.whl: sha256 " in message
    assert message.endswith(
        "delete the file and build again (refsite build --versions downloads it anew), "
        "or refresh the lock (refsite lock-releases) if the index changed it"
    )
    assert "\n" not in message
    # Deleted, the file is downloaded anew: here the index's other bytes, refused again.
    (tmp_path / "files" / "tinypkg-3.0.0-py3-none-any.whl").unlink()
    with pytest.raises(LockError, match="differs from the lock's"):
        fetch(lock.releases[0], tmp_path / "files", tmp_path / "unpacked")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such lock file; create it with refsite lock-releases"),
        ("{", "not readable JSON"),
        (
            '{"format": "other"}',
            "format 'other', not refsite-releases/1; run refsite lock-releases",
        ),
        (
            '{"format": "refsite-releases/1", "releases": []}',
            "malformed lock (KeyError('selection')); run refsite lock-releases",
        ),
        (
            '{"format": "refsite-releases/1", "selection": {"package": "p", "dependencies": [], '
            '"select": 1, "since": "0.0", "newest": "1.0"}, "releases": '
            '[{"version": "banana", "wheels": []}]}',
            "Invalid version: 'banana'; run refsite lock-releases to write it again",
        ),
    ],
)
def test_load_lock_names_the_file_and_the_fix(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "releases.lock.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(LockError) as info:
        load_lock(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_the_newest_documented_release_is_the_one_the_site_extra_pins() -> None:
    """The root renders the installed packages; the lock's newest release must be them."""
    lock: Lock = load_lock(ROOT / "requirements" / "releases.lock.json")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins = {}
    for line in (ROOT / "requirements" / "lock.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        if version and not line.startswith("#"):
            pins[canonicalize_name(name)] = version
    site_pin = next(
        p for p in project["project"]["optional-dependencies"]["site"] if p.startswith("fastapi==")
    )
    newest = lock.releases[0]
    assert f"fastapi=={newest.version}" == site_pin
    assert lock.selection.newest == newest.version
    for wheel in newest.wheels:
        assert pins[wheel.name] == wheel.version, wheel.name
    assert len(lock.releases) == 10
    assert len({r.minor for r in lock.releases}) == 10


# --- Objects a release does not have ----------------------------------------------


def test_replace_absent_swaps_the_whole_directive_for_the_note() -> None:
    page = (
        "# Title\n\nIntro.\n\n"
        "::: pkg.Gone\n    options:\n      show_source: true\n\n"
        "::: pkg.Kept\n\n"
        "## ::: pkg.Also\n"
    )
    note = absent_note("pkg.Gone", "Pkg", "1.0.0", "1.2.0")
    assert note == (
        '<div class="admonition note refsite-absent">\n'
        '<p class="admonition-title">Not in Pkg 1.0.0</p>\n'
        "<p><code>pkg.Gone</code> was added in a later release: the oldest documented release "
        "that has it is Pkg 1.2.0.</p>\n</div>\n\n"
    )
    out = replace_absent(page, {"pkg.Gone": note, "pkg.Also": "ALSO\n"})
    assert out == "# Title\n\nIntro.\n\n" + note + "\n::: pkg.Kept\n\nALSO\n"
    assert absent_note("pkg.Gone", "Pkg", "1.0.0", None).endswith(
        "<p><code>pkg.Gone</code> is not part of this release.</p>\n</div>\n\n"
    )


def test_prune_tree_drops_hidden_pages_and_absent_anchors() -> None:
    tree = parse_tree(
        "upstream_root: https://example.org/\n"
        "tree:\n"
        "  - label: API\n"
        "    url: /api/\n"
        "    children:\n"
        "      - {label: API, url: /api/}\n"
        "      - {label: A, url: /api/a/, anchors: [p.A, p.B]}\n"
        "      - label: C\n"
        "        url: /api/c/\n"
        "        anchors: [p.C]\n"
        "        toc:\n"
        "          - {label: C, anchor: p.C, children: [{label: x, anchor: p.C.x}]}\n"
    )
    pruned = prune_tree(tree, absent={"p.B", "p.C"}, hidden={"/api/c/"})
    assert [e.url for e in pruned.walk()] == ["/api/", "/api/", "/api/a/"]
    assert [e.anchors for e in pruned.walk()][2] == ("p.A",)
    unchanged = prune_tree(tree, absent=set(), hidden=set())
    assert unchanged == tree


def test_messages_name_refsite_s_command_and_this_repository_s_script_only_here(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    (site / "requirements").mkdir(parents=True)
    (site / "mkdocs.yml").write_text("site_name: s\n")
    lock = site / "requirements" / "releases.lock.json"
    assert command_text(site, "refsite lock-releases") == "refsite lock-releases"
    with pytest.raises(LockError, match=r"create it with refsite lock-releases$"):
        load_lock(lock)
    # A site with this repository's scripts: the script, then the command it runs.
    (site / "scripts").mkdir()
    (site / "scripts" / "lock").write_text("#!/bin/sh\n")
    assert command_text(lock, "refsite upgrade") == "scripts/lock --upgrade (refsite upgrade)"
    with pytest.raises(LockError, match=r"create it with scripts/lock \(refsite lock-releases\)$"):
        load_lock(lock)
    assert command_text(ROOT, "refsite history") == "scripts/lock (refsite history)"
    # Outside any site, or a command no script runs: the command alone.
    assert command_text(tmp_path, "refsite history") == "refsite history"
    assert command_text(None, "refsite history") == "refsite history"
    assert command_text(site, "refsite init") == "refsite init"
