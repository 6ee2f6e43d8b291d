"""griffe's alias registry filled at once: the same paths, in the same order, as reading every member."""

from __future__ import annotations

import pickle

import griffe
import pytest

from refsite.internals import alias_registry as aliases


def _load(*packages: str) -> griffe.ModulesCollection:
    loader = griffe.GriffeLoader()
    for package in packages:
        loader.load(package)
    loader.resolve_aliases(implicit=False, external=None)
    return loader.modules_collection


@pytest.mark.parametrize("packages", [("fastapi", "starlette"), ("griffe",)])
def test_the_walk_registers_what_reading_every_member_does(packages: tuple[str, ...]) -> None:
    read, walked = _load(*packages), _load(*packages)
    visited = aliases.materialize_by_reading(read.members.values())
    assert aliases.register_aliases(walked.members.values()) == visited
    expected = aliases.registry_keys(read)
    assert aliases.registry_keys(walked) == expected  # every object's keys, in order
    # Not vacuous: inherited members of re-exported classes were registered.
    made = {path for keys in expected.values() for path in keys}
    assert len(made) > 1000
    if "fastapi" in packages:
        assert "fastapi.responses.StreamingResponse.render" in made


def test_the_stand_in_is_one_object_pickled_and_retargeted() -> None:
    collection = _load("fastapi", "starlette")
    aliases.register_aliases(collection.members.values())
    target = collection.get_member("starlette.responses.Response.render")
    standing = [v for v in target.aliases.values() if v is aliases.MADE]
    assert standing
    assert pickle.loads(pickle.dumps(aliases.MADE)) is aliases.MADE
    # griffe points a replaced module's aliases at the new one: a stand-in takes it.
    aliases.MADE.target = target
    assert aliases.MADE.target is None


def test_a_griffe_whose_rules_differ_gets_the_slow_way(monkeypatch: pytest.MonkeyPatch) -> None:
    assert aliases.walk_holds()  # this griffe: the walk holds
    aliases.walk_holds.cache_clear()
    # A griffe that made no inherited aliases any more, say: the probe tells.
    monkeypatch.setattr(aliases, "_inherited", lambda path, cls: {})
    try:
        assert not aliases.walk_holds()
        collection = _load("fastapi", "starlette")
        reference = _load("fastapi", "starlette")
        aliases.fill_registry(collection.members.values())
        aliases.materialize_by_reading(reference.members.values())
        assert aliases.registry_keys(collection) == aliases.registry_keys(reference)
    finally:
        aliases.walk_holds.cache_clear()
