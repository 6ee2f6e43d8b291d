"""The ``refsite`` command line: run refsite's checks on a finished site.

Every command reads only the built site directory (and the project's own files
for its options), so it works whichever engine built the site. Options not
given on the command line come from the ``refsite`` plugin entry of
``mkdocs.yml`` when there is one.

Exit codes: 0 when every check holds, 1 when there are findings, 2 when the
input is unusable (bad arguments, a missing site, a malformed file).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import griffe
import yaml

from refsite.checks.absent import ABSENT_FILE, AbsentError, prune_tree, read_absent
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
from refsite.cli import upgrade as cli_upgrade
from refsite.cli import versions as cli_versions
from refsite.extras.llms import write_llms
from refsite.history.changes import ReleaseChanges, compare
from refsite.history.changes import format_json as format_changes_json
from refsite.history.changes import format_markdown as format_changes_markdown
from refsite.history.model import HistoryError, Snapshot, dump_history, load_history, read_snapshot
from refsite.scaffold.plan import ScaffoldError, culprits, load, plan_site
from refsite.scaffold.project import check_writable, project_files, trial_build, write_project
from refsite.speed.cache import DEFAULT_DIR, cache_files, prune

__all__ = ["main"]

PROG = "refsite"
# Each trial build of `init` excludes what warned; a second one is rarely needed.
_TRIAL_ROUNDS = 3


class _Usage(Exception):
    """Input the command cannot use; the message says what to change."""


class _TolerantLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, whose !ENV and !!python tags safe_load rejects."""


_TolerantLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_TolerantLoader.add_multi_constructor(
    "tag:yaml.org,2002:python/", lambda loader, suffix, node: None
)


def _plugin_options(config: Path, plugin: str = PROG) -> dict[str, Any]:
    """A plugin's options in an mkdocs.yml, or {} without them."""
    data = _mkdocs_config(config)
    plugins = data.get("plugins") or []
    entries = plugins.items() if isinstance(plugins, Mapping) else plugins
    for entry in entries:
        name, options = entry if isinstance(entry, tuple) else (entry, None)
        if isinstance(entry, Mapping):
            name, options = next(iter(entry.items()))
        if name == plugin:
            return dict(options or {})
    return {}


def _search_paths(config: Path) -> list[Path]:
    """Where mkdocstrings' python handler of ``config`` looks: its paths, then sys.path."""
    handlers = _plugin_options(config, "mkdocstrings").get("handlers") or {}
    python = handlers.get("python") or {} if isinstance(handlers, Mapping) else {}
    paths = python.get("paths") or ["."]
    return [config.parent / p for p in paths] + [Path(p) for p in sys.path if p]


def _site_dir(value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise _Usage(f"{value}: not a directory; give the folder a build wrote (e.g. site/)")
    if not any(path.glob("**/index.html")):
        raise _Usage(f"{value}: no HTML pages in it; build the site first (scripts/build)")
    return path


def _cmd_check(args: argparse.Namespace, options: dict[str, Any]) -> int:
    site = _site_dir(args.site_dir)
    tree_file = args.tree or options.get("tree")
    if not tree_file:
        raise _Usage("no tree file: pass --tree FILE (or set the plugin's 'tree' option)")
    try:
        tree = load_tree(_relative_to_config(args, tree_file))
    except TreeError as error:
        raise _Usage(str(error)) from None
    try:
        absent = read_absent(site)
    except AbsentError as error:
        raise _Usage(str(error)) from None
    if absent is not None:
        # An older release of a versioned site: what its build left out.
        tree = prune_tree(tree, absent.objects, absent.pages)
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


def _relative_to_config(args: argparse.Namespace, value: str) -> Path:
    # A path from the command line is the user's; one from mkdocs.yml is
    # relative to that file.
    path = Path(value)
    if path.is_absolute() or path.exists():
        return path
    return Path(args.config).parent / path


def _cmd_coverage(args: argparse.Namespace, options: dict[str, Any]) -> int:
    site = _site_dir(args.site_dir)
    settings = dict(options.get("coverage") or {})
    packages = args.package or settings.get("packages") or []
    if not packages:
        raise _Usage("no package to measure: pass --package NAME (or set coverage.packages)")
    preload = args.preload or settings.get("preload") or []
    exclusions_file = args.exclusions or settings.get("exclusions")
    fail_under = args.fail_under if args.fail_under is not None else 0.0
    try:
        exclusions = (
            load_exclusions(_relative_to_config(args, exclusions_file)) if exclusions_file else []
        )
        objects = load_api(packages, preload=preload, search_paths=_search_paths(Path(args.config)))
        report = measure(objects, rendered_names(site), exclusions)
    except CoverageError as error:
        raise _Usage(str(error)) from None
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
            f"under --fail-under {fail_under:g}",
            file=sys.stderr,
        )
    return 1 if failed else 0


def _cmd_links(args: argparse.Namespace, options: dict[str, Any]) -> int:
    site = _site_dir(args.site_dir)
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


def _cmd_llms(args: argparse.Namespace, options: dict[str, Any]) -> int:
    site = _site_dir(args.site_dir)
    config = _mkdocs_config(Path(args.config))
    title = args.title or config.get("site_name") or site.name
    summary = args.summary if args.summary is not None else config.get("site_description") or ""
    report = write_llms(site, title=str(title), summary=str(summary))
    print(
        f"{PROG} llms: {site / 'llms.txt'} lists {len(report.pages)} pages; their Markdown "
        f"twins are {report.markdown_bytes // 1000} kB, {100 * report.ratio:.0f}% of the HTML"
    )
    return 0


def _mkdocs_config(config: Path) -> dict[str, Any]:
    """The top-level settings of an mkdocs.yml, or {} without one."""
    if not config.is_file():
        return {}
    try:
        data = yaml.load(config.read_text(encoding="utf-8"), Loader=_TolerantLoader)
    except yaml.YAMLError as error:
        raise _Usage(f"{config}: not valid YAML: {error}") from None
    return dict(data) if isinstance(data, Mapping) else {}


def _cmd_manifest(args: argparse.Namespace, options: dict[str, Any]) -> int:
    site = _site_dir(args.site_dir)
    text = json.dumps(build_manifest(site), indent=1, sort_keys=True)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def _cmd_diff(args: argparse.Namespace, options: dict[str, Any]) -> int:
    try:
        diff = diff_manifests(load_manifest(Path(args.old)), load_manifest(Path(args.new)))
    except ManifestError as error:
        raise _Usage(str(error)) from None
    if args.format == "markdown":
        print(format_diff_markdown(diff, base_url=args.base_url or ""))
    elif args.format == "json":
        print(format_diff_json(diff))
    else:
        print(format_diff_text(diff))
    return 0


DEFAULT_HISTORY = "api-history.json"


def _history_settings(args: argparse.Namespace, options: dict[str, Any]) -> dict[str, Any]:
    """The package, its preloads and the history file: arguments, else mkdocs.yml."""
    settings = dict(options.get("history") or {})
    packages = list((options.get("coverage") or {}).get("packages") or [])
    preload = list((options.get("coverage") or {}).get("preload") or [])
    package = args.package or (packages[0] if packages else None)
    if not package:
        raise _Usage("no package: pass --package NAME (or set coverage.packages in mkdocs.yml)")
    file = args.history or settings.get("file") or DEFAULT_HISTORY
    return {
        "package": package,
        # httpx only feeds the test client's bases; the history reads what
        # the package re-exports, hence Starlette's wheels and not httpx's.
        "preload": args.preload
        if args.preload is not None
        else [p for p in preload if p != "httpx"],
        "file": _relative_to_config(args, file),
        "cache": _relative_to_config(
            args, args.cache_dir or options.get("cache_dir") or DEFAULT_DIR
        )
        / "history",
    }


def _quiet_griffe() -> None:
    # griffe logs (at error level) each annotation of an old release that it
    # cannot resolve; a snapshot does not need them resolved, its failures
    # come back as exceptions, and a CI log should show one line per release.
    griffe.logger.setLevel(logging.CRITICAL + 1)


def _cmd_history(args: argparse.Namespace, options: dict[str, Any]) -> int:
    from importlib import metadata

    from refsite.history.read import read_history, releases_between
    from refsite.releases.wheels import WheelError, available_versions

    settings = _history_settings(args, options)
    package = settings["package"]
    _quiet_griffe()
    until = args.until
    if until is None:
        try:
            until = metadata.version(package)
        except metadata.PackageNotFoundError:
            raise _Usage(f"{package} is not installed: pass --until VERSION") from None
    start = time.perf_counter()
    try:
        versions = releases_between(available_versions(package), args.since, until)
        print(
            f"history: {len(versions)} releases of {package}, {versions[0]} to {versions[-1]}",
            file=sys.stderr,
        )

        def progress(step: Any) -> None:
            cached = ", cached" if step.cached else ""
            print(
                f"history: {step.index}/{step.total} {package} {step.version} "
                f"({step.seconds:.1f} s{cached})",
                file=sys.stderr,
                flush=True,
            )

        history = read_history(
            package,
            versions,
            preload=settings["preload"],
            cache=settings["cache"],
            progress=progress,
        )
    except (WheelError, HistoryError, CoverageError) as error:
        raise _Usage(str(error)) from None
    output = Path(args.output) if args.output else settings["file"]
    output.write_text(dump_history(history), encoding="utf-8")
    print(
        f"history: {len(versions)} releases read in {time.perf_counter() - start:.1f} s, "
        f"written to {output}",
        file=sys.stderr,
    )
    return 0


def _cmd_init(args: argparse.Namespace, options: dict[str, Any]) -> int:
    start = time.monotonic()
    folder = Path(args.dir)
    src = Path(args.src) if args.src else None
    try:
        check_writable(folder)
        print(f"{PROG} init: reading {args.package} with griffe", flush=True)
        loaded = load(args.package, src=src)
        plan = plan_site(loaded)
        # The project names the source folder relative to itself, so it moves with it.
        where = os.path.relpath(src.resolve(), folder.resolve()) if src else None
        files = write_project(folder, project_files(plan, src=where), force=args.force)
    except ScaffoldError as error:
        raise _Usage(str(error)) from None
    print(f"{PROG} init: wrote {len(files)} files to {folder}", flush=True)
    rounds = 0 if args.no_trial else _TRIAL_ROUNDS
    found: dict[str, str] = {}
    for _ in range(rounds):
        print(f"{PROG} init: trial build (mkdocs build --strict)", flush=True)
        code, warnings = trial_build(folder)
        if code == 0 and not warnings:
            break
        new = culprits(plan, loaded, warnings, base=folder)
        new = {name: reason for name, reason in new.items() if name not in found}
        if not new:
            for line in warnings:
                print(line, file=sys.stderr)
            print(
                f"{PROG} init: the trial build of {folder} fails for a reason no object "
                "explains (above): fix it in the project, then run mkdocs build --strict",
                file=sys.stderr,
            )
            return 1
        found.update(new)
        print(f"{PROG} init: excluding {len(new)} object(s) the build warned about", flush=True)
        plan = plan_site(loaded, exclude=found)
        files = write_project(folder, project_files(plan, src=where), force=True, previous=files)
    else:
        if rounds:
            print(
                f"{PROG} init: the trial build still warns after {rounds} rounds", file=sys.stderr
            )
            return 1
    print(
        f"{PROG} init: {len(plan.pages)} page(s), {plan.documented} object(s) documented, "
        f"{len(plan.exclusions)} excluded (see coverage-exclusions.yml) "
        f"in {time.monotonic() - start:.1f}s; next: cd {folder} && mkdocs serve"
    )
    return 0


def _cmd_cache_prune(args: argparse.Namespace, options: dict[str, Any]) -> int:
    config = Path(args.config)
    folder = Path(args.cache_dir or options.get("cache_dir") or DEFAULT_DIR)
    if not folder.is_absolute():
        folder = config.parent / folder
    if not folder.is_dir():
        print(f"{folder}: no cache folder; nothing to prune")
        return 0
    max_mb = args.max_mb if args.max_mb is not None else options.get("cache_max_mb", 200)
    before = sum(f.size for f in cache_files(folder))
    deleted = prune(folder, max_bytes=int(max_mb * 2**20), now=time.time())
    freed = sum(f.size for f in deleted)
    print(
        f"{folder}: deleted {len(deleted)} file(s), {freed / 2**20:.1f} MiB; "
        f"{(before - freed) / 2**20:.1f} MiB left (limit {max_mb} MiB)"
    )
    return 0


def _snapshot(
    value: str, settings: dict[str, Any], history: Any, args: argparse.Namespace
) -> Snapshot:
    """A version (from the history file, else its wheel) or a source folder, read."""
    from refsite.history.read import read_release
    from refsite.releases.wheels import WheelError

    package = settings["package"]
    folder = Path(value)
    if folder.is_dir():
        # The folder holds the package (or is it); what it re-exports comes
        # from the installed packages.
        roots = [folder.parent if (folder / "__init__.py").is_file() else folder]
        try:
            return read_snapshot(
                [package],
                preload=settings["preload"],
                search_paths=[*roots, *(Path(p) for p in sys.path if p)],
            )
        except CoverageError as error:
            raise _Usage(f"{value}: {error}") from None
    if history is not None and value in history.versions():
        return history.snapshot(value)  # type: ignore[no-any-return]
    if not value[:1].isdigit():
        raise _Usage(f"{value}: neither a folder nor a release version of {package}")
    try:
        return read_release(package, value, preload=settings["preload"], cache=settings["cache"])[1]
    except (WheelError, CoverageError) as error:
        raise _Usage(f"{package} {value}: {error}") from None


def _cmd_changes(args: argparse.Namespace, options: dict[str, Any]) -> int:
    settings = _history_settings(args, options)
    _quiet_griffe()
    history = None
    if settings["file"].is_file():
        try:
            history = load_history(settings["file"])
        except HistoryError as error:
            raise _Usage(str(error)) from None
    old = _snapshot(args.old, settings, history, args)
    new = _snapshot(args.new, settings, history, args)
    release = ReleaseChanges(version=args.new, previous=args.old, changes=compare(old, new))
    if args.format == "json":
        print(format_changes_json([release]))
    else:
        print(format_changes_markdown([release], package=settings["package"]), end="")
    return 0


def _megabytes(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of MiB") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is negative; give 0 or more MiB")
    return number


def _percent(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number from 0 to 100") from None
    if not 0 <= number <= 100:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number from 0 to 100")
    return number


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

    check = commands.add_parser("check", help="check a built site against its declared tree")
    check.add_argument("site_dir", metavar="SITE_DIR", help="the built site folder")
    check.add_argument("--tree", help="the declared tree file (default: the plugin's 'tree')")
    check.set_defaults(run=_cmd_check)

    coverage = commands.add_parser("coverage", help="measure the public API the site documents")
    coverage.add_argument("site_dir", metavar="SITE_DIR", help="the built site folder")
    coverage.add_argument("--package", action="append", help="a package to measure (repeatable)")
    coverage.add_argument(
        "--preload", action="append", help="a package that re-exported objects come from"
    )
    coverage.add_argument("--exclusions", help="YAML file of names left out, with reasons")
    coverage.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    coverage.add_argument(
        "--fail-under", type=_percent, metavar="N", help="exit 1 under N%% documented or excluded"
    )
    coverage.set_defaults(run=_cmd_coverage)

    links = commands.add_parser("links", help="check every internal link and fragment")
    links.add_argument("site_dir", metavar="SITE_DIR", help="the built site folder")
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
    llms.add_argument("site_dir", metavar="SITE_DIR", help="the built site folder")
    llms.add_argument("--title", help="the title of llms.txt (default: site_name)")
    llms.add_argument("--summary", help="its one-line summary (default: site_description)")
    llms.set_defaults(run=_cmd_llms)

    manifest = commands.add_parser("manifest", help="write the build manifest of a site")
    manifest.add_argument("site_dir", metavar="SITE_DIR", help="the built site folder")
    manifest.add_argument("-o", "--output", help="write to this file instead of stdout")
    manifest.set_defaults(run=_cmd_manifest)

    diff = commands.add_parser("diff", help="list the pages that differ between two builds")
    diff.add_argument("old", metavar="OLD", help="a built site folder or a manifest file")
    diff.add_argument("new", metavar="NEW", help="a built site folder or a manifest file")
    diff.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    diff.add_argument("--base-url", help="link pages in Markdown output to this site URL")
    diff.set_defaults(run=_cmd_diff)

    changes = commands.add_parser(
        "changes", help="list the public API changes between two releases (or a source folder)"
    )
    changes.add_argument("old", metavar="OLD", help="a release version or a source folder")
    changes.add_argument("new", metavar="NEW", help="a release version or a source folder")
    changes.add_argument("--format", choices=["markdown", "json"], default="markdown")
    _history_options(changes)
    changes.set_defaults(run=_cmd_changes)

    history = commands.add_parser(
        "history", help="read the public API of every release from their wheels into a file"
    )
    history.add_argument("--since", default="0.100.0", help="the first release (default: 0.100.0)")
    history.add_argument(
        "--until", help="the last release (default: the installed version of the package)"
    )
    history.add_argument("-o", "--output", help="the file to write (default: the history file)")
    _history_options(history)
    history.set_defaults(run=_cmd_history)

    init = commands.add_parser("init", help="write a checked reference site for a package")
    init.add_argument("package", metavar="PACKAGE", help="the package to document (import name)")
    init.add_argument("dir", metavar="DIR", help="the folder to write the project into")
    init.add_argument(
        "--src", help="the source folder holding PACKAGE (default: the installed package)"
    )
    init.add_argument("--force", action="store_true", help="overwrite files that exist")
    init.add_argument(
        "--no-trial",
        action="store_true",
        help="skip the trial build that excludes what would warn",
    )
    init.set_defaults(run=_cmd_init)

    cache = commands.add_parser("cache", help="manage the build cache")
    cache_commands = cache.add_subparsers(dest="cache_command", required=True, metavar="ACTION")
    prune_cmd = cache_commands.add_parser(
        "prune", help="delete the least recently used entries beyond a size"
    )
    prune_cmd.add_argument(
        "--cache-dir", help="the cache folder (default: the plugin's 'cache_dir')"
    )
    prune_cmd.add_argument(
        "--max-mb",
        type=_megabytes,
        help="keep at most this many MiB (default: the plugin's 'cache_max_mb', else 200)",
    )
    prune_cmd.set_defaults(run=_cmd_cache_prune)

    cli_versions.add_commands(commands)
    cli_upgrade.add_parsers(commands)
    return parser


def _history_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--package", help="the package (default: the first coverage package)")
    parser.add_argument(
        "--preload",
        action="append",
        help="a package it re-exports from, read from its wheel too (default: coverage.preload)",
    )
    parser.add_argument(
        "--history",
        help=f"the history file (default: the plugin's history.file, {DEFAULT_HISTORY})",
    )
    parser.add_argument(
        "--cache-dir",
        help="the cache folder; wheels and snapshots go to its history/ (default: the plugin's)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        # init writes a project; no existing mkdocs.yml has a say in it.
        options = {} if args.command == "init" else _plugin_options(Path(args.config))
        code: int = args.run(args, options)
    except (_Usage, cli_versions.UsageError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
