"""Every ``refsite`` command, given bad input, says so in one line, exits 2 and changes nothing.

The commands come from the parser itself: a new command (or a new option
with a type) fails :func:`test_every_command_and_typed_option_has_a_bad_input_row`
until the table has a row for it. Each row runs in-process through
:func:`refsite.cli.main.main`, in a folder of small files whose bytes are
compared before and after.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from refsite.cli import main as cli

CONFIG = """\
site_name: fuzz
plugins:
  - refsite:
      coverage:
        packages: [minipkg]
      releases:
        package: minipkg
        lock: releases.lock.json
"""

FILES = {
    "mkdocs.yml": CONFIG,
    "file.txt": "a regular file: a path under it cannot be written, even by root\n",
    "bad.yml": "exclude:\n  - name: [unclosed\n",
    "label.yml": "tree:\n  - label: 5\n    url: /a/\n",
    "fake-site/index.html": "<html><body><h1 id='a'>A</h1></body></html>\n",
    "notcache/notes.txt": "the user's notes\n",
    "notcache/data.csv": "a,b\n1,2\n",
    "negative.yml": CONFIG + "      cache_max_mb: -5\n",
    "nan.yml": CONFIG + "      cache_max_mb: .nan\n",
    "percent.yml": CONFIG.replace("[minipkg]\n", "[minipkg]\n        fail_under: 150\n"),
    "select.yml": CONFIG + "        select: bogus\n",
    "since.yml": CONFIG + "        since: abc\n",
    "timeout.yml": CONFIG + "      examples:\n        timeout: 0\n",
    "workers.yml": CONFIG + "      workers: -2\n",
    "broken.yml": "site_name: [unclosed\n",
}

# Tests run as root, for whom chmod makes nothing read-only: a path under a
# regular file (file.txt/sub/...) is a real write failure, and so is a new file in /proc.
UNDER_A_FILE = "file.txt/sub/out.json"

ROWS: list[tuple[str, list[str]]] = [
    # (the command, as the parser names it; its arguments after the global ones)
    ("check", ["check", "missing"]),
    ("check", ["check", "file.txt"]),
    ("check", ["check", "fake-site", "--tree", "bad.yml"]),
    ("check", ["check", "fake-site", "--tree", "label.yml"]),
    ("check", ["check", "fake-site", "--tree", "missing.yml"]),
    ("coverage", ["coverage", "notcache"]),
    ("coverage", ["coverage", "fake-site", "--fail-under", "nan"]),
    ("coverage", ["coverage", "fake-site", "--fail-under", "-1"]),
    ("coverage", ["coverage", "fake-site", "--fail-under", "150"]),
    ("coverage", ["coverage", "fake-site", "--exclusions", "bad.yml"]),
    ("coverage", ["--config", "percent.yml", "coverage", "fake-site"]),
    ("links", ["links", "missing"]),
    ("links", ["links", "notcache"]),
    ("llms", ["llms", "missing"]),
    ("manifest", ["manifest", "missing"]),
    ("manifest", ["manifest", "fake-site", "-o", UNDER_A_FILE]),
    ("manifest", ["manifest", "fake-site", "-o", "/nonexistent/dir/m.json"]),
    ("manifest", ["manifest", "fake-site", "-o", "/proc/refsite-manifest.json"]),
    ("diff", ["diff", "missing", "fake-site"]),
    ("diff", ["diff", "bad.yml", "fake-site"]),
    ("examples", ["examples", "missing"]),
    ("examples", ["examples", ".", "--timeout", "0"]),
    ("examples", ["examples", ".", "--timeout", "-1"]),
    ("examples", ["examples", ".", "--timeout", "nan"]),
    ("examples", ["--config", "timeout.yml", "examples", "."]),
    ("changes", ["changes", "0.115.0", "0.110.0", "--package", "minipkg"]),
    ("changes", ["changes", "abc", "1.0", "--package", "minipkg"]),
    ("history", ["history", "--since", "abc"]),
    ("history", ["history", "--until", "banana"]),
    ("history", ["history", "--since", "1.0", "-o", UNDER_A_FILE]),
    ("history", ["--config", "since.yml", "history"]),
    ("init", ["init", "minipkg", UNDER_A_FILE]),
    ("init", ["init", "minipkg", "site", "--releases", "0"]),
    ("init", ["init", "minipkg", "site", "--releases", "8.1,banana"]),
    ("cache prune", ["cache", "prune", "--cache-dir", "notcache", "--max-mb", "0"]),
    ("cache prune", ["cache", "prune", "--cache-dir", ".", "--max-mb", "0"]),
    ("cache prune", ["cache", "prune", "--max-mb", "-5"]),
    ("cache prune", ["cache", "prune", "--max-mb", "nan"]),
    ("cache prune", ["cache", "prune", "--max-mb", "inf"]),
    ("cache prune", ["--config", "negative.yml", "cache", "prune"]),
    ("cache prune", ["--config", "nan.yml", "cache", "prune"]),
    ("cache prune", ["--config", "broken.yml", "cache", "prune"]),
    ("lock-releases", ["lock-releases", "--newest", "banana"]),
    ("lock-releases", ["--config", "select.yml", "lock-releases", "--newest", "1.0"]),
    ("build", ["build", "--versions", "--jobs", "0"]),
    ("build", ["build", "--versions", "--jobs", "-2"]),
    ("docstrings", ["docstrings", "missing"]),
    ("docstrings", ["docstrings", "."]),  # no docs folder
    ("docstrings", ["--config", "broken.yml", "docstrings"]),
    ("build", ["build", "--versions", "--jobs", "nan"]),
    ("build", ["build", "--versions", "-d", UNDER_A_FILE]),
    ("build", ["build", "--versions"]),  # no lock file
    ("build", ["build", "--shard", "1/2"]),  # without --versions
    ("build", ["--config", "workers.yml", "build"]),
    ("serve", ["serve", "--port", "-1"]),
    ("serve", ["serve", "--port", "70000"]),
    ("serve", ["serve", "--versions", "--jobs", "0"]),
    ("serve", ["serve", "-d", UNDER_A_FILE]),
    ("upgrade", ["upgrade", "--check", "--pyproject", "nope.toml"]),
    ("upgrade", ["upgrade", "--pr-body", "1.0", "1.1", "--requirements", "r.txt"]),
    ("upgrade", ["--config", "select.yml", "upgrade", "--check"]),
]


def _commands(parser: argparse.ArgumentParser, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Each command the parser runs (``cache prune`` for a group's action), with its parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, f"{prefix} {name}".strip())
            return
    yield prefix, parser


def _typed_options(parser: argparse.ArgumentParser) -> list[list[str]]:
    """The options whose values a type checks (a string or a path takes anything)."""
    return [
        action.option_strings
        for action in parser._actions
        if action.option_strings and action.type not in (None, str, Path)
    ]


def test_every_command_and_typed_option_has_a_bad_input_row() -> None:
    rows: dict[str, list[list[str]]] = {}
    for command, argv in ROWS:
        rows.setdefault(command, []).append(argv)
    missing = []
    for command, parser in _commands(cli._parser()):
        if command not in rows:
            missing.append(command)
            continue
        given = {arg for argv in rows[command] for arg in argv}
        missing += [f"{command} {o[-1]}" for o in _typed_options(parser) if given.isdisjoint(o)]
    assert not missing, f"add a bad-input row to ROWS for: {', '.join(missing)}"


def _files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
    }


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # Nothing here may reach the package index: a row that tries fails on it.
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.delenv("REFSITE_CACHE_DIR", raising=False)
    return tmp_path


def _run(argv: list[str]) -> int | str | None:
    try:
        return cli.main(argv)
    except SystemExit as exit:  # the parser's own errors
        return exit.code


@pytest.mark.parametrize(("command", "argv"), ROWS, ids=[" ".join(a) for _, a in ROWS])
def test_bad_input_is_one_line_exit_2_and_changes_no_file(
    folder: Path, capsys: pytest.CaptureFixture[str], command: str, argv: list[str]
) -> None:
    before = _files(folder)
    code = _run(argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert "Traceback" not in err
    assert 1 <= len(lines) <= 3, err
    assert lines[-1].startswith("refsite"), err
    after = _files(folder)
    assert {name: after.get(name) for name in before} == before


def test_a_bug_in_refsite_shows_its_traceback_and_says_where_to_report_it(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(cli, "read_config", broken)
    assert _run(["cache", "prune"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == "Traceback (most recent call last):"
    assert err[-2] == "KeyError: 'a bug'"
    assert err[-1].startswith("refsite: this is a bug in refsite, not in your input: please report")
