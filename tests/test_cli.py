"""The CLI reads mkdocs.yml as the build does: ``!ENV`` resolved, the plugin's defaults."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BIN, FIXTURES
from refsite.history.model import load_history
from test_wheels import make_wheel

CACHE_DIR = "      cache_dir: !ENV [REFSITE_CACHE_DIR, .cache/refsite]\n"


def _project(tmp_path: Path, options: str = CACHE_DIR) -> Path:
    """The mini fixture, its refsite plugin given ``options`` (YAML lines)."""
    project = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", project)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - refsite:\n", "  - refsite:\n" + options, 1))
    return project


def _refsite(*args: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``refsite`` with exactly the REFSITE_CACHE_DIR of ``env`` (none without)."""
    base = {k: v for k, v in os.environ.items() if k != "REFSITE_CACHE_DIR"}
    return subprocess.run(
        [str(BIN / "refsite"), *(str(a) for a in args)],
        cwd=cwd,
        env={**base, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )


def _entry(folder: Path) -> Path:
    entry = folder / "pages" / "entry.json"
    entry.parent.mkdir(parents=True)
    entry.write_text("{}" + " " * 100_000)
    return entry


def test_cache_prune_prunes_the_folder_the_build_uses(tmp_path: Path) -> None:
    project = _project(tmp_path)
    own = _entry(project / ".cache" / "refsite")
    elsewhere = _entry(tmp_path / "elsewhere")
    env = {"REFSITE_CACHE_DIR": str(tmp_path / "elsewhere")}
    result = _refsite("cache", "prune", "--max-mb", "0", cwd=project, env=env)
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith(f"{tmp_path / 'elsewhere'}: deleted 1 file(s), 0.1 MiB;")
    assert not elsewhere.exists()
    assert own.exists()
    # Without the variable: the !ENV default, relative to mkdocs.yml.
    result = _refsite("cache", "prune", "--max-mb", "0", cwd=project, env={})
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith(".cache/refsite: deleted 1 file(s)")
    assert not own.exists()


def test_history_reads_wheels_into_the_cache_the_build_uses(tmp_path: Path) -> None:
    # history.since stands for --since; the cache folder is REFSITE_CACHE_DIR's.
    project = _project(tmp_path, CACHE_DIR + '      history:\n        since: "1.1.0"\n')
    index = tmp_path / "index"
    for version in ["1.0.0", "1.1.0", "1.2.0"]:
        init = f'"""Mini {version}."""\n\nVERSION = {version!r}\n'
        make_wheel(index, "minipkg", version, {"minipkg/__init__.py": init})
    cache = tmp_path / "elsewhere"
    env = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(index), "REFSITE_CACHE_DIR": str(cache)}
    result = _refsite("history", "--until", "1.2.0", cwd=project, env=env)
    assert result.returncode == 0, result.stdout
    assert "history: 2 releases of minipkg, 1.1.0 to 1.2.0" in result.stdout
    assert load_history(project / "api-history.json").versions() == ["1.1.0", "1.2.0"]
    assert len(list((cache / "history" / "snapshots").glob("*.json"))) == 2
    assert not (project / ".cache").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            "      cache_max_mb: lots\n",
            "mkdocs.yml: the refsite plugin's options are invalid: 'cache_max_mb': "
            "expected a number, not 'lots'; fix them there",
        ),
        ("      tree: [unclosed\n", "mkdocs.yml: not valid YAML at line "),
    ],
)
def test_a_bad_mkdocs_yml_is_one_line_naming_it(tmp_path: Path, options: str, message: str) -> None:
    project = _project(tmp_path, options)
    result = _refsite("cache", "prune", cwd=project, env={})
    assert result.returncode == 2
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"refsite: error: {message}")


def test_versioned_commands_need_the_file(tmp_path: Path) -> None:
    result = _refsite("--config", "none.yml", "lock-releases", cwd=tmp_path, env={})
    assert result.returncode == 2
    assert result.stdout == "refsite: error: none.yml: no such file; pass --config mkdocs.yml\n"
