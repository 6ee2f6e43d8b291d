"""A griffe extension that keeps a definition an optional import would shadow.

A module may define a class, then replace it with a faster one when that is
installed::

    class Offset: ...

    try:
        from textual_speedups import Offset
    except ImportError:
        pass

griffe takes the import for the last word and ``Offset`` becomes an alias to
``textual_speedups.Offset``, which it cannot resolve when the speed-ups are not
loaded: the class leaves the public API and the site. :class:`KeepDefinitions`
gives the class or function back its place when the import is optional (in a
``try`` that catches ``ImportError``, or ``with suppress(ImportError)``) and its
target is not loaded: the
definition is what users get without the extra, and what the docstrings
document. Coverage reads the public API with it, ``refsite init`` loads with it
and writes it into the generated ``mkdocs.yml`` (``refsite.optional_imports``).
"""

from __future__ import annotations

import ast
from typing import Any

import griffe

__all__ = ["KeepDefinitions", "optional"]

# What an ``except`` clause must catch for the import above it to be optional.
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def optional(node: ast.AST) -> bool:
    """Whether an import node sits in the body of a ``try`` that catches ``ImportError``,
    or of a ``with suppress(ImportError)``.

    Uses the parent links griffe's visitor sets on the nodes while it visits.
    """
    child, parent = node, getattr(node, "parent", None)
    while parent is not None and not isinstance(parent, ast.Module):
        if isinstance(parent, ast.Try) and child in parent.body:
            if any(h.type is None or _import_errors(h.type) for h in parent.handlers):
                return True
        elif isinstance(parent, ast.With) and any(
            _suppresses_import_error(item.context_expr) for item in parent.items
        ):
            return True
        child, parent = parent, getattr(parent, "parent", None)
    return False


def _import_errors(kinds: ast.expr) -> bool:
    """Whether an exception type, or a tuple of them, takes in ``ImportError``."""
    names = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
    return any(_name(k) in _IMPORT_ERRORS for k in names)


def _suppresses_import_error(context: ast.expr) -> bool:
    return (
        isinstance(context, ast.Call)
        and _name(context.func) == "suppress"
        and any(_import_errors(arg) for arg in context.args)
    )


def _name(node: ast.expr) -> str | None:
    """The last part of a name: ``ImportError``, ``contextlib.suppress``."""
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)


class KeepDefinitions(griffe.Extension):
    """Restore the classes and functions that unresolvable optional imports shadow."""

    def __init__(self) -> None:
        super().__init__()
        # The classes and functions of the module being visited, by path.
        self._defined: dict[str, griffe.Object] = {}
        # (the alias, the definition it replaced), until the package is loaded.
        self._shadowed: list[tuple[griffe.Alias, griffe.Object]] = []

    def on_module_instance(self, *, mod: griffe.Module, **kwargs: Any) -> None:
        self._defined.clear()  # one module's file is visited at a time

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.is_class or obj.is_function:
            self._defined[obj.path] = obj

    def on_alias_instance(
        self, *, alias: griffe.Alias, node: ast.AST | griffe.ObjectNode, **kwargs: Any
    ) -> None:
        shadowed = self._defined.pop(alias.path, None)
        # An inspected module (an ObjectNode) shows no imports, optional or not.
        if shadowed is not None and isinstance(node, ast.AST) and optional(node):
            self._shadowed.append((alias, shadowed))

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Before griffe's load events, so the restored objects get them too."""
        kept = []
        for alias, definition in self._shadowed:
            parent = alias.parent
            if parent is None or parent.members.get(alias.name) is not alias:
                continue  # replaced again since
            if parent.package.name != pkg.name:
                kept.append((alias, definition))  # another package's: when it loads
                continue
            try:
                alias.final_target  # noqa: B018 (resolves it, or raises)
            except (griffe.AliasResolutionError, griffe.CyclicAliasError):
                parent.set_member(alias.name, definition)
                if parent.imports.get(alias.name) == alias.target_path:
                    del parent.imports[alias.name]
        self._shadowed = kept
