"""A deployment's school in a real browser (headless Chromium, tests/browser.py): school a at /s/a
beside school b at /s/b (tests/schools.py). The guard's gate page loads its stylesheet and
scripts from under the prefix, and in WeCom's browser gate.js asks the address its data
attribute names for the JS-SDK's signature; the 校长's term page draws its charts and its menu
stays in the school. Screenshots at 390 and 1366 px go to the test's folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.web.session import SESSION_COOKIE
from tests.browser import (
    DESKTOP,
    PHONE,
    LiveSchools,
    fresh_start,
    no_sideways_scroll,
    set_viewport,
)
from tests.harness import FakeClock
from tests.test_browser import browser, choose, text_of, wait  # noqa: F401 (fixture)
from tests.test_pages_prefix import approved_pass, specs, with_history

WECOM_BROWSER = ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
                 "Chrome/120.0 Mobile Safari/537.36 wxwork/4.1.22 MicroMessenger/7.0.1")


@pytest.fixture
def live(browser: Any, sqlite_url: str, tmp_path: Path,  # noqa: F811
         clock: FakeClock) -> Iterator[LiveSchools]:
    with LiveSchools(sqlite_url, clock, tmp_path / "deploy", specs(tmp_path)) as deployed:
        deployed.run(with_history(deployed.schools["a"]))
        fresh_start(browser)
        set_viewport(browser, *PHONE)
        yield deployed


@pytest.fixture
def in_wecom(browser: Any) -> Iterator[None]:  # noqa: F811
    """The browser says it is WeCom's own (gate.js offers 扫码 only there)."""
    own = browser.execute_script("return navigator.userAgent")
    browser.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": WECOM_BROWSER})
    yield
    browser.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": own})


def shots(driver: Any, folder: Path, name: str) -> list[Path]:
    """The page at a phone's width and a laptop's, each without sideways scroll."""
    saved = []
    for width, height in (PHONE, DESKTOP):
        set_viewport(driver, width, height)
        assert no_sideways_scroll(driver), (name, width)
        path = folder / f"{name}-{width}.png"
        driver.save_screenshot(str(path))
        saved.append(path)
    set_viewport(driver, *PHONE)
    return saved


def resources(driver: Any) -> list[str]:
    """Every URL the page fetched (stylesheet, scripts, images, fetch() calls)."""
    return list(driver.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"))


def test_the_gate_page_and_its_script_under_the_prefix(
        browser: Any, live: LiveSchools, in_wecom: None, tmp_path: Path) -> None:  # noqa: F811
    _, code = live.run(approved_pass(live.schools["a"]))
    browser.get(live.url("a", "/h5/gate"))
    choose(browser, "孙大勇")
    scan = wait(browser, lambda d: d.find_element("id", "scan").is_displayed()
                and d.find_element("id", "scan"))
    assert scan.get_attribute("data-jsapi") == "/s/a/h5/gate/jsapi"
    assert browser.current_url == live.url("a", "/h5/gate")
    fetched = wait(browser, lambda d: [u for u in resources(d) if "/h5/gate/jsapi?" in u])
    assert all(u.startswith(live.url("a", "/h5/gate/jsapi?url=")) for u in fetched)
    loaded = resources(browser)
    for asset in ("/assets/site.css", "/assets/gate.js", "/assets/vendor/wecom-jssdk"):
        assert any(u.startswith(live.url("a", asset)) for u in loaded), asset
    assert live.schools["a"].standin.jsapi_tickets  # the signature was made for it

    browser.find_element("id", "code").send_keys(code)
    browser.find_element("xpath", "//button[text()='核验']").click()
    verdict = wait(browser, lambda d: d.find_element("id", "verdict"))
    assert "可以放行" in verdict.text and "张小红" in verdict.text
    assert browser.current_url == live.url("a", "/h5/gate")
    shots(browser, tmp_path, "gate")


def test_the_principals_term_charts_under_the_prefix(
        browser: Any, live: LiveSchools, tmp_path: Path) -> None:  # noqa: F811
    browser.get(live.url("a", "/admin/term?from=2026-11-09"))
    choose(browser, "陈志华")
    line = wait(browser, lambda d: d.find_element(
        "css selector", "svg[aria-label='每周出勤率'] polyline"))
    assert len(line.get_attribute("points").split()) == 3 and line.size["width"] > 100  # 3 weeks
    menu = [a.get_attribute("href") for a in browser.find_elements("css selector", ".menu a")]
    assert menu and all(href.startswith(live.url("a", "/admin/")) for href in menu)
    shots(browser, tmp_path, "term")

    browser.find_element("link text", "今日").click()
    wait(browser, lambda d: "各班情况" in text_of(d))
    assert browser.current_url == live.url("a", "/admin/")
    assert session_paths(browser) == ["/s/a/"]
    browser.get(live.url("b", "/admin/"))  # B signs him in anew (its stand-in knows him)
    wait(browser, lambda d: "各班情况" in text_of(d))
    assert "第二中学" in text_of(browser)
    assert browser.current_url.split("#")[0] == live.url("b", "/admin/")  # WeCom's #wechat_redirect
    assert session_paths(browser) == ["/s/a/", "/s/b/"]


def session_paths(driver: Any) -> list[str]:
    """The paths of the session cookies the browser holds (for every page, not just this one)."""
    held = driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
    return sorted(c["path"] for c in held if c["name"] == SESSION_COOKIE)
