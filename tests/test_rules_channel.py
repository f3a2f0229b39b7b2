"""What a 家校 parent gets for each reply (models/rules/channel.py): texts, news items opening our
pages, within 学校通知's limits; never a card."""

from __future__ import annotations

from models.messages import Button, ButtonCard, CardUpdate, Image, Markdown, Text
from models.rules.channel import (
    NEWS_DESCRIPTION_MAX_BYTES,
    NEWS_TITLE_MAX_BYTES,
    TEXT_MAX_BYTES,
    SchoolNotice,
    school_notice,
)

BASE = "https://school.example.cn"


def size(text: str) -> int:
    return len(text.encode("utf-8"))


def test_a_text_with_a_page_link_becomes_a_news_item_opening_it() -> None:
    text = (f"张小明的请假（单号12）已批准。\n11月27日(周五)\n放行码：5RXQ-83VK\n"
            f"查看放行码：{BASE}/h5/pass/abc_DEF-1\n离校时请出示给门卫，仅可使用一次。")
    assert school_notice(Text(text), BASE) == SchoolNotice(
        "news", title="张小明的请假（单号12）已批准。",
        description="11月27日(周五)\n放行码：5RXQ-83VK\n离校时请出示给门卫，仅可使用一次。",
        url=f"{BASE}/h5/pass/abc_DEF-1")


def test_leave_and_truancy_texts_open_the_leave_pages_others_stay_texts() -> None:
    leave = school_notice(Text("张小明的请假（单号12）已驳回。"), BASE)
    assert leave is not None and leave.kind == "news" and leave.url == f"{BASE}/h5/leaves"
    truancy = school_notice(Text("张小明今天上午旷课，请联系班主任并补办请假。"), BASE)
    assert truancy is not None and truancy.url == f"{BASE}/h5/leave/new"
    assert school_notice(Markdown("明天降温"), BASE) == SchoolNotice("text", content="明天降温")
    other_site = school_notice(Text("详见 https://elsewhere.cn/h5/x"), BASE)
    assert other_site == SchoolNotice("text", content="详见 https://elsewhere.cn/h5/x")


def test_limits_a_long_title_moves_into_the_description_a_long_text_stays_a_text() -> None:
    line = "班主任李静已与您电话联系：" + "刘洋因发烧在校临时请假" * 8 + "（单号3）。"
    assert size(line) > NEWS_TITLE_MAX_BYTES
    notice = school_notice(Text(line), BASE)
    assert notice is not None and notice.title == "班主任李静已与您电话联系"
    assert notice.description == line
    long = "单号4 " + "很长的说明" * 60
    assert size(long) > NEWS_DESCRIPTION_MAX_BYTES
    as_text = school_notice(Text(long), BASE)
    assert as_text == SchoolNotice("text", content=f"{long}\n{BASE}/h5/leaves")
    full = "单号5 " + "满" * ((TEXT_MAX_BYTES - 8) // 3)
    assert size(full) <= TEXT_MAX_BYTES
    kept = school_notice(Text(full), BASE)
    assert kept == SchoolNotice("text", content=full)  # no room for the link: the text alone


def test_cards_become_news_items_and_card_updates_send_nothing_but_their_fallback() -> None:
    card = ButtonCard(task_id="notice-31-p1", title="校运会", description="请确认收到",
                      fields=(("时间", "周五"),), buttons=(Button("ack", "收到"),))
    assert school_notice(card, BASE) == SchoolNotice(
        "news", title="校运会", description="请确认收到\n时间：周五", url=f"{BASE}/h5/notices/31")
    approval = ButtonCard(task_id="leave-9-teacher_li", title="请假审批 单号9", description="")
    unknown = school_notice(approval, BASE)
    assert unknown is not None and unknown.url == f"{BASE}/h5/"
    assert school_notice(CardUpdate("已收到", task_id="notice-31-p1"), BASE) is None
    fallback = school_notice(CardUpdate("已批准", fallback="单号9 已批准"), BASE)
    assert fallback is not None and fallback.kind == "news"
    image = school_notice(Image("media-1"), BASE)
    assert image is not None and image.kind == "text"
