"""Fast builds: page, object and output reuse, worker processes, serve rebuilds."""
