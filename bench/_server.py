"""The server processes `bench/ingest.py` measures, each in its own process and event loop.

`app`: the real service (`create_app`, its workers and scheduler running) on a migrated database
with the demo roster, and a WeCom stand-in on a second localhost port as its API host.
`--no-workers` leaves the workers (and the scheduler) out, to see what ingest costs on its own.
`bare`: a plain aiohttp app whose POST handler reads the body and answers 200.
`worker`: `qingjia worker` (no HTTP) on a database an `app --no-workers` process prepared, with
its own stand-in; it prints `READY 0` once its workers run.

Both log like `qingjia serve` (INFO, access log on), to a file instead of a terminal. Once
listening, the process prints `READY <port>` on stdout; SIGINT stops it.

Run by `bench/ingest.py` as `python -m bench._server ...` from the project root.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from aiohttp import web

from bench._common import CALLBACK_PATH, listening_socket
from bot.app import create_app
from bot.config import Config
from bot.deployment import single_school
from bot.simulator.standin import WeComStandIn
from bot.workers import run_worker
from models.clock import utc_now
from tests.harness import make_config, prepare_database


def bare_app() -> web.Application:
    """The baseline: read the body, answer 200."""

    async def accept(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="success")

    app = web.Application()
    app.router.add_post(CALLBACK_PATH, accept)
    return app


def _with_standin(db_url: str) -> tuple[Config, Callable[[], AbstractAsyncContextManager[None]]]:
    """The service's config, its WeCom API host a stand-in on localhost that `serve` runs."""
    api_sock = listening_socket()
    config = make_config(db_url, api_base=f"http://127.0.0.1:{api_sock.getsockname()[1]}")
    standin = WeComStandIn(config.wecom.corp_id, config.wecom.secret)

    @asynccontextmanager
    async def serve() -> AsyncIterator[None]:
        runner = web.AppRunner(standin.app(), access_log=None)
        await runner.setup()
        await web.SockSite(runner, api_sock).start()
        try:
            yield
        finally:
            await runner.cleanup()

    return config, serve


def real_app(db_url: str, *, run_workers: bool = True) -> web.Application:
    """The service as `qingjia serve` builds it."""
    config, standin = _with_standin(db_url)

    async def serve_standin(_app: web.Application) -> AsyncIterator[None]:
        async with standin():
            yield

    app = create_app(config, run_workers=run_workers)
    app.cleanup_ctx.insert(0, serve_standin)  # up before the outbox worker starts sending
    return app


async def worker(db_url: str) -> None:
    """`qingjia worker` with its own stand-in, until SIGINT."""
    config, standin = _with_standin(db_url)
    ready = asyncio.Event()
    async with standin():
        running = asyncio.create_task(run_worker(single_school(config), utc_now, ready=ready))
        await ready.wait()
        print("READY 0", flush=True)
        await running


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=("app", "bare", "worker"))
    parser.add_argument("--db-url", help="the database for `app` (migrated and loaded here)")
    parser.add_argument("--log-file", required=True)
    parser.add_argument("--no-workers", action="store_true",
                        help="`app` without its inbox and outbox workers (a diagnostic)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, filename=args.log_file,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if args.kind == "worker":
        if not args.db_url:
            parser.error("worker needs --db-url")
        asyncio.run(worker(args.db_url))
        return
    if args.kind == "app":
        if not args.db_url:
            parser.error("app needs --db-url")
        asyncio.run(prepare_database(args.db_url))
        app = real_app(args.db_url, run_workers=not args.no_workers)
    else:
        app = bare_app()
    sock = listening_socket()
    port = sock.getsockname()[1]
    web.run_app(app, sock=sock, print=lambda _: print(f"READY {port}", flush=True))


if __name__ == "__main__":
    main()
