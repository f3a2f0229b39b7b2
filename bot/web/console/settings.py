"""The config in force, as rows for the admin page: every key of every section, secrets masked.

A secret is shown as set or not, never in any part: the WeCom app's secret, token and
EncodingAESKey, `[security] secret_key`, and the password inside `[database] url`.
"""

from __future__ import annotations

import dataclasses
from datetime import date, time
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config import Config
from models.rules.calendar import SchoolCalendar
from models.rules.routing import ApprovalTier

SECRETS = frozenset({"wecom.secret", "wecom.token", "wecom.encoding_aes_key",
                     "security.secret_key"})
MASK = "已设置（不显示）"
HIDDEN_SECTIONS = frozenset({"calendar"})  # shown by the calendar check instead


def config_rows(config: Config) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(section, [(key, value as text), …]), …] in the order config.example.toml has them."""
    out = []
    for section in dataclasses.fields(config):
        value = getattr(config, section.name)
        if section.name in HIDDEN_SECTIONS:
            out.append((section.name, _calendar(value)))
            continue
        rows = []
        for item in dataclasses.fields(value):
            key = f"{section.name}.{item.name}"
            rows.append((item.name, _shown(key, getattr(value, item.name))))
        out.append((section.name, rows))
    return out


def _shown(key: str, value: Any) -> str:
    if key in SECRETS:
        return MASK if value else "未设置"
    if key == "database.url":
        return _database_url(value)
    if key == "approval.beyond_last_tier" and value is None:
        return "refuse（不受理，告知休学办法）"
    if isinstance(value, tuple) and value and isinstance(value[0], ApprovalTier):
        return "；".join(f"不超过{t.max_days:g}个上课日：{t.role}" for t in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "—"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    return str(value)


def _database_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "（无法解析，不显示）"


def _calendar(calendar: SchoolCalendar) -> list[tuple[str, str]]:
    def days(values: frozenset[date]) -> str:
        return "、".join(str(d) for d in sorted(values)) or "—"

    return [("terms", "；".join(f"{t.name}：{t.start} 至 {t.end}" for t in calendar.terms)),
            ("extra_days_off", days(calendar.days_off)),
            ("extra_school_days", days(calendar.make_up_days)),
            ("national", "、".join(str(y.year) for y in calendar.declared) or "—")]
