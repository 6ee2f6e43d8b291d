"""Following the documented package's releases: check, upgrade, pull request body.

A local package index (a find-links folder of wheels written here) holds a
tiny package at 1.0 and 1.1; a project documents both, with its four files
(pyproject pin, lock.txt, releases lock, API history) made by refsite itself.
Then 1.2 appears, or 1.0 goes away.
"""

from __future__ import annotations

import json
import os
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pytest

from refsite.cli.main import main
from refsite.history import read as history_read
from refsite.history.changes import changes_page, format_markdown, history_changes
from refsite.history.model import dump_history, load_history
from refsite.history.read import read_history
from refsite.registry.index import Sources, upload_times
from refsite.releases import upgrade as upgrade_module
from refsite.releases.assemble import versions_json
from refsite.releases.lock import (
    Lock,
    LockError,
    Pinned,
    Release,
    Selection,
    load_lock,
    resolve,
    select_versions,
    write_lock,
)
from refsite.releases.options import add_to_select
from refsite.releases.requirements import RequirementsError, relock, repin
from refsite.releases.upgrade import Files, check_line, plan_upgrade, upgrade
from test_wheels import make_wheel

SOURCES = {
    "1.0": "def hello(name: str) -> str:\n    return name\n\n\ndef old() -> None: ...\n",
    "1.1": "def hello(name: str, loud: bool = False) -> str:\n    return name\n\n\ndef old() -> None: ...\n",
    # 1.2 removes old() (breaking) and adds wave().
    "1.2": "def hello(name: str, loud: bool = False) -> str:\n    return name\n\n\ndef wave() -> None: ...\n",
}

MKDOCS_YML = """\
site_name: tiny
plugins:
  - refsite:
      cache_dir: .cache/refsite
      releases:
        package: tinypkg
        label: Tiny
        dependencies: [tinydep]
        select: 10
        since: "1.0"
        lock: requirements/releases.lock.json
        wheels_dir: .cache/wheels
      history:
        file: api-history.json
"""

PYPROJECT = """\
[project]
name = "tinysite"
version = "0"
dependencies = []

[project.optional-dependencies]
# The release the site documents.
site = ["tinypkg==1.1"]
dev = []
"""


def publish(index: Path, version: str) -> Path:
    files = {"tinypkg/__init__.py": SOURCES[version]}
    return make_wheel(index, "tinypkg", version, files, ("tinydep>=1.0",))


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder pip reads instead of any package index, holding tinypkg 1.0 and 1.1."""
    folder = tmp_path / "index"
    make_wheel(folder, "tinydep", "1.0", {"tinydep/__init__.py": ""})
    for version in ("1.0", "1.1"):
        publish(folder, version)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    return folder


@pytest.fixture
def project(tmp_path: Path, index: Path) -> Path:
    """A site documenting tinypkg 1.0 and 1.1, its four files agreeing."""
    root = tmp_path / "project"
    (root / "requirements").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "requirements" / "lock.txt").write_text(
        "# Exact versions.\ntinydep==1.0\ntinypkg==1.1\n", encoding="utf-8"
    )
    selection = Selection("tinypkg", ("tinydep",), select=10, since="1.0", newest="1.1")
    lock = resolve(selection, root / ".cache/wheels/files")
    write_lock(lock, root / "requirements/releases.lock.json")
    history = read_history("tinypkg", ["1.0", "1.1"], cache=root / ".cache/refsite/history")
    (root / "api-history.json").write_text(dump_history(history), encoding="utf-8")
    return root


def files_of(root: Path) -> Files:
    return Files(
        pyproject=root / "pyproject.toml",
        requirements=root / "requirements/lock.txt",
        lock=root / "requirements/releases.lock.json",
        history=root / "api-history.json",
    )


def contents(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in files_of(root).all()}


def refsite(root: Path, *args: str) -> int:
    return main(["--config", str(root / "mkdocs.yml"), *args])


def _lock(*versions: str) -> Lock:
    releases = tuple(
        Release(v, (Pinned("tinypkg", v, f"tinypkg-{v}-py3-none-any.whl", "0" * 64),))
        for v in versions
    )
    return Lock(Selection("tinypkg", newest=versions[0]), releases)


@pytest.mark.parametrize(
    ("locked", "available", "current", "target", "newer", "gone", "patches"),
    [
        (["1.1", "1.0"], ["1.0", "1.1"], True, "1.1", (), (), ()),
        (
            ["1.1", "1.0"],
            ["1.0", "1.1", "1.2", "1.3", "1.4rc1"],
            False,
            "1.3",
            ("1.2", "1.3"),
            (),
            (),
        ),
        (["1.1", "1.0"], ["1.1"], False, "1.1", (), ("1.0",), ()),
        # The newest locked release itself was pulled: step back to what is left.
        (["1.1", "1.0"], ["1.0"], False, "1.0", (), ("1.1",), ()),
        # A new patch of an older documented minor replaces its release.
        (["1.1", "1.0"], ["1.0", "1.0.1", "1.1"], False, "1.1", (), (), ("1.0.1",)),
    ],
)
def test_plan_compares_the_lock_with_the_index(
    locked: list[str],
    available: list[str],
    current: bool,
    target: str,
    newer: tuple[str, ...],
    gone: tuple[str, ...],
    patches: tuple[str, ...],
) -> None:
    plan = plan_upgrade(_lock(*locked), available)
    assert (plan.is_current, plan.target, plan.newer, plan.gone, plan.patches) == (
        current,
        target,
        newer,
        gone,
        patches,
    )


@pytest.mark.parametrize(
    ("select", "added", "documented"),
    [
        # An explicit list without the new release's minor gains it.
        (("1.0", "1.1"), "1.2", ["1.2.0", "1.1", "1.0"]),
        (("1.0", "1.1", "1.2"), "", ["1.2.0", "1.1", "1.0"]),
        (("1.0", "1.2.0"), "", ["1.2.0", "1.0"]),
        (2, "", ["1.2.0", "1.1"]),
    ],
)
def test_an_explicit_select_list_gains_the_new_release_s_minor(
    select: int | tuple[str, ...], added: str, documented: list[str]
) -> None:
    lock = replace(_lock("1.1", "1.0"), selection=Selection("tinypkg", select=select, newest="1.1"))
    available = ["1.0", "1.1", "1.2.0"]
    plan = plan_upgrade(lock, available)
    assert (plan.target, plan.added) == ("1.2.0", added)
    assert ("(1.2 joins releases.select)" in check_line(plan)) == bool(added)
    chosen = upgrade_module.with_target(lock.selection, plan.target)
    assert select_versions(available, chosen) == documented


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'plugins:\n  - refsite:\n      releases:\n        select: ["1.0", "1.1"]  # two\n'
            "        lock: x.json\n      history:\n        select: [a]\n",
            'plugins:\n  - refsite:\n      releases:\n        select: ["1.0", "1.1", "1.2"]\n'
            "        lock: x.json\n      history:\n        select: [a]\n",
        ),
        (
            "releases:\n  select:\n    - '1.0'\n    - '1.1'\n  lock: x.json\n",
            "releases:\n  select:\n    - '1.0'\n    - '1.1'\n    - \"1.2\"\n  lock: x.json\n",
        ),
        ("releases:\n  select: []\n", 'releases:\n  select: ["1.2"]\n'),
    ],
)
def test_add_to_select_appends_to_the_releases_list(text: str, expected: str) -> None:
    assert add_to_select(text, "1.2") == expected


@pytest.mark.parametrize("text", ["releases:\n  select: 3\n", "history:\n  select: [a]\n"])
def test_add_to_select_without_a_list_names_the_file(text: str) -> None:
    with pytest.raises(LockError, match=r"^site/mkdocs.yml: no releases.select list to add 1.2"):
        add_to_select(text, "1.2", source="site/mkdocs.yml")


def test_cooldown_leaves_out_releases_younger_than_it() -> None:
    now = 1_000_000.0
    uploaded = {"1.2": now - 50 * 3600, "1.3": now - 2 * 3600}
    lock = _lock("1.1", "1.0")
    available = ["1.0", "1.1", "1.2", "1.3"]
    plan = plan_upgrade(lock, available, uploaded=uploaded, min_age_hours=24, now=now)
    assert (plan.target, plan.newer, plan.waiting) == ("1.2", ("1.2",), ("1.3",))
    assert plan_upgrade(lock, available, uploaded=uploaded, now=now).target == "1.3"
    late = plan_upgrade(lock, ["1.0", "1.1", "1.3"], uploaded=uploaded, min_age_hours=24, now=now)
    assert late.is_current
    assert "1.3 not old enough" in check_line(late)


def test_check_says_current_then_names_a_newer_and_a_removed_release(
    project: Path, index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert refsite(project, "upgrade", "--check") == 0
    assert "tinypkg 1.1 is the newest release on the index" in capsys.readouterr().out

    publish(index, "1.2")
    assert refsite(project, "upgrade", "--check") == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["refsite upgrade: tinypkg 1.2 is newer than the locked 1.1: run refsite upgrade"]

    (index / "tinypkg-1.0-py3-none-any.whl").unlink()
    assert refsite(project, "upgrade", "--check") == 1
    line = capsys.readouterr().out.strip()
    assert "tinypkg 1.2 is newer than the locked 1.1" in line
    assert "tinypkg 1.0 in the lock is no longer on the index" in line


def test_upgrade_adds_the_new_release_reading_only_its_api(
    project: Path, index: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    read: list[list[Path]] = []
    real = history_read.read_snapshot

    def counted(packages: list[str], **options: object) -> object:
        read.append(list(options["search_paths"]))  # type: ignore[call-overload]
        return real(packages, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(history_read, "read_snapshot", counted)
    locked = load_lock(project / "requirements/releases.lock.json").releases
    publish(index, "1.2")
    # A newer dependency: the new release still gets the one the project pins.
    make_wheel(index, "tinydep", "1.1", {"tinydep/__init__.py": ""})
    assert refsite(project, "upgrade") == 0
    err = capsys.readouterr().err
    assert len(read) == 1, "only 1.2 is read; 1.0 and 1.1 come from the history file"
    assert "history: 1/1 tinypkg 1.2" in err
    assert "step 4/4" in err

    pyproject = (project / "pyproject.toml").read_text(encoding="utf-8")
    assert 'site = ["tinypkg==1.2"]' in pyproject
    assert "# The release the site documents." in pyproject
    requirements = (project / "requirements/lock.txt").read_text(encoding="utf-8")
    assert requirements == "# Exact versions.\ntinydep==1.0\ntinypkg==1.2\n"
    lock = load_lock(project / "requirements/releases.lock.json")
    assert [r.version for r in lock.releases] == ["1.2", "1.1", "1.0"]
    assert [(w.name, w.version) for w in lock.releases[0].wheels] == [
        ("tinypkg", "1.2"),
        ("tinydep", "1.0"),
    ]
    assert lock.releases[1:] == locked, "the releases it had keep their wheels"
    assert lock.selection.newest == "1.2"
    history = load_history(project / "api-history.json")
    assert history.versions() == ["1.0", "1.1", "1.2"]
    page = changes_page(history, ids=True)
    section = page.split("## tinypkg 1.2 { #tinypkg-1-2 }", 1)[1].split("## tinypkg 1.1", 1)[0]
    assert "**breaking**: `tinypkg.old`: removed" in section
    assert (
        '- <autoref identifier="tinypkg.wave" optional><code>tinypkg.wave</code></autoref>: added'
        in section
    )

    before = contents(project)
    assert refsite(project, "upgrade") == 0
    assert "already current" in capsys.readouterr().err
    assert contents(project) == before


def test_pr_body_lists_the_changes_page_entries_breaking_first_and_the_checks(
    project: Path, index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    publish(index, "1.2")
    assert refsite(project, "upgrade") == 0
    capsys.readouterr()
    checks = tmp_path / "checks.txt"
    checks.write_text("strict build: passed\nlinks: 0 findings\n", encoding="utf-8")
    assert refsite(project, "upgrade", "--pr-body", "1.1", "1.2", "--checks", str(checks)) == 0
    body = capsys.readouterr().out
    assert body.startswith("Moves the reference from Tiny 1.1 to 1.2")
    entries = [line for line in body.splitlines() if line.startswith("- ")]
    history = load_history(project / "api-history.json")
    newest = history_changes(history)[0]
    assert newest.version == "1.2"
    page_entries = [
        line
        for line in format_markdown([newest], package="tinypkg").splitlines()
        if line.startswith("- ")
    ]
    assert entries[: len(page_entries)] == page_entries
    assert entries[0].startswith("- **breaking**: `tinypkg.old`")
    assert entries[-2:] == ["- strict build: passed", "- links: 0 findings"]
    assert "### tinypkg 1.2" in body
    assert "### tinypkg 1.1" not in body

    assert refsite(project, "upgrade", "--pr-body", "1.2", "1.1") == 2
    assert "not a release after 1.2" in capsys.readouterr().err


@pytest.mark.parametrize("fail_at", ["relock", "third replace"])
def test_an_interrupted_upgrade_leaves_every_file_as_it_was(
    project: Path, index: Path, monkeypatch: pytest.MonkeyPatch, fail_at: str
) -> None:
    publish(index, "1.2")
    before = contents(project)
    lock = load_lock(project / "requirements/releases.lock.json")
    plan = plan_upgrade(lock, ["1.0", "1.1", "1.2"])

    def relock_step(pyproject: str) -> str:
        if fail_at == "relock":
            raise RequirementsError("pip cannot resolve the requirements: simulated")
        return "tinydep==1.0\ntinypkg==1.2\n"

    calls: list[Path] = []

    def replace(source: Path, target: Path) -> None:
        calls.append(target)
        if len(calls) == 3:
            raise OSError("simulated: disk full")
        Path(source).replace(target)

    monkeypatch.setattr(upgrade_module, "_replace", replace)
    with pytest.raises((RequirementsError, OSError), match="simulated"):
        upgrade(
            plan,
            files_of(project),
            lock=lock,
            available=["1.0", "1.1", "1.2"],
            relock=relock_step,
            wheels_dir=project / ".cache/wheels",
            history_cache=project / ".cache/refsite/history",
        )
    assert contents(project) == before
    assert len(calls) == (0 if fail_at == "relock" else 3)
    leftovers = [p.name for p in project.rglob(".*upgrade*")]
    assert leftovers == []


def test_a_removed_release_is_dropped_with_its_selector_entry(
    project: Path, index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (index / "tinypkg-1.0-py3-none-any.whl").unlink()
    assert refsite(project, "upgrade") == 0
    assert "dropping 1.0" in capsys.readouterr().err
    lock = load_lock(project / "requirements/releases.lock.json")
    assert [r.version for r in lock.releases] == ["1.1"]
    assert [v["version"] for v in versions_json(lock.releases)] == ["1.1"]
    assert load_history(project / "api-history.json").versions() == ["1.1"]
    assert refsite(project, "upgrade", "--check") == 0


def test_relock_moves_the_pin_through_a_local_index(index: Path, tmp_path: Path) -> None:
    publish(index, "1.2")
    pyproject = repin(PYPROJECT, "tinypkg", "1.2")
    previous = "# Exact versions.\nother==1.0\ntinypkg==1.1\n"
    text, how = relock(
        pyproject,
        previous,
        extras=["site", "dev"],
        package="tinypkg",
        pip_args=["--no-index", "--find-links", str(index)],
    )
    # other==1.0 is no longer required: only what the project installs stays.
    assert text == "# Exact versions.\ntinydep==1.0\ntinypkg==1.2\n"
    assert how == "other pins kept, tinypkg moved"


def test_a_pyproject_without_an_exact_pin_is_one_message_naming_it(
    project: Path, index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    publish(index, "1.2")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(PYPROJECT.replace("tinypkg==1.1", "tinypkg>=1.1"), encoding="utf-8")
    before = contents(project)
    assert refsite(project, "upgrade") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        f"refsite: error: {pyproject}: the 'site' extra must pin tinypkg exactly once, "
        'as "tinypkg==X.Y.Z"'
    )
    assert contents(project) == before


def test_check_of_a_site_without_releases_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "mkdocs.yml"
    config.write_text(textwrap.dedent("site_name: x\nplugins:\n  - refsite\n"), encoding="utf-8")
    assert main(["--config", str(config), "upgrade", "--check"]) == 2
    assert f"{config}: the refsite plugin declares no 'releases'" in capsys.readouterr().err


def test_the_cooldown_option_waits_for_a_release_to_be_old_enough(
    project: Path, index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project / "mkdocs.yml"
    config.write_text(
        MKDOCS_YML.replace(
            "        select: 10\n", "        select: 10\n        min_age_hours: 24\n"
        ),
        encoding="utf-8",
    )
    wheel = publish(index, "1.2")  # just published: its file is minutes old
    assert refsite(project, "upgrade", "--check") == 0
    assert "1.2 not old enough yet for the cooldown" in capsys.readouterr().out
    two_days_ago = time.time() - 48 * 3600
    os.utime(wheel, (two_days_ago, two_days_ago))
    assert refsite(project, "upgrade", "--check") == 1
    assert "tinypkg 1.2 is newer than the locked 1.1" in capsys.readouterr().out

    config.write_text(MKDOCS_YML.replace("select: 10\n", "select: 10\n        min_age_hours: -1\n"))
    assert refsite(project, "upgrade", "--check") == 2
    assert "'min_age_hours': -1 is not a number of hours, 0 or more" in capsys.readouterr().err


def test_upload_times_come_from_the_index_json_and_find_links_folders(tmp_path: Path) -> None:
    folder = tmp_path / "links"
    wheel = publish(folder, "1.0")
    os.utime(wheel, (1000.0, 1000.0))
    (folder / "notes.txt").write_text("not a distribution", encoding="utf-8")
    page = {
        "files": [
            {"filename": "tinypkg-1.1.tar.gz", "upload-time": "2026-01-02T00:00:00.000000Z"},
            {"filename": "tinypkg-1.1-py3-none-any.whl", "upload-time": "2026-01-01T00:00:00Z"},
            {"filename": "otherpkg-9.0-py3-none-any.whl", "upload-time": "2026-01-01T00:00:00Z"},
        ]
    }
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        if "broken" in url:
            raise OSError("no route")
        return json.dumps(page).encode()

    sources = Sources([folder], ["https://index.example/simple/", "https://broken.example/simple"])
    times = upload_times("TinyPkg", sources, fetch=fetch)
    assert times == {"1.0": 1000.0, "1.1": 1767225600.0}
    assert asked[0] == "https://index.example/simple/tinypkg/"
