"""What every ``refsite`` command group shares: the usage error and argument types."""

from __future__ import annotations

import argparse
from pathlib import Path

from refsite.cli.config import SiteConfig

__all__ = ["PROG", "UsageError", "megabytes", "percent", "relative_to_config", "site_folder"]

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
        raise UsageError(f"{value}: no HTML pages in it; build the site first (scripts/build)")
    return path


def relative_to_config(config: SiteConfig, value: str) -> Path:
    """A path from the command line or from ``mkdocs.yml``.

    One that exists from here is the user's; else it is relative to ``mkdocs.yml``.
    """
    path = Path(value)
    if path.is_absolute() or path.exists():
        return path
    return config.root / path


def megabytes(value: str) -> float:
    """An argument type: a size in MiB, 0 or more."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of MiB") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is negative; give 0 or more MiB")
    return number


def percent(value: str) -> float:
    """An argument type: a percentage from 0 to 100."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number from 0 to 100") from None
    if not 0 <= number <= 100:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number from 0 to 100")
    return number
