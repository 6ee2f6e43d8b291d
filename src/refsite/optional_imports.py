"""The name sites write in mkdocs.yml for the griffe extension that keeps shadowed definitions.

The extension lives in :mod:`refsite.checks.optional_imports`; griffe loads an
extension by this module path and finds the class here.
"""

from refsite.checks.optional_imports import KeepDefinitions

__all__ = ["KeepDefinitions"]
