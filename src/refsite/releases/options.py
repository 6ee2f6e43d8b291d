"""The ``releases`` options in ``mkdocs.yml``, edited in place.

``refsite upgrade`` moves a site to a release whose minor an explicit
``select`` list does not name; the list gains it, the rest of the file as
it was (comments, order, quoting).
"""

from __future__ import annotations

import re

from refsite.releases.lock import LockError

__all__ = ["add_to_select"]

_RELEASES = re.compile(r"^(?P<indent>\s*)releases:\s*(#.*)?$")
_SELECT = re.compile(r"^(?P<indent>\s*)select:(?P<value>.*)$")


def add_to_select(text: str, version: str, *, source: str = "mkdocs.yml") -> str:
    """``mkdocs.yml``'s ``text`` with ``version`` appended to ``releases.select``'s list.

    The list is a flow list (``select: ["8.1", "8.2"]``, as ``refsite init``
    writes it) or a block list (``- "8.1"`` lines); the rest of the text is kept.

    Raises:
        refsite.releases.lock.LockError: no ``releases.select`` list in ``text``.
    """
    lines = text.splitlines(keepends=True)
    quoted = f'"{version}"'
    for at, line in enumerate(lines):
        start = _RELEASES.match(line)
        if start is None:
            continue
        outer = len(start["indent"])
        for index in range(at + 1, len(lines)):
            body = lines[index]
            if body.strip() and len(body) - len(body.lstrip()) <= outer:
                break  # the releases options end
            found = _SELECT.match(body.rstrip("\r\n"))
            if found is None:
                continue
            value = found["value"].split(" #")[0].strip()
            end = body[len(body.rstrip("\r\n")) :]
            if value.startswith("[") and value.endswith("]"):
                items = value[1:-1].strip()
                new = f"[{items}, {quoted}]" if items else f"[{quoted}]"
                lines[index] = f"{found['indent']}select: {new}{end}"
                return "".join(lines)
            if not value:
                last = index
                for item in range(index + 1, len(lines)):
                    if lines[item].lstrip().startswith("- "):
                        last = item
                    elif lines[item].strip():
                        break
                item_line = lines[last] if last > index else f"{found['indent']}  - x\n"
                dash = item_line[: len(item_line) - len(item_line.lstrip())]
                lines.insert(last + 1, f"{dash}- {quoted}{end or chr(10)}")
                return "".join(lines)
            break
    raise LockError(f"{source}: no releases.select list to add {version} to")
