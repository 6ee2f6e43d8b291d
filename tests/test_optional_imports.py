"""A definition an unresolvable optional import would shadow is kept: in griffe, coverage and init."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import griffe
import pytest
from bs4 import BeautifulSoup

from conftest import BIN, FIXTURES, refsite, run
from refsite.checks.coverage import load_api, load_packages
from refsite.scaffold.load import load

OPTIONAL = FIXTURES / "init" / "optional"


def _kind(source: str, name: str = "Thing") -> str:
    """What ``name`` of ``pkg.mod`` is once coverage's loader read ``source``."""
    modules = {"mod.py": textwrap.dedent(source), "_fast.py": "class Thing: ...\n"}
    with griffe.temporary_pypackage("pkg", modules) as tmp:
        loader = load_packages(["pkg"], search_paths=[tmp.tmpdir])
        member = loader.modules_collection.get_member(f"pkg.mod.{name}")
        if member.is_alias:
            return f"alias to {member.target_path}"
        return member.kind.value


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        # The speed-ups are not installed: the definition stays.
        (
            "class Thing: ...\ntry:\n    from missing import Thing\nexcept ImportError:\n    pass\n",
            "class",
        ),
        (
            "def Thing(): ...\n"
            "if True:\n"
            "    try:\n"
            "        from missing import Thing\n"
            "    except (AttributeError, ModuleNotFoundError):\n"
            "        pass\n",
            "function",
        ),
        (
            "import contextlib\n"
            "class Thing: ...\n"
            "with contextlib.suppress(ImportError):\n"
            "    from missing import Thing\n",
            "class",
        ),
        # An import that is not optional is what the module holds at run time.
        ("class Thing: ...\nfrom missing import Thing\n", "alias to missing.Thing"),
        (
            "class Thing: ...\ntry:\n    from missing import Thing\nexcept ValueError:\n    pass\n",
            "alias to missing.Thing",
        ),
        # An import griffe can follow stays one.
        (
            "class Thing: ...\ntry:\n    from pkg._fast import Thing\nexcept ImportError:\n    pass\n",
            "alias to pkg._fast.Thing",
        ),
        # Only classes and functions: a placeholder value is not the API.
        (
            "Thing = None\ntry:\n    from missing import Thing\nexcept ImportError:\n    pass\n",
            "alias to missing.Thing",
        ),
        # The fallback after the import is griffe's answer already.
        (
            "try:\n    from missing import Thing\nexcept ImportError:\n    class Thing: ...\n",
            "class",
        ),
    ],
)
def test_an_unresolvable_optional_import_keeps_the_definition(source: str, kind: str) -> None:
    assert _kind(source) == kind


def test_coverage_and_init_read_the_definitions() -> None:
    by_path = {o.path: o.names for o in load_api(["optpkg"], search_paths=[OPTIONAL])}
    assert by_path == {
        "optpkg.geometry.Offset": ("optpkg.Offset", "optpkg.geometry.Offset"),
        "optpkg.geometry.scale": ("optpkg.scale", "optpkg.geometry.scale"),
        "optpkg._fast.Size": ("optpkg.Size",),
    }
    loaded = load("optpkg", src=OPTIONAL)
    offset = loaded.collection.get_member("optpkg.Offset").final_target
    assert (offset.kind.value, list(offset.members)) == ("class", ["moved"])


def test_the_generated_site_documents_the_definitions(tmp_path: Path) -> None:
    shutil.copytree(OPTIONAL, tmp_path / "optional")
    result = run(BIN / "refsite", "init", "optpkg", "site-src", "--src", "optional", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "3 object(s) documented, 0 excluded" in result.stdout
    project = tmp_path / "site-src"
    assert "              - refsite.optional_imports\n" in (project / "mkdocs.yml").read_text()
    site = tmp_path / "site"
    build = run(BIN / "mkdocs", "build", "--strict", "--site-dir", site, cwd=project)
    assert build.returncode == 0, build.stdout
    page = BeautifulSoup((site / "reference/optpkg/index.html").read_text(), "html.parser")
    ids = {str(e["id"]) for e in page.select("article [id]")}
    assert {"optpkg.Offset", "optpkg.Offset.moved", "optpkg.scale", "optpkg.Size"} <= ids
    offset = page.select_one("article [id='optpkg.Offset']")
    assert offset is not None
    text = offset.find_parent("div", class_="doc-object").get_text()
    assert "A point on the screen." in text
    coverage = refsite("coverage", site, "--fail-under", "100", cwd=project)
    assert coverage.returncode == 0, coverage.stdout
