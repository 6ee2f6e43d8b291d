"""API history and changes: a fixture package at three versions, read with griffe.

The package ``shop`` changes between versions in every way the changes list
knows; each test states the edit it made and checks that it is found (and
judged breaking or not) as that edit implies.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, mkdocs_build, refsite
from refsite.history.badges import add_badges, marks_for
from refsite.history.changes import Change, changes_page, compare, format_markdown, history_changes
from refsite.history.model import (
    History,
    HistoryError,
    ReleaseRead,
    dump_history,
    history_from_data,
    load_history,
)
from refsite.history.since import since
from refsite.history.snapshot import read_snapshot
from refsite.history.view import Prepared, view
from test_wheels import make_wheel

BASE = '''
class Base:
    """A base."""

class Mixin:
    """A mixin."""
'''

VERSIONS = {
    "1.0.0": {
        "shop/__init__.py": """
from shop._core import Cart as Cart, total as total, Item as Item, legacy as legacy
from shop._bases import Base as Base, Mixin as Mixin
__all__ = ["Cart", "total", "Item", "legacy", "Base", "Mixin"]
""",
        "shop/_bases.py": BASE,
        "shop/_core.py": """
from typing import Optional
from shop._bases import Base, Mixin

class Cart(Base, Mixin):
    def __init__(self, owner: str, *, limit: int = 10) -> None: ...
    def add(self, item: "Item", count: int = 1) -> None: ...

class Item:
    def __init__(self, name: str, price: Optional[float] = None) -> None: ...

def total(cart: Cart, tax: float = 0.2) -> float: ...

def legacy(x: int) -> int: ...
""",
    },
    "1.1.0": {
        # Added: Coupon, Cart.remove, total(currency=...), Item is also shop.items.Item.
        # Renamed: Item(price) -> Item(cost). Deprecated: legacy, Cart(limit).
        # Annotations respelled only (no change): Optional[float] -> float | None,
        # "Item" -> Item.
        "shop/__init__.py": """
from shop._core import Cart as Cart, total as total, Item as Item, legacy as legacy
from shop._core import Coupon as Coupon
from shop._bases import Base as Base, Mixin as Mixin
from shop import items as items
__all__ = ["Cart", "total", "Item", "legacy", "Base", "Mixin", "Coupon", "items"]
""",
        "shop/items.py": "from shop._core import Item as Item\n",
        "shop/_bases.py": BASE,
        "shop/_core.py": '''
from typing import Annotated
from typing_extensions import deprecated
from shop._bases import Base, Mixin

class Cart(Base, Mixin):
    def __init__(
        self,
        owner: str,
        *,
        limit: Annotated[int, deprecated("use max_items")] = 10,
    ) -> None: ...
    def add(self, item: Item, count: int = 1) -> None: ...
    def remove(self, item: "Item") -> None: ...
    def describe(self) -> str: ...

class Item:
    def __init__(
        self, name: str, cost: float | None = None, note: str | None = None, _cache: bool = True
    ) -> None: ...

class Coupon:
    """A discount."""

def total(cart: Cart, tax: float = 0.2, currency: str = "EUR") -> float: ...

@deprecated("use total")
def legacy(x: int) -> int: ...
''',
    },
    "2.0.0": {
        # Removed: legacy, Cart(limit), the name shop.Item (shop.items.Item stays).
        # Changed: total's tax default and annotation, its return type; Cart loses
        # a base; Cart.add's count becomes required; Coupon becomes a function;
        # Cart.describe moves up to Base (still there: not removed). Item's
        # private _cache goes and note's default becomes a private sentinel.
        "shop/__init__.py": """
from shop._core import Cart as Cart, total as total, Coupon as Coupon
from shop._bases import Base as Base, Mixin as Mixin
from shop import items as items
__all__ = ["Cart", "total", "Base", "Mixin", "Coupon", "items"]
""",
        "shop/items.py": "from shop._core import Item as Item\n",
        "shop/_bases.py": BASE.replace(
            '"""A base."""', '"""A base."""\n    def describe(self) -> str: ...'
        ),
        "shop/_core.py": """
from shop._bases import Base

class Cart(Base):
    def __init__(self, owner: str) -> None: ...
    def add(self, item: "Item", count: int) -> None: ...
    def remove(self, item: "Item") -> None: ...

_Unset = object()

class Item:
    def __init__(self, name: str, cost: float | None = None, note: str | None = _Unset) -> None: ...

def Coupon(code: str) -> float: ...

def total(cart: Cart, tax: float | None = None, currency: str = "EUR") -> "Decimal": ...
""",
    },
}


def write_version(root: Path, version: str) -> Path:
    folder = root / version
    for name, text in VERSIONS[version].items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> History:
    root = tmp_path_factory.mktemp("shop")
    snapshots = [read_snapshot(["shop"], search_paths=[write_version(root, v)]) for v in VERSIONS]
    return History(package="shop", releases=[ReleaseRead(v) for v in VERSIONS], snapshots=snapshots)


def by_kind(changes: list[Change]) -> dict[tuple[str, str, str], Change]:
    return {(c.kind, c.key, c.parameter): c for c in changes}


def test_additions_renames_and_deprecations_are_found_and_not_breaking(shop: History) -> None:
    found = by_kind(compare(shop.snapshots[0], shop.snapshots[1]))
    assert ("added", "shop.Coupon", "") in found
    assert ("added", "shop.Cart.remove", "") in found
    assert found["name-added", "shop.Item", ""].new == "shop.items.Item"
    added = found["parameter-added", "shop.total", "currency"]
    assert added.new == "currency: str = 'EUR'"
    renamed = found["parameter-renamed", "shop.Item", "cost"]
    assert (renamed.old, renamed.new) == ("price", "cost")
    assert found["deprecated", "shop.legacy", ""].new == "use total"
    assert found["parameter-deprecated", "shop.Cart", "limit"].new == "use max_items"
    # Optional[float] became float | None, "Item" became Item: the same types.
    assert not [c for c in found.values() if c.kind == "annotation"]
    # A renamed positional parameter breaks keyword callers (griffe: removed).
    assert [c.key for c in found.values() if c.breaking] == ["shop.Item"]


def test_removals_and_incompatible_changes_are_breaking(shop: History) -> None:
    changes = compare(shop.snapshots[1], shop.snapshots[2])
    found = by_kind(changes)
    assert found["removed", "shop.legacy", ""].breaking
    assert found["parameter-removed", "shop.Cart", "limit"].breaking
    assert found["parameter-required", "shop.Cart.add", "count"].breaking
    default = found["default", "shop.total", "tax"]
    assert (default.old, default.new, default.breaking) == ("0.2", "None", True)
    assert found["annotation", "shop.total", "tax"].new == "float | None"
    assert found["annotation", "shop.total", "tax"].breaking is False
    assert found["returns", "shop.total", ""].new == "Decimal"
    bases = found["bases", "shop.Cart", ""]
    assert (bases.old, bases.new, bases.breaking) == (
        "shop._bases.Base, shop._bases.Mixin",
        "shop._bases.Base",
        True,
    )
    assert found["kind", "shop.Coupon", ""].new == "function"
    # shop.Item is gone but shop.items.Item is the same class: a removed name, not object.
    assert ("removed", "shop.Item", "") not in found
    assert found["name-removed", "shop.items.Item", ""].old == "shop.Item"
    assert found["name-removed", "shop.items.Item", ""].breaking
    assert ("removed", "shop.Cart.describe", "") not in found
    assert ("added", "shop.Base.describe", "") in found
    assert ("added", "shop.Mixin.describe", "") not in found
    # The other way round, Cart defines what it inherited before: not added either.
    backwards = by_kind(compare(shop.snapshots[2], shop.snapshots[1]))
    assert ("added", "shop.Cart.describe", "") not in backwards
    # griffe calls both breaking; no caller of the public API can tell.
    assert found["parameter-removed", "shop.items.Item", "_cache"].breaking is False
    assert found["default", "shop.items.Item", "note"].new == "_Unset"
    assert found["default", "shop.items.Item", "note"].breaking is False


def test_since_dates_objects_parameters_and_deprecations(shop: History) -> None:
    when = since(shop)
    assert when.first == "1.0.0"
    assert when.added["shop.Cart"] == "1.0.0"
    assert when.added["shop.Cart.remove"] == "1.1.0"
    # Renamed from shop.Item (its shortest name until 2.0.0): still the same class.
    assert when.added["shop.items.Item"] == "1.0.0"
    assert when.parameters["shop.total"] == {"currency": "1.1.0"}
    assert when.parameters["shop.items.Item"] == {"cost": "1.1.0", "note": "1.1.0"}
    # Coupon changed kind in 2.0.0 but kept its name: it dates from 1.1.0.
    assert when.added["shop.Coupon"] == "1.1.0"
    assert "shop.legacy" not in when.added  # removed: nothing to badge


def test_history_file_round_trips_and_stores_unchanged_records_once(
    shop: History, tmp_path: Path
) -> None:
    path = tmp_path / "history.json"
    path.write_text(dump_history(shop), encoding="utf-8")
    again = load_history(path)
    assert again.snapshots == shop.snapshots
    assert again.versions() == list(VERSIONS)
    data = json.loads(path.read_text(encoding="utf-8"))
    # Base never changes: one run for three releases.
    assert len(data["objects"]["shop.Base"]) == 1
    assert data["objects"]["shop.legacy"][-1] == [2, None]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format": "other"}, "not a refsite-api-history/2 file"),
        ({"format": "refsite-api-history/2", "package": "x"}, "malformed history"),
    ],
)
def test_bad_history_data_is_one_clear_error(data: object, message: str) -> None:
    with pytest.raises(HistoryError, match=message):
        history_from_data(data, source="h.json")


def test_markdown_lists_quiet_releases_on_one_line(shop: History) -> None:
    quiet = History(
        package="shop",
        releases=[ReleaseRead(v) for v in ("1.0.0", "1.0.1", "1.0.2", "1.1.0")],
        snapshots=[shop.snapshots[0]] * 3 + [shop.snapshots[1]],
    )
    text = format_markdown(history_changes(quiet), package="shop", ids=True)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## shop 1.1.0 { #shop-1-1-0 }"]
    assert "No public API change in shop 1.0.2, 1.0.1." in text.splitlines()


def test_badges_mark_headings_and_later_parameters(shop: History) -> None:
    marks = marks_for(since(shop), shop.snapshots[-1])
    page = (
        '<h2 id="shop.total" class="doc doc-heading"><code></code>'
        '<span class="doc doc-object-name doc-function-name">shop.total</span>'
        '<a href="#shop.total" class="headerlink">&para;</a></h2>'
        '<div class="doc doc-contents"><table><tbody>'
        '<tr class="doc-section-item">\n<td>\n<code>tax</code></td></tr>'
        '<tr class="doc-section-item">\n<td>\n<code>currency</code></td></tr>'
        "</tbody></table></div>"
        '<h2 id="shop.unknown" class="doc doc-heading">x</h2>'
    )
    out = add_badges(page, marks)
    assert (
        '">shop.total</span> <span class="refsite-since refsite-since-added">Added in 1.0.0 or earlier</span>'
        in out
    )
    assert (
        '<code>currency</code> <span class="refsite-since refsite-since-parameter">added in 1.1.0</span>'
        in out
    )
    assert "<code>tax</code></td>" in out  # there from the start: no note
    assert out.count('<span class="refsite-since ') == 2
    assert out.endswith('<h2 id="shop.unknown" class="doc doc-heading">x</h2>')


def test_an_older_release_is_marked_as_of_its_own_snapshot(shop: History, tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text(dump_history(shop), encoding="utf-8")
    history = view(path, cache_dir=tmp_path / "cache")
    newest = history.marks()
    assert newest == marks_for(since(shop), shop.snapshots[-1])
    assert history.marks("2.0.0") == newest  # the last release is the newest
    at_11 = history.marks("1.1.0")
    # Deprecated in 1.1.0: so marked there, and not in 1.0.0, whose code had no such thing.
    assert at_11["shop.legacy"].deprecated == "Deprecated since 1.1.0"
    assert at_11["shop.Cart"].parameters["limit"] == ["deprecated since 1.1.0"]
    at_10 = history.marks("1.0.0")
    assert at_10["shop.legacy"].deprecated == ""
    assert "limit" not in at_10["shop.Cart"].parameters
    assert at_10["shop.total"].added == "Added in 1.0.0 or earlier"
    assert history.marks("0.9.0") == {}
    # Its changes page ends at it too.
    assert "2.0.0" in history.page(ids=False)
    page_11 = history.page(ids=False, release="1.1.0")
    assert "1.1.0" in page_11
    assert "2.0.0" not in page_11
    assert page_11 == changes_page(
        History(shop.package, shop.releases[:2], shop.snapshots[:2]), ids=False
    )
    assert history.page(ids=True) == changes_page(shop, ids=True)
    # Kept on disk per release: a new process reads them back equal.
    again = view(path, cache_dir=tmp_path / "cache")
    assert again.marks("1.0.0") == at_10
    assert again.marks("1.1.0") == at_11
    assert again.page(ids=False, release="1.1.0") == page_11


def test_badges_and_page_prepared_in_another_process_are_the_ones_made_here(
    shop: History, tmp_path: Path
) -> None:
    path = tmp_path / "history.json"
    path.write_text(dump_history(shop), encoding="utf-8")
    wanted = {"ids": True, "badges": True, "page": True}
    here = view(path, cache_dir=tmp_path / "here")
    assert here.unprepared("1.1.0", **wanted)
    expected = (here.marks("1.1.0"), here.page(ids=True, release="1.1.0"))
    # What a forked copy hands back, with nothing of it on this view's disk.
    elsewhere = view(path, cache_dir=tmp_path / "elsewhere")
    made = elsewhere.prepare("1.1.0", **wanted)
    assert not view(path, cache_dir=tmp_path / "elsewhere").unprepared("1.1.0", **wanted)
    taker = view(path, cache_dir=tmp_path / "taker")
    waited: list[bool] = []
    taker.prepared_elsewhere(lambda: waited.append(True) or made)
    assert (taker.marks("1.1.0"), taker.page(ids=True, release="1.1.0")) == expected
    assert taker.marks("1.1.0") is made[0]["1.1.0"]  # taken, not made again
    assert waited == [True]  # awaited once, at the first use
    # A copy that failed hands back nothing: the work is done at the first use.
    failed = view(path, cache_dir=None)
    failed.prepared_elsewhere(lambda: None)
    assert (failed.marks("1.1.0"), failed.page(ids=True, release="1.1.0")) == expected


def test_a_cold_build_makes_the_badges_and_changes_page_beside_it(
    shop: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from refsite.mkdocs.features import history as feature

    path = tmp_path / "history.json"
    path.write_text(dump_history(shop), encoding="utf-8")
    started: list[object] = []

    def in_background(work: Callable[[], Prepared]) -> Callable[[], Prepared | None]:
        started.append(work)
        result = work()  # as the forked copy would, before this process needs it
        return lambda: result

    monkeypatch.setattr(feature, "in_background", in_background)
    build = SimpleNamespace(
        older_release="1.1.0",
        config=SimpleNamespace(markdown_extensions=["attr_list"]),
        options=SimpleNamespace(history=SimpleNamespace(badges=True)),
    )
    kept = view(path, cache_dir=tmp_path / "cache")
    history = feature.HistoryFeature()
    history.view = kept
    history._prepare(build)  # type: ignore[arg-type]
    assert len(started) == 1
    assert kept.marks("1.1.0") == view(path).marks("1.1.0")
    # The next build finds them kept on disk: nothing to do beside it.
    history.view = view(path, cache_dir=tmp_path / "cache")
    history._prepare(build)  # type: ignore[arg-type]
    assert len(started) == 1


def test_cli_changes_between_folders_as_json_and_markdown(tmp_path: Path) -> None:
    old, new = write_version(tmp_path, "1.0.0"), write_version(tmp_path, "2.0.0")
    args = ["changes", old / "shop", new / "shop", "--package", "shop", "--preload", "x"]
    # --preload x names a package that is not there: one clear line, exit 2.
    result = refsite(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout.strip().splitlines() == [
        f"refsite: error: {old / 'shop'}: package 'x' not found: install it or fix the coverage 'packages'"
    ]
    args = ["changes", old / "shop", new / "shop", "--package", "shop"]
    result = refsite(*args, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    (release,) = json.loads(result.stdout)
    kinds = {(c["kind"], c["key"]) for c in release["changes"]}
    assert ("removed", "shop.legacy") in kinds
    assert ("added", "shop.Coupon") in kinds
    markdown = refsite(*args, cwd=tmp_path)
    assert markdown.returncode == 0
    assert "**breaking**: `shop.legacy`: removed" in markdown.stdout


def test_cli_changes_rejects_what_is_neither_folder_nor_version(tmp_path: Path) -> None:
    result = refsite("changes", "nowhere", "1.0", "--package", "shop", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout.strip() == (
        "refsite: error: nowhere: neither a folder nor a release version of shop"
    )


def test_cli_changes_of_a_release_the_index_lacks_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index"
    for version in ("1.0.0", "1.2.0"):
        make_wheel(index, "shop", version, {"shop/__init__.py": "X = 1\n"})
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    result = refsite("changes", "1.0.0", "9.9.9", "--package", "shop", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout.strip().splitlines() == [
        "refsite: error: no release 9.9.9 of shop on the index; the newest is 1.2.0"
    ]


def test_repository_history_file_is_readable() -> None:
    history = load_history(ROOT / "api-history.json")
    assert history.package == "fastapi"
    assert history.versions()[0] == "0.100.0"


def test_a_site_build_shows_the_changes_and_badges(mini: Path) -> None:
    # minipkg "1.0" lacked Square.scale; the fixture's own sources are "2.0".
    old = mini / "old"
    shutil.copytree(mini / "src", old)
    shapes = old / "minipkg" / "shapes.py"
    text = shapes.read_text(encoding="utf-8")
    shapes.write_text(text[: text.index("    def scale")] + text[text.index("\n\ndef area") :])
    history = History(
        package="minipkg",
        releases=[ReleaseRead("1.0"), ReleaseRead("2.0")],
        snapshots=[
            read_snapshot(["minipkg"], search_paths=[old]),
            read_snapshot(["minipkg"], search_paths=[mini / "src"]),
        ],
    )
    (mini / "history.json").write_text(dump_history(history), encoding="utf-8")
    config = mini / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "      coverage:", "      history:\n        file: history.json\n      coverage:"
        ),
        encoding="utf-8",
    )
    index = mini / "docs" / "api" / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + "\n<!-- refsite:changes -->\n")
    build = mkdocs_build(mini)
    assert build.returncode == 0, build.output
    page = BeautifulSoup((build.site / "api" / "index.html").read_text(), "lxml")
    (heading,) = [h for h in page.find_all("h2") if h.get_text().startswith("minipkg 2.0")]
    section = heading.find_next_sibling("ul")
    assert section is not None
    (item,) = section.find_all("li")
    assert item.get_text() == "minipkg.Square.scale: added"
    link = item.find("a")
    assert link is not None
    assert link["href"] == "shapes/#minipkg.shapes.Square.scale"
    shapes_page = BeautifulSoup((build.site / "api" / "shapes" / "index.html").read_text(), "lxml")

    def badges(identifier: str) -> list[str]:
        heading = shapes_page.find(id=identifier)
        assert heading is not None
        return [b.get_text() for b in heading.select(".refsite-since")]

    assert badges("minipkg.shapes.Square.scale") == ["Added in 2.0"]
    assert badges("minipkg.shapes.Square") == ["Added in 1.0 or earlier"]

    # A history file that is not one: the build stops with one message naming it.
    (mini / "history.json").write_text("{}", encoding="utf-8")
    broken = mkdocs_build(mini)
    assert broken.returncode == 1
    errors = [line for line in broken.output.splitlines() if "history.json" in line]
    assert errors == [
        f"ERROR   -  refsite: history.file: {mini / 'history.json'}: "
        "not a refsite-api-history/2 file; regenerate it with refsite history"
    ]
