"""Whether an installed object has the shape some code relies on: attributes, a signature.

A :class:`Shape` names an object by ``module:qualname``; :func:`mismatch`
imports it and says, in a few words, what it lacks. Instance attributes
count when a method of the class (or of a base) assigns them on ``self``, so
a class can be checked without making an instance. Pure: nothing is logged.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from dataclasses import dataclass
from importlib import import_module
from typing import Any

__all__ = ["Shape", "mismatch"]


@dataclass(frozen=True)
class Shape:
    """What refsite relies on in one upstream object.

    ``owner`` is ``module:qualname``. Each of ``attributes`` must be on the
    object, or (for a class) be set on ``self`` in one of its methods or its
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
    """The attributes a class's own methods assign on ``self``: its instance attributes."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return frozenset()
    names = set()
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                if (
                    isinstance(element, ast.Attribute)
                    and isinstance(element.value, ast.Name)
                    and element.value.id == "self"
                ):
                    names.add(element.attr)
    return frozenset(names)
