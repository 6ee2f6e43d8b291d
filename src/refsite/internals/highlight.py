"""Pygments 2.21.0 as pymdown-extensions 13.1.2 calls it: a lexer and a formatter per code block.

pymdownx's highlighter builds, for every code block and signature, a lexer
by name (Pygments scans its whole table of about 600 lexers for the alias)
and an HTML formatter (whose constructor turns the whole style into CSS
classes). A FastAPI page holds hundreds of them, all of one language and
one style. Here the alias is looked up once per name and the style's
classes computed once per style and prefix; each block still gets a lexer
and a formatter of its own, built from the same options, so the HTML is
the same. Written against those versions;
:mod:`refsite.internals.declared` checks what is relied on.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from refsite.internals.declared import replace_once, usable

__all__ = ["reuse_highlight_setup"]


def reuse_highlight_setup() -> bool:
    """Look lexer classes and style classes up once per process; False when shapes differ."""
    if not usable("highlight-setup"):
        return False
    replace_once(import_module("pymdownx.highlight"), "get_lexer_by_name", _lexer_by_name)
    formatter = import_module("pygments.formatters.html").HtmlFormatter
    replace_once(formatter, "_create_stylesheet", _stylesheet_once)
    return True


def _lexer_by_name(find: Callable[..., Any]) -> Callable[..., Any]:
    """``find`` (Pygments' get_lexer_by_name), with the class of each alias remembered."""
    classes: dict[str, type] = {}

    def get_lexer_by_name(_alias: str, **options: Any) -> Any:
        known = classes.get(_alias.lower()) if isinstance(_alias, str) else None
        if known is not None:
            return known(**options)
        # Unknown aliases raise as before, and are never remembered.
        lexer = find(_alias, **options)
        classes[_alias.lower()] = type(lexer)
        return lexer

    return get_lexer_by_name


def _stylesheet_once(create: Callable[[Any], None]) -> Callable[[Any], None]:
    """``create`` (HtmlFormatter._create_stylesheet), computed once per style and class prefix.

    It fills ``ttype2class`` and ``class2style`` from the style and the
    prefix alone; each formatter gets copies, as it would get new dicts.
    """
    made: dict[tuple[Any, str], tuple[dict[Any, Any], dict[Any, Any]]] = {}

    def _create_stylesheet(self: Any) -> None:
        key = (self.style, self.classprefix)
        found = made.get(key)
        if found is None:
            create(self)
            made[key] = (dict(self.ttype2class), dict(self.class2style))
            return
        self.ttype2class, self.class2style = dict(found[0]), dict(found[1])

    return _create_stylesheet
