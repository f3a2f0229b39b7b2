"""Who may see a student's records on a page (models/rules/access.py), as the roster says."""

from __future__ import annotations

import pytest

from models.rules.access import Reader, is_staff, may_see_student

CHILD, OTHER_CHILD = 11, 12
CLASS, OTHER_CLASS = 1, 2


def reader(*roles: str, children: tuple[int, ...] = (), classes: tuple[int, ...] = ()) -> Reader:
    return Reader(frozenset(roles), frozenset(children), frozenset(classes))


@pytest.mark.parametrize(("who", "sees"), [
    (reader("家长", children=(CHILD,)), True),                       # a guardian of the child
    (reader("家长", children=(OTHER_CHILD,)), False),                # of another child
    (reader("班主任", classes=(CLASS,)), True),                       # the child's 班主任
    (reader("班主任", classes=(OTHER_CLASS,)), False),                # another class's
    (reader("班主任", "家长", classes=(OTHER_CLASS,), children=(CHILD,)), True),
    (reader("政教处"), True),                                         # the whole school
    (reader("校长"), True),
    (reader("门卫"), False),
    (reader("管理员"), False),
    (reader("班主任"), False),                                        # a role without a class
    (reader(), False),                                               # nobody in the roster
])
def test_may_see_student(who: Reader, sees: bool) -> None:
    assert may_see_student(who, CHILD, CLASS) is sees


@pytest.mark.parametrize(("roles", "staff"), [
    (("班主任",), True), (("政教处",), True), (("校长",), True), (("门卫",), True),
    (("管理员",), True), (("家长",), False), ((), False), (("家长", "门卫"), True),
])
def test_is_staff(roles: tuple[str, ...], staff: bool) -> None:
    assert is_staff(reader(*roles)) is staff
