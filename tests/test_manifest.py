"""Build manifests and diffs: stable across identical builds, precise after a change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, mkdocs_build, refsite
from refsite.checks.manifest import (
    build_manifest,
    diff_manifests,
    format_diff_markdown,
    page_digest,
)


def _page(body: str, script: str = "") -> str:
    return (
        "<html><head><title>T</title>"
        f'<script src="assets/bundle.{script or "0123abcd"}.min.js"></script></head>'
        f"<body><nav>nav</nav><article>{body}</article></body></html>"
    )


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (_page("<p>x</p>"), _page("<p>x</p>", script="ffff0000"), True),
        (_page("<p>x  y</p>"), _page("<p>x\n y</p>"), True),
        (_page("<p>x</p>"), _page("<p>y</p>"), False),
        (_page('<p class="a">x</p>'), _page('<p class="b">x</p>'), False),
        (_page("<p>x</p>").replace("<nav>nav", "<nav>other"), _page("<p>x</p>"), True),
    ],
    ids=["asset-hash", "whitespace", "text", "attribute", "outside-article"],
)
def test_fingerprint_ignores_only_what_readers_do_not_see(a: str, b: str, same: bool) -> None:
    assert (page_digest(a) == page_digest(b)) is same


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The mini site built twice from the same inputs, then once after a docstring edit."""
    root = tmp_path_factory.mktemp("manifest")
    project = root / "mini"
    shutil.copytree(FIXTURES / "mini", project)
    first = mkdocs_build(project, root / "first")
    second = mkdocs_build(project, root / "second")
    colours = project / "src/minipkg/colours.py"
    colours.write_text(colours.read_text().replace("The colour of fire.", "The colour of embers."))
    edited = mkdocs_build(project, root / "edited")
    for build in (first, second, edited):
        assert build.returncode == 0, build.output
    return first.site, second.site, edited.site


def test_identical_builds_have_identical_manifests(two_builds: tuple[Path, Path, Path]) -> None:
    first, second, _ = two_builds
    assert build_manifest(first) == build_manifest(second)
    result = refsite("diff", first, second, cwd=first.parent)
    assert result.returncode == 0
    assert result.stdout.strip() == "no page changed"


def test_docstring_edit_changes_exactly_the_page_that_renders_it(
    two_builds: tuple[Path, Path, Path],
) -> None:
    first, _, edited = two_builds
    diff = diff_manifests(build_manifest(first), build_manifest(edited))
    assert [(p.url, p.title) for p in diff.changed] == [
        ("/api/colours/", "Colours - Mini reference")
    ]
    assert diff.added == []
    assert diff.removed == []
    assert format_diff_markdown(diff, base_url="https://x.test/pr-1/") == (
        "**Changed pages (1)**\n\n"
        "- [Colours - Mini reference (`/api/colours/`)](https://x.test/pr-1/api/colours/)"
    )


def test_manifest_file_round_trip_and_json_diff(
    two_builds: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    first, _, edited = two_builds
    saved = tmp_path / "main.json"
    result = refsite("manifest", first, "-o", saved, cwd=tmp_path)
    assert result.returncode == 0
    assert json.loads(saved.read_text()) == build_manifest(first)
    diff = refsite("diff", saved, edited, "--format", "json", cwd=tmp_path)
    assert json.loads(diff.stdout) == {
        "added": [],
        "removed": [],
        "changed": [{"url": "/api/colours/", "title": "Colours - Mini reference"}],
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not JSON"),
        ('{"pages": {}}', 'not a refsite manifest (no "format": "refsite-manifest/1")'),
    ],
)
def test_bad_manifest_is_explained(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = refsite("diff", bad, bad, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stdout
