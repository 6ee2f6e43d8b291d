"""The object cache's key: what an object renders from, not where its file lies."""

from __future__ import annotations

from pathlib import Path

import griffe
import pytest

from refsite.extras.source_tokens import fill_object_tokens as fill_links
from refsite.extras.source_tokens import object_tokens as token_links
from refsite.speed.objects import object_key, object_key_and_links

BASE = '''
class Base:
    """A base."""

    def inherited(self, x: int) -> str:
        """Inherited by subclasses."""
'''
PKG = '''
from pkg.base import Base
from pkg.types import Thing


class Child(Base):
    """A child."""

    def own(self, thing: Thing) -> None:
        """Its own method."""
'''


def _key(root: Path, files: dict[str, str], path: str = "pkg.Child") -> str | None:
    for name, text in files.items():
        file = root / "pkg" / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text)
    loader = griffe.GriffeLoader(search_paths=[root], allow_inspection=False)
    loader.load("pkg")
    loader.resolve_aliases()
    return object_key(loader.modules_collection.get_member(path), "options", "settings")


FILES = {
    "__init__.py": PKG,
    "base.py": BASE,
    "types.py": "class Thing:\n    pass\n",
}


def test_the_same_object_in_another_folder_has_the_same_key(tmp_path: Path) -> None:
    assert _key(tmp_path / "a", FILES) == _key(tmp_path / "b", FILES)


def test_where_its_file_lies_counts_when_the_source_is_shown(tmp_path: Path) -> None:
    """A page that shows source code names the file: another folder is another rendering."""
    keys = []
    for folder in ["a", "b"]:
        _key(tmp_path / folder, FILES)
        loader = griffe.GriffeLoader(search_paths=[tmp_path / folder], allow_inspection=False)
        loader.load("pkg")
        obj = loader.modules_collection.get_member("pkg.Child")
        keys.append(object_key(obj, "o", "s", files=True))
    assert keys[0] != keys[1]


@pytest.mark.parametrize(
    "edit",
    [
        {"__init__.py": PKG.replace("Its own method.", "Its own method, reworded.")},
        {"base.py": BASE.replace("Inherited by subclasses.", "Inherited, reworded.")},
        {"base.py": BASE.replace("x: int", "x: float")},
        # Same text, but the annotation's name now resolves elsewhere.
        {
            "__init__.py": PKG.replace(
                "from pkg.types import Thing", "from pkg.other import Thing"
            ),
            "other.py": "class Thing:\n    pass\n",
        },
    ],
    ids=["docstring", "inherited-docstring", "inherited-signature", "resolution"],
)
def test_what_renders_differently_has_another_key(tmp_path: Path, edit: dict[str, str]) -> None:
    assert _key(tmp_path / "a", FILES) != _key(tmp_path / "b", {**FILES, **edit})


def test_options_and_settings_are_part_of_the_key(tmp_path: Path) -> None:
    _key(tmp_path, FILES)
    loader = griffe.GriffeLoader(search_paths=[tmp_path], allow_inspection=False)
    loader.load("pkg")
    obj = loader.modules_collection.get_member("pkg.Child")
    keys = {object_key(obj, o, s) for o in ("a", "b") for s in ("x", "y")}
    assert len(keys) == 4


def _loaded(root: Path, files: dict[str, str], version: str) -> griffe.Object | griffe.Alias:
    """pkg.Child from ``files`` as a wheel of ``version`` that names its GitHub repository."""
    for name, text in files.items():
        file = root / "pkg" / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text)
    dist = root / f"pkg-{version}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        f"Name: pkg\nVersion: {version}\nProject-URL: Source, https://github.com/o/pkg\n"
    )
    extensions = griffe.load_extensions({"refsite.sourcelinks": {"tags": {"pkg": "{version}"}}})
    loader = griffe.GriffeLoader(search_paths=[root], allow_inspection=False, extensions=extensions)
    loader.load("pkg")
    loader.resolve_aliases()
    return loader.modules_collection.get_member("pkg.Child")


def test_lines_and_source_links_count_only_when_the_source_is_shown(tmp_path: Path) -> None:
    """Two releases of the same code at other lines: one rendering, its links filled in."""
    moved = {**FILES, "__init__.py": "# a line\n# another\n" + PKG}
    one = _loaded(tmp_path / "a", FILES, "1.0")
    two = _loaded(tmp_path / "b", moved, "2.0")
    key_one, links_one = object_key_and_links(one, "o", "s")
    key_two, links_two = object_key_and_links(two, "o", "s")
    assert key_one == key_two
    assert links_one["pkg.Child"].startswith("https://github.com/o/pkg/blob/1.0/pkg/__init__.py#L")
    assert links_two["pkg.Child"] != links_one["pkg.Child"]
    assert links_two.keys() == links_one.keys()
    assert object_key(one, "o", "s", files=True) != object_key(two, "o", "s", files=True)

    # A rendering of release 1.0, stored with tokens, filled in for 2.0.
    def rendering(links: dict[str, str]) -> str:
        return "".join(
            f'<a class="doc-source-link" href="{links[path]}" title="Source on GitHub">source</a>'
            for path in links_one
        )

    html = rendering(links_one)
    stored = token_links(html, links_one)
    assert stored is not None
    assert "github.com" not in stored
    assert fill_links(stored, links_two) == rendering(links_two)
    # A link the key does not cover cannot be filled in for another release: not stored.
    other = '<a class="doc-source-link" href="https://github.com/o/x/blob/1/x.py#L1-L2">source</a>'
    assert token_links(html + other, links_one) is None
    # A token the release being built has no link for: not a hit.
    assert fill_links(stored, {}) is None
