"""The public API release by release: reading it, comparing it, showing it."""
