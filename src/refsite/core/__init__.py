"""The shared mechanisms: the on-disk store, placeholders; no MkDocs imports."""
