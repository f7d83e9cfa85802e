"""Sweep specifications, executors and the results store (DESIGN §9): built by the sweeps issue."""
