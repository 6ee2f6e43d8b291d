"""Source links: where each object is defined, on GitHub, at the exact release.

A package's release is read from the ``*.dist-info`` folder next to it (an
installed package and an unpacked wheel both have one): its ``Version`` and
its ``Project-URL`` naming a GitHub repository. With the project's tag naming
(the extension's ``tags`` option) that gives, for a file of the package and
griffe's line numbers,
``https://github.com/<owner>/<repo>/blob/<tag>/<path>#L<start>-L<end>``.
A project whose tag naming is not known gets no links rather than wrong ones.

:class:`SourceLinks` is a griffe extension that attaches this to every
package griffe loads, through griffe's own ``git_info``: each object's
``source_link`` (an alias's included: a re-exported class links to the
repository and release of the package that defines it; a module links to its
whole file). refsite's python
handler templates (:data:`TEMPLATES`, which the plugin hands to mkdocstrings as
its ``custom_templates``) show it next to each heading. Configure it in the
python handler's ``extensions``::

    - refsite.sourcelinks:
        tags:            # distribution: its tag template
          fastapi: "{version}"
          pydantic: "v{version}"
"""

from __future__ import annotations

import email.parser
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import griffe

__all__ = [
    "TAG_NAMING",
    "TEMPLATES",
    "DistributionInfo",
    "SourceLinks",
    "configured_naming",
    "find_distribution",
    "github_repository",
    "link_prefix",
    "normalize",
    "read_distribution",
    "release_source",
    "release_tag",
    "source_url",
]

# The name sites write in mkdocs.yml (a module re-exporting this one) and this module's own.
EXTENSION_NAMES = frozenset({"refsite.sourcelinks", __name__})
TEMPLATES = Path(__file__).parent.parent / "handler_templates"
"""mkdocstrings templates that show each object's source link (a ``custom_templates`` folder)."""

# How each project names its release tags, by normalised distribution name;
# "{version}" is the release's version as in its metadata. A site declares its
# projects' naming in the extension's ``tags`` option (the FastAPI site's is in
# its mkdocs.yml); nothing is assumed, so an undeclared project gets no link.
TAG_NAMING: Mapping[str, str] = MappingProxyType({})

# Project-URL labels that name the source repository, most specific first.
_REPOSITORY_LABELS = ("source", "source code", "repository", "code", "github", "homepage")
_GITHUB = re.compile(r"^https?://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?$")


@dataclass(frozen=True)
class DistributionInfo:
    """One release of a distribution, as its metadata tells."""

    name: str
    """The distribution's name."""
    version: str
    """Its version."""
    repository: str | None
    """The GitHub repository (``https://github.com/<owner>/<repo>``), if one is named."""


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def github_repository(project_urls: list[str]) -> str | None:
    """The GitHub repository among ``Project-URL`` values (``"Label, URL"``), or None."""
    found: dict[str, str] = {}
    for value in project_urls:
        label, _, url = value.partition(",")
        match = _GITHUB.match(url.strip())
        if match:
            found.setdefault(label.strip().lower(), f"https://github.com/{match[1]}/{match[2]}")
    for label in _REPOSITORY_LABELS:
        if label in found:
            return found[label]
    return None


def read_distribution(dist_info: Path) -> DistributionInfo:
    """The release a ``*.dist-info`` folder describes."""
    text = (dist_info / "METADATA").read_text(encoding="utf-8", errors="replace")
    metadata = email.parser.HeaderParser().parsestr(text)
    return DistributionInfo(
        name=metadata.get("Name", ""),
        version=metadata.get("Version", ""),
        repository=github_repository(metadata.get_all("Project-URL") or []),
    )


def find_distribution(package_dir: Path) -> DistributionInfo | None:
    """The release of the package in ``package_dir``, from the dist-info next to it.

    The dist-info named after the package is tried first; else the one whose
    ``RECORD`` lists the package's files (a distribution named unlike its
    package).
    """
    parent, name = package_dir.parent, package_dir.name
    candidates = sorted(
        d for d in parent.glob("*.dist-info") if normalize(d.name.split("-")[0]) == normalize(name)
    )
    if not candidates:
        candidates = [
            d for d in sorted(parent.glob("*.dist-info")) if _records_package(d / "RECORD", name)
        ]
    for dist_info in candidates:
        if (dist_info / "METADATA").is_file():
            return read_distribution(dist_info)
    return None


def _records_package(record: Path, name: str) -> bool:
    try:
        with record.open(encoding="utf-8", errors="replace") as lines:
            return any(line.startswith(f"{name}/") for line in lines)
    except OSError:
        return False


def release_tag(release: DistributionInfo, naming: Mapping[str, str] = TAG_NAMING) -> str | None:
    """The release's Git tag, or None when the project's naming is unknown."""
    template = naming.get(normalize(release.name))
    if template is None or not release.version:
        return None
    return template.format(version=release.version)


def release_source(
    package_dir: Path, naming: Mapping[str, str] = TAG_NAMING
) -> tuple[str, str] | None:
    """(repository, tag) that the package in ``package_dir`` links its sources to, if any."""
    release = find_distribution(package_dir)
    if release is None or release.repository is None:
        return None
    tag = release_tag(release, naming)
    return None if tag is None else (release.repository, tag)


def configured_naming(extensions: Any) -> dict[str, str] | None:
    """The tag naming of this extension in the python handler's ``extensions`` option.

    None when the extension is not among them.
    """
    for entry in extensions if isinstance(extensions, list) else []:
        options: Any = None
        if isinstance(entry, str) and entry in EXTENSION_NAMES:
            options = {}
        elif isinstance(entry, dict) and (names := EXTENSION_NAMES & entry.keys()):
            options = entry[min(names)] or {}
        if isinstance(options, dict):
            try:
                return SourceLinks(**options).naming
            except TypeError:  # options griffe will reject itself when it loads it
                return None
    return None


def source_url(repository: str, tag: str, path: str, start: int, end: int) -> str:
    """The GitHub URL of lines ``start``-``end`` of ``path`` at ``tag``."""
    return f"{link_prefix(repository, tag)}{path}#L{start}-L{end}"


def link_prefix(repository: str, tag: str) -> str:
    """What every source URL of ``repository`` at ``tag`` starts with (its path follows)."""
    return f"{repository}/blob/{tag}/"


class _ReleaseSource(griffe.GitInfo):
    """griffe's Git information, pointing at a release tag instead of a checkout."""

    def get_source_link(self, filepath: str | Path, lineno: int, endlineno: int) -> str | None:
        return source_url(
            self.remote_url, self.commit_hash, Path(filepath).as_posix(), lineno, endlineno
        )


class SourceLinks(griffe.Extension):
    """Give each loaded package the release it links its sources to."""

    def __init__(self, tags: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.naming = {**TAG_NAMING, **{normalize(k): v for k, v in (tags or {}).items()}}

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        filepath = pkg.filepath
        if isinstance(filepath, list) or filepath.name != "__init__.py":
            return  # a namespace package or a lone module: no package folder
        package_dir = filepath.parent
        # No release, repository or known tag naming: no release link, never a
        # guess (griffe keeps what it found itself: a Git checkout's commit).
        found = release_source(package_dir, self.naming)
        if found is None:
            return
        repository, tag = found
        pkg.git_info = _ReleaseSource(
            repository=package_dir.parent,
            service="github",
            remote_url=repository,
            commit_hash=tag,
        )
        # A module has no line range: its link is the whole file.
        for module in _modules(pkg):
            if isinstance(module.filepath, Path):
                path = module.filepath.relative_to(package_dir.parent).as_posix()
                module.source_link = link_prefix(repository, tag) + path  # type: ignore[misc]  # griffe has a setter


def _modules(module: griffe.Module) -> list[griffe.Module]:
    """``module`` and its submodules, however deep (aliases left out)."""
    found = [module]
    for member in module.modules.values():
        if not member.is_alias and isinstance(member, griffe.Module):
            found.extend(_modules(member))
    return found
