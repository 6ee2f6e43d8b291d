"""Examples never run in a CI job that holds a write token or a secret.

The examples are the documented package's own code, run as a build runs it,
with what the build already trusts: the checked-out repository and a token
that can read it. A job that can write (push, deploy, comment, start
workflows) or read a secret must not run them.

A job **runs examples** when a step's command builds or serves the site, or
runs the tests or the examples check: ``scripts/build``, ``scripts/preview``,
``scripts/serve``, ``scripts/bench``, ``scripts/test``, ``.ci/run``,
``pytest``, ``mkdocs build|serve|gh-deploy``, ``refsite build|examples``,
``zensical build|serve``; or when it calls a reusable workflow or a local
action, which this check cannot see into. ``REFSITE_EXAMPLES`` set to a YAML
false (``false``, ``off``, ``no``) in the step's, job's or workflow's ``env``
switches the site's examples off (mkdocs.yml reads it with ``!ENV``), but not
those of ``scripts/test``, ``pytest``, ``.ci/run`` or ``refsite examples``.

A job is **privileged** when:

- its token may write: the job's ``permissions`` (else the workflow's) grant
  any scope ``write`` (``id-token: write`` and ``write-all`` included), or
  neither declares any, so the repository's default applies, which may be
  write. A read-only token is allowed (publish.yml's build job reads the
  previews branch with ``github.token`` under ``contents: read``): it reads
  what the job has checked out anyway;
- it names a secret: ``secrets.X`` anywhere in the job other than
  ``secrets.GITHUB_TOKEN`` (that is the token, which ``permissions`` govern),
  or passes ``secrets: inherit`` on;
- it runs in a deployment ``environment``, whose secrets and protection rules
  are for deploying;
- its workflow starts on ``pull_request_target`` or ``workflow_run``: those
  runs act in the base repository's context (its secrets, its caches, a token
  that fork pull requests cannot get otherwise), so every job of such a
  workflow is a privileged half, whatever it declares.

Not counted: the runner's cache service. check.yml's build on main saves the
build cache its pull requests restore; the examples that run there are main's
own, of the locked release, which that build trusts anyway.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"

_RUNS_EXAMPLES = re.compile(
    r"(?:^|[\s;&|(/])(?:"
    r"scripts/(?:build|preview|serve|bench|test)(?![\w.-])"  # not scripts/preview-branch
    r"|\.ci/run\b"
    r"|pytest\b"
    r"|mkdocs\s+(?:build|serve|gh-deploy)\b"
    r"|refsite\s+(?:build|examples)\b"
    r"|zensical\s+(?:build|serve)\b"
    r")"
)
# Commands that run examples whatever REFSITE_EXAMPLES says: the test suite
# builds fixture sites with examples on, and the CLI check is asked for them.
_ALWAYS_RUNS_EXAMPLES = re.compile(
    r"(?:^|[\s;&|(/])(?:scripts/test(?![\w.-])|\.ci/run\b|pytest\b|refsite\s+examples\b)"
)
_SECRET = re.compile(r"\bsecrets\s*\.\s*(\w+)|\bsecrets\s*\[")
_PRIVILEGED_TRIGGERS = {"pull_request_target", "workflow_run"}


def _triggers(workflow: Mapping[Any, Any]) -> set[str]:
    # YAML 1.1 reads the key `on` as True.
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on}
    return {str(name) for name in on or ()}


def _examples_off(*envs: Any) -> bool:
    """Whether the nearest ``REFSITE_EXAMPLES`` among ``envs`` (step first) is a YAML false."""
    for env in envs:
        if isinstance(env, Mapping) and "REFSITE_EXAMPLES" in env:
            value = env["REFSITE_EXAMPLES"]
            if isinstance(value, str):
                value = yaml.safe_load(value) if value.strip() else None
            return value is False
    return False


def runs_examples(workflow: Mapping[Any, Any], job: Mapping[str, Any]) -> list[str]:
    """Why ``job`` runs the package's examples: one reason per step that does."""
    if "uses" in job:
        return [f"calls the reusable workflow {job['uses']}"]
    reasons = []
    for number, step in enumerate(job.get("steps") or (), 1):
        name = step.get("name") or step.get("uses") or f"step {number}"
        uses = str(step.get("uses", ""))
        if uses.startswith("./"):
            reasons.append(f"{name}: the local action {uses}")
        # `refsite build --versions --assemble` links built folders together:
        # it builds nothing, so it runs nothing.
        command = "\n".join(
            line for line in str(step.get("run", "")).splitlines() if "--assemble" not in line
        )
        if not _RUNS_EXAMPLES.search(command):
            continue
        off = _examples_off(step.get("env"), job.get("env"), workflow.get("env"))
        if not off or _ALWAYS_RUNS_EXAMPLES.search(command):
            reasons.append(f"{name}: runs {command.strip().splitlines()[0]!r}")
    return reasons


def privileges(workflow: Mapping[Any, Any], job: Mapping[str, Any]) -> list[str]:
    """What ``job`` holds beyond a read-only token: one reason each."""
    reasons = []
    permissions = job.get("permissions", workflow.get("permissions"))
    if permissions is None:
        reasons.append("no permissions declared: the repository's default token, maybe write")
    elif permissions == "write-all":
        reasons.append("permissions: write-all")
    elif isinstance(permissions, Mapping):
        reasons += [f"{scope}: write" for scope, level in permissions.items() if level == "write"]
    text = yaml.safe_dump(dict(job), sort_keys=False)
    for match in _SECRET.finditer(text):
        if match[1] != "GITHUB_TOKEN":
            reasons.append(f"reads the secret {match[0]}")
    if job.get("secrets") == "inherit":
        reasons.append("secrets: inherit")
    if "environment" in job:
        reasons.append("runs in a deployment environment")
    reasons += [f"starts on {t}" for t in sorted(_triggers(workflow) & _PRIVILEGED_TRIGGERS)]
    return reasons


def violations(workflow: Mapping[Any, Any]) -> dict[str, tuple[list[str], list[str]]]:
    """Job id -> (why it runs examples, what it holds), for each job that does both."""
    found = {}
    for name, job in (workflow.get("jobs") or {}).items():
        runs, holds = runs_examples(workflow, job), privileges(workflow, job)
        if runs and holds:
            found[name] = (runs, holds)
    return found


def _load(text: str) -> dict[Any, Any]:
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _workflows() -> list[Path]:
    found = sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))
    assert found, f"no workflows under {WORKFLOWS}"
    return found


@pytest.mark.parametrize("path", _workflows(), ids=lambda p: p.name)
def test_no_job_runs_examples_with_a_write_token_or_a_secret(path: Path) -> None:
    assert violations(_load(path.read_text(encoding="utf-8"))) == {}


def test_the_jobs_that_build_are_found_and_hold_only_read_tokens() -> None:
    """The check sees the builds it guards (it cannot pass by seeing nothing)."""
    jobs = [
        (path.name, name, workflow, job)
        for path in _workflows()
        for workflow in [_load(path.read_text(encoding="utf-8"))]
        for name, job in workflow["jobs"].items()
    ]
    building = {(f, name) for f, name, w, job in jobs if runs_examples(w, job)}
    assert building == {("check.yml", "test"), ("follow.yml", "upgrade"), ("publish.yml", "build")}
    privileged = {(f, name) for f, name, w, job in jobs if privileges(w, job)}
    assert {
        ("publish.yml", "deploy"),  # pages and id-token: write, an environment
        ("follow.yml", "pull-request"),  # contents: write, a secret
        ("preview.yml", "prepare"),  # workflow_run: a privileged half, read-only as it is
        ("preview-cleanup.yml", "remove"),  # pull_request_target
    } <= privileged
    assert not privileged & building


_BAD = """
name: bad
on:
  push:
permissions:
  contents: read
jobs:
  token:
    permissions:
      contents: write
    steps:
      - run: scripts/build
  secret:
    steps:
      - env:
          REFSITE_EXAMPLES: "true"
          TOKEN: ${{ secrets.DEPLOY_KEY }}
        run: .venv/bin/mkdocs build --strict
  oidc:
    permissions:
      id-token: write
    steps:
      - run: |
          scripts/install site,dev
          .venv/bin/refsite examples .
  examples-off:
    permissions: write-all
    env:
      REFSITE_EXAMPLES: "off"
    steps:
      - run: scripts/build
  read-token:
    steps:
      - env:
          GH_TOKEN: ${{ github.token }}
          ALSO: ${{ secrets.GITHUB_TOKEN }}
        run: |
          REFSITE_EXAMPLES=true
          .venv/bin/zensical build
"""


def test_the_checker_catches_a_bad_workflow() -> None:
    workflow = _load(_BAD)
    found = violations(workflow)
    assert sorted(found) == ["oidc", "secret", "token"]
    assert found["token"][1] == ["contents: write"]
    assert found["secret"][1] == ["reads the secret secrets.DEPLOY_KEY"]
    assert found["oidc"][1] == ["id-token: write"]
    # REFSITE_EXAMPLES=off switches the site's examples off: write-all with a
    # build is allowed; a build with the read-only token is too.
    assert privileges(workflow, workflow["jobs"]["examples-off"]) == ["permissions: write-all"]
    assert runs_examples(workflow, workflow["jobs"]["examples-off"]) == []
    assert runs_examples(workflow, workflow["jobs"]["read-token"]) != []
    assert privileges(workflow, workflow["jobs"]["read-token"]) == []


def test_a_workflow_without_permissions_holds_the_default_token() -> None:
    workflow = _load("on: push\njobs:\n  test: {steps: [{run: scripts/test}]}\n")
    (held,) = violations(workflow)["test"][1]
    assert held.startswith("no permissions declared")
    # scripts/test runs the test suite's examples whatever REFSITE_EXAMPLES says.
    workflow["env"] = {"REFSITE_EXAMPLES": "false"}
    assert violations(workflow)["test"][0] == ["step 1: runs 'scripts/test'"]


def test_privileged_triggers_reusable_workflows_and_environments() -> None:
    workflow = _load(
        "on: [pull_request_target]\n"
        "permissions: {}\n"
        "jobs:\n"
        "  build: {steps: [{run: scripts/preview 1}]}\n"
        "  call: {uses: ./.github/workflows/check.yml, secrets: inherit}\n"
        "  deploy: {environment: pages, steps: [{uses: ./.github/actions/build}]}\n"
    )
    found = violations(workflow)
    assert found["build"][1] == ["starts on pull_request_target"]
    assert found["call"] == (
        ["calls the reusable workflow ./.github/workflows/check.yml"],
        ["secrets: inherit", "starts on pull_request_target"],
    )
    assert found["deploy"][1] == [
        "runs in a deployment environment",
        "starts on pull_request_target",
    ]
