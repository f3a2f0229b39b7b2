"""Alembic migrations; run through `qingjia migrate`."""
