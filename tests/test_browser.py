"""In a real browser (headless Chromium at 390 × 844): sign-in through the stand-in's OAuth, the
放行码 page and its state, a stranger refused, and the simulator console on a phone.

One browser for the whole session; each test gets its own copy of the demo school and its own
server. Without chromium/chromedriver these tests are not run (one line says so); under CI=true
their absence fails the run.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.browser import (
    PHONE,
    LiveSite,
    chromium,
    fresh_start,
    missing,
    no_sideways_scroll,
    quit_chromium,
)
from tests.conftest import local
from tests.harness import FakeClock, consent_all, prepare_database

START = local(2026, 11, 26, 8, 0)  # a Thursday in term
LINK = re.compile(r"查看放行码：(\S+)")
CODE = re.compile(r"放行码：([0-9A-Z]{4}-[0-9A-Z]{4})")
NOT_RUN = "browser tests not run: "


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests need a browser under CI=true: {reason}")
        pytest.skip(NOT_RUN + reason)
    driver = chromium(*PHONE)
    yield driver
    quit_chromium(driver)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("browser") / "template.db"
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _families_agreed(f"sqlite+aiosqlite:///{path}")).result()
    return path


async def _families_agreed(url: str) -> None:
    """The demo school whose families agreed to keep health details (病假 reasons are kept)."""
    await prepare_database(url)
    await consent_all(url)


@pytest.fixture
def site(browser: Any, demo_template: Path, tmp_path: Path) -> Iterator[LiveSite]:
    for src in demo_template.parent.glob(demo_template.name + "*"):
        shutil.copy(src, tmp_path / src.name.replace(demo_template.stem, "qingjia"))
    with LiveSite(f"sqlite+aiosqlite:///{tmp_path / 'qingjia.db'}", FakeClock(START)) as live:
        fresh_start(browser)
        yield live


def wait(driver: Any, condition: Any, timeout: float = 10) -> Any:
    """Until `condition` holds; a page replaced while it was being read is read again (stale,
    or what Chromium calls an "unknown error": a node that no longer belongs to the document)."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def reading(d: Any) -> Any:
        try:
            return condition(d)
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc.msg):
                return False
            raise

    return WebDriverWait(driver, timeout,
                         ignored_exceptions=(StaleElementReferenceException,)).until(reading)


def text_of(driver: Any) -> str:
    """The page's text. A body that navigation replaced while it was read is reported as stale
    (Chromium calls it an "unknown error"), so `wait` reads the new page instead of failing."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        return str(driver.find_element("tag name", "body").text)
    except WebDriverException as exc:
        if "does not belong to the document" in str(exc.msg):
            raise StaleElementReferenceException(exc.msg) from exc
        raise


def choose(driver: Any, name: str) -> None:
    """On the stand-in's WeCom sign-in page, pick the person called `name`."""
    wait(driver, lambda d: "企业微信登录" in d.title)
    driver.find_element("xpath", f"//button[b[text()='{name}']]").click()


def approved_pass(site: LiveSite) -> tuple[str, str]:
    """刘洋's leave today, asked by 刘强 and approved by 李静 in chat: (link, code)."""
    assert "回复「确认」" in site.say("parent_liu", "请假 刘洋 今天 病假 头疼")
    number = re.search(r"单号(\d+)", site.say("parent_liu", "确认"))
    assert number
    site.say("teacher_li", f"批准 {number.group(1)}")
    text = site.harness.last_text("parent_liu")
    link, code = LINK.search(text), CODE.search(text)
    assert link and code, text
    return link.group(1), code.group(1)


def test_sign_in_through_the_standins_oauth(browser: Any, site: LiveSite) -> None:
    browser.get(site.url + "/h5/")
    choose(browser, "张伟")
    wait(browser, lambda d: "您好，张伟" in text_of(d))
    assert browser.current_url == site.url + "/h5/"
    assert "张小明" in text_of(browser) and "张小红" in text_of(browser)
    cookie = browser.get_cookie("qingjia_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert "qingjia_session" not in browser.execute_script("return document.cookie")
    assert no_sideways_scroll(browser)
    browser.find_element("css selector", "form[action='/auth/signout'] button").click()
    wait(browser, lambda d: "已退出登录" in text_of(d))
    assert browser.get_cookie("qingjia_session") is None


def test_the_pass_page_shows_the_pass_and_its_state(browser: Any, site: LiveSite) -> None:
    link, code = approved_pass(site)
    browser.get(link)
    choose(browser, "刘强")
    badge = wait(browser, lambda d: d.find_element("css selector", ".badge"))
    assert badge.text == "有效"
    page = text_of(browser)
    assert "刘洋" in page and "初一(1)班" in page and code in page
    assert browser.execute_script(
        "const qr = document.querySelector('.qr'); return qr.complete && qr.naturalWidth") > 0
    assert browser.find_element("css selector", ".qr").size["width"] >= 200
    assert no_sideways_scroll(browser)
    assert "已登记" in site.say("guard_sun", f"放行 {code}")
    browser.refresh()
    assert browser.find_element("css selector", ".badge").text == "已使用"
    assert "已于 11月26日 08:00 离校" in text_of(browser)


def test_a_stranger_is_refused(browser: Any, site: LiveSite) -> None:
    link, code = approved_pass(site)
    browser.get(link)
    choose(browser, "张伟")  # a parent of the class, not of 刘洋
    wait(browser, lambda d: "无法查看这个放行码" in text_of(d))
    source = browser.page_source
    assert "刘洋" not in source and code not in source and "/pass/" not in source
    assert no_sideways_scroll(browser)


def test_the_console_on_a_phone(browser: Any, site: LiveSite) -> None:
    approved_pass(site)
    browser.get(site.url + "/")
    picker = browser.find_element("id", "people")
    person = wait(browser, lambda d: d.find_element(
        "css selector", ".person[data-userid='parent_liu']"))
    assert picker.is_displayed()
    person.click()
    assert not picker.is_displayed()  # folded away once someone is chosen
    link = wait(browser, lambda d: d.find_element("css selector", ".bubble a[href^='/sim/open']"))
    bubble = link.find_element("xpath", "..")
    assert bubble.size["width"] > 250  # words, not one character a line
    assert no_sideways_scroll(browser)
    link.click()  # the 放行码 page opens on the phone, signed in as 刘强 (no chooser)
    assert len(browser.window_handles) == 1
    browser.switch_to.frame(browser.find_element("id", "page"))
    badge = wait(browser, lambda d: d.find_element("css selector", ".badge"))
    assert badge.text == "有效" and "刘洋" in text_of(browser)
    browser.switch_to.default_content()
    wait(browser, lambda d: d.find_element("id", "browser-title").text.startswith("放行码"))
    browser.find_element("id", "browser-close").click()
    assert link.is_displayed()  # back in the chat
    browser.find_element("id", "pick").click()
    assert picker.is_displayed()
