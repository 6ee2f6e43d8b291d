"""Fill the ``<!-- refsite:NAME args -->`` placeholders of a page's Markdown.

A placeholder is an HTML comment, so a page still reads well when an engine
that skips the refsite plugin builds it: the generated part is simply absent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata

__all__ = ["PlaceholderError", "expand", "placeholder_names", "versions_table"]

_PLACEHOLDER = re.compile(r"<!--\s*refsite:(?P<name>[\w-]+)(?P<args>[^>]*?)\s*-->")

Generator = Callable[[Sequence[str]], str]


class PlaceholderError(ValueError):
    """A placeholder that names no generator or cannot be filled."""


def versions_table(distributions: Sequence[str], known: Mapping[str, str] | None = None) -> str:
    """A Markdown table of the versions of ``distributions``: ``known`` ones, else installed."""
    if not distributions:
        raise PlaceholderError("refsite:versions needs at least one distribution name")
    rows = ["| Package | Version documented |", "| --- | --- |"]
    for name in distributions:
        try:
            version = (known or {}).get(name) or metadata.version(name)
        except metadata.PackageNotFoundError:
            raise PlaceholderError(f"refsite:versions: {name!r} is not installed") from None
        rows.append(f"| {name} | {version} |")
    return "\n".join(rows)


def placeholder_names(markdown: str) -> list[str]:
    """The names of the placeholders in ``markdown``, in order."""
    return [match["name"] for match in _PLACEHOLDER.finditer(markdown)]


def expand(markdown: str, generators: Mapping[str, Generator]) -> str:
    """Replace every placeholder with what its generator returns.

    Raises:
        PlaceholderError: a placeholder names an unknown generator, or its
            generator rejected the arguments.
    """

    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        generator = generators.get(name)
        if generator is None:
            known = ", ".join(sorted(generators)) or "none"
            raise PlaceholderError(f"unknown placeholder refsite:{name} (known: {known})")
        return generator(match["args"].split())

    return _PLACEHOLDER.sub(fill, markdown)
