"""The simulator console's phones in a real browser (headless Chromium, tests/browser.py): at
390 × 844 a 家校 parent's WeChat thread of 学校通知, whose links open the pages inside the phone
signed in as him; at 1366 px the phone frame beside the person picker. Not run without chromium
(one line says so; under CI=true that fails)."""

from __future__ import annotations

import re
from typing import Any

from tests.browser import DESKTOP, PHONE, LiveSite, no_sideways_scroll, set_viewport
from tests.test_browser import (  # noqa: F401 (fixtures)
    browser,
    demo_template,
    site,
    text_of,
    wait,
)

NOTICE = "下周一起执行冬季作息时间：早上7:50到校，下午4:50放学。请家长提醒孩子注意保暖。"


def family_news(site: LiveSite) -> None:  # noqa: F811
    """吴俊杰's leave asked by his mother in chat and approved; 王海燕's 本班 notice. His father
    吴建军 (parent_wujj, 家校) gets both as 学校通知 news items."""
    assert "回复「确认」" in site.say("parent_wu", "请假 吴俊杰 今天 病假 头疼")
    site.clock.advance(minutes=1)  # the console orders what was said by time
    number = re.search(r"单号(\d+)", site.say("parent_wu", "确认"))
    assert number
    site.clock.advance(minutes=1)
    site.say("teacher_wang", f"批准 {number.group(1)}")
    site.clock.advance(minutes=1)
    site.say("teacher_wang", f"通知 本班 {NOTICE}")
    assert "已发送通知1" in site.say("teacher_wang", "确认")
    assert [d.msgtype for d in site.harness.standin.notices_for("parent_wujj")] == ["news"] * 2


def open_phone_of(browser: Any, site: LiveSite, userid: str) -> None:  # noqa: F811
    browser.get(site.url + "/")
    wait(browser, lambda d: d.find_element(
        "css selector", f".person[data-userid='{userid}']")).click()


def test_a_family_parent_opens_a_school_notice_on_his_phone(
        browser: Any, site: LiveSite) -> None:  # noqa: F811
    family_news(site)
    open_phone_of(browser, site, "parent_wujj")
    cards = wait(browser, lambda d: len(d.find_elements("css selector", "a.news")) == 2
                 and d.find_elements("css selector", "a.news"))
    assert not browser.find_element("id", "people").is_displayed()  # the picker folded away
    assert browser.find_element("id", "chat-name").text == "学校通知"
    assert not browser.find_element("id", "input").is_displayed()  # he cannot write to the app
    assert "不能给应用发消息" in browser.find_element("id", "wechat-foot").text
    approved, notice = (card.text for card in cards)
    assert "吴俊杰的请假（单号1）已批准" in approved and "放行码" in approved
    assert "通知1" in notice and "查看详情" in notice and "「回复" not in notice
    assert cards[1].size["width"] > 250  # words, not one character a line
    assert no_sideways_scroll(browser)

    cards[1].click()  # the notice's page, on his phone, signed in as him (no chooser)
    assert len(browser.window_handles) == 1
    browser.switch_to.frame(browser.find_element("id", "page"))
    wait(browser, lambda d: d.find_elements("id", "received") or d.find_elements(
        "xpath", "//button[text()='收到']"))
    assert "冬季作息时间" in text_of(browser) and "当前登录：吴建军" in text_of(browser)
    browser.find_element("xpath", "//button[text()='收到']").click()
    wait(browser, lambda d: "已确认收到通知1" in text_of(d))
    browser.switch_to.default_content()
    assert browser.find_element("id", "browser-title").text.startswith("通知1")
    assert no_sideways_scroll(browser)
    assert "已收到 1/3" in site.say("teacher_wang", "回执 1")

    browser.find_element("id", "browser-close").click()
    cards[0].click()  # the 放行码 of the leave his wife asked for
    browser.switch_to.frame(browser.find_element("id", "page"))
    badge = wait(browser, lambda d: d.find_element("css selector", ".badge"))
    assert badge.text == "有效" and "吴俊杰" in text_of(browser)
    browser.switch_to.default_content()


def test_the_phone_frame_beside_the_picker_on_a_wide_screen(
        browser: Any, site: LiveSite) -> None:  # noqa: F811
    family_news(site)
    set_viewport(browser, *DESKTOP)
    try:
        open_phone_of(browser, site, "parent_wu")
        link = wait(browser, lambda d: d.find_element("css selector",
                                                      ".bubble a[href^='/sim/open']"))
        picker = browser.find_element("id", "people")
        phone = browser.find_element("id", "phone")
        assert picker.is_displayed() and phone.is_displayed()
        assert browser.execute_script(
            "return document.getElementById('phone').clientWidth") == 390  # inside the bezel
        assert phone.location["x"] >= picker.location["x"] + picker.size["width"]
        link.click()
        frame = browser.find_element("id", "page")
        assert frame.size["width"] == 390
        browser.switch_to.frame(frame)
        wait(browser, lambda d: d.find_element("css selector", ".badge"))
        assert no_sideways_scroll(browser)
        browser.switch_to.default_content()
        browser.find_element("css selector", ".person[data-userid='parent_wujj']").click()
        wait(browser, lambda d: len(d.find_elements("css selector", "a.news")) == 2)
        assert not browser.find_element("id", "page").is_displayed()  # a new phone
        assert no_sideways_scroll(browser)
    finally:
        set_viewport(browser, *PHONE)
