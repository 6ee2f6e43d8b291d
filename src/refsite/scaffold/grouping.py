"""Grouping a package's entries into pages and the navigation, each with its intro.

One page per public module; a small module joins its parent's page; a large
one is split into an index page and one page per kind of object. A module's
intro is its docstring's first sentence (:func:`first_sentence`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import griffe

from refsite.scaffold.values import KINDS, Entry, NavItem, Page, Section

__all__ = ["LARGE", "SMALL", "first_sentence", "first_sentence_of", "nav_items", "says_more"]

SMALL = 3
"""A module with at most this many objects goes on its parent's page."""
LARGE = 20
"""A module with more objects than this gets one page per kind."""


def nav_items(
    collection: griffe.ModulesCollection,
    package: str,
    found: Mapping[str, list[tuple[int, Entry]]],
    elsewhere: Mapping[str, list[tuple[str, str]]],
) -> list[NavItem]:
    """The navigation of the reference pages, from each module's entries.

    ``found`` maps a module to its entries, each with its position in the
    module; ``elsewhere`` maps a module to the (name, documented name) pairs
    of objects it also exposes.
    """
    order = list(KINDS)
    modules = {
        m: tuple(e for _, e in sorted(found[m], key=lambda pe: (order.index(pe[1].kind), pe[0])))
        for m in found
    }
    # A small module joins the page of its nearest ancestor that has one and
    # is not split by kind (the package's own page, made for it if need be).
    pages: dict[str, list[str]] = {}
    for module in sorted(modules, key=lambda m: (m != package, m)):
        host = _host(module, package, modules, pages)
        if module == package or host is None or len(modules[module]) > SMALL:
            pages.setdefault(module, [])
        else:
            pages.setdefault(host, []).append(module)
    items = []
    for module in sorted(pages, key=lambda m: (m != package, m)):
        intro = first_sentence_of(_module(collection, module))
        sections = [
            Section(
                m,
                first_sentence_of(_module(collection, m)),
                modules.get(m, ()),
                tuple(sorted(elsewhere.get(m, []))),
                whole=says_more(_module(collection, m)),
            )
            for m in [module, *pages[module]]
        ]
        items.append(_nav_item(module, intro, sections))
    return items


def _host(
    module: str, package: str, modules: Mapping[str, tuple[Entry, ...]], pages: Mapping[str, Any]
) -> str | None:
    """The page a small module would join: its nearest ancestor's, if that is not split."""
    parent = module.rpartition(".")[0]
    while parent and len(parent) > len(package):
        if parent in pages:
            return parent if len(modules.get(parent, ())) <= LARGE else None
        parent = parent.rpartition(".")[0]
    return package if module.startswith(package + ".") else None


def _module(collection: griffe.ModulesCollection, name: str) -> Any:
    try:
        return collection.get_member(name)
    except KeyError:
        return None


def _nav_item(module: str, intro: str, sections: list[Section]) -> NavItem:
    label = f"`{module}`"
    own = sections[0].entries
    kinds = [k for k in KINDS if any(e.kind == k for e in own)]
    if len(own) <= LARGE or len(kinds) < 2:
        page = Page(f"reference/{module}.md", label, intro, tuple(sections))
        return NavItem(label, page)
    kind_pages = [
        Page(
            f"reference/{module}/{KINDS[k].lower()}.md",
            f"{KINDS[k]} of `{module}`",
            f"The {KINDS[k].lower()} of `{module}`.",
            (Section(module, "", tuple(e for e in own if e.kind == k)),),
        )
        for k in kinds
    ]
    links = tuple(
        (KINDS[k], f"{KINDS[k].lower()}.md", tuple(e.name for e in own if e.kind == k))
        for k in kinds
    )
    # Small modules merged here get their own sections on the index page.
    own_section = replace(sections[0], entries=())
    index = Page(f"reference/{module}/index.md", label, intro, (own_section, *sections[1:]), links)
    pairs = zip(kinds, kind_pages, strict=True)
    children = (NavItem(label, index), *(NavItem(KINDS[k], p) for k, p in pairs))
    return NavItem(label, index, children)


def first_sentence_of(obj: Any) -> str:
    """The first sentence of a griffe object's docstring ("" without one)."""
    if obj is None or obj.docstring is None:
        return ""
    return first_sentence(obj.docstring.value)


_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "cf.")


def _sentence(docstring: str) -> str:
    """The first sentence of a docstring as written, on one line."""
    paragraph = docstring.strip().split("\n\n", 1)[0]
    text = " ".join(paragraph.split())
    end = next(
        (
            m.end(1)
            for m in re.finditer(r"([.!?])(\s|$)", text)
            if not text[: m.end(1)].lower().endswith(_ABBREVIATIONS)
        ),
        len(text),
    )
    return text[:end]


def says_more(obj: Any) -> bool:
    """Whether a griffe object's docstring says more than its first sentence."""
    if obj is None or obj.docstring is None:
        return False
    text = obj.docstring.value
    return len(" ".join(text.split())) > len(_sentence(text))


def first_sentence(docstring: str) -> str:
    """The first sentence of a docstring, as one line of Markdown that links nowhere."""
    sentence = _sentence(docstring)
    sentence = re.sub(r":[\w:]+:`~?([^`]+)`", r"`\1`", sentence)  # reST roles
    sentence = sentence.replace("``", "`")
    if sentence.count("`") % 2:
        sentence = sentence.replace("`", "")
    # Outside code spans: links of the package's own site would not resolve
    # here, and HTML would be HTML.
    parts = sentence.split("`")
    for i in range(0, len(parts), 2):
        part = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", parts[i])
        part = part.replace("[", "\\[").replace("]", "\\]")
        parts[i] = part.replace("<", "&lt;").replace(">", "&gt;")
    sentence = "`".join(parts)
    return sentence if len(sentence) <= 300 else sentence[:297].rstrip() + "..."
