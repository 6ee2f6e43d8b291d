"""refsite's own code fingerprint: every module in every subpackage counts."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from refsite.core import fingerprint, keys
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


def _config(tmp_path: Path, **mkdocstrings: object) -> SimpleNamespace:
    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text("site_name: x\n", encoding="utf-8")
    return SimpleNamespace(
        config_file_path=str(config_file),
        site_url="http://127.0.0.1:8000/",
        use_directory_urls=True,
        plugins={"mkdocstrings": SimpleNamespace(config={"handlers": {}, **mkdocstrings})},
        markdown_extensions=["toc"],
        mdx_configs={},
        theme=SimpleNamespace(custom_dir=None),
    )


def test_the_page_cache_fingerprint_depends_on_refsites_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from refsite.speed import reuse

    config = _config(tmp_path)
    before = reuse.fingerprint(config)
    assert reuse.fingerprint(config) == before
    monkeypatch.setattr(keys, "own_code", lambda *names, **kw: "other code")
    assert reuse.fingerprint(config) != before
    assert fingerprint.own_code is own_code


def test_the_fingerprint_reads_the_users_templates_and_extensions_by_content(
    tmp_path: Path,
) -> None:
    from refsite.speed import reuse

    template = tmp_path / "templates/python/material/function.html.jinja"
    template.parent.mkdir(parents=True)
    template.write_text("one")
    extension = tmp_path / "ext.py"
    extension.write_text("A = 1\n")
    handlers = {"python": {"options": {"extensions": [{"ext.py:Ext": {}}]}}}
    config = _config(tmp_path, custom_templates="templates", handlers=handlers)
    before = reuse.fingerprint(config)
    template.write_text("two")  # same path, same size
    after_template = reuse.fingerprint(config)
    extension.write_text("A = 2\n")
    assert len({before, after_template, reuse.fingerprint(config)}) == 3


def test_tree_digest_is_the_files_wherever_they_lie(tmp_path: Path) -> None:
    def package(root: Path, body: str) -> list[Path]:
        (root / "shop/sub").mkdir(parents=True)
        (root / "shop/__init__.py").write_text("")
        (root / "shop/sub/cart.py").write_text(body)
        (root / "shop/README.txt").write_text(str(root))  # not source: does not count
        (root / "single.py").write_text(body)  # a package that is one module
        return [root / "shop", root / "single.py"]

    one = keys.tree_digest(package(tmp_path / "one", "A = 1\n"))
    assert one == keys.tree_digest(package(tmp_path / "two", "A = 1\n"))
    assert one != keys.tree_digest(package(tmp_path / "three", "A = 2\n"))
    # The module file alone counts by its content too.
    (tmp_path / "four").mkdir()
    (tmp_path / "four/single.py").write_text("B = 1\n")
    (tmp_path / "five").mkdir()
    (tmp_path / "five/single.py").write_text("B = 2\n")
    assert keys.tree_digest([tmp_path / "four/single.py"]) != (
        keys.tree_digest([tmp_path / "five/single.py"])
    )
    # Every file, for a template folder.
    assert keys.tree_digest([tmp_path / "one/shop"], suffixes=None) != keys.tree_digest(
        [tmp_path / "two/shop"], suffixes=None
    )


def test_a_file_written_just_now_is_not_vouched_for_by_its_stat(tmp_path: Path) -> None:
    file = tmp_path / "pkg/mod.py"
    file.parent.mkdir()
    file.write_text("A = 1\n")
    # Written this second: a second write in the same tick could keep its stat.
    assert keys.stat_digest([file.parent]) is None
    first = keys.file_hash(str(file))
    stat = file.stat()
    file.write_text("A = 2\n")  # same size
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same time
    assert keys.file_hash(str(file)) != first
    # Old enough, the stat is trusted (and changes with any later write).
    old = time.time_ns() - 10**10
    os.utime(file, ns=(old, old))
    settled = keys.stat_digest([file.parent])
    assert settled is not None
    file.write_text("A = 3\n")
    os.utime(file, ns=(old, old + 1))
    assert keys.stat_digest([file.parent]) != settled
