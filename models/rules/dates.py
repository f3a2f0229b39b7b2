"""Everyday Chinese date phrases → DateSpan: our own small grammar that refuses rather than guesses.

How a phrase is read (today is always a parameter, never the clock):
- 今天/明天/后天/大后天 (and 昨天/前天, for back-dating, which is limited elsewhere).
- A bare weekday (周五, 星期五, 礼拜五; 周日/周天 = Sunday) is this week's if it is today or later,
  else next week's. 本周X/这周X is this Monday–Sunday week's even if past; 下周X is next
  week's; 下下周X the week after. Nothing further (下下下周 is refused).
- A month/day without a year is its first occurrence on or after 60 days before today, so 1月2日
  said on 12月28日 is next January, while 12月1日 said then is this December (back-dating).
- A bare day (30号) alone is this month's; a past one is refused: we ask for the month.
- After a separator (到 至 - ~ — –; 一 is not one) the end inherits from the start: a bare weekday
  is the first such weekday on or after the start (下周一至周三, 周五到周一), a bare day takes the
  start's month (从12月1号到3号), a month/day earlier in the year than the start is next year's
  (12月30日到1月2日). An end before its start is refused.
- 3天 / 两天半 / 请假两天 / 半天: N school days from the first school day after today; a half
  day ends in the morning (am) of the last day. A day whose year's national schedule is not
  entered yet stops the count with a DatePhraseError that says so in plain words.
- A clock window (今天下午两点到四点, 14:00-16:00, 下午2点到4点) is one day (default today)
  with `window` set. The end inherits 上午/下午 from the start; without either, a time outside
  06:00–22:00 is refused. Halves: am if the window starts before 12:00, pm if it ends after 12:00.
- Refused: empty text, impossible dates (2月30日, 13月1日, 周八), a span or count over 60 days,
  a year other than last, this or next, anything not fully understood.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Literal

from models.rules.calendar import DayKind, SchoolCalendar, not_entered
from models.rules.cn_numbers import replace_cn_numbers
from models.rules.textbudget import clip

Half = Literal["am", "pm"]
EXAMPLES = "明天、后天到周五、12月3日上午、从12月1号到3号"
MAX_DAYS = 60          # longest count (school days) or span (calendar days) we accept
BACKDATE_WINDOW = 60   # a month/day up to this many days before today is this year's

_SEP = r"到|至|~|-|—+|–|〜"
_REL = {"前天": -2, "昨天": -1, "今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}
_HALVES: dict[str, Half] = {"上午": "am", "下午": "pm"}
_WEEKS = {"本": 0, "这": 0, "下": 1, "下下": 2}
_POINT = re.compile(
    r"(?:(?P<rel>大后天|后天|明天|明日|今天|今日|昨天|前天)"
    r"|(?P<wk>本|这|下下|下)?个?(?:周|星期|礼拜)(?P<wd>\d+|日|天)"
    r"|(?:(?P<y>\d{4})年)?(?:(?P<m>\d{1,2})月)?(?P<d>\d{1,2})(?P<dm>日|号)?)?"
    r"(?P<half>上午|下午)?")
_COUNT = re.compile(r"(?:(?P<n>\d+(?:\.\d+)?)个?(?:上课日|工作日|天)(?P<half>半)?|半天)")
_MARK = "上午|早上|中午|下午|晚上"
_CLOCK = r"\d{1,2}(?::\d{2}|点(?:半|整|\d{1,2}分?)?)"
_WINDOW = re.compile(
    rf"(?P<day>.*?)(?P<m1>{_MARK})?(?P<t1>{_CLOCK})(?:{_SEP})(?P<m2>{_MARK})?(?P<t2>{_CLOCK})")


@dataclass(frozen=True)
class HalfDayPoint:
    day: date
    half: Half


@dataclass(frozen=True)
class DateSpan:
    """From start_half of start to end_half of end; whole days are am→pm."""

    start: date
    start_half: Half
    end: date
    end_half: Half
    window: tuple[time, time] | None = None  # a same-day clock window, e.g. 14:00–16:00

    @property
    def first(self) -> HalfDayPoint:
        return HalfDayPoint(self.start, self.start_half)

    @property
    def last(self) -> HalfDayPoint:
        return HalfDayPoint(self.end, self.end_half)


class DatePhraseError(Exception):
    """A phrase we will not guess at; the message (Chinese) says why and shows what works."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"{problem}。可以这样写：{EXAMPLES}")


def parse_date_phrase(text: str, today: date, calendar: SchoolCalendar) -> DateSpan:
    """Read one date phrase relative to `today`; raise DatePhraseError rather than guess."""
    return _Parser(text, today, calendar).parse()


class _Parser:
    def __init__(self, text: str, today: date, calendar: SchoolCalendar) -> None:
        self.orig = text.strip()
        self.today = today
        self.calendar = calendar

    def fail(self, why: str = "") -> DatePhraseError:
        orig = clip(self.orig)
        return DatePhraseError(f"「{orig}」{why}" if why else f"没看懂「{orig}」")

    def parse(self) -> DateSpan:
        s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", self.orig))
        s = re.sub(r"(?:请假|的假|假)$", "", re.sub(r"^(?:请假|请)?从?", "", s))
        if not s:
            raise DatePhraseError("没有写日期" if not self.orig else f"没看懂「{clip(self.orig)}」")
        try:
            s = replace_cn_numbers(s)
        except ValueError as exc:
            raise self.fail() from exc
        if m := _COUNT.fullmatch(s):
            return self._count(m)
        s = re.sub(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", r"\1年\2月\3日", s)
        s = re.sub(r"(\d{1,2})[./](\d{1,2})", r"\1月\2日", s)
        if m := _WINDOW.fullmatch(s):
            return self._window(m)
        parts = re.split(_SEP, s)
        if len(parts) > 2 or not all(parts):
            raise self.fail()
        start, start_half = self._point(parts[0], None)
        if len(parts) == 1:
            return DateSpan(start, start_half or "am", start, start_half or "pm")
        end, end_half = self._point(parts[1], start)
        span = DateSpan(start, start_half or "am", end, end_half or "pm")
        if (end, span.end_half) < (start, span.start_half):  # "am" < "pm"
            raise self.fail("的结束早于开始")
        if (end - start).days + 1 > MAX_DAYS:
            raise self.fail(f"超过{MAX_DAYS}天，这不是请假，请联系班主任办理休学")
        return span

    def _count(self, m: re.Match[str]) -> DateSpan:
        n = float(m["n"]) + (0.5 if m["half"] else 0) if m["n"] else 0.5
        if (m["half"] and "." in m["n"]) or n * 2 != int(n * 2):
            raise self.fail("：请按整天或半天写")
        if n <= 0:
            raise self.fail("：天数要大于0")
        if n > MAX_DAYS:
            raise self.fail(f"超过{MAX_DAYS}天，这不是请假，请联系班主任办理休学")
        days: list[date] = []
        day = self.today
        for _ in range(366):
            day += timedelta(days=1)
            kind = self.calendar.kind(day)
            if kind is DayKind.UNKNOWN:
                raise self.fail(f"没法数上课日：{not_entered(day.year)}")
            if kind is DayKind.SCHOOL_DAY:
                days.append(day)
                if len(days) == math.ceil(n):
                    return DateSpan(days[0], "am", days[-1], "pm" if n == int(n) else "am")
        raise self.fail("：一年内凑不够这么多上课日")

    def _window(self, m: re.Match[str]) -> DateSpan:
        day, half = self._point(m["day"], None) if m["day"] else (self.today, None)
        if half:
            raise self.fail()
        start = self._clock(m["t1"], m["m1"])
        end = self._clock(m["t2"], m["m2"] or m["m1"])
        if end <= start:
            raise self.fail("的结束早于开始")
        return DateSpan(day, "am" if start < time(12) else "pm",
                        day, "pm" if end > time(12) else "am", window=(start, end))

    def _clock(self, token: str, mark: str | None) -> time:
        m = re.fullmatch(r"(\d+)(?::(\d+)|点(?:(半)|整|(\d+)分?)?)", token)
        assert m is not None  # _CLOCK already matched
        hour, minute = int(m[1]), int(m[2] or m[4] or 0) + (30 if m[3] else 0)
        if (mark in ("下午", "晚上") and 1 <= hour < 12) or (mark == "中午" and 1 <= hour <= 3):
            hour += 12
        if hour > 23 or minute > 59 or (mark in ("上午", "早上") and hour > 12):
            raise self.fail(f"：没有「{clip(token, 60)}」这个时间")
        if mark is None and not 6 <= hour < 22:
            raise self.fail(f"：「{clip(token, 60)}」是上午还是下午？请写明，例如：下午2点到4点")
        return time(hour, minute)

    def _point(self, part: str, start: date | None) -> tuple[date, Half | None]:
        """One side of a phrase; `start` is the resolved start when reading the end."""
        m = _POINT.fullmatch(part)
        if m is None:
            raise self.fail()
        half = _HALVES[m["half"]] if m["half"] else None
        if m["rel"]:
            return self.today + timedelta(days=_REL[m["rel"]]), half
        if m["wd"]:
            weekday = 7 if m["wd"] in ("日", "天") else int(m["wd"])
            if not 1 <= weekday <= 7:
                raise self.fail("：星期只有一到日")
            if m["wk"]:
                monday = self.today - timedelta(days=self.today.weekday())
                return monday + timedelta(days=7 * _WEEKS[m["wk"]] + weekday - 1), half
            base = start or self.today
            return base + timedelta(days=(weekday - 1 - base.weekday()) % 7), half
        if m["d"]:
            return self._month_day(m, start), half
        if start is not None and half:  # 今天上午到下午
            return start, half
        raise self.fail()

    def _month_day(self, m: re.Match[str], start: date | None) -> date:
        day = int(m["d"])
        if m["m"] is None:
            if m["y"] or (start is None and m["dm"] is None):
                raise self.fail()  # a bare number alone could be anything
            anchor = start or self.today
            result = self._make(anchor.year, anchor.month, day)
            if start is None and result < self.today:
                example = f"{self.today.month % 12 + 1}月{day}日"
                raise self.fail(f"是哪个月的？请写上月份，例如：{example}")
            return result
        month = int(m["m"])
        if not 1 <= month <= 12:
            raise self.fail(f"：没有{month}月")
        self._make(2000, month, day)  # a leap year: refuses 2月30日, 4月31日, 0日
        if m["y"]:
            year = int(m["y"])
            if abs(year - self.today.year) > 1:
                raise self.fail(f"：{year}年太远了")
        elif start is not None:  # an end earlier in the year than the start: next year's
            year = start.year + ((month, day) < (start.month, start.day))
            if year > start.year and (self._make(year, month, day) - start).days >= MAX_DAYS:
                raise self.fail("的结束早于开始")
        else:
            since = self.today - timedelta(days=BACKDATE_WINDOW)
            year = since.year + ((month, day) < (since.month, since.day))
        return self._make(year, month, day)

    def _make(self, year: int, month: int, day: int) -> date:
        try:
            return date(year, month, day)
        except ValueError:
            why = f"{month}月没有{day}日" if year == 2000 else f"{year}年没有{month}月{day}日"
            raise self.fail(f"：{why}") from None
