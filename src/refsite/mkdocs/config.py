"""The options of the ``refsite`` plugin in ``mkdocs.yml``, one section per concern.

The CLI reads a site's options through the same classes (see
:mod:`refsite.cli.mkdocs_yml`), so defaults and ``!ENV`` tags resolve alike.
Numbers are checked by :mod:`refsite.core.limits`, the command line's own
argument types, so ``mkdocs.yml`` and the command line accept the same values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from mkdocs.config import base
from mkdocs.config import config_options as c
from packaging.version import InvalidVersion, Version

from refsite.core.limits import LimitError, hours, jobs, megabytes, percent, seconds
from refsite.core.store import DEFAULT_DIR

__all__ = [
    "CoverageConfig",
    "ExamplesConfig",
    "HistoryConfig",
    "Limit",
    "RefsiteConfig",
    "ReleasesConfig",
    "Select",
    "VersionText",
]

_N = TypeVar("_N")


class Limit(c.OptionallyRequired[_N]):
    """A number that one of :mod:`refsite.core.limits`' checks accepts (finite, in range)."""

    def __init__(self, check: Callable[[str | float], _N], default: _N | None = None) -> None:
        super().__init__(default=default)
        self.check = check

    def run_validation(self, value: object) -> _N:
        """The number, as the check returns it; else the check's one line."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise base.ValidationError(f"expected a number, not {value!r}")
        try:
            return self.check(value)
        except LimitError as error:
            raise base.ValidationError(str(error)) from None


class VersionText(c.OptionallyRequired[str]):
    """A release version, as text (``"0.100.0"``; quote it in YAML)."""

    def run_validation(self, value: object) -> str:
        """The version as written; else one line saying what a version looks like."""
        if not isinstance(value, str):
            raise base.ValidationError(f'expected a version in quotes ("0.100.0"), not {value!r}')
        try:
            Version(value)
        except InvalidVersion:
            raise base.ValidationError(
                f"{value!r} is not a release version (e.g. 0.100.0)"
            ) from None
        return value


class Select(c.OptionallyRequired[int | str | list[str]]):
    """The releases' ``select``: a positive number, ``all`` or a list of versions."""

    def run_validation(self, value: object) -> int | str | list[str]:
        """The value as written; else one line naming the values accepted."""
        accepted = "give a number of minors (e.g. 10), 'all', or a list of versions (X.Y or X.Y.Z)"
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        if value == "all":
            return value
        if isinstance(value, list) and value:
            versions: list[Any] = value
            for item in versions:
                try:
                    Version(str(item))
                except InvalidVersion:
                    raise base.ValidationError(
                        f"{item!r} in the list is not a release version; {accepted}"
                    ) from None
            return [str(item) for item in versions]
        raise base.ValidationError(f"{value!r} is not a valid value; {accepted}")


class CoverageConfig(base.Config):
    """The ``coverage`` options of the plugin."""

    packages = c.ListOfItems(c.Type(str), default=[])
    """Packages whose public API the site should document; empty turns coverage off."""

    preload = c.ListOfItems(c.Type(str), default=[])
    """Packages that re-exported objects come from, so aliases resolve (e.g. starlette)."""

    exclusions = c.Optional(c.Type(str))
    """YAML file of public names left out on purpose, each with a reason."""

    fail_under = Limit(percent, default=0.0)
    """Warn when less than this percentage is documented or excluded."""


class ExamplesConfig(base.Config):
    """The ``examples`` options: run every fenced Python example the site renders."""

    enabled = c.Type(bool, default=False)
    """Check the examples after the build (and fill the examples page)."""

    packages = c.Optional(c.ListOfItems(c.Type(str)))
    """Packages whose rendered docstrings hold the examples; default: ``coverage.packages``."""

    preload = c.Optional(c.ListOfItems(c.Type(str)))
    """Packages loaded first, so re-exported objects resolve; default: ``coverage.preload``."""

    prelude = c.Type(str, default="")
    """Python run before each example: the imports the reference leaves implicit."""

    requires = c.ListOfItems(c.Type(str), default=[])
    """Distributions the examples need (e.g. python-multipart); their versions key the results."""

    exclusions = c.Optional(c.Type(str))
    """YAML file of examples that fail on purpose, each with a reason (and a fix)."""

    timeout = Limit(seconds, default=10.0)
    """Seconds an example may run."""

    older_releases = c.Type(bool, default=False)
    """In a versioned site, check the older releases' examples too (default: the newest's)."""


class DocstringsConfig(base.Config):
    """The ``docstrings`` options: what the rendered docstrings get wrong (the Docstrings page)."""

    fail = c.Type(bool, default=False)
    """Warn of each finding after the build, so a strict build fails; by default the
    findings are the report's (the ``refsite:docstrings`` page, ``refsite docstrings``)."""


class HistoryConfig(base.Config):
    """The ``history`` options of the plugin."""

    file = c.Optional(c.Type(str))
    """The API history file that ``refsite history`` writes, relative to ``mkdocs.yml``.

    Without it there is no changes page and no "Added in" badges."""

    badges = c.Type(bool, default=True)
    """Add "Added in X.Y.Z" (and "Deprecated since") after each object's name."""

    since = c.Optional(VersionText())
    """The first release ``refsite history`` reads; default: ``releases.since``."""

    preload = c.Optional(c.ListOfItems(c.Type(str)))
    """Packages whose wheels ``refsite history`` and ``refsite changes`` read with each
    release, for what the package re-exports from them; default: ``coverage.preload``."""


class ReleasesConfig(base.Config):
    """The ``releases`` options: the releases a versioned site documents."""

    package = c.Optional(c.Type(str))
    """The package whose releases are documented (e.g. fastapi); unset: no versions."""

    label = c.Optional(c.Type(str))
    """Its name as readers know it, in notes (e.g. FastAPI); default: ``package``."""

    dependencies = c.ListOfItems(c.Type(str), default=[])
    """Packages read with each release, at the versions its requirements resolve to."""

    select = Select(default=10)
    """N: the newest patch of the N newest minors; ``all``: of every minor since
    ``since``; or a list of versions (``X.Y`` for its newest patch)."""

    since = VersionText(default="0.0")
    """The oldest release ``all`` reaches back to."""

    lock = c.Type(str, default="requirements/releases.lock.json")
    """The lock file (exact wheels, hashes), relative to ``mkdocs.yml``; written by
    ``refsite lock-releases``."""

    min_age_hours = Limit(hours, default=0.0)
    """A cooldown: ``refsite upgrade`` takes a release once it has been on the index
    this many hours (0: at once)."""

    wheels_dir = c.Type(str, default=".cache/wheels")
    """Where downloaded and unpacked wheels are kept, relative to ``mkdocs.yml``."""


class RefsiteConfig(base.Config):
    """Options of the ``refsite`` plugin in ``mkdocs.yml``."""

    enabled = c.Type(bool, default=True)
    """Set to false to skip every check (for example in a quick local preview)."""

    tree = c.Optional(c.Type(str))
    """The declared navigation tree file, relative to ``mkdocs.yml``.

    Without it, the contract check does not run."""

    links = c.Type(bool, default=True)
    """Check that every internal link and fragment of the built site resolves."""

    coverage = c.SubConfig(CoverageConfig)
    """Measure the documented share of the public API (and fill the coverage page)."""

    examples = c.SubConfig(ExamplesConfig)
    """Run the docstrings' examples (and fill the examples page)."""

    docstrings = c.SubConfig(DocstringsConfig)
    """Audit the rendered docstrings (and fill the docstrings page)."""

    history = c.SubConfig(HistoryConfig)
    """The API history: the ``refsite:changes`` page and the badges on object headings."""

    search_boost = c.Type((int, float), default=1)
    """Multiply the search rank of API object sections by this (1 leaves the index alone)."""

    source_links = c.Type(bool, default=True)
    """Show each object's source link (see :mod:`refsite.extras.sourcelinks`) next to its heading.

    refsite's python templates do it; they are mkdocstrings' ``custom_templates``
    unless the site sets its own."""

    inventories = c.ListOfItems(c.Type(str), default=[])
    """URLs of other projects' ``objects.inv`` whose objects annotations link to.

    Each is downloaded once into ``cache_dir``/inventories; without network
    and without a copy, the site is built without those links."""

    llms = c.Type(bool, default=False)
    """Write ``llms.txt`` and a Markdown twin next to every page (:mod:`refsite.extras.llms`)."""

    cache = c.Type(bool, default=True)
    """Reuse rendered pages whose Markdown, configuration, renderers and sources are unchanged."""

    cache_dir = c.Type(str, default=DEFAULT_DIR)
    """Where the page cache lives, relative to ``mkdocs.yml``."""

    releases = c.SubConfig(ReleasesConfig)
    """The releases of a versioned site (built by ``refsite build --versions``)."""
    cache_max_mb = Limit(megabytes, default=200.0)
    """After each build, delete the least recently used cache entries beyond this size."""

    workers = c.Optional(Limit(jobs))
    """Processes that render pages when a build meets pages the cache lacks.

    Default: one per core. 1 renders every page in MkDocs' own process."""

    watch_events = c.Type(bool, default=True)
    """Under ``mkdocs serve``, learn of file changes from the OS rather than by polling."""
