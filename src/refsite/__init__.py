"""refsite: build, check and measure API reference sites made with MkDocs.

One module per step:

- ``tree``: read the declared navigation tree (the contract);
- ``site``: read a finished site directory (pages, navigation, ids);
- ``check``: compare the two;
- ``coverage``, ``links``, ``manifest``: the other checks of a built site
  (public API documented, internal links resolve, what changed between builds);
- ``directives``: explain why a ``:::`` directive cannot be rendered;
- ``placeholders``, ``docstring_links``, ``search``: what refsite adds to a
  build (generated tables, fixed docstring links, symbol-first search);
- ``cache`` and ``reuse``: keep rendered pages and reuse them while their
  inputs are unchanged;
- ``plugin`` and ``cli``: the MkDocs plugin and the command line, which only
  turn their inputs into calls and present the results.
"""

from refsite.checks.contract import Finding, check_site
from refsite.checks.site import SiteError
from refsite.checks.tree import Tree, TreeError, load_tree, parse_tree

__all__ = ["Finding", "SiteError", "Tree", "TreeError", "check_site", "load_tree", "parse_tree"]
