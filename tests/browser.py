"""A real browser against the real app: the demo app (service, stand-in, console) served from its
own thread on a free localhost port, and Debian's headless Chromium driven by Selenium.

Used by tests/test_browser.py and tools/screens.py; `LiveSchools` serves a deployment of several
schools the same way (tests/test_pages_prefix_browser.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import shutil
import socket
import tempfile
import threading
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, TypeVar

from aiohttp.test_utils import TestClient, TestServer

from bot import keys
from bot.config import StorageConfig
from bot.simulator.console import STATE
from bot.simulator.demo import demo_app
from tests.harness import FakeClock, Harness, make_config
from tests.schools import SchoolSpec, running_schools

PHONE, DESKTOP = (390, 844), (1366, 900)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
T = TypeVar("T")


def missing() -> str | None:
    """Why a browser cannot be driven here, or None when it can."""
    if shutil.which("chromium") is None:
        return "chromium is not installed (apt-get install chromium)"
    if shutil.which("chromedriver") is None:
        return "chromedriver is not installed (apt-get install chromium-driver)"
    if importlib.util.find_spec("selenium") is None:
        return "the selenium package is not installed (pip install -e '.[dev]')"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveSite:
    """The demo app on http://127.0.0.1:<port>, run by a thread with its own event loop.

    `harness` drives it as WeCom would (encrypted callbacks, the workers drained by hand);
    `run(coro)` runs a coroutine on the site's loop and returns its result.
    """

    def __init__(self, db_url: str, clock: FakeClock) -> None:
        self.clock = clock
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        base = make_config(db_url)
        uploads = Path(db_url.split(":///", 1)[1]).parent / "uploads"  # next to the database
        self._config = dataclasses.replace(base, server=dataclasses.replace(
            base.server, port=self.port, public_url=self.url), storage=StorageConfig(uploads))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._client: TestClient[Any, Any] | None = None
        self.harness: Harness

    def __enter__(self) -> LiveSite:
        self._thread.start()
        self.harness = self.run(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self.run(self._client.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _start(self) -> Harness:
        app, _ = demo_app(self._config, clock=self.clock, run_workers=False)
        self._client = TestClient(TestServer(app, host="127.0.0.1", port=self.port))
        await self._client.start_server()
        return Harness(self._client, app[STATE].standin, app[keys.CONFIG], self.clock)

    def say(self, userid: str, text: str) -> str:
        """A chat message typed in the console (so it shows there too) and sealed through the
        real callback; the last text the sender got back."""
        return self.run(self._say(userid, text))

    async def _say(self, userid: str, text: str) -> str:
        resp = await self.harness.client.post("/sim/say", json={"userid": userid,
                                                                "content": text})
        assert resp.status == 200, await resp.text()
        await self.harness.drain()
        return self.harness.last_text(userid)


class LiveSchools:
    """A deployment of several schools (tests/schools.py) on http://127.0.0.1:<port>, run by a
    thread with its own event loop: `schools` a Harness per code, `url(code, path)` a page."""

    def __init__(self, db_url: str, clock: FakeClock, folder: Path,
                 schools: list[SchoolSpec]) -> None:
        self.port = free_port()
        self._args = (db_url, clock, folder, schools)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._stack = AsyncExitStack()
        self.schools: dict[str, Harness] = {}

    def __enter__(self) -> LiveSchools:
        self._thread.start()
        self.schools = self.run(self._stack.enter_async_context(
            running_schools(*self._args, port=self.port)))
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.run(self._stack.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def url(self, code: str, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/s/{code}{path}"


def chromium(width: int, height: int) -> Any:
    """Headless Chromium with a fresh profile, its viewport set to width × height."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    profile = tempfile.mkdtemp(prefix="qingjia-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options,
                              service=Service(executable_path=shutil.which("chromedriver")))
    driver.profile_dir = Path(profile)  # type: ignore[attr-defined]
    driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Shanghai"})
    set_viewport(driver, width, height)
    return driver


def set_viewport(driver: Any, width: int, height: int) -> None:
    """A phone (mobile viewport rules) below 720 px, a desktop window above."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 720})


def quit_chromium(driver: Any) -> None:
    profile = getattr(driver, "profile_dir", None)
    driver.quit()
    if profile is not None:
        shutil.rmtree(profile, ignore_errors=True)


def fresh_start(driver: Any) -> None:
    """Forget every cookie and close every tab but one (between tests sharing a browser)."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    for handle in driver.window_handles[1:]:
        driver.switch_to.window(handle)
        driver.close()
    driver.switch_to.window(driver.window_handles[0])


def no_sideways_scroll(driver: Any) -> bool:
    return bool(driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"))
