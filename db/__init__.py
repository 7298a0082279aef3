"""Persistence: SQLAlchemy models, async sessions, repositories and Alembic migrations."""
