"""A history read from a real-world index: sdists, broken and yanked releases, resuming.

A find-links folder (which pip reads instead of any index) holds tinypkg
1.0 (a wheel), 1.1 (an sdist only, src layout), 1.2 (an sdist without the
package) and 1.3 (a wheel, the newest). What an index says beyond pip's
list (yanked releases, where a file lies and its hash) is read from its
simple API page, JSON or HTML, here handed in as bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from refsite.cli.main import main
from refsite.history.model import load_history
from refsite.history.read import Step, read_history
from refsite.registry.index import IndexFile, Sources, project_files, yanked_versions
from refsite.registry.metadata import wheel_metadata
from refsite.registry.wheels import WheelError, download_sdist, package_root, unpack
from test_wheels import make_wheel

MKDOCS_YML = """\
site_name: tiny
plugins:
  - refsite:
      cache_dir: .cache/refsite
      coverage:
        packages: [tinypkg]
      history:
        file: api-history.json
        since: "1.0"
"""


def make_sdist(
    folder: Path, name: str, version: str, files: dict[str, str], *, zipped: bool = False
) -> Path:
    """Write an sdist of ``name`` ``version``: ``files`` under its one top folder, with PKG-INFO."""
    folder.mkdir(parents=True, exist_ok=True)
    top = f"{name}-{version}"
    contents = {
        **files,
        "PKG-INFO": f"Metadata-Version: 1.1\nName: {name}\nVersion: {version}\n",
        "setup.py": "raise SystemExit('an sdist is read, never built')\n",
    }
    path = folder / f"{top}.{'zip' if zipped else 'tar.gz'}"
    if zipped:
        with zipfile.ZipFile(path, "w") as archive:
            for member, text in contents.items():
                archive.writestr(f"{top}/{member}", text)
        return path
    with tarfile.open(path, "w:gz") as archive:
        for member, text in contents.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{member}")
            info.size, info.mtime = len(data), 1700000000
            archive.addfile(info, io.BytesIO(data))
    return path


def source(version: str) -> str:
    # Each release adds one function: the history dates each.
    names = {"1.0": ["hello"], "1.1": ["hello", "wave"], "1.3": ["hello", "wave", "bow"]}[version]
    return "".join(f"def {n}(name: str) -> str:\n    return name\n\n\n" for n in names)


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "index"
    make_wheel(folder, "tinypkg", "1.0", {"tinypkg/__init__.py": source("1.0")})
    make_sdist(folder, "tinypkg", "1.1", {"src/tinypkg/__init__.py": source("1.1")})
    make_sdist(folder, "tinypkg", "1.2", {"README": "the package was left out\n"})
    make_wheel(folder, "tinypkg", "1.3", {"tinypkg/__init__.py": source("1.3")})
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    return folder


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site of tinypkg; the command runs from elsewhere, where an api-history.json lies."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "api-history.json").write_text("another site's\n", encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    return root


def history(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["--config", str(project / "mkdocs.yml"), "history", "--until", "1.3", *args])
    return code, capsys.readouterr().err.splitlines()


def test_a_release_without_a_wheel_is_read_from_its_sdist_and_a_broken_one_skipped(
    index: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = history(project, capsys)
    assert code == 0, lines
    assert lines[0] == "history: 4 releases of tinypkg, 1.0 to 1.3"
    # One line per release with its time; the sdist and the skip say so.
    assert lines[1].startswith("history: 1/4 tinypkg 1.0 (")
    assert lines[1].endswith(" s)")
    assert lines[2].startswith("history: 2/4 tinypkg 1.1 (")
    assert lines[2].endswith(" s, from its sdist)")
    assert lines[3].startswith("history: 3/4 tinypkg 1.2 skipped (")
    assert lines[3].endswith(
        " s): no wheel; the sdist holds no tinypkg under src/ or at its top level"
    )
    assert lines[5].startswith("history: 3 of 4 releases read in ")
    assert lines[5].endswith(" s (1 skipped: 1.2), written to " + str(project / "api-history.json"))
    assert len(lines) == 6
    assert (project.parent / "elsewhere/api-history.json").read_text() == "another site's\n"
    read = load_history(project / "api-history.json")
    assert read.versions() == ["1.0", "1.1", "1.3"]
    assert list(read.skipped) == ["1.2"]
    assert "tinypkg.wave" in read.snapshot("1.1")
    assert "tinypkg.wave" not in read.snapshot("1.0")
    assert "1.1 from its sdist" in read.notes
    # The sdist's hash is what the history records as read.
    sdist = (index / "tinypkg-1.1.tar.gz").read_bytes()
    assert read.releases[1].sources == (("tinypkg", "1.1", hashlib.sha256(sdist).hexdigest()),)


def test_a_failed_newest_release_writes_nothing_and_a_rerun_reads_nothing_again(
    index: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    newest = index / "tinypkg-1.3-py3-none-any.whl"
    newest.unlink()
    make_wheel(index, "tinypkg", "1.3", {"other/__init__.py": ""})
    code, lines = history(project, capsys)
    assert code == 1, lines
    assert lines[-1].startswith("history: 2 of 4 releases read in ")
    assert "(2 skipped: 1.2, 1.3); not written: the newest, 1.3, could not be read (" in lines[-1]
    assert lines[-1].endswith(
        f"What was read is kept in {project / '.cache/refsite/history'}: "
        "run refsite history again to read only what is missing"
    )
    assert not (project / "api-history.json").exists()
    # What was read is not read again.
    code, lines = history(project, capsys, "--until", "1.1")
    assert code == 0, lines
    assert lines[1].endswith(", cached)")
    assert lines[2].endswith(", cached, from its sdist)")
    assert load_history(project / "api-history.json").versions() == ["1.0", "1.1"]


def test_a_yanked_release_is_skipped_unread(index: Path, tmp_path: Path) -> None:
    yanked = IndexFile("tinypkg-1.1.tar.gz", "1.1", "", yanked="broke the hello")
    steps: list[Step] = []
    read = read_history(
        "tinypkg",
        ["1.0", "1.1", "1.3"],
        cache=tmp_path / "cache",
        progress=steps.append,
        files=lambda name: [yanked],
    )
    assert read.versions() == ["1.0", "1.3"]
    assert read.skipped == {"1.1": "yanked: broke the hello"}
    assert steps[1].text("tinypkg") == "2/3 tinypkg 1.1 skipped (0.0 s): yanked: broke the hello"
    assert not (tmp_path / "cache/wheels/tinypkg-1.1.tar.gz").exists()


JSON_PAGE = {
    "files": [
        {
            "filename": "tinypkg-1.1.tar.gz",
            "url": "../../files/tinypkg-1.1.tar.gz",
            "hashes": {"sha256": "ab" * 32},
            "upload-time": "2026-01-02T00:00:00Z",
        },
        {"filename": "tinypkg-1.2-py3-none-any.whl", "url": "x.whl", "yanked": True},
        {"filename": "tinypkg-1.2.tar.gz", "url": "x.tar.gz", "yanked": "broken"},
        {"filename": "tinypkg-1.3.tar.gz", "url": "y.tar.gz", "yanked": "half"},
        {"filename": "tinypkg-1.3-py3-none-any.whl", "url": "y.whl", "yanked": False},
        {"filename": "otherpkg-9.0.tar.gz", "url": "z.tar.gz"},
    ]
}
HTML_PAGE = """<!DOCTYPE html><html><body>
<a href="/files/tinypkg-1.1.tar.gz#sha256=abab">tinypkg-1.1.tar.gz</a>
<a href="x.whl" data-yanked>tinypkg-1.2-py3-none-any.whl</a>
<a href="x.tar.gz" data-yanked="broken &amp; gone">tinypkg-1.2.tar.gz</a>
<a href="y.whl">tinypkg-1.3-py3-none-any.whl</a>
</body></html>"""


@pytest.mark.parametrize("page", [json.dumps(JSON_PAGE).encode(), HTML_PAGE.encode()])
def test_the_index_page_says_which_releases_are_yanked_and_where_each_file_lies(
    page: bytes,
) -> None:
    files = project_files(
        "TinyPkg", Sources([], ["https://index.example/simple/"]), fetch=lambda url: page
    )
    assert {f.version for f in files} == {"1.1", "1.2", "1.3"}  # not otherpkg's
    sdist = files[0]
    assert sdist.url == "https://index.example/files/tinypkg-1.1.tar.gz"
    assert sdist.is_sdist
    assert sdist.yanked is None
    assert sdist.sha256 in ("ab" * 32, "abab")
    reason = "broken" if page.startswith(b"{") else "broken & gone"
    # 1.3 keeps a file that is not yanked: pip still offers it.
    assert yanked_versions(files) == {"1.2": reason}


def test_an_sdist_is_checked_against_the_index_s_hash_and_unpacked_safely(
    tmp_path: Path,
) -> None:
    links = tmp_path / "links"
    path = make_sdist(links, "tinypkg", "1.1", {"tinypkg/__init__.py": "X = 1\n"}, zipped=True)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    wrong = IndexFile(path.name, "1.1", str(path), sha256="0" * 64)
    with pytest.raises(WheelError, match="differs from the index's 0000"):
        download_sdist("tinypkg", "1.1", tmp_path / "dest", [wrong])
    assert not list((tmp_path / "dest").iterdir())
    with pytest.raises(WheelError, match=r"^no wheel and no sdist of tinypkg 1\.0 on the index$"):
        download_sdist("tinypkg", "1.0", tmp_path / "dest", [wrong])
    right = IndexFile(path.name, "1.1", str(path), sha256=digest)
    sdist = download_sdist("tinypkg", "1.1", tmp_path / "dest", [right])
    assert (sdist.sha256, sdist.is_sdist) == (digest, True)
    assert "Name: tinypkg" in wheel_metadata(sdist)
    folder = unpack(sdist, tmp_path / "unpacked")
    assert folder.name == "tinypkg-1.1"
    assert package_root(folder, "tinypkg") == folder
    # Taken from the folder the next time: the index is not asked.
    assert download_sdist("tinypkg", "1.1", tmp_path / "dest", []) == sdist
    # A member that would land outside the folder is not unpacked.
    evil = tmp_path / "evil" / "tinypkg-6.6.tar.gz"
    evil.parent.mkdir()
    with tarfile.open(evil, "w:gz") as archive:
        for name in ("tinypkg-6.6/src/tinypkg/__init__.py", "../outside.py"):
            info = tarfile.TarInfo(name)
            archive.addfile(info, io.BytesIO(b""))
    bad = download_sdist(
        "tinypkg", "6.6", tmp_path / "dest", [IndexFile(evil.name, "6.6", str(evil))]
    )
    folder = unpack(bad, tmp_path / "unpacked")
    assert package_root(folder, "tinypkg") == folder / "src"
    assert not (tmp_path / "outside.py").exists()
    assert not (tmp_path / "unpacked" / "outside.py").exists()
