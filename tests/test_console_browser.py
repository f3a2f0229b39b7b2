"""The staff console in a real browser (headless Chromium, tests/browser.py): each staff role
signs in through the stand-in's WeCom sign-in and sees only what it may; a number opens its
list; the term's charts are drawn; a download is saved and opened. At 390 and 1366 px wide, no
page scrolls sideways.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.browser import DESKTOP, PHONE, LiveSite, fresh_start, no_sideways_scroll, set_viewport
from tests.console_scenario import TODAY, build_template, copy_of
from tests.harness import FakeClock, student_id
from tests.test_browser import browser, choose, text_of, wait

__all__ = ["browser"]  # the session's browser, shared with tests/test_browser.py

MENU = {
    "李静": ["今日", "本学期", "学生", "报表下载"],
    "赵国强": ["今日", "本学期", "学生", "报表下载", "操作记录"],
    "陈志华": ["今日", "本学期", "学生", "报表下载", "操作记录"],
    "周敏": ["报表下载", "操作记录", "系统管理"],
    "何丽": ["报表下载"],
}
OTHER_CLASS = ("张小红", "杨子涵", "吴俊杰", "初一(2)班")
SMALL_PHONE = (360, 740)
EVERY_PAGE = (("赵国强", ("/admin/", "/admin/today/absent", "/admin/term", "/admin/students?q=张",
                        "/admin/students/2", "/admin/audit", "/admin/downloads")),
              ("周敏", ("/admin/manage", "/admin/manage/calendar", "/admin/manage/config")),
              ("陈志华", ("/admin/downloads",)))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path, _ = build_template(tmp_path_factory.mktemp("console_browser"))
    return path


@pytest.fixture
def site(browser: Any, template: Path, tmp_path: Path) -> Iterator[LiveSite]:
    with LiveSite(copy_of(template, tmp_path), FakeClock(TODAY)) as live:
        fresh_start(browser)
        set_viewport(browser, *PHONE)
        yield live


def sign_in(driver: Any, site: LiveSite, name: str, path: str = "/admin/") -> None:
    fresh_start(driver)
    driver.get(site.url + path)
    choose(driver, name)
    wait(driver, lambda d: d.find_elements("css selector", "main .card"))


def menu(driver: Any) -> list[str]:
    return [a.text for a in driver.find_elements("css selector", ".menu a")]


def both_widths(driver: Any) -> bool:
    """No sideways scroll on a small phone, a phone or a laptop."""
    fits = []
    for size in (SMALL_PHONE, PHONE, DESKTOP):
        set_viewport(driver, *size)
        fits.append(no_sideways_scroll(driver))
    set_viewport(driver, *PHONE)
    return all(fits)


@pytest.mark.parametrize(("name", "paths"), EVERY_PAGE)
def test_no_console_page_scrolls_sideways(browser: Any, site: LiveSite, name: str,
                                          paths: tuple[str, ...]) -> None:
    sign_in(browser, site, name, paths[0])
    for path in paths:
        browser.get(site.url + path)
        wait(browser, lambda d: d.find_elements("css selector", "main .card"))
        assert both_widths(browser), path


@pytest.mark.parametrize("name", ["李静", "赵国强", "陈志华"])
def test_the_picture_roles_see_today(browser: Any, site: LiveSite, name: str) -> None:
    sign_in(browser, site, name)
    assert menu(browser) == MENU[name]
    page = text_of(browser)
    assert "各班情况" in page and "初一(1)班" in page and "刘洋" in page
    if name == "李静":
        assert not [word for word in OTHER_CLASS if word in browser.page_source]
    else:
        assert "初一(2)班" in page and "吴俊杰" in page
    assert both_widths(browser)


def test_the_admin_lands_on_the_downloads_and_has_the_admin_pages(browser: Any,
                                                                   site: LiveSite) -> None:
    sign_in(browser, site, "周敏")
    assert browser.current_url == site.url + "/admin/downloads"
    assert menu(browser) == MENU["周敏"]
    assert "刘洋" not in browser.page_source  # no students' day on her pages
    browser.find_element("link text", "系统管理").click()
    wait(browser, lambda d: "名册导入" in text_of(d))
    for link, heading in (("校历检查", "校历检查"), ("当前配置", "当前配置")):
        browser.find_element("link text", link).click()
        wait(browser, lambda d, h=heading: d.find_element("tag name", "h1").text.startswith(h))
        assert both_widths(browser)
    assert site.harness.config.security.secret_key not in browser.page_source


def test_the_school_doctor_lands_on_the_illness_register(browser: Any, site: LiveSite) -> None:
    sign_in(browser, site, "何丽")
    assert browser.current_url == site.url + "/admin/downloads"
    assert menu(browser) == MENU["何丽"]
    headings = [h.text for h in browser.find_elements("css selector", "main h2")]
    assert headings == ["因病缺课登记表（Excel）"]
    assert "刘洋" not in browser.page_source
    assert both_widths(browser)


def test_a_guard_sees_nothing(browser: Any, site: LiveSite) -> None:
    sign_in(browser, site, "孙大勇")
    assert "管理后台没有对您开放的页面" in text_of(browser)
    assert menu(browser) == []
    pupil, _ = site.run(student_id(site.harness.db, "刘洋"))
    for path in ("/admin/term", f"/admin/students/{pupil}", "/admin/audit", "/admin/downloads"):
        browser.get(site.url + path)
        assert "没有权限" in text_of(browser)
        assert "刘洋" not in browser.page_source and "初一(1)班" not in browser.page_source


def test_a_teacher_is_refused_another_classs_student(browser: Any, site: LiveSite) -> None:
    sign_in(browser, site, "李静")
    browser.get(site.url + "/admin/students")
    names = [a.text for a in browser.find_elements("css selector", "main li a")]
    assert names == ["张小明", "刘洋", "黄欣怡"]
    other, _ = site.run(student_id(site.harness.db, "张小红"))  # 初一(2)班
    browser.get(site.url + f"/admin/students/{other}")
    assert "您只能查看自己班级的学生和报表" in text_of(browser)
    assert "张小红" not in browser.page_source


def test_one_click_from_a_number_to_its_list_and_on_to_the_student(browser: Any,
                                                                   site: LiveSite) -> None:
    sign_in(browser, site, "赵国强")
    tile = browser.find_element("css selector", ".tile a[href='/admin/today/absent']")
    assert tile.text.startswith("2")
    tile.click()
    wait(browser, lambda d: "缺勤学生（2）" in text_of(d))
    assert "张小明 初一(1)班 全天　病" in text_of(browser)
    browser.find_element("link text", "刘洋").click()
    wait(browser, lambda d: "经过" in text_of(d))
    assert "连续旷课3天" in text_of(browser)
    assert both_widths(browser)


def test_the_terms_charts_are_drawn(browser: Any, site: LiveSite) -> None:
    sign_in(browser, site, "赵国强", "/admin/term?from=2026-11-09")
    line = browser.find_element("css selector", "svg[aria-label='每周出勤率'] polyline")
    assert len(line.get_attribute("points").split()) == 3
    assert line.size["width"] > 100
    columns = browser.find_elements("css selector", "svg[aria-label='每周旷课天数'] rect")
    assert len(columns) == 2
    assert columns[1].size["height"] == pytest.approx(6 * columns[0].size["height"], abs=2)
    cells = [c.text for c in browser.find_elements("css selector", ".heat tbody td")]
    assert cells == ["93.3%", "100.0%", "58.3%", "93.3%", "95.8%", "100.0%"]
    assert both_widths(browser)


def test_a_download_is_saved_and_opens(browser: Any, site: LiveSite, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior",
                            {"behavior": "allow", "downloadPath": str(folder)})
    sign_in(browser, site, "赵国强", "/admin/downloads")
    form = browser.find_element("css selector", "form[action='/admin/downloads/attendance']")
    for name, value in (("from", "2026-11-09"), ("to", "2026-11-26")):
        field = form.find_element("name", name)
        browser.execute_script("arguments[0].value = arguments[1]", field, value)
    form.find_element("css selector", "button").click()
    saved = wait(browser, lambda _: _finished(folder), timeout=20)
    assert saved.name == "考勤_2026-11-09_2026-11-26.xlsx"
    summary = openpyxl.load_workbook(saved)["汇总"]
    rows = [[c.value for c in row][:10] for row in summary.iter_rows(min_row=3, max_row=4)]
    assert rows == [["初一(1)班", 3, 14, 0, 42, 36, 1, 1, 4, 0],
                    ["初一(2)班", 3, 14, 2, 36, 34.5, 1, 0, 0.5, 6]]


def _finished(folder: Path) -> Path | None:
    """The one finished file in the download folder (Chromium writes `.crdownload` first)."""
    done = [p for p in folder.iterdir() if not p.name.endswith(".crdownload")]
    return done[0] if done else None
