"""Engine and units of work: SQLite (WAL, serialised writes) or PostgreSQL, the same code."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 30_000
# PostgreSQL channels that wake workers in other processes when rows for them are committed.
INBOX_CHANNEL = "qingjia_inbox"
OUTBOX_CHANNEL = "qingjia_outbox"
LISTEN_RETRY_SECONDS = 1.0
log = logging.getLogger("qingjia.db")
# aiosqlite's debug lines quote every statement's values (names, reasons, codes): never shown.
logging.getLogger("aiosqlite").setLevel(logging.INFO)


# PostgreSQL: the most connections one process opens ([database] max_connections).
MAX_CONNECTIONS = 40


class Database:
    """One engine per process; `unit_of_work()` is one transaction, committed once."""

    def __init__(self, url: str, *, echo: bool = False,
                 busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
                 max_connections: int = MAX_CONNECTIONS) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # hide_parameters: an error's text never carries a statement's values (names, reasons)
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if not self.is_sqlite:
            # at most max_connections open (half kept while idle); more wait for one
            kept = max(1, max_connections // 2)
            kwargs.update(pool_pre_ping=True, pool_size=kept,
                          max_overflow=max_connections - kept, pool_timeout=10)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self.read_engine = self.engine
        if self.is_sqlite:
            _configure_sqlite(self.engine, begin="BEGIN IMMEDIATE", busy_ms=busy_timeout_ms)
            self.read_engine = create_async_engine(url, **kwargs)
            _configure_sqlite(self.read_engine, begin="BEGIN", busy_ms=busy_timeout_ms)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)
        # SQLite has one writer at a time: queue writers here rather than in the driver.
        self._write_lock = asyncio.Lock()

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: commit on success, roll back on any error."""
        if self.is_sqlite:
            async with self._write_lock, self._session() as session:
                yield session
        else:
            async with self._session() as session:
                yield session

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only session that does not queue behind writers (WAL readers never block)."""
        async with self._read_sessions() as session:
            yield session

    async def ping(self) -> None:
        """Raise if the database does not answer."""
        async with self.read_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def lock_user(self, session: AsyncSession, school_id: int, userid: str) -> None:
        """One person's lock: their messages and page actions at one school, one at a time (the
        same userid at another school, another corp's person, is not held up)."""
        if self.is_sqlite:  # serial anyway
            return
        key = f"user:{school_id}:{userid}"  # held until the transaction ends
        number = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big",
                                signed=True)
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": number})

    async def listen(self, wakers: dict[str, Callable[[str], None]]) -> None:
        """PostgreSQL: call each channel's waker with the notice's payload (the school's id)
        when a transaction that notified it commits, until cancelled; a lost connection is
        opened again. Every waker is called with "" (every school) on (re)connect, for what was
        committed while nobody listened. SQLite: returns at once (one process)."""
        if self.is_sqlite:
            return
        while True:
            try:
                await self._listen_once(wakers)
            except Exception as exc:  # best effort: polling still finds the rows
                log.warning("listen: %s; again in %.0f s", type(exc).__name__,
                            LISTEN_RETRY_SECONDS)
            await asyncio.sleep(LISTEN_RETRY_SECONDS)

    async def _listen_once(self, wakers: dict[str, Callable[[str], None]]) -> None:
        async with self.engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            lost = asyncio.Event()
            # asyncpg calls a listener with (connection, pid, channel, payload)
            callbacks = {channel: (lambda *args, wake=wake: wake(args[3]))
                         for channel, wake in wakers.items()}
            for channel, callback in callbacks.items():
                await driver.add_listener(channel, callback)
            driver.add_termination_listener(lambda *_args: lost.set())
            try:
                for wake in wakers.values():
                    wake("")
                await lost.wait()
            finally:
                if not driver.is_closed():
                    for channel, callback in callbacks.items():
                        with suppress(Exception):
                            await driver.remove_listener(channel, callback)

    async def compact(self) -> None:
        """SQLite: copy the write-ahead log into the file and empty it, so text that was masked
        or deleted is in neither (with secure_delete on). PostgreSQL: nothing to do here."""
        if not self.is_sqlite:
            return
        async with self.engine.connect() as conn:  # no BEGIN: a checkpoint runs outside one
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


def _configure_sqlite(engine: AsyncEngine, *, begin: str, busy_ms: int) -> None:
    """WAL, a busy timeout, foreign keys; writers BEGIN IMMEDIATE so they queue, not fail."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")  # a 200 means the row is on disk
        cursor.execute("PRAGMA secure_delete=ON")  # masked or purged text leaves no trace
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)


async def notify(session: AsyncSession, channel: str, school_id: int) -> None:
    """PostgreSQL: wake `channel`'s listeners for the school when this transaction commits
    (nothing on SQLite, where every worker shares the writer's process)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_notify(:channel, :school)"),
                              {"channel": channel, "school": str(school_id)})
