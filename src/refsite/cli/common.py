"""What every ``refsite`` command group shares: the usage error and argument types.

The types of numbers (sizes, timeouts, jobs, percentages) are :mod:`refsite.core.limits`'s,
which the plugin's options in ``mkdocs.yml`` run too.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from packaging.version import InvalidVersion, Version

from refsite.cli.mkdocs_yml import ConfigError, SiteConfig, read_config
from refsite.core.commands import command_text

__all__ = [
    "PROG",
    "UsageError",
    "folder_to_write",
    "output_file",
    "relative_to_config",
    "release_version",
    "site_config",
    "site_folder",
]

PROG = "refsite"


class UsageError(Exception):
    """Input the command cannot use; the message says what to change."""


def site_folder(value: str) -> Path:
    """The built site folder ``value``.

    Raises:
        UsageError: it is not a folder, or holds no page.
    """
    path = Path(value)
    if not path.is_dir():
        raise UsageError(f"{value}: not a directory; give the folder a build wrote (e.g. site/)")
    if not any(path.glob("**/index.html")):
        build = command_text(path, "refsite build")
        raise UsageError(f"{value}: no HTML pages in it; build the site first ({build})")
    return path


def relative_to_config(config: SiteConfig, value: str) -> Path:
    """A path from the command line or from ``mkdocs.yml``.

    One that exists from here is the user's; else it is relative to ``mkdocs.yml``.
    """
    path = Path(value)
    if path.is_absolute() or path.exists():
        return path
    return config.root / path


def release_version(value: str) -> str:
    """An argument type: a release version as the package index spells them (e.g. 0.115.2)."""
    try:
        Version(value)
    except InvalidVersion:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a release version (e.g. 0.115.2)"
        ) from None
    return value


def output_file(value: str) -> Path:
    """An argument type: a file the command writes, in a folder that exists and can be written.

    Checked when the arguments are parsed, so a command that reads releases
    for minutes does not fail at its last step.
    """
    path = Path(value)
    folder = path.parent
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{value}: a folder; give the file to write")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(
            f"{value}: {folder} is not a folder; create it first or write elsewhere"
        )
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise argparse.ArgumentTypeError(f"{value}: not writable; write elsewhere")
    return path


def folder_to_write(value: str) -> Path:
    """An argument type: a folder the command writes (made if missing), not under a file."""
    path = Path(value)
    for folder in (path, *path.parents):
        if folder.exists():
            if not folder.is_dir():
                raise argparse.ArgumentTypeError(
                    f"{value}: {folder} is a file, not a folder; write elsewhere"
                )
            break
    return path


def site_config(path: Path, given: SiteConfig) -> SiteConfig:
    """The configuration SITE_OR_CONFIG names.

    Raises:
        UsageError: it names neither a file nor a folder with ``mkdocs.yml``.
    """
    if path.is_dir():
        if not (path / "mkdocs.yml").is_file() and given.exists:
            return given  # a built site: read with the options of --config
        path = path / "mkdocs.yml"
    if not path.is_file():
        raise UsageError(f"{path}: no such file; pass a site's mkdocs.yml or its folder")
    if path.resolve() == given.path.resolve():
        return given
    try:
        return read_config(path)
    except ConfigError as error:
        raise UsageError(str(error)) from None
