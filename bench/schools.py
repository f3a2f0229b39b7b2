"""What a process costs per school: one deployment of N schools started and left idle.

For each N (a fresh child process each, so its memory is its own): a deployment on a new SQLite
file (or a PostgreSQL database) with N school files, started as `qingjia serve` builds it (the app
with every school's workers), on a fixed clock at 06:00 on a school day (nothing is due yet, and
APScheduler stays off, as under every caller's clock). Then it idles for `--idle` seconds.
Printed per N: start-up time, resident memory after the idle window, memory per school above a
one-school process, and the SQL statements the idle process ran per second (the loops' polls).

    .venv/bin/python bench/schools.py                    # 1, 10, 50 and 100 schools on SQLite
    .venv/bin/python bench/schools.py --backend postgres --sizes 1 100
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # project root

import argparse
import asyncio
import json
import re
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench._common import ROOT, listening_socket, machine
from bot.app import create_app
from bot.deployment import load_deployment
from models.migrate import upgrade_async

START = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)  # Tuesday 2026-12-01, 06:00 in Beijing


def write(folder: Path, db_url: str, n: int) -> Path:
    main = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    main = re.sub(r'^url = "sqlite[^"]*"$', f'url = "{db_url}"', main, count=1,
                  flags=re.MULTILINE)
    main += '\n[deployment]\nschools_dir = "schools"\n'
    (folder / "schools").mkdir()
    path = folder / "qingjia.toml"
    path.write_text(main, encoding="utf-8")
    for i in range(n):
        code = f"s{i:03d}"
        (folder / "schools" / f"{code}.toml").write_text(
            f'[school]\nname = "第{i + 1}中学"\n\n[wecom]\ncorp_id = "ww{code}corp"\n'
            f'agent_id = 1000002\nsecret = "secret-{code}"\ntoken = "token{code}"\n'
            f'encoding_aes_key = "{(code * 43)[:43]}"\napi_base = "http://127.0.0.1:9"\n',
            encoding="utf-8")
    return path


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return kib / 1024


async def one(n: int, db_url: str, idle: float, settle: float) -> dict[str, float]:
    """In this (child) process: start N schools, idle, measure."""
    with tempfile.TemporaryDirectory() as tmp:
        deployment = load_deployment(write(Path(tmp), db_url, n))
        await upgrade_async(db_url)
        statements = [0]

        def count(*_args: object) -> None:
            statements[0] += 1

        event.listen(Engine, "before_cursor_execute", count)
        before = rss_mib()
        started = time.perf_counter()
        runner = web.AppRunner(create_app(deployment, clock=lambda: START))
        await runner.setup()
        site = web.SockSite(runner, listening_socket())
        await site.start()
        up = time.perf_counter() - started
        await asyncio.sleep(settle)  # the start-up catch-up (periodic jobs of every school) ends
        statements[0] = 0
        await asyncio.sleep(idle)
        idle_rate = statements[0] / idle
        after = rss_mib()
        await runner.cleanup()
    return {"schools": n, "start_s": up, "rss_mib": after, "grown_mib": after - before,
            "idle_statements_per_s": idle_rate}


def in_child(n: int, backend: str, idle: float, settle: float) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", str(n), "--backend", backend,
                          "--idle", str(idle), "--settle", str(settle)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def database_url(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp}/schools.db"
    return "postgresql+asyncpg://postgres@127.0.0.1:5432/qingjia_schools_bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 50, 100])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--idle", type=float, default=20.0)
    parser.add_argument("--settle", type=float, default=15.0,
                        help="seconds for the start-up catch-up of every school's periodic jobs "
                             "before the idle window (PostgreSQL with 100 schools: about 60)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        with tempfile.TemporaryDirectory() as tmp:
            if args.backend == "postgres":
                _recreate_postgres()
            print(json.dumps(asyncio.run(one(args.child, database_url(args.backend, Path(tmp)),
                                             args.idle, args.settle))))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        host = asyncio.run(machine(Path(tmp), args.backend == "postgres"))
    print(f"{host.describe()}, {host.date}, {args.backend}; 1-minute load average before: "
          f"{os.getloadavg()[0]:.1f}")
    rows = [in_child(n, args.backend, args.idle, args.settle) for n in args.sizes]
    base = rows[0]
    print(f"| schools | start-up | RSS after {args.idle:.0f} s idle | above {base['schools']} "
          "school(s), per school | idle SQL statements/s |")
    print("|---|---|---|---|---|")
    for r in rows:
        extra = r["rss_mib"] - base["rss_mib"]
        per = extra / (r["schools"] - base["schools"]) if r["schools"] > base["schools"] else 0
        print(f"| {r['schools']} | {r['start_s']:.2f} s | {r['rss_mib']:.0f} MiB | "
              f"{per:.2f} MiB | {r['idle_statements_per_s']:.1f} |")
    return 0


def _recreate_postgres() -> None:
    import asyncpg

    async def run() -> None:
        admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test")
        try:
            await admin.execute('DROP DATABASE IF EXISTS "qingjia_schools_bench" WITH (FORCE)')
            await admin.execute('CREATE DATABASE "qingjia_schools_bench"')
        finally:
            await admin.close()

    asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
