"""mkdocstrings' Python handler, loaded without pydantic, with its option names checked here.

When pydantic is importable, mkdocstrings-python builds its option classes as
pydantic dataclasses, to validate options while a site is being written (its
documentation calls this opt-in: a deploy build does not need pydantic). A
site documenting FastAPI always has pydantic installed, and building those
classes takes about 0.2 s in every build process: a tenth of a build in
which every page is reused. :func:`load_without_pydantic` imports the handler
with pydantic hidden, so it uses plain dataclasses; both kinds apply the same
coercions, and the site's bytes are the same (tested). What pydantic would
still have caught first, an option name the handler does not know, is
checked by :func:`unknown_options`.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from typing import Any

from refsite import internals

__all__ = ["HANDLER", "load_without_pydantic", "unknown_options"]

HANDLER = "mkdocstrings_handlers.python"


def load_without_pydantic() -> None:
    """Import the Python handler with pydantic hidden, unless it is imported already.

    A process that imported the handler before (a ``mkdocs serve`` rebuild,
    or a program that imported it itself) keeps the classes it has.
    """
    if HANDLER in sys.modules:
        return
    hidden = object()
    saved = sys.modules.get("pydantic", hidden)
    # A None entry makes `import pydantic` raise ImportError, the handler's
    # own signal that pydantic is not there.
    sys.modules["pydantic"] = None  # type: ignore[assignment]
    try:
        importlib.import_module(HANDLER)
    except ImportError:  # mkdocstrings reports a missing handler itself
        pass
    finally:
        if saved is hidden:
            del sys.modules["pydantic"]
        else:
            sys.modules["pydantic"] = saved  # type: ignore[assignment]


def unknown_options(options: Mapping[str, Any]) -> list[str]:
    """The names in the handler's ``options`` that it does not know, sorted.

    Empty when the handler is not installed (mkdocstrings says so itself),
    or its option classes are not where :mod:`refsite.internals` reads them.
    """
    known = internals.python_option_names()
    if known is None:
        return []
    return sorted(name for name in options if name not in known)
