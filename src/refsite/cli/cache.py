"""The ``refsite cache prune`` command: keep the build cache under a size.

The cache folder and the size default to the plugin's ``cache_dir`` and
``cache_max_mb``, as the build resolves them (``REFSITE_CACHE_DIR`` included).
A folder refsite did not make its cache (no ``CACHEDIR.TAG``, see
:mod:`refsite.core.store`) is refused: nothing in it is deleted.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from refsite.cli.common import UsageError
from refsite.cli.mkdocs_yml import SiteConfig
from refsite.core.limits import megabytes
from refsite.core.store import NotACacheError, cache_files, prune

__all__ = ["add_commands"]


def add_commands(commands: Any) -> None:
    """Add ``cache prune`` to the ``refsite`` parser's subcommands."""
    cache = commands.add_parser("cache", help="manage the build cache")
    actions = cache.add_subparsers(dest="cache_command", required=True, metavar="ACTION")
    prune_cmd = actions.add_parser(
        "prune", help="delete the least recently used entries beyond a size"
    )
    prune_cmd.add_argument(
        "--cache-dir", help="the cache folder (default: the plugin's 'cache_dir')"
    )
    prune_cmd.add_argument(
        "--max-mb",
        type=megabytes,
        help="keep at most this many MiB (default: the plugin's 'cache_max_mb', else 200)",
    )
    prune_cmd.set_defaults(run=_cmd_prune)


def _cmd_prune(args: argparse.Namespace, config: SiteConfig) -> int:
    folder = config.resolve(args.cache_dir or config.refsite.cache_dir)
    if not folder.is_dir():
        print(f"{folder}: no cache folder; nothing to prune")
        return 0
    max_mb = args.max_mb if args.max_mb is not None else config.refsite.cache_max_mb
    before = sum(f.size for f in cache_files(folder))
    try:
        deleted = prune(folder, max_bytes=int(max_mb * 2**20), now=time.time())
    except NotACacheError as error:
        raise UsageError(
            f"{error}; give --cache-dir the folder refsite's builds write (the plugin's cache_dir)"
        ) from None
    freed = sum(f.size for f in deleted)
    print(
        f"{folder}: deleted {len(deleted)} file(s), {freed / 2**20:.1f} MiB; "
        f"{(before - freed) / 2**20:.1f} MiB left (limit {max_mb:g} MiB)"
    )
    return 0
