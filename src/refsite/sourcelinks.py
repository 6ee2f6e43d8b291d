"""The name sites write in mkdocs.yml for the source links griffe extension.

The extension lives in :mod:`refsite.extras.sourcelinks`; griffe loads an
extension by this module path and finds the class here.
"""

from refsite.extras.sourcelinks import SourceLinks

__all__ = ["SourceLinks"]
