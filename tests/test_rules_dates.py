"""Reading everyday Chinese date phrases: every phrase parents write, and every refusal."""

from __future__ import annotations

from datetime import date, time

import pytest

from models.rules.calendar import DeclaredYear, SchoolCalendar, Term
from models.rules.cn_numbers import cn_to_int, replace_cn_numbers
from models.rules.dates import DatePhraseError, DateSpan, Half, HalfDayPoint, parse_date_phrase
from tests.calendars import KNOWS_2026

# 2027 is a year nobody declared: the package this calendar uses knows no year after 2026.
CAL = SchoolCalendar(terms=(Term("2026秋", date(2026, 9, 1), date(2027, 1, 22)),),
                     package=KNOWS_2026)
THU = date(2026, 11, 26)  # a Thursday in term
MON = date(2026, 11, 23)  # the Monday of the same week
YEAR_END = date(2026, 12, 28)  # a Monday, the last week of 2026


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def whole(start: date, end: date | None = None) -> DateSpan:
    return DateSpan(start, "am", end or start, "pm")


@pytest.mark.parametrize(("phrase", "today", "expected"), [
    # relative days
    ("今天", THU, whole(d(11, 26))),
    ("明天", THU, whole(d(11, 27))),
    ("后天", THU, whole(d(11, 28))),
    ("大后天", THU, whole(d(11, 29))),
    ("昨天", THU, whole(d(11, 25))),
    ("今天下午", THU, DateSpan(d(11, 26), "pm", d(11, 26), "pm")),
    ("明天上午", THU, DateSpan(d(11, 27), "am", d(11, 27), "am")),
    ("明天请假", THU, whole(d(11, 27))),
    # a bare weekday: this week's if today or later, else next week's
    ("周五", THU, whole(d(11, 27))),
    ("星期五", THU, whole(d(11, 27))),
    ("礼拜五", THU, whole(d(11, 27))),
    ("周四", THU, whole(d(11, 26))),
    ("周三", THU, whole(d(12, 2))),
    ("周日", THU, whole(d(11, 29))),
    ("星期天", THU, whole(d(11, 29))),
    ("本周一", THU, whole(d(11, 23))),
    ("这个星期五", THU, whole(d(11, 27))),
    ("下周一", THU, whole(d(11, 30))),
    ("下周五", THU, whole(d(12, 4))),
    ("下个礼拜三", THU, whole(d(12, 2))),
    ("下下周一", THU, whole(d(12, 7))),
    # ranges; a bare weekday after the separator is the first one on or after the start
    ("后天到周五", THU, whole(d(11, 28), d(12, 4))),
    ("后天到周五", MON, whole(d(11, 25), d(11, 27))),
    ("下周一至周三", THU, whole(d(11, 30), d(12, 2))),
    ("周五到下周二", THU, whole(d(11, 27), d(12, 1))),
    ("周五到周一", THU, whole(d(11, 27), d(11, 30))),
    ("周五下午到下周二上午", THU, DateSpan(d(11, 27), "pm", d(12, 1), "am")),
    ("今天上午到下午", THU, whole(d(11, 26))),
    ("明天到明天", THU, whole(d(11, 27))),
    # month and day
    ("12月3日上午", THU, DateSpan(d(12, 3), "am", d(12, 3), "am")),
    ("12月3日", THU, whole(d(12, 3))),
    ("12月3号下午", THU, DateSpan(d(12, 3), "pm", d(12, 3), "pm")),
    ("十二月三日", THU, whole(d(12, 3))),
    ("十一月二十三日", THU, whole(d(11, 23))),
    ("十二月三十一日", THU, whole(d(12, 31))),
    ("十二月十一号", THU, whole(d(12, 11))),
    ("2026年12月3日", THU, whole(d(12, 3))),
    ("二零二六年十二月三日", THU, whole(d(12, 3))),
    ("2026-12-03", THU, whole(d(12, 3))),
    ("30号", THU, whole(d(11, 30))),
    ("从12月1号到3号", THU, whole(d(12, 1), d(12, 3))),
    ("12月1日至12月3日", THU, whole(d(12, 1), d(12, 3))),
    ("12.3-12.5", THU, whole(d(12, 3), d(12, 5))),
    ("12.3-5", THU, whole(d(12, 3), d(12, 5))),
    ("12/3", THU, whole(d(12, 3))),
    ("12/3~12/4", THU, whole(d(12, 3), d(12, 4))),
    ("12月3日—12月4日", THU, whole(d(12, 3), d(12, 4))),
    ("12月3日–12月4日", THU, whole(d(12, 3), d(12, 4))),
    ("12月3日～12月4日", THU, whole(d(12, 3), d(12, 4))),
    ("12月3日 下午 至 12月5日 上午", THU, DateSpan(d(12, 3), "pm", d(12, 5), "am")),
    # full-width digits, dashes and spaces
    ("１２月３日", THU, whole(d(12, 3))),
    ("１２．３－１２．５", THU, whole(d(12, 3), d(12, 5))),
    ("　明天　", THU, whole(d(11, 27))),
    # the year: a month/day over ~2 months back is next year's; an end earlier in the year too
    ("1月5日", THU, whole(d(1, 5, 2027))),
    ("11月1日", THU, whole(d(11, 1))),
    ("12月30日到1月2日", YEAR_END, whole(d(12, 30), d(1, 2, 2027))),
    ("1月2日", YEAR_END, whole(d(1, 2, 2027))),
    ("12月1日", YEAR_END, whole(d(12, 1))),
    ("12月30日", date(2027, 1, 3), whole(d(12, 30))),
    ("12月30日", date(2026, 3, 1), whole(d(12, 30))),
])
def test_reads_dates(phrase: str, today: date, expected: DateSpan) -> None:
    assert parse_date_phrase(phrase, today, CAL) == expected


@pytest.mark.parametrize(("phrase", "today", "expected"), [
    # N school days from the first school day after today (Thu 26th: Fri 27th, Mon 30th, Tue 1st)
    ("3天", THU, whole(d(11, 27), d(12, 1))),
    ("３天", THU, whole(d(11, 27), d(12, 1))),
    ("三天", THU, whole(d(11, 27), d(12, 1))),
    ("请假两天", THU, whole(d(11, 27), d(11, 30))),
    ("请两天假", THU, whole(d(11, 27), d(11, 30))),
    ("两天半", THU, DateSpan(d(11, 27), "am", d(12, 1), "am")),
    ("2.5天", THU, DateSpan(d(11, 27), "am", d(12, 1), "am")),
    ("一天半", THU, DateSpan(d(11, 27), "am", d(11, 30), "am")),
    ("一天", THU, whole(d(11, 27))),
    ("半天", THU, DateSpan(d(11, 27), "am", d(11, 27), "am")),
    ("3个上课日", THU, whole(d(11, 27), d(12, 1))),
    ("60天", date(2026, 9, 1), whole(d(9, 2), d(11, 30))),  # 60 school days, 90 dates
    ("3天", YEAR_END, whole(d(12, 29), d(12, 31))),
    # a national holiday is skipped: from Wed 30 Sep, the next school day is Thu 8 Oct
    ("两天", date(2026, 9, 30), whole(d(10, 8), d(10, 9))),
    # ... and the 调休 Saturday 10 Oct is a school day
    ("3天", date(2026, 9, 30), whole(d(10, 8), d(10, 10))),
])
def test_counts_school_days_from_tomorrow(phrase: str, today: date, expected: DateSpan) -> None:
    assert parse_date_phrase(phrase, today, CAL) == expected


@pytest.mark.parametrize(("phrase", "today", "window", "halves"), [
    ("今天下午两点到四点", THU, (time(14), time(16)), ("pm", "pm")),
    ("14:00-16:00", THU, (time(14), time(16)), ("pm", "pm")),
    ("１４：００－１６：００", THU, (time(14), time(16)), ("pm", "pm")),
    ("下午2点到4点", THU, (time(14), time(16)), ("pm", "pm")),
    ("下午两点半到四点", THU, (time(14, 30), time(16)), ("pm", "pm")),
    ("上午10点到下午3点", THU, (time(10), time(15)), ("am", "pm")),
    ("8点到10点", THU, (time(8), time(10)), ("am", "am")),
    ("中午12点到1点", THU, (time(12), time(13)), ("pm", "pm")),
    ("上午9点15分到11点", THU, (time(9, 15), time(11)), ("am", "am")),
])
def test_reads_a_clock_window_on_one_day(phrase: str, today: date,
                                         window: tuple[time, time],
                                         halves: tuple[Half, Half]) -> None:
    assert parse_date_phrase(phrase, today, CAL) == DateSpan(today, halves[0], today, halves[1],
                                                              window=window)


def test_a_window_on_a_named_day() -> None:
    assert parse_date_phrase("12月7日下午2点到4点", THU, CAL) == DateSpan(
        d(12, 7), "pm", d(12, 7), "pm", window=(time(14), time(16)))


@pytest.mark.parametrize(("phrase", "today", "says"), [
    ("", THU, "没有写日期"),
    ("   ", THU, "没有写日期"),
    ("请假", THU, "没看懂「请假」"),
    ("下下下周", THU, "没看懂「下下下周」"),
    ("下下下周一", THU, "没看懂"),
    ("2月30日", THU, "2月没有30日"),
    ("4月31日", THU, "4月没有31日"),
    ("13月1日", THU, "没有13月"),
    ("0月1日", THU, "没有0月"),
    ("12月0日", THU, "12月没有0日"),
    ("2月29日", THU, "2027年没有2月29日"),
    ("11月31号", THU, "11月没有31日"),
    ("周八", THU, "星期只有一到日"),
    ("周0", THU, "星期只有一到日"),
    ("后天到今天", THU, "结束早于开始"),
    ("12月5日到12月3日", THU, "结束早于开始"),
    ("12月30日到3号", YEAR_END, "结束早于开始"),
    ("今天下午到上午", THU, "结束早于开始"),
    ("下午4点到2点", THU, "结束早于开始"),
    ("上午10点到2点", THU, "结束早于开始"),
    ("明天到", THU, "没看懂"),
    ("到明天", THU, "没看懂"),
    ("明天到后天到周五", THU, "没看懂"),
    ("12月1日一12月3日", THU, "没看懂"),  # 一 is a number, not a separator
    ("周一一周三", THU, "没看懂"),
    ("3号", THU, "是哪个月的"),  # past in this month: which month is meant?
    ("3", THU, "没看懂"),
    ("12-3", THU, "没看懂"),  # a range or a date? refused
    ("下午", THU, "没看懂"),
    ("一二月三日", THU, "没看懂"),
    ("明天下午3点", THU, "没看懂"),
    ("2点到4点", THU, "上午还是下午"),
    ("25:00-26:00", THU, "没有「25:00」这个时间"),
    ("上午14点到15点", THU, "没有「14点」这个时间"),
    ("61天", THU, "超过60天"),
    ("一百天", THU, "超过60天"),
    ("1月1日到3月31日", THU, "超过60天"),
    ("0天", THU, "天数要大于0"),
    ("1.3天", THU, "按整天或半天"),
    ("1.5天半", THU, "按整天或半天"),
    ("2030年1月1日", THU, "2030年太远了"),
    ("4天", YEAR_END, "2027年的放假安排还没有录入，请联系学校管理员"),  # 12-29..31, then 2027
    ("明天上午下午", THU, "没看懂"),
    ("今天 病假", THU, "没看懂"),
])
def test_refuses_rather_than_guesses(phrase: str, today: date, says: str) -> None:
    with pytest.raises(DatePhraseError) as caught:
        parse_date_phrase(phrase, today, CAL)
    message = str(caught.value)
    assert says in message
    assert message.endswith("可以这样写：明天、后天到周五、12月3日上午、从12月1号到3号")


def test_a_count_needs_enough_school_days_within_a_year() -> None:
    short = SchoolCalendar(terms=(Term("短", date(2026, 11, 30), date(2026, 12, 1)),))
    with pytest.raises(DatePhraseError, match="凑不够"):
        parse_date_phrase("3天", THU, short)


def test_span_ends_as_half_day_points() -> None:
    span = parse_date_phrase("周五下午到下周二上午", THU, CAL)
    assert (span.first, span.last) == (HalfDayPoint(d(11, 27), "pm"), HalfDayPoint(d(12, 1), "am"))


@pytest.mark.parametrize(("text", "value"), [
    ("一", 1), ("两", 2), ("十", 10), ("十一", 11), ("十二", 12), ("二十", 20), ("二十三", 23),
    ("三十一", 31), ("一百", 100), ("一百零五", 105), ("二零二六", 2026),
    ("一二", None), ("十十", None), ("三三十", None), ("百", None), ("天", None), ("", None),
])
def test_chinese_numerals(text: str, value: int | None) -> None:
    assert cn_to_int(text) == value


def test_replaces_numeral_runs_in_text() -> None:
    assert replace_cn_numbers("十二月三十一日下午两点") == "12月31日下午2点"
    with pytest.raises(ValueError):
        replace_cn_numbers("一二月")


def test_a_count_runs_on_into_a_year_the_school_declared() -> None:
    declared = SchoolCalendar(terms=CAL.terms, package=KNOWS_2026, declared=(
        DeclaredYear(2027, frozenset({d(1, 1, 2027)})),))  # invented for the test
    span = parse_date_phrase("4天", YEAR_END, declared)
    assert span == whole(d(12, 29), d(1, 4, 2027))  # Tue–Thu, then (Fri 1-1 off) Monday
