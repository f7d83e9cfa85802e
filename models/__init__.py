"""Mesa models stepping the ecosystem through time (DESIGN §8): built by the simulation issue."""
