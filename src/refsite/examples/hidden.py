"""A griffe extension that keeps an example's hidden lines off the page.

Hidden lines (``# hidden: ...``, see :mod:`refsite.examples.fences`) run with
their example but never render. Stripping them where griffe loads the
docstrings, before mkdocstrings renders anything, keeps them out of the HTML
and so out of the search index, llms.txt and the Markdown twins, under any
engine that honours the python handler's ``extensions`` (MkDocs and Zensical
alike). The examples check loads the package with griffe itself, without this
extension, so it still reads the hidden lines and runs them.

Configure it in the python handler's ``extensions``, in any order: it strips
on ``on_object``, which griffe calls once every extension's ``on_package`` (where
``griffe_typingdoc`` adds the ``Doc(...)`` parameters) has run::

    - griffe_typingdoc
    - refsite.hidden_lines
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Sequence
from typing import Any

import griffe

from refsite.examples.collect import Example
from refsite.examples.fences import MARKER, strip_hidden

__all__ = ["EXTENSION_NAMES", "HiddenLines", "is_configured", "unshown_warning"]

EXTENSION_NAMES = frozenset({"refsite.hidden_lines", __name__})
"""The names a site may give this extension in the python handler's ``extensions``."""


def is_configured(extensions: Any) -> bool:
    """Whether the python handler's ``extensions`` option lists this extension."""
    entries = extensions if isinstance(extensions, list) else []
    names = {e for e in entries if isinstance(e, str)}
    names |= {k for e in entries if isinstance(e, dict) for k in e}
    return bool(EXTENSION_NAMES & names)


def unshown_warning(examples: Sequence[Example], extensions: Any) -> str | None:
    """What to say when ``examples`` hide lines but ``extensions`` lacks this extension.

    Without it the pages show the hidden lines, as comments. None: nothing to say.
    """
    hiding = [e for e in examples if e.hidden]
    if not hiding or is_configured(extensions):
        return None
    first = hiding[0]
    return (
        f"{len(hiding)} example(s) hide lines with '# hidden: ' (the first: {first.object}, "
        f"{first.file}:{first.line}), but the pages show them: add refsite.hidden_lines "
        "to the python handler's extensions"
    )


class HiddenLines(griffe.Extension):
    """Remove the hidden lines of the Python fences of every docstring."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        # on_object visits the package's members, not the package itself.
        _strip(pkg)

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        _strip(obj)


def _strip(obj: griffe.Object) -> None:
    # A site that does not unwrap Annotated shows Doc("...") in signatures.
    if isinstance(obj, griffe.Function):
        for parameter in obj.parameters:
            _strip_expression(parameter.annotation)
    elif isinstance(obj, griffe.Attribute):
        _strip_expression(obj.annotation)
    docstring = obj.docstring
    if docstring is None:
        return
    docstring.value = strip_hidden(docstring.value)
    # A docstring parsed already (griffe_typingdoc parses it to add the
    # parameters of Doc(...)) renders from its sections, not from its value.
    if "parsed" in vars(docstring):
        for section in docstring.parsed:
            _strip_section(section)


def _strip_section(section: griffe.DocstringSection) -> None:
    value = section.value
    if isinstance(value, str):
        section.value = strip_hidden(value)
    elif isinstance(value, griffe.DocstringElement):
        value.description = strip_hidden(value.description)
    elif isinstance(value, list):
        for number, item in enumerate(value):
            if isinstance(item, griffe.DocstringElement):
                item.description = strip_hidden(item.description)
            elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], str):
                value[number] = (item[0], strip_hidden(item[1]))  # an Examples section


def _strip_expression(expression: object) -> None:
    """Strip the string literals of every ``Doc(...)`` call within ``expression``."""
    if not isinstance(expression, griffe.Expr):
        return
    if isinstance(expression, griffe.ExprCall) and str(expression.function).endswith("Doc"):
        expression.arguments = [_strip_literal(a) for a in expression.arguments]
    for field in dataclasses.fields(expression):
        if field.name == "parent":  # a name's scope, not a part of the expression
            continue
        value = getattr(expression, field.name)
        for item in value if isinstance(value, list) else [value]:
            _strip_expression(item)


def _strip_literal(argument: str | griffe.Expr) -> str | griffe.Expr:
    """A string literal (griffe keeps its source text) without its hidden lines."""
    if not isinstance(argument, str) or MARKER not in argument:
        return argument
    try:
        value = ast.literal_eval(argument)
    except (ValueError, SyntaxError):
        return argument
    return repr(strip_hidden(value)) if isinstance(value, str) else argument
