"""A griffe extension that renders a docstring's faults as well as they can be rendered.

A site made by ``refsite init`` documents every public object that loads,
whatever its docstring gets wrong. Three faults would otherwise fail a
``--strict`` build, and each has a rendering here:

- a cross-reference to an object the site does not document (another
  package's, or a name the release does not have) renders as code, the
  name without a link (:func:`unlink`);
- a relative link into the package's narrative documentation
  (``../concepts/validators.md#part``) leads to that page of its
  documentation site, or, with none known, is left as its text; a link
  to a dotted name (``[text](pkg.Class)``) is the cross-reference it meant
  (:func:`narrative_links`);
- a docstring whose sections griffe cannot split renders as griffe leaves it,
  without the warning.

``refsite init`` finds these (:mod:`refsite.scaffold.findings`) and lists them
in the generated ``mkdocs.yml``::

    - refsite.docfixes:
        unlinked: [rich.color.Color]
        unparsed: [textual.canvas.Canvas]
        docs: {pydantic: https://docs.pydantic.dev/}
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import griffe

from refsite import internals

__all__ = [
    "DocstringFixes",
    "Link",
    "Ref",
    "links",
    "names_object",
    "narrative_links",
    "narrative_url",
    "refs",
    "unlink",
]

# Markdown a docstring holds, in one pass: fenced blocks and code spans (whose
# brackets are not links), cross-references ``[text][id]`` and ``[id][]``,
# inline links ``[text](target)`` and reference definitions ``[1]: target``.
# As Markdown's, a cross-reference may have one space or line break between
# its parts, and spaces in its identifier: ``[ host ] [port]``, an ASCII diagram.
# Text may hold brackets, one level deep, as Markdown's does: ``Union[int, T][int]``.
_PLAIN = r"[^\[\]`\n]|`[^`\n]*`"
_TEXT = rf"(?:{_PLAIN}|\[(?:{_PLAIN})*\])+"
_TOKENS = re.compile(
    r"(?P<fence>^[ \t]*(?P<f>`{3,}|~{3,})[^\n]*\n.*?^[ \t]*(?P=f)[ \t]*$)"
    r"|(?P<code>(?P<ticks>`+)[^\n]+?(?P=ticks))"
    rf"|(?P<ref>\[(?P<text>{_TEXT})\]\s?\[(?P<id>[^\]]*)\])"
    rf"|(?P<link>\[(?P<ltext>{_TEXT}|)\]\((?P<target>[^()\s]+)(?P<title>\s+\"[^\"\n]*\")?\))"
    r"|(?P<defn>^[ \t]*\[(?P<dname>[^\]\n]+)\]:[ \t]*(?P<dtarget>\S+))",
    re.MULTILINE | re.DOTALL,
)
_SCHEME = re.compile(r"^[A-Za-z][\w+.-]*:")
# A link target that is a dotted Python name, not a file: ``[text](pkg.mod.Class)``,
# written for a cross-reference.
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_FILE_SUFFIXES = {"md", "html", "htm", "png", "svg", "jpg", "jpeg", "gif", "txt", "rst", "py"}


@dataclass(frozen=True)
class Ref:
    """A cross-reference in a docstring: ``[text][identifier]``, or ``[identifier][]``."""

    identifier: str
    text: str
    line: int
    """Its line in the docstring, counted from 0."""
    as_link: bool = False
    """Written as a link, ``[text](identifier)``: it renders as a cross-reference."""


@dataclass(frozen=True)
class Link:
    """A relative link in a docstring (into the package's narrative docs)."""

    target: str
    line: int
    """Its line in the docstring, counted from 0."""


def _tokens(text: str) -> Iterator[re.Match[str]]:
    defined = {m["dname"].lower() for m in _TOKENS.finditer(text) if m["defn"]}
    for match in _TOKENS.finditer(text):
        if match["ref"] and _identifier(match).lower() in defined:
            continue  # a Markdown reference link, defined in the docstring
        yield match


def _identifier(match: re.Match[str]) -> str:
    if match["id"]:
        return match["id"]
    text = match["text"]
    # `[`Foo`][]` names Foo; `[Foo][]` names its text.
    return text[1:-1] if re.fullmatch(r"`[^`]+`", text) else text


def _relative(target: str) -> bool:
    return not (_SCHEME.match(target) or target.startswith(("/", "#")) or names_object(target))


def names_object(target: str) -> bool:
    """Whether a link target is a dotted Python name rather than a file."""
    return bool(_DOTTED.fullmatch(target)) and (
        target.rpartition(".")[2].lower() not in _FILE_SUFFIXES
    )


def refs(text: str) -> list[Ref]:
    """The cross-references of a docstring's Markdown, outside code."""
    out = []
    for match in _tokens(text):
        line = text.count("\n", 0, match.start())
        if match["ref"]:
            out.append(Ref(_identifier(match), match["text"], line))
        elif match["link"] and names_object(match["target"]):
            out.append(Ref(match["target"], match["ltext"], line, as_link=True))
    return out


def links(text: str) -> list[Link]:
    """The relative links of a docstring's Markdown, outside code."""
    out = []
    for match in _tokens(text):
        target = match["target"] or match["dtarget"]
        if target and _relative(target):
            out.append(Link(target, text.count("\n", 0, match.start())))
    return out


def unlink(text: str, unlinked: Collection[str]) -> str:
    """``text`` with its cross-references to ``unlinked`` identifiers rendered as code."""

    if not unlinked or not re.search(r"\]\s?\[", text):
        return text
    defined = {m["dname"].lower() for m in _TOKENS.finditer(text) if m["defn"]}

    def fix(match: re.Match[str]) -> str:
        identifier = _identifier(match) if match["ref"] else ""
        if identifier not in unlinked or identifier.lower() in defined:
            return match[0]
        shown = match["text"]
        return shown if "`" in shown else f"`{shown}`"

    return _TOKENS.sub(fix, text)


def narrative_url(target: str, base: str) -> str:
    """Where a relative link of a package's docs leads on its site, at ``base``.

    The link was written from a page of that site, at a depth this site cannot
    know: its ``..`` are dropped and the path is taken from the site's root,
    as MkDocs' directory URLs have it (``concepts/validators.md`` is
    ``concepts/validators/``).
    """
    path, hash_, fragment = target.partition("#")
    parts = [p for p in path.split("/") if p not in {"", ".", ".."}]
    if parts and parts[-1].endswith(".md"):
        stem = parts.pop().removesuffix(".md")
        parts += [""] if stem in {"index", "README"} else [stem, ""]
    elif parts and path.endswith("/"):
        parts.append("")
    return base.rstrip("/") + "/" + "/".join(parts) + hash_ + fragment


def narrative_links(text: str, base: str | None) -> str:
    """``text`` with its relative links leading to the docs at ``base`` (text only without).

    A link to a dotted Python name becomes the cross-reference it was meant to be.
    """

    def fix(match: re.Match[str]) -> str:
        if match["link"] and names_object(match["target"]):
            return f"[{match['ltext'] or match['target']}][{match['target']}]"
        if match["link"] and _relative(match["target"]):
            if base is None:
                return match["ltext"]
            url = narrative_url(match["target"], base)
            return f"[{match['ltext']}]({url}{match['title'] or ''})"
        if match["defn"] and _relative(match["dtarget"]):
            url = narrative_url(match["dtarget"], base) if base else "#"
            return match[0].replace(match["dtarget"], url, 1)
        return match[0]

    return _TOKENS.sub(fix, text) if "](" in text or "]:" in text else text


class DocstringFixes(griffe.Extension):
    """Render the docstring faults ``refsite init`` found, as the module says.

    Args:
        unlinked: Identifiers the site does not document: references to them render as code.
        unparsed: Objects whose docstring sections griffe cannot split: they render
            as griffe leaves them, without its warning.
        docs: The documentation site of each package, by top-level name, where
            relative links in its docstrings lead.
    """

    def __init__(
        self,
        unlinked: Collection[str] = (),
        unparsed: Collection[str] = (),
        docs: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.unlinked = frozenset(unlinked)
        self.unparsed = frozenset(unparsed)
        self.docs = dict(docs or {})

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        docstring = obj.docstring
        if docstring is None:
            return
        value = narrative_links(docstring.value, self.docs.get(obj.package.name))
        docstring.value = unlink(value, self.unlinked)
        if obj.path in self.unparsed:
            # What griffe makes of it, kept (``parsed`` is cached), with its
            # warnings said once, by `refsite init`, rather than failing each build.
            with _silenced():
                docstring.parsed  # noqa: B018


@contextmanager
def _silenced() -> Iterator[None]:
    """Drop what griffe logs meanwhile (``griffe.logger.disable`` fails under mkdocstrings)."""
    target = internals.griffe_logger() or logging.getLogger("griffe")

    def drop(record: logging.LogRecord) -> bool:
        return False

    target.addFilter(drop)
    try:
        yield
    finally:
        target.removeFilter(drop)
