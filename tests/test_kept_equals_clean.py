"""A kept result is a clean build's result, whatever input changed.

One project, edited step by step (the table :data:`STEPS`, one row per kind
of input a build reads), built three ways after each step: by ``mkdocs
build`` in a new process with the cache the earlier steps filled
(incremental), by one long-lived process that rebuilds the way ``mkdocs serve
--dirty`` does (served), and by ``mkdocs build`` with no cache at all
(clean). The incremental and the served site must equal the clean one, file
for file, the Examples and Coverage pages included.

The project holds what a build may read from anywhere: its package in the
python handler's ``paths:`` beside a ``.dist-info`` (so a version number
stays the same across edits, as an editable install's does), examples with
an exclusions file and a prelude, a coverage page, and a copy of refsite
itself on ``PYTHONPATH`` (so refsite's own templates can be edited too).
A new kind of input joins with one row.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from conftest import BIN, FIXTURES, ROOT, run
from test_cache import _same_tree

Edit = tuple[str, str, str]
"""(path in the project, old text, new text); an empty old text writes the file anew."""

TEMPLATE = "templates/python/material/function.html.jinja"
OWN_TEMPLATE = "rsrc/refsite/handler_templates/python/material/function.html.jinja"
_USER_TEMPLATE = """{% extends "_base/function.html.jinja" %}
{% block labels scoped %}{{ super() }}<span class="marker">MARKER-1</span>{% endblock labels %}
"""

# Each row: a step's name and its edits, applied to the project as the earlier
# rows left it. "revert" puts back every file the others touched.
STEPS: list[tuple[str, list[Edit]]] = [
    ("first", []),
    ("page", [("docs/api.md", "# API\n", "# API\n\nAn edited introduction.\n")]),
    ("docstring", [("src/expkg/__init__.py", "Greet someone.", "Greet someone warmly.")]),
    ("base docstring", [("src/expkg/base.py", "The label, an", "The label of the box, an")]),
    # A parameter in front of `name`: greet("Ada") in two examples now fails.
    ("signature", [("src/expkg/__init__.py", "def greet(\n", "def greet(\n    greeting: str,\n")]),
    ("line shift", [("src/expkg/base.py", '"""The base', '\n\n\n\n\n"""The base')]),
    # A cross-reference to nothing: a finding on the Docstrings page.
    ("docstring fault", [("src/expkg/__init__.py", "Greet someone warmly.", "Greet someone warmly; see [expkg.nowhere][].")]),
    ("option", [("mkdocs.yml", "show_root_full_path: true", "show_root_full_path: false")]),
    ("user template", [("mkdocs.yml", "  - mkdocstrings:\n",
                       "  - mkdocstrings:\n      custom_templates: templates\n"),
                       (TEMPLATE, "", _USER_TEMPLATE)]),
    ("user template content", [(TEMPLATE, "MARKER-1", "MARKER-2")]),
    ("own template", [("mkdocs.yml", "      custom_templates: templates\n", ""),
                      (OWN_TEMPLATE, "{{ super() }}", "{{ super() }}<i>OWN-MARKER</i>")]),
    ("exclusions", [("examples-exclusions.yml", "exclude:\n", "exclude:\n"
                     "  - object: expkg.undefined\n    reason: Its name is missing.\n"
                     "    fix: Define the name.\n")]),
    # The prelude defines the name `undefined`'s example lacks: it passes now.
    ("prelude", [("mkdocs.yml", 'prelude: "from expkg import *\\n"',
                  'prelude: "from expkg import *\\nmissing_name = 1\\n"')]),
    ("revert", []),
]  # fmt: skip

# Rebuilds the project in one process the way `mkdocs serve --dirty` does (the
# plugin instances MkDocs keeps across rebuilds, a new configuration each
# time, one site folder), applying each step's edits first; after each it
# copies the project as it is and the served site.
SERVE_DIRTY = """
import json, shutil, sys
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config

project, out, steps = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
site = out / "served"
for number, (name, edits) in enumerate(steps):
    for path, text in edits:
        file = project / path
        file.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            file.unlink()
        else:
            file.write_text(text)
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(site))
    if number == 0:
        config.plugins.on_startup(command="serve", dirty=True)
    try:
        build(config, serve_url="http://127.0.0.1:8000/", dirty=number > 0)
    except SystemExit:
        pass
    shutil.copytree(project, out / f"project-{number}", ignore=shutil.ignore_patterns(".cache"))
    shutil.copytree(site, out / f"served-{number}")
"""


def _contents(project: Path) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Each step's files after it: (path, whole text, None for none), computed from the table."""
    texts: dict[str, str | None] = {}

    def read(path: str) -> str | None:
        if path not in texts:
            file = project / path
            texts[path] = file.read_text() if file.exists() else None
        return texts[path]

    originals: dict[str, str | None] = {}
    steps = []
    for name, edits in STEPS:
        written: list[tuple[str, str | None]] = []
        if name == "revert":
            for path, text in originals.items():
                texts[path] = text
                written.append((path, text))
        for path, old, new in edits:
            text = read(path)
            originals.setdefault(path, text)
            if old:
                assert text is not None, (name, path)
                assert old in text, (name, path, old)
                text = text.replace(old, new, 1)
            else:
                text = new
            texts[path] = text
            written.append((path, text))
        steps.append((name, written))
    return steps


def _build(project: Path, site: Path, cache: Path) -> tuple[int, str]:
    """``mkdocs build`` (not strict: failing examples are part of what is compared)."""
    result = run(
        BIN / "mkdocs",
        "build",
        "--site-dir",
        site,
        cwd=project,
        env=_env(project, cache),
    )
    return result.returncode, result.stdout


def _env(project: Path, cache: Path) -> dict[str, str]:
    return {
        "SOURCE_DATE_EPOCH": "1700000000",
        "REFSITE_WORKERS": "1",
        "REFSITE_CACHE_DIR": str(cache),
        "PYTHONPATH": str(project / "rsrc"),
    }


def _sync(source: Path, target: Path) -> None:
    """Make ``target`` hold ``source``'s files, writing only those that differ."""
    for file in source.rglob("*"):
        if file.is_file():
            copy = target / file.relative_to(source)
            if not copy.exists() or copy.read_bytes() != file.read_bytes():
                copy.parent.mkdir(parents=True, exist_ok=True)
                copy.write_bytes(file.read_bytes())
    for file in target.rglob("*"):
        kept = ".cache" in file.parts or "site" in file.parts
        if file.is_file() and not kept and not (source / file.relative_to(target)).exists():
            file.unlink()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples fixture with a coverage page, a .dist-info and a copy of refsite."""
    project = tmp_path_factory.mktemp("kept") / "project"
    shutil.copytree(FIXTURES / "examples", project)
    info = project / "src/expkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: expkg\nVersion: 1.0\n")
    (project / "docs/coverage.md").write_text("# Coverage\n\n<!-- refsite:coverage -->\n")
    (project / "docs/docstrings.md").write_text("# Docstrings\n\n<!-- refsite:docstrings -->\n")
    config = project / "mkdocs.yml"
    text = config.read_text().replace(
        "      examples:\n",
        "      coverage:\n        packages: [expkg]\n      examples:\n",
    )
    config.write_text(text + "  - Coverage: coverage.md\n  - Docstrings: docstrings.md\n")
    shutil.copytree(
        ROOT / "src/refsite",
        project / "rsrc/refsite",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return project


def test_incremental_and_served_builds_equal_a_clean_build(project: Path, tmp_path: Path) -> None:
    steps = _contents(project)
    out = tmp_path / "out"
    served = project.parent / "served-project"
    shutil.copytree(project, served)
    script = tmp_path / "serve_dirty.py"
    script.write_text(SERVE_DIRTY)
    result = run(
        sys.executable,
        script,
        served,
        out,
        json.dumps(steps),
        cwd=served,
        env=_env(served, tmp_path / "served-cache"),
    )
    assert result.returncode == 0, result.stdout[-3000:]
    incremental = project.parent / "incremental-project"
    shutil.copytree(project, incremental)
    differ: dict[str, dict[str, list[str]]] = {}
    for number, (name, _) in enumerate(steps):
        snapshot = out / f"project-{number}"
        _sync(snapshot, incremental)
        _build(incremental, tmp_path / f"incremental-{number}", tmp_path / "incremental-cache")
        clean = tmp_path / f"clean-{number}"
        _build(snapshot, clean, tmp_path / f"clean-cache-{number}")
        found = {
            "incremental": _same_tree(tmp_path / f"incremental-{number}", clean),
            # Serve watches the project, not refsite's own package: a running
            # server does not see an edit to refsite (nor would MkDocs').
            "served": [] if name == "own template" else _same_tree(out / f"served-{number}", clean),
        }
        if any(found.values()):
            differ[name] = found
    assert differ == {}, json.dumps(differ, indent=1)
    # The edits did change what the site shows: the table tests something.
    examples = (tmp_path / "clean-4/examples/index.html").read_text()
    assert "TypeError" in examples
    assert "expkg.nowhere" in (tmp_path / "clean-6/docstrings/index.html").read_text()
    assert "MARKER-2" in (tmp_path / "clean-9/api/index.html").read_text()
    assert "OWN-MARKER" in (tmp_path / "clean-10/api/index.html").read_text()
