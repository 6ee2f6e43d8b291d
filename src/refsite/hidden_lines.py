"""The name sites write in mkdocs.yml for the hidden lines griffe extension.

The extension lives in :mod:`refsite.examples.hidden`; griffe loads an
extension by this module path and finds the class here.
"""

from refsite.examples.hidden import HiddenLines

__all__ = ["HiddenLines"]
