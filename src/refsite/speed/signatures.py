"""Black once per distinct signature, not once per rendered signature.

mkdocstrings-python formats each long signature with Black (its costliest
step in a cold build: FastAPI's ``get``, ``post``, ``put``... share one long
signature, on the app, the router and the test client alike). Before
formatting it swaps every cross-reference for a stash key: a random name
as long as the text it stands for, so equal signatures reach Black as
different text and nothing could be reused. :class:`FormatOnce` renames
the stash keys, in order of appearance, to names of the same lengths that
depend on nothing but that order, formats that text once, and puts the
keys back. Black lays code out by the length of names, never their
spelling, so the result is the text Black gives for the original.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

__all__ = ["FormatOnce"]

Formatter = Callable[[str, int], str]

# mkdocstrings-python 2.0.11's pattern for its stash keys ("_" and at least
# two letters or digits), which it also uses to put them back.
_NAME = re.compile(r"\b_[A-Za-z0-9]{2,}\b")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class FormatOnce:
    """``format`` (Black's, as mkdocstrings-python calls it), kept by the text it lays out.

    ``stash`` is mkdocstrings-python's map of the stash keys in use, read at
    each call. Text with no stash key is kept as it is.
    """

    def __init__(self, format_code: Formatter, stash: Mapping[str, str]) -> None:
        self._format = format_code
        self._stash = stash
        self._done: dict[tuple[str, int], str] = {}
        self.calls = 0
        """How many times ``format`` ran (for the tests and the profile)."""

    def __call__(self, code: str, line_length: int) -> str:
        renamed = self._rename(code)
        if renamed is None:
            self.calls += 1
            return self._format(code, line_length)
        text, back = renamed
        key = (text, line_length)
        formatted = self._done.get(key)
        if formatted is None:
            self.calls += 1
            formatted = self._done[key] = self._format(text, line_length)
        if not back:
            return formatted
        return _NAME.sub(lambda match: back.get(match[0], match[0]), formatted)

    def _rename(self, code: str) -> tuple[str, dict[str, str]] | None:
        """``code`` with its stash keys renamed, and the way back; None if it cannot be."""
        renamed: dict[str, str] = {}
        others: set[str] = set()

        def rename(match: re.Match[str]) -> str:
            name = match[0]
            if name not in self._stash:
                others.add(name)
                return name
            if name not in renamed:
                renamed[name] = _ordinal_name(len(renamed), len(name))
            return renamed[name]

        text = _NAME.sub(rename, code)
        # A new name must not be a name the code already has, and must fit.
        if any(not new or new in others for new in renamed.values()):
            return None
        return text, {new: old for old, new in renamed.items()}


def _ordinal_name(index: int, length: int) -> str:
    """The ``index``-th name of ``length`` characters ("_Q0", "_Q1"... of 3); "" if none fits."""
    digits = ""
    while True:
        index, digit = divmod(index, len(_DIGITS))
        digits = _DIGITS[digit] + digits
        if index == 0:
            break
    if len(digits) > length - 1:
        return ""
    return "_" + digits.rjust(length - 1, "Q")
