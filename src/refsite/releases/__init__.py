"""Every release in one site: the lock, exact wheels, one release's build, the assembly."""
