"""The CLI's one reader of ``mkdocs.yml``: the settings as the build would see them.

The file is read with MkDocs' own YAML loader (``!ENV`` and ``!relative``
resolve as in a build, ``INHERIT`` is followed) and the ``refsite`` plugin's
options are validated by the plugin's own :class:`~refsite.mkdocs.config.RefsiteConfig`,
so every default is the plugin's: ``refsite cache prune`` prunes the folder
the build writes to, ``REFSITE_CACHE_DIR`` included.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import ConfigurationError
from mkdocs.utils.yaml import get_yaml_loader, yaml_load

from refsite.core.yamlfile import yaml_problem
from refsite.mkdocs.config import RefsiteConfig

__all__ = ["PLUGIN", "ConfigError", "SiteConfig", "default_config", "read_config"]

PLUGIN = "refsite"
"""The plugin's name in ``mkdocs.yml``."""


class ConfigError(Exception):
    """``mkdocs.yml`` cannot be used; the message names the file and what to change."""


@dataclass(frozen=True)
class SiteConfig:
    """What the CLI needs of a site's ``mkdocs.yml``."""

    path: Path
    """The ``mkdocs.yml``; the relative paths in it are relative to its folder."""
    exists: bool
    """False when there is no such file: every option has the plugin's default."""
    refsite: RefsiteConfig
    """The ``refsite`` plugin's options, validated, with the plugin's defaults."""
    site_name: str | None = None
    site_description: str | None = None
    site_dir: Path = Path("site")
    """Where ``mkdocs build`` writes the site, as written (:meth:`resolve` it)."""
    docs_dir: Path = Path("docs")
    """Where the pages' Markdown lies, as written (:meth:`resolve` it)."""
    python: Mapping[str, Any] = field(default_factory=dict)
    """mkdocstrings' python handler settings (``paths``, ``options``), as written."""

    @property
    def root(self) -> Path:
        """The folder of ``mkdocs.yml``."""
        return self.path.parent

    def resolve(self, value: str | Path) -> Path:
        """A path written in ``mkdocs.yml``: relative to its folder unless absolute."""
        path = Path(value)
        return path if path.is_absolute() else self.root / path

    def source_paths(self) -> list[Path]:
        """Where mkdocstrings' python handler looks first: its ``paths`` (default ``.``)."""
        # As mkdocstrings: no paths (or an empty list) means the file's folder.
        paths = self.python.get("paths") or ["."]
        return [self.resolve(str(p)) for p in paths]

    def search_paths(self) -> list[Path]:
        """Where the handler looks for a package: its ``paths``, then ``sys.path``."""
        return [*self.source_paths(), *(Path(p) for p in sys.path if p)]

    def require(self) -> SiteConfig:
        """This configuration, when the file exists.

        Raises:
            ConfigError: it does not.
        """
        if not self.exists:
            raise ConfigError(f"{self.path}: no such file; pass --config mkdocs.yml")
        return self


def read_config(path: Path) -> SiteConfig:
    """The settings of the ``mkdocs.yml`` at ``path`` (the plugin's defaults without one).

    Raises:
        ConfigError: the file is not valid YAML, or the ``refsite`` options are invalid.
    """
    if not path.is_file():
        return default_config(path)
    data = _load(path)
    handlers = (_plugin_options(data, "mkdocstrings") or {}).get("handlers")
    python = handlers.get("python") if isinstance(handlers, Mapping) else None
    site_dir, docs_dir = data.get("site_dir"), data.get("docs_dir")
    return SiteConfig(
        path=path,
        exists=True,
        refsite=_validated(path, _plugin_options(data, PLUGIN) or {}),
        site_name=_text(data.get("site_name")),
        site_description=_text(data.get("site_description")),
        site_dir=Path(str(site_dir)) if site_dir else Path("site"),
        docs_dir=Path(str(docs_dir)) if docs_dir else Path("docs"),
        python=python if isinstance(python, Mapping) else {},
    )


def default_config(path: Path) -> SiteConfig:
    """The settings of a site with no ``mkdocs.yml`` at ``path``: the plugin's defaults."""
    return SiteConfig(path=path, exists=False, refsite=_validated(path, {}))


def _validated(path: Path, options: Mapping[str, Any]) -> RefsiteConfig:
    """The plugin's options, validated and completed by the plugin's own config class."""
    refsite = RefsiteConfig()
    refsite.load_dict(dict(options))
    # Unknown options (warnings) are the build's to report; the CLI ignores them.
    errors, _warnings = refsite.validate()
    if errors:
        problems = "; ".join(f"'{key}': {error}" for key, error in errors)
        raise ConfigError(
            f"{path}: the {PLUGIN} plugin's options are invalid: {problems}; fix them there"
        )
    return refsite


def _load(path: Path) -> Mapping[str, Any]:
    """The top-level settings of ``path``, read as MkDocs reads them."""
    loader = get_yaml_loader(config=MkDocsConfig(config_file_path=str(path)))
    try:
        with path.open(encoding="utf-8") as file:
            data = yaml_load(file, loader)
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror})") from None
    # MkDocs wraps YAML errors (and a missing INHERIT file) in its own.
    except (ConfigurationError, yaml.YAMLError, ValueError) as error:
        cause = error if isinstance(error, yaml.YAMLError) else error.__context__
        if isinstance(cause, yaml.YAMLError):  # the file (or the one it INHERITs) is named
            raise ConfigError(yaml_problem(cause)) from None
        # One line: MkDocs' message may span several.
        raise ConfigError(f"{path}: not valid YAML: {' '.join(str(error).split())}") from None
    return data if isinstance(data, Mapping) else {}


def _plugin_options(data: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """The options of plugin ``name`` (``{}`` when it has none), None when it is not listed."""
    plugins = data.get("plugins") or []
    # MkDocs takes a list of names and {name: options}, or one mapping of them.
    entries = list(plugins.items()) if isinstance(plugins, Mapping) else plugins
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping) and len(entry) == 1:
            entry = next(iter(entry.items()))
        key, options = entry if isinstance(entry, tuple) else (entry, None)
        if key == name:
            return options if isinstance(options, Mapping) else {}
    return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
