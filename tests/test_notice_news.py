"""The 学校通知 a 家校 parent receives for a notice: one news item within WeCom's limits."""

from __future__ import annotations

from datetime import UTC, datetime

from models.notice import Notice
from models.rules.channel import NEWS_DESCRIPTION_MAX_BYTES, NEWS_TITLE_MAX_BYTES
from services.notices.views import as_news


def notice(content: str, *, urgent: bool = False) -> Notice:
    at = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
    return Notice(number=12, sender="teacher_li", scope="初一(1)班", class_ids=[1],
                  content=content, urgent=urgent, status="active", created_at=at, send_at=at)


def test_a_short_notice_is_a_news_item_opening_its_page() -> None:
    news = as_news(notice("周五下午家长会。"), "李静", "https://qj.example.edu.cn/")
    assert news.kind == "news"
    assert news.title == "【学校通知】通知12：周五下午家长会。"
    assert news.description.startswith("周五下午家长会。\n——李静\n")
    assert news.url == "https://qj.example.edu.cn/h5/notices/12"


def test_a_long_notice_fits_the_limits_and_urgent_says_so() -> None:
    news = as_news(notice("冬季作息调整" * 200, urgent=True), "赵国强", "https://qj.example")
    assert news.title.startswith("【紧急通知】通知12：") and news.title.endswith("…")
    assert len(news.title.encode()) <= NEWS_TITLE_MAX_BYTES
    assert len(news.description.encode()) <= NEWS_DESCRIPTION_MAX_BYTES
    assert "…" in news.description and news.description.endswith("点按「收到」确认。")
