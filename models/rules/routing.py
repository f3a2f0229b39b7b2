"""Who approves a leave, and what to do while it waits (reminders, escalation, quiet hours)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Literal


@dataclass(frozen=True)
class ApprovalTier:
    """Leaves of up to `max_days` school days (half days count) are decided by `role`."""

    max_days: float
    role: str


@dataclass(frozen=True)
class Route:
    role: str | None  # None: refused, the 休学 procedure applies instead
    tier_index: int | None  # an index into approval_chain(); None when refused
    too_long: bool  # longer than the last tier: the 休学 line goes on the echo and the card

    @property
    def refused(self) -> bool:
        return self.tier_index is None


def approval_chain(tiers: Sequence[ApprovalTier],
                   beyond: str | None) -> tuple[ApprovalTier, ...]:
    """Everyone who may decide, lowest first; a leave's `tier_index` counts in this chain.

    The configured tiers, then the role that takes leaves beyond the last tier (unbounded). When
    that role is the last tier's own (校长 after 校长), it is no new tier: the last tier takes
    those leaves too, so a leave is never moved up to the same people. `beyond` None: refused.
    """
    if not tiers:
        raise ValueError("at least one tier is needed")
    if beyond is None or beyond == tiers[-1].role:
        return tuple(tiers)
    return (*tiers, ApprovalTier(math.inf, beyond))


def route_for(days: float, tiers: Sequence[ApprovalTier], beyond: str | None) -> Route:
    """The first tier whose max_days >= days; beyond the last tier → `beyond`, or refused."""
    if days < 0:
        raise ValueError(f"days must not be negative: {days}")
    for index, tier in enumerate(tiers):
        if days <= tier.max_days:
            return Route(role=tier.role, tier_index=index, too_long=False)
    if beyond is None:
        return Route(role=None, tier_index=None, too_long=True)
    return Route(role=beyond, tier_index=len(approval_chain(tiers, beyond)) - 1, too_long=True)


def chained_days(days: float, neighbours_days: Sequence[float]) -> float:
    """Days counted for routing: this leave plus every back-to-back leave of the same child.

    The caller collects the whole chain (leaves linked by only_non_school_days_between), so
    3+3 routes as 6 and cannot dodge the tier.
    """
    if days < 0 or any(d < 0 for d in neighbours_days):
        raise ValueError("days must not be negative")
    return days + sum(neighbours_days)


def tier_may_decide(approver_roles: frozenset[str], routed_tier_index: int,
                    tiers: Sequence[ApprovalTier]) -> bool:
    """Whether someone with these roles may decide a request routed to this tier.

    The routed tier or any higher one of the chain (approval_chain()). Ownership (a 班主任
    decides only for their own class) is checked by the caller; this is about roles only.
    """
    if not 0 <= routed_tier_index < len(tiers):
        raise ValueError(f"no tier {routed_tier_index}")
    return any(tier.role in approver_roles for tier in tiers[routed_tier_index:])


@dataclass(frozen=True)
class ReminderStep:
    kind: Literal["none", "remind", "escalate"]
    next_tier_index: int | None


NOTHING = ReminderStep("none", None)


def pending_action(submitted_at: datetime, now: datetime, reminded: bool, tier_index: int,
                   tiers: Sequence[ApprovalTier], remind_after: timedelta,
                   escalate_after: timedelta, quiet_start: time, quiet_end: time,
                   tz: tzinfo) -> ReminderStep:
    """What to do now for a request still pending at tier `tier_index` of the chain `tiers`.

    `tiers` is approval_chain(): a leave beyond the last configured tier sits at its top, and one
    at the last configured tier moves up to the role beyond it when that is a different role.

    `submitted_at` is when the request reached its current tier (the submit time, or the last
    escalation). Steps, and what the caller records after acting on one:
    - "none": nothing is due, or it is quiet hours (in `tz`; quiet_start > quiet_end spans
      midnight, equal times mean no quiet hours). What fell due in quiet hours happens after.
    - "remind", next_tier_index None: remind the current tier once → set reminded.
    - "escalate", next_tier_index i+1: after escalate_after, hand over to the next tier → set
      tier_index=i+1, submitted_at=now, reminded=False (an escalation due replaces a reminder due).
    - At the top tier there is no one higher: when escalate_after has passed the step is
      "remind" with next_tier_index = the top tier itself → remind again and restart the clock
      (submitted_at=now, reminded=True). So the top tier is reminded once every escalate_after.
    Uniform caller rule: reminded = (kind == "remind"); if next_tier_index is not None:
    tier_index = next_tier_index and submitted_at = now.
    """
    if not 0 <= tier_index < len(tiers):
        raise ValueError(f"no tier {tier_index}")
    if now.tzinfo is None or submitted_at.tzinfo is None:
        raise ValueError("submitted_at and now must carry a time zone")
    if in_quiet_hours(now.astimezone(tz).time(), quiet_start, quiet_end):
        return NOTHING
    waited = now - submitted_at
    if waited >= escalate_after:
        if tier_index + 1 < len(tiers):
            return ReminderStep("escalate", tier_index + 1)
        return ReminderStep("remind", tier_index)
    if waited >= remind_after and not reminded:
        return ReminderStep("remind", None)
    return NOTHING


def quiet_until(now: datetime, quiet_start: time, quiet_end: time, tz: tzinfo) -> datetime | None:
    """When the quiet hours `now` is in end (quiet_end, local), or None outside them."""
    local = now.astimezone(tz)
    if not in_quiet_hours(local.time(), quiet_start, quiet_end):
        return None
    day = local.date() if local.time() < quiet_end else local.date() + timedelta(days=1)
    return datetime.combine(day, quiet_end, tz)


def in_quiet_hours(local: time, quiet_start: time, quiet_end: time) -> bool:
    """Whether a local wall-clock time is in [quiet_start, quiet_end), which may span midnight."""
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= local < quiet_end
    return local >= quiet_start or local < quiet_end
