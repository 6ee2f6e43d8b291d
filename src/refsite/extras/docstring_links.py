"""A griffe extension that points site-absolute docstring links at their docs.

Some packages write links in docstrings as paths of their own documentation
site (httpx writes ``[...](/quickstart/)``). Rendered into another site, such a
link leads to a page that does not exist. Given a documentation base URL per
package, this extension rewrites those links to absolute URLs.

Configure it in the python handler's ``extensions``::

    - refsite.docstring_links:
        bases:
          httpx: https://www.python-httpx.org/
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import griffe

__all__ = ["DocstringLinks", "rewrite_links"]

# Link targets that start with one "/": Markdown inline links, reference
# definitions ("[0]: /quickstart/") and HTML hrefs.
_TARGETS = (
    re.compile(r"(\]\()/(?!/)"),
    re.compile(r"^(\s*\[[^\]]+\]:\s*)/(?!/)", re.MULTILINE),
    re.compile(r"""(href=["'])/(?!/)"""),
)


def rewrite_links(text: str, base: str) -> str:
    """Make the site-absolute links of ``text`` absolute URLs under ``base``."""
    prefix = base.rstrip("/") + "/"
    for pattern in _TARGETS:
        text = pattern.sub(lambda m: m.group(1) + prefix, text)
    return text


class DocstringLinks(griffe.Extension):
    """Rewrite site-absolute docstring links of the configured packages."""

    def __init__(self, bases: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.bases = dict(bases or {})

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        base = self.bases.get(obj.package.name)
        if base is not None and obj.docstring is not None:
            obj.docstring.value = rewrite_links(obj.docstring.value, base)
