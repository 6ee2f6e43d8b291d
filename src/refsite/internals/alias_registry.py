"""griffe's alias registry, filled at once: what griffe would register, without its alias objects.

griffe makes the alias objects of members lazily (a class's inherited
members, the members of an alias) and registers each, by its path, with its
target (``target.aliases``). mkdocstrings reads the keys of that registry to
register a rendered object's other names, so refsite fills it completely once
modules are loaded (:mod:`refsite.speed.aliases` says why).

Reading every member does that (:func:`materialize_by_reading`), but makes an
alias object for each: on Textual, 290,000 of them (about 126 MiB), every one
kept alive only by the registry, and seconds of CPU. :func:`register_aliases`
walks the same members in the same order and registers the same paths with a
shared stand-in value, making no alias object; griffe replaces a stand-in
with a real alias when it makes one later. It follows griffe 2.4.1's rules
(``Object.inherited_members``, ``Alias.members``, ``Alias.inherited_members``,
``Alias._update_target_aliases``); since those are behaviour rather than
attributes a shape can declare, :func:`fill_registry` first runs both ways on
a small tree made for the purpose and uses the reading walk whenever the two
registries differ.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

__all__ = ["MADE", "fill_registry", "materialize_by_reading", "register_aliases", "registry_keys"]


class _Made:
    """Stands in the registry for an alias griffe would have made and thrown away.

    griffe itself reads a registry's values in one place: when a module is
    replaced during loading, it points every alias of the old one at the new
    one (``alias.target = value``); for a stand-in there is nothing to point.
    """

    __slots__ = ()

    @property
    def target(self) -> None:
        return None

    @target.setter
    def target(self, value: object) -> None:
        pass

    def __reduce__(self) -> str:
        return "MADE"  # pickled as the one instance (griffe's modules are kept on disk)

    def __repr__(self) -> str:
        return "<alias made by refsite's registry walk>"


MADE = _Made()


def _resolution_errors() -> tuple[type[BaseException], ...]:
    import griffe

    return (griffe.AliasResolutionError, griffe.CyclicAliasError)


def materialize_by_reading(objects: Iterable[Any]) -> int:
    """Read every member of ``objects``, recursively, inherited ones included: the slow way.

    Each read makes griffe's alias objects and registers them. Returns how
    many objects were visited. Members of aliased modules are not followed
    (their own module is visited), which also keeps re-export cycles finite.
    """
    errors = _resolution_errors()
    seen: set[str] = set()
    stack = list(objects)
    while stack:
        obj = stack.pop()
        if obj.path in seen:
            continue
        seen.add(obj.path)
        try:
            if obj.is_alias and obj.is_module:
                continue
            members = obj.all_members if obj.is_class else obj.members
        except errors:
            continue
        stack.extend(m for m in members.values() if not _inherited_leaf(m))
    return len(seen)


def _inherited_leaf(member: Any) -> bool:
    """Whether ``member`` is an inherited alias of an object without members.

    Making it registered it with its target; reading its members would make
    no alias (its target has none), so visiting it changes nothing. A big
    class hierarchy has hundreds of thousands of them (Textual's widgets).
    """
    import griffe

    if not (isinstance(member, griffe.Alias) and member.inherited):
        return False
    target = member.target
    return isinstance(target, griffe.Object) and not (target.is_class or target.members)


# A node of the walk: (path, the object itself or None, the alias's direct target
# or None, whether it is an inherited alias whose direct target is that member).
_Node = tuple[str, Any, Any, bool]


def register_aliases(objects: Iterable[Any]) -> int:
    """Register with each target every alias path :func:`materialize_by_reading` would.

    The same walk, in the same order; where griffe would make an alias object
    to read a member, only its path is carried. Returns how many objects were
    visited.
    """
    import griffe

    errors = _resolution_errors()
    seen: set[str] = set()
    stack: list[_Node] = [(o.path, o, None, False) for o in objects]
    while stack:
        path, real, target, _ = stack.pop()
        if path in seen:
            continue
        seen.add(path)
        try:
            if real is not None and not real.is_alias:
                children = _object_children(path, real)
            else:
                alias = real if real is not None else target
                final = alias.final_target if alias.is_alias else alias
                if final.is_module:
                    continue
                children = _alias_children(path, final)
        except errors:
            continue
        stack.extend(
            node
            for node in children
            if not (
                node[3]
                and isinstance(node[2], griffe.Object)
                and not (node[2].is_class or node[2].members)
            )
        )
    return len(seen)


def _register(target: Any, path: str) -> None:
    """What making an alias at ``path`` of ``target`` registers (``_update_target_aliases``)."""
    try:
        target.aliases.setdefault(path, MADE)
    except AttributeError:
        pass
    except _resolution_errors():
        pass


def _inherited(path: str, cls: Any) -> dict[str, Any]:
    """``cls.inherited_members`` read as if ``cls`` sat at ``path``: name -> the member it wraps.

    Every base's member of a name registers, the nearest base's is kept.
    """
    try:
        mro = cls.mro()
    except ValueError:
        return {}
    found: dict[str, Any] = {}
    own = cls.members
    for base in reversed(mro):
        for name, member in base.members.items():
            if name not in own:
                _register(member, f"{path}.{name}")
                found[name] = member
    return found


def _object_children(path: str, obj: Any) -> list[_Node]:
    """The members an object's visit reads: inherited aliases first for a class, then its own."""
    nodes: list[_Node] = []
    if obj.is_class:
        nodes += [(f"{path}.{n}", None, m, True) for n, m in _inherited(path, obj).items()]
    nodes += [(m.path, m, None, False) for m in obj.members.values()]
    return nodes


def _alias_children(path: str, final: Any) -> list[_Node]:
    """The members an alias's visit reads: aliases of its target's members, made at ``path``."""
    nodes: list[_Node] = []
    if final.is_class:
        # The target's inherited members, made at its own path, then wrapped again here.
        for name, member in _inherited(final.path, final).items():
            _register(member, f"{path}.{name}")
            nodes.append((f"{path}.{name}", None, member, False))
    for name, member in final.members.items():
        _register(member, f"{path}.{name}")
        nodes.append((f"{path}.{name}", None, member, False))
    return nodes


_PROBE = {
    "probe/__init__.py": (
        "from probe._impl import Child, Base\n"
        "from probe import _impl as impl\n"
        "__all__ = ['Child']\n"
    ),
    "probe/_impl.py": (
        "class Root:\n"
        "    def shared(self): ...\n"
        "    def hidden(self): ...\n"
        "    class Inner:\n"
        "        def deep(self): ...\n"
        "    level: int = 1\n"
        "class Base(Root):\n"
        "    def shared(self): ...\n"
        "    def own(self): ...\n"
        "class Child(Base):\n"
        "    def hidden(self): ...\n"
        "    class Nested(Root):\n"
        "        pass\n"
    ),
}


def _registries(fill: Any) -> dict[str, list[str]]:
    """Every object's registry keys, in order, after ``fill`` on a fresh load of the probe."""
    import tempfile
    from pathlib import Path

    import griffe

    with tempfile.TemporaryDirectory() as folder:
        for name, text in _PROBE.items():
            file = Path(folder) / name
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(text, encoding="utf-8")
        loader = griffe.GriffeLoader(search_paths=[folder])
        loader.load("probe")
        loader.resolve_aliases(implicit=True, external=False)
        collection = loader.modules_collection
        fill(collection.members.values())
        return registry_keys(collection)


def registry_keys(collection: Any) -> dict[str, list[str]]:
    """Every object's registry keys, in order, by the object's path (aliases not followed)."""
    out: dict[str, list[str]] = {}
    stack: list[Any] = list(collection.members.values())
    while stack:
        obj = stack.pop()
        if obj.is_alias or obj.path in out:
            continue
        out[obj.path] = list(obj.aliases)
        stack.extend(obj.members.values())
    return out


@functools.cache
def walk_holds() -> bool:
    """Whether :func:`register_aliases` registers what reading does, with this griffe."""
    try:
        return _registries(register_aliases) == _registries(materialize_by_reading)
    except Exception:  # any surprise in an upstream we do not control: take the slow way
        return False


def fill_registry(objects: Iterable[Any]) -> int:
    """Fill griffe's alias registry for ``objects``: without alias objects where that holds."""
    if walk_holds():
        return register_aliases(objects)
    return materialize_by_reading(objects)
