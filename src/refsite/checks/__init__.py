"""Engine-free checks of a finished site: contract, links, coverage, manifest."""
