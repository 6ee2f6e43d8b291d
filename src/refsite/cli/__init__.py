"""The ``refsite`` command line: one module per command group."""
