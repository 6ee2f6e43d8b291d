"""Builds forked from a server that imported MkDocs once: the same builds, in their own processes."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from conftest import BIN, FIXTURES, Build
from refsite.core.processes import ForkServer, run_mkdocs
from test_cache import _same_tree


def test_builds_forked_from_the_server_equal_a_plain_build_and_failures_are_told(
    mini_built: Build, tmp_path: Path
) -> None:
    project = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", project)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "REFSITE_WORKERS": "1"}
    server = ForkServer(sys.executable, env)
    try:
        argv = ["build", "--strict", "--site-dir", str(tmp_path / "site")]
        status, output = run_mkdocs(
            argv, env=env, command=[str(BIN / "mkdocs")], server=server, cwd=project,
            output=tmp_path / "one.log",
        )  # fmt: skip
        assert status == 0, output
        assert "Documentation built in" in output
        assert _same_tree(mini_built.site, tmp_path / "site") == []
        # A failed build: its status and its message; the server goes on.
        bad = ["build", "--strict", "--config-file", str(project / "missing.yml")]
        status, output = run_mkdocs(
            bad, env=env, command=[], server=server, cwd=project, output=tmp_path / "two.log"
        )
        assert status == 2, output
        assert "missing.yml" in output
        # Each build has the environment it is given, not the server's.
        status, output = run_mkdocs(
            [*argv[:-1], str(tmp_path / "again")],
            env={**env, "SOURCE_DATE_EPOCH": "1800000000"},
            command=[], server=server, cwd=project, output=tmp_path / "three.log",
        )  # fmt: skip
        assert status == 0, output
        assert "<lastmod>2027-01-15</lastmod>" in (tmp_path / "again/sitemap.xml").read_text()
        assert "<lastmod>2023-11-14</lastmod>" in (tmp_path / "site/sitemap.xml").read_text()
    finally:
        server.close()
    # A server that has ended leaves the build to a subprocess of its own.
    status, output = run_mkdocs(
        [*argv[:-1], str(tmp_path / "after")], env=env, command=[str(BIN / "mkdocs")],
        server=server, cwd=project, output=tmp_path / "four.log",
    )  # fmt: skip
    assert status == 0, output
    assert not (tmp_path / "four.log").exists()
    assert _same_tree(mini_built.site, tmp_path / "after") == []
