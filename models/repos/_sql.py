"""Dialect helpers shared by repositories."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, FromClause
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

T = TypeVar("T")


def built_once(build: Callable[[], T]) -> Callable[[], T]:
    """A statement built on first use and kept, its per-call values as named bind parameters
    (`bindparam("school_id")`, passed at execution). Every message runs the same dozen queries:
    building one (and its cache key) costs more CPU than running it, and a statement kept whole
    has its cache key computed once."""
    return functools.cache(build)


def upsert(session: AsyncSession, table: FromClause) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that takes ON CONFLICT clauses, for the session's backend: the one place the
    dialect is chosen (PostgreSQL and SQLite spell them the same)."""
    return _upsert(session.bind.dialect.name if session.bind else "sqlite", table)


def _upsert(dialect: str, table: FromClause) -> postgresql.Insert | sqlite.Insert:
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


@functools.cache
def _insert_ignoring_many(dialect: str, table: FromClause,
                          key: Any) -> ReturningInsert[Any]:
    return _upsert(dialect, table).on_conflict_do_nothing().returning(key)


async def insert_ignoring_duplicates(session: AsyncSession, table: FromClause,
                                     values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when a row was written."""
    result = await session.execute(upsert(session, table).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def insert_ignoring_duplicates_many(session: AsyncSession, table: FromClause,
                                          rows: list[dict[str, Any]], key: Any) -> list[Any]:
    """INSERT … ON CONFLICT DO NOTHING for many rows; `key` of each row written.

    The statement is built without values and the rows passed as parameters, so SQLAlchemy
    compiles it once (cached) and sends the rows as multi-row VALUES batches.
    """
    if not rows:
        return []
    stmt = _insert_ignoring_many(session.bind.dialect.name if session.bind else "sqlite",
                                 table, key)  # built once per table (see `built_once`)
    result = await session.execute(stmt, rows)
    return list(result.scalars())


def ours(school_column: Any, school_id: int) -> ColumnElement[bool]:
    """`school_column = school_id`, written so that no index on the school is used for it.

    SQLite plans without statistics and, given `school_id = ?` next to a narrower condition
    (`class_id IN (…) AND day BETWEEN …`), walks the whole school's index instead. The `+ 0`
    keeps the scope and leaves the index choice to the narrower condition, on both backends.
    """
    return cast(ColumnElement[bool], school_column + 0 == school_id)
