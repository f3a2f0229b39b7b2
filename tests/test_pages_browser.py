"""The phone pages in a real browser (headless Chromium at 390 × 844, tests/browser.py): a parent
asks for leave and withdraws it, the guard checks and lets out once, the 班主任 reports 考勤;
none scrolls sideways. Not run without chromium (one line says so; under CI=true that fails)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from tests.browser import DESKTOP, PHONE, LiveSite, no_sideways_scroll, set_viewport
from tests.test_browser import (  # noqa: F401 (fixtures)
    approved_pass,
    browser,
    choose,
    demo_template,
    site,
    text_of,
    wait,
)

# a 1 × 1 PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAE"
                       "hQGAhKmMIQAAAABJRU5ErkJggg==")


def test_a_parent_asks_for_leave_then_withdraws_it(browser: Any, site: LiveSite) -> None:  # noqa: F811
    browser.get(site.url + "/h5/leave/new")
    choose(browser, "刘强")
    dates = wait(browser, lambda d: d.find_element("id", "dates"))
    assert no_sideways_scroll(browser)
    dates.send_keys("明天")
    browser.find_element("css selector", "input[name=kind][value='病假']").click()
    browser.find_element("id", "reason").send_keys("发烧，去医院")
    browser.find_element("css selector", "form.form button[type=submit]").click()
    wait(browser, lambda d: "请核对" in text_of(d))
    page = text_of(browser)
    assert "刘洋" in page and "11月27日(周五)" in page and "发烧，去医院" in page
    assert no_sideways_scroll(browser)
    browser.find_element("xpath", "//button[text()='确认提交']").click()
    wait(browser, lambda d: "我的请假" in d.title)
    page = text_of(browser)
    assert "已提交请假" in page and "待审批" in page and "提交（刘强）" in page
    assert "?" in browser.current_url and "刘" not in browser.current_url
    assert no_sideways_scroll(browser)
    browser.find_element("xpath", "//button[text()='撤销']").click()
    wait(browser, lambda d: "已撤销单号" in text_of(d))
    assert not browser.find_elements("xpath", "//button[text()='撤销']")


def test_a_sick_leave_takes_symptoms_and_a_personal_one_hides_them(
        browser: Any, site: LiveSite) -> None:  # noqa: F811
    browser.get(site.url + "/h5/leave/new")
    choose(browser, "刘强")
    wait(browser, lambda d: d.find_element("id", "dates")).send_keys("明天")
    browser.find_element("css selector", "input[name=kind][value='事假']").click()
    assert not browser.find_element("css selector", ".sick-only").is_displayed()
    browser.find_element("css selector", "input[name=kind][value='病假']").click()
    for symptom in ("咳嗽", "发热"):
        browser.find_element("css selector", f"input[name=symptoms][value='{symptom}']").click()
    browser.find_element("id", "diagnosis").send_keys("流感")
    assert no_sideways_scroll(browser)
    browser.find_element("id", "reason").send_keys("不舒服")
    browser.find_element("css selector", "form.form button[type=submit]").click()
    wait(browser, lambda d: "请核对" in text_of(d))
    page = text_of(browser)
    assert "发热、咳嗽" in page and "流感" in page


def test_the_guard_lets_out_once(browser: Any, site: LiveSite) -> None:  # noqa: F811
    _, code = approved_pass(site)
    browser.get(site.url + "/h5/gate")
    choose(browser, "孙大勇")
    field = wait(browser, lambda d: d.find_element("id", "code"))
    assert not browser.find_element("id", "scan").is_displayed()  # not in WeCom: typed only
    field.send_keys(code)
    browser.find_element("xpath", "//button[text()='核验']").click()
    verdict = wait(browser, lambda d: "放行" in d.find_element("id", "verdict").text
                   and d.find_element("id", "verdict"))
    assert "可以放行" in verdict.text and "刘洋" in verdict.text and "李静" in verdict.text
    assert verdict.value_of_css_property("background-color") == "rgba(11, 138, 62, 1)"
    assert no_sideways_scroll(browser)
    browser.find_element("xpath", "//button[text()='放行']").click()
    wait(browser, lambda d: "已登记：刘洋" in text_of(d))
    browser.find_element("id", "code").send_keys(code)
    browser.find_element("xpath", "//button[text()='核验']").click()
    # (the page is replaced by the answer: wait for the new verdict, not the old page's)
    verdict = wait(browser, lambda d: "不能放行" in d.find_element("id", "verdict").text
                   and d.find_element("id", "verdict"))
    assert "已使用过" in verdict.text
    assert verdict.value_of_css_property("background-color") == "rgba(216, 57, 49, 1)"
    assert browser.find_element("xpath", "//button[text()='返校']").is_displayed()


def test_the_teacher_reports_attendance(browser: Any, site: LiveSite) -> None:  # noqa: F811
    browser.get(site.url + "/h5/class")
    choose(browser, "李静")
    wait(browser, lambda d: "未上报" in text_of(d))
    assert "杨子涵" not in text_of(browser)  # her own child's class is not hers here
    assert no_sideways_scroll(browser)
    from selenium.webdriver.support.ui import Select

    rows = browser.find_elements("css selector", ".roll li")
    row = next(r for r in rows if "黄欣怡" in r.text)
    Select(row.find_element("tag name", "select")).select_by_visible_text("缺勤")
    browser.find_element("xpath", "//button[text()='上报考勤']").click()
    wait(browser, lambda d: "已记录今日考勤：缺勤1人。" in text_of(d))
    assert "黄欣怡（" in text_of(browser)


def test_a_page_refuses_who_does_not_own_it(browser: Any, site: LiveSite) -> None:  # noqa: F811
    for path, name, words in (("/h5/class", "张伟", "仅供班主任"),
                              ("/h5/gate", "李静", "仅供门卫"),
                              ("/h5/leave/new", "孙大勇", "没有您名下的在读学生")):
        browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
        browser.get(site.url + path)
        choose(browser, name)
        wait(browser, lambda d, w=words: w in text_of(d))
        assert no_sideways_scroll(browser)


def test_a_hospital_note_is_uploaded_and_its_approver_sees_it(
        browser: Any, site: LiveSite, tmp_path: Path) -> None:  # noqa: F811
    photo = tmp_path / "note.png"
    photo.write_bytes(PNG)
    browser.get(site.url + "/h5/leave/new")
    choose(browser, "刘强")
    wait(browser, lambda d: d.find_element("id", "dates")).send_keys("11月30日到12月3日")
    browser.find_element("css selector", "input[name=kind][value='病假']").click()
    browser.find_element("id", "reason").send_keys("肺炎住院")
    browser.find_element("css selector", "form.form button[type=submit]").click()
    wait(browser, lambda d: "诊断证明照片" in text_of(d))
    assert no_sideways_scroll(browser)
    browser.find_element("id", "photo").send_keys(str(photo))
    browser.find_element("css selector", "form.form button[type=submit]").click()
    wait(browser, lambda d: "请核对" in text_of(d))
    assert "已上传诊断书" in text_of(browser)
    browser.find_element("xpath", "//button[text()='确认提交']").click()
    wait(browser, lambda d: "已提交请假" in text_of(d))
    site.run(site.harness.drain())
    link = next(t for t in site.harness.texts_for("office_zhao") if "诊断书照片" in t)
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.get(link.split("：", 1)[1])
    choose(browser, "赵国强")
    image = wait(browser, lambda d: d.find_element("tag name", "img"))
    assert browser.execute_script("return arguments[0].naturalWidth", image) == 1


def test_inside_wecom_the_scan_button_submits_what_was_scanned(
        browser: Any, site: LiveSite) -> None:  # noqa: F811
    _, code = approved_pass(site)
    agent = browser.execute_script("return navigator.userAgent")
    browser.execute_cdp_cmd("Emulation.setUserAgentOverride",
                            {"userAgent": f"{agent} wxwork/4.1.22 MicroMessenger/7.0.1"})
    try:
        browser.get(site.url + "/h5/gate")
        choose(browser, "孙大勇")
        scan = wait(browser, lambda d: d.find_element("id", "scan"))
        wait(browser, lambda d: scan.is_displayed())
        # The camera is WeCom's; here its answer is played by a stand-in for ww.scanQRCode.
        browser.execute_script(
            "window.ww.scanQRCode = function (o) { o.success({resultStr: arguments[0]}); }"
            .replace("arguments[0]", repr(code)))
        scan.click()
        verdict = wait(browser, lambda d: d.find_element("id", "verdict"))
        assert "可以放行" in verdict.text and "刘洋" in verdict.text
    finally:
        browser.execute_cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": agent})


def test_a_parent_changes_the_health_answer_on_its_page(browser: Any, site: LiveSite,  # noqa: F811
                                                         tmp_path: Path) -> None:
    browser.get(site.url + "/h5/consent")
    choose(browser, "刘强")
    wait(browser, lambda d: "刘洋：同意" in text_of(d))
    page = text_of(browser)
    assert "谁能看：审批人、班主任、校医、校长（每次查看都有记录）；" in page
    for width, height in (PHONE, DESKTOP):
        set_viewport(browser, width, height)
        assert no_sideways_scroll(browser)
        browser.save_screenshot(str(tmp_path / f"consent-{width}.png"))
    browser.find_element("xpath", "//button[text()='不同意']").click()
    wait(browser, lambda d: "刘洋：不同意" in text_of(d))
    assert "已记录：您不同意学校保存孩子的健康信息" in text_of(browser)
    assert no_sideways_scroll(browser)


def test_every_page_fits_360_px(browser: Any, site: LiveSite) -> None:  # noqa: F811
    approved_pass(site)  # the leaves and the class have something to show
    set_viewport(browser, 360, 740)
    try:
        for name, paths in (("刘强", ("/h5/", "/h5/leave/new", "/h5/leaves")),
                            ("孙大勇", ("/h5/gate",)), ("李静", ("/h5/class",))):
            browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
            for n, path in enumerate(paths):
                browser.get(site.url + path)
                if n == 0:
                    choose(browser, name)
                wait(browser, lambda d: d.find_elements("css selector", ".card"))
                assert no_sideways_scroll(browser), path
    finally:
        set_viewport(browser, *PHONE)
