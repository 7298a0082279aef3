"""Pure shared types: imported by every layer, imports nothing but the standard library."""
