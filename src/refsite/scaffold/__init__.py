"""A checked reference site for any package: plan it, write it, build it once."""
