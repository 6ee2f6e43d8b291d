"""The package index: what it offers, the wheels and sdists it serves, their metadata."""
