"""How a student's school day reads in the attendance report; how classes are named and listed."""

from __future__ import annotations

from datetime import date

import pytest

from models.rules.classes import class_label, class_order, grade_number
from models.rules.daymarks import DayMark, day_mark
from models.rules.ladder import truant_share

SAT = date(2026, 10, 10)  # a 调休 Saturday: a school day like any other
AM = SAT.toordinal() * 2
PM = AM + 1
SICK_DAY = ("病假", AM, PM)
PERSONAL_AM = ("事假", AM, AM)
TEMPORARY_PM = ("临时请假", PM, PM)
SICK_BEFORE = ("病假", AM - 4, AM)  # a leave ending this morning


@pytest.mark.parametrize(("reported", "absent", "covers", "text", "shares"), [
    # the class did not report: nobody knows, whatever the leaves say
    (False, None, [], "未报", {"未报": 1}),
    (False, (AM, PM), [SICK_DAY], "未报", {"未报": 1}),
    # reported and not listed absent: present, even with a leave that day
    (True, None, [], "出勤", {"出勤": 1}),
    (True, None, [SICK_DAY], "出勤", {"出勤": 1}),
    # reported absent: a leave makes it 病 or 事 by its kind, no leave makes it 旷
    (True, (AM, PM), [SICK_DAY], "病", {"病": 1}),
    (True, (AM, PM), [("事假", AM, PM)], "事", {"事": 1}),
    (True, (AM, PM), [("临时请假", AM, PM)], "事", {"事": 1}),
    (True, (AM, PM), [], "旷", {"旷": 1}),
    # half days count 0.5 each, and both halves are shown when they differ
    (True, (AM, AM), [], "上午旷 下午出勤", {"旷": 0.5, "出勤": 0.5}),
    (True, (PM, PM), [TEMPORARY_PM], "上午出勤 下午事", {"事": 0.5, "出勤": 0.5}),
    (True, (AM, PM), [PERSONAL_AM], "上午事 下午旷", {"事": 0.5, "旷": 0.5}),
    (True, (AM, PM), [SICK_BEFORE], "上午病 下午旷", {"病": 0.5, "旷": 0.5}),
    (True, (AM, PM), [PERSONAL_AM, TEMPORARY_PM], "事", {"事": 1}),
    # two leaves over one half (not normally possible): 病 is the more specific
    (True, (AM, AM), [SICK_DAY, PERSONAL_AM], "上午病 下午出勤", {"病": 0.5, "出勤": 0.5}),
])
def test_a_school_day_reads(reported, absent, covers, text, shares) -> None:  # type: ignore[no-untyped-def]
    mark = day_mark(SAT, reported, absent, covers)
    assert mark.text == text
    for word in ("出勤", "病", "事", "旷", "未报"):
        assert mark.share(word) == shares.get(word, 0)


@pytest.mark.parametrize("absent", [(AM, AM), (PM, PM), (AM, PM)])
@pytest.mark.parametrize("covers", [[], [SICK_DAY], [PERSONAL_AM], [TEMPORARY_PM],
                                    [SICK_BEFORE], [PERSONAL_AM, TEMPORARY_PM]])
def test_truant_halves_are_what_the_truancy_run_records(absent, covers) -> None:  # type: ignore[no-untyped-def]
    mark = day_mark(SAT, True, absent, covers)
    assert mark.share("旷") == truant_share(absent, [(a, b) for _, a, b in covers])


def test_a_whole_day_mark_is_one_word() -> None:
    assert DayMark("病", "病").text == "病"


@pytest.mark.parametrize(("grade", "number"), [
    ("一年级", 1), ("六年级", 6), ("初一", 7), ("七年级", 7), ("初三", 9), ("高一", 10),
    ("高三", 12), ("3年级", 3), ("预备班", None), ("初", None),
])
def test_grades_in_school_order(grade: str, number: int | None) -> None:
    assert grade_number(grade) == number


def test_classes_are_listed_by_grade_then_by_number() -> None:
    classes = [("高一", "(1)班"), ("初二", "(10)班"), ("初二", "(2)班"), ("初一", "(1)班"),
               ("预备班", "(1)班"), ("初三", "(1)班")]
    assert sorted(classes, key=lambda c: class_order(*c)) == [
        ("初一", "(1)班"), ("初二", "(2)班"), ("初二", "(10)班"), ("初三", "(1)班"),
        ("高一", "(1)班"), ("预备班", "(1)班")]


@pytest.mark.parametrize(("grade", "name", "label"), [
    ("初一", "(3)班", "初一(3)班"),  # as stored: the grade is not repeated in the name
    ("初一", "初一(3)班", "初一(3)班"),  # written whole: not doubled
    ("", "实验班", "实验班"),
    ("高二", "5班", "高二5班"),
])
def test_a_class_is_named_grade_then_class(grade: str, name: str, label: str) -> None:
    assert class_label(grade, name) == label
