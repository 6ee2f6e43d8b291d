"""The plugin's features, one per concern, each owning the hooks it needs."""
