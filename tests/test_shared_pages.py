"""Pages shared between releases: found by what they render from, links filled per release."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from refsite.extras.source_tokens import fill_release_tokens as fill_links
from refsite.extras.source_tokens import release_tokens as token_links
from refsite.speed.kept_pages import KeptPage, KeptPages
from refsite.speed.shared_pages import LinkPrefixes, SharedPages, relative_sources

A_LINK = "https://github.com/acme/shop/blob/1.0.0/"
B_LINK = "https://github.com/acme/shop/blob/1.1.0/"


def _html(prefix: str) -> str:
    return (
        '<h2 id="shop.Cart">shop.Cart <a class="doc-source-link" '
        f'href="{prefix}shop/cart.py#L3-L9" title="Source on GitHub" data-search-exclude>'
        "source</a></h2><p>A cart.</p>"
    )


@pytest.fixture
def cache(tmp_path: Path) -> KeptPages:
    return KeptPages(tmp_path / "cache", "unused")


def _release(root: Path, cart: str = "class Cart: ...\n") -> Path:
    (root / "shop").mkdir(parents=True)
    (root / "shop/__init__.py").write_text("")
    (root / "shop/cart.py").write_text(cart)
    return root


def _shared(cache: KeptPages, root: Path, prefix: str | None) -> SharedPages:
    return SharedPages(cache, "fingerprint", [str(root)], lambda top: prefix)


def _page(cache: KeptPages, root: Path, prefix: str) -> KeptPage:
    page = KeptPage(
        content=_html(prefix),
        toc=[{"id": "shop.Cart", "title": "shop.Cart", "children": []}],
        anchors=[["shop.Cart", "shop.Cart", None, True]],
        sources=dict.fromkeys([str(root / "shop/cart.py")], ""),
    )
    page.sources = {path: cache.file_hash(path) for path in page.sources}
    return page


def test_links_become_tokens_and_are_filled_with_another_release_s(tmp_path: Path) -> None:
    html = _html(A_LINK)
    tokens = token_links(html, {"shop": A_LINK})
    assert tokens is not None
    assert A_LINK not in tokens
    assert 'href="refsite-source:shop/cart.py#L3-L9"' in tokens
    assert fill_links(tokens, {"shop": B_LINK}.get) == _html(B_LINK)
    # A link of a package whose prefix is not known: not shared, not filled.
    assert token_links(html, {"other": A_LINK}) is None
    assert fill_links(tokens, {}.get) is None


def test_sources_are_named_within_the_first_folder_holding_them() -> None:
    sources = {"/a/shop/cart.py": "h1", "/b/dep/x.py": "h2"}
    assert relative_sources(sources, ["/a", "/b/"]) == (
        ("dep/x.py", "h2"),
        ("shop/cart.py", "h1"),
    )
    assert relative_sources(sources, ["/a"]) is None


def test_a_release_with_the_same_files_gets_the_page_with_its_own_links(
    tmp_path: Path, cache: KeptPages
) -> None:
    one = _release(tmp_path / "one")
    two = _release(tmp_path / "two")
    assert _shared(cache, one, A_LINK).put(
        "api/cart.md", "::: shop.Cart", _page(cache, one, A_LINK)
    )
    found = _shared(cache, two, B_LINK).get("api/cart.md", "::: shop.Cart")
    assert found is not None
    assert found.content == _html(B_LINK)
    assert found.sources == {str(two / "shop/cart.py"): cache.file_hash(str(two / "shop/cart.py"))}
    assert found.anchors == [["shop.Cart", "shop.Cart", None, True]]
    # Other Markdown, another file's content, or links where there were none: no page.
    assert _shared(cache, two, B_LINK).get("api/cart.md", "::: shop.Other") is None
    three = _release(tmp_path / "three", cart="class Cart:\n    '''Changed.'''\n")
    assert _shared(cache, three, B_LINK).get("api/cart.md", "::: shop.Cart") is None
    assert _shared(cache, two, "").get("api/cart.md", "::: shop.Cart") is None
    assert _shared(cache, two, None).get("api/cart.md", "::: shop.Cart") is None


def test_releases_whose_files_differ_keep_their_variants_side_by_side(
    tmp_path: Path, cache: KeptPages
) -> None:
    one = _release(tmp_path / "one")
    other = _release(tmp_path / "other", cart="class Cart:\n    '''Changed.'''\n")
    assert _shared(cache, one, A_LINK).put("p.md", "::: shop.Cart", _page(cache, one, A_LINK))
    changed = _page(cache, other, B_LINK)
    changed.content = changed.content.replace("A cart.", "A changed cart.")
    assert _shared(cache, other, B_LINK).put("p.md", "::: shop.Cart", changed)
    again = _release(tmp_path / "again")
    found = _shared(cache, again, B_LINK).get("p.md", "::: shop.Cart")
    assert found is not None
    assert "<p>A cart.</p>" in found.content


def test_a_page_that_shows_its_folder_is_not_shared(tmp_path: Path, cache: KeptPages) -> None:
    one = _release(tmp_path / "one")
    page = _page(cache, one, A_LINK)
    page.content += f"<p>Source code in {one}/shop/cart.py</p>"
    assert not _shared(cache, one, A_LINK).put("p.md", "::: shop.Cart", page)
    # Or the path relative to the working folder (a release unpacked in it).
    page = _page(cache, one, A_LINK)
    page.content += "<p>Source code in <code>one/shop/cart.py</code></p>"
    with contextlib.chdir(tmp_path):
        assert not _shared(cache, one, A_LINK).put("p.md", "::: shop.Cart", page)
    # The path within its package is every release's: shared.
    page = _page(cache, one, A_LINK)
    page.content += "<p>Source code in <code>shop/cart.py</code></p>"
    with contextlib.chdir(tmp_path):
        assert _shared(cache, one, A_LINK).put("p.md", "::: shop.Cart", page)
    # Nor one whose source lies outside griffe's search path.
    page = _page(cache, one, A_LINK)
    assert not SharedPages(cache, "f", [str(tmp_path / "elsewhere")], {"shop": A_LINK}.get).put(
        "p.md", "::: shop.Cart", page
    )


def _autoref(file: Path) -> str:
    # As autorefs leaves a cross-reference it has not resolved yet.
    return (
        '<autoref identifier="shop.Cart" domain="py" role="class" origin="shop.Cart" '
        f'filepath="{file}" lineno="3">Cart</autoref>'
    )


def test_an_unresolved_cross_reference_names_the_file_of_the_build_that_takes_the_page(
    tmp_path: Path, cache: KeptPages
) -> None:
    one = _release(tmp_path / "one")
    two = _release(tmp_path / "two")
    page = _page(cache, one, A_LINK)
    page.content += _autoref(one / "shop/cart.py")
    assert _shared(cache, one, A_LINK).put("p.md", "::: shop.Cart", page)
    found = _shared(cache, two, A_LINK).get("p.md", "::: shop.Cart")
    assert found is not None
    assert found.content == _html(A_LINK) + _autoref(two / "shop/cart.py")
    # A file the page did not render from is this build's alone: not shared.
    (one / "shop/other.py").write_text("")
    page = _page(cache, one, A_LINK)
    page.content += _autoref(one / "shop/other.py")
    assert not _shared(cache, one, A_LINK).put("q.md", "::: shop.Cart", page)


class _Handler:
    """What LinkPrefixes reads of mkdocstrings' python handler."""

    def __init__(self, extensions: list[object], modules: dict[str, object]) -> None:
        self.global_options = {"extensions": extensions}
        self._modules_collection = type("Collection", (), {"members": modules})()
        self.collected: list[str] = []

    def get_options(self, local: dict[str, object]) -> dict[str, object]:
        return {}

    def collect(self, identifier: str, options: object) -> None:
        self.collected.append(identifier)


def test_link_prefixes_come_from_metadata_else_from_the_loaded_package(tmp_path: Path) -> None:
    root = _release(tmp_path / "wheel")
    dist = root / "shop-1.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.4\nName: shop\nVersion: 1.1.0\n"
        "Project-URL: Source, https://github.com/acme/shop\n"
    )
    naming = [{"refsite.sourcelinks": {"tags": {"shop": "{version}"}}}]
    handler = _Handler(naming, {})
    assert LinkPrefixes(handler, [str(root)])("shop") == B_LINK
    assert handler.collected == []  # read without loading the package
    # No dist-info (a project's own source folder): as the handler loads it.
    plain = _release(tmp_path / "src")
    module = type("Module", (), {"git_info": None})()
    handler = _Handler(naming, {"shop": module})
    assert LinkPrefixes(handler, [str(plain)])("shop") == ""
    handler = _Handler(naming, {})
    assert LinkPrefixes(handler, [str(plain)])("shop") is None
    assert handler.collected == ["shop"]


def test_same_files_with_other_aliases_keep_a_variant_each_and_the_build_picks_its_own(
    tmp_path: Path, cache: KeptPages
) -> None:
    # The newer release imports Cart in one more module: the page's own file
    # is the same, what it registers in objects.inv is not (an alias more).
    older_root = _release(tmp_path / "older")
    newer_root = _release(tmp_path / "newer")
    (newer_root / "shop/checkout.py").write_text("from shop.cart import Cart\n")

    def item(name: str, priority: int) -> dict[str, object]:
        uri = "api/cart/#shop.Cart"
        return {"name": name, "domain": "py", "role": "class", "uri": uri, "priority": priority}

    older = _page(cache, older_root, A_LINK)
    older.inventory = [item("shop.Cart", 1), item("shop.Cart", 2), item("shop.cart.Cart", 2)]
    newer = _page(cache, newer_root, A_LINK)
    newer.inventory = [*older.inventory, item("shop.checkout.Cart", 2)]
    assert _shared(cache, older_root, A_LINK).put("p.md", "::: shop.Cart", older)
    assert _shared(cache, newer_root, A_LINK).put("p.md", "::: shop.Cart", newer)

    def aliases(page: KeptPage) -> list[str]:
        return [str(i["name"]) for i in page.inventory if i["priority"] == 2]

    # A third release whose package files are the older one's, elsewhere.
    again = _release(tmp_path / "again")
    asked: list[list[str]] = []

    def older_aliases(page: KeptPage) -> bool:
        asked.append(aliases(page))
        return aliases(page) == aliases(older)

    found = _shared(cache, again, A_LINK).get("p.md", "::: shop.Cart", older_aliases)
    assert found is not None
    assert aliases(found) == aliases(older)
    # The older variant (the very same package files) was taken without
    # asking, although the newer one was stored after it.
    assert asked == []
    # Other package files: asked, and a build whose aliases none has renders the page.
    other = _release(tmp_path / "other")
    (other / "shop/extra.py").write_text("X = 1\n")
    assert _shared(cache, other, A_LINK).get("p.md", "::: shop.Cart", older_aliases) is not None
    assert asked[-1] == aliases(older)
    assert _shared(cache, other, A_LINK).get("p.md", "::: shop.Cart", lambda p: False) is None
