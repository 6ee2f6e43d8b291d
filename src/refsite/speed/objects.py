"""Rendered objects, cached by what they render from rather than by page or release.

The page cache (:mod:`refsite.speed.kept_pages`) reuses a page whose Markdown and source
files are unchanged. Releases of a package share most of their objects
unchanged while every page's source files differ (a release is other files),
so a versioned site renders each object once per release. This cache keys one
object's rendering by what it is rendered from: its collected data (docstring,
signature, members, bases, and what their annotations' names resolve to),
with the handler's options and the renderers' versions. An object identical
in two releases renders once.

Each object's source link (:mod:`refsite.extras.sourcelinks`) names its release's
tag and its lines, which differ between releases of the same object. Unless
the page shows source code, the key leaves out line numbers and links, and the
stored HTML holds a token in place of each link
(:func:`refsite.extras.source_tokens.object_tokens`), which a hit fills with
the links of the release being built.

A rendering also registers headings (for the table of contents, autorefs and
``objects.inv``): they are stored with the HTML and handed back on a hit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any
from xml.etree.ElementTree import Element

import griffe

from refsite import internals
from refsite.core.fingerprint import own_code
from refsite.core.keys import renderer_versions
from refsite.extras.source_tokens import fill_object_tokens, object_tokens
from refsite.speed.kept_pages import FORMAT, KeptPages
from refsite.speed.reuse import user_inputs

__all__ = ["KeptObjects", "Memo", "object_key", "object_key_and_links"]

# Keys that say where an object's file is, not what renders: they differ
# between two unpacked releases of the same code.
_PLACE = frozenset({"filepath", "relative_filepath", "relative_package_filepath", "members"})
# Where in its file an object is and the link to it there: they differ between
# releases of the same object, and render only as the source link, which a
# stored rendering holds as a token (unless the page shows source code).
_LINES = frozenset({"lineno", "endlineno", "source_link", "git_info"})
# The store's namespace of rendered objects.
OBJECTS = "objects"


class _Encoder(griffe.JSONEncoder):
    """griffe's encoder, leaving ``drop`` out of every object's data."""

    def __init__(self, *args: Any, drop: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.drop = drop

    def default(self, obj: Any) -> Any:
        return self.strip(super().default(obj))

    def strip(self, value: Any) -> Any:
        """``value`` without ``drop`` in any of its dicts (griffe nests some as plain data)."""
        if not self.drop:
            return value
        if isinstance(value, dict):
            return {k: self.strip(v) for k, v in value.items() if k not in self.drop}
        if isinstance(value, list):
            return [self.strip(v) for v in value]
        return value


def object_key(
    obj: griffe.Object | griffe.Alias,
    options: str,
    settings: str,
    *,
    files: bool = False,
    memo: Memo | None = None,
) -> str | None:
    """The key of ``obj``'s rendering under ``options`` and ``settings``.

    It covers the object, its members, its base classes (whose members are
    inherited) and the targets of aliases, each with the canonical paths its
    annotations, defaults and bases resolve to (a cross-reference renders
    them). Where its files lie, its line numbers and its source links count
    only with ``files`` (when the page shows its source code, which names the
    file and lines). None when part of it cannot be serialised.
    """
    return object_key_and_links(obj, options, settings, files=files, memo=memo)[0]


Memo = dict[tuple[str, bool], tuple[bytes, str | None]]
"""Each object's own digest and source link, by its path (and ``files``), for one build."""


def object_key_and_links(
    obj: griffe.Object | griffe.Alias,
    options: str,
    settings: str,
    *,
    files: bool = False,
    memo: Memo | None = None,
) -> tuple[str | None, dict[str, str]]:
    """:func:`object_key`, and the source links its rendering shows that the key leaves out.

    The links map each object's path to its link (empty with ``files``): see
    :func:`refsite.extras.source_tokens.object_tokens` and
    :func:`~refsite.extras.source_tokens.fill_object_tokens`. ``memo`` keeps
    what each object adds to a key for the next keys of the same build: a
    base class is part of the key of every class that inherits from it.
    """
    digest = hashlib.sha256(f"{FORMAT}/objects/3\0{renderer_versions()}\0{settings}\0".encode())
    digest.update(options.encode())
    memo = {} if memo is None else memo
    seen: set[str] = set()
    links: dict[str, str] = {}
    paths: dict[str, str] = {}  # link -> the first path that has it
    stack: list[griffe.Object | griffe.Alias] = [obj]
    try:
        while stack:
            item = stack.pop()
            digest.update(f"\0{item.path}".encode())
            try:
                target = item.final_target if isinstance(item, griffe.Alias) else item
            except (griffe.AliasResolutionError, griffe.CyclicAliasError):
                digest.update(b"\0unresolved")
                continue
            if target.path in seen:
                continue
            seen.add(target.path)
            own = memo.get((target.path, files))
            if own is None:
                own = memo[target.path, files] = (_own_digest(target, files), _source_link(target))
            digest.update(own[0])
            link = own[1]
            if files or link is None:
                # Where its source is shown (a release's own tag): not in its data.
                digest.update(f"\0source:{link}".encode())
            else:
                # Which object's link it shares, if any: its token stands for both.
                shared = paths.setdefault(link, target.path)
                digest.update(f"\0source-token:{shared}".encode())
                links.setdefault(shared, link)
            members = list(target.members.values())
            digest.update(f"\0members:{[m.name for m in members]}".encode())
            stack.extend(reversed(members))
            if isinstance(target, griffe.Class):
                stack.extend(target.resolved_bases)
    except (TypeError, ValueError, RecursionError):
        return None, {}
    return digest.hexdigest(), links


def _own_digest(target: griffe.Object, files: bool) -> bytes:
    """What ``target`` itself adds to a key: its data and the names it resolves."""
    place = {"members"} if files else _PLACE | _LINES
    encoder = _Encoder(full=True, sort_keys=True, drop=frozenset() if files else _LINES)
    data = {k: v for k, v in _own_data(target).items() if k not in place}
    own = hashlib.sha256(encoder.encode(encoder.strip(data)).encode())
    own.update("\0".join(_resolved_names(target)).encode())
    return own.digest()


def _own_data(obj: griffe.Object) -> dict[str, Any]:
    """``obj.as_dict(full=True)`` without its members, which the key walks one by one.

    griffe serialises members recursively: asked of each object of a tree, it
    serialised every object once per ancestor and threw all but one away. The
    members are set aside while it runs; the data is the same.
    """
    members = obj.members
    obj.members = {}
    try:
        return obj.as_dict(full=True)
    finally:
        obj.members = members


def _source_link(obj: griffe.Object) -> str | None:
    try:
        link = getattr(obj, "source_link", None)
    except Exception:  # griffe computes it from git data that may be missing
        return None
    return None if link is None else str(link)


def _resolved_names(obj: griffe.Object) -> Iterator[str]:
    """``name>canonical.path`` for every name in the object's annotations, defaults, bases."""
    expressions: list[Any] = []
    if isinstance(obj, griffe.Function):
        expressions.append(obj.returns)
        for parameter in obj.parameters:
            expressions.extend([parameter.annotation, parameter.default])
    elif isinstance(obj, griffe.Attribute):
        expressions.extend([obj.annotation, obj.value])
    elif isinstance(obj, griffe.Class):
        expressions.extend(obj.bases)
    for decorator in getattr(obj, "decorators", []):
        expressions.append(decorator.value)
    for expression in expressions:
        if isinstance(expression, griffe.Expr):
            for part in expression.iterate(flat=True):
                if isinstance(part, griffe.ExprName):
                    yield f"{part.name}>{part.canonical_path}"


class KeptObjects:
    """Wraps a mkdocstrings handler's ``render`` with the object cache."""

    def __init__(self, cache: KeptPages, settings: str) -> None:
        self.cache = cache
        self.settings = settings
        self.hits = 0
        self.misses = 0
        self._depth = 0
        # One build's objects do not change while it renders (a new build,
        # a serve rebuild included, installs a new KeptObjects).
        self._memo: Memo = {}
        self._loaded = -1

    @classmethod
    def install(cls, config: Any, cache: KeptPages) -> KeptObjects | None:
        """The object cache on the MkDocs ``config``'s mkdocstrings python handler.

        Besides the options, what renders an object is the site's Markdown
        extensions, theme and custom templates. None without a python handler,
        or one that is not as :mod:`refsite.internals` was written for.
        """
        if not internals.usable("object-cache"):
            return None
        try:
            handler = config.plugins["mkdocstrings"].handlers.get_handler("python")
        except Exception:  # no python handler to be had: objects render as usual
            return None
        settings = json.dumps(
            [
                config.markdown_extensions,
                config.mdx_configs,
                config.theme.name,
                config.theme.dirs,
                config.plugins["mkdocstrings"].config.get("custom_templates"),
                # The templates and extensions by content, refsite's own code:
                # each keeps its path or version across an edit.
                user_inputs(config),
                own_code(),
            ],
            sort_keys=True,
            default=lambda value: f"{type(value).__module__}.{type(value).__qualname__}",
        )
        objects = cls(cache, settings)
        objects.wrap(handler)
        return objects

    def wrap(self, handler: Any) -> None:
        """Route ``handler.render`` through this cache."""
        internals.wrap_render(handler, lambda render: self._cached(handler, render))

    def _cached(self, handler: Any, render: Callable[..., str]) -> Callable[..., str]:
        def cached_render(data: Any, options: Any, *args: Any, **kwargs: Any) -> str:
            # An object rendered inside another's docstring: its headings
            # belong to the outer one, so only the outer layer is cached.
            if self._depth or not isinstance(data, griffe.Object | griffe.Alias):
                return self._render(render, data, options, args, kwargs)
            # A package loaded since may resolve names the memo saw unresolved.
            loaded = internals.modules_collection(handler)
            count = len(loaded.members) if loaded is not None else -1
            if count != self._loaded:
                self._memo.clear()
                self._loaded = count
            headings = internals.headings(handler)
            key, links = self._key(data, options, args, kwargs)
            stored = self.cache.load(key, namespace=OBJECTS) if key else None
            if isinstance(stored, dict) and isinstance(stored.get("html"), str):
                filled = (
                    stored["html"] if links is None else fill_object_tokens(stored["html"], links)
                )
                if filled is not None:
                    self.hits += 1
                    headings.extend(_element(h) for h in stored["headings"])
                    return filled
            self.misses += 1
            before = len(headings)
            html = self._render(render, data, options, args, kwargs)
            tokened = str(html) if links is None else object_tokens(str(html), links)
            if key and tokened is not None:
                made = [_data(h) for h in headings[before:]]
                self.cache.store(key, {"html": tokened, "headings": made}, namespace=OBJECTS)
            return html

        return cached_render

    def _render(
        self, render: Callable[..., str], data: Any, options: Any, args: Any, kw: Any
    ) -> str:
        self._depth += 1
        try:
            return render(data, options, *args, **kw)
        finally:
            self._depth -= 1

    def _key(
        self, data: Any, options: Any, args: Any, kwargs: Any
    ) -> tuple[str | None, dict[str, str] | None]:
        """The key, and the links its HTML holds as tokens (None: it holds the links)."""
        try:
            described = json.dumps(
                [_plain(options), repr(args), sorted(kwargs.items())], sort_keys=True, default=repr
            )
        except (TypeError, ValueError):
            return None, None
        shows_files = bool(getattr(options, "show_source", True))
        key, links = object_key_and_links(
            data, described, self.settings, files=shows_files, memo=self._memo
        )
        if key is None:
            return None, None
        return f"object-{key}", None if shows_files else links


def _plain(options: Any) -> Any:
    """The handler options as plain data (a dataclass in mkdocstrings-python)."""
    fields = getattr(options, "__dataclass_fields__", None)
    if fields is None:
        return repr(options)
    return {name: repr(getattr(options, name)) for name in sorted(fields)}


def _data(element: Element) -> dict[str, Any]:
    return {"tag": element.tag, "attrib": dict(element.attrib), "text": element.text}


def _element(data: dict[str, Any]) -> Element:
    element = Element(data["tag"], data["attrib"])
    element.text = data["text"]
    return element
