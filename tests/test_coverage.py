"""API coverage: pure measurement on a small package, and the CLI and plugin on fixture sites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, Build, mkdocs_build, refsite
from refsite.checks.coverage import (
    CoverageError,
    Exclusion,
    load_api,
    measure,
    parse_exclusions,
)

MINI_SRC = FIXTURES / "mini" / "src"


def test_public_api_resolves_re_exports_to_one_object() -> None:
    objects = load_api(["minipkg"], search_paths=[MINI_SRC])
    by_path = {o.path: o.names for o in objects}
    assert by_path["minipkg.shapes.Square"] == ("minipkg.Square", "minipkg.shapes.Square")
    assert by_path["minipkg.colours.Colour"] == ("minipkg.Colour", "minipkg.colours.Colour")
    assert "minipkg.VERSION" in by_path
    # enum is imported by colours.py but is no public name of minipkg.
    assert not any("enum" in p for p in by_path)


@pytest.mark.parametrize(
    ("rendered", "exclusions", "documented", "excluded", "missing", "stale"),
    [
        (["minipkg.Square", "minipkg.colours.Colour", "minipkg.shapes.area"], [], 3, 0, 1, 0),
        (["minipkg.shapes.Square"], [Exclusion("minipkg.VERSION", "r")], 1, 1, 2, 0),
        ([], [Exclusion("minipkg.*", "r")], 0, 4, 0, 0),
        (["minipkg.Square"], [Exclusion("minipkg.Square", "r")], 1, 0, 3, 1),
        ([], [Exclusion("nothing.*", "r")], 0, 0, 4, 1),
    ],
)
def test_measure_sorts_objects(
    rendered: list[str],
    exclusions: list[Exclusion],
    documented: int,
    excluded: int,
    missing: int,
    stale: int,
) -> None:
    objects = load_api(["minipkg"], search_paths=[MINI_SRC])
    report = measure(objects, rendered, exclusions)
    assert (
        len(report.documented),
        len(report.excluded),
        len(report.missing),
        len(report.stale),
    ) == (
        documented,
        excluded,
        missing,
        stale,
    )
    assert report.total == 4


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected a mapping with an 'exclude' list"),
        ({"exclude": [{"reason": "x"}]}, "exclude[0]: 'name' is missing"),
        ({"exclude": [{"name": "a.b"}]}, "exclude[0] ('a.b'): give a 'reason'"),
        ({"exclude": ["a.b"]}, "exclude[0]: expected 'name' and 'reason'"),
    ],
)
def test_malformed_exclusions(data: object, message: str) -> None:
    with pytest.raises(CoverageError) as caught:
        parse_exclusions(data, source="x.yml")
    assert str(caught.value).startswith("x.yml: ")
    assert message in str(caught.value)


def test_fixture_site_is_fully_covered(mini_built: Build) -> None:
    result = refsite("coverage", mini_built.site, "--fail-under", "100", cwd=mini_built.project)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[0] == (
        "4 public objects: 3 documented (75.0%), 1 excluded, 0 missing; "
        "100.0% documented or excluded"
    )
    data = json.loads(
        refsite("coverage", mini_built.site, "--format", "json", cwd=mini_built.project).stdout
    )
    assert data["excluded"] == [
        {
            "name": "minipkg.VERSION",
            "pattern": "minipkg.VERSION",
            "reason": "The version string, shown on the home page.",
        }
    ]
    markdown = refsite("coverage", mini_built.site, "--format", "markdown", cwd=mini_built.project)
    assert "| 4 | 3 (75.0%) | 1 | 0 | 100.0% |" in markdown.stdout


def test_undocumented_public_function_fails_build_and_cli(mini: Path) -> None:
    shapes = mini / "src/minipkg/shapes.py"
    shapes.write_text(
        shapes.read_text()
        + '\n\ndef perimeter(square: Square) -> float:\n    """Four sides."""\n    return 4 * square.side\n'
    )
    build = mkdocs_build(mini)
    assert build.returncode == 1
    assert (
        "WARNING -  refsite: coverage: minipkg.shapes.perimeter is public but not documented: "
        "render it with '::: minipkg.shapes.perimeter' or exclude it with a reason in "
        "coverage-exclusions.yml" in build.output
    )
    result = refsite("coverage", build.site, "--fail-under", "100", cwd=mini)
    assert result.returncode == 1
    assert "missing: minipkg.shapes.perimeter (minipkg.shapes.perimeter)" in result.stdout
    # Without --fail-under, the gate is the build's: the plugin's coverage.fail_under.
    result = refsite("coverage", build.site, cwd=mini)
    assert result.returncode == 1
    assert (
        "refsite coverage: 80.0% documented or excluded, under coverage.fail_under 100"
        in result.stdout
    )
    # The command line's wins.
    assert refsite("coverage", build.site, "--fail-under", "80", cwd=mini).returncode == 0


def test_stale_exclusion_is_a_finding(mini: Path) -> None:
    (mini / "coverage-exclusions.yml").write_text(
        "exclude:\n  - {name: minipkg.VERSION, reason: r}\n  - {name: minipkg.OLD, reason: gone}\n"
    )
    build = mkdocs_build(mini)
    assert build.returncode == 1
    assert (
        "refsite: coverage: exclusion 'minipkg.OLD' in coverage-exclusions.yml matches nothing "
        "left to document: remove it" in build.output
    )
    result = refsite("coverage", build.site, cwd=mini)
    assert result.returncode == 1
    assert "stale exclusion: minipkg.OLD matches nothing left to document" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["coverage", "site", "--fail-under", "120"], "'120' is not a number from 0 to 100"),
        (["coverage", "site", "--package", "nopkg"], "package 'nopkg' not found"),
        (
            ["coverage", "site", "--exclusions", "nope.yml"],
            "nope.yml: cannot read the exclusions file",
        ),
        (
            ["--config", "none.yml", "coverage", "site"],
            "no package to measure: pass --package NAME",
        ),
    ],
)
def test_coverage_bad_input(mini_built: Build, args: list[str], message: str) -> None:
    result = refsite(*args, cwd=mini_built.project)
    assert result.returncode == 2
    assert message in result.stdout
    assert "Traceback" not in result.stdout


def test_missing_inventory_is_explained(mini_built: Build, tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    (site / "a" / "index.html").write_text("<html></html>")
    result = refsite("coverage", site, cwd=mini_built.project)
    assert result.returncode == 2
    assert "no objects.inv; build the site with mkdocstrings' inventory enabled" in result.stdout


def test_plugin_reports_a_package_it_cannot_find(mini: Path) -> None:
    config = mini / "mkdocs.yml"
    config.write_text(config.read_text().replace("packages: [minipkg]", "packages: [nopkg]"))
    build = mkdocs_build(mini)
    assert build.returncode == 1
    assert (
        "ERROR   -  refsite: coverage: package 'nopkg' not found: install it or fix the "
        "coverage 'packages'" in build.output
    )
    assert "Traceback" not in build.output


def test_a_deferred_reader_takes_a_handed_over_result_or_reads_it_itself() -> None:
    from refsite.checks.coverage import PublicApiReader, load_api_data

    request = (["minipkg"], [], [str(MINI_SRC)])
    expected = load_api_data(*request)

    handed = PublicApiReader(["minipkg"], [], [MINI_SRC], deferred=True)
    assert handed.wanted
    assert handed.request == request
    asked: list[bool] = []
    handed.hand_over(lambda: asked.append(True) or expected[:1])
    assert not handed.wanted
    handed.start()  # handed over: no process
    assert handed.result() == expected[:1]
    assert asked == [True]

    # The other reader failed (None): read here after all, the same data.
    failed = PublicApiReader(["minipkg"], [], [MINI_SRC], deferred=True)
    failed.hand_over(lambda: None)
    assert failed.result() == expected

    # Nobody took it: start() starts its own process.
    alone = PublicApiReader(["minipkg"], [], [MINI_SRC], deferred=True)
    alone.start()
    assert not alone.wanted
    assert alone._job is not None
    assert alone.result() == expected
