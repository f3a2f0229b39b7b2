"""Who may open which console page and download which report (models/rules/console.py)."""

from __future__ import annotations

import pytest

from models.rules.access import Reader
from models.rules.console import (
    ATTENDANCE,
    AUDIT,
    DOWNLOADS,
    DROPOUT,
    ILLNESS,
    LEAVES,
    LEDGER,
    MANAGE,
    STUDENTS,
    TERM,
    TODAY,
    ClassScope,
    class_scope,
    exports,
    may_export,
    pages,
)

MINE, OTHER = 1, 2


def reader(*roles: str, classes: tuple[int, ...] = (), children: tuple[int, ...] = ()) -> Reader:
    return Reader(frozenset(roles), frozenset(children), frozenset(classes))


TEACHER = reader("班主任", classes=(MINE,))


@pytest.mark.parametrize(("who", "menu"), [
    (TEACHER, (TODAY, TERM, STUDENTS, DOWNLOADS)),
    (reader("政教处"), (TODAY, TERM, STUDENTS, DOWNLOADS, AUDIT)),
    (reader("校长"), (TODAY, TERM, STUDENTS, DOWNLOADS, AUDIT)),
    (reader("管理员"), (DOWNLOADS, AUDIT, MANAGE)),
    (reader("门卫"), ()),
    (reader("家长", children=(7,)), ()),
    (reader(), ()),
    (reader("班主任", "管理员", classes=(MINE,)), (TODAY, TERM, STUDENTS, DOWNLOADS, AUDIT,
                                                  MANAGE)),
    (reader("门卫", "家长"), ()),
    (reader("校医"), (DOWNLOADS,)),
])
def test_the_pages_each_role_opens(who: Reader, menu: tuple[str, ...]) -> None:
    assert pages(who) == menu


@pytest.mark.parametrize(("who", "scope"), [
    (TEACHER, ClassScope(False, frozenset({MINE}))),
    (reader("班主任", "家长", classes=(MINE,), children=(7,)),
     ClassScope(False, frozenset({MINE}))),
    (reader("政教处"), ClassScope(True, frozenset())),
    (reader("校长", "班主任", classes=(MINE,)), ClassScope(True, frozenset())),
    (reader("管理员"), ClassScope(False, frozenset())),
    (reader("门卫"), ClassScope(False, frozenset())),
    (reader("班主任"), ClassScope(False, frozenset())),  # a 班主任 row with no class behind it
])
def test_whose_records_the_console_shows(who: Reader, scope: ClassScope) -> None:
    assert class_scope(who) == scope


def test_a_scope_sees_its_own_classes_only() -> None:
    mine = ClassScope(False, frozenset({MINE}))
    assert mine.sees(MINE) and not mine.sees(OTHER) and not mine.empty
    assert ClassScope(True, frozenset()).sees(OTHER)
    assert ClassScope(False, frozenset()).empty


@pytest.mark.parametrize(("who", "report", "class_id", "allowed"), [
    (TEACHER, ATTENDANCE, MINE, True),        # their own class's workbook
    (TEACHER, ATTENDANCE, OTHER, False),      # another class's
    (TEACHER, ATTENDANCE, None, False),       # the whole school's
    (TEACHER, LEAVES, None, False),           # the leave workbook is the school's
    (TEACHER, DROPOUT, MINE, True),           # a case of their own student
    (TEACHER, DROPOUT, OTHER, False),
    (reader("政教处"), ATTENDANCE, None, True),
    (reader("政教处"), LEAVES, None, True),
    (reader("校长"), DROPOUT, OTHER, True),
    (reader("管理员"), ATTENDANCE, OTHER, True),
    (reader("管理员"), LEAVES, None, True),
    (reader("管理员"), DROPOUT, MINE, True),
    (reader("门卫"), ATTENDANCE, MINE, False),
    (reader("家长", children=(7,)), DROPOUT, MINE, False),
    (reader("家长", classes=(MINE,)), ATTENDANCE, MINE, False),  # classes without the role
    (reader("校长"), ILLNESS, None, True),    # the 因病缺课登记表: 校长 and 校医 only
    (reader("校医"), ILLNESS, None, True),
    (reader("校医"), ATTENDANCE, None, False),
    (reader("校医"), DROPOUT, MINE, False),
    (reader("政教处"), ILLNESS, None, False),
    (reader("管理员"), ILLNESS, None, False),
    (TEACHER, ILLNESS, MINE, False),
    (reader("门卫"), ILLNESS, None, False),
])
def test_who_may_download_what(who: Reader, report: str, class_id: int | None,
                               allowed: bool) -> None:
    assert may_export(who, report, class_id) is allowed


@pytest.mark.parametrize(("who", "listed"), [
    (TEACHER, (ATTENDANCE, DROPOUT)),
    (reader("政教处"), (ATTENDANCE, LEAVES, DROPOUT, LEDGER)),
    (reader("校长"), (ATTENDANCE, LEAVES, DROPOUT, LEDGER, ILLNESS)),
    (reader("管理员"), (ATTENDANCE, LEAVES, DROPOUT, LEDGER)),
    (reader("校医"), (ILLNESS,)),
    (reader("门卫"), ()),
])
def test_the_reports_the_downloads_page_offers(who: Reader, listed: tuple[str, ...]) -> None:
    assert exports(who) == listed
