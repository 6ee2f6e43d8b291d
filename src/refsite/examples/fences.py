"""Fenced Python code in docstring text, and its hidden lines.

A hidden line is setup an example needs that the page leaves out, as rustdoc
hides lines starting with ``# ``. In Python that is an ordinary comment, so
refsite's marker is a comment no one writes by chance: a line whose text,
after its indentation, starts with ``# hidden: ``. The raw docstring stays
valid Python (``help()`` and editors show a comment); the example runs the
code after the marker, at the line's indentation; the page never shows the
line (:mod:`refsite.examples.hidden` removes it before anything renders).
Only the fences that run have hidden lines: ``python``, ``py``, ``python3``.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from typing import NamedTuple

__all__ = [
    "MARKER",
    "Fence",
    "fences",
    "is_fence_opening",
    "python_fences",
    "reveal",
    "reveal_line",
    "strip_hidden",
]

MARKER = "# hidden:"
"""What starts a hidden line after its indentation (then a space, or the line's end)."""

_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*\{?\s*\.?(?P<info>[^`\n]*)$")
_PYTHON = {"python", "py", "python3"}
_HIDDEN = re.compile(rf"^(?P<indent>[ \t]*){re.escape(MARKER)}(?: (?P<code>.*)|\s*$)")


class Fence(NamedTuple):
    """One Python fence of a docstring text."""

    line: int
    """The line of its opening fence within the text (0-based)."""
    code: str
    """Its code as it runs (hidden lines included), dedented."""
    flags: tuple[str, ...]
    """The words after the language (``no_run``, ``should_fail``)."""
    hidden: int
    """How many of its lines the page does not show."""


def is_fence_opening(line: str) -> bool:
    """Whether ``line`` opens a fence (of any language)."""
    return _OPEN.match(line) is not None


def python_fences(lines: list[str]) -> Iterator[tuple[int, int, tuple[str, ...]]]:
    """(line of the opening fence, line of the closing one, flags) of each Python fence.

    The closing line is ``len(lines)`` for a fence left open.
    """
    number = 0
    while number < len(lines):
        match = _OPEN.match(lines[number])
        if not match:
            number += 1
            continue
        words = match["info"].replace(",", " ").split()
        closing = re.compile(
            rf"^[ \t]*{re.escape(match['fence'][0])}{{{len(match['fence'])},}}\s*$"
        )
        end = number + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if words and words[0].lower() in _PYTHON:
            yield number, end, tuple(words[1:])
        number = end + 1


def fences(text: str) -> Iterator[Fence]:
    """Each Python fence of ``text``."""
    lines = text.splitlines()
    for number, end, flags in python_fences(lines):
        body = lines[number + 1 : end]
        code = textwrap.dedent(reveal("\n".join(body))).strip("\n")
        hidden = sum(1 for line in body if _HIDDEN.match(line))
        yield Fence(number, code + "\n", flags, hidden)


def reveal_line(line: str) -> str:
    """``line`` as it runs: a hidden line's code at the line's indentation, others as they are."""
    match = _HIDDEN.match(line)
    if match is None:
        return line
    return match["indent"] + (match["code"] or "")


def reveal(code: str) -> str:
    """``code`` with each hidden line turned into the code it runs (line numbers kept)."""
    if MARKER not in code:
        return code
    return "\n".join(reveal_line(line) for line in code.split("\n"))


def strip_hidden(text: str) -> str:
    """``text`` without the hidden lines of its Python fences: what a page shows."""
    if MARKER not in text:
        return text  # every docstring of a site that hides nothing: untouched
    lines = text.split("\n")
    hidden = {
        number
        for start, end, _ in python_fences(lines)
        for number in range(start + 1, end)
        if _HIDDEN.match(lines[number])
    }
    return "\n".join(line for number, line in enumerate(lines) if number not in hidden)
