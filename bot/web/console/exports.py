"""Running an export for the console away from the event loop, and sending the file.

A district's attendance workbook is tens of seconds of CPU (openpyxl); run on the service's
event loop it would stall every callback and page for that long. So each export runs in a
worker thread with an event loop and a database engine of its own (an engine's connections
belong to the loop that opened them), writing to a temporary file; the page then streams that
file in chunks and deletes it. Python's interpreter lock is handed back and forth every few
milliseconds, so the service keeps answering while an export runs, if more slowly.
The same export functions as the CLI's are called (reports/), and they write the audit entry.
At most EXPORT_WORKERS exports run at once; more wait their turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from aiohttp import web

from bot import keys
from bot.config import Config
from bot.web.gate import harden
from bot.web.paths import within
from models.db import Database

EXPORT_WORKERS = 2
CHUNK = 256 * 1024
EXECUTOR = web.AppKey("console_exports", ThreadPoolExecutor)

Export = Callable[[Database, IO[bytes]], Awaitable[Any]]


def setup_exports(app: web.Application) -> None:
    app.cleanup_ctx.append(_executor)


async def _executor(app: web.Application) -> AsyncIterator[None]:
    pool = ThreadPoolExecutor(EXPORT_WORKERS, thread_name_prefix="console-export")
    app[EXECUTOR] = pool
    yield
    pool.shutdown(wait=True, cancel_futures=True)


async def run_export(app: web.Application, work: Export) -> Path:
    """Run `work` in a worker thread into a temporary file; the file's path (the caller sends
    and deletes it). Whatever `work` raises is raised here, and no file is left behind."""
    handle, name = tempfile.mkstemp(prefix="qingjia-export-")
    os.close(handle)
    path = Path(name)
    try:
        await asyncio.get_running_loop().run_in_executor(
            app[EXECUTOR], _in_thread, app[keys.CONFIG], work, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _in_thread(config: Config, work: Export, path: Path) -> None:
    async def run() -> None:
        db = Database(config.database.url, busy_timeout_ms=config.database.busy_timeout_ms)
        try:
            with path.open("wb") as out:
                await work(db, out)
        finally:
            await db.dispose()

    asyncio.run(run())


async def send_file(request: web.Request, path: Path, filename: str, fallback: str,
                    content_type: str) -> web.StreamResponse:
    """Stream the file as a download named `filename` (`fallback`: its ASCII name), then
    delete it."""
    try:
        response = web.StreamResponse(headers={
            "Content-Type": content_type,
            "Content-Disposition": (f'attachment; filename="{fallback}"; '
                                    f"filename*=UTF-8''{quote(filename)}")})
        harden(response.headers, within(request))
        response.content_length = path.stat().st_size
        await response.prepare(request)
        loop = asyncio.get_running_loop()
        with path.open("rb") as f:
            while chunk := await loop.run_in_executor(None, f.read, CHUNK):
                await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
