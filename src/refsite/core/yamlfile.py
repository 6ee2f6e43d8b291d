"""Read a YAML file of the project (a tree, an exclusions file) with one message per failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["LOADER", "YamlFileError", "read_yaml"]

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader, its C implementation where it is built (several times faster)."""


class YamlFileError(Exception):
    """The file cannot be read or is not YAML; the message names the file."""


def read_yaml(path: Path, *, what: str) -> Any:
    """The parsed contents of ``path``, ``what`` naming the file in messages.

    Raises:
        YamlFileError: the file cannot be read, or is not valid YAML.
    """
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
    except OSError as error:
        raise YamlFileError(f"{path}: cannot read the {what} ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise YamlFileError(f"{path}: not valid YAML: {error}") from None
