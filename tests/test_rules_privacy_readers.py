"""Who may see a child's symptoms, diagnosis or 复课证明 (models/rules/privacy.may_read)."""

from __future__ import annotations

import pytest

from models.rules.privacy import may_read


@pytest.mark.parametrize(("roles", "approver", "own_class", "allowed"), [
    ({"校医"}, False, False, True),  # the school's doctor: every child
    ({"校长"}, False, False, True),
    ({"班主任"}, False, True, True),  # a 班主任: their own classes' children
    ({"班主任"}, False, False, False),  # … and nobody else's
    ({"班主任", "校医"}, False, False, True),
    ({"政教处"}, True, False, True),  # the approver of the child's leave
    ({"政教处"}, False, True, False),
    ({"门卫"}, False, True, False),
    ({"管理员"}, False, True, False),
    (set(), False, True, False),
])
def test_who_may_read(roles: set[str], approver: bool, own_class: bool, allowed: bool) -> None:
    assert may_read(frozenset(roles), approver=approver, own_class=own_class) is allowed
