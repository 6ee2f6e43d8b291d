"""refsite's own code fingerprint: every module in every subpackage counts."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from refsite.core import fingerprint
from refsite.core.fingerprint import PACKAGE, code_files, own_code


@pytest.fixture
def package(tmp_path: Path) -> Path:
    copy = tmp_path / "refsite"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.mark.parametrize(
    ("edited", "names", "changes"),
    [
        ("speed/reuse.py", (), True),  # a module two levels down
        ("mkdocs/features/speed.py", (), True),  # three levels down
        ("handler_templates/python/material/_refsite_source.html.jinja", (), True),
        ("assets/versions.js", (), True),
        ("history/view.py", ("history",), True),  # a subpackage named: all of it
        ("checks/coverage.py", ("history", "checks.coverage"), True),
        ("speed/reuse.py", ("history", "checks.coverage"), False),  # outside what was named
    ],
)
def test_an_edit_anywhere_in_the_package_changes_the_fingerprint(
    package: Path, edited: str, names: tuple[str, ...], changes: bool
) -> None:
    before = own_code(*names, package=package)
    with (package / edited).open("a", encoding="utf-8") as file:
        file.write("\n# edited\n")
    own_code.cache_clear()
    assert (own_code(*names, package=package) != before) is changes


def test_compiled_files_do_not_count(package: Path) -> None:
    before = own_code(package=package)
    cached = package / "speed" / "__pycache__"
    cached.mkdir()
    (cached / "reuse.cpython-311.pyc").write_bytes(b"\0compiled")
    own_code.cache_clear()
    assert own_code(package=package) == before
    assert all("__pycache__" not in p.parts for p in code_files(package=package))


def test_every_module_of_the_installed_package_is_covered() -> None:
    modules = set(PACKAGE.rglob("*.py")) - set(PACKAGE.rglob("__pycache__/*"))
    assert modules <= set(code_files())
    assert any(len(p.relative_to(PACKAGE).parts) > 2 for p in modules)


def test_the_page_cache_fingerprint_depends_on_refsites_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from refsite.speed import reuse

    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text("site_name: x\n", encoding="utf-8")
    config = SimpleNamespace(
        config_file_path=str(config_file),
        site_url="http://127.0.0.1:8000/",
        use_directory_urls=True,
        plugins={"mkdocstrings": SimpleNamespace(config={"handlers": {}})},
        markdown_extensions=["toc"],
        mdx_configs={},
    )
    before = reuse.fingerprint(config)
    assert reuse.fingerprint(config) == before
    monkeypatch.setattr(reuse, "own_code", lambda *names, **kw: "other code")
    assert reuse.fingerprint(config) != before
    assert fingerprint.own_code is own_code


def test_sources_digest_is_the_files_wherever_they_lie(tmp_path: Path) -> None:
    def package(root: Path, body: str) -> list[Path]:
        (root / "shop/sub").mkdir(parents=True)
        (root / "shop/__init__.py").write_text("")
        (root / "shop/sub/cart.py").write_text(body)
        (root / "shop/README.txt").write_text(str(root))  # not source: does not count
        (root / "single.py").write_text(body)  # a package that is one module
        return [root / "shop", root / "single.py"]

    one = fingerprint.sources_digest(package(tmp_path / "one", "A = 1\n"))
    assert one == fingerprint.sources_digest(package(tmp_path / "two", "A = 1\n"))
    assert one != fingerprint.sources_digest(package(tmp_path / "three", "A = 2\n"))
    # The module file alone counts by its content too.
    (tmp_path / "four").mkdir()
    (tmp_path / "four/single.py").write_text("B = 1\n")
    (tmp_path / "five").mkdir()
    (tmp_path / "five/single.py").write_text("B = 2\n")
    assert fingerprint.sources_digest([tmp_path / "four/single.py"]) != (
        fingerprint.sources_digest([tmp_path / "five/single.py"])
    )
