"""The ``refsite`` command line: run a check on a finished site and report.

Exit codes: 0 when every check holds, 1 when there are findings, 2 when the
input is unusable (bad arguments, a missing site, a malformed tree file).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from refsite.check import check_site
from refsite.tree import TreeError, load_tree

__all__ = ["main"]

PROG = "refsite"


class _Usage(Exception):
    """Input the command cannot use; the message says what to change."""


def _site_dir(value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise _Usage(f"{value}: not a directory; give the folder a build wrote (e.g. site/)")
    if not (path / "index.html").is_file() and not any(path.glob("**/index.html")):
        raise _Usage(f"{value}: no HTML pages in it; build the site first (scripts/build)")
    return path


def _cmd_check(args: argparse.Namespace) -> int:
    site = _site_dir(args.site_dir)
    try:
        tree = load_tree(Path(args.tree))
    except TreeError as error:
        raise _Usage(str(error)) from None
    findings = check_site(site, tree)
    for finding in findings:
        print(finding)
    if findings:
        print(f"{PROG} check: {len(findings)} finding(s) against {args.tree}", file=sys.stderr)
        return 1
    print(f"{PROG} check: {site} matches {args.tree}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser(
        "check",
        help="check a built site against its declared navigation tree",
        description="Check a built site against its declared navigation tree.",
    )
    check.add_argument("site_dir", metavar="SITE_DIR", help="the built site folder")
    check.add_argument(
        "--tree", default="navtree.yml", help="the declared tree file (default: navtree.yml)"
    )
    check.set_defaults(run=_cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except _Usage as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
