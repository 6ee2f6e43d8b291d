"""Upstream internals: their shapes are checked, and a changed one means a slower build, not a wrong one."""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from mkdocs_autorefs import AutorefsPlugin

from conftest import Build, run
from refsite import internals
from refsite.internals import declared

# Runs MkDocs' command line after changing what refsite.internals
# meets, as a new upstream release could: argv[1] names the change.
RUNNER = """
import dataclasses
import re
import sys

from refsite import internals

change = sys.argv.pop(1)
if change == "url-maps":
    # autorefs renamed a map: the declared name is no longer there.
    def renamed(shape):
        names = tuple(n + "_gone" if n == "_primary_url_map" else n for n in shape.attributes)
        return dataclasses.replace(shape, attributes=names)

    internals.declared.SHAPES = tuple(renamed(shape) for shape in internals.declared.SHAPES)
elif change == "register-anchor":
    # autorefs' register_anchor takes a new argument.
    from mkdocs_autorefs import AutorefsPlugin

    original = AutorefsPlugin.register_anchor

    def register_anchor(self, page, identifier, anchor=None, *, title=None, primary=True, role=None):
        original(self, page, identifier, anchor, title=title, primary=primary)

    AutorefsPlugin.register_anchor = register_anchor
elif change != "none":
    raise SystemExit(f"unknown change {change}")

from mkdocs.__main__ import cli

sys.argv[0] = "mkdocs"
cli()
"""


@pytest.fixture
def fresh_checks() -> Iterator[None]:
    """Check the shapes anew in this test, and after it."""
    declared._problem.cache_clear()
    yield
    declared._problem.cache_clear()


def test_the_installed_versions_have_every_shape(fresh_checks: None) -> None:
    assert internals.check_shapes() == []
    assert all(internals.usable(feature) for feature in internals.FEATURES)


def test_every_feature_names_declared_shapes() -> None:
    declared = {shape.name for shape in internals.SHAPES}
    for _, needs in internals.FEATURES.values():
        assert set(needs) <= declared
    assert {shape.package for shape in internals.SHAPES} <= set(internals.WRITTEN_FOR)


def _renamed(attribute: str) -> tuple[internals.Shape, ...]:
    return tuple(
        dataclasses.replace(
            shape,
            attributes=tuple(f"{a}_gone" if a == attribute else a for a in shape.attributes),
        )
        for shape in declared.SHAPES
    )


def test_a_missing_attribute_is_one_line_and_turns_its_features_off(
    fresh_checks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(declared, "SHAPES", _renamed("_primary_url_map"))
    [line] = internals.check_shapes()
    assert line.startswith("mkdocs-autorefs ")
    assert "AutorefsPlugin has no _primary_url_map_gone (written for 1.4.5)" in line
    assert line.endswith("building without incremental serve rebuilds, kept cross-references"), line
    assert not internals.usable("kept-cross-references")
    assert not internals.usable("incremental-serve")
    assert internals.usable("page-cache")


def test_an_instance_attribute_of_a_base_class_counts(
    fresh_checks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # BaseHandler sets _headings in __init__; the class alone does not have it.
    assert internals.usable("object-cache")
    monkeypatch.setattr(declared, "SHAPES", _renamed("_headings"))
    [line] = internals.check_shapes()
    assert "BaseHandler has no _headings_gone" in line
    assert not internals.usable("object-cache")


def test_a_changed_signature_is_a_mismatch(
    fresh_checks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = AutorefsPlugin.register_anchor

    def register_anchor(
        self: Any,
        page: Any,
        identifier: str,
        anchor: str | None = None,
        *,
        title: str | None = None,
        primary: bool = True,
        role: str | None = None,
    ) -> None:
        original(self, page, identifier, anchor, title=title, primary=primary)

    monkeypatch.setattr(AutorefsPlugin, "register_anchor", register_anchor)
    [line] = internals.check_shapes()
    assert (
        "AutorefsPlugin.register_anchor takes (self, page, identifier, anchor, title, primary, "
        "role), not (self, page, identifier, anchor, title, primary)" in line
    )
    assert not internals.usable("page-cache")
    assert not internals.usable("page-workers")


def test_problems_name_only_the_packages_the_site_uses(
    fresh_checks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(declared, "SHAPES", _renamed("_primary_url_map"))
    assert internals.problems(SimpleNamespace(plugins={"search": None})) == []
    [line] = internals.problems(SimpleNamespace(plugins={"mkdocstrings": None, "refsite": None}))
    assert "_primary_url_map_gone" in line


def _build(project: Path, change: str, site: Path, cache: Path) -> Build:
    runner = project.parent / "runner.py"
    runner.write_text(RUNNER)
    env = {
        "SOURCE_DATE_EPOCH": "1700000000",
        "REFSITE_WORKERS": "1",
        "REFSITE_CACHE_DIR": str(cache),
    }
    args = ("build", "--strict", "--site-dir", site)
    result = run(sys.executable, runner, change, *args, cwd=project, env=env)
    return Build(project=project, site=site, returncode=result.returncode, output=result.stdout)


def _files(site: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize(
    ("change", "says", "reused"),
    [
        (
            "url-maps",
            "AutorefsPlugin has no _primary_url_map_gone (written for 1.4.5): "
            "building without incremental serve rebuilds, kept cross-references",
            True,
        ),
        (
            "register-anchor",
            "AutorefsPlugin.register_anchor takes (self, page, identifier, anchor, title, "
            "primary, role), not (self, page, identifier, anchor, title, primary) "
            "(written for 1.4.5): building without",
            False,
        ),
    ],
)
def test_a_changed_upstream_builds_the_same_site_slower_and_says_so(
    mini: Path, tmp_path: Path, change: str, says: str, reused: bool
) -> None:
    normal = _build(mini, "none", tmp_path / "normal", tmp_path / "normal-cache")
    assert normal.returncode == 0, normal.output
    assert "refsite: mkdocs-autorefs" not in normal.output
    expected = _files(normal.site)
    assert "api/shapes/index.html" in expected
    # Cold, then warm from the same cache (pages replayed where they may be).
    for run_ in ("cold", "warm"):
        built = _build(mini, change, tmp_path / f"{change}-{run_}", tmp_path / f"{change}-cache")
        assert built.returncode == 0, built.output
        lines = [line for line in built.output.splitlines() if says in line]
        assert len(lines) == 1, built.output
        assert lines[0].startswith("INFO    -  refsite: mkdocs-autorefs 1.4.5: "), lines[0]
        assert _files(built.site) == expected
    # The warm build reuses pages only where what replaying needs is there.
    assert bool(re.search(r"page cache: [1-9]\d* page\(s\) reused", built.output)) is reused
    assert ("page cache: 0 page(s) reused, 0 rendered" in built.output) is not reused


def test_an_upstream_function_is_replaced_once_per_process() -> None:
    from types import SimpleNamespace

    from refsite.internals.declared import replace_once

    owner = SimpleNamespace(twice=lambda x: x * 2)
    made: list[object] = []

    def plus_one(current: Callable[[int], int]) -> Callable[[int], int]:
        made.append(current)
        return lambda x: current(x) + 1

    replace_once(owner, "twice", plus_one)
    replace_once(owner, "twice", plus_one)  # a second build's configuration
    assert owner.twice(3) == 7  # wrapped once, not twice
    assert len(made) == 1
