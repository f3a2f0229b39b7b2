"""Who approves a leave of N school days, and what happens while it waits."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.rules.routing import (
    ApprovalTier,
    ReminderStep,
    Route,
    approval_chain,
    chained_days,
    in_quiet_hours,
    pending_action,
    route_for,
    tier_may_decide,
)

# 篇三 §七.1: 三天以内 班主任; 三天至一周 政教处; 两周以内 主管校长 — a week is 5 school days.
TIERS = (ApprovalTier(3, "班主任"), ApprovalTier(5, "政教处"), ApprovalTier(10, "校长"))
BEYOND = "校长"  # 篇四 §七.2: 两周以上由校长批准
CHAIN = approval_chain(TIERS, BEYOND)  # 校长 after 校长 is no new tier
# 篇四 §七.2: 一日 班主任; 至两周 教导处; 两周以上 校长.
PIAN_SI = (ApprovalTier(1, "班主任"), ApprovalTier(10, "教导处"))
PIAN_SI_CHAIN = approval_chain(PIAN_SI, "校长")
SHANGHAI = ZoneInfo("Asia/Shanghai")
REMIND = timedelta(hours=4)
ESCALATE = timedelta(hours=24)
QUIET = (time(21), time(7))


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("days", "route"), [
    (0.5, Route("班主任", 0, False)),
    (3, Route("班主任", 0, False)),  # 三天以内: 班主任
    (3.5, Route("政教处", 1, False)),
    (5, Route("政教处", 1, False)),  # 三天至一周: 政教处
    (5.5, Route("校长", 2, False)),
    (6, Route("校长", 2, False)),  # more than a school week: 校长, not 政教处
    (10, Route("校长", 2, False)),  # 两周以内: 主管校长
    (10.5, Route("校长", 2, True)),  # 两周以上: 校长 too, with the 休学 line
    (11, Route("校长", 2, True)),
    (30, Route("校长", 2, True)),
    (0, Route("班主任", 0, False)),  # e.g. a leave on a weekend only
])
def test_routes_by_school_days(days: float, route: Route) -> None:
    assert route_for(days, TIERS, BEYOND) == route


@pytest.mark.parametrize(("days", "route"), [
    (10, Route("校长", 2, False)),
    (10.5, Route(None, None, True)),  # beyond_last_tier = "refuse": 休学, not a leave
    (11, Route(None, None, True)),
])
def test_refusing_beyond_the_last_tier(days: float, route: Route) -> None:
    assert route_for(days, TIERS, None) == route
    assert route.refused is (route.tier_index is None)


@pytest.mark.parametrize(("days", "route"), [
    (1, Route("班主任", 0, False)),  # 请假一日由班主任批准
    (1.5, Route("教导处", 1, False)),
    (5, Route("教导处", 1, False)),
    (10, Route("教导处", 1, False)),  # 一周至两周之内由教导处批准
    (10.5, Route("校长", 2, True)),  # 两周以上由校长批准: a tier of its own
    (40, Route("校长", 2, True)),
])
def test_pian_si_tiers(days: float, route: Route) -> None:
    assert route_for(days, PIAN_SI, "校长") == route


@pytest.mark.parametrize(("tiers", "beyond", "chain"), [
    (TIERS, "校长", TIERS),  # the last tier's own role takes longer leaves too
    (TIERS, None, TIERS),  # refused: nobody beyond
    (PIAN_SI, "校长", (*PIAN_SI, ApprovalTier(math.inf, "校长"))),
    (TIERS, "政教处", (*TIERS, ApprovalTier(math.inf, "政教处"))),  # a different role: a tier
])
def test_the_approval_chain(tiers: tuple[ApprovalTier, ...], beyond: str | None,
                            chain: tuple[ApprovalTier, ...]) -> None:
    assert approval_chain(tiers, beyond) == chain


def test_tiers_are_data() -> None:
    other = (ApprovalTier(1, "班主任"), ApprovalTier(5, "校长"))
    assert route_for(2, other, None) == Route("校长", 1, False)
    assert route_for(5.5, other, None).refused


def test_negative_days_are_a_bug() -> None:
    with pytest.raises(ValueError):
        route_for(-1, TIERS, BEYOND)


def test_no_tiers_is_a_bug() -> None:
    with pytest.raises(ValueError):
        approval_chain((), BEYOND)


@pytest.mark.parametrize(("days", "neighbours", "total", "role"), [
    (2, [2], 4, "政教处"),  # 2+2 back to back cannot stay with the 班主任
    (3, [2], 5, "政教处"),
    (3, [3], 6, "校长"),  # 3+3 is more than a school week
    (3, [], 3, "班主任"),
    (2, [2.5, 3], 7.5, "校长"),
    (1.5, [1.5], 3, "班主任"),
])
def test_back_to_back_leaves_route_together(days: float, neighbours: list[float], total: float,
                                            role: str) -> None:
    assert chained_days(days, neighbours) == total
    assert route_for(chained_days(days, neighbours), TIERS, BEYOND).role == role


@pytest.mark.parametrize(("roles", "routed", "may"), [
    ({"班主任"}, 0, True),
    ({"政教处"}, 0, True),  # a higher tier may decide
    ({"校长"}, 0, True),
    ({"班主任"}, 1, False),  # a lower tier may not
    ({"政教处"}, 1, True),
    ({"校长"}, 1, True),
    ({"班主任", "政教处"}, 2, False),
    ({"校长"}, 2, True),
    ({"门卫"}, 0, False),
    ({"家长"}, 0, False),
    (set(), 0, False),
])
def test_who_may_decide(roles: set[str], routed: int, may: bool) -> None:
    assert tier_may_decide(frozenset(roles), routed, CHAIN) is may


@pytest.mark.parametrize(("roles", "routed", "may"), [
    ({"班主任"}, 0, True),
    ({"教导处"}, 0, True),
    ({"校长"}, 0, True),
    ({"教导处"}, 1, True),
    ({"校长"}, 1, True),  # the role beyond the last tier is above it
    ({"教导处"}, 2, False),  # a leave beyond two weeks: 校长 only
    ({"班主任", "教导处"}, 2, False),
    ({"校长"}, 2, True),
    ({"政教处"}, 0, False),  # not named by these tiers
])
def test_who_may_decide_under_pian_si(roles: set[str], routed: int, may: bool) -> None:
    assert tier_may_decide(frozenset(roles), routed, PIAN_SI_CHAIN) is may


def test_deciding_an_unknown_tier_is_a_bug() -> None:
    with pytest.raises(ValueError):
        tier_may_decide(frozenset({"校长"}), 3, CHAIN)


SUBMITTED = local(26, 8)  # Thursday 08:00


@pytest.mark.parametrize(("now", "reminded", "tier", "step"), [
    (local(26, 10), False, 0, ReminderStep("none", None)),  # 2 h: too early
    (local(26, 12), False, 0, ReminderStep("remind", None)),  # 4 h: remind once
    (local(26, 12), True, 0, ReminderStep("none", None)),  # ... and only once
    (local(26, 20, 59), True, 0, ReminderStep("none", None)),
    (local(26, 22), False, 0, ReminderStep("none", None)),  # quiet hours: wait
    (local(27, 6, 59), False, 0, ReminderStep("none", None)),  # still quiet after midnight
    (local(27, 7), False, 0, ReminderStep("remind", None)),  # the morning after quiet hours
    (local(27, 8), True, 0, ReminderStep("escalate", 1)),  # 24 h: one tier up
    (local(27, 8), False, 0, ReminderStep("escalate", 1)),  # escalation replaces the reminder
    (local(27, 8), True, 1, ReminderStep("escalate", 2)),
    (local(27, 8), True, 2, ReminderStep("remind", 2)),  # top tier: remind again, restart
    (local(27, 8), False, 2, ReminderStep("remind", 2)),
    (local(26, 12), False, 2, ReminderStep("remind", None)),
    # a UTC clock is read in the school's time zone: 14:00 UTC is 22:00 in Beijing
    (datetime(2026, 11, 26, 14, 0, tzinfo=UTC), False, 0, ReminderStep("none", None)),
    (datetime(2026, 11, 26, 4, 0, tzinfo=UTC), False, 0, ReminderStep("remind", None)),
])
def test_pending_requests_are_reminded_then_escalated(now: datetime, reminded: bool, tier: int,
                                                      step: ReminderStep) -> None:
    assert pending_action(SUBMITTED, now, reminded, tier, CHAIN, REMIND, ESCALATE,
                          *QUIET, SHANGHAI) == step


@pytest.mark.parametrize(("chain", "reminded", "tier", "step"), [
    (CHAIN, True, 2, ReminderStep("remind", 2)),  # beyond two weeks sits with 校长: reminded
    (PIAN_SI_CHAIN, True, 1, ReminderStep("escalate", 2)),  # 教导处 → 校长 beyond the tiers
    (PIAN_SI_CHAIN, True, 2, ReminderStep("remind", 2)),  # 校长 is the top
    (TIERS, True, 2, ReminderStep("remind", 2)),  # refusing config: same chain as the tiers
])
def test_moving_up_counts_the_role_beyond_the_last_tier(
        chain: tuple[ApprovalTier, ...], reminded: bool, tier: int, step: ReminderStep) -> None:
    assert pending_action(SUBMITTED, local(27, 8), reminded, tier, chain, REMIND, ESCALATE,
                          *QUIET, SHANGHAI) == step


def test_a_request_left_alone_climbs_to_the_top_then_is_reminded_daily() -> None:
    """Hourly scheduler ticks for four days, applying the documented caller rule."""
    tier, since, reminded = 0, SUBMITTED, False
    events = []
    now = SUBMITTED
    while now < SUBMITTED + timedelta(days=4):
        now += timedelta(hours=1)
        step = pending_action(since, now, reminded, tier, TIERS, REMIND, ESCALATE, *QUIET,
                              SHANGHAI)
        if step.kind == "none":
            continue
        events.append((now.strftime("%d %H:%M"), step.kind, step.next_tier_index))
        reminded = step.kind == "remind"
        if step.next_tier_index is not None:
            tier, since = step.next_tier_index, now
    assert events == [
        ("26 12:00", "remind", None),  # 班主任 reminded
        ("27 08:00", "escalate", 1),  # 政教处
        ("27 12:00", "remind", None),
        ("28 08:00", "escalate", 2),  # 校长
        ("28 12:00", "remind", None),
        ("29 08:00", "remind", 2),  # the top: once a day from now on
        ("30 08:00", "remind", 2),
    ]


def test_an_escalation_due_at_night_waits_for_the_morning() -> None:
    submitted = local(25, 22, 30)
    assert pending_action(submitted, local(26, 22, 30), True, 0, TIERS, REMIND, ESCALATE,
                          *QUIET, SHANGHAI) == ReminderStep("none", None)
    assert pending_action(submitted, local(27, 7), True, 0, TIERS, REMIND, ESCALATE,
                          *QUIET, SHANGHAI) == ReminderStep("escalate", 1)


@pytest.mark.parametrize(("at", "start", "end", "quiet"), [
    (time(21), time(21), time(7), True),
    (time(23, 59), time(21), time(7), True),
    (time(0), time(21), time(7), True),
    (time(6, 59), time(21), time(7), True),
    (time(7), time(21), time(7), False),
    (time(20, 59), time(21), time(7), False),
    (time(12, 30), time(12), time(13), True),  # a lunch break: does not span midnight
    (time(13), time(12), time(13), False),
    (time(11, 59), time(12), time(13), False),
    (time(3), time(0), time(0), False),  # equal times: no quiet hours
])
def test_quiet_hours(at: time, start: time, end: time, quiet: bool) -> None:
    assert in_quiet_hours(at, start, end) is quiet


def test_naive_times_are_a_bug() -> None:
    with pytest.raises(ValueError):
        pending_action(datetime(2026, 11, 26, 8), datetime(2026, 11, 26, 12), False, 0, TIERS,
                       REMIND, ESCALATE, *QUIET, SHANGHAI)
