"""Read a YAML file of the project (a tree, an exclusions file) with one message per failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["LOADER", "YamlFileError", "read_yaml", "yaml_problem"]

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
        raise YamlFileError(yaml_problem(error, source=str(path))) from None


def yaml_problem(error: yaml.YAMLError, *, source: str | None = None) -> str:
    """One line for YAML that does not load: the file, its line and column, the problem.

    Args:
        error: PyYAML's error (its message spans several lines).
        source: The file's name; by default the one PyYAML knows, if it read a file.
    """
    mark = getattr(error, "problem_mark", None)
    if source is None and mark is not None and not str(mark.name).startswith("<"):
        source = str(mark.name)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = " ".join(str(getattr(error, "problem", None) or error).split())
    text = f"not valid YAML{where}: {problem}"
    return f"{source}: {text}" if source else text
