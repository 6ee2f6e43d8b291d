"""The ``refsite`` command line: the parser of every command group, and dispatch.

Each group (:mod:`~refsite.cli.checks`, :mod:`~refsite.cli.history`,
:mod:`~refsite.cli.scaffold`, :mod:`~refsite.cli.cache`,
:mod:`~refsite.cli.versions`) adds its commands and runs them. Options not
given on the command line come from ``mkdocs.yml``, read once here
(:mod:`refsite.cli.config`) as the build reads it.

Exit codes: 0 when every check holds, 1 when there are findings, 2 when the
input is unusable (bad arguments, a missing site, a malformed file).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from refsite.cli import cache, checks, examples, history, scaffold, upgrade, versions
from refsite.cli.common import PROG, UsageError
from refsite.cli.config import ConfigError, default_config, read_config
from refsite.core.processes import collect_less

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Check and measure a built API reference site."
    )
    parser.add_argument(
        "--config",
        default="mkdocs.yml",
        help="mkdocs.yml whose refsite plugin options give defaults (default: mkdocs.yml)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # The order of the commands in --help.
    checks.add_commands(commands)
    examples.add_commands(commands)
    history.add_commands(commands)
    scaffold.add_commands(commands)
    cache.add_commands(commands)
    versions.add_commands(commands)
    upgrade.add_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    collect_less()  # the checks load packages and parse sites, as builds do
    path = Path(args.config)
    try:
        # init writes a project: no existing mkdocs.yml has a say in it.
        config = read_config(path) if getattr(args, "reads_config", True) else default_config(path)
        code: int = args.run(args, config)
    except (UsageError, ConfigError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
