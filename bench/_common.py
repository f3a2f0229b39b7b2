"""What the benchmark scripts share: the machine, PostgreSQL, callbacks, server processes, the doc.

Imported as `bench._common` by `bench/ingest.py`, `bench/truancy.py`, `bench/submit_latency.py`
and `bench._server` (each has the project root on sys.path).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import os
import platform
import re
import resource
import secrets
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Self
from xml.sax.saxutils import escape

import aiohttp
import asyncpg
from wechatpy.enterprise.crypto import WeChatCrypto
from yarl import URL

from bot.config import Config

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
PG_SERVER = "postgres@127.0.0.1:5432"
PG_ADMIN_DSN = f"postgresql://{PG_SERVER}/postgres"
CALLBACK_PATH = "/wecom/callback"
MACHINE_BEGIN = "<!-- machine:begin (updated by the bench scripts) -->"
MACHINE_END = "<!-- machine:end -->"
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
VERSIONED = ("aiohttp", "SQLAlchemy", "aiosqlite", "asyncpg")  # packages a machine line names
PG_SAMPLE_SECONDS = 0.1
APP_DIRS = ("bot", "handlers", "models", "reports", "scheduler", "services", "migrations",
            "config.example.toml")


# ---- the machine --------------------------------------------------------------------------


@dataclass(frozen=True)
class Machine:
    """The machine a benchmark ran on, as the doc's header and each section name it."""

    cpus: int
    model: str
    memory_gib: float
    kernel: str
    python: str
    date: str
    disk: str
    versions: str

    def describe(self) -> str:
        """`2 CPUs (model), 3.8 GiB RAM, Linux 6.1, Python 3.12.1`."""
        return (f"{self.cpus} CPUs ({self.model}), {self.memory_gib:.1f} GiB RAM, "
                f"Linux {self.kernel}, Python {self.python}")


def proc_value(path: str, key: str) -> str:
    """The value of `key: value` in a /proc file such as /proc/cpuinfo; `unknown` if absent."""
    for line in Path(path).read_text().splitlines():
        name, _, value = line.partition(":")
        if name.strip() == key:
            return value.strip()
    return "unknown"


def filesystem(path: Path) -> str:
    """`ext4 on /dev/vda`: the mount holding path (longest mount point that contains it)."""
    best = ("", "unknown", "unknown")
    resolved = str(path.resolve())
    for line in Path("/proc/self/mounts").read_text().splitlines():
        device, point, fstype, *_ = line.split()
        inside = resolved == point or resolved.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best[0]):
            best = (point, fstype, device)
    return f"{best[1]} on {best[2]}"


async def machine(workdir: Path, with_pg: bool,
                  packages: Sequence[str] = VERSIONED) -> Machine:
    """This machine, the disk holding `workdir`, and the versions of `packages` and the DBs."""
    versions = [f"{n} {metadata.version(n)}" for n in packages]
    versions.append(f"SQLite {sqlite3.sqlite_version}")
    if with_pg:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            versions.append(f"PostgreSQL {await conn.fetchval('SHOW server_version')}")
        finally:
            await conn.close()
    memory_kib = int(proc_value("/proc/meminfo", "MemTotal").split()[0])
    return Machine(
        cpus=len(os.sched_getaffinity(0)),
        model=proc_value("/proc/cpuinfo", "model name"),
        memory_gib=memory_kib / 1024 / 1024,
        kernel=platform.release(),
        python=platform.python_version(),
        date=datetime.now(UTC).date().isoformat(),
        disk=filesystem(workdir),
        versions=", ".join(versions),
    )


def machine_cpu_seconds() -> float:
    """CPU time spent by the whole machine so far (all CPUs; idle and iowait not counted)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def cpu_of(stat: str) -> float:
    """User plus system seconds from a /proc/<pid>/stat line."""
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu(database: str) -> dict[int, float]:
    """CPU seconds so far of PostgreSQL's own processes and of `database`'s backends, by pid."""
    # Backends of other databases (someone else's tests) are left out, and so is the CPU of
    # exited backends that the postmaster reaped (it cannot be told apart by database): both
    # count as the rest of the machine, so a disturbance is never hidden.
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if stat[stat.index("(") + 1:stat.rindex(")")] != "postgres":
                continue
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError):
            continue  # gone meanwhile, or not ours to read
        is_backend = re.search(r"\(\d+\)|\[local\]", title) is not None
        if not is_backend or f" {database} " in title:
            out[int(entry.name)] = cpu_of(stat)
    return out


class PostgresCpu:
    """Samples `postgres_cpu` while a phase runs, so a backend the pool closes still counts."""

    def __init__(self, database: str) -> None:
        self._database = database
        self._start = postgres_cpu(database)
        self._last = dict(self._start)
        self._task = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            await asyncio.sleep(PG_SAMPLE_SECONDS)
            self._last.update(postgres_cpu(self._database))

    async def stop(self) -> float:
        """CPU seconds used since the start."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._last.update(postgres_cpu(self._database))
        return sum(cpu - self._start.get(pid, 0.0) for pid, cpu in self._last.items())


def code_version() -> str:
    """The commit measured, and the app files changed on top of it (read-only git calls)."""

    def git(*args: str) -> str:
        """git's output, or empty if it failed."""
        try:
            done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                                  timeout=10, check=True)
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip("\n")

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--", *APP_DIRS).splitlines()
    if not changed:
        return f"commit {head}"
    return f"commit {head} with uncommitted changes to {', '.join(c[3:] for c in changed)}"


# ---- PostgreSQL ---------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def fresh_pg_database(prefix: str = "qingjia_bench_") -> AsyncIterator[str]:
    """A new empty database, its name random; dropped on the way out, whatever happened."""
    name = f"{prefix}{secrets.token_hex(6)}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield name
    finally:
        admin = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@contextlib.asynccontextmanager
async def fresh_database(backend: str, name: str) -> AsyncIterator[str]:
    """A SQLite file `<name>.db` in a temporary directory, or a new PostgreSQL database; gone
    afterwards, whatever happened."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"qingjia-{name}-") as tmp:
            yield f"sqlite+aiosqlite:///{tmp}/{name}.db"
        return
    async with fresh_pg_database() as database:
        yield f"postgresql+asyncpg://{PG_SERVER}/{database}"


def max_rss_kib() -> int:
    """This process's peak resident memory so far (KiB on Linux)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


# ---- callbacks and load -------------------------------------------------------------------


class Sealer:
    """Text callbacks as WeCom sends them: encrypted, signed, fresh MsgId and nonce, time now
    (`now`: the seconds since the epoch the service's clock reads, the real time unless told)."""

    def __init__(self, config: Config, now: Callable[[], float] = time.time) -> None:
        w = config.wecom
        self._now = now
        self._crypto = WeChatCrypto(w.token, w.encoding_aes_key, w.corp_id)
        self._corp_id = w.corp_id
        self._agent_id = w.agent_id
        self._msg_ids = itertools.count(time.time_ns() // 1000)  # 16 digits; MsgId fits in 19

    def seal(self, userid: str, content: str) -> tuple[str, bytes]:
        """The callback's path with its signed query, and its encrypted XML body."""
        _, target, body = self.seal_keyed(userid, content)
        return target, body

    def seal_keyed(self, userid: str, content: str) -> tuple[str, str, bytes]:
        """As `seal`, with the inbox dedupe key (`msg:<MsgId>`) the service will store first."""
        msg_id = next(self._msg_ids)
        now = str(int(self._now()))
        inner = (f"<xml><ToUserName><![CDATA[{self._corp_id}]]></ToUserName>"
                 f"<FromUserName><![CDATA[{userid}]]></FromUserName>"
                 f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                 f"<Content>{escape(content)}</Content><MsgId>{msg_id}</MsgId>"
                 f"<AgentID>{self._agent_id}</AgentID></xml>")
        nonce = secrets.token_hex(8)
        sealed = self._crypto.encrypt_message(inner, nonce, now)
        encrypt = between(sealed, "<Encrypt><![CDATA[", "]]></Encrypt>")
        signature = between(sealed, "<MsgSignature><![CDATA[", "]]></MsgSignature>")
        body = (f"<xml><ToUserName><![CDATA[{self._corp_id}]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypt}]]></Encrypt>"
                f"<AgentID><![CDATA[{self._agent_id}]]></AgentID></xml>")
        target = f"{CALLBACK_PATH}?msg_signature={signature}&timestamp={now}&nonce={nonce}"
        return f"msg:{msg_id}", target, body.encode()

    def text(self, base: str, userid: str, content: str) -> tuple[URL, bytes]:
        """The sealed callback's full URL on the server at `base`, and its body."""
        target, body = self.seal(userid, content)
        return URL(base + target, encoded=True), body


def between(text: str, start: str, end: str) -> str:
    """The text between the first `start` and the next `end` after it."""
    i = text.index(start) + len(start)
    return text[i:text.index(end, i)]


async def post(session: aiohttp.ClientSession, url: URL, body: bytes) -> int:
    """POST the body; the answer's status, or 0 when no HTTP answer came."""
    try:
        async with session.post(url, data=body) as resp:
            await resp.read()
            return resp.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of latencies in seconds, in milliseconds (NaN for none)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return 1000 * ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def fmt_ms(value: float) -> str:
    """`12.3 ms`, or `–` for NaN."""
    return "–" if math.isnan(value) else f"{value:.1f} ms"


# ---- server processes ---------------------------------------------------------------------


def listening_socket() -> socket.socket:
    """A socket bound to a free localhost port, so the port is known before the app starts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class ChildServer:
    """A server in its own process that prints `READY <port>`; stopped (SIGINT, then SIGKILL)."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind = kind
        label = f"{kind}-{secrets.token_hex(3)}"
        self.log_file = workdir / f"{label}-server.log"
        self.err_file = workdir / f"{label}-server.stderr"
        self._proc: asyncio.subprocess.Process | None = None
        self.port = 0

    def argv(self) -> list[str]:
        """The command line that starts the server, logging to `self.log_file`."""
        raise NotImplementedError

    def env(self) -> dict[str, str] | None:
        """The server's environment (None: this process's)."""
        return None

    async def __aenter__(self) -> Self:
        with self.err_file.open("wb") as err:
            self._proc = await asyncio.create_subprocess_exec(
                *self.argv(), cwd=ROOT, env=self.env(), stdout=asyncio.subprocess.PIPE,
                stderr=err)
        try:
            assert self._proc.stdout is not None
            line = await asyncio.wait_for(self._proc.stdout.readline(), READY_TIMEOUT_SECONDS)
            if not line.startswith(b"READY "):
                raise RuntimeError(f"{self.kind} server did not start:\n{self.stderr_tail()}")
            self.port = int(line.split()[1])
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    @property
    def base(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """User plus system CPU the server process (all its threads) has used so far."""
        assert self._proc is not None
        return cpu_of(Path(f"/proc/{self._proc.pid}/stat").read_text())

    async def stop(self) -> None:
        """SIGINT, then SIGKILL if it has not exited in time."""
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(proc.wait(), STOP_TIMEOUT_SECONDS)
        except TimeoutError:
            proc.kill()
            await proc.wait()

    def logged_errors(self) -> list[str]:
        """ERROR and CRITICAL lines and tracebacks the server logged so far."""
        out = []
        for path in (self.log_file, self.err_file):
            if path.exists():
                out += [line for line in path.read_text(errors="replace").splitlines()
                        if " ERROR " in line or " CRITICAL " in line
                        or line.startswith("Traceback")]
        return out

    def stderr_tail(self) -> str:
        """The last 20 lines the server wrote to stderr."""
        text = self.err_file.read_text(errors="replace") if self.err_file.exists() else ""
        return "\n".join(text.splitlines()[-20:])


# ---- docs/benchmarks.md -------------------------------------------------------------------


def replace_between(text: str, begin: str, end: str, replacement: str) -> str:
    """`text` with everything from `begin` through the next `end` replaced."""
    i = text.index(begin)
    j = text.index(end, i) + len(end)
    return text[:i] + replacement + text[j:]


def with_machine_header(text: str, host: Machine, *, same_machine_only: bool = False) -> str:
    """`text` with the machine header inserted, or rewritten (if it names `host`, when asked)."""
    describe = f"Machine: {host.describe()}; disk {host.disk}."
    header = f"{MACHINE_BEGIN}\n{describe} Last updated {host.date} (UTC).\n{MACHINE_END}"
    if MACHINE_BEGIN in text and MACHINE_END in text:
        i = text.index(MACHINE_BEGIN)
        j = text.index(MACHINE_END, i) + len(MACHINE_END)
        if not same_machine_only or describe in text[i:j]:
            text = text[:i] + header + text[j:]
        return text
    first, _, rest = text.partition("\n")
    return f"{first}\n\n{header}\n{rest}" if first.startswith("# ") else f"{header}\n\n{text}"


def update_doc(path: Path, heading: str, begin: str, end: str, generated: str,
               host: Machine | None = None, *, same_machine_only: bool = False) -> None:
    """Rewrite one section's generated part (and the machine header, given host); keep the rest."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if host is not None:
        text = with_machine_header(text, host, same_machine_only=same_machine_only)
    body = f"{begin}\n{generated}\n{end}"
    found = re.search(rf"^{re.escape(heading)}[ \t]*$", text, re.MULTILINE)
    if found is None:
        text = text.rstrip("\n") + f"\n\n{heading}\n\n{body}\n"
    else:
        nxt = re.search(r"^## ", text[found.end():], re.MULTILINE)
        stop = found.end() + nxt.start() if nxt else len(text)
        section = text[found.end():stop]
        if begin in section and end in section:
            section = replace_between(section, begin, end, body)
        else:
            section = f"\n\n{body}\n\n"
        text = text[:found.end()] + section + text[stop:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
