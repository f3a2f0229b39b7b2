"""Imports every model module so the metadata knows all tables (for Alembic and tests)."""

from models import attendance, dropout, health, leave, messaging, roster  # noqa: F401
