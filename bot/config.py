"""Configuration: read `config.toml` once into frozen, validated sections."""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.roster_import import ROLES
from models.rules.calendar import DeclaredYear, SchoolCalendar, Term
from models.rules.routing import ApprovalTier, approval_chain

NOT_APPROVERS = ("家长", "门卫", "管理员")  # roles with other duties: never a tier's role
REFUSE = "refuse"  # [approval] beyond_last_tier: leaves longer than the last tier are refused
# A role is a word of the roster's 角色 column: no spaces or separators, at most 16 characters.
_ROLE_NAME = re.compile(r"[^\s,，、/;；|\"'=]{1,16}")
# 篇三 §七.1: 三天以内 班主任, 三天至一周 政教处, 两周以内 主管校长 (a week is five school days).
DEFAULT_TIERS = (("max_days", 3, "班主任"), ("max_weeks", 1, "政教处"), ("max_weeks", 2, "校长"))
DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"
DEFAULT_OAUTH_BASE = "https://open.weixin.qq.com"


class ConfigError(Exception):
    """A config key is missing or wrong; the message names the key and the reason."""


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    max_body_bytes: int = 64 * 1024
    # Where this school's pages live below the host: "" for a single school, "/s/<code>" for
    # each school of a deployment (set by the deployment, never read from a file). public_url
    # already ends with it.
    base_path: str = ""


@dataclass(frozen=True)
class WeComConfig:
    corp_id: str
    agent_id: int
    secret: str
    token: str
    encoding_aes_key: str
    api_base: str = DEFAULT_API_BASE
    oauth_base: str = DEFAULT_OAUTH_BASE
    timestamp_window_seconds: int = 300
    request_timeout_seconds: float = 5.0


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = "sqlite+aiosqlite:///qingjia.db"
    busy_timeout_ms: int = 30_000
    inbox_workers: int = 4  # PostgreSQL only; SQLite writes one at a time anyway
    max_connections: int = 40  # PostgreSQL only: the most one process opens


@dataclass(frozen=True)
class SchoolConfig:
    code: str
    name: str
    timezone: str = "Asia/Shanghai"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class ApprovalConfig:
    tiers: tuple[ApprovalTier, ...]  # as configured, in school days, growing
    beyond_last_tier: str | None = "校长"  # who takes longer leaves; None: refused ("refuse")
    school_days_per_week: int = 5
    remind_after_hours: float = 4.0
    escalate_after_hours: float = 24.0
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)

    @property
    def chain(self) -> tuple[ApprovalTier, ...]:
        """The tiers a leave's tier_index counts in (see models.rules.routing.approval_chain)."""
        return approval_chain(self.tiers, self.beyond_last_tier)

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role that decides leaves, lowest tier first, each once."""
        return tuple(dict.fromkeys(t.role for t in self.chain))


@dataclass(frozen=True)
class LeaveConfig:
    backdate_school_days: int = 3
    sick_note_after_days: float = 3.0


@dataclass(frozen=True)
class AttendanceConfig:
    report_cutoff: time = time(9, 0)
    office_alert: time = time(10, 0)
    truancy_run: time = time(16, 30)
    correct_school_days: int = 3


@dataclass(frozen=True)
class TruancyConfig:
    office_after_days: int = 3
    principal_after_days: int = 10
    dropout_after_days: int = 15
    term_periods_limit: int = 180
    periods_per_day: int = 8
    leave_advisory_weeks: float = 6.0


@dataclass(frozen=True)
class DropoutConfig:
    """控辍保学: a case opens at `suspect_after_days` (疑似辍学; 辍学 is the ladder's
    [truancy] dropout_after_days) and closes `close_after_days` school days after the return."""

    suspect_after_days: int = 5
    close_after_days: int = 10
    ledger_day: int = 25  # the 校长 is reminded to check and send the month's ledger


NOTIFIABLE = ("流感", "水痘", "腮腺炎", "手足口病", "诺如病毒", "猩红热", "肺结核", "麻疹", "风疹",
              "甲肝", "细菌性痢疾")


@dataclass(frozen=True)
class HealthConfig:
    """因病缺勤登记追踪: the daily report's cut-off and summary, the follow-up, clusters."""

    report_cutoff: time = time(9, 30)  # a class's attendance report by then is its 因病缺课 report
    summary_at: time = time(10, 0)  # the 校医 gets the school's summary
    followup_at: time = time(8, 0)  # the next school morning: 就诊了吗，诊断是什么
    cluster_same_day: int = 3  # one symptom in this many students of a class on one day
    cluster_in_window: int = 5  # … or in this many within cluster_window_days school days
    cluster_window_days: int = 3
    # 复课证明 before 销假: a 病假 with one of these diagnoses, or longer than
    # certificate_after_days school days, is closed only after the 校医 confirmed the certificate
    notifiable: tuple[str, ...] = NOTIFIABLE
    certificate_after_days: int = 5
    keep_days: int = 180  # symptoms and diagnoses purged this long after their school year ends


@dataclass(frozen=True)
class DialogConfig:
    timeout_minutes: int = 30


@dataclass(frozen=True)
class OutboxConfig:
    per_member_per_minute: int = 25
    per_member_per_hour: int = 900
    lease_seconds: int = 60
    max_backoff_seconds: int = 10
    duplicate_check_seconds: int = 1800
    pause_probe_seconds: int = 60


@dataclass(frozen=True)
class NoticesConfig:
    chase_after_hours: float = 6.0
    quiet_start: time = time(21, 30)
    quiet_end: time = time(7, 0)
    summary_at: time = time(7, 30)


@dataclass(frozen=True)
class RetentionConfig:
    message_days: int = 30


@dataclass(frozen=True)
class GateConfig:
    max_wrong_codes: int = 5
    wrong_code_window_minutes: int = 10


@dataclass(frozen=True)
class WebConfig:
    session_hours: int = 24


@dataclass(frozen=True)
class StorageConfig:
    dir: Path = Path("uploads")


@dataclass(frozen=True)
class SecurityConfig:
    secret_key: str
    # A deployment's school code: each school's keys differ, so a cookie, pass code or link of
    # one school is worthless at another ("" for a single school: its keys stay as they were).
    scope: str = ""

    def derive(self, purpose: str) -> bytes:
        """A 32-byte key for one purpose (pass-code digests, QR links), from the one secret."""
        scoped = f"{purpose}@{self.scope}" if self.scope else purpose
        return hashlib.sha256(f"qingjia:{scoped}:{self.secret_key}".encode()).digest()


@dataclass(frozen=True)
class Config:
    server: ServerConfig
    wecom: WeComConfig
    database: DatabaseConfig
    school: SchoolConfig
    calendar: SchoolCalendar
    approval: ApprovalConfig
    security: SecurityConfig
    leave: LeaveConfig = field(default_factory=LeaveConfig)
    attendance: AttendanceConfig = field(default_factory=AttendanceConfig)
    truancy: TruancyConfig = field(default_factory=TruancyConfig)
    dropout: DropoutConfig = field(default_factory=DropoutConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    dialog: DialogConfig = field(default_factory=DialogConfig)
    outbox: OutboxConfig = field(default_factory=OutboxConfig)
    gate: GateConfig = field(default_factory=GateConfig)
    web: WebConfig = field(default_factory=WebConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    notices: NoticesConfig = field(default_factory=NoticesConfig)


# config.example.toml's [wecom] values: published, so never a real school's (a test keeps these
# in step with the file).
EXAMPLE_WECOM = {"secret": "demo-secret-change-me", "token": "demotoken",
                 "encoding_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}


def example_values_in_use(config: Config) -> list[str]:
    """The [wecom] keys that still hold config.example.toml's published values."""
    return [f"wecom.{key}" for key, value in EXAMPLE_WECOM.items()
            if getattr(config.wecom, key) == value]


def staff_roles(config: Config) -> tuple[str, ...]:
    """The roles staff.csv's 角色 column accepts: the built-in ones and the approvers named."""
    return tuple(dict.fromkeys((*ROLES, *config.approval.roles)))


def resolve_config_path(given: str | None) -> Path:
    """`--config` if given, else ./config.toml if present, else $QINGJIA_CONFIG."""
    if given:
        return Path(given)
    local = Path("config.toml")
    if local.exists() or "QINGJIA_CONFIG" not in os.environ:
        return local
    return Path(os.environ["QINGJIA_CONFIG"])


def load_config(path: Path) -> Config:
    """Read and validate a config file; raise ConfigError naming the bad key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    return parse_config(raw)


def parse_config(raw: dict[str, Any]) -> Config:
    """Build a Config from a parsed TOML document."""
    r = _Reader(raw)
    return Config(
        server=_server(r),
        wecom=_wecom(r),
        database=_database(r),
        school=_school(r),
        calendar=_calendar(r),
        approval=_approval(r),
        security=_security(r),
        leave=LeaveConfig(
            backdate_school_days=r.whole("leave.backdate_school_days", 3, lo=0),
            sick_note_after_days=r.number("leave.sick_note_after_days", 3.0, lo=0),
        ),
        attendance=AttendanceConfig(
            report_cutoff=r.clock("attendance.report_cutoff", time(9, 0)),
            office_alert=r.clock("attendance.office_alert", time(10, 0)),
            truancy_run=r.clock("attendance.truancy_run", time(16, 30)),
            correct_school_days=r.whole("attendance.correct_school_days", 3, lo=1),
        ),
        truancy=TruancyConfig(
            office_after_days=r.whole("truancy.office_after_days", 3, lo=1),
            principal_after_days=r.whole("truancy.principal_after_days", 10, lo=1),
            dropout_after_days=r.whole("truancy.dropout_after_days", 15, lo=1),
            term_periods_limit=r.whole("truancy.term_periods_limit", 180, lo=1),
            periods_per_day=r.whole("truancy.periods_per_day", 8, lo=1),
            leave_advisory_weeks=r.number("truancy.leave_advisory_weeks", 6.0, lo=0),
        ),
        dropout=DropoutConfig(
            suspect_after_days=r.whole("dropout.suspect_after_days", 5, lo=1),
            close_after_days=r.whole("dropout.close_after_days", 10, lo=1),
            ledger_day=r.whole("dropout.ledger_day", 25, lo=1, hi=28),
        ),
        health=HealthConfig(
            report_cutoff=r.clock("health.report_cutoff", time(9, 30)),
            summary_at=r.clock("health.summary_at", time(10, 0)),
            followup_at=r.clock("health.followup_at", time(8, 0)),
            cluster_same_day=r.whole("health.cluster_same_day", 3, lo=2),
            cluster_in_window=r.whole("health.cluster_in_window", 5, lo=2),
            cluster_window_days=r.whole("health.cluster_window_days", 3, lo=1, hi=20),
            notifiable=r.words("health.notifiable", NOTIFIABLE),
            certificate_after_days=r.whole("health.certificate_after_days", 5, lo=0, hi=200),
            keep_days=r.whole("health.keep_days", 180, lo=0, hi=3650),
        ),
        dialog=DialogConfig(timeout_minutes=r.whole("dialog.timeout_minutes", 30, lo=1)),
        outbox=OutboxConfig(
            per_member_per_minute=r.whole("outbox.per_member_per_minute", 25, lo=1, hi=30),
            per_member_per_hour=r.whole("outbox.per_member_per_hour", 900, lo=1, hi=1000),
            lease_seconds=r.whole("outbox.lease_seconds", 60, lo=5),
            max_backoff_seconds=r.whole("outbox.max_backoff_seconds", 10, lo=1),
            pause_probe_seconds=r.whole("outbox.pause_probe_seconds", 60, lo=5),
            duplicate_check_seconds=r.whole("outbox.duplicate_check_seconds", 1800, lo=0, hi=14400),
        ),
        gate=GateConfig(
            max_wrong_codes=r.whole("gate.max_wrong_codes", 5, lo=1),
            wrong_code_window_minutes=r.whole("gate.wrong_code_window_minutes", 10, lo=1),
        ),
        web=WebConfig(session_hours=r.whole("web.session_hours", 24, lo=1, hi=24 * 7)),
        retention=RetentionConfig(message_days=r.whole("retention.message_days", 30, lo=1)),
        storage=StorageConfig(dir=Path(r.text("storage.dir", "uploads"))),
        notices=NoticesConfig(
            chase_after_hours=r.number("notices.chase_after_hours", 6.0, lo=0.1),
            quiet_start=r.clock("notices.quiet_start", time(21, 30)),
            quiet_end=r.clock("notices.quiet_end", time(7, 0)),
            summary_at=r.clock("notices.summary_at", time(7, 30)),
        ),
    )


def server_config(raw: dict[str, Any]) -> ServerConfig:
    """[server] alone (a deployment's main file)."""
    return _server(_Reader(raw))


def database_config(raw: dict[str, Any]) -> DatabaseConfig:
    """[database] alone (a deployment's main file)."""
    return _database(_Reader(raw))


def _server(r: _Reader) -> ServerConfig:
    return ServerConfig(
        host=r.text("server.host", "127.0.0.1"),
        port=r.whole("server.port", 8080, lo=1, hi=65535),
        public_url=r.text("server.public_url", "http://127.0.0.1:8080").rstrip("/"),
        max_body_bytes=r.whole("server.max_body_bytes", 64 * 1024, lo=1024),
    )


def _database(r: _Reader) -> DatabaseConfig:
    return DatabaseConfig(url=r.text("database.url", DatabaseConfig.url),
                          busy_timeout_ms=r.whole("database.busy_timeout_ms", 30_000, lo=1),
                          inbox_workers=r.whole("database.inbox_workers", 4, lo=1, hi=32),
                          max_connections=r.whole("database.max_connections", 40, lo=2,
                                                  hi=1000))


def _wecom(r: _Reader) -> WeComConfig:
    aes_key = r.text("wecom.encoding_aes_key")
    if len(aes_key) != 43:
        raise ConfigError("wecom.encoding_aes_key: must be the 43-character key "
                          "from the admin page")
    return WeComConfig(
        corp_id=r.text("wecom.corp_id"),
        agent_id=r.whole("wecom.agent_id", lo=0),
        secret=r.text("wecom.secret"),
        token=r.text("wecom.token"),
        encoding_aes_key=aes_key,
        api_base=r.text("wecom.api_base", DEFAULT_API_BASE).rstrip("/"),
        oauth_base=r.text("wecom.oauth_base", DEFAULT_OAUTH_BASE).rstrip("/"),
        timestamp_window_seconds=r.whole("wecom.timestamp_window_seconds", 300, lo=1),
        request_timeout_seconds=r.number("wecom.request_timeout_seconds", 5.0, lo=0.1),
    )


def _security(r: _Reader) -> SecurityConfig:
    secret = r.text("security.secret_key")
    if len(secret) < 16:
        raise ConfigError("security.secret_key: must be at least 16 characters")
    return SecurityConfig(secret_key=secret)


def _school(r: _Reader) -> SchoolConfig:
    school = SchoolConfig(
        code=r.text("school.code"),
        name=r.text("school.name"),
        timezone=r.text("school.timezone", "Asia/Shanghai"),
    )
    try:
        ZoneInfo(school.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"school.timezone: unknown time zone {school.timezone!r}") from exc
    return school


def _national(r: _Reader) -> tuple[DeclaredYear, ...]:
    """`[calendar.national.YYYY]`: the years whose national schedule the school declares."""
    years = []
    for name, item in r.table("calendar.national").items():
        key = f"calendar.national.{name}"
        if not (name.isdigit() and len(name) == 4):
            raise ConfigError(f"{key}: the table's name must be a year, e.g. "
                              "[calendar.national.2027]")
        if not isinstance(item, dict):
            raise ConfigError(f"{key}: must be a table with holidays and workdays")
        years.append(_declared_year(key, int(name), item))
    return tuple(sorted(years, key=lambda y: y.year))


def _declared_year(key: str, year: int, item: dict[str, Any]) -> DeclaredYear:
    extra = sorted(set(item) - {"holidays", "workdays"})
    if extra:
        raise ConfigError(f"{key}.{extra[0]}: unknown key (a year has holidays and workdays)")
    sub = _Reader(item, prefix=key + ".")
    holidays, workdays = set(sub.days("holidays")), set(sub.days("workdays"))
    if not holidays:
        raise ConfigError(f"{key}.holidays: must list the year's days off, as the State "
                          "Council's notice gives them")
    for list_name, days in (("holidays", holidays), ("workdays", workdays)):
        outside = sorted(d for d in days if d.year != year)
        if outside:
            raise ConfigError(f"{key}.{list_name}: {outside[0]} is not in {year}")
    both = sorted(holidays & workdays)
    if both:
        raise ConfigError(f"{key}: {both[0]} is in both holidays and workdays")
    weekdays = sorted(d for d in workdays if d.weekday() < 5)
    if weekdays:
        raise ConfigError(f"{key}.workdays: {weekdays[0]} is a weekday; list only the weekend "
                          "days that are worked (调休)")
    return DeclaredYear(year, frozenset(holidays), frozenset(workdays))


def _calendar(r: _Reader) -> SchoolCalendar:
    terms = []
    for i, item in enumerate(r.tables("calendar.terms")):
        key = f"calendar.terms[{i}]"
        sub = _Reader(item, prefix=key + ".")
        term = Term(name=sub.text("name"), start=sub.day("start"), end=sub.day("end"))
        if term.end < term.start:
            raise ConfigError(f"{key}.end: before its start")
        terms.append(term)
    if not terms:
        raise ConfigError("calendar.terms: at least one term is needed")
    return SchoolCalendar(
        terms=tuple(sorted(terms, key=lambda t: t.start)),
        days_off=frozenset(r.days("calendar.extra_days_off")),
        make_up_days=frozenset(r.days("calendar.extra_school_days")),
        declared=_national(r),
    )


def _approval(r: _Reader) -> ApprovalConfig:
    per_week = r.whole("approval.school_days_per_week", 5, lo=1, hi=7)
    tiers: list[ApprovalTier] = []
    given = r.tables("approval.tiers") if r.has("approval.tiers") else _default_tiers()
    for i, item in enumerate(given):
        key = f"approval.tiers[{i}]"
        tier = _tier(_Reader(item, prefix=key + "."), key, per_week)
        if tiers and tier.max_days <= tiers[-1].max_days:
            unit = "max_weeks" if "max_weeks" in item else "max_days"
            raise ConfigError(f"{key}.{unit}: tiers must grow, {tier.max_days:g} school days "
                              f"after {tiers[-1].max_days:g}")
        tiers.append(tier)
    if not tiers:
        raise ConfigError("approval.tiers: at least one tier is needed")
    beyond = r.text("approval.beyond_last_tier", "校长")
    return ApprovalConfig(
        tiers=tuple(tiers),
        beyond_last_tier=None if beyond == REFUSE else _role(beyond,
                                                              "approval.beyond_last_tier"),
        school_days_per_week=per_week,
        remind_after_hours=r.number("approval.remind_after_hours", 4.0, lo=0),
        escalate_after_hours=r.number("approval.escalate_after_hours", 24.0, lo=0),
        quiet_start=r.clock("approval.quiet_start", time(21, 0)),
        quiet_end=r.clock("approval.quiet_end", time(7, 0)),
    )


def _default_tiers() -> list[dict[str, Any]]:
    return [{unit: n, "role": role} for unit, n, role in DEFAULT_TIERS]


def _tier(sub: _Reader, key: str, per_week: int) -> ApprovalTier:
    """One tier, written in school days (`max_days`) or school weeks (`max_weeks`)."""
    given = [unit for unit in ("max_days", "max_weeks") if sub.has(unit)]
    if len(given) != 1:
        raise ConfigError(f"{key}: give either max_days or max_weeks (school days or weeks)")
    if given == ["max_days"]:
        days = sub.number("max_days", lo=0.5)
    else:
        days = sub.number("max_weeks", lo=0.1) * per_week
        if days < 0.5:
            raise ConfigError(f"{key}.max_weeks: less than half a school day")
    return ApprovalTier(max_days=days, role=_role(sub.text("role"), f"{key}.role"))


def _role(name: str, key: str) -> str:
    if name in NOT_APPROVERS:
        raise ConfigError(f"{key}: {name} cannot approve leave")
    if not _ROLE_NAME.fullmatch(name):
        raise ConfigError(f"{key}: a role is one word of at most 16 characters, "
                          "as in the roster's 角色 column")
    return name


_MISSING = object()


class _Reader:
    """Typed access to dotted keys with errors that name the key."""

    def __init__(self, raw: dict[str, Any], prefix: str = "") -> None:
        self._raw = raw
        self._prefix = prefix

    def _get(self, key: str, default: Any) -> Any:
        node: Any = self._raw
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is _MISSING:
                    raise ConfigError(f"{self._prefix}{key}: missing")
                return default
            node = node[part]
        return node

    def has(self, key: str) -> bool:
        absent = object()
        return self._get(key, absent) is not absent

    def _fail(self, key: str, why: str) -> ConfigError:
        return ConfigError(f"{self._prefix}{key}: {why}")

    def text(self, key: str, default: Any = _MISSING) -> str:
        value = self._get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self._fail(key, "must be a non-empty string")
        return value.strip()

    def whole(self, key: str, default: Any = _MISSING, lo: int | None = None,
            hi: int | None = None) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, "must be a whole number")
        self._range(key, value, lo, hi)
        return value

    def number(self, key: str, default: Any = _MISSING, lo: float | None = None) -> float:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(key, "must be a number")
        self._range(key, value, lo, None)
        return float(value)

    def _range(self, key: str, value: float, lo: float | None, hi: float | None) -> None:
        if lo is not None and value < lo:
            raise self._fail(key, f"must be at least {lo}")
        if hi is not None and value > hi:
            raise self._fail(key, f"must be at most {hi}")

    def clock(self, key: str, default: Any = _MISSING) -> time:
        value = self._get(key, default)
        if isinstance(value, time):
            return value
        try:
            return time.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise self._fail(key, 'must be a time like "09:00"') from exc

    def words(self, key: str, default: Any = _MISSING) -> tuple[str, ...]:
        value = self._get(key, default)
        if not isinstance(value, list | tuple) or not all(
                isinstance(v, str) and v.strip() for v in value):
            raise self._fail(key, "must be a list of non-empty strings")
        return tuple(v.strip() for v in value)

    def table(self, key: str) -> dict[str, Any]:
        value = self._get(key, {})
        if not isinstance(value, dict):
            raise self._fail(key, "must be a table")
        return value

    def day(self, key: str) -> date:
        return self._as_date(key, self._get(key, _MISSING))

    def _as_date(self, key: str, value: Any) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise self._fail(key, "must be a date like 2026-09-01") from exc

    def days(self, key: str) -> list[date]:
        value = self._get(key, [])
        if not isinstance(value, list):
            raise self._fail(key, "must be a list of dates")
        return [self._as_date(key, v) for v in value]

    def tables(self, key: str) -> list[dict[str, Any]]:
        value = self._get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self._fail(key, "must be a list of tables")
        return value
