"""The ``refsite`` command line: the parser of every command group, and dispatch.

Each group (:mod:`~refsite.cli.checks`, :mod:`~refsite.cli.history`,
:mod:`~refsite.cli.scaffold`, :mod:`~refsite.cli.cache`,
:mod:`~refsite.cli.versions`) adds its commands and runs them. Options not
given on the command line come from ``mkdocs.yml``, read once here
(:mod:`refsite.cli.mkdocs_yml`) as the build reads it.

Exit codes: 0 when every check holds, 1 when there are findings, 2 when the
input is unusable (bad arguments, a missing site, a malformed file).

Whatever a user can cause is said in one line and exits 2: a bad argument
(the parser's error, without its usage), a file refsite cannot read or write,
a version that does not parse, YAML that does not load. Commands say it where
they know most (which option, which file); :func:`main` is the last resort.
Any other exception is a bug in refsite: its traceback, then one line that
says so and where to report it.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import NoReturn

import yaml
from packaging.version import InvalidVersion

from refsite.cli import cache, checks, examples, history, scaffold, upgrade, versions
from refsite.cli.common import PROG, UsageError
from refsite.cli.mkdocs_yml import ConfigError, default_config, read_config
from refsite.core.processes import collect_less
from refsite.core.yamlfile import yaml_problem

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """A parser whose errors are one line (subcommands' parsers are of this class too)."""

    def error(self, message: str) -> NoReturn:
        """Say what is wrong and where the help is, without the usage lines."""
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Check and measure a built API reference site.")
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
        return _usage_error(str(error))
    except OSError as error:
        return _usage_error(_os_problem(error))
    except InvalidVersion as error:
        return _usage_error(f"{error}; a release version looks like 0.115.2 (PEP 440)")
    except yaml.YAMLError as error:
        return _usage_error(yaml_problem(error))
    except Exception:
        traceback.print_exc()
        print(f"{PROG}: this is a bug in refsite, not in your input: {_report()}", file=sys.stderr)
        return 1
    return code


def _usage_error(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def _os_problem(error: OSError) -> str:
    """One line for a file refsite could not read or write (or another failed system call)."""
    what = error.strerror or str(error)
    if error.filename is None:
        return f"{what}; check the network, the disk and the paths given"
    where = str(error.filename)
    if error.filename2 is not None:
        where += f" -> {error.filename2}"
    return f"{where}: {what}; check the path, and that refsite may read and write there"


def _report() -> str:
    """Where to report a bug: the project's issue tracker."""
    try:
        urls = metadata.metadata("refsite").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() in {"issues", "bug tracker", "tracker"}:
            return f"please report it, with the traceback above, at {url.strip()}"
    return "please report it, with the traceback above, on the project's issue tracker"


if __name__ == "__main__":
    sys.exit(main())
