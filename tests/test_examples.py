"""The examples check: finding fences, running them, the report, the CLI and the site page."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import griffe
import pytest
from bs4 import BeautifulSoup

from conftest import BIN, FIXTURES, Build, mkdocs_build, refsite, run, soup
from refsite.examples import check as check_module
from refsite.examples.check import Checked, ExamplesError, Settings, check
from refsite.examples.collect import Example, fences, load_objects
from refsite.examples.fences import strip_hidden
from refsite.examples.report import ExampleExclusion, parse_exclusions, sort_out
from refsite.examples.runner import run_all, static_check

FIXTURE = FIXTURES / "examples"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dest = tmp_path / "examples"
    shutil.copytree(FIXTURE, dest)
    return dest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("```python\nx = 1\n```", [(0, "x = 1\n", (), 0)]),
        ("Text\n\n    ```py no_run\n    x = 1\n    ```\n", [(2, "x = 1\n", ("no_run",), 0)]),
        ("```console\n$ ls\n```\n```python\ny\n```", [(3, "y\n", (), 0)]),
        ("````python\n```\n````", [(0, "```\n", (), 0)]),
        ("```\nplain\n```", []),
    ],
)
def test_fences_finds_python_blocks(text: str, expected: list[object]) -> None:
    assert list(fences(text)) == expected


@pytest.mark.parametrize(
    ("text", "runs", "shows"),
    [
        # The code after the marker runs, at the line's indentation; the page omits it.
        (
            "```python\n# hidden: x = 1\nfor _ in [x]:\n    # hidden: y = x\n    pass\n```",
            "x = 1\nfor _ in [x]:\n    y = x\n    pass\n",
            "```python\nfor _ in [x]:\n    pass\n```",
        ),
        # A marker alone hides a blank line; flags are kept.
        ("```py no_run\nx = 1\n# hidden:\n```", "x = 1\n", "```py no_run\nx = 1\n```"),
        # Not the marker: ordinary comments, one without the space.
        ("```python\n# hidden:x\n#  hidden: x\n```", "# hidden:x\n#  hidden: x\n", None),
    ],
)
def test_hidden_lines_run_and_never_show(text: str, runs: str, shows: str | None) -> None:
    assert [fence.code for fence in fences(text)] == [runs]
    assert strip_hidden(text) == (text if shows is None else shows)


@pytest.mark.parametrize(
    "text",
    [
        "# hidden: outside any fence",
        "```console\n# hidden: not Python\n```",
        "```pycon\n>>> # hidden: never run, so never hidden\n```",
    ],
)
def test_hidden_lines_only_in_fences_that_run(text: str) -> None:
    assert strip_hidden(text) == text


def test_the_extension_strips_docstrings_parameters_and_annotations() -> None:
    """The handler's objects lose the hidden lines; the examples check's keep them."""
    # Listed before griffe_typingdoc, it still strips what that one adds.
    loader = griffe.GriffeLoader(
        extensions=griffe.load_extensions("refsite.hidden_lines", "griffe_typingdoc"),
        search_paths=[FIXTURE / "src"],
    )
    rendered = loader.load("expkg")["hidden"]
    checked = load_objects(["expkg"], search_paths=[FIXTURE / "src"])["expkg.hidden"]

    def texts(obj: griffe.Object) -> list[str]:
        assert obj.docstring is not None
        (parameters,) = [s for s in obj.docstring.parsed if s.kind.value == "parameters"]
        described = parameters.value[0].description
        return [obj.docstring.value, described, str(obj.parameters["numbers"].annotation)]

    assert all("# hidden:" not in text for text in texts(rendered))
    assert "assert hidden(numbers) == 6" in texts(rendered)[0]
    assert "assert add([1, 2]) == 3" in texts(rendered)[2]
    assert all("# hidden:" in text for text in texts(checked))


def test_static_check_finds_syntax_errors_and_undefined_names() -> None:
    assert static_check("x = (", set()) == {
        "status": "failed",
        "error": "SyntaxError",
        "message": "'(' was never closed",
        "line": 1,
    }
    failed = static_check("y = 1\nprint(z)\n", set())
    assert failed is not None
    assert (failed["error"], failed["line"]) == ("NameError", 2)
    assert static_check("print(z)\n", {"z"}) is None


def test_run_all_runs_each_example_in_its_own_process() -> None:
    codes = [
        "import os\nopen('f', 'w').write('x')\nassert os.listdir('.') == ['f']\n",
        "value = PRELUDE + 1\nraise ValueError(value)\n",
        "import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=5)\n",
        "while True:\n    pass\n",
    ]
    results = run_all(codes, prelude="PRELUDE = 41\n", timeout=2, workers=2)
    assert [r["status"] for r in results] == ["passed", "failed", "failed", "failed"]
    assert (results[1]["error"], results[1]["message"], results[1]["line"]) == (
        "ValueError",
        "42",
        2,
    )
    assert results[2]["error"] == "ConnectionRefusedError"
    assert results[3]["error"] == "TimeoutError"


def _checked(obj: str, status: str, code: str = "x\n") -> Checked:
    return Checked(Example(obj, "p/m.py", 3, code), {"status": status, "error": "E", "line": 1})


def test_sort_out_excludes_failures_only_and_flags_stale_exclusions() -> None:
    used = ExampleExclusion("p.A", "known", contains="boom")
    on_passing = ExampleExclusion("p.B", "passes now")
    report = sort_out(
        [_checked("p.A", "failed", "boom\n"), _checked("p.A", "failed"), _checked("p.B", "passed")],
        [used, on_passing],
    )
    assert [o.status for o in report.outcomes] == ["excluded", "failed", "passed"]
    assert report.stale == [on_passing]


def test_exclusions_need_a_reason() -> None:
    with pytest.raises(ExamplesError, match="give a 'reason'"):
        parse_exclusions({"exclude": [{"object": "p.A"}]})
    with pytest.raises(ExamplesError, match="'exclude' list"):
        parse_exclusions({"excluded": []})


def _settings(project: Path, store: Path | None) -> Settings:
    return Settings(
        packages=["expkg"],
        docs_dir=project / "docs",
        search_paths=[project / "src"],
        prelude="from expkg import *\n",
        store=store,
    )


def test_check_collects_docstrings_parameters_and_inherited_members(project: Path) -> None:
    checked = {(c.example.object, c.example.line): c for c in check(_settings(project, None))}
    assert sorted(checked) == [
        ("expkg.Box", 50),
        ("expkg.Box.label", 10),
        ("expkg.Box.open", 58),
        ("expkg.Legacy", 85),
        ("expkg.greet", 19),
        ("expkg.greet", 30),
        ("expkg.hidden", 112),
        ("expkg.hidden", 122),
        ("expkg.hidden", 127),
        ("expkg.hidden", 132),
        ("expkg.make_app", 69),
        ("expkg.marked", 94),
        ("expkg.marked", 99),
        ("expkg.undefined", 40),
    ]
    assert checked["expkg.Box.label", 10].example.file == "expkg/base.py"
    assert checked["expkg.greet", 19].passed  # a parameter's Doc(...), with the prelude
    failed = checked["expkg.make_app", 69].result
    # The route is declared fine; it fails when the app answers under TestClient.
    assert (failed["error"], failed["line"]) == ("ZeroDivisionError", 8)
    # no_run: checked, never run (it would time out); should_fail: it fails, so it passes.
    assert checked["expkg.marked", 94].passed
    assert checked["expkg.marked", 99].passed
    # Hidden lines run: without its hidden setup each of these would fail
    # (an undefined name), the should_fail one would fail for the wrong reason.
    hidden = [c for (obj, _), c in sorted(checked.items()) if obj == "expkg.hidden"]
    assert [c.passed for c in hidden] == [True] * 4
    assert [c.example.code.splitlines()[0] for c in hidden] == [
        "from expkg import hidden as add",
        "numbers = [1, 2, 3]",
        'numbers = [1, "two"]',
        "import time",
    ]


def test_a_warm_check_runs_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = project / "store"
    cold = check(_settings(project, store))

    def no_run(*args: object, **kwargs: object) -> object:
        raise AssertionError("a warm check ran examples")

    monkeypatch.setattr(check_module, "Runner", no_run)
    monkeypatch.setattr(check_module, "load_objects", no_run)
    assert check(_settings(project, store)) == cold
    # An edited example runs again; the others are kept.
    source = project / "src" / "expkg" / "__init__.py"
    source.write_text(source.read_text().replace("1 / 0\n        ```", "1 / 1\n        ```"))
    monkeypatch.undo()
    warm = {c.example.object: c for c in check(_settings(project, store))}
    assert warm["expkg.Box.open"].passed


def test_the_same_files_elsewhere_find_the_kept_list(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The root of a versioned site reads its newest release's files installed,
    # and CI a restored cache in a new virtual environment: other paths and times.
    info = project / "src" / "expkg-1.0.dist-info"
    info.mkdir()  # an installed distribution: its results are kept by its version
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: expkg\nVersion: 1.0\n")
    store = project / "store"
    cold = check(_settings(project, store))
    moved = tmp_path / "moved"
    shutil.copytree(project / "src", moved, copy_function=shutil.copy)
    elsewhere = replace(_settings(project, store), search_paths=[moved])
    assert check(replace(elsewhere, store=None)) == cold  # what a check there finds

    def no_run(*args: object, **kwargs: object) -> object:
        raise AssertionError("the check ran examples")

    monkeypatch.setattr(check_module, "Runner", no_run)
    monkeypatch.setattr(check_module, "load_objects", no_run)
    assert check(elsewhere) == cold
    # Other content: not the kept list.
    source = moved / "expkg" / "__init__.py"
    source.write_text(source.read_text() + "\n# changed\n")
    with pytest.raises(AssertionError, match="ran examples"):
        check(elsewhere)


def test_cli_json_records_and_exit_codes(project: Path) -> None:
    done = refsite("examples", project, "--format", "json", "--no-cache", cwd=project)
    assert done.returncode == 1, done.stdout
    data = json.loads(done.stdout)
    assert (data["found"], data["passed"], data["failed"], data["excluded"]) == (14, 10, 3, 1)
    record = next(r for r in data["examples"] if r["object"] == "expkg.undefined")
    assert record["file"] == "expkg/__init__.py"
    assert record["line"] == 40
    assert record["code"] == 'result = greet("x")\nprint(missing_name)\n'
    assert record["status"] == "failed"
    assert record["error"] == {
        "type": "NameError",
        "message": "name 'missing_name' is not defined",
        "example_line": 2,
        "source_line": 42,
    }
    legacy = next(r for r in data["examples"] if r["object"] == "expkg.Legacy")
    assert (legacy["status"], legacy["fix"]) == ("excluded", "Delete the example.")


def test_cli_exits_0_when_every_failure_is_excluded_and_1_on_a_stale_one(project: Path) -> None:
    exclusions = project / "examples-exclusions.yml"
    exclusions.write_text(
        "exclude:\n"
        "  - {object: expkg.Legacy, reason: on purpose}\n"
        "  - {object: expkg.undefined, reason: a missing name}\n"
        "  - {object: 'expkg.Box.*', contains: '1 / 0', reason: a runtime error}\n"
        "  - {object: expkg.make_app, reason: a bad route}\n"
    )
    done = refsite("examples", project / "mkdocs.yml", "--format", "json", cwd=project)
    assert done.returncode == 0, done.stdout
    with exclusions.open("a") as file:
        file.write("  - {object: expkg.greet, reason: it passes}\n")
    done = refsite("examples", project, "--format", "json", cwd=project)
    assert done.returncode == 1
    assert json.loads(done.stdout)["stale"] == [{"object": "expkg.greet", "contains": None}]


def test_cli_bad_input_exits_2(project: Path, tmp_path: Path) -> None:
    done = refsite("examples", project / "nowhere", cwd=project)
    assert done.returncode == 2
    assert "no such file" in done.stdout
    # A built site's folder, with the configuration given apart: its examples are checked.
    (tmp_path / "site").mkdir()
    done = refsite("--config", project / "mkdocs.yml", "examples", tmp_path / "site", cwd=tmp_path)
    assert done.returncode == 1
    assert "| 14 | 10 | 3 | 1 |" in done.stdout
    (project / "examples-exclusions.yml").write_text("exclude: [{object: expkg.Legacy}]\n")
    done = refsite("examples", project, cwd=project)
    assert done.returncode == 2
    assert "give a 'reason'" in done.stdout


def test_site_page_lists_failed_and_excluded_examples(project: Path) -> None:
    with (project / "examples-exclusions.yml").open("a") as file:
        file.write("  - {object: expkg.greet, reason: it passed once}\n")
    build = mkdocs_build(project)
    # A strict build fails on each failure no exclusion names, and on a stale exclusion.
    assert build.returncode == 1
    failing = [w for w in build.warnings if "examples:" in w]
    assert len(failing) == 4, build.output
    assert failing[-1].endswith(
        "examples: exclusion of expkg.greet in examples-exclusions.yml matches no failing "
        "example: remove it"
    )
    assert any("expkg.undefined (expkg/__init__.py:40) fails: NameError" in w for w in failing)
    page = soup(build.site / "examples" / "index.html")
    counts = [td.get_text() for td in page.select("article table")[0].select("td")]
    assert counts == ["14", "10", "3", "1"]
    failed_rows = page.select("article table")[1].select("tbody tr")
    links = {row.select_one("td a")["href"] for row in failed_rows}
    assert links == {
        "../api/#expkg.undefined",
        "../api/#expkg.Box.open",
        "../api/#expkg.make_app",
    }
    excluded = page.select("article table")[2].select("tbody tr")
    assert [td.get_text() for td in excluded[0].select("td")][-2:] == [
        "The example fails on purpose.",
        "Delete the example.",
    ]


_EXCLUDE_ALL_FAILURES = (
    "exclude:\n"
    "  - {object: expkg.Legacy, reason: on purpose}\n"
    "  - {object: expkg.undefined, reason: a missing name}\n"
    "  - {object: expkg.Box.open, reason: a runtime error}\n"
    "  - {object: expkg.make_app, reason: a bad route}\n"
)


def test_site_build_passes_when_every_failure_is_excluded(project: Path) -> None:
    (project / "examples-exclusions.yml").write_text(_EXCLUDE_ALL_FAILURES)
    build = mkdocs_build(project)
    assert build.returncode == 0, build.output
    assert build.warnings == []


# What the fixture's hidden lines run; the page shows only the rest of each example.
_HIDDEN_CODE = ("# hidden", "hidden as add", "[1, 2, 3]", '[1, "two"]', "import time", "sleep")


def _site_texts(site: Path) -> dict[str, str]:
    """The text of every page, twin, llms.txt and search index of a built site."""
    texts: dict[str, str] = {}
    for path in site.rglob("*"):
        if "assets" in path.parts or path.suffix not in {".html", ".md", ".txt", ".json"}:
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":  # the search index: HTML within JSON strings
            text = " ".join(_strings(json.loads(text)))
        if path.suffix in {".html", ".json"}:
            text = BeautifulSoup(text, "html.parser").get_text()
        texts[path.relative_to(site).as_posix()] = text
    return texts


def _strings(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    values = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    return [text for value in values for text in _strings(value)]


def test_hidden_lines_never_render_under_mkdocs_or_zensical(project: Path) -> None:
    # Zensical runs the python handler's griffe extensions, not MkDocs plugins.
    zensical = run(BIN / "zensical", "build", cwd=project)
    assert zensical.returncode == 0, zensical.stdout
    (project / "site").rename(project / "zensical-site")
    (project / "examples-exclusions.yml").write_text(_EXCLUDE_ALL_FAILURES)
    build = mkdocs_build(project)
    assert build.returncode == 0, build.output
    for site in (build.site, project / "zensical-site"):
        texts = _site_texts(site)
        assert "assert hidden(numbers) == 6" in texts["api/index.html"]
        assert "The numbers to add." in texts["api/index.html"]
        shown = {
            (name, code) for name, text in texts.items() for code in _HIDDEN_CODE if code in text
        }
        assert shown == set(), site
    assert {"llms.txt", "api/index.md", "search/search_index.json"} <= set(_site_texts(build.site))
    assert "search.json" in _site_texts(project / "zensical-site")
    # Without the extension the pages would show them: the build says so.
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace(", refsite.hidden_lines]", "]"))
    build = mkdocs_build(project, project / "bare-site")
    assert build.returncode == 1
    assert build.warnings[0].endswith(
        "examples: 4 example(s) hide lines with '# hidden: ' (the first: expkg.hidden, "
        "expkg/__init__.py:122), but the pages show them: add refsite.hidden_lines to the "
        "python handler's extensions"
    ), build.output
    # And the command line, which says it without changing its exit code (0:
    # every failing example is excluded here, as with the extension).
    done = refsite("examples", project, cwd=project)
    assert done.returncode == 0, done.stdout
    warning = next(line for line in done.stdout.splitlines() if "refsite: warning:" in line)
    assert warning.endswith("add refsite.hidden_lines to the python handler's extensions")
    assert "mkdocs.yml: 4 example(s) hide lines" in warning


def test_coverage_counts_documented_objects_with_an_example() -> None:
    from refsite.checks.coverage import CoverageReport, PublicObject, examples_line

    report = CoverageReport(
        documented=[
            PublicObject("p.m.A", ("p.A",)),
            PublicObject("p.m.B", ("p.B",)),
            PublicObject("p.m.f", ("p.f",)),
        ]
    )
    # One in a member's docstring (A.run), one under the object's public name (f).
    line = examples_line(report, ["p.A.run", "p.f", "q.Other"])
    assert line.startswith("**2** of the 3 documented objects (66.7%)")


def test_fastapi_examples_page_lists_fastapis_own_mistakes(fastapi_site: Build) -> None:
    page = soup(fastapi_site.site / "reference" / "examples" / "index.html")
    tables = page.select("article table")
    counts = [td.get_text() for td in tables[0].select("td")]
    assert counts[2:] == ["0", str(len(tables[1].select("tbody tr")))]
    fixes = {
        row.select("td")[1].get_text(): row.select("td")[-1].get_text()
        for row in tables[1].select("tbody tr")
        if row.select("td")[-1].get_text()
    }
    assert fixes == {
        "fastapi/applications.py:463": (
            'app = FastAPI(docs_url="/documentation", redoc_url="/redocumentation")'
        ),
        "fastapi/security/oauth2.py:184": (
            "from fastapi.security import OAuth2PasswordRequestFormStrict"
        ),
    }
    source = tables[1].select_one("tbody tr td:nth-of-type(2) a")
    assert source is not None
    assert source["href"].startswith("https://github.com/fastapi/fastapi/blob/0.165.0/fastapi/")
