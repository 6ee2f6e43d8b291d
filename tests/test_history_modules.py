"""Modules, and what a re-exported module holds, are in the history and dated like objects."""

from __future__ import annotations

import pytest

from refsite.history.badges import add_badges, marks_for
from refsite.history.changes import compare
from refsite.history.model import History, HistoryError, ReleaseRead, history_from_data
from refsite.history.since import since
from refsite.history.snapshot import Snapshot, read_snapshot

# pkg re-exports other.status (as FastAPI does Starlette's); other 2.0 adds a
# constant and moves one to a ``__deprecated__`` dict its ``__getattr__`` serves
# (as Starlette did); pkg 2.0 adds a submodule.
RELEASES = {
    "1.0": {
        "pkg/__init__.py": "from other import status as status\nfrom pkg import sub as sub\n",
        "pkg/sub.py": "class Thing: ...\n",
        "other/__init__.py": "",
        "other/status.py": '__all__ = ["OK_200", "LARGE_413"]\nOK_200 = 200\nLARGE_413 = 413\n',
    },
    "2.0": {
        "pkg/__init__.py": "from other import status as status\nfrom pkg import sub as sub\n",
        "pkg/sub.py": "class Thing: ...\n",
        "pkg/extra/__init__.py": "",
        "pkg/extra/more.py": "def helper() -> None: ...\n",
        "other/__init__.py": "",
        "other/status.py": (
            '__all__ = ["OK_200", "TEAPOT_418", "TOO_LARGE_413"]\n'
            "OK_200 = 200\nTEAPOT_418 = 418\nTOO_LARGE_413 = 413\n"
            '__deprecated__ = {"LARGE_413": 413}\n'
            "def __getattr__(name: str) -> int: ...\n"
        ),
    },
}


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    root = tmp_path_factory.mktemp("modules")
    snapshots: list[Snapshot] = []
    for version, files in RELEASES.items():
        for name, text in files.items():
            path = root / version / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        snapshots.append(read_snapshot(["pkg"], preload=["other"], search_paths=[root / version]))
    return History("pkg", [ReleaseRead(v) for v in RELEASES], snapshots)


def test_public_modules_and_a_reexported_modules_members_are_recorded(history: History) -> None:
    old, new = history.snapshots
    modules = {k: r["path"] for k, r in new.items() if r["kind"] == "module"}
    assert modules == {
        "pkg": "pkg",
        "pkg.sub": "pkg.sub",
        "pkg.extra": "pkg.extra",
        "pkg.extra.more": "pkg.extra.more",
        "pkg.status": "other.status",
    }
    assert new["pkg.status.TEAPOT_418"] == {"kind": "attribute", "path": "other.status.TEAPOT_418"}
    # Served by the module's __getattr__, with a warning: still there, deprecated.
    assert new["pkg.status.LARGE_413"]["deprecated"] == ""
    assert "deprecated" not in old["pkg.status.LARGE_413"]
    # Not public objects as coverage counts them: no import names.
    assert not [k for k, r in new.items() if r["kind"] in {"module", "attribute"} and "names" in r]


def test_modules_and_constants_are_dated_and_badged(history: History) -> None:
    found = since(history)
    assert found.added["pkg.status"] == "1.0"
    assert found.added["pkg.status.OK_200"] == "1.0"
    assert found.added["pkg.status.TEAPOT_418"] == "2.0"
    assert found.added["pkg.extra.more"] == "2.0"
    assert found.deprecated["pkg.status.LARGE_413"] == "2.0"
    marks = marks_for(found, history.snapshots[-1])
    page = "".join(
        f'<h2 id="{i}" class="doc doc-heading"><span class="doc doc-object-name">{i}</span></h2>'
        for i in ("pkg.status", "pkg.status.TEAPOT_418", "pkg.sub")
    )
    badged = add_badges(page, marks)
    assert badged.count("Added in 1.0 or earlier") == 2
    assert badged.count("Added in 2.0") == 1
    assert badged.index("Added in 2.0") > badged.index('id="pkg.status.TEAPOT_418"')


def test_a_new_module_and_constant_are_one_entry_each(history: History) -> None:
    changes = {(c.kind, c.key) for c in compare(*history.snapshots)}
    # pkg.extra.more and pkg.extra.more.helper come with pkg.extra; helper
    # is a public object of its own, listed as it was before modules were.
    assert changes == {
        ("added", "pkg.extra"),
        ("added", "pkg.extra.more.helper"),
        ("added", "pkg.status.TEAPOT_418"),
        ("added", "pkg.status.TOO_LARGE_413"),
        ("deprecated", "pkg.status.LARGE_413"),
    }


def test_a_version_1_history_file_is_refused_with_what_to_do() -> None:
    # Read beside releases read now, it would seem to add every module at once.
    with pytest.raises(HistoryError, match="refsite-api-history/1 file, without modules"):
        history_from_data({"format": "refsite-api-history/1"}, source="h.json")
