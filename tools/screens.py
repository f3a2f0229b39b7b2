"""Screenshots of the pages at 390 px (a phone) and 1366 px (a laptop) for docs/screens/.

    .venv/bin/python tools/screens.py [--out docs/screens]

Serves the demo school with three weeks of November lived through the chat
(tests/console_scenario.py; the clock stops on Thursday 26 November 2026, 08:30) and the
stand-in WeCom, asks and approves one more leave in chat, then opens each page in headless
Chromium as the people who would see it. The console's pages are shot whole (top to bottom).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
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
from tests.console_scenario import TODAY, build_november  # noqa: E402
from tests.harness import FakeClock  # noqa: E402

LINK = re.compile(r"查看放行码：(\S+)")
CODE = re.compile(r"放行码：([0-9A-Z]{4}-[0-9A-Z]{4})")
# (file name, path, who signs in): the console as 政教处 (赵国强), 班主任 (李静), 管理员 (周敏).
CONSOLE = (
    ("admin-today", "/admin/", "赵国强"),
    ("admin-list", "/admin/today/absent", "赵国强"),
    ("admin-term", "/admin/term?from=2026-11-02", "赵国强"),
    ("admin-student", "/admin/students/2", "赵国强"),
    ("admin-audit", "/admin/audit", "赵国强"),
    ("admin-downloads", "/admin/downloads", "赵国强"),
    ("admin-teacher", "/admin/", "李静"),
    ("admin-roster", "/admin/manage", "周敏"),
    ("admin-calendar", "/admin/manage/calendar", "周敏"),
    ("admin-config", "/admin/manage/config", "周敏"),
)


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
        asyncio.run(build_november(url))
        with LiveSite(url, FakeClock(TODAY)) as site:
            link, code = _approved_pass(site)
            notice = _notice(site)
            driver = chromium(*PHONE)
            try:
                for width, height in (PHONE, DESKTOP):
                    set_viewport(driver, width, height)
                    _shoot_all(driver, site, (link, code), args.out, width)
                    _shoot_notice(driver, site, notice, args.out, width)
            finally:
                quit_chromium(driver)
    for path in sorted(args.out.glob("*.png")):
        print(path.relative_to(ROOT))
    return 0


def _approved_pass(site: LiveSite) -> tuple[str, str]:
    """吴俊杰's leave asked by 吴秀英 and approved by 王海燕 in chat: its link and code."""
    site.say("parent_wu", "请假 吴俊杰 今天 病假 头疼")
    site.clock.advance(minutes=1)  # the console orders what was said by time
    number = re.search(r"单号(\d+)", site.say("parent_wu", "确认"))
    assert number, "the leave was not submitted"
    site.clock.advance(minutes=14)
    site.say("teacher_wang", f"批准 {number.group(1)}")
    text = site.harness.last_text("parent_wu")
    found, code = LINK.search(text), CODE.search(text)
    assert found and code, "no pass link or code in the approval message"
    return found.group(1), code.group(1)


NOTICE = ("下周一（12月7日）起执行冬季作息时间：早上7:50到校，下午4:50放学。"
          "请家长提醒孩子注意保暖，骑车上学的同学注意路面结冰。\n如有特殊情况请联系班主任。")


def _notice(site: LiveSite) -> str:
    """王海燕's 本班 notice to 初一(2)班: the page of it (吴秀英 is one of its guardians)."""
    site.say("teacher_wang", f"通知 本班 {NOTICE}")
    done = re.search(r"已发送通知(\d+)", site.say("teacher_wang", "确认"))
    assert done, "the notice was not sent"
    return f"{site.url}/h5/notices/{done.group(1)}"


def _shoot_notice(driver: Any, site: LiveSite, page: str, out: Path, width: int) -> None:
    """A notice's page as a guardian opens it from the message: the text and its 收到."""
    fresh_start(driver)
    driver.get(page)
    _choose(driver, "吴秀英")
    _until(driver, lambda: driver.find_elements("css selector", ".school-notice"))
    _whole_page(driver, out / f"notice-{width}.png")


def _shoot_all(driver: Any, site: LiveSite, approved: tuple[str, str], out: Path,
               width: int) -> None:
    def shot(name: str) -> None:
        driver.save_screenshot(str(out / f"{name}-{width}.png"))

    link, code = approved
    fresh_start(driver)
    driver.get(link)
    _until(driver, lambda: "企业微信登录" in driver.title)
    shot("signin")
    _choose(driver, "吴秀英")
    _until(driver, lambda: driver.find_elements("css selector", ".badge"))
    shot("pass")
    for path, name, page in ((link, "张伟", "refused"), ("/h5/", "张伟", "home")):
        fresh_start(driver)
        driver.get(path if path.startswith("http") else site.url + path)
        _choose(driver, name)
        _until(driver, lambda: driver.find_elements("css selector", ".card"))
        shot(page)
    for page, path, name in CONSOLE:
        fresh_start(driver)
        driver.get(site.url + path)
        _choose(driver, name)
        _until(driver, lambda: driver.find_elements("css selector", ".menu"))
        _whole_page(driver, out / f"{page}-{width}.png")
    _shoot_phone_pages(driver, site, code, out, width)
    fresh_start(driver)
    driver.get(site.url + "/")
    _until(driver, lambda: driver.find_elements("css selector", ".person"))
    if width < 720:
        shot("console-picker")
    driver.find_element("css selector", ".person[data-userid='parent_wu']").click()
    _until(driver, lambda: driver.find_elements("css selector", ".bubble a"))
    shot("console")
    _shoot_family_phone(driver, out, width)


def _shoot_family_phone(driver: Any, out: Path, width: int) -> None:
    """The console as 吴建军 (a 家校 parent) sees his phone: the 学校通知 thread in WeChat (the
    放行码 of 吴俊杰's leave, 王海燕's notice), then the 放行码 page opened from it."""
    if width < 720:
        driver.find_element("id", "pick").click()
    driver.find_element("css selector", ".person[data-userid='parent_wujj']").click()
    _until(driver, lambda: len(driver.find_elements("css selector", "a.news")) >= 2)
    driver.save_screenshot(str(out / f"console-family-{width}.png"))
    driver.find_element("css selector", "a.news[href*='%2Fh5%2Fpass%2F']").click()
    driver.switch_to.frame(driver.find_element("id", "page"))
    _until(driver, lambda: driver.find_elements("css selector", ".badge"))
    driver.switch_to.default_content()
    driver.save_screenshot(str(out / f"console-family-page-{width}.png"))


def _shoot_phone_pages(driver: Any, site: LiveSite, code: str, out: Path, width: int) -> None:
    """The parent's form and echo and leaves, the guard's verdict, the 班主任's class today."""
    fresh_start(driver)
    driver.get(site.url + "/h5/leave/new")
    _choose(driver, "吴秀英")
    _until(driver, lambda: driver.find_elements("id", "dates"))
    driver.find_element("id", "dates").send_keys("12月10日到11日")
    driver.find_element("css selector", "input[name=kind][value='事假']").click()
    driver.find_element("id", "reason").send_keys("回老家参加婚礼")
    _whole_page(driver, out / f"leave-new-{width}.png")
    driver.find_element("css selector", "form.form button[type=submit]").click()
    _until(driver, lambda: "请核对" in driver.title)
    _whole_page(driver, out / f"leave-echo-{width}.png")
    driver.get(site.url + "/h5/leave/new")
    _until(driver, lambda: driver.find_elements("id", "dates"))
    driver.find_element("id", "dates").send_keys("12月14日到17日")
    driver.find_element("css selector", "input[name=kind][value='病假']").click()
    driver.find_element("id", "reason").send_keys("肺炎住院")
    driver.find_element("css selector", "form.form button[type=submit]").click()
    _until(driver, lambda: driver.find_elements("css selector", ".field.wanted"))
    _whole_page(driver, out / f"leave-photo-{width}.png")
    driver.get(site.url + "/h5/leaves")
    _until(driver, lambda: driver.find_elements("css selector", ".leave"))
    _whole_page(driver, out / f"leaves-{width}.png")
    fresh_start(driver)
    driver.get(site.url + "/h5/gate")
    _choose(driver, "孙大勇")
    _until(driver, lambda: driver.find_elements("id", "code"))
    driver.find_element("id", "code").send_keys(code)
    driver.find_element("xpath", "//button[text()='核验']").click()
    _until(driver, lambda: driver.find_elements("id", "verdict"))
    _whole_page(driver, out / f"gate-{width}.png")
    driver.find_element("id", "code").send_keys("AAAA-BBBB")
    driver.find_element("xpath", "//button[text()='核验']").click()
    _until(driver, lambda: driver.find_elements("id", "answer"))
    _whole_page(driver, out / f"gate-wrong-{width}.png")
    fresh_start(driver)
    driver.get(site.url + "/h5/class")
    _choose(driver, "王海燕")
    _until(driver, lambda: driver.find_elements("css selector", ".class-today"))
    _whole_page(driver, out / f"class-{width}.png")


def _whole_page(driver: Any, path: Path) -> None:
    """The page from top to bottom at the window's width (not just what fits the window)."""
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics["cssContentSize"]
    width = driver.execute_script("return window.innerWidth")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))


def _choose(driver: Any, name: str) -> None:
    _until(driver, lambda: "企业微信登录" in driver.title)
    driver.find_element("xpath", f"//button[b[text()='{name}']]").click()


def _until(driver: Any, condition: Any) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(lambda _: condition())


if __name__ == "__main__":
    sys.exit(main())
