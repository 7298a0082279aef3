"""Deterministic Temporal workflows: no I/O, clocks or randomness outside Temporal's APIs."""
