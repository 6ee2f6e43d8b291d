"""`refsite init`: planning pages from a package, and the projects it writes, built for real."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from conftest import BIN, FIXTURES, Build, mkdocs_build, refsite, run
from refsite.checks.coverage import load_exclusions
from refsite.checks.tree import load_tree
from refsite.scaffold.culprits import culprits
from refsite.scaffold.docfixes import narrative_links, unlink
from refsite.scaffold.grouping import first_sentence
from refsite.scaffold.load import docs_root, load
from refsite.scaffold.plan import plan_site
from refsite.scaffold.project import project_files, write_project
from refsite.scaffold.trial import settle
from refsite.scaffold.values import Entry, NavItem, Page, ScaffoldError, Section, SitePlan

INIT = FIXTURES / "init"


def _copy(tmp: Path, name: str) -> Path:
    dest = tmp / name
    shutil.copytree(INIT / name, dest)
    return dest


def _ids(site: Path) -> list[str]:
    """Every element id of every page, duplicates kept."""
    ids: list[str] = []
    for page in site.glob("**/*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        ids += [str(e["id"]) for e in soup.select("article [id]")]
    return ids


def _page(site: Path, url: str) -> BeautifulSoup:
    path = site / url.strip("/") / "index.html"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _checks_pass(project: Path, site: Path) -> None:
    """The CLI's three checks, as a maintainer runs them on the built site."""
    for args in (
        ("check", site),
        ("links", site),
        ("coverage", site, "--fail-under", "100"),
    ):
        result = refsite(*args, cwd=project)
        assert result.returncode == 0, result.stdout


# --- Planning, without MkDocs ------------------------------------------------


def test_plan_groups_the_public_api_as_users_meet_it() -> None:
    plan = plan_site(load("nestpkg", src=INIT / "nested"))
    pages = {p.path: p.anchors for p in plan.pages}
    assert pages == {
        # Re-exports of the private engine on the package's page, and the
        # one-object module merged into it.
        "reference/nestpkg.md": (
            "nestpkg.Engine",
            "nestpkg.Job",
            "nestpkg.run",
            "nestpkg.tiny.noop",
        ),
        "reference/nestpkg.io.readers/index.md": (),
        "reference/nestpkg.io.readers/classes.md": tuple(
            f"nestpkg.io.readers.Reader{i}" for i in range(8)
        ),
        "reference/nestpkg.io.readers/exceptions.md": tuple(
            f"nestpkg.io.readers.Format{i}Error" for i in range(3)
        ),
        "reference/nestpkg.io.readers/functions.md": tuple(
            f"nestpkg.io.readers.read_{i}" for i in range(8)
        ),
        "reference/nestpkg.io.readers/constants.md": tuple(
            f"nestpkg.io.readers.LIMIT_{i}" for i in range(4)
        ),
        # Job is documented once, where the package exposes it.
        "reference/nestpkg.models.md": (
            "nestpkg.models.State",
            "nestpkg.models.Priority",
            "nestpkg.models.make_job",
            "nestpkg.models.DEFAULT_PRIORITY",
        ),
    }
    # The test suite shipped inside the package is excluded as a whole.
    assert [(e.pattern, e.reason) for e in plan.exclusions] == [
        ("nestpkg.tests.*", "The package's own test suite, not its API.")
    ]
    assert [p.intro for p in plan.pages][:2] == [
        "Nestpkg runs small jobs on an engine and reads their input from files.",
        "Readers, one per input format, and what can go wrong reading.",
    ]


def test_plan_documents_what_loads_and_finds_what_its_docstrings_get_wrong() -> None:
    plan = plan_site(load("brokenpkg", src=INIT / "broken"))
    # Only what cannot be loaded is left out, with the reason.
    reasons = {e.pattern: e.reason for e in plan.exclusions}
    assert set(reasons) == {"brokenpkg.Thing"}
    assert "notinstalled_thing" in reasons["brokenpkg.Thing"]
    # A docstring that does not parse, or links nowhere, is documented all the same.
    assert {"brokenpkg.bad", "brokenpkg.dangling", "brokenpkg.drifted"} <= set(
        plan.pages[0].anchors
    )
    found = {(f.kind, f.target): f for f in plan.findings}
    assert set(found) == {("unparsed", "brokenpkg.bad"), ("unlinked", "nowhere.Thing")}
    bad = found["unparsed", "brokenpkg.bad"]
    assert (Path(str(bad.file)).name, bad.line, bad.obj) == ("__init__.py", 14, "brokenpkg.bad")
    assert "Failed to get 'name: description' pair" in bad.message
    dangling = found["unlinked", "nowhere.Thing"]
    assert (dangling.line, dangling.obj) == (29, "brokenpkg.dangling")
    assert dangling.fix == ""  # no package `nowhere` is installed: no fix to suggest


@pytest.mark.parametrize(
    ("docstring", "intro"),
    [
        ("Read files. Then more.", "Read files."),
        ("  Spans\n  two lines.\n\nSecond paragraph.", "Spans two lines."),
        ("Tools, e.g. parsers, for text. More.", "Tools, e.g. parsers, for text."),
        ("No full stop", "No full stop"),
        ("Uses :class:`~pkg.Thing` and ``raw``.", "Uses `pkg.Thing` and `raw`."),
        ("See [the guide](/guide/) now.", "See the guide now."),
        ("Lists [1] and <b>tags</b>.", "Lists \\[1\\] and &lt;b&gt;tags&lt;/b&gt;."),
        ("Code `a[0] <b>` stays.", "Code `a[0] <b>` stays."),
        ("An odd ` backtick.", "An odd  backtick."),
        ("", ""),
    ],
)
def test_first_sentence(docstring: str, intro: str) -> None:
    assert first_sentence(docstring) == intro


def _plan(*pages: Page) -> SitePlan:
    return SitePlan("pkg", "", "google", nav=[NavItem(p.title, p) for p in pages])


@pytest.mark.parametrize(
    ("warning", "culprit"),
    [
        # The object is named (autorefs, mkdocstrings).
        (
            "WARNING -  mkdocs_autorefs: reference/pkg.md: from line 3: (pkg.a.f) Could not find cross-reference target 'x'",
            "pkg.a",
        ),
        # A line of the source file inside the object.
        ("WARNING -  griffe: src/pkg/b.py:12: Failed to get 'name: description' pair", "pkg.b"),
        ("WARNING -  griffe: src/pkg/b.py:40: Something after the object", None),
        # A page and a link that one object's docstring holds.
        (
            "WARNING -  Doc file 'reference/pkg.md' contains an absolute link '/guide#part', it was left as is.",
            "pkg.c.c",
        ),
        (
            "WARNING -  refsite: broken link: /reference/pkg/: /guide#part: no file serves /guide",
            "pkg.c.c",
        ),
        ("WARNING -  refsite: broken link: /reference/pkg/: /other/: no file serves /other/", None),
    ],
)
def test_culprits_of_trial_build_warnings(
    tmp_path: Path, warning: str, culprit: str | None
) -> None:
    source = tmp_path / "src" / "pkg"
    source.mkdir(parents=True)
    (source / "__init__.py").write_text('"""P."""\n')
    (source / "c.py").write_text('def c():\n    """See [the guide](/guide#part)."""\n')
    loaded = load("pkg", src=tmp_path / "src")
    entries = (
        Entry("pkg.a", "function"),
        Entry("pkg.b", "function", str(tmp_path / "src/pkg/b.py"), (10, 20)),
        Entry("pkg.c.c", "function"),
    )
    plan = _plan(Page("reference/pkg.md", "pkg", "", (Section("pkg", "", entries),)))
    found = culprits(plan, loaded, [warning], base=tmp_path)
    assert list(found) == ([culprit] if culprit else [])
    if culprit:
        assert found[culprit].startswith("The trial build warned: ")


def test_write_project_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: mine\n")
    with pytest.raises(ScaffoldError, match=r"mkdocs\.yml already exist\(s\): pass --force"):
        write_project(tmp_path, {"mkdocs.yml": "new", "docs/index.md": "# x"})
    assert (tmp_path / "mkdocs.yml").read_text() == "site_name: mine\n"
    assert not (tmp_path / "docs").exists()
    first = write_project(tmp_path, {"mkdocs.yml": "new", "docs/a.md": "# A"}, force=True)
    assert (tmp_path / "mkdocs.yml").read_text() == "new"
    # A page an earlier round wrote and the new plan no longer has goes.
    write_project(tmp_path, {"mkdocs.yml": "newer"}, force=True, previous=first)
    assert not (tmp_path / "docs" / "a.md").exists()
    assert (tmp_path / "mkdocs.yml").read_text() == "newer"


# --- Generated projects, built for real ---------------------------------------


def _init(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = run(BIN / "refsite", "init", *args, cwd=cwd, env=env)
    assert result.returncode == 0, result.stdout
    return result.stdout


@pytest.fixture(scope="module")
def nested(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """nestpkg from its source folder, written without the trial build, then built."""
    tmp = tmp_path_factory.mktemp("init-nested")
    _copy(tmp, "nested")
    _init("nestpkg", "site-src", "--src", "nested", "--no-trial", cwd=tmp)
    build = mkdocs_build(tmp / "site-src")
    assert build.returncode == 0, build.output
    return build


def test_nested_package_builds_clean_and_passes_its_checks(nested: Build) -> None:
    assert nested.warnings == []
    _checks_pass(nested.project, nested.site)
    config = (nested.project / "mkdocs.yml").read_text()
    assert 'paths: ["../nested"]' in config
    assert 'watch:\n  - "../nested"' in config
    assert "font: false" in config
    # Its docstrings are the maintainer's own: hidden example lines work at once.
    assert "              - refsite.hidden_lines\n" in config
    assert "repo_url" not in config.replace("# No repo_url", "")
    # Nothing the pages load comes from another host (fonts, scripts, images).
    for page in nested.site.glob("**/*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        loaded = [e.get("src") or e.get("href") or "" for e in soup.select("script, img, link")]
        assert [u for u in loaded if "://" in u and "127.0.0.1" not in u] == [], page
    tree = load_tree(nested.project / "navtree.yml")
    assert [e.label for e in tree.entries[1].children] == [
        "Reference",
        "`nestpkg`",
        "`nestpkg.io.readers`",
        "`nestpkg.models`",
        "API Coverage",
        "Docstrings",
    ]


def test_nested_pages_render_each_object_once_without_private_modules(nested: Build) -> None:
    ids = _ids(nested.site)
    objects = [i for i in ids if i.startswith("nestpkg.") and i.count(".") <= 3]
    assert ids.count("nestpkg.Engine") == 1
    assert "nestpkg.models.Job" not in ids  # documented where the package exposes it
    models = _page(nested.site, "/reference/nestpkg.models/")
    see_also = models.select_one("article h1 + p + p")
    assert see_also is not None
    assert [a["href"] for a in see_also.select("a")] == ["../nestpkg/#nestpkg.Job"]
    assert not [i for i in ids if "_core" in i]
    assert "nestpkg.Engine.submit" in ids  # members render with their class
    home = _page(nested.site, "/reference/nestpkg/")
    assert home.h1 is not None
    assert home.h1.get_text(strip=True).startswith("nestpkg")
    # The package's docstring, whole, under the page's heading.
    intro = home.select("article h1 + div.doc-module p")
    assert [p.get_text() for p in intro] == [
        "Nestpkg runs small jobs on an engine and reads their input from files.",
        "The engine lives in a private module and is exposed here.",
    ]
    merged = home.select_one("article h2#nestpkgtiny")
    assert merged is not None
    assert merged.get_text(strip=True).startswith("nestpkg.tiny")
    assert home.select_one("article h3#nestpkg\\.tiny\\.noop") is not None
    classes = _page(nested.site, "/reference/nestpkg.io.readers/classes/")
    assert [h["id"] for h in classes.select("article h2[id]")] == [
        f"nestpkg.io.readers.Reader{i}" for i in range(8)
    ]
    index = _page(nested.site, "/reference/nestpkg.io.readers/")
    assert [li.get_text() for li in index.select("article ul li")] == [
        "Classes: Reader0, Reader1, Reader2 and 5 more",
        "Exceptions: Format0Error, Format1Error, Format2Error",
        "Functions: read_0, read_1, read_2 and 5 more",
        "Constants: LIMIT_0, LIMIT_1, LIMIT_2 and 1 more",
    ]
    assert [a["href"] for a in index.select("article ul a")] == [
        "classes/",
        "exceptions/",
        "functions/",
        "constants/",
    ]
    assert len(objects) >= 31


def test_broken_package_is_documented_whole_after_one_trial_build(tmp_path: Path) -> None:
    _copy(tmp_path, "broken")
    output = _init("brokenpkg", "site-src", "--src", "broken", cwd=tmp_path)
    assert output.count("trial build (mkdocs build --strict)") == 1
    assert "brokenpkg.bad: griffe cannot parse a section" in output
    project = tmp_path / "site-src"
    reasons = {e.pattern: e.reason for e in load_exclusions(project / "coverage-exclusions.yml")}
    assert set(reasons) == {"brokenpkg.Thing"}
    build = mkdocs_build(project)
    assert build.returncode == 0, build.output
    assert build.warnings == []
    _checks_pass(project, build.site)
    ids = _ids(build.site)
    assert {"brokenpkg.bad", "brokenpkg.dangling", "brokenpkg.drifted", "brokenpkg.fine"} <= set(
        ids
    )
    # The coverage page lists the exclusion with its reason.
    coverage = _page(build.site, "/reference/coverage/").get_text()
    assert "notinstalled_thing" in coverage


def test_installed_package_from_sys_path(tmp_path: Path) -> None:
    """flatpkg found on sys.path (PYTHONPATH), no --src; a fallback-free intro."""
    env = {"PYTHONPATH": str(INIT / "flat")}
    _init("flatpkg", "site-src", "--no-trial", cwd=tmp_path, env=env)
    project = tmp_path / "site-src"
    assert "paths:" not in (project / "mkdocs.yml").read_text()
    result = run(
        BIN / "mkdocs", "build", "--strict", "--site-dir", tmp_path / "site", cwd=project, env=env
    )
    assert result.returncode == 0, result.stdout
    assert [line for line in result.stdout.splitlines() if line.startswith("WARNING")] == []
    page = _page(tmp_path / "site", "/reference/flatpkg/")
    headings = [h["id"] for h in page.select("article h2[id]")]
    # Classes, exceptions, functions, constants; __all__ order within each kind.
    assert headings == [
        "flatpkg.Length",
        "flatpkg.UnitError",
        "flatpkg.convert",
        "flatpkg.parse",
        "flatpkg.FACTORS",
        "flatpkg.INCHES_PER_FOOT",
    ]
    # A short value shows; a table's does not, its docstring does.
    text = page.get_text()
    # The module's docstring, whole: its second paragraph too.
    assert "Everything lives in this one module." in text
    assert "INCHES_PER_FOOT = 12" in text
    assert "Inches per unit, a table too long to show as a value." in text
    assert "nautical_mile" not in text


def test_real_installed_package_idna(tmp_path: Path) -> None:
    """idna, from the lock: the versions table names the installed release; its
    Unicode data tables are documented without their values."""
    _init("idna", "site-src", "--no-trial", cwd=tmp_path)
    project = tmp_path / "site-src"
    assert "<!-- refsite:versions idna -->" in (project / "docs/index.md").read_text()
    build = mkdocs_build(project)
    assert build.returncode == 0, build.output
    assert build.warnings == []
    _checks_pass(project, build.site)
    home = _page(build.site, "/")
    assert "idna" in [td.get_text() for td in home.select("article td")]


# --- Errors --------------------------------------------------------------------


def _error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout
    lines = [line for line in result.stdout.splitlines() if line.startswith("refsite: error:")]
    assert len(lines) == 1, result.stdout
    assert "Traceback" not in result.stdout
    return lines[0]


def test_error_unknown_package(tmp_path: Path) -> None:
    line = _error(run(BIN / "refsite", "init", "no_such_pkg_xyz", "out", cwd=tmp_path))
    assert line == (
        "refsite: error: no package 'no_such_pkg_xyz' on sys.path: "
        "install it (pip install no_such_pkg_xyz) or pass --src FOLDER"
    )
    assert not (tmp_path / "out").exists()


def test_error_distribution_name_instead_of_import_name(tmp_path: Path) -> None:
    line = _error(run(BIN / "refsite", "init", "PyYAML", "out", cwd=tmp_path))
    assert line == (
        "refsite: error: no package 'PyYAML' on sys.path: PyYAML installs yaml: "
        "give that import name"
    )


def test_error_no_python_sources(tmp_path: Path) -> None:
    package = tmp_path / "src" / "binpkg"
    package.mkdir(parents=True)
    (package / "__init__.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    line = _error(run(BIN / "refsite", "init", "binpkg", "out", "--src", "src", cwd=tmp_path))
    assert line == (
        "refsite: error: 'binpkg' in src has no Python sources (.py or .pyi): "
        "install its sources or stubs, or point --src at them"
    )


def test_error_dir_not_writable(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    line = _error(run(BIN / "refsite", "init", "idna", "a-file/out", cwd=tmp_path))
    assert line.startswith("refsite: error: a-file/out: cannot write there (a-file is not")
    assert line.endswith("choose a folder you can write to")


def test_error_existing_files_need_force(tmp_path: Path) -> None:
    _copy(tmp_path, "flat")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mkdocs.yml").write_text("site_name: mine\n")
    args = ("init", "flatpkg", "out", "--src", "flat", "--no-trial")
    line = _error(run(BIN / "refsite", *args, cwd=tmp_path))
    assert line == (
        "refsite: error: out: mkdocs.yml already exist(s): pass --force to overwrite, "
        "or choose an empty folder"
    )
    assert (tmp_path / "out" / "mkdocs.yml").read_text() == "site_name: mine\n"
    assert run(BIN / "refsite", *args, "--force", cwd=tmp_path).returncode == 0
    assert "flatpkg" in (tmp_path / "out" / "mkdocs.yml").read_text()


# --- mkdocs serve on a source folder ------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    _copy(tmp_path, "flat")
    _init("flatpkg", "site-src", "--src", "flat", "--no-trial", cwd=tmp_path)
    port = _free_port()
    process = subprocess.Popen(
        [BIN / "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=tmp_path / "site-src",
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield tmp_path, f"http://127.0.0.1:{port}/reference/flatpkg/"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _fetch_until(url: str, text: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    body = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body = response.read().decode()
        except OSError:
            body = ""
        if text in body:
            return body
        time.sleep(0.5)
    raise AssertionError(f"{text!r} not served at {url} within {seconds}s")


def test_serve_rebuilds_on_a_docstring_edit(serving: tuple[Path, str]) -> None:
    tmp, url = serving
    _fetch_until(url, "The length in feet.")
    source = tmp / "flat" / "flatpkg" / "__init__.py"
    source.write_text(source.read_text().replace("The length in feet.", "Feet, edited."))
    _fetch_until(url, "Feet, edited.")


def test_multi_root_package_loads_what_it_re_exports(tmp_path: Path) -> None:
    """facade re-exports corepkg (as attrs does attr): corepkg is loaded too."""
    loaded = load("facade", src=INIT / "multi")
    assert loaded.preload == ["corepkg"]
    plan = plan_site(loaded)
    assert [p.anchors for p in plan.pages] == [("facade.Widget", "facade.make_widget")]
    _copy(tmp_path, "multi")
    _init("facade", "site-src", "--src", "multi", "--no-trial", cwd=tmp_path)
    project = tmp_path / "site-src"
    build = mkdocs_build(project)
    assert build.returncode == 0, build.output
    assert build.warnings == []
    _checks_pass(project, build.site)
    page = _page(build.site, "/reference/facade/")
    widget = page.select_one("article [id='facade.Widget']")
    assert widget is not None
    # The re-export renders the object itself, not a bare alias: its docstring is there.
    assert "How big it is." in page.get_text()


# --- A docstring's faults are the docstring's ----------------------------------

_FAULTY = {
    "__init__.py": '''\
        """Faulty has docstrings that get things wrong; every object is documented all the same."""

        from faulty.filter import LineFilter
        from faulty.shapes import Canvas, Cascade, Layer

        __all__ = ["Canvas", "Cascade", "Layer", "LineFilter", "colour", "guide", "line_filters"]


        def line_filters() -> list[LineFilter]:
            """The filters, each a [LineFilter][faulty.filters.LineFilter]."""
            return []


        def colour() -> None:
            """Another package's object: [Decoder][json.JSONDecoder]."""


        def guide() -> None:
            """See [field validators](../concepts/validators.md#field-wrap-validator).

            And [the layer](faulty.Layer), linked as a URL.
            """
        ''',
    "filter.py": '''\
        """Line filters."""


        class LineFilter:
            """Filters a line."""
        ''',
    "shapes.py": '''\
        """Shapes to draw on."""


        class Canvas:
            """A canvas.

            Args:
                width: Width of the canvas (in cells).
                height Height of the canvas (in cells).
            """

            def __init__(self, width: int, height: int) -> None:
                self.width = width

            def clear(self) -> None:
                """Clear it."""


        class Layer:
            """A layer, whose docstring does not parse either.

            Args:
                depth the depth, without its colon
            """

            def __init__(self, depth: int) -> None:
                self.depth = depth


        class Cascade:
            """Draws on a [layer][faulty.Layer], whose own docstring warns."""
        ''',
}

_METADATA = """\
Metadata-Version: 2.1
Name: faulty
Version: 1.0
Project-URL: Documentation, https://faulty.example.org/get-started/
"""


def _write_faulty(root: Path) -> Path:
    """The faulty package in ``root/src``, with its distribution's metadata."""
    package = root / "src" / "faulty"
    package.mkdir(parents=True)
    for name, text in _FAULTY.items():
        (package / name).write_text(textwrap.dedent(text))
    info = root / "src" / "faulty-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(_METADATA)
    (info / "RECORD").write_text("".join(f"faulty/{name},,\n" for name in _FAULTY))
    return root / "src"


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Build]:
    """faulty, scaffolded with its trial build, then built as a maintainer would."""
    tmp = tmp_path_factory.mktemp("init-faulty")
    _write_faulty(tmp)
    output = _init("faulty", "site-src", "--src", "src", cwd=tmp)
    build = mkdocs_build(tmp / "site-src")
    assert build.returncode == 0, build.output
    return output, build


def test_faulty_docstrings_keep_every_object_after_one_trial_build(
    faulty: tuple[str, Build],
) -> None:
    output, build = faulty
    assert output.count("trial build (mkdocs build --strict)") == 1
    assert build.warnings == []
    _checks_pass(build.project, build.site)
    assert load_exclusions(build.project / "coverage-exclusions.yml") == []
    ids = set(_ids(build.site))
    documented = {"Canvas", "Cascade", "Layer", "LineFilter", "colour", "guide", "line_filters"}
    assert {f"faulty.{name}" for name in documented} <= ids
    assert "faulty.Canvas.clear" in ids  # an unparsable class keeps its members


def _finding(output: str, text: str) -> str:
    lines = [line for line in output.splitlines() if text in line]
    assert len(lines) == 1, output
    return lines[0]


@pytest.mark.parametrize(
    ("text", "where", "fix"),
    [
        # A name the release does not have, and the one it has.
        (
            "`faulty.filters.LineFilter`",
            "__init__.py:10: faulty.line_filters",
            "(did you mean `faulty.filter.LineFilter`?)",
        ),
        # Another package's object, with no inventory configured.
        (
            "`json.JSONDecoder`",
            "__init__.py:15: faulty.colour",
            "(an object of `json`: add its objects.inv",
        ),
        # A relative link into the package's narrative docs.
        (
            "../concepts/validators.md",
            "__init__.py:19: faulty.guide",
            "leads to https://faulty.example.org/concepts/validators/#field-wrap-validator",
        ),
        # A link to a dotted name, meant as a cross-reference.
        ("link to `faulty.Layer` written as a URL", "faulty.guide", "(write [the layer]"),
        # Sections griffe cannot split.
        ("pair from 'height Height", "shapes.py:9: faulty.shapes.Canvas", ""),
        ("pair from 'depth the depth", "shapes.py:23: faulty.shapes.Layer", ""),
    ],
)
def test_faulty_findings_say_file_line_object_and_fix(
    faulty: tuple[str, Build], text: str, where: str, fix: str
) -> None:
    line = _finding(faulty[0], text)
    assert where in line
    assert fix in line


def test_faulty_pages_render_each_fault_as_well_as_it_can(faulty: tuple[str, Build]) -> None:
    page = _page(faulty[1].site, "/reference/faulty/")

    def contents(name: str) -> Any:
        heading = page.select_one(f"article [id='{name}']")
        assert heading is not None, name
        return heading.find_parent("div", class_="doc-object").select_one(".doc-contents")

    # Cross-references to what the site does not document: the name as code, no link.
    filters = contents("faulty.line_filters")
    assert [c.get_text() for c in filters.select("code")] == ["LineFilter"]
    assert filters.select("a") == []
    assert [c.get_text() for c in contents("faulty.colour").select("code")] == ["Decoder"]
    # A relative link leads to the package's docs site, a dotted-name link to the object.
    guide = contents("faulty.guide")
    assert [a["href"] for a in guide.select("a")] == [
        "https://faulty.example.org/concepts/validators/#field-wrap-validator",
        "#faulty.Layer",
    ]
    # The cascade: Layer warns, and Cascade's link to it still works.
    assert [a["href"] for a in contents("faulty.Cascade").select("a")] == ["#faulty.Layer"]
    # An unparsable section renders as griffe leaves it: the rest of the docstring is there.
    canvas = contents("faulty.Canvas")
    assert "A canvas." in canvas.get_text()
    assert "Width of the canvas" in canvas.get_text()


def test_a_fault_the_plan_missed_takes_a_second_build(tmp_path: Path) -> None:
    """Findings the first build shows are added and the second build is clean."""
    src = _write_faulty(tmp_path)
    loaded = load("faulty", src=src)
    plan = plan_site(loaded)
    # As if the audit had seen none of the faults: the build's warnings show them.
    plan.findings = []
    folder = tmp_path / "site-src"
    files = write_project(folder, project_files(plan, src="../src"))
    trial = settle(folder, loaded, plan, files, src="../src")
    assert (trial.outcome, trial.builds) == ("clean", 2)
    assert trial.plan.exclusions == []
    kinds = {(f.kind, f.target) for f in trial.plan.findings}
    assert {("unlinked", "faulty.filters.LineFilter"), ("unparsed", "faulty.shapes.Layer")} <= kinds


@pytest.mark.parametrize(
    ("text", "unlinked", "expected"),
    [
        (
            "See [LineFilter][pkg.filters.LineFilter].",
            {"pkg.filters.LineFilter"},
            "See `LineFilter`.",
        ),
        ("See [`Color`][rich.Color] now.", {"rich.Color"}, "See `Color` now."),
        ("See [pkg.Gone][].", {"pkg.Gone"}, "See `pkg.Gone`."),
        ("See [`pkg.Gone`][].", {"pkg.Gone"}, "See `pkg.Gone`."),
        # Brackets in the text, as in a type written outside code.
        (
            "get_args(Union[int, Union[T, int]][int])",
            {"int"},
            "get_args(Union`int, Union[T, int]`)",
        ),
        ("get_args(Callable[[], T][int])", {"int"}, "get_args(Callable`[], T`)"),
        ("See [Kept][pkg.Kept].", {"pkg.Gone"}, "See [Kept][pkg.Kept]."),
        # One space or line break between the parts, spaces in the identifier (an
        # ASCII diagram, as httpx.URL's): Markdown reads a cross-reference all the same.
        (
            "[scheme]   [  user  ] [password] [ host ][port]\n[ path ] [ query ]",
            {"password", "port", " query "},
            "[scheme]   `  user  ` ` host `\n` path `",
        ),
        ("See [Gone]\n[pkg.Gone].", {"pkg.Gone"}, "See `Gone`."),
        ("Code `x[a][pkg.Gone]` stays.", {"pkg.Gone"}, "Code `x[a][pkg.Gone]` stays."),
        ("```\n[a][pkg.Gone]\n```", {"pkg.Gone"}, "```\n[a][pkg.Gone]\n```"),
        # A reference link defined in the docstring is Markdown's, not a cross-reference.
        ("[a][pkg.Gone]\n\n[pkg.gone]: https://x.org", {"pkg.Gone"}, None),
    ],
)
def test_unlink(text: str, unlinked: set[str], expected: str | None) -> None:
    assert unlink(text, unlinked) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "base", "expected"),
    [
        ("[v](../concepts/v.md#part)", "https://d.org/", "[v](https://d.org/concepts/v/#part)"),
        ("[g](guide/index.md)", "https://d.org/latest/", "[g](https://d.org/latest/guide/)"),
        ("[g](./api/)", "https://d.org", "[g](https://d.org/api/)"),
        ("[v](../concepts/v.md)", None, "v"),
        ("[o](pkg.mod.Object)", None, "[o][pkg.mod.Object]"),
        ("[x](https://x.org/a.md) [y](/abs/) [z](#here)", None, None),
        ("[1]: ../a.md", "https://d.org/", "[1]: https://d.org/a/"),
    ],
)
def test_narrative_links(text: str, base: str | None, expected: str | None) -> None:
    assert narrative_links(text, base) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("url", "root"),
    [
        (
            "https://pydantic.dev/docs/validation/latest/get-started/",
            "https://pydantic.dev/docs/validation/latest/",
        ),
        ("https://textual.textualize.io/", "https://textual.textualize.io/"),
        ("https://docs.pydantic.dev", "https://docs.pydantic.dev/"),
        ("https://x.readthedocs.io/en/latest/index.html", "https://x.readthedocs.io/en/latest/"),
        ("https://x.org/docs/", "https://x.org/docs/"),
    ],
)
def test_docs_root(url: str, root: str) -> None:
    assert docs_root(url) == root
