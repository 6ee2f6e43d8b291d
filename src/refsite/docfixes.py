"""The name sites write in mkdocs.yml for the docstring fixes griffe extension.

The extension lives in :mod:`refsite.scaffold.docfixes` (a name sites made
before this one still use); griffe loads an extension by this module path and
finds the class here.
"""

from refsite.scaffold.docfixes import DocstringFixes

__all__ = ["DocstringFixes"]
