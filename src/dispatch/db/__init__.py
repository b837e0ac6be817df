"""Persistence: engine, sessions, unit of work and Alembic migrations."""
