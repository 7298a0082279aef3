"""Fault injection over the real processes (`gyde chaos`, `make chaos`): see docs/reliability.md."""
