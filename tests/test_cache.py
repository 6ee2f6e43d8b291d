"""The page cache: a cached build shows readers exactly what a clean build does."""

from __future__ import annotations

import filecmp
import re
import shutil
from pathlib import Path

import pytest

from conftest import BIN, FIXTURES, Build, inherit_from_private_base, mkdocs_build, run
from refsite.cli.main import main
from refsite.core.store import is_marked
from refsite.speed.kept_pages import first_heading


def _counts(build: Build) -> tuple[int, int]:
    match = re.search(r"page cache: (\d+) page\(s\) reused, (\d+) rendered", build.output)
    assert match, build.output
    return int(match[1]), int(match[2])


def _same_tree(a: Path, b: Path) -> list[str]:
    """Files that differ between two site folders (empty when identical)."""
    compare = filecmp.dircmp(a, b)
    out = [*compare.left_only, *compare.right_only, *compare.diff_files]
    for sub in compare.common_dirs:
        out += [f"{sub}/{f}" for f in _same_tree(a / sub, b / sub)]
    return out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dest = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", dest)
    return dest


def test_warm_build_reuses_every_page_and_writes_identical_files(
    project: Path, tmp_path: Path
) -> None:
    cold = mkdocs_build(project, tmp_path / "cold")
    warm = mkdocs_build(project, tmp_path / "warm")
    assert cold.returncode == warm.returncode == 0
    assert _counts(cold) == (0, 4)
    assert _counts(warm) == (4, 0)
    assert _same_tree(cold.site, warm.site) == []


def _edit_and_rebuild(project: Path, site: Path, source: str, old: str, new: str) -> Build:
    """Build, replace ``old`` with ``new`` in a source file, rebuild with the cache."""
    assert mkdocs_build(project, site.parent / "first").returncode == 0
    path = project / source
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))
    again = mkdocs_build(project, site)
    assert again.returncode == 0, again.output
    return again


def test_docstring_edit_re_renders_exactly_the_page_that_shows_it(
    project: Path, tmp_path: Path
) -> None:
    cached = _edit_and_rebuild(
        project,
        tmp_path / "cached",
        "src/minipkg/colours.py",
        "The colour of fire.",
        "The colour of embers.",
    )
    assert _counts(cached) == (3, 1)
    assert "The colour of embers." in (cached.site / "api/colours/index.html").read_text()
    (project / ".cache").rename(tmp_path / "old-cache")
    clean = mkdocs_build(project, tmp_path / "clean")
    assert _counts(clean) == (0, 4)
    assert _same_tree(clean.site, cached.site) == []


def test_base_class_edit_re_renders_pages_that_inherit_from_it(
    project: Path, tmp_path: Path
) -> None:
    # Square's page renders its members; a base class's file is a source too.
    inherit_from_private_base(project)
    again = _edit_and_rebuild(
        project, tmp_path / "again", "src/minipkg/_base.py", "Its name.", "What it is called."
    )
    assert _counts(again) == (3, 1)
    assert "What it is called." in (again.site / "api/shapes/index.html").read_text()
    # Every page, kept outputs included, is what a clean build writes.
    (project / ".cache").rename(tmp_path / "old-cache")
    clean = mkdocs_build(project, tmp_path / "clean")
    assert _counts(clean) == (0, 4)
    assert _same_tree(clean.site, again.site) == []


def test_changed_configuration_invalidates_every_page(project: Path, tmp_path: Path) -> None:
    assert mkdocs_build(project, tmp_path / "first").returncode == 0
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text().replace("show_root_full_path: true", "show_root_full_path: false")
    )
    again = mkdocs_build(project, tmp_path / "again")
    assert _counts(again) == (0, 4)


@pytest.mark.parametrize(
    ("markdown", "line"),
    [
        ("# Title\n\ntext", "# Title\n"),
        ("intro\n\n# `Code` title\n", "# `Code` title\n"),
        ("## Only level two\n", ""),
        ("", ""),
    ],
)
def test_first_heading(markdown: str, line: str) -> None:
    assert first_heading(markdown) == line


SERVE_LIKE = """
import logging
import sys
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config

project = Path(sys.argv[1])
logging.basicConfig(level=logging.INFO, format="%(message)s")
logging.getLogger("mkdocs.plugins.refsite").setLevel(logging.DEBUG)

def once(site):
    build(load_config(str(project / "mkdocs.yml"), site_dir=str(project / site)))

once("site1")
page = project / "docs/api/shapes.md"
page.write_text(page.read_text() + "\\nAn edited page.\\n")
once("site2")
source = project / "src/minipkg/colours.py"
source.write_text(source.read_text().replace("The colour of fire.", "The colour of embers."))
once("site3")
"""


def test_rebuilds_in_one_process_match_clean_builds(project: Path, tmp_path: Path) -> None:
    # `mkdocs serve` rebuilds in one process, where refsite keeps what griffe
    # loaded; after a page edit and after a docstring edit, each rebuild must
    # equal a clean build of the same files.
    script = tmp_path / "serve_like.py"
    script.write_text(SERVE_LIKE)
    result = run(
        BIN / "python", script, project, cwd=project, env={"SOURCE_DATE_EPOCH": "1700000000"}
    )
    assert result.returncode == 0, result.stdout
    log = result.stdout
    # The page edit re-renders one page, with the modules loaded before.
    assert "page cache: 3 page(s) reused, 1 rendered" in log
    assert log.count("reusing the modules griffe loaded for the previous build") == 1
    # The docstring edit makes griffe load the sources again.
    assert "sources changed since the previous build: griffe loads them again" in log
    shutil.rmtree(project / ".cache")
    clean = mkdocs_build(project, tmp_path / "clean")
    assert clean.returncode == 0
    assert _same_tree(project / "site3", clean.site) == []
    assert "The colour of embers." in (project / "site3/api/colours/index.html").read_text()


def test_page_that_includes_a_file_is_not_cached(project: Path, tmp_path: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - toc:\n", "  - pymdownx.snippets\n  - toc:\n"))
    (project / "part.md").write_text("First version of the part.\n")
    page = project / "docs/index.md"
    page.write_text(page.read_text() + '\n--8<-- "part.md"\n')
    assert mkdocs_build(project, tmp_path / "first").returncode == 0
    (project / "part.md").write_text("Second version of the part.\n")
    again = mkdocs_build(project, tmp_path / "again")
    assert again.returncode == 0
    assert "Second version of the part." in (again.site / "index.html").read_text()
    assert _counts(again) == (3, 0)  # the including page is neither reused nor stored


def test_parallel_cold_build_writes_what_a_serial_one_does(project: Path, tmp_path: Path) -> None:
    # Workers forked once the sources are loaded render pages and index them
    # for search into the cache; MkDocs waits for what they claimed.
    serial = mkdocs_build(project, tmp_path / "serial", cache=tmp_path / "c1")
    shutil.rmtree(project / ".cache")
    parallel = mkdocs_build(project, tmp_path / "parallel", env={"REFSITE_WORKERS": "2"})
    assert serial.returncode == parallel.returncode == 0
    assert "rendering pages in 1 worker process(es) too" in parallel.output
    assert "indexing pages for search in 1 worker process(es) too" in parallel.output
    assert sum(_counts(parallel)) == 4
    assert _same_tree(serial.site, parallel.site) == []


def test_the_objects_a_build_leaves_are_not_walked_by_the_last_collection(
    project: Path, tmp_path: Path
) -> None:
    """At shutdown the plugin freezes what is left: Python's exit collection skips it."""
    code = (
        "import gc, sys\n"
        "from mkdocs.__main__ import cli\n"
        "try:\n"
        "    cli(['build', '--strict', '--site-dir', sys.argv[1]], standalone_mode=False)\n"
        "finally:\n"
        "    print('frozen', gc.get_freeze_count())\n"
    )
    result = run(BIN / "python", "-c", code, tmp_path / "site", cwd=project)
    assert result.returncode == 0, result.stdout
    frozen = int(result.stdout.rsplit("frozen ", 1)[1].split()[0])
    assert frozen > 10_000, result.stdout


def _with_options(project: Path, options: str) -> None:
    """Give the refsite plugin of ``project``'s mkdocs.yml these option lines."""
    config = project / "mkdocs.yml"
    text = config.read_text().replace("  - refsite:\n", "  - refsite:\n" + options, 1)
    config.write_text(text.replace("        fail_under: 100\n", ""))


def test_a_build_marks_its_cache_folder_and_prune_works_there(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert mkdocs_build(project).returncode == 0
    cache = project / ".cache" / "refsite"
    assert is_marked(cache)
    code = main(["--config", str(project / "mkdocs.yml"), "cache", "prune", "--max-mb", "0"])
    assert code == 0
    assert re.match(rf"{cache}: deleted [1-9]\d* file\(s\)", capsys.readouterr().out)
    assert [p.name for p in cache.rglob("*") if p.is_file()] == ["CACHEDIR.TAG"]


def test_a_build_whose_cache_dir_holds_other_files_deletes_none_and_says_so(
    project: Path,
) -> None:
    folder = project / "data"
    folder.mkdir()
    (folder / "notes.txt").write_text("the user's notes\n")
    _with_options(project, "      cache_dir: data\n      cache_max_mb: 0\n")
    build = mkdocs_build(project)
    assert build.returncode == 1  # the warning fails a strict build
    assert (
        f"refsite: {folder}: not a refsite cache folder (no CACHEDIR.TAG; it holds notes.txt)"
        in (build.output)
    )
    assert "nothing deleted; point cache_dir at a folder of its own" in build.output
    assert (folder / "notes.txt").read_text() == "the user's notes\n"
    assert not is_marked(folder)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "tree:",
            "cache_max_mb: -5\n      tree:",
            "'cache_max_mb': -5 is negative; give 0 or more MiB",
        ),
        ("tree:", "cache_max_mb: .nan\n      tree:", "'cache_max_mb': nan is not a number of MiB"),
        (
            "fail_under: 100",
            "fail_under: 150",
            "'coverage': Sub-option 'fail_under': 150 is not a number from 0 to 100",
        ),
        ("tree:", "workers: 0\n      tree:", "'workers': 0 is not a whole number, 1 or more"),
    ],
)
def test_a_build_refuses_a_number_out_of_range(
    project: Path, old: str, new: str, message: str
) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace(old, new, 1))
    build = mkdocs_build(project)
    assert build.returncode == 1
    assert f"Config value 'plugins': Plugin 'refsite' option {message}" in build.output
    assert not (project / ".cache").exists()
