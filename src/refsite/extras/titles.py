"""Page titles whose backticks mark inline code, shown as code or as plain text.

A navigation label such as "`FastAPI` class" marks code with backticks, as
the declared tree does. Material shows the label in the sidebar as HTML (its
``typeset`` title), but puts the raw label in the page's ``<title>``, the
header's page title and the footer's previous and next links. This rewrites
those few places of a templated page: as code where HTML is allowed (the
header and the footer's link text), as plain text where it is not (the
``<title>`` and the footer links' ``aria-label``). The rest of the page is
left byte for byte.

Material's search index titles a page without a first-level heading with its
label too; its results show titles as HTML, so there the code is code, as in
the titles it takes from headings.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

__all__ = ["code_search_titles", "inline_code", "plain_text", "retitle_page"]


def inline_code(title: str) -> str:
    """HTML for a label whose backticks mark inline code."""
    parts = html.escape(title, quote=False).split("`")
    if len(parts) % 2 == 0:
        return html.escape(title, quote=False)  # unbalanced: show it as it is
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def plain_text(title: str) -> str:
    """A label without the backticks that mark code in it (unbalanced ones stay)."""
    return title.replace("`", "") if title.count("`") % 2 == 0 else title


_TITLE = re.compile(r"<title>(?P<text>[^<]*)</title>")
_HEADER = re.compile(
    r'(?P<open><div class="md-header__topic" data-md-component="header-topic">\s*'
    r'<span class="md-ellipsis">\s*)(?P<text>[^<]*?)(?P<close>\s*</span>)'
)
_FOOTER = re.compile(
    r'(?P<open><a href="[^"]*" class="md-footer__link md-footer__link--(?P<side>prev|next)" '
    r'aria-label="[^"]*?: )(?P<label>[^"]*)'
    r'(?P<middle>">(?:(?!</a>).)*?<div class="md-ellipsis">\s*)'
    r"(?P<text>[^<]*?)(?P<close>\s*</div>)",
    re.DOTALL,
)


def retitle_page(
    output: str, *, title: str | None, previous: str | None = None, following: str | None = None
) -> str:
    """``output`` (a page Material templated) with its backticked titles as code or text.

    ``title`` is the page's title, ``previous`` and ``following`` those of
    the pages its footer links to, each as Material rendered it (the
    navigation label); a title without backticks is left alone.
    """
    if title and "`" in title:
        output = _sub_once(_TITLE, output, lambda m: _in_title(m, title))
        output = _sub_once(_HEADER, output, lambda m: _as_code(m, title))
    for side, label in (("prev", previous), ("next", following)):
        if label and "`" in label:
            output = _sub_once(_FOOTER, output, functools.partial(_footer, side=side, title=label))
    return output


def _sub_once(
    pattern: re.Pattern[str], text: str, replace: Callable[[re.Match[str]], str | None]
) -> str:
    """``text`` with the first match that ``replace`` accepts replaced."""
    for match in pattern.finditer(text):
        new = replace(match)
        if new is not None:
            return text[: match.start()] + new + text[match.end() :]
    return text


def _in_title(match: re.Match[str], title: str) -> str | None:
    # Material writes `page.title | striptags`: that is what the element holds.
    shown = Markup(title).striptags()
    if not match["text"].startswith(shown):
        return None
    return f"<title>{plain_text(shown)}{match['text'][len(shown) :]}</title>"


def _as_code(match: re.Match[str], title: str) -> str | None:
    if match["text"] != title:
        return None
    return match["open"] + inline_code(title) + match["close"]


def _footer(match: re.Match[str], *, side: str, title: str) -> str | None:
    if match["side"] != side or match["text"] != title or match["label"] != str(escape(title)):
        return None
    label = str(escape(plain_text(title)))
    return match["open"] + label + match["middle"] + inline_code(title) + match["close"]


def code_search_titles(index: dict[str, Any]) -> int:
    """Show the backticks of search entries' titles as code, in place; returns how many."""
    count = 0
    for doc in index.get("docs", []):
        title = doc.get("title")
        if isinstance(title, str) and "`" in title and title.count("`") % 2 == 0:
            doc["title"] = inline_code(title)
            count += 1
    return count
