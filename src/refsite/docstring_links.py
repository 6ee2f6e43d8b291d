"""The name sites write in mkdocs.yml for the docstring links griffe extension.

The extension lives in :mod:`refsite.extras.docstring_links`; griffe loads an
extension by this module path and finds the class here.
"""

from refsite.extras.docstring_links import DocstringLinks

__all__ = ["DocstringLinks"]
