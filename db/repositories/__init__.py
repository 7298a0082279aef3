"""Repositories: the only code that writes SQL. Activities call them; nothing else does."""
