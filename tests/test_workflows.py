"""The GitHub workflows: what zizmor and the schema (scripts/test) cannot tell.

publish.yml builds the versioned site in shards on a matrix of runners and
assembles them in one job; these tests hold its shape to the commands it runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from refsite.releases.lock import load_lock
from refsite.releases.shards import Shard, shard_releases

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _workflow(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / ".github/workflows" / name).read_text())
    return data


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = job["steps"]
    return steps


def _uses(steps: list[dict[str, Any]], action: str) -> dict[str, Any]:
    return next(s for s in steps if str(s.get("uses", "")).startswith(f"{action}@"))


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_with_its_version_beside(path: Path) -> None:
    uses = re.findall(r"uses: (\S+)(.*)", path.read_text())
    assert uses
    for action, comment in uses:
        assert re.fullmatch(r"[\w./-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r" # v\d+(\.\d+)*", comment), (action, comment)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_checkout_keeps_its_credentials(path: Path) -> None:
    for job in yaml.safe_load(path.read_text())["jobs"].values():
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, path.name


def test_publish_builds_shards_on_a_matrix_and_assembles_them_in_one_job() -> None:
    jobs = _workflow("publish.yml")["jobs"]
    assert list(jobs) == ["build", "assemble", "deploy"]
    build, assemble, deploy = jobs["build"], jobs["assemble"], jobs["deploy"]
    # The shards are 1..N; N comes from the matrix itself (strategy.job-total).
    shards = build["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, len(shards) + 1))
    assert len(shards) > 1
    # No more shards than locked releases, else a shard fails to start.
    lock = load_lock(ROOT / "requirements" / "releases.lock.json")
    assert shard_releases(lock, Shard(len(shards), len(shards)))
    assert build["permissions"] == {"contents": "read"}
    assert build["if"] == "github.ref == 'refs/heads/main'"
    steps = _steps(build)
    run = next(s for s in steps if "scripts/build" in str(s.get("run", "")))
    assert run["run"] == 'scripts/build --shard "$SHARD" --site-dir shard'
    assert run["env"]["SHARD"] == "${{ matrix.shard }}/${{ strategy.job-total }}"
    assert "REFSITE_SITE_URL" in run["env"]
    upload = _uses(steps, "actions/upload-artifact")["with"]
    assert (upload["name"], upload["path"]) == ("shard-${{ matrix.shard }}", "shard/")
    assert steps.index(run) < steps.index(_uses(steps, "actions/upload-artifact"))

    assert assemble["needs"] == "build"
    assert assemble["permissions"] == {"contents": "read"}
    steps = _steps(assemble)
    download = _uses(steps, "actions/download-artifact")
    assert download["with"]["pattern"] == "shard-*"
    names = [s.get("name") or s["uses"].split("@")[0] for s in steps]
    assert names[names.index("actions/download-artifact") :] == [
        "actions/download-artifact",
        "Assemble the shards",
        "Check the root against the declared tree",
        "Add the PR previews",
        "actions/upload-pages-artifact",
    ]
    together = steps[names.index("Assemble the shards")]
    assert together["run"] == (
        '.venv/bin/refsite build --versions --assemble "$SHARDS"/shard-* --site-dir site'
    )
    assert together["env"]["SHARDS"] == download["with"]["path"]
    assert _uses(steps, "actions/upload-pages-artifact")["with"]["path"] == "site/"

    assert deploy["needs"] == "assemble"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_scripts_build_passes_a_shard_on_and_stays_the_one_machine_build() -> None:
    script = (ROOT / "scripts" / "build").read_text()
    assert 'exec .venv/bin/refsite build --versions "$@"' in script
    assert "--shard I/N" in script
