"""The tree file parser: the real tree files, and a message for each malformation."""

from __future__ import annotations

from pathlib import Path

import pytest

from refsite.checks.tree import NavEntry, TreeError, load_tree, parse_tree

ROOT = Path(__file__).resolve().parent.parent
SHARED_TREE = ROOT.parent / "shared" / "navtree.yml"


def test_project_tree_declares_the_fastapi_reference() -> None:
    tree = load_tree(ROOT / "navtree.yml")
    labels = [e.label for e in tree.entries]
    assert labels == ["Reference", "FastAPI People", "Resources", "About", "Release Notes"]
    websockets = next(p for p in tree.pages() if p.url == "/reference/websockets/")
    assert [t.anchor for t in websockets.toc] == ["fastapi.websockets.WebSocketState"]
    assert len(websockets.toc[0].children) == 4
    assert tree.target(tree.entries[1]) == "https://fastapi.tiangolo.com/fastapi-people/"


def _flat(entries: tuple[NavEntry, ...]) -> list[tuple[str, str | None, str | None]]:
    out = []
    for e in entries:
        out.append((e.label, e.url, e.upstream))
        out.extend(_flat(e.children))
    return out


@pytest.mark.skipif(not SHARED_TREE.exists(), reason="no shared/ beside the repository")
def test_project_tree_keeps_every_entry_of_the_documented_tree_in_order() -> None:
    ours = _flat(load_tree(ROOT / "navtree.yml").entries)
    documented = _flat(load_tree(SHARED_TREE).entries)
    positions = [ours.index(entry) for entry in documented]
    assert positions == sorted(positions)
    ours_pages = {p.url: p for p in load_tree(ROOT / "navtree.yml").pages()}
    for page in load_tree(SHARED_TREE).pages():
        assert page.url in ours_pages
        assert set(page.anchors) <= set(ours_pages[page.url].anchors)
        assert page.toc == ours_pages[page.url].toc


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tree: [\n  - {label: a", "not valid YAML at line"),
        ("- just a list", "expected a mapping with 'upstream_root' and 'tree'"),
        ("tree: []", "'tree' must be a non-empty list"),
        (
            "upstream_root: ftp://x/\ntree: [{label: A, url: /a/}]",
            "'upstream_root' must be an http",
        ),
        ("tree: [{url: /a/}]", "tree[0]: 'label' is missing or empty"),
        ("tree: [{label: 5, url: /a/}]", "tree[0]: 'label' must be a string, not 5; quote it"),
        (
            "tree: [{label: A, url: /a/, toc: [{label: [x], anchor: t}]}]",
            "tree[0].toc[0]: 'label' must be a string, not ['x']; give the navigation label",
        ),
        ("tree: [{label: A, url: /a/, anchor: [x]}]", "tree[0] ('A'): unknown key(s) anchor"),
        ("tree: [{label: A, url: a/}]", "tree[0] ('A'): 'url' must be a path from the site root"),
        ("tree: [{label: A, url: /a/#x}]", "'url' must be a path without a scheme or '#fragment'"),
        (
            "upstream_root: https://x/\ntree: [{label: A, url: /a/, upstream: /b/}]",
            "has both 'url' and 'upstream'",
        ),
        ("tree: [{label: A}]", "tree[0] ('A'): needs a 'url', an 'upstream' or 'children'"),
        ("tree: [{label: A, url: /a/, anchors: x}]", "'anchors' must be a list of element ids"),
        (
            "tree: [{label: S, children: [{label: B, url: /b/, toc: [{label: T}]}]}]",
            "tree[0].children[0].toc[0] ('T'): 'anchor' must be an element id",
        ),
        ("tree: [{label: A, upstream: /a/}]", "'upstream_root' is not set"),
        ("tree: [{label: A, upstream: /a/, toc: [{label: T, anchor: t}]}]", "'toc' needs"),
    ],
)
def test_malformed_tree_gets_a_message_naming_file_and_entry(text: str, message: str) -> None:
    with pytest.raises(TreeError) as caught:
        parse_tree(text, source="tree.yml")
    assert str(caught.value).startswith("tree.yml: ")
    assert message in str(caught.value)


def test_missing_tree_file_is_a_tree_error(tmp_path: Path) -> None:
    with pytest.raises(TreeError, match="cannot read the tree file"):
        load_tree(tmp_path / "nope.yml")


def test_index_page_declared_twice_is_one_page_with_merged_anchors() -> None:
    tree = parse_tree(
        "tree: [{label: S, url: /s/, anchors: [a], children: "
        "[{label: S, url: /s/, anchors: [b]}, {label: T, url: /t/}]}]"
    )
    pages = tree.pages()
    assert [p.url for p in pages] == ["/s/", "/t/"]
    assert pages[0].anchors == ("a", "b")
