"""The MkDocs side: the plugin (a switchboard), its features, upstream internals."""
