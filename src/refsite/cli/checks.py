"""The ``refsite`` commands on a finished site: check, coverage, links, llms, manifest, diff.

Each reads only the built site folder (and ``mkdocs.yml`` for its defaults),
so it works whichever engine built the site.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from refsite.checks.absent import ABSENT_FILE, AbsentError, read_absent, release_contract
from refsite.checks.contract import check_site
from refsite.checks.coverage import (
    CoverageError,
    format_json,
    format_markdown,
    format_text,
    load_api,
    load_exclusions,
    measure,
    rendered_names,
)
from refsite.checks.links import check_links
from refsite.checks.manifest import (
    ManifestError,
    build_manifest,
    diff_manifests,
    format_diff_json,
    format_diff_markdown,
    format_diff_text,
    load_manifest,
)
from refsite.checks.tree import TreeError, load_tree
from refsite.cli.common import PROG, UsageError, output_file, relative_to_config, site_folder
from refsite.cli.mkdocs_yml import SiteConfig
from refsite.core.limits import percent
from refsite.extras.llms import write_llms

__all__ = ["add_commands"]

_SITE_DIR = "the built site folder"


def add_commands(commands: Any) -> None:
    """Add the check commands to the ``refsite`` parser's subcommands."""
    check = commands.add_parser("check", help="check a built site against its declared tree")
    check.add_argument("site_dir", metavar="SITE_DIR", help=_SITE_DIR)
    check.add_argument("--tree", help="the declared tree file (default: the plugin's 'tree')")
    check.set_defaults(run=_cmd_check)

    coverage = commands.add_parser("coverage", help="measure the public API the site documents")
    coverage.add_argument("site_dir", metavar="SITE_DIR", help=_SITE_DIR)
    coverage.add_argument("--package", action="append", help="a package to measure (repeatable)")
    coverage.add_argument(
        "--preload", action="append", help="a package that re-exported objects come from"
    )
    coverage.add_argument("--exclusions", help="YAML file of names left out, with reasons")
    coverage.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    coverage.add_argument(
        "--fail-under",
        type=percent,
        metavar="N",
        help="exit 1 under N%% documented or excluded (default: the plugin's coverage.fail_under)",
    )
    coverage.set_defaults(run=_cmd_coverage)

    links = commands.add_parser("links", help="check every internal link and fragment")
    links.add_argument("site_dir", metavar="SITE_DIR", help=_SITE_DIR)
    links.add_argument(
        "--site-url", help="the URL the site is served at; links must stay under its path"
    )
    links.add_argument("--list-external", action="store_true", help="print external links")
    links.add_argument(
        "--ignore",
        action="append",
        metavar="GLOB",
        help="drop findings whose 'PAGE: LINK' matches GLOB (repeatable)",
    )
    links.set_defaults(run=_cmd_links)

    llms = commands.add_parser("llms", help="write llms.txt and a Markdown twin next to every page")
    llms.add_argument("site_dir", metavar="SITE_DIR", help=_SITE_DIR)
    llms.add_argument("--title", help="the title of llms.txt (default: site_name)")
    llms.add_argument("--summary", help="its one-line summary (default: site_description)")
    llms.set_defaults(run=_cmd_llms)

    _add_manifest_commands(commands)


def _add_manifest_commands(commands: Any) -> None:
    manifest = commands.add_parser("manifest", help="write the build manifest of a site")
    manifest.add_argument("site_dir", metavar="SITE_DIR", help=_SITE_DIR)
    manifest.add_argument(
        "-o", "--output", type=output_file, help="write to this file instead of stdout"
    )
    manifest.set_defaults(run=_cmd_manifest)

    diff = commands.add_parser("diff", help="list the pages that differ between two builds")
    diff.add_argument("old", metavar="OLD", help="a built site folder or a manifest file")
    diff.add_argument("new", metavar="NEW", help="a built site folder or a manifest file")
    diff.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    diff.add_argument("--base-url", help="link pages in Markdown output to this site URL")
    diff.set_defaults(run=_cmd_diff)


def _cmd_check(args: argparse.Namespace, config: SiteConfig) -> int:
    site = site_folder(args.site_dir)
    tree_file = args.tree or config.refsite.tree
    if not tree_file:
        raise UsageError("no tree file: pass --tree FILE (or set the plugin's 'tree' option)")
    try:
        tree = load_tree(relative_to_config(config, tree_file))
        absent = read_absent(site)
    except (TreeError, AbsentError) as error:
        raise UsageError(str(error)) from None
    if absent is not None:
        # An older release of a versioned site: what its build left out.
        tree = release_contract(tree, absent)
        print(
            f"{PROG} check: {site}: {len(absent.objects)} object(s) and {len(absent.pages)} "
            f"page(s) are not in release {absent.release} ({ABSENT_FILE})",
            file=sys.stderr,
        )
    findings = check_site(site, tree)
    for finding in findings:
        print(finding)
    if findings:
        print(f"{PROG} check: {len(findings)} finding(s) against {tree_file}", file=sys.stderr)
        return 1
    print(f"{PROG} check: {site} matches {tree_file}")
    return 0


def _cmd_coverage(args: argparse.Namespace, config: SiteConfig) -> int:
    site = site_folder(args.site_dir)
    settings = config.refsite.coverage
    packages = args.package or settings.packages
    if not packages:
        raise UsageError("no package to measure: pass --package NAME (or set coverage.packages)")
    preload = args.preload or settings.preload
    exclusions_file = args.exclusions or settings.exclusions
    # The gate the build applies, unless the command line sets another.
    gate = "--fail-under" if args.fail_under is not None else "coverage.fail_under"
    fail_under = float(args.fail_under if args.fail_under is not None else settings.fail_under)
    try:
        exclusions = (
            load_exclusions(relative_to_config(config, exclusions_file)) if exclusions_file else []
        )
        objects = load_api(packages, preload=preload, search_paths=config.search_paths())
        report = measure(objects, rendered_names(site), exclusions)
    except CoverageError as error:
        raise UsageError(str(error)) from None
    formatter: Callable[..., str] = {
        "text": format_text,
        "markdown": format_markdown,
        "json": format_json,
    }[args.format]
    print(formatter(report))
    failed = bool(report.stale) or report.percent + 1e-9 < fail_under
    if report.percent + 1e-9 < fail_under:
        print(
            f"{PROG} coverage: {report.percent:.1f}% documented or excluded, "
            f"under {gate} {fail_under:g}",
            file=sys.stderr,
        )
    return 1 if failed else 0


def _cmd_links(args: argparse.Namespace, config: SiteConfig) -> int:
    site = site_folder(args.site_dir)
    base = urlsplit(args.site_url).path if args.site_url else "/"
    report = check_links(site, base_path=base or "/", ignore=args.ignore or [])
    for finding in report.findings:
        print(finding)
    if args.list_external:
        for url in report.external:
            print(f"external: {url}")
    summary = (
        f"{PROG} links: {report.pages} pages, {report.links} links, "
        f"{len(report.external)} external (not fetched), {len(report.findings)} finding(s)"
    )
    print(summary, file=sys.stderr if report.findings else sys.stdout)
    return 1 if report.findings else 0


def _cmd_llms(args: argparse.Namespace, config: SiteConfig) -> int:
    site = site_folder(args.site_dir)
    title = args.title or config.site_name or site.name
    summary = args.summary if args.summary is not None else config.site_description or ""
    report = write_llms(site, title=title, summary=summary)
    print(
        f"{PROG} llms: {site / 'llms.txt'} lists {len(report.pages)} pages; their Markdown "
        f"twins are {report.markdown_bytes // 1000} kB, {100 * report.ratio:.0f}% of the HTML"
    )
    return 0


def _cmd_manifest(args: argparse.Namespace, config: SiteConfig) -> int:
    site = site_folder(args.site_dir)
    text = json.dumps(build_manifest(site), indent=1, sort_keys=True)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def _cmd_diff(args: argparse.Namespace, config: SiteConfig) -> int:
    try:
        diff = diff_manifests(load_manifest(Path(args.old)), load_manifest(Path(args.new)))
    except ManifestError as error:
        raise UsageError(str(error)) from None
    if args.format == "markdown":
        print(format_diff_markdown(diff, base_url=args.base_url or ""))
    elif args.format == "json":
        print(format_diff_json(diff))
    else:
        print(format_diff_text(diff))
    return 0
