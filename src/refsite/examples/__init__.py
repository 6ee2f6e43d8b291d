"""Every fenced Python example in the rendered docstrings: found, run, reported."""
