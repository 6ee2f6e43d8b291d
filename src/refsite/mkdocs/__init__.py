"""The MkDocs side: the plugin (a switchboard) and its features."""
