"""A notice's page in a real browser (headless Chromium at 390 × 844): a 家校 parent opens the
学校通知 link, signs in, reads the notice and taps 收到; the sender's 回执 counts the family.
Not run without chromium (one line says so; under CI=true that fails)."""

from __future__ import annotations

from typing import Any

from bot import keys
from tests.browser import LiveSite, no_sideways_scroll
from tests.harness import make_family
from tests.test_browser import (  # noqa: F401 (fixtures)
    browser,
    choose,
    demo_template,
    site,
    text_of,
    wait,
)

TEXT = ("周五下午3点在本班教室开家长会，请准时参加。会上将介绍期末考试安排和寒假作业，"
        "请家长提前安排好时间，如不能参加请提前告知班主任。")


def family_notice(site: LiveSite) -> str:  # noqa: F811
    """刘强 (parent_liu) in the 家校通讯录; 李静's 本班 notice; the link of his 学校通知."""
    h = site.harness
    site.run(make_family(h.db, h.app[keys.SCHOOL_ID], "parent_liu"))
    assert "回复「确认」" in site.say("teacher_li", f"通知 本班 {TEXT}")
    assert "已发送通知1" in site.say("teacher_li", "确认")
    news = [d.body["news"]["articles"][0] for d in h.standin.notices_for("parent_liu")]
    assert len(news) == 1
    return str(news[0]["url"])


def test_a_family_parent_confirms_a_notice_on_its_page(browser: Any, site: LiveSite) -> None:  # noqa: F811
    url = family_notice(site)
    assert url == site.url + "/h5/notices/1"
    browser.get(url)
    choose(browser, "刘强")
    wait(browser, lambda d: "通知1" in d.title)
    page = text_of(browser)
    assert "家长会" in page and "李静" in page and "初一(1)班" in page
    assert no_sideways_scroll(browser)
    button = browser.find_element("xpath", "//button[text()='收到']")
    assert button.size["width"] >= 300  # a thumb-sized button across the phone
    button.click()
    wait(browser, lambda d: d.find_elements("id", "received"))
    assert "已确认收到通知1" in text_of(browser)
    assert not browser.find_elements("xpath", "//button[text()='收到']")
    assert no_sideways_scroll(browser)
    assert "已收到 1/3" in site.say("teacher_li", "回执 1")
    browser.get(site.url + "/h5/notices")
    wait(browser, lambda d: "我的通知" in d.title)
    assert "通知1" in text_of(browser) and "已确认" in text_of(browser)
    assert no_sideways_scroll(browser)
