"""The one routing map: every router, in the order messages try them.

Commands of staff come before the parent's catch-all for "明天病假", so that
`驳回 17 请补交病假证明` or `临时请假 张小明 病假` reach the approver and the 班主任. A dialog step
waiting for an answer (`WaitingFor`, handlers/dialogs.py) never takes a command, wherever its
router stands: `驳回 17` then `考勤 全勤` records the attendance and asks again for the reason.
"""

from __future__ import annotations

from handlers import (
    absence,
    approver,
    attendance,
    common,
    dropout,
    guard,
    health,
    notices,
    parent,
    privacy,
    recovery,
    teacher,
)
from handlers.dispatcher import Router

ROUTERS: tuple[Router, ...] = (
    common.router,
    notices.senders,
    notices.clicks,
    notices.families,
    privacy.router,
    approver.router,
    teacher.router,
    attendance.router,
    absence.router,
    dropout.router,
    health.router,
    recovery.doctors,
    recovery.families,
    guard.router,
    parent.router,
)
