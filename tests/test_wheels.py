"""Exact wheels: listed, downloaded and unpacked through pip, never installed."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest

from refsite.registry.wheels import (
    NoRelease,
    WheelError,
    available_versions,
    download,
    find_wheel,
    no_release,
    offered_versions,
    pip_reason,
    unpack,
)


def make_wheel(
    folder: Path,
    name: str,
    version: str,
    files: dict[str, str],
    requires: tuple[str, ...] = (),
    headers: tuple[str, ...] = (),
) -> Path:
    """Write a minimal valid wheel of ``name`` ``version`` holding ``files``.

    ``headers`` are more metadata lines, e.g. ``"Project-URL: Source, https://..."``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    dist = f"{name.replace('-', '_')}-{version}"
    path = folder / f"{dist}-py3-none-any.whl"
    metadata = "".join(
        [
            "Metadata-Version: 2.1\n",
            f"Name: {name}\n",
            f"Version: {version}\n",
            *(f"Requires-Dist: {r}\n" for r in requires),
            *(f"{h}\n" for h in headers),
        ]
    )
    contents = {
        **files,
        f"{dist}.dist-info/METADATA": metadata,
        f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for member, text in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{member},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{dist}.dist-info/RECORD,,")
    contents[f"{dist}.dist-info/RECORD"] = "\n".join(record) + "\n"
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in contents.items():
            # A fixed date: the same inputs make the same file, hence the same hash.
            archive.writestr(zipfile.ZipInfo(member, (2024, 1, 1, 0, 0, 0)), text)
    return path


@pytest.fixture
def local_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of wheels that pip reads instead of any package index."""
    folder = tmp_path / "index"
    folder.mkdir()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    return folder


def test_available_versions_lists_final_releases_oldest_first(local_index: Path) -> None:
    for version in ["1.10.0", "1.2.0", "1.9.1", "2.0.0rc1"]:
        make_wheel(local_index, "tinypkg", version, {"tinypkg/__init__.py": ""})
    assert available_versions("tinypkg") == ["1.2.0", "1.9.1", "1.10.0"]


def test_available_versions_of_an_unknown_project_is_one_clear_error(local_index: Path) -> None:
    with pytest.raises(WheelError, match=r"^cannot list the releases of 'nosuchpkg': ") as info:
        available_versions("nosuchpkg")
    assert "\n" not in str(info.value)


def test_download_fetches_the_exact_release_and_names_it(local_index: Path, tmp_path: Path) -> None:
    make_wheel(local_index, "tiny-pkg", "1.0.0", {"tiny_pkg/__init__.py": "A = 1\n"})
    make_wheel(local_index, "tiny-pkg", "1.1.0", {"tiny_pkg/__init__.py": "A = 2\n"})
    dest = tmp_path / "wheels"
    wheel = download("Tiny_Pkg", "1.0.0", dest)
    assert (wheel.name, wheel.version) == ("tiny-pkg", "1.0.0")
    assert wheel.path.parent == dest
    assert wheel.filename == wheel.path.name == "tiny_pkg-1.0.0-py3-none-any.whl"
    assert wheel.sha256 == hashlib.sha256((local_index / wheel.filename).read_bytes()).hexdigest()
    assert [p.name for p in dest.iterdir()] == [wheel.filename]


def test_download_reuses_the_file_already_in_dest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "wheels"
    path = make_wheel(dest, "tinypkg", "3.0", {"tinypkg/__init__.py": ""})
    # No index at all: only the file in dest can satisfy the request.
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "nowhere"))
    wheel = download("tinypkg", "3.0.0", dest)
    assert wheel.path == path
    assert find_wheel("tinypkg", "3", dest) == wheel
    assert find_wheel("tinypkg", "3.1", dest) is None


def test_download_of_a_missing_release_is_one_line_naming_the_newest(
    local_index: Path, tmp_path: Path
) -> None:
    for version in ["1.0.0", "1.10.0", "1.9.0", "2.0.0rc1"]:
        make_wheel(local_index, "tinypkg", version, {"tinypkg/__init__.py": ""})
    with pytest.raises(NoRelease) as info:
        download("tinypkg", "9.9.9", tmp_path / "wheels")
    # Not pip's list of every release: the newest final one.
    assert str(info.value) == "no release 9.9.9 of tinypkg on the index; the newest is 1.10.0"
    with pytest.raises(NoRelease) as info:
        download("nosuchpkg", "1.0", tmp_path / "wheels")
    assert str(info.value) == (
        "no release 1.0 of nosuchpkg on the index, nor any other: is the name right?"
    )


PIP_NOT_FOUND = (
    "WARNING: Location 'x' is ignored: it is either a non-existing path or lacks a specific scheme.\n"
    "ERROR: Could not find a version that satisfies the requirement fastapi==0.999.0 "
    "(from versions: 0.1.0, 0.1.2, 0.165.0, 0.166.0b1)\n"
    "ERROR: No matching distribution found for fastapi==0.999.0\n"
)


@pytest.mark.parametrize(
    ("stderr", "reason"),
    [
        (PIP_NOT_FOUND, "no release matching fastapi==0.999.0 on the index; the newest is 0.165.0"),
        (
            "ERROR: Could not find a version that satisfies the requirement x>9 (from versions: none)",
            "no release matching x>9 on the index, nor any release of it",
        ),
        (
            "WARNING: slow\nERROR: No matching distribution found for y\n",
            "No matching distribution found for y",
        ),
        ("something broke\nat the end\n", "at the end"),
        ("", "pip exited with 3"),
    ],
)
def test_pip_reason_is_one_line(stderr: str, reason: str) -> None:
    assert pip_reason(stderr, 3) == reason


def test_offered_versions_and_no_release() -> None:
    assert offered_versions(PIP_NOT_FOUND) == ["0.1.0", "0.1.2", "0.165.0", "0.166.0b1"]
    assert offered_versions("ERROR: No matching distribution found for y") is None
    assert no_release("fastapi", "0.999.0", ["0.1.0", "0.165.0", "0.166.0b1"]) == (
        "no release 0.999.0 of fastapi on the index; the newest is 0.165.0"
    )


def test_unpack_is_atomic_idempotent_and_keyed_by_hash(local_index: Path, tmp_path: Path) -> None:
    make_wheel(
        local_index,
        "tinypkg",
        "1.0.0",
        {"tinypkg/__init__.py": "A = 1\n", "tinypkg/sub.py": "B = 2\n"},
    )
    wheel = download("tinypkg", "1.0.0", tmp_path / "wheels")
    root = tmp_path / "unpacked"
    folder = unpack(wheel, root)
    assert folder == root / wheel.sha256[:16]
    assert (folder / "tinypkg" / "sub.py").read_text() == "B = 2\n"
    assert "Version: 1.0.0" in (folder / "tinypkg-1.0.0.dist-info" / "METADATA").read_text()
    # A second call returns the same folder without unzipping again.
    (folder / "tinypkg" / "marker").write_text("kept")
    assert unpack(wheel, root) == folder
    assert (folder / "tinypkg" / "marker").read_text() == "kept"
    assert sorted(p.name for p in root.iterdir()) == [folder.name]


def test_unpack_of_a_broken_file_leaves_nothing_behind(tmp_path: Path) -> None:
    dest = tmp_path / "wheels"
    path = make_wheel(dest, "tinypkg", "1.0.0", {"tinypkg/__init__.py": ""})
    path.write_bytes(b"not a zip file")
    wheel = find_wheel("tinypkg", "1.0.0", dest)
    assert wheel is not None
    root = tmp_path / "unpacked"
    with pytest.raises(WheelError, match=r"^cannot unpack .*tinypkg-1\.0\.0-py3-none-any\.whl: "):
        unpack(wheel, root)
    assert list(root.iterdir()) == []


def test_download_from_the_package_index(tmp_path: Path) -> None:
    """One real download, through the configured index, of a small wheel."""
    wheel = download("annotated-doc", "0.0.4", tmp_path)
    assert wheel.filename == "annotated_doc-0.0.4-py3-none-any.whl"
    assert wheel.sha256 == hashlib.sha256(wheel.path.read_bytes()).hexdigest()
    unpacked = unpack(wheel, tmp_path / "unpacked")
    assert (unpacked / "annotated_doc" / "__init__.py").is_file()
