"""The `gyde` command line."""
