"""Alembic migrations, the source of truth for the schema. Run with ``registry db upgrade``."""
