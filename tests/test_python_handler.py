"""mkdocstrings' Python handler without pydantic: the same site, and option names still checked."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import BIN, FIXTURES, Build, mkdocs_build, run
from test_cache import _same_tree


def test_the_handler_is_loaded_with_plain_dataclasses_and_pydantic_stays_importable() -> None:
    code = (
        "import sys, pydantic\n"
        "from refsite.mkdocs.python_handler import load_without_pydantic\n"
        "load_without_pydantic()\n"
        "from mkdocstrings_handlers.python._internal import config\n"
        "print(hasattr(config.PythonOptions, '__pydantic_fields__'), "
        "sys.modules['pydantic'] is pydantic)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True"]


def test_a_site_built_with_pydantic_validation_is_byte_identical(
    mini_built: Build, tmp_path: Path
) -> None:
    project = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", project)
    site = tmp_path / "validated"
    # The handler imported first, with pydantic: the plugin then keeps it.
    code = (
        "import sys, pydantic, mkdocstrings_handlers.python\n"
        "from mkdocstrings_handlers.python._internal import config\n"
        "assert hasattr(config.PythonOptions, '__pydantic_fields__')\n"
        "from mkdocs.__main__ import cli\n"
        "sys.argv[0] = 'mkdocs'\n"
        "cli()\n"
    )
    result = run(
        BIN / "python",
        "-c",
        code,
        "build",
        "--strict",
        "--site-dir",
        site,
        cwd=project,
        env={
            "SOURCE_DATE_EPOCH": "1700000000",
            "REFSITE_WORKERS": "1",
        },
    )
    assert result.returncode == 0, result.stdout
    assert "page cache: 0 page(s) reused" in result.stdout
    assert _same_tree(mini_built.site, site) == []


def test_an_option_the_handler_does_not_know_fails_with_one_message(mini: Path) -> None:
    config = mini / "mkdocs.yml"
    text = config.read_text()
    config.write_text(text.replace("show_root_heading: true", "show_root_headin: true", 1))
    build = mkdocs_build(mini)
    assert build.returncode != 0
    assert "Traceback" not in build.output
    errors = [line for line in build.output.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1, build.output
    assert re.search(
        r"mkdocs\.yml: mkdocstrings' python handler has no option 'show_root_headin'", errors[0]
    ), errors[0]
