"""The service in child processes (`qingjia serve`, `qingjia worker`) against a stand-in WeCom API
on localhost: for tests that kill, split or restart it."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.config import Config, load_config
from bot.simulator.standin import WeComStandIn
from tests.harness import OWN_WECOM, ROOT, with_own_wecom

START_SECONDS = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(path: Path, *, db_url: str, port: int, api_base: str) -> Config:
    """The example config with our port, database and stand-in; short leases so a crash's
    claimed rows come back within the test's wait."""
    text = with_own_wecom((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    for key, value in {
        "port": str(port),
        "public_url": json.dumps(f"http://127.0.0.1:{port}"),
        "api_base": json.dumps(api_base),
        "url": json.dumps(db_url),
        "request_timeout_seconds": "2.0",
        "lease_seconds": "5",
        "per_member_per_minute": "30",
    }.items():
        text, n = re.subn(rf"^{key} = .*$", f"{key} = {value}".replace("\\", "\\\\"), text,
                          count=1, flags=re.MULTILINE)
        assert n == 1, key
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def standin_base() -> Config:
    """What the stand-in needs first: the example's corp id with our own secret."""
    example = load_config(ROOT / "config.example.toml")
    return dataclasses.replace(example, wecom=dataclasses.replace(
        example.wecom, secret=OWN_WECOM["secret"]))


@contextlib.asynccontextmanager
async def standin_api(config: Config) -> AsyncIterator[tuple[WeComStandIn, str]]:
    standin = WeComStandIn(config.wecom.corp_id, config.wecom.secret)
    async with TestServer(standin.app(), host="127.0.0.1") as api:
        yield standin, str(api.make_url("")).rstrip("/")


class ServiceProcess:
    """`qingjia <command>` (bot.cli) in a child process. With a port it is up once /healthz
    answers; without, once its log shows `ready` (a worker has no HTTP)."""

    def __init__(self, config_path: Path, log_path: Path, *, port: int | None = None,
                 args: tuple[str, ...] = ("serve",), ready: str = "") -> None:
        self.config_path = config_path
        self.log_path = log_path
        self.port = port
        self.args = args
        self.ready = ready
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def start(self) -> None:
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n==== start {self.starts} ====\n".encode())
            log.flush()
            offset = log.tell()
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", *self.args, "--config", str(self.config_path),
                cwd=ROOT, stdout=log, stderr=log)
        deadline = time.monotonic() + START_SECONDS
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc.returncode is not None:
                    break
                if await self._up(http, offset):
                    return
                await asyncio.sleep(0.05)
        tail = self.log()[-3000:]
        raise AssertionError(f"{' '.join(self.args)} did not come up "
                             f"(exit {self.proc.returncode}):\n{tail}")

    async def _up(self, http: aiohttp.ClientSession, offset: int) -> bool:
        if self.port is None:
            return self.ready in self.log_path.read_bytes()[offset:].decode(errors="replace")
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with http.get(f"{self.url}/healthz",
                                timeout=aiohttp.ClientTimeout(total=1)) as resp:
                return resp.status == 200
        return False

    async def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, no goodbye."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self, sig: signal.Signals = signal.SIGINT) -> int | None:
        """Ask it to stop (SIGKILL after 10 s); its exit code."""
        if self.proc is None or self.proc.returncode is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(sig)
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            await self.kill()
        return self.proc.returncode


def signed_text(config: Config, user: str, content: str, msg_id: int) -> tuple[dict[str, str],
                                                                                bytes]:
    """A text callback from `user`, signed and encrypted as WeCom does (now, by the wall clock:
    the child process checks the timestamp against its own)."""
    crypto = WeChatCrypto(config.wecom.token, config.wecom.encoding_aes_key,
                          config.wecom.corp_id)
    now = int(time.time())
    inner = (f"<xml><ToUserName><![CDATA[{config.wecom.corp_id}]]></ToUserName>"
             f"<FromUserName><![CDATA[{user}]]></FromUserName>"
             f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
             f"<Content><![CDATA[{content}]]></Content>"
             f"<MsgId>{msg_id}</MsgId><AgentID>{config.wecom.agent_id}</AgentID></xml>")
    nonce = f"n{msg_id}"
    envelope = crypto.encrypt_message(inner, nonce, str(now))
    signature = re.search(r"<MsgSignature><!\[CDATA\[(\w+)\]\]>", envelope)
    assert signature
    return ({"msg_signature": signature.group(1), "timestamp": str(now), "nonce": nonce},
            envelope.encode())
