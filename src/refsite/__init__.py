"""refsite: build, check and measure API reference sites made with MkDocs.

One subpackage per concern (ARCHITECTURE.md maps them): ``core`` (the
mechanisms they share), ``checks`` (engine-free checks of a built site),
``speed``, ``extras``, ``examples``, ``history``, ``releases``, ``scaffold``,
``internals`` (the upstream private parts refsite touches), and the two
adapters, ``mkdocs`` (the plugin) and ``cli``. The names below are the ones
a script reading a built site against its declared tree needs.
"""

from refsite.checks.contract import Finding, check_site
from refsite.checks.site import SiteError
from refsite.checks.tree import Tree, TreeError, load_tree, parse_tree

__all__ = ["Finding", "SiteError", "Tree", "TreeError", "check_site", "load_tree", "parse_tree"]
