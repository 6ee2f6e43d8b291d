"""``refsite examples``: run every fenced Python example the site renders, and report.

Exit codes: 0 when every example passes or is excluded, 1 when one fails (or
an exclusion is stale), 2 when the input is unusable.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from refsite.cli.common import UsageError, site_config
from refsite.cli.mkdocs_yml import SiteConfig
from refsite.core.limits import seconds
from refsite.examples.check import ExamplesError, Settings, check
from refsite.examples.hidden import unshown_warning
from refsite.examples.report import format_json, format_markdown, load_exclusions, sort_out

__all__ = ["add_commands", "settings_for"]


def add_commands(commands: Any) -> None:
    """Add ``refsite examples``."""
    examples = commands.add_parser(
        "examples", help="run every Python example in the docstrings the site renders"
    )
    examples.add_argument(
        "site",
        metavar="SITE_OR_CONFIG",
        help="the site's mkdocs.yml, the folder that holds it, or the built site (with --config)",
    )
    examples.add_argument("--package", action="append", help="a package to read (repeatable)")
    examples.add_argument("--preload", action="append", help="a package re-exports come from")
    examples.add_argument("--prelude", help="Python run before each example")
    examples.add_argument("--exclusions", help="YAML file of examples left failing, with reasons")
    examples.add_argument("--timeout", type=seconds, help="seconds an example may run")
    examples.add_argument("--no-cache", action="store_true", help="run every example again")
    examples.add_argument("--format", choices=["markdown", "json"], default="markdown")
    examples.set_defaults(run=_cmd_examples)


def _cmd_examples(args: argparse.Namespace, config: SiteConfig) -> int:
    config = site_config(Path(args.site), config)
    settings = settings_for(
        config,
        packages=args.package,
        preload=args.preload,
        prelude=args.prelude,
        timeout=args.timeout,
        cache=not args.no_cache,
    )
    exclusions_file = args.exclusions or config.refsite.examples.exclusions
    try:
        exclusions = load_exclusions(config.resolve(exclusions_file)) if exclusions_file else []
        report = sort_out(check(settings), exclusions)
    except ExamplesError as error:
        raise UsageError(str(error)) from None
    print(format_json(report) if args.format == "json" else format_markdown(report))
    options = config.python.get("options")
    extensions = options.get("extensions") if isinstance(options, Mapping) else None
    unshown = unshown_warning([o.checked.example for o in report.outcomes], extensions)
    if unshown is not None:  # the site's pages, not the examples: no change to the exit code
        print(f"refsite: warning: {config.path}: {unshown}", file=sys.stderr)
    return 1 if report.failed or report.stale else 0


def settings_for(
    config: SiteConfig,
    *,
    packages: list[str] | None = None,
    preload: list[str] | None = None,
    prelude: str | None = None,
    timeout: float | None = None,
    cache: bool = True,
) -> Settings:
    """The check a site's ``mkdocs.yml`` asks for, as its build runs it; arguments override.

    Raises:
        UsageError: there is no package to read, or no docs folder.
    """
    section, coverage = config.refsite.examples, config.refsite.coverage
    packages = packages or section.packages or coverage.packages
    if not packages:
        raise UsageError("no package to read: pass --package NAME (or set examples.packages)")
    default_preload = section.preload if section.preload is not None else coverage.preload
    settings = Settings(
        packages=packages,
        preload=preload or default_preload,
        docs_dir=config.resolve(config.docs_dir),
        search_paths=config.search_paths(),
        prelude=prelude if prelude is not None else section.prelude,
        requires=section.requires,
        timeout=timeout if timeout is not None else float(section.timeout),
        store=config.resolve(config.refsite.cache_dir) if cache and config.refsite.cache else None,
    )
    if not settings.docs_dir.is_dir():
        raise UsageError(f"{settings.docs_dir}: no such folder (the site's docs_dir)")
    return settings
