"""Screenshots of the pages at 390 px (a phone) and 1366 px (a laptop) for docs/screens/.

    .venv/bin/python tools/screens.py [--out docs/screens]

Serves the demo school (a fixed clock: Thursday 26 November 2026, 08:00) with the stand-in
WeCom, asks and approves a leave in chat, then opens each page in headless Chromium as the
people who would see it.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import (  # noqa: E402
    DESKTOP,
    PHONE,
    LiveSite,
    chromium,
    fresh_start,
    missing,
    quit_chromium,
    set_viewport,
)
from tests.conftest import local  # noqa: E402
from tests.harness import FakeClock, prepare_database  # noqa: E402

LINK = re.compile(r"查看放行码：(\S+)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screens")
    args = parser.parse_args()
    if (reason := missing()) is not None:
        print(f"cannot take screenshots: {reason}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/qingjia.db"
        asyncio.run(prepare_database(url))
        with LiveSite(url, FakeClock(local(2026, 11, 26, 8, 0))) as site:
            link = _approved_pass(site)
            driver = chromium(*PHONE)
            try:
                for width, height in (PHONE, DESKTOP):
                    set_viewport(driver, width, height)
                    _shoot_all(driver, site, link, args.out, width)
            finally:
                quit_chromium(driver)
    for path in sorted(args.out.glob("*.png")):
        print(path.relative_to(ROOT))
    return 0


def _approved_pass(site: LiveSite) -> str:
    site.say("parent_liu", "请假 刘洋 今天 病假 头疼")
    site.clock.advance(minutes=1)  # the console orders what was said by time
    number = re.search(r"单号(\d+)", site.say("parent_liu", "确认"))
    assert number, "the leave was not submitted"
    site.clock.advance(minutes=14)
    site.say("teacher_li", f"批准 {number.group(1)}")
    found = LINK.search(site.harness.last_text("parent_liu"))
    assert found, "no pass link in the approval message"
    return found.group(1)


def _shoot_all(driver: Any, site: LiveSite, link: str, out: Path, width: int) -> None:
    def shot(name: str) -> None:
        driver.save_screenshot(str(out / f"{name}-{width}.png"))

    fresh_start(driver)
    driver.get(link)
    _until(driver, lambda: "企业微信登录" in driver.title)
    shot("signin")
    _choose(driver, "刘强")
    _until(driver, lambda: driver.find_elements("css selector", ".badge"))
    shot("pass")
    for path, name, page in ((link, "张伟", "refused"), ("/h5/", "张伟", "home"),
                             ("/admin/", "赵国强", "admin")):
        fresh_start(driver)
        driver.get(path if path.startswith("http") else site.url + path)
        _choose(driver, name)
        _until(driver, lambda: driver.find_elements("css selector", ".card"))
        shot(page)
    fresh_start(driver)
    driver.get(site.url + "/")
    _until(driver, lambda: driver.find_elements("css selector", ".person"))
    if width < 720:
        shot("console-picker")
    driver.find_element("css selector", ".person[data-userid='parent_liu']").click()
    _until(driver, lambda: driver.find_elements("css selector", ".bubble a"))
    shot("console")


def _choose(driver: Any, name: str) -> None:
    _until(driver, lambda: "企业微信登录" in driver.title)
    driver.find_element("xpath", f"//button[b[text()='{name}']]").click()


def _until(driver: Any, condition: Any) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(lambda _: condition())


if __name__ == "__main__":
    sys.exit(main())
