"""Whether an installed object has the shape some code relies on: attributes, a signature.

A :class:`Shape` names an object by ``module:qualname``; :func:`mismatch`
imports it and says, in a few words, what it lacks. Instance attributes
count when the code of a method of the class (or of a base) names them, so
a class can be checked without making an instance. Pure: nothing is logged.
"""

from __future__ import annotations

import functools
import inspect
import types
from dataclasses import dataclass
from importlib import import_module
from typing import Any

__all__ = ["Shape", "mismatch"]


@dataclass(frozen=True)
class Shape:
    """What refsite relies on in one upstream object.

    ``owner`` is ``module:qualname``. Each of ``attributes`` must be on the
    object, or (for a class) be named by the code of its methods or its
    bases' (instance attributes, which only an instance has). ``parameters``,
    if given, are the names the callable takes, in order.
    """

    name: str
    package: str
    owner: str
    attributes: tuple[str, ...] = ()
    parameters: tuple[str, ...] | None = None
    prefix: str | None = None
    """If given, the object's ``name`` starts with it (a logger's name)."""


def mismatch(shape: Shape) -> str | None:
    """What ``shape``'s object lacks, in a few words; None when it has it all."""
    module_name, _, qualname = shape.owner.partition(":")
    try:
        owner: Any = import_module(module_name)
    except ImportError:
        return f"no module {module_name}"
    where = module_name
    for i, part in enumerate(parts := qualname.split(".")):
        if not hasattr(owner, part):
            return f"{where} has no {part}"
        owner, where = getattr(owner, part), ".".join(parts[: i + 1])
    lacking = [name for name in shape.attributes if not _has(owner, name)]
    if lacking:
        return f"{where} has no {', '.join(lacking)}"
    if shape.parameters is not None:
        try:
            names = tuple(inspect.signature(owner).parameters)
        except (TypeError, ValueError):
            return f"{where} has no signature"
        if names != shape.parameters:
            return f"{where} takes ({', '.join(names)}), not ({', '.join(shape.parameters)})"
    if shape.prefix is not None and not str(owner.name).startswith(shape.prefix):
        return f"{where} is named {owner.name}, not {shape.prefix}..."
    return None


def _has(owner: Any, name: str) -> bool:
    if hasattr(owner, name):
        return True
    if not isinstance(owner, type):
        return False
    return any(name in _set_on_self(cls) for cls in owner.__mro__)


@functools.cache
def _set_on_self(cls: type) -> frozenset[str]:
    """The attribute names that a class's own methods use: its instance attributes among them.

    Read from the methods' code objects, which costs microseconds where
    parsing the class's source costs milliseconds in every build. A name
    renamed upstream is no longer there.
    """
    names: set[str] = set()
    stack = [_code(value) for value in vars(cls).values()]
    while stack:
        code = stack.pop()
        if code is None:
            continue
        names.update(code.co_names)
        stack.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return frozenset(names)


def _code(value: Any) -> types.CodeType | None:
    if isinstance(value, staticmethod | classmethod):
        value = value.__func__
    if isinstance(value, property):
        value = value.fset
    code = getattr(value, "__code__", None)
    return code if isinstance(code, types.CodeType) else None
