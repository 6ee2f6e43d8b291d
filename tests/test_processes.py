"""The one way to run MkDocs in a subprocess."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from refsite.core.processes import (
    DEFAULT_COLLECTIONS,
    FEWER_COLLECTIONS,
    BackgroundJob,
    collect_less,
    mkdocs_command,
    run_mkdocs,
)
from refsite.examples.runner import run_all

# Stands in for MkDocs: shows its arguments, folder and environment, exits 3.
ECHO = [
    sys.executable,
    "-c",
    "import os, sys; print(sys.argv[1:], os.path.basename(os.getcwd()), os.environ.get('X'), flush=True);"
    " print('to stderr', file=sys.stderr); sys.exit(3)",
]


@pytest.mark.parametrize(
    ("argv", "command", "expected"),
    [
        (["build"], None, [sys.executable, "-m", "mkdocs", "build"]),
        (["build", "--strict"], ["/v/bin/mkdocs"], ["/v/bin/mkdocs", "build", "--strict"]),
        ([], ["mkdocs"], ["mkdocs"]),
    ],
)
def test_the_command_line(argv: list[str], command: list[str] | None, expected: list[str]) -> None:
    assert mkdocs_command(argv, command=command) == expected


def test_status_and_output_in_its_folder_and_environment(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    status, output = run_mkdocs(
        ["build", "--strict"], command=ECHO, cwd=tmp_path / "project", env={"X": "y"}
    )
    assert status == 3
    assert output.splitlines() == ["['build', '--strict'] project y", "to stderr"]


def test_output_left_to_the_terminal_is_not_handed_back(capfd: pytest.CaptureFixture[str]) -> None:
    status, output = run_mkdocs(["serve"], command=ECHO, capture=False)
    assert (status, output) == (3, "")
    assert "['serve']" in capfd.readouterr().out


def test_the_default_runs_this_python_s_mkdocs() -> None:
    status, output = run_mkdocs(["--version"])
    assert status == 0
    assert "mkdocs, version" in output


def test_a_background_job_answers_its_request_as_json() -> None:
    from refsite.core.processes import BackgroundJob

    code = "import json, sys; r = json.load(sys.stdin); print(json.dumps({'sum': sum(r)}))"
    assert BackgroundJob(code, [1, 2, 3]).answer() == {"sum": 6}


@pytest.mark.parametrize(
    "code",
    [
        "import sys; sys.exit(3)",  # failed: the caller does the work itself
        "print('not json')",
    ],
)
def test_a_background_job_that_fails_answers_none(code: str) -> None:
    from refsite.core.processes import BackgroundJob

    assert BackgroundJob(code, {}).answer() is None


def test_a_stopped_background_job_ends_and_answers_none() -> None:
    import time

    from refsite.core.processes import BackgroundJob

    job = BackgroundJob("import time; time.sleep(60)", {})
    start = time.monotonic()
    job.stop()
    assert time.monotonic() - start < 10
    assert job.answer() is None


@pytest.fixture
def thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_collect_less_makes_the_youngest_collections_rarer_and_keeps_the_ratios(
    thresholds: None,
) -> None:
    gc.set_threshold(700, 10, 10)
    collect_less()
    assert gc.get_threshold() == (FEWER_COLLECTIONS, 10, 10)
    # Set higher already, or collections off (0): left as they are.
    for setting in [(FEWER_COLLECTIONS * 2, 5, 5), (0, 10, 10)]:
        gc.set_threshold(*setting)
        collect_less()
        assert gc.get_threshold() == setting


def test_a_background_job_collects_less_and_an_example_meets_the_default(
    thresholds: None,
) -> None:
    code = "import gc, json, sys; json.load(sys.stdin); print(json.dumps(gc.get_threshold()))"
    assert BackgroundJob(code, {}).answer()[0] == FEWER_COLLECTIONS
    # Examples run in children of a process that collects less: each starts
    # from the interpreter's own thresholds.
    collect_less()
    check = f"import gc\nassert gc.get_threshold() == {tuple(DEFAULT_COLLECTIONS)!r}\n"
    result = run_all([check], prelude="", timeout=10, workers=1)[0]
    assert result["status"] == "passed", result
