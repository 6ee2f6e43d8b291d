"""Source-link tokens: written, filled in for a release, stripped."""

from __future__ import annotations

import markupsafe
import pytest

from refsite.extras.source_tokens import (
    PREFIX,
    fill_object_tokens,
    fill_release_tokens,
    object_tokens,
    release_tokens,
    strip_links,
    token,
)
from refsite.extras.sourcelinks import link_prefix

OLD = link_prefix("https://github.com/acme/shop", "1.0.0")
NEW = link_prefix("https://github.com/acme/shop", "1.1.0")
LIB = link_prefix("https://github.com/acme/lib", "2.0")


def _link(href: str, text: str = "source") -> str:
    # As refsite's template (_refsite_source.html.jinja) writes it.
    return (
        f'<a class="doc-source-link" href="{href}" title="Source on GitHub" '
        f"data-search-exclude>{text}</a>"
    )


def _page(shop: str, lib: str = LIB) -> str:
    return (
        f"<h2>shop.Cart {_link(shop + 'shop/cart.py#L3-L9')}</h2><p>A cart.</p>"
        f"<h2>lib.Item {_link(lib + 'lib/item.py#L1-L2')}</h2>"
    )


def test_every_token_has_the_one_syntax() -> None:
    assert token("shop.Cart") == f"{PREFIX}shop.Cart" == "refsite-source:shop.Cart"
    tokens = release_tokens(_page(OLD), {"shop": OLD, "lib": LIB})
    assert tokens is not None
    assert f'href="{token("shop/cart.py#L3-L9")}"' in tokens
    assert f'href="{token("lib/item.py#L1-L2")}"' in tokens
    assert "github.com" not in tokens


@pytest.mark.parametrize(
    ("release", "prefix"),
    [("1.0.0", OLD), ("1.1.0", NEW)],
)
def test_release_tokens_round_trip_and_each_release_gets_its_own_url(
    release: str, prefix: str
) -> None:
    tokens = release_tokens(_page(OLD), {"shop": OLD, "lib": LIB})
    assert tokens is not None
    filled = fill_release_tokens(tokens, {"shop": prefix, "lib": LIB}.get)
    assert filled == _page(prefix)
    assert f"https://github.com/acme/shop/blob/{release}/shop/cart.py#L3-L9" in filled


@pytest.mark.parametrize(
    ("prefixes", "prefix_of"),
    [
        # A link under no known prefix: not tokened.
        ({"shop": OLD}, None),
        # A prefix of another package than the link's path names.
        ({"lib": OLD, "shop": LIB}, None),
        # A package the release built has no prefix for: not filled.
        ({"shop": OLD, "lib": LIB}, {"shop": NEW}),
    ],
)
def test_release_tokens_that_cannot_be_written_or_filled(
    prefixes: dict[str, str], prefix_of: dict[str, str] | None
) -> None:
    tokens = release_tokens(_page(OLD), prefixes)
    if prefix_of is None:
        assert tokens is None
    else:
        assert tokens is not None
        assert fill_release_tokens(tokens, prefix_of.get) is None


def test_object_tokens_round_trip_with_each_release_s_links() -> None:
    one = {"shop.Cart": OLD + "shop/cart.py#L3-L9", "lib.Item": LIB + "lib/item.py?a=1&b=2"}
    two = {**one, "shop.Cart": NEW + "shop/cart.py#L5-L11"}

    def html(links: dict[str, str]) -> str:
        # Jinja escapes the URL: the token replaces the link as written.
        return "".join(f"<h2>{_link(str(markupsafe.escape(link)))}</h2>" for link in links.values())

    tokens = object_tokens(html(one), one)
    assert tokens is not None
    assert f'href="{token("shop.Cart")}"' in tokens
    assert f'href="{token("lib.Item")}"' in tokens
    assert fill_object_tokens(tokens, one) == html(one)
    assert fill_object_tokens(tokens, two) == html(two)
    # A link the mapping lacks, or a token left unfilled: nothing.
    assert object_tokens(html(one), {"shop.Cart": one["shop.Cart"]}) is None
    assert fill_object_tokens(tokens, {"shop.Cart": NEW}) is None


@pytest.mark.parametrize(
    ("html", "stripped"),
    [
        (_link(OLD + "shop/cart.py#L3-L9"), _link("")),
        (_link(token("shop/cart.py#L3-L9")), _link("")),
        # Not a link the search index leaves out: kept.
        ('<a class="doc-source-link" href="x">s</a>', '<a class="doc-source-link" href="x">s</a>'),
        (
            '<a href="https://x.org" data-search-exclude>',
            '<a href="https://x.org" data-search-exclude>',
        ),
    ],
)
def test_strip_empties_the_links_the_search_index_leaves_out(html: str, stripped: str) -> None:
    assert strip_links(html) == stripped
    # Two releases' renderings of the same page compare equal once stripped.
    assert strip_links(_page(OLD)) == strip_links(_page(NEW))
