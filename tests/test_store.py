"""The one store on disk: keys, atomic writes, misses, namespaces and pruning."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from refsite.core.store import (
    MARKER,
    CacheFile,
    NotACacheError,
    Store,
    cache_files,
    claim,
    derive_key,
    is_marked,
    load_pickle,
    prune,
    prune_plan,
    write_atomic,
)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (("ab", "c"), ("a", "bc")),  # parts kept apart
        (("a",), ("a", "")),  # an empty part still counts
        (("a", b"b"), ("a", "c")),
        (("a", "b"), ("b", "a")),
    ],
)
def test_different_parts_give_different_keys(
    one: tuple[str | bytes, ...], other: tuple[str | bytes, ...]
) -> None:
    assert derive_key(*one) != derive_key(*other)


def test_a_key_is_sha256_over_the_parts_separated_by_nul() -> None:
    import hashlib

    assert derive_key("a", b"b", "c") == hashlib.sha256(b"a\0b\0c").hexdigest()
    assert derive_key("a", "b") == derive_key(b"a", b"b")


def test_a_killed_writer_leaves_the_entry_as_it_was(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.save("pages", "k", {"v": 1})
    # What a writer killed before its rename leaves: a temporary file beside the entry.
    (tmp_path / "pages" / "tmpabc123.tmp").write_text('{"v": 2', encoding="utf-8")
    assert store.load("pages", "k") == {"v": 1}
    assert store.load("pages", "tmpabc123") is None


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    write_atomic(tmp_path / "entry.json", b"old")
    with pytest.raises(TypeError):
        write_atomic(tmp_path / "entry.json", "not bytes")  # type: ignore[arg-type]
    # A value that fails half way through pickling.
    store = Store(tmp_path)
    store.save_pickle("modules", "k", ["old"])
    with pytest.raises((pickle.PicklingError, AttributeError)):
        store.save_pickle("modules", "k", ["new", lambda: None])
    assert store.load_pickle("modules", "k") == ["old"]
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["entry.json", "k.pickle"]
    assert (tmp_path / "entry.json").read_bytes() == b"old"


@pytest.mark.parametrize(
    ("suffix", "content"),
    [
        (".json", None),  # missing
        (".json", b'{"half": '),  # torn
        (".json", b"\xff\xfe"),  # not text
        (".pickle", None),
        (".pickle", b"\x80\x05\x95"),
        (".pickle", b"written by other code"),
    ],
)
def test_a_missing_or_torn_entry_is_a_miss(
    tmp_path: Path, suffix: str, content: bytes | None
) -> None:
    store = Store(tmp_path)
    if content is not None:
        file = store.file("ns", "k", suffix)
        file.parent.mkdir(parents=True)
        file.write_bytes(content)
    if suffix == ".json":
        assert store.load("ns", "k") is None
    else:
        assert store.load_pickle("ns", "k") is None


def test_values_round_trip_and_namespaces_keep_apart(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.save("pages", "k", ["page"])
    store.save("objects", "k", {"html": "object"})
    store.save_pickle("modules", "k", ("a", 1, {2}))
    assert store.load("pages", "k") == ["page"]
    assert store.load("objects", "k") == {"html": "object"}
    assert store.load_pickle("modules", "k") == ("a", 1, {2})
    assert store.load("history", "k") is None
    assert store.exists("pages", "k")
    assert not store.exists("history", "k")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*")) == [
        "CACHEDIR.TAG",  # the first save marks the folder as refsite's cache
        "modules/k.pickle",
        "objects/k.json",
        "pages/k.json",
    ]


def test_a_read_marks_the_entry_as_used(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.save("pages", "k", 1)
    store.save_pickle("modules", "k", 2)
    for file in (store.file("pages", "k"), store.file("modules", "k", ".pickle")):
        os.utime(file, (1000, 1000))
    assert store.load("pages", "k") == 1
    assert store.load_pickle("modules", "k") == 2
    assert store.file("pages", "k").stat().st_mtime > 1000
    assert store.file("modules", "k", ".pickle").stat().st_mtime > 1000


def test_write_atomic_gives_the_mode_asked_for(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a" / "lock.json", b"{}\n", mode=0o644)
    assert (tmp_path / "a" / "lock.json").read_bytes() == b"{}\n"
    assert (tmp_path / "a" / "lock.json").stat().st_mode & 0o777 == 0o644
    assert load_pickle(tmp_path / "a" / "lock.json") is None


NOW = 100_000.0


@pytest.mark.parametrize(
    ("files", "max_bytes", "deleted"),
    [
        # Least recently used first, down to the limit.
        ([("a.json", 40, 500), ("b.json", 40, 10), ("c.json", 40, 100)], 90, ["a.json"]),
        ([("a.json", 40, 500), ("b.json", 40, 10), ("c.json", 40, 100)], 40, ["a.json", "c.json"]),
        ([("a.json", 40, 500), ("b.json", 40, 10)], 0, ["a.json", "b.json"]),
        # Within the limit: nothing.
        ([("a.json", 40, 500), ("b.json", 40, 10)], 80, []),
        # A temporary file of a killed writer goes first, whatever the limit;
        # one being written now stays.
        ([("torn.tmp", 5, 7200), ("now.tmp", 5, 1), ("a.json", 40, 500)], 1000, ["torn.tmp"]),
        (
            [("torn.tmp", 5, 7200), ("a.json", 40, 500), ("b.json", 40, 10)],
            40,
            ["torn.tmp", "a.json"],
        ),
    ],
)
def test_prune_removes_the_least_recently_used_down_to_the_limit(
    files: list[tuple[str, int, float]], max_bytes: int, deleted: list[str]
) -> None:
    plan = prune_plan(
        [CacheFile(Path(name), size, NOW - age) for name, size, age in files],
        max_bytes=max_bytes,
        now=NOW,
    )
    assert [f.path.name for f in plan] == deleted


def test_prune_deletes_across_namespaces(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for age, (namespace, name) in enumerate(
        [("pages", "new"), ("history", "mid"), ("objects", "old")]
    ):
        store.save(namespace, name, "x" * 100)
        os.utime(store.file(namespace, name), (NOW - age * 100, NOW - age * 100))
    assert sum(f.size for f in cache_files(tmp_path)) > 250
    deleted = prune(tmp_path, max_bytes=250, now=NOW)
    assert [f.path.name for f in deleted] == ["old.json"]
    assert store.load("pages", "new") is not None
    assert store.load("objects", "old") is None


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize(
    "files",
    [
        {"notes.txt": "notes", "data.csv": "a,b"},  # a user's folder
        {"pages/k.json": "{}", "notes.txt": "notes"},  # refsite's layout, and more
        {"src/pkg/__init__.py": "", "mkdocs.yml": "site_name: x"},  # a project: --cache-dir .
        {"pages": "a file, not a namespace folder"},
    ],
)
def test_prune_refuses_a_folder_without_the_marker_and_leaves_its_files(
    tmp_path: Path, files: dict[str, str]
) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
        os.utime(tmp_path / name, (NOW - 7200, NOW - 7200))
    before = _snapshot(tmp_path)
    with pytest.raises(NotACacheError, match=rf"^{tmp_path}: not a refsite cache folder \(no "):
        prune(tmp_path, max_bytes=0, now=NOW)
    # A store that writes there stores its value, but does not mark the folder.
    Store(tmp_path).save("objects", "new", "x")
    assert not is_marked(tmp_path)
    with pytest.raises(NotACacheError):
        prune(tmp_path, max_bytes=0, now=NOW)
    assert {k: v for k, v in _snapshot(tmp_path).items() if k != "objects/new.json"} == before


def test_a_folder_the_store_creates_is_marked_and_pruned_but_its_marker_kept(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "new" / "cache"
    Store(folder).save("pages", "k", "x" * 100)
    assert is_marked(folder)
    assert (folder / MARKER).read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert [f.path.name for f in cache_files(folder)] == ["k.json"]
    assert [f.path.name for f in prune(folder, max_bytes=0, now=NOW + 1)] == ["k.json"]
    assert (folder / MARKER).is_file()
    assert claim(folder)  # marked: stays refsite's


def test_an_older_refsites_cache_is_adopted_and_an_empty_folder_is_left_alone(
    tmp_path: Path,
) -> None:
    old = tmp_path / "old"
    for name in ["pages/a.json", "objects/b.json", "history/snapshots/c.json"]:
        (old / name).parent.mkdir(parents=True, exist_ok=True)
        (old / name).write_text("{}")
    assert [f.path.name for f in prune(old, max_bytes=0, now=NOW)] != []
    assert is_marked(old)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert prune(empty, max_bytes=0, now=NOW) == []
    assert list(empty.iterdir()) == []  # prune writes no marker where it deletes nothing
    assert prune(tmp_path / "missing", max_bytes=0, now=NOW) == []
    assert not (tmp_path / "missing").exists()
