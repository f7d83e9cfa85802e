"""Mesa partner agents (DESIGN §8): built by the simulation issue; nothing here yet."""
