"""A versioned site built in shards (``--shard I/N``) and put together (``--assemble``).

The shards of the mini fixture's versioned site (test_versions) are built
apart, each with a cold cache of its own as on a runner of its own, then
assembled: the site must be the one build's, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path

import pytest

from conftest import BIN, run
from refsite.releases.lock import Lock, Pinned, Release, Selection
from refsite.releases.shards import Shard, ShardError, parse_shard, shard_releases
from test_versions import Versioned, build_versioned_site

# Each build with a cache folder of its own, as on a runner of its own.
CACHE_DIR = "      cache_dir: !ENV [REFSITE_CACHE_DIR, .cache/refsite]\n"


@pytest.fixture(scope="module")
def versioned(tmp_path_factory: pytest.TempPathFactory) -> Versioned:
    """The versioned mini site, built on one machine."""
    work = tmp_path_factory.mktemp("one")
    cache = {"REFSITE_CACHE_DIR": str(work / "one.cache")}
    built = build_versioned_site(work, options=CACHE_DIR, env=cache)
    # The shards' builds get caches of their own.
    del built.env["REFSITE_CACHE_DIR"]
    return built


def _lock(count: int) -> Lock:
    wheel = Pinned("pkg", "0", "pkg-0-py3-none-any.whl", "0" * 64)
    releases = tuple(Release(f"1.{count - n}.0", (wheel,)) for n in range(count))
    return Lock(Selection("pkg"), releases)


@pytest.mark.parametrize(
    ("count", "total", "sizes"),
    [
        (3, 1, [3]),
        (3, 2, [1, 2]),
        (3, 3, [1, 1, 1]),
        (10, 2, [5, 5]),
        (10, 3, [3, 3, 4]),
        (64, 4, [16, 16, 16, 16]),
        (64, 5, [12, 13, 13, 13, 13]),
    ],
)
def test_shards_are_runs_of_the_releases_the_shorter_first(
    count: int, total: int, sizes: list[int]
) -> None:
    lock = _lock(count)
    shards = [shard_releases(lock, Shard(i, total)) for i in range(1, total + 1)]
    assert [len(s) for s in shards] == sizes
    # Every release once, newest first, the newest in shard 1 (which builds the root).
    assert tuple(r for s in shards for r in s) == lock.releases
    assert shards[0][0] == lock.releases[0]


def test_more_shards_than_releases_says_how_many_at_most() -> None:
    with pytest.raises(ShardError) as error:
        shard_releases(_lock(3), Shard(1, 4))
    assert str(error.value) == "--shard 1/4: the lock has 3 release(s); give at most 3 shards"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3/2", "--shard 3/2: there are 2 shard(s); give I from 1 to 2"),
        ("0/2", "--shard 0/2: there are 2 shard(s); give I from 1 to 2"),
        ("2", "--shard 2: give I/N, shard I of N (e.g. --shard 1/2)"),
        ("a/b", "--shard a/b: give I/N, shard I of N (e.g. --shard 1/2)"),
    ],
)
def test_a_bad_shard_says_what_to_give(text: str, message: str) -> None:
    with pytest.raises(ShardError) as error:
        parse_shard(text)
    assert str(error.value) == message
    assert parse_shard("2/3") == Shard(2, 3)


def _files(site: Path) -> dict[str, str]:
    return {
        str(p.relative_to(site)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def _shard(versioned: Versioned, shard: str, folder: Path) -> str:
    """Build ``shard`` into ``folder`` with a cache of its own, as on another runner."""
    env = {**versioned.env, "REFSITE_CACHE_DIR": str(folder.with_name(f"{folder.name}.cache"))}
    built = run(
        BIN / "refsite", "build", "--versions", "--shard", shard, "-d", folder,
        cwd=versioned.project, env=env,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout
    assert Path(env["REFSITE_CACHE_DIR"]).is_dir()  # the cache was its own, cold
    return built.stdout


@pytest.fixture(scope="module")
def shards(versioned: Versioned, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    work = tmp_path_factory.mktemp("shards")
    folders = [work / "shard-1", work / "shard-2"]
    first = _shard(versioned, "1/2", folders[0])
    second = _shard(versioned, "2/2", folders[1])
    # One line per build: shard 1 holds the newest release and the root.
    assert "refsite: building 1/2: 2.0 (2.0.0)" in first.splitlines()
    assert "refsite: building 2/2: root (2.0.0)" in first.splitlines()
    assert first.splitlines()[-1].startswith(
        f"refsite: {folders[0]}: shard 1/2: 1 release(s) and the root built in "
    )
    assert "refsite: building 1/2: 1.1 (1.1.0)" in second.splitlines()
    assert "root (2.0.0)" not in second
    return folders


def test_two_shards_assembled_are_the_one_build_byte_for_byte(
    versioned: Versioned, shards: list[Path], tmp_path: Path
) -> None:
    assert sorted(p.name for p in shards[0].iterdir()) == ["2.0", "root", "shard.json"]
    assert sorted(p.name for p in shards[1].iterdir()) == ["1.0", "1.1", "shard.json"]
    site = tmp_path / "site"
    assembled = run(
        BIN / "refsite", "build", "--versions", "--assemble", *shards, "-d", site,
        cwd=versioned.project, env=versioned.env,
    )  # fmt: skip
    assert assembled.returncode == 0, assembled.stdout
    lines = assembled.stdout.splitlines()
    assert f"refsite: 1/4 root (2.0.0): from {shards[0] / 'root'}" in lines
    assert f"refsite: 4/4 1.0 (1.0.0): from {shards[1] / '1.0'}" in lines
    assert lines[-1].startswith(
        f"refsite: {site}: 3 release(s) and the root assembled from 2 shard folder(s) in "
    )
    one, two = _files(versioned.site), _files(site)
    assert sorted(one) == sorted(two)
    assert len(one) > 40
    assert [name for name in one if one[name] != two[name]] == []
    # The input keys beside the site too: a build on one machine keeps every folder.
    stamps = ".refsite-versions.json"
    assert json.loads((tmp_path / f"site{stamps}").read_text()) == json.loads(
        (versioned.project / f"site{stamps}").read_text()
    )
    # The shards are left as they were.
    assert (shards[1] / "1.0" / "index.html").is_file()
    again = run(
        BIN / "refsite", "build", "--versions", "-d", site,
        cwd=versioned.project, env=versioned.env,
    )  # fmt: skip
    assert again.returncode == 0, again.stdout
    assert again.stdout.count("unchanged, kept") == 4, again.stdout
    assert _files(site) == one


def _assemble(versioned: Versioned, *folders: Path, site: Path) -> str:
    result = run(
        BIN / "refsite", "build", "--versions", "--assemble", *folders, "-d", site,
        cwd=versioned.project, env=versioned.env,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout
    assert not site.exists()
    assert len(result.stdout.strip().splitlines()) == 1, result.stdout
    return result.stdout.strip()


def test_bad_shards_and_folders_say_what_to_change(
    versioned: Versioned, shards: list[Path], tmp_path: Path
) -> None:
    site = tmp_path / "site"
    one, two = shards
    error = "refsite: error: "
    assert _assemble(versioned, one, site=site) == (
        f"{error}no folder holds 1.1 (1.1.0): add the folder of shard 2/2 "
        "(refsite build --versions --shard 2/2)"
    )
    assert _assemble(versioned, one, tmp_path / "nowhere", site=site) == (
        f"{error}{tmp_path / 'nowhere'}: no such folder; pass the folders that "
        "refsite build --versions --shard I/N -d DIR wrote"
    )
    assert _assemble(versioned, one, one / "2.0", site=site) == (
        f"{error}{one / '2.0'}: no shard.json, so not a shard's folder; build it again "
        f"(refsite build --versions --shard I/N -d {one / '2.0'})"
    )
    assert _assemble(versioned, one, two, one, site=site) == (
        f"{error}{one} and {one} both hold 2.0; pass each shard's folder once"
    )
    # A shard of another lock (here: another selection of releases).
    other = tmp_path / "other"
    other.mkdir()
    (other / "1.0").symlink_to(two / "1.0")
    (other / "1.1").symlink_to(two / "1.1")
    manifest = json.loads((two / "shard.json").read_text())
    (other / "shard.json").write_text(json.dumps({**manifest, "lock": "0" * 64}))
    assert _assemble(versioned, one, other, site=site) == (
        f"{error}{other}: built from another lock than {Path('releases.lock.json')}; build "
        "shard 2/2 again from this lock (refsite build --versions --shard 2/2)"
    )
    stamps = {**manifest["stamps"], "1.0": "0" * 64}
    (other / "shard.json").write_text(json.dumps({**manifest, "stamps": stamps}))
    assert _assemble(versioned, one, other, site=site) == (
        f"{error}{other}: built from other sources than {one} (the docs, mkdocs.yml, "
        "refsite or the installed packages); build every shard from one commit"
    )
    for shard, message in [
        ("3/2", "--shard 3/2: there are 2 shard(s); give I from 1 to 2"),
        ("1/4", "--shard 1/4: the lock has 3 release(s); give at most 3 shards"),
    ]:
        result = run(
            BIN / "refsite", "build", "--versions", "--shard", shard, "-d", site,
            cwd=versioned.project, env=versioned.env,
        )  # fmt: skip
        assert result.returncode == 2, result.stdout
        assert result.stdout.strip().splitlines()[-1] == f"{error}{message}"
        assert not site.exists()
    plain = run(BIN / "refsite", "build", "--shard", "1/2", cwd=versioned.project)
    assert plain.returncode == 2, plain.stdout
    assert plain.stdout.strip() == (
        f"{error}--shard and --assemble split a versioned build: add --versions"
    )


# Only 2.0 has it: a module that imports Colour, as FastAPI 0.164 added
# fastapi._body_limit, which imports Request and HTTPException.
PALETTE = {"2.0.0": {"minipkg/_palette.py": "from minipkg.colours import Colour\n"}}


def _inventory(site: Path) -> set[str]:
    data = (site / "objects.inv").read_bytes()
    head = b"".join(data.splitlines(keepends=True)[:4])
    return set(zlib.decompress(data[len(head) :]).decode().splitlines())


def test_an_alias_only_a_newer_release_has_stays_out_of_an_older_one_s_inventory(
    tmp_path: Path,
) -> None:
    one = build_versioned_site(
        tmp_path, options=CACHE_DIR, env={"REFSITE_CACHE_DIR": str(tmp_path / "cache")},
        files=PALETTE,
    )  # fmt: skip

    def palette(site: Path) -> list[str]:
        return sorted(e for e in _inventory(site) if e.startswith("minipkg._palette."))

    assert palette(one.site / "2.0")
    # Built without 2.0 (a shard of its own, a cold cache), 1.1 has none, as it should.
    _shard(one, "2/2", tmp_path / "shard-2")
    assert palette(tmp_path / "shard-2" / "1.1") == []
    assert palette(one.site / "1.1") == []
