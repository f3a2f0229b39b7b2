"""The [approval] section: tiers in school days or weeks, the role beyond the last tier, roles."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.config import ROLES, ApprovalConfig, ConfigError, parse_config, staff_roles
from models.rules.routing import ApprovalTier

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


def approval(section: dict[str, Any] | None) -> ApprovalConfig:
    """The example config with its [approval] section replaced (None: no section at all)."""
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    del raw["approval"]
    if section is not None:
        raw["approval"] = section
    return parse_config(raw).approval


def test_the_example_follows_pian_san_with_five_day_weeks() -> None:
    example = parse_config(tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))).approval
    assert example.tiers == (ApprovalTier(3, "班主任"), ApprovalTier(5, "政教处"),
                             ApprovalTier(10, "校长"))
    assert example.beyond_last_tier == "校长"
    assert example.school_days_per_week == 5
    assert example.chain == example.tiers  # 校长 beyond 校长: no tier of its own
    assert example.roles == ("班主任", "政教处", "校长")


def test_without_an_approval_section_the_defaults_are_the_examples() -> None:
    example = parse_config(tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))).approval
    assert approval(None) == example


def test_a_week_is_as_many_school_days_as_the_school_says() -> None:
    six = approval({"school_days_per_week": 6,
                    "tiers": [{"max_days": 3, "role": "班主任"}, {"max_weeks": 1, "role": "政教处"},
                              {"max_weeks": 2.5, "role": "校长"}]})
    assert [t.max_days for t in six.tiers] == [3, 6, 15]


def test_pian_si_is_expressible() -> None:
    """篇四 §七.2: 一日 班主任; 至两周 教导处; 两周以上 校长."""
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    raw["approval"] = tomllib.loads('''
        tiers = [{ max_days = 1, role = "班主任" }, { max_weeks = 2, role = "教导处" }]
        beyond_last_tier = "校长"
    ''')
    config = parse_config(raw)
    assert config.approval.chain == (ApprovalTier(1, "班主任"), ApprovalTier(10, "教导处"),
                                     ApprovalTier(math.inf, "校长"))
    assert config.approval.roles == ("班主任", "教导处", "校长")
    assert staff_roles(config) == (*ROLES, "教导处")


def test_refuse_beyond_the_last_tier() -> None:
    refusing = approval({"beyond_last_tier": "refuse"})
    assert refusing.beyond_last_tier is None
    assert refusing.chain == refusing.tiers


@pytest.mark.parametrize(("section", "error"), [
    ({"tiers": [{"max_days": 3, "max_weeks": 1, "role": "班主任"}]},
     "approval.tiers[0]: give either max_days or max_weeks"),
    ({"tiers": [{"role": "班主任"}]}, "approval.tiers[0]: give either max_days or max_weeks"),
    ({"tiers": [{"max_days": 5, "role": "班主任"}, {"max_weeks": 1, "role": "政教处"}]},
     "approval.tiers[1].max_weeks: tiers must grow, 5 school days after 5"),
    ({"tiers": [{"max_days": 0.25, "role": "班主任"}]}, "approval.tiers[0].max_days"),
    ({"tiers": [{"max_weeks": 0.05, "role": "班主任"}]}, "approval.tiers[0].max_weeks"),
    ({"tiers": []}, "approval.tiers: at least one tier is needed"),
    ({"tiers": [{"max_days": 3, "role": "门卫"}]}, "approval.tiers[0].role: 门卫 cannot approve"),
    ({"tiers": [{"max_days": 3, "role": "家长"}]}, "approval.tiers[0].role: 家长 cannot approve"),
    ({"tiers": [{"max_days": 3, "role": "教导 处"}]}, "approval.tiers[0].role: a role is one word"),
    ({"tiers": [{"max_days": 3, "role": "班主任,政教处"}]}, "approval.tiers[0].role"),
    ({"beyond_last_tier": "管理员"}, "approval.beyond_last_tier: 管理员 cannot approve"),
    ({"beyond_last_tier": ""}, "approval.beyond_last_tier: must be a non-empty string"),
    ({"school_days_per_week": 8}, "approval.school_days_per_week: must be at most 7"),
    ({"school_days_per_week": 0}, "approval.school_days_per_week: must be at least 1"),
])
def test_a_bad_approval_section_names_the_key(section: dict[str, Any], error: str) -> None:
    with pytest.raises(ConfigError) as caught:
        approval(section)
    assert error in str(caught.value)
