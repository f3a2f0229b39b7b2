"""One text's byte budget (models/rules/textbudget.py): pages, clipped echoes, a trimmed history."""

from __future__ import annotations

from models.rules.textbudget import clip, latest_that_fit, paged
from models.rules.textparts import size


def test_clip_keeps_short_text_and_shortens_long_text_within_bytes() -> None:
    assert clip("张小明", 60) == "张小明"
    shortened = clip("王" * 100, 60)
    assert size(shortened) <= 60 and shortened.endswith("…") and shortened.startswith("王王")


def test_pages_fit_and_say_how_many_are_left() -> None:
    entries = [f"单号{i} " + "事由很长" * 40 for i in range(1, 12)]
    first = paged(entries, 1, header="待审批：", footer="回复「批准 单号」", command="待审批")
    assert first is not None and size(first.text) <= 2048
    shown = first.text.count("单号") - 1  # the footer names 单号 too
    assert f"还有 {11 - shown} 条，回复「待审批 2」查看" in first.text
    pages = [paged(entries, n, header="待审批：", footer="", command="待审批")
             for n in range(1, first.total + 1)]
    assert sum(p.text.count("单号") for p in pages if p) == 11
    assert paged(entries, first.total + 1, header="h", footer="", command="c") is None
    assert paged([], 1, header="h", footer="", command="c") is None


def test_one_entry_longer_than_a_page_is_clipped() -> None:
    page = paged(["长" * 2000], 1, header="h", footer="f", command="c")
    assert page is not None and size(page.text) <= 2048 and page.total == 1


def test_a_long_history_keeps_its_latest_steps() -> None:
    steps = [f"  11月{i % 28 + 1}日 催办（系统）{i}" for i in range(200)]
    lines = latest_that_fit(["单号1 张小明"], steps)
    assert size("\n".join(lines)) <= 2048
    assert lines[-1] == steps[-1] and "较早的" in lines[1]
