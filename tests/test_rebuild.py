"""Fast paths write the site a clean serial build writes.

Serve's incremental rebuilds, worker processes in a cold build, the modules
griffe loaded kept on disk, and the cache's pruning: each is compared with a
clean build of the same files, after page, docstring and base-class edits.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import BIN, FIXTURES, inherit_from_private_base, mkdocs_build, run
from refsite.core.store import CacheFile, prune_plan
from refsite.speed.serve import PageRecord, changes_shape, plan
from refsite.speed.workers import Workers, assign, claim, worker_count
from test_cache import _counts, _same_tree

# Rebuilds the project in one process the way `mkdocs serve --dirty` does:
# the same plugin instances (MkDocs keeps those with on_startup), a new
# configuration per rebuild, one site folder. After each step it copies the
# project as it then is and the served site, for clean builds to compare with.
SERVE_DIRTY = """
import logging
import shutil
import sys
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config

project, out = Path(sys.argv[1]), Path(sys.argv[2])
site = out / "served"
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")

def rebuild(step, first=False):
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(site))
    if first:
        config.plugins.on_startup(command="serve", dirty=True)
    print(f"STEP {step}", flush=True)
    build(config, serve_url="http://127.0.0.1:8000/", dirty=True)
    shutil.copytree(project, out / f"project-{step}", ignore=shutil.ignore_patterns(".cache"))
    shutil.copytree(site, out / f"site-{step}")

def edit(path, old, new):
    file = project / path
    text = file.read_text()
    assert old in text, (path, old)
    file.write_text(text.replace(old, new))

rebuild("first", first=True)
edit("docs/api/shapes.md", "# Shapes\\n", "# Shapes\\n\\nAn edited page.\\n")
rebuild("page")
edit("src/minipkg/colours.py", "The colour of fire.", "The colour of embers.")
rebuild("docstring")
edit("src/minipkg/_base.py", "Its name.", "What it is called.")
rebuild("base")
edit("docs/api/colours.md", "# Colours", "---\\nicon: material/palette\\n---\\n\\n# Colours")
rebuild("meta")
edit("docs/api/colours.md", "::: minipkg.colours.Colour", "::: minipkg.colours.Colour\\n\\n::: minipkg.shapes.area")
edit("docs/api/shapes.md", "::: minipkg.shapes.area", "")
rebuild("moved")
(project / "docs/api/colours.md").unlink()
edit("mkdocs.yml", "      - Colours: api/colours.md\\n", "")
rebuild("removed")
"""


def _steps(log: str) -> dict[str, str]:
    """The log lines of each rebuild, by step name."""
    steps: dict[str, str] = {}
    name = ""
    for line in log.splitlines():
        if line.startswith("STEP "):
            name = line[5:]
            steps[name] = ""
        elif name:
            steps[name] += line + "\n"
    return steps


@pytest.fixture
def inheriting_project(tmp_path: Path) -> Path:
    """The mini fixture, where Square inherits a documented member from a private base."""
    project = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", project)
    inherit_from_private_base(project)
    return project


def test_serve_dirty_rebuilds_only_what_changed_and_matches_clean_builds(
    inheriting_project: Path, tmp_path: Path
) -> None:
    script = tmp_path / "serve_dirty.py"
    script.write_text(SERVE_DIRTY)
    out = tmp_path / "out"
    result = run(
        BIN / "python",
        script,
        inheriting_project,
        out,
        cwd=inheriting_project,
        env={"SOURCE_DATE_EPOCH": "1700000000"},
    )
    assert result.returncode == 0, result.stdout
    steps = _steps(result.stdout)
    # MkDocs' warning that a dirty build is inaccurate does not apply.
    assert "'dirty' build" not in result.stdout
    # A page edit, a docstring edit and a base-class edit each render one page.
    assert "incremental rebuild: 1 of 4 page(s) to render" in steps["page"]
    assert "incremental rebuild: 1 of 4 page(s) to render" in steps["docstring"]
    assert "incremental rebuild: 1 of 4 page(s) to render" in steps["base"]
    assert "What it is called." in (out / "site-base/api/shapes/index.html").read_text()
    # New metadata (a navigation icon) or moved anchors change what other pages
    # show or link to: every page is written.
    assert "writing every page" in steps["meta"]
    assert "writing every page" in steps["moved"]
    assert "writing every page" not in steps["page"] + steps["docstring"] + steps["base"]
    # The checks ran on the rebuilt site: moving `area` broke the contract.
    assert "declared anchor #minipkg.shapes.area; found no element" in steps["moved"]
    assert not (out / "site-removed/api/colours/index.html").exists()
    for step in ("first", "page", "docstring", "base", "meta", "moved", "removed"):
        clean = mkdocs_build(out / f"project-{step}", tmp_path / f"clean-{step}")
        assert clean.returncode == (
            0 if step in ("first", "page", "docstring", "base", "meta") else 1
        ), clean.output
        # Same pages, search index, objects.inv, sitemap: byte for byte.
        assert _same_tree(out / f"site-{step}", clean.site) == [], step


def test_first_build_or_changed_site_renders_every_page() -> None:
    record = PageRecord(
        url="a/", title="A", meta={}, content="", toc=[], anchors=[], inventory=[], sources={}
    )
    pages = ["a.md", "b.md"]
    unchanged = {"a.md": record, "b.md": record}
    assert plan({}, same_site=True, pages=pages, markdown_changed=lambda s: False).full
    assert plan(unchanged, same_site=False, pages=pages, markdown_changed=lambda s: False).full
    assert plan(
        {"a.md": record}, same_site=True, pages=pages, markdown_changed=lambda s: False
    ).full
    quiet = plan(unchanged, same_site=True, pages=pages, markdown_changed=lambda s: False)
    assert not quiet.full
    assert quiet.render == frozenset()


def test_a_page_is_rendered_when_its_markdown_or_a_source_changes() -> None:
    def record(sources: dict[str, tuple[int, int]] | None) -> PageRecord:
        return PageRecord(
            url="", title="", meta={}, content="", toc=[], anchors=[], inventory=[], sources=sources
        )

    records = {
        "edited.md": record({}),
        "reads-edited-source.md": record({"pkg/a.py": (1, 10)}),
        "reads-same-source.md": record({"pkg/b.py": (2, 20)}),
        "unknown-sources.md": record(None),
    }
    stamps = {"pkg/a.py": (5, 10), "pkg/b.py": (2, 20)}
    result = plan(
        records,
        same_site=True,
        pages=list(records),
        markdown_changed=lambda src: src == "edited.md",
        stamp_of=stamps.__getitem__,
    )
    assert result.render == {"edited.md", "reads-edited-source.md", "unknown-sources.md"}


@pytest.mark.parametrize(
    ("change", "reshaped"),
    [
        ({}, False),
        ({"content": "<p>new words</p>"}, False),
        ({"title": "B"}, True),
        ({"meta": {"icon": "x"}}, True),
        ({"anchors": [["pkg.f", None, "f", True]]}, True),
    ],
)
def test_only_a_change_other_pages_show_reshapes_the_site(
    change: dict[str, object], reshaped: bool
) -> None:
    fields: dict[str, object] = {
        "url": "a/",
        "title": "A",
        "meta": {},
        "content": "<p>old</p>",
        "toc": [],
        "anchors": [],
        "inventory": [],
        "sources": {},
    }
    before = PageRecord(**fields)  # type: ignore[arg-type]
    after = PageRecord(**(fields | change))  # type: ignore[arg-type]
    assert changes_shape(before, after) is reshaped


@pytest.mark.parametrize(
    ("pages", "processes", "expected"),
    [
        (["a", "b", "c", "d"], 1, []),
        (["a", "b", "c", "d"], 2, [["d", "c", "b", "a"]]),
        (["a", "b", "c", "d", "e"], 3, [["e", "c", "a"], ["d", "b"]]),
        ([], 4, [[], [], []]),
    ],
)
def test_workers_take_pages_from_the_end(
    pages: list[str], processes: int, expected: list[list[str]]
) -> None:
    assert assign(pages, processes) == expected


def test_a_page_is_claimed_once(tmp_path: Path) -> None:
    # MkDocs and the workers each claim a page before rendering it: the
    # first to ask renders it, the other waits for it or stops.
    assert claim(tmp_path, "reference/fastapi.md")
    assert not claim(tmp_path, "reference/fastapi.md")
    assert claim(tmp_path, "reference/apirouter.md")
    # Without workers running, MkDocs renders every page itself.
    assert Workers().claim("reference/fastapi.md")


BACKGROUND = """
from refsite.core.processes import in_background

def fails():
    raise RuntimeError("broken")

print(in_background(lambda: {"pages": [1, 2, 3]})(), in_background(fails)())
"""


def test_work_in_background_hands_back_its_result(tmp_path: Path) -> None:
    # A forked copy does the work; its result comes back, or None when it
    # failed (the caller then does the work itself). In a process of its
    # own: this one may run threads, and then nothing is forked.
    result = run(BIN / "python", "-c", BACKGROUND, cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == "{'pages': [1, 2, 3]} None"


def test_waiting_for_a_stuck_worker_ends(tmp_path: Path) -> None:
    # A forked worker that never finishes its page: MkDocs stops waiting
    # after the timeout and renders the page itself.
    workers = Workers()
    done, started_page = tmp_path / "done", tmp_path / "started"

    def stuck(page: str) -> None:
        started_page.touch()  # claimed before this is called
        time.sleep(30)

    workers.fork([["page.md"]], stuck)
    try:
        deadline = time.monotonic() + 30
        while not started_page.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not workers.claim("page.md")
        started = time.monotonic()
        workers.wait_for(done.exists, timeout=0.5)
        assert 0.4 < time.monotonic() - started < 10
    finally:
        workers.stop()
    # A worker that ends without storing the page: no wait at all.
    workers.fork([["other.md"]], lambda page: None)
    started = time.monotonic()
    workers.wait_for(done.exists, timeout=30)
    assert time.monotonic() - started < 10
    workers.stop()


@pytest.mark.parametrize(
    ("setting", "cpus", "count"), [(None, 4, 4), (None, None, 1), (1, 8, 1), (0, 8, 1), (3, 1, 3)]
)
def test_worker_count(setting: int | None, cpus: int | None, count: int) -> None:
    assert worker_count(setting, cpus) == count


def test_prune_drops_torn_files_then_least_recently_used() -> None:
    now = 100_000.0
    files = [
        CacheFile(Path("old.json"), 40, now - 500),
        CacheFile(Path("new.json"), 40, now - 10),
        CacheFile(Path("mid.json"), 40, now - 100),
        CacheFile(Path("torn.tmp"), 5, now - 7200),
        CacheFile(Path("writing.tmp"), 5, now - 1),
    ]
    deleted = [f.path.name for f in prune_plan(files, max_bytes=90, now=now)]
    assert deleted == ["torn.tmp", "old.json"]
    assert [f.path.name for f in prune_plan(files, max_bytes=1000, now=now)] == ["torn.tmp"]


def test_cache_prune_command_keeps_recently_used_entries(tmp_path: Path) -> None:
    project = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", project)
    assert mkdocs_build(project, tmp_path / "first").returncode == 0
    cache = project / ".cache/refsite"
    _wait_for(cache / "modules", "*.pickle")  # written after the build
    used = sum(f.stat().st_size for f in cache.rglob("*") if f.is_file())
    old = cache / "unused-entry.json"
    old.write_text("{}" + " " * 200_000)
    stamp = time.time() - 86400
    os.utime(old, (stamp, stamp))
    limit = f"{(used + 4096) / 2**20:.6f}"
    result = run(BIN / "refsite", "cache", "prune", "--max-mb", limit, cwd=project)
    assert result.returncode == 0, result.stdout
    assert "deleted 1 file(s)" in result.stdout
    assert not old.exists()
    # What the last build used is still there: the next build reuses every page.
    again = mkdocs_build(project, tmp_path / "again")
    assert _counts(again) == (4, 0)
    bad = run(BIN / "refsite", "cache", "prune", "--max-mb", "lots", cwd=project)
    assert bad.returncode == 2
    assert "'lots' is not a number of MiB" in bad.stdout


def _wait_for(path: Path, pattern: str, seconds: float = 60) -> list[Path]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = list(path.glob(pattern))
        if found:
            return found
        time.sleep(0.2)
    return []


def test_fresh_build_after_an_edit_reuses_modules_kept_on_disk(
    inheriting_project: Path, tmp_path: Path
) -> None:
    project = inheriting_project
    assert mkdocs_build(project, tmp_path / "first").returncode == 0
    # A copy of the build's process writes them after the build.
    kept = _wait_for(project / ".cache/refsite/modules", "*.pickle")
    assert kept, "no modules kept on disk"
    page = project / "docs/api/shapes.md"
    page.write_text(page.read_text() + "\nAn edited page.\n")
    edited = mkdocs_build(project, tmp_path / "edited", "--verbose")
    assert edited.returncode == 0, edited.output
    assert "reusing the modules griffe loaded in an earlier build" in edited.output
    # A base-class edit makes them stale: griffe reads the sources again.
    base = project / "src/minipkg/_base.py"
    base.write_text(base.read_text().replace("Its name.", "What it is called."))
    stale = mkdocs_build(project, tmp_path / "stale", "--verbose")
    assert "reusing the modules griffe loaded" not in stale.output
    assert "What it is called." in (stale.site / "api/shapes/index.html").read_text()
    # A torn file is as good as none.
    for file in kept:
        file.write_bytes(b"not a pickle")
    page.write_text(page.read_text() + "\nEdited again.\n")
    torn = mkdocs_build(project, tmp_path / "torn", "--verbose")
    assert torn.returncode == 0, torn.output
    shutil.rmtree(project / ".cache")
    clean = mkdocs_build(project, tmp_path / "clean")
    assert _same_tree(torn.site, clean.site) == []


@pytest.mark.parametrize("flags", [["--dirty"], []], ids=["dirty", "bare"])
def test_serve_shows_a_docstring_edit_in_the_projects_sources(
    tmp_path: Path, flags: list[str]
) -> None:
    # mkdocs.yml reads the package from src/ (mkdocstrings' paths) and names
    # no `watch:` folder: the plugin watches src/ for `mkdocs serve`. Bare
    # `mkdocs serve` rebuilds only what changed, as --dirty does.
    project = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", project)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/colours/"
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [BIN / "mkdocs", "serve", *flags, "-a", f"127.0.0.1:{port}"],
        cwd=project,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        start_new_session=True,
    )

    def page() -> str:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return str(response.read().decode("utf-8"))
        except OSError:
            return ""

    try:
        deadline = time.monotonic() + 120
        while "Primary colours." not in page():
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "mkdocs serve did not start"
            time.sleep(0.2)
        source = project / "src/minipkg/colours.py"
        source.write_text(source.read_text().replace("Primary colours.", "Colours of light."))
        deadline = time.monotonic() + 60
        while "Colours of light." not in page():
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        assert (
            "incremental rebuild: 1 of 4 page(s) to render" in (tmp_path / "serve.log").read_text()
        )
        # Reading files to rebuild is no change: one edit, one rebuild.
        time.sleep(2)
        said = (tmp_path / "serve.log").read_text()
        assert said.count("Detected file changes") == 1
        assert "'dirty' build" not in said
        assert ("rebuilding only what changed" in said) == (not flags)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
