"""Source-link tokens: what names a release in a rendering, held apart so releases share it.

refsite's templates show each object's source link
(``<a class="doc-source-link" href="<repository>/blob/<tag>/<path>#L<a>-L<b>" ...>``).
That link is the one place where two releases' renderings of the same
object or page differ, so a rendering kept for reuse holds a token in its
place: ``refsite-source:<what>``, and a build fills in its own release. The
token stands for either

- a whole link, by the object it links (``refsite-source:shop.Cart``): the
  object cache keys a rendering without line numbers, which move between
  releases (:func:`object_tokens`, :func:`fill_object_tokens`);
- a link's repository and tag (``refsite-source:shop/cart.py#L3-L9``): a
  page rendered from the same files keeps its lines, and takes each
  package's ``<repository>/blob/<tag>/`` of the release being built
  (:func:`release_tokens`, :func:`fill_release_tokens`).

An object's path is dotted and a file's path has a slash, so the two never
read as each other. :func:`strip_links` drops the links altogether, for what
compares renderings without them (the search index leaves them out).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import markupsafe

__all__ = [
    "PREFIX",
    "fill_object_tokens",
    "fill_release_tokens",
    "object_tokens",
    "release_tokens",
    "strip_links",
    "token",
]

PREFIX = "refsite-source:"
"""What every token starts with, in place of a link's ``https://``."""

# A source link of refsite's templates (handler_templates/.../_refsite_source).
_LINK = re.compile(r'(<a class="doc-source-link" href=")([^"]*)(")')
_UNTOKENED = re.compile(r'class="doc-source-link" href="(?!' + re.escape(PREFIX) + ")")
# As the search index sees it: a link it excludes.
_EXCLUDED_HREF = re.compile(r'(<a class="doc-source-link" href=")[^"]*(" [^>]*data-search-exclude)')


def token(what: str) -> str:
    """The token of ``what``: an object's path, or a file's path and lines."""
    return PREFIX + what


def object_tokens(html: str, links: Mapping[str, str]) -> str | None:
    """``html`` with a token in place of each of ``links`` (object path -> link).

    None when it shows a source link that is not one of them (an object
    rendered from elsewhere): such a rendering cannot be filled in for
    another release.
    """
    for path, link in links.items():
        html = html.replace(_href(link), _href(token(path)))
    return None if _UNTOKENED.search(html) else html


def fill_object_tokens(html: str, links: Mapping[str, str]) -> str | None:
    """The inverse of :func:`object_tokens`; None when a token is left unfilled."""
    for path, link in links.items():
        html = html.replace(_href(token(path)), _href(link))
    return None if PREFIX in html else html


def release_tokens(html: str, prefixes: Mapping[str, str]) -> str | None:
    """``html`` with each source link's repository and tag replaced by a token.

    ``prefixes`` maps a top-level package to its links' ``<repository>/blob/<tag>/``.
    None when a link does not start with the prefix of the package it names.
    """
    failed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal failed
        href = match[2]
        for top, prefix in prefixes.items():
            if href.startswith(prefix) and href[len(prefix) :].startswith(f"{top}/"):
                return f"{match[1]}{token(href[len(prefix) :])}{match[3]}"
        failed = True
        return match[0]

    out = _LINK.sub(replace, html)
    return None if failed else out


def fill_release_tokens(html: str, prefix_of: Callable[[str], str | None]) -> str | None:
    """The inverse of :func:`release_tokens`, with ``prefix_of(top)`` of the release built.

    None when a package has no prefix in that release.
    """
    failed = False

    def fill(match: re.Match[str]) -> str:
        nonlocal failed
        href = match[2]
        if not href.startswith(PREFIX):
            return match[0]
        rest = href[len(PREFIX) :]
        prefix = prefix_of(rest.split("/", 1)[0])
        if prefix is None:
            failed = True
            return match[0]
        return f"{match[1]}{prefix}{rest}{match[3]}"

    out = _LINK.sub(fill, html)
    return None if failed else out


def strip_links(html: str) -> str:
    """``html`` with the target of every source link the search index excludes left empty."""
    return _EXCLUDED_HREF.sub(r"\1\2", html)


def _href(url: str) -> str:
    # As the templates write it: Jinja escapes the URL.
    return f'href="{markupsafe.escape(url)}"'
