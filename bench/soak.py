"""Soak: mixed chat traffic against two `qingjia serve` instances, one killed every two minutes.

Two real `qingjia serve` processes (`python -m bot.cli serve --config …`, one config file each,
identical but for the port) share a fresh PostgreSQL database (`qingjia_soak_<random>`, migrated,
a generated roster, dropped at the end). Their WeCom API host is one `WeComStandIn` in this
process. A round-robin "load balancer" here sends each signed, encrypted callback to one
instance; when that instance does not answer (connection refused while it is down, or the
connection dropped by the kill) or answers anything but 200, the same callback is posted to the
other one, as WeCom retries. Every `--kill-every` seconds one instance (alternating) gets SIGKILL
and is started again `--down` seconds later.

The traffic is paced at `--rate` callbacks/s for `--minutes`, by many simulated members who act
on what the stand-in delivers to them:

* parents: `请假 <child> <day> 事假 <reason>`, then `确认` once the echo arrives. Each student's
  leaves are on distinct, unchained school days: first one covering today (its pass is valid
  now, so the guard can let the student out), then single December days; one student in 64 asks
  for four December days (政教处 decides) and one in 64 for eight (校长 decides);
* approvers (班主任, 政教处, 校长): `批准 N` once the approval card for 单号N arrives;
* 门卫: `核验 CODE` with the 放行码 parsed from the parent's message, then `放行 CODE` when the
  pass is valid now (today's leaves); a December pass is only checked ("还未到请假时间");
* 班主任: `考勤 全勤` / `考勤 缺勤 <names>` for their class, a fixed share of the traffic.

Follow-ups go first; the rest of the paced slots start new leaves. When the time is up the
traffic stops, both instances drain (bounded), and everything is counted against the database
and the stand-in: callbacks answered 200 against inbox rows, outbox rows against deliveries
(per member and content, a card by its task id), and the business results (one card per
approver per confirmed leave, one 放行 per exit, one notice per event).

With `--schools N` (N > 1) the service is a deployment of N schools (`[deployment]
schools_dir`, a `<code>.toml` per school), each a WeCom corp of its own with its own stand-in
(corp id, secret, token, key), its callback at `/wecom/callback/<code>` and a generated roster of
`--classes`/N classes and `--guards`/N 门卫 (the same load, spread). Every school uses the same
userids and the same MsgIds (both are per corp in WeCom: the hard case); the names of its
students, parents, staff and the school itself carry a mark of the school (`王甲子涵`, `林甲中学`),
so a name seen at another school's stand-in is a crossing. The traffic goes to the schools in
turn, and a small share of it are probes: an approver's `批准 N` for another school's 单号 and a
门卫's `核验` with another school's 放行码, sent to their own school (which must refuse them).
Counted as crossed, besides the probes answered: a delivery at one school's stand-in naming
another school's people or 单号, an outbox row delivered at another school, an inbox row at a
school whose URL never got that callback, a leave whose student is of another school.

With `--workers K` (K > 0) the two HTTP instances run `qingjia serve --no-workers` and K
`qingjia worker` processes do the handling, sending and jobs; the kill loop then alternates
between HTTP instances and workers (A, worker 1, B, worker 2, …), so workers die mid-message.

Today must be a school day for 考勤 and for passes valid now: if the calendar says it is not
(a weekend), the soak's config lists it in `[calendar] extra_school_days` (a school's make-up
day) and says so in the report. No other setting differs from `config.example.toml`
unless `--inbox-workers` or `--max-connections` set those `[database]` keys (a deployment's
processes together must stay under PostgreSQL's max_connections, 100 by default).

    .venv/bin/python bench/soak.py                       # 10 minutes, print the figures
    .venv/bin/python bench/soak.py --write               # and update the Soak section of the doc
    .venv/bin/python bench/soak.py --minutes 1 --kill-every 20    # a quick check
    .venv/bin/python bench/soak.py --schools 20 --workers 2 --write   # a deployment, workers apart
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # project root

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import random
import re
import signal
import tempfile
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
from aiohttp import web
from yarl import URL

from bench._common import (
    CALLBACK_PATH,
    PG_SERVER,
    Machine,
    PostgresCpu,
    code_version,
    cpu_of,
    fresh_pg_database,
    listening_socket,
    machine,
    machine_cpu_seconds,
    pct,
    update_doc,
)
from bench._common import Sealer as SharedSealer
from bot.config import Config, load_config
from bot.deployment import load_deployment
from bot.simulator.standin import Delivered, WeComStandIn
from models.rules.calendar import DayKind, SchoolCalendar
from models.rules.masking import mask_codes
from models.rules.textparts import GATHER_SEPARATOR
from tests.harness import OWN_WECOM, with_own_wecom
from tests.schools import corp_of, prepare_schools, toml_text

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
EXAMPLE_CONFIG = ROOT / "config.example.toml"
SECTION = "## Soak"
BEGIN = ("<!-- soak:begin (generated by `bench/soak.py --write`; "
         "text outside these markers is kept) -->")
END = "<!-- soak:end -->"
MANY = ("## Soak, many schools",
        "<!-- soak-schools:begin (generated by `bench/soak.py --schools N --write`; "
        "text outside these markers is kept) -->",
        "<!-- soak-schools:end -->")

LAST_DAY = date(2026, 12, 31)  # the national calendar knows nothing of 2027 yet
ATTEMPTS = 3  # posts of one callback (alternating instances) before giving up on it
REQUEST_TIMEOUT_SECONDS = 10.0
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 15.0
FLOW_TIMEOUT_SECONDS = 300.0  # a leave waiting this long for its next step is counted stalled
DISTURBED_CPU_SHARE = 0.25  # other processes beyond this share of a CPU: say so in the doc
SPECIAL_EVERY = 64  # one student in this many asks for a 政教处 leave, one for a 校长 leave

GRADES = ("初一", "初二", "初三", "高一", "高二", "高三")
CLASSES_PER_GRADE = 20
SURNAMES = "王李张刘陈杨赵黄吴徐孙马朱胡郭何高林罗郑"
MIDDLE = "子欣浩雨俊思佳梓宇诗"
LAST = "涵怡然桐杰远琪萱轩晨"
PARENT_GIVEN = ("建国", "丽华", "志强", "秀英", "海涛")
REASONS = ("探亲", "家中有事", "参加婚礼", "外出办事", "陪同就医")

ECHO_MARK = "回复「确认」提交"
SUBMITTED = re.compile(r"已提交请假，单号(\d+)")
PASS = re.compile(r"（单号(\d+)）已批准。[\s\S]*放行码：([0-9A-Z]{4}-[0-9A-Z]{4})")
EXIT_NOTICE = re.compile(r"^(\S+?)已于 \S+ 离校（请假单号(\d+)）")
CARD_TITLE = re.compile(r"请假审批 单号(\d+)")
CHECKED = re.compile(r"单号：(\d+)")
RELEASED = re.compile(r"^已登记：(\S+) \S+ 离校")
APPROVED_REPLY = re.compile(r"^单号(\d+) 已批准。")
ECHO_ROLE = re.compile(r"审批：(\S+)")
REFUSED_APPROVAL = "没有找到您可以办理的单号"
CARD_CLOSED = re.compile(r"^单号(\d+)的审批卡片：")
# The day's jobs (the service runs on the real clock; a worker started after their hour catches
# them up): 旷课 notices to parents, reports to staff.
DAY_JOB = re.compile(r"旷课|没有上报考勤|未上报考勤|考勤日报|因病缺课")
WRONG_CODE = "⛔ 放行码无效"
WRONG_CODE_ALARM = re.compile(r"^门卫\S+在\d+分钟内输错放行码")

# A deployment's schools: each school's people carry its mark after the first character (a
# surname, or 门 of 门卫), so a name of another school is found in any text by CROSSING.
MARKS = "甲乙丙丁戊己庚辛壬癸鼠牛虎兔龙蛇羊猴鸡狗猪梅兰竹菊"
CROSSING = re.compile(f"[{SURNAMES}门]([{MARKS}])")
LEAVE_NUMBERS = (SUBMITTED, PASS, CARD_TITLE, CHECKED, APPROVED_REPLY, CARD_CLOSED)
PROBE_SHARE = 0.02  # with several schools, this share of the slots probes another school


# ---- the roster ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One leave a student will ask for: the date phrase, who decides, whether they go out."""

    phrase: str
    role: str
    let_out: bool


@dataclass
class Student:
    index: int
    name: str
    parent: str
    teacher: str
    specs: list[Spec] = field(default_factory=list)
    used: int = 0  # specs asked for so far


@dataclass
class Roster:
    students: list[Student]
    classes: dict[str, list[Student]]  # 班主任 -> their class
    office: str
    principal: str
    guards: list[str]

    def roles(self) -> dict[str, str]:
        out = {s.parent: "parent" for s in self.students}
        out.update({t: "班主任" for t in self.classes})
        out.update({self.office: "政教处", self.principal: "校长"})
        out.update({g: "门卫" for g in self.guards})
        return out


def write_roster(directory: Path, classes: int, per_class: int, guards: int,
                 mark: str = "") -> Roster:
    """students.csv and staff.csv in the demo roster's columns; every name unique, and with a
    school's `mark` after its first character (the userids are the same in every school)."""
    total = classes * per_class
    if classes > len(GRADES) * CLASSES_PER_GRADE or total > len(SURNAMES) * 100:
        raise SystemExit(f"at most {len(GRADES) * CLASSES_PER_GRADE} classes and "
                         f"{len(SURNAMES) * 100} students")
    students_csv = [["学籍号", "姓名", "年级", "班级", "家长姓名", "家长企业微信ID",
                     "家长手机", "关系"]]
    staff_csv = [["姓名", "企业微信ID", "角色", "班级"]]
    roster = Roster([], {}, "soak_office", "soak_principal",
                    [f"soak_guard_{g + 1:02d}" for g in range(guards)])
    for k in range(classes):
        grade, number = GRADES[k // CLASSES_PER_GRADE], k % CLASSES_PER_GRADE + 1
        teacher = f"soak_teacher_{k + 1:03d}"
        staff_csv.append([f"{SURNAMES[k % len(SURNAMES)]}{mark}老师{k + 1}", teacher, "班主任",
                          f"{grade}({number})班"])
        roster.classes[teacher] = []
        for j in range(per_class):
            i = k * per_class + j
            name = (SURNAMES[i % len(SURNAMES)] + mark
                    + MIDDLE[i // len(SURNAMES) % len(MIDDLE)]
                    + LAST[i // (len(SURNAMES) * len(MIDDLE)) % len(LAST)])
            student = Student(i, name, f"soak_parent_{i + 1:04d}", teacher)
            roster.students.append(student)
            roster.classes[teacher].append(student)
            students_csv.append([f"S2026{i + 1:06d}", name, grade, f"({number})班",
                                 name[0] + mark + PARENT_GIVEN[i % len(PARENT_GIVEN)],
                                 student.parent,
                                 f"139{i + 1:08d}", "父亲" if i % 2 else "母亲"])
    staff_csv += [[f"赵{mark}国强", roster.office, "政教处", ""],
                  [f"陈{mark}志华", roster.principal, "校长", ""]]
    staff_csv += [[f"门卫{mark}{g + 1}", userid, "门卫", ""]
                  for g, userid in enumerate(roster.guards)]
    for name, rows in (("students.csv", students_csv), ("staff.csv", staff_csv)):
        text = "\n".join(",".join(row) for row in rows) + "\n"
        (directory / name).write_text(text, encoding="utf-8")
    return roster


def _phrase(start: date, end: date | None = None) -> str:
    text = f"{start.month}月{start.day}日"
    return text if end is None else f"{text}到{end.month}月{end.day}日"


def plan_leaves(roster: Roster, calendar: SchoolCalendar, today: date) -> None:
    """Give every student their leaves: today first, then December days, none chained."""
    later = [d for d in (today + timedelta(days=n) for n in range(1, (LAST_DAY - today).days + 1))
             if calendar.kind(d) is DayKind.SCHOOL_DAY]
    # Not chained to today: at least one school day in between.
    days = [d for d in later[1:] if d.month == 12 and d.year == 2026]

    def singles(excluded: set[date]) -> list[Spec]:
        out: list[Spec] = []
        last = -2
        for i, day in enumerate(days):
            if day in excluded or i - last < 2:
                continue
            out.append(Spec(_phrase(day), "班主任", let_out=False))
            last = i
        return out

    def block(first: int, length: int, role: str) -> tuple[list[Spec], set[date]]:
        if first + length > len(days):
            return [], set()
        span = days[first:first + length]
        around = set(days[max(0, first - 1):first + length + 1])
        return [Spec(_phrase(span[0], span[-1]), role, let_out=False)], around

    office, office_days = block(len(days) // 3, 4, "政教处")
    principal, principal_days = block(len(days) // 3 + 5, 8, "校长")
    plain = singles(set())
    for student in roster.students:
        specs = [Spec(_phrase(today), "班主任", let_out=True)]
        if student.index % SPECIAL_EVERY == 7 and office:
            specs += office + singles(office_days)
        elif student.index % SPECIAL_EVERY == 39 and principal:
            specs += principal + singles(principal_days)
        else:
            specs += plain
        student.specs = specs


# ---- config files and processes -------------------------------------------------------------


def write_config(path: Path, *, db_url: str, port: int, api_base: str,
                 extra_school_days: Sequence[date], schools_dir: Path | None = None,
                 inbox_workers: int | None = None, max_connections: int | None = None) -> None:
    """The example config with this instance's port, the shared database and the stand-in;
    with `schools_dir`, the main file of a deployment (each school's file sets its [wecom])."""
    text = with_own_wecom(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    for key, value in {
        "port": str(port),
        "public_url": json.dumps(f"http://127.0.0.1:{port}"),
        "api_base": json.dumps(api_base),
        "url": json.dumps(db_url),
        "extra_school_days": json.dumps([d.isoformat() for d in extra_school_days]),
        **({"inbox_workers": str(inbox_workers)} if inbox_workers else {}),
        **({"max_connections": str(max_connections)} if max_connections else {}),
    }.items():
        text, n = re.subn(rf"^{key} = .*?$", f"{key} = {value}".replace("\\", "\\\\"), text,
                          count=1, flags=re.MULTILINE)
        if n != 1:
            raise RuntimeError(f"{EXAMPLE_CONFIG.name} has no line `{key} = …`")
    if schools_dir is not None:
        text += f"\n[deployment]\nschools_dir = {json.dumps(str(schools_dir))}\n"
    path.write_text(text, encoding="utf-8")


def write_school(schools_dir: Path, code: str, name: str, wecom: dict[str, object]) -> None:
    """One school's file: its name and its own WeCom app (the rest is the main file's)."""
    (schools_dir / f"{code}.toml").write_text(
        toml_text({"school": {"name": name}, "wecom": wecom}), encoding="utf-8")


def free_port() -> int:
    sock = listening_socket()
    port = int(sock.getsockname()[1])
    sock.close()
    return port


class Instance:
    """`qingjia serve --config F` in a child process on a fixed localhost port, or (without a
    port) another command of it, e.g. `qingjia worker`, up once its log says `ready`."""

    def __init__(self, name: str, config_path: Path, port: int | None, log_path: Path, *,
                 args: Sequence[str] = ("serve",), ready: str = "") -> None:
        self.name = name
        self.config_path = config_path
        self.port = port
        self.log_path = log_path
        self.args = tuple(args)
        self.ready = ready
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.kills = 0
        self._cpu_before = 0.0  # CPU seconds of this instance's earlier processes
        self.startup_seconds: list[float] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def cpu_seconds(self) -> float:
        """CPU used by every process of this instance so far."""
        return self._cpu_before + self._cpu_now()

    def _cpu_now(self) -> float:
        if self.proc is None or self.proc.returncode is not None:
            return 0.0
        try:
            return cpu_of(Path(f"/proc/{self.proc.pid}/stat").read_text())
        except OSError:
            return 0.0

    async def start(self) -> None:
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n==== start {self.starts} ====\n".encode())
            log.flush()
            offset = log.tell()
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", *self.args, "--config", str(self.config_path),
                cwd=ROOT, stdout=log, stderr=log)
        t0 = time.perf_counter()
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        timeout = aiohttp.ClientTimeout(total=1)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while time.monotonic() < deadline and self.proc.returncode is None:
                if self.port is None:
                    if self.ready in self.log_path.read_bytes()[offset:].decode(errors="replace"):
                        self.startup_seconds.append(time.perf_counter() - t0)
                        return
                    await asyncio.sleep(0.05)
                    continue
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(f"{self.base}/healthz") as resp:
                        if resp.status == 200:
                            self.startup_seconds.append(time.perf_counter() - t0)
                            return
                await asyncio.sleep(0.05)
        tail = self.log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{self.name} did not come up (exit {self.proc.returncode}):\n{tail}")

    async def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, no goodbye."""
        assert self.proc is not None
        self._cpu_before += self._cpu_now()
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        self.kills += 1

    async def stop(self) -> None:
        if not self.alive:
            return
        assert self.proc is not None
        self._cpu_before += self._cpu_now()
        self.proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(self.proc.wait(), STOP_TIMEOUT_SECONDS)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()

    def log_lines(self, marker: str) -> int:
        """Lines of this instance's log (all its processes) containing `marker`."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return sum(1 for line in text.splitlines() if marker in line)


@contextlib.asynccontextmanager
async def standin_server(corp_id: str, secret: str) -> AsyncIterator[tuple[WeComStandIn, str]]:
    """A corp's WeCom stand-in on a free localhost port, in this process's event loop."""
    standin = WeComStandIn(corp_id, secret)
    sock = listening_socket()
    runner = web.AppRunner(standin.app(), access_log=None)
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        yield standin, f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        await runner.cleanup()


# ---- callbacks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Callback:
    """One sealed text callback: its inbox dedupe key, signed path and query, encrypted body."""

    key: str
    target: str
    body: bytes


class Sealer(SharedSealer):
    """The shared sealer, answering with a Callback (the soak counts effects by its key), for
    the school whose callback is at `path`; every school's MsgIds may start at the same one."""

    def __init__(self, config: Config, path: str = CALLBACK_PATH,
                 first_msg_id: int | None = None) -> None:
        super().__init__(config)
        self._path = path
        if first_msg_id is not None:
            self._msg_ids = itertools.count(first_msg_id)

    def seal(self, userid: str, content: str) -> Callback:  # type: ignore[override]
        key, target, body = self.seal_keyed(userid, content)
        return Callback(key, self._path + target[len(CALLBACK_PATH):], body)


# ---- the simulated members ----------------------------------------------------------------


@dataclass
class School:
    """One school of the soak: its roster, stand-in and sealer, and its members' leaves."""

    code: str
    mark: str  # "" with one school
    roster: Roster
    standin: WeComStandIn
    sealer: Sealer
    school_id: int = 0
    roles: dict[str, str] = field(default_factory=dict)
    idle: deque[Student] = field(default_factory=deque)
    by_parent: dict[str, Flow] = field(default_factory=dict)
    by_name: dict[str, Flow] = field(default_factory=dict)
    by_leave: dict[int, Flow] = field(default_factory=dict)
    probes: Counter[str] = field(default_factory=Counter)  # guard -> probes not answered yet

    def __post_init__(self) -> None:
        self.roles = self.roster.roles()


@dataclass
class Flow:
    """One student's leave from the parent's request to the guard's last answer."""

    number: int
    school: School
    student: Student
    spec: Spec
    guard: str
    stage: str = "asked"  # asked, confirming, submitted, approving, checking, releasing
    leave_id: int | None = None
    code: str | None = None
    approver: str | None = None  # who got the card
    started: float = 0.0
    last: float = 0.0  # when it last moved (for the stall watchdog)
    sent: dict[str, float] = field(default_factory=dict)  # step kind -> its callback's send time


@dataclass(frozen=True)
class Action:
    """One message a member of a school will send."""

    school: School
    userid: str
    text: str
    kind: str  # request, confirm, approve, check, release, attendance, probe …
    flow: Flow | None = None


def text_of(item: Delivered) -> str:
    body = item.body.get(item.msgtype)
    return str(body.get("content", "")) if isinstance(body, dict) else ""


@dataclass
class Traffic:
    """What the load generator sent and saw (times from time.perf_counter, in seconds)."""

    started: float = 0.0
    stopped: float = 0.0
    slots: int = 0
    idle_slots: int = 0  # paced slots with nothing to send (every student busy)
    sent: Counter[str] = field(default_factory=Counter)  # callbacks by kind
    posted: set[tuple[str, str]] = field(default_factory=set)  # (school, dedupe key) posted
    # (school, dedupe key) -> kind, answered 200
    answered: dict[tuple[str, str], str] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # first post to the 200, per callback
    attempt_failures: Counter[str] = field(default_factory=Counter)  # refused, dropped, http …
    retried: int = 0  # callbacks that needed more than one post
    retried_answered: int = 0
    unanswered: list[tuple[str, str]] = field(default_factory=list)  # no post got a 200
    steps: dict[str, list[float]] = field(default_factory=dict)  # step -> reply latencies
    flows: Counter[str] = field(default_factory=Counter)  # started, done, refused, stalled …
    anomalies: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)  # anomaly -> an example text
    deliveries: Counter[str] = field(default_factory=Counter)  # what members got, by meaning
    crossed: list[str] = field(default_factory=list)  # probes another school acted on
    late_followups: int = 0  # follow-ups that came after the traffic stopped (not sent)
    kills: list[tuple[float, str, float]] = field(default_factory=list)  # (at, who, down s)

    @property
    def seconds(self) -> float:
        return self.stopped - self.started

    def step(self, name: str, seconds: float) -> None:
        self.steps.setdefault(name, []).append(seconds)

    def anomaly(self, what: str, text: str) -> None:
        self.anomalies[what] += 1
        self.samples.setdefault(what, text[:160])


class LoadGenerator:
    """Paces the members' messages, posts them round-robin, reacts to what WeCom delivers."""

    def __init__(self, schools: list[School], instances: list[Instance],
                 victims: list[Instance], *, rate: float, attendance_share: float,
                 seed: int) -> None:
        self.schools = schools
        self.instances = instances  # the HTTP ones, posted to in turn
        self.victims = victims  # killed in this order, over and over
        self.rate = rate
        self.attendance_share = attendance_share
        self.probe_share = PROBE_SHARE if len(schools) > 1 else 0.0
        self.rng = random.Random(seed)
        self.stats = Traffic()
        self.ready: deque[Action] = deque()
        for school in schools:
            # Classes interleaved: no 班主任 gets a run of cards beyond WeCom's pace.
            school.idle = deque(self.rng.sample(school.roster.students,
                                                k=len(school.roster.students)))
        self.running = False
        self.in_progress: Counter[str] = Counter()  # leaves under way when the traffic stopped
        self._numbers = itertools.count(1)
        self._round_robin = itertools.count()
        self._school_turn = itertools.count()
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    # ---- posting, with the other instance as the fallback -------------------------------

    async def post(self, action: Action) -> None:
        callback = action.school.sealer.seal(action.userid, action.text)
        key = (action.school.code, callback.key)
        assert self._session is not None
        self.stats.sent[action.kind] += 1
        self.stats.posted.add(key)
        first = next(self._round_robin)
        start = time.perf_counter()
        if action.flow is not None:
            action.flow.sent[action.kind] = start
            action.flow.last = start
        for attempt in range(ATTEMPTS):
            instance = self.instances[(first + attempt) % len(self.instances)]
            url = URL(instance.base + callback.target, encoded=True)
            try:
                async with self._session.post(url, data=callback.body) as resp:
                    await resp.read()
                    status = resp.status
            except aiohttp.ClientConnectorError:
                status, failure = 0, "refused"
            except (aiohttp.ClientError, TimeoutError, OSError):
                status, failure = 0, "dropped"
            else:
                failure = f"HTTP {status}"
            if status == 200:
                self.stats.answered[key] = action.kind
                self.stats.latencies.append(time.perf_counter() - start)
                if attempt:
                    self.stats.retried_answered += 1
                return
            self.stats.attempt_failures[failure] += 1
            if attempt == 0:
                self.stats.retried += 1
            if attempt == ATTEMPTS - 2:
                await asyncio.sleep(1.0)  # both tried: give a restarting instance a moment
        self.stats.unanswered.append(key)

    # ---- choosing what to send -------------------------------------------------------------

    def next_action(self) -> Action | None:
        draw = self.rng.random()
        if draw < self.attendance_share:
            return self.attendance(self.next_school())
        if draw < self.attendance_share + self.probe_share and (probe := self.probe()):
            return probe
        if self.ready:
            return self.ready.popleft()
        for _ in self.schools:  # the next school with a student free to ask
            if (action := self.new_leave(self.next_school())) is not None:
                return action
        return None

    def next_school(self) -> School:
        return self.schools[next(self._school_turn) % len(self.schools)]

    def attendance(self, school: School) -> Action:
        teacher = self.rng.choice(list(school.roster.classes))
        pupils = school.roster.classes[teacher]
        if self.rng.random() < 0.3:
            text = "考勤 全勤"
        else:
            absent = self.rng.sample(pupils, k=min(len(pupils), self.rng.randint(1, 3)))
            text = "考勤 缺勤 " + " ".join(s.name for s in absent)
            if self.rng.random() < 0.3:
                text += self.rng.choice((" 上午", " 下午"))
        return Action(school, teacher, text, "attendance")

    def probe(self) -> Action | None:
        """Another school's 单号 or 放行码, sent by a member with the same userid (or a guard)
        to their own school, which must not find it."""
        here = self.next_school()
        flows = [f for s in self.schools if s is not here for f in s.by_parent.values()
                 if f.leave_id is not None]
        if not flows:
            return None
        flow = self.rng.choice(flows)
        if flow.code is not None and self.rng.random() < 0.5:
            guard = self.rng.choice(here.roster.guards)
            here.probes[guard] += 1
            return Action(here, guard, f"核验 {flow.code}", "probe 核验")
        approver = flow.approver or flow.student.teacher
        if approver not in here.roles:
            return None
        return Action(here, approver, f"批准 {flow.leave_id}", "probe 批准")

    def new_leave(self, school: School) -> Action | None:
        while school.idle:
            student = school.idle.popleft()
            if student.used >= len(student.specs):
                continue
            spec = student.specs[student.used]
            student.used += 1
            number = next(self._numbers)
            now = time.perf_counter()
            flow = Flow(number, school, student, spec,
                        school.roster.guards[number % len(school.roster.guards)], started=now,
                        last=now)
            school.by_parent[student.parent] = flow
            school.by_name[student.name] = flow
            self.stats.flows["started"] += 1
            reason = REASONS[number % len(REASONS)]
            return Action(school, student.parent,
                          f"请假 {student.name} {spec.phrase} 事假 {reason}", "request", flow)
        return None

    def follow(self, action: Action) -> None:
        if not self.running:
            self.stats.late_followups += 1
            return
        if action.flow is not None:
            action.flow.last = time.perf_counter()
        self.ready.append(action)

    def finish(self, flow: Flow, outcome: str) -> None:
        self.stats.flows[outcome] += 1
        school = flow.school
        if school.by_parent.get(flow.student.parent) is flow:
            del school.by_parent[flow.student.parent]
        if school.by_name.get(flow.student.name) is flow:
            del school.by_name[flow.student.name]
        flow.stage = outcome
        if outcome == "done":
            self.stats.step("whole leave, request to the guard's last answer",
                            time.perf_counter() - flow.started)
        if outcome != "stalled":  # a stalled student is retired: late messages stay theirs
            school.idle.append(flow.student)

    # ---- what WeCom delivered ------------------------------------------------------------

    def delivered(self, school: School, item: Delivered) -> None:
        now = time.perf_counter()
        if item.msgtype == "update_template_card":
            self.stats.deliveries["card update"] += 1
            return
        if item.msgtype == "template_card":
            self.on_card(school, item, now)
            return
        role = school.roles.get(item.touser, "")
        for text in text_of(item).split(GATHER_SEPARATOR):  # texts gathered into one message
            if role == "parent":
                self.on_parent(school, item.touser, text, now)
            elif role == "门卫":
                self.on_guard(school, item.touser, text, now)
            elif role:
                self.on_staff(school, text)
            else:
                self.stats.anomaly("delivery to someone not in the roster", text)

    def on_card(self, school: School, item: Delivered, now: float) -> None:
        card = item.body["template_card"]
        m = CARD_TITLE.search(str(card.get("main_title", {}).get("title", "")))
        if m is None:
            self.stats.anomaly("card without a 单号", json.dumps(card, ensure_ascii=False))
            return
        self.stats.deliveries["approval card"] += 1
        leave_id = int(m.group(1))
        rows = {r.get("keyname"): str(r.get("value", ""))
                for r in card.get("horizontal_content_list", [])}
        flow = school.by_name.get(rows.get("学生", "").split(" ")[0])
        if flow is not None and flow.stage in ("confirming", "submitted"):
            flow.leave_id = leave_id
            flow.approver = item.touser
            school.by_leave[leave_id] = flow
            if "confirm" in flow.sent:
                self.stats.step("确认 → approver's card", now - flow.sent["confirm"])
            flow.stage = "approving"
        self.follow(Action(school, item.touser, f"批准 {leave_id}", "approve", flow))

    def on_parent(self, school: School, parent: str, text: str, now: float) -> None:
        flow = school.by_parent.get(parent)
        if (m := EXIT_NOTICE.search(text)) is not None:
            self.stats.deliveries["exit notice to parent"] += 1
            return
        if DAY_JOB.search(text):
            self.stats.deliveries["the day's jobs: to a parent"] += 1
            return
        if flow is None:
            self.stats.anomaly("parent message without a leave in progress", text)
            return
        if ECHO_MARK in text and flow.stage == "asked":
            self.stats.deliveries["echo"] += 1
            self.stats.step("请假 → echo", now - flow.sent.get("request", now))
            role = ECHO_ROLE.search(text)
            if role is None or role.group(1) != flow.spec.role:
                self.stats.anomaly(f"echo names another approver than {flow.spec.role}", text)
            flow.stage = "confirming"
            self.follow(Action(school, parent, "确认", "confirm", flow))
        elif (m := SUBMITTED.search(text)) is not None:
            self.stats.deliveries["submitted reply"] += 1
            self.stats.step("确认 → parent's 单号 reply", now - flow.sent.get("confirm", now))
            flow.leave_id = int(m.group(1))
            school.by_leave[flow.leave_id] = flow
            if flow.stage == "confirming":
                flow.stage = "submitted"
        elif (m := PASS.search(text)) is not None:
            self.stats.deliveries["pass"] += 1
            leave_id, code = int(m.group(1)), m.group(2)
            owner = school.by_leave.get(leave_id, flow)
            if owner is not flow:
                self.stats.anomaly("pass for another leave than the one in progress", text)
                return
            self.stats.step("批准 → parent's 放行码", now - flow.sent.get("approve", now))
            flow.leave_id, flow.code, flow.stage = leave_id, code, "checking"
            school.by_leave[leave_id] = flow
            self.follow(Action(school, flow.guard, f"核验 {code}", "check", flow))
        elif "请假未提交" in text or "请重新说一下请假日期" in text:
            self.stats.anomaly("leave refused", text)
            self.finish(flow, "refused")
        else:
            self.stats.anomaly("parent got something unexpected", text)

    def on_guard(self, school: School, guard: str, text: str, now: float) -> None:
        if text.startswith(WRONG_CODE) and school.probes[guard] > 0:
            school.probes[guard] -= 1
            self.stats.deliveries["another school's 放行码 refused"] += 1
            return
        if text.startswith("不能放行") or text.startswith(WRONG_CODE) \
                or "错误次数过多" in text:
            self.stats.anomaly("guard refused", text)
            return
        if (m := RELEASED.search(text)) is not None:
            self.stats.deliveries["released reply to guard"] += 1
            flow = school.by_name.get(m.group(1))
            if flow is None or flow.stage != "releasing":
                self.stats.anomaly("放行 reply for no leave being let out", text)
                return
            self.stats.step("放行 → guard's reply", now - flow.sent.get("release", now))
            self.finish(flow, "done")
            return
        m = CHECKED.search(text)
        flow = school.by_leave.get(int(m.group(1))) if m else None
        if flow is None or flow.stage != "checking" or flow.code is None:
            self.stats.anomaly("guard got something unexpected", text)
            return
        self.stats.deliveries["check reply to guard"] += 1
        self.stats.step("核验 → guard's reply", now - flow.sent.get("check", now))
        if text.startswith("✅") and flow.spec.let_out:
            flow.stage = "releasing"
            self.follow(Action(school, flow.guard, f"放行 {flow.code}", "release", flow))
        elif text.startswith("⛔ 还未到请假时间") and not flow.spec.let_out:
            self.finish(flow, "done")
        else:
            self.stats.anomaly("check answered otherwise than expected", text)
            self.finish(flow, "failed")

    def on_staff(self, school: School, text: str) -> None:
        if (m := APPROVED_REPLY.search(text)) is not None:
            self.stats.deliveries["approver's 已批准 reply"] += 1
            if int(m.group(1)) not in school.by_leave:
                self.stats.anomaly("已批准 reply for a 单号 this school never showed", text)
        elif text.startswith(REFUSED_APPROVAL):
            self.stats.deliveries["another school's 单号 refused"] += 1
        elif WRONG_CODE_ALARM.search(text):
            self.stats.deliveries["wrong-code alarm to 政教处"] += 1
        elif CARD_CLOSED.search(text):
            self.stats.deliveries["card closed by a text"] += 1
        elif DAY_JOB.search(text):
            self.stats.deliveries["the day's jobs: to staff"] += 1
        elif text.startswith(("已记录", "已更新")) and "考勤" in text:
            self.stats.deliveries["attendance reply"] += 1
        elif EXIT_NOTICE.search(text):
            self.stats.deliveries["exit notice to 班主任"] += 1
        else:
            self.stats.anomaly("staff got something unexpected", text)

    async def watch(self) -> None:
        queues = [(school, school.standin.subscribe()) for school in self.schools]
        waiting = {asyncio.ensure_future(q.get()): (s, q) for s, q in queues}
        try:
            while True:
                done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    school, queue = waiting.pop(task)
                    self.delivered(school, task.result())
                    waiting[asyncio.ensure_future(queue.get())] = (school, queue)
        finally:
            for task in waiting:
                task.cancel()
            for school, queue in queues:
                school.standin.unsubscribe(queue)

    async def watchdog(self) -> None:
        while True:
            await asyncio.sleep(5.0)
            now = time.perf_counter()
            for school in self.schools:
                for flow in list(school.by_parent.values()):
                    if now - flow.last > FLOW_TIMEOUT_SECONDS:
                        self.stats.anomaly(f"leave stalled at stage {flow.stage}",
                                           flow.spec.phrase)
                        self.finish(flow, "stalled")

    # ---- the run ------------------------------------------------------------------------

    async def run(self, seconds: float, kill_every: float, down: float) -> None:
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
        connector = aiohttp.TCPConnector(limit=0, force_close=True)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            self._session = session
            watchdog = asyncio.create_task(self.watchdog())
            self.running = True
            self.stats.started = time.perf_counter()
            killer = asyncio.create_task(self.killer(seconds, kill_every, down))
            try:
                await self.pace(seconds)
            finally:
                self.running = False
                self.stats.stopped = time.perf_counter()
                if self._tasks:
                    await asyncio.gather(*self._tasks, return_exceptions=True)
                self.in_progress = Counter(f.stage for s in self.schools
                                           for f in s.by_parent.values())
                self.stats.late_followups += len(self.ready)
                await killer
                watchdog.cancel()
                await asyncio.gather(watchdog, return_exceptions=True)
                self._session = None

    async def pace(self, seconds: float) -> None:
        t0 = self.stats.started
        for i in itertools.count():
            at = t0 + i / self.rate
            if at - t0 >= seconds:
                return
            if (delay := at - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            self.stats.slots += 1
            action = self.next_action()
            if action is None:
                self.stats.idle_slots += 1
                continue
            task = asyncio.create_task(self.post(action))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def killer(self, seconds: float, kill_every: float, down: float) -> None:
        """SIGKILL a process every `kill_every` s (in `victims` order); restart it `down` s
        later."""
        t0 = self.stats.started
        for k in itertools.count():
            at = t0 + (k + 1) * kill_every
            if at - t0 > seconds - down - 5:
                return
            if (delay := at - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            victim = self.victims[k % len(self.victims)]
            killed = time.perf_counter()
            await victim.kill()
            print(f"  {killed - t0:5.0f} s: SIGKILL {victim.name}", file=sys.stderr)
            await asyncio.sleep(down)
            await victim.start()
            self.stats.kills.append((killed - t0, victim.name, time.perf_counter() - killed))
            print(f"  {time.perf_counter() - t0:5.0f} s: {victim.name} up again "
                  f"({victim.startup_seconds[-1]:.1f} s to start)", file=sys.stderr)


# ---- the database after the run -----------------------------------------------------------


class Counts:
    """Reads the service's tables straight from PostgreSQL."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._conn: asyncpg.Connection | None = None

    async def conn(self) -> asyncpg.Connection:
        if self._conn is None:
            self._conn = await asyncpg.connect(self._dsn)
        return self._conn

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def pending(self) -> tuple[int, int]:
        conn = await self.conn()
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM inbox WHERE status = 'pending'),"
            " (SELECT count(*) FROM outbox WHERE status = 'pending')")
        assert row is not None
        return int(row[0]), int(row[1])

    async def drain(self, limit: float) -> tuple[float, tuple[int, int]]:
        """Wait until inbox and outbox have nothing pending (at most `limit` s)."""
        t0 = time.perf_counter()
        while True:
            left = await self.pending()
            if left == (0, 0) or time.perf_counter() - t0 > limit:
                return time.perf_counter() - t0, left
            await asyncio.sleep(0.5)

    async def fetch(self, sql: str) -> list[asyncpg.Record]:
        conn = await self.conn()
        return list(await conn.fetch(sql))


@dataclass
class Checks:
    """Everything counted after the drain; `problems` lists what must be zero and is not."""

    inbox_rows: int = 0
    inbox_status: Counter[str] = field(default_factory=Counter)
    answered: int = 0
    lost_callbacks: list[str] = field(default_factory=list)  # 200 but no inbox row
    unfinished_callbacks: list[str] = field(default_factory=list)  # 200, row not done
    recorded_unanswered: int = 0  # rows for callbacks no post got a 200 for
    outbox_rows: int = 0
    outbox_status: Counter[str] = field(default_factory=Counter)
    outbox_retried: int = 0  # rows sent in more than one attempt
    messages_expected: int = 0
    messages_delivered: int = 0
    undelivered: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    send_calls: int = 0
    card_updates_expected: int = 0
    card_updates_received: int = 0
    card_updates_missing: list[str] = field(default_factory=list)
    card_updates_repeated: list[str] = field(default_factory=list)
    card_updates_by_text: int = 0  # card updates sent as their fallback text (code lost)
    gathered_messages: int = 0  # messages carrying several outbox rows (texts gathered)
    regathered: int = 0  # duplicates whose text also arrived inside another gathered message
    dead_errors: Counter[str] = field(default_factory=Counter)  # rows given up, by error
    leaves: Counter[str] = field(default_factory=Counter)
    business: dict[str, list[str]] = field(default_factory=dict)  # check -> offending items
    business_counts: dict[str, int] = field(default_factory=dict)  # check -> items checked
    crossed: list[str] = field(default_factory=list)  # what one school got of another's

    def problems(self) -> list[str]:
        out = []
        for name, items in (("answered 200 but not in the inbox", self.lost_callbacks),
                            ("answered 200 but not handled", self.unfinished_callbacks),
                            ("outbox messages not delivered", self.undelivered),
                            ("messages delivered more than once", self.duplicates),
                            ("card updates never made", self.card_updates_missing),
                            ("card updates made more than once", self.card_updates_repeated),
                            ("crossed between schools", self.crossed)):
            if items:
                out.append(f"{name}: {len(items)} (e.g. {items[0]})")
        out += [f"{name}: {len(items)} (e.g. {items[0]})"
                for name, items in self.business.items() if items]
        return out


def _message_key(touser: str, kind: str, payload: dict[str, object]) -> tuple[str, str, str]:
    if kind == "template_card":
        return touser, kind, mask_codes(str(payload.get("task_id", "")))
    if kind == "image":
        return touser, kind, str(payload.get("media_id", ""))
    return touser, kind, mask_codes(str(payload.get("content", "")))


def _delivered_key(item: Delivered) -> tuple[str, str, str]:
    """As the outbox row holds it once sent: 放行码 (and code-like words) masked."""
    body = item.body.get(item.msgtype)
    body = body if isinstance(body, dict) else {}
    if item.msgtype == "template_card":
        return item.touser, item.msgtype, mask_codes(str(body.get("task_id", "")))
    if item.msgtype == "image":
        return item.touser, item.msgtype, str(body.get("media_id", ""))
    return item.touser, item.msgtype, mask_codes(str(body.get("content", "")))


def _add(problems: dict[str, list[str]], counts: dict[str, int], name: str,
         items: Iterable[tuple[object, bool]]) -> None:
    """Record one business check: each (item, ok); the failing items are kept."""
    failed, checked = [], 0
    for item, ok in items:
        checked += 1
        if not ok:
            failed.append(str(item))
    problems[name] = failed
    counts[name] = checked


def crossed_deliveries(schools: list[School], school_of_leave: dict[int, int]) -> list[str]:
    """Deliveries at one school's stand-in that name another school's people or 单号 (a
    refusal to find another school's 单号 quotes it, and is no crossing)."""
    out = []
    for school in schools:
        for item in school.standin.delivered:
            body = item.body.get(item.msgtype)
            text = (text_of(item) if item.msgtype == "text"
                    else json.dumps(body, ensure_ascii=False))
            marks = {m for m in CROSSING.findall(text) if m != school.mark}
            numbers = set() if text.startswith(REFUSED_APPROVAL) else {
                int(m.group(1)) for pattern in LEAVE_NUMBERS for m in pattern.finditer(text)}
            numbers |= {int(m.group(2)) for m in EXIT_NOTICE.finditer(text)}
            foreign = {n for n in numbers if school_of_leave.get(n) != school.school_id}
            if marks or foreign:
                out.append(f"school {school.code}'s {item.touser} got {text[:80]!r} (marks "
                           f"{''.join(sorted(marks))}, 单号 {sorted(foreign)})")
    return out


async def count_everything(counts: Counts, traffic: Traffic, schools: list[School]) -> Checks:
    c = Checks()
    by_id = {s.school_id: s for s in schools}
    code_of = {s.school_id: s.code for s in schools}
    inbox = await counts.fetch("SELECT school_id, dedupe_key, status FROM inbox")
    by_key = {(code_of.get(r["school_id"], f"id {r['school_id']}"), r["dedupe_key"]): r
              for r in inbox}
    c.inbox_rows = len(inbox)
    c.inbox_status = Counter(r["status"] for r in inbox)
    c.answered = len(traffic.answered)
    c.lost_callbacks = sorted(map(str, (k for k in traffic.answered if k not in by_key)))
    c.unfinished_callbacks = sorted(str(k) for k in traffic.answered
                                    if k in by_key and by_key[k]["status"] != "done")
    c.recorded_unanswered = sum(1 for k in traffic.unanswered if k in by_key)
    crossed: list[str] = list(traffic.crossed)
    crossed += [f"inbox row {key} at school {code}, whose URL never got it"
                for code, key in by_key if (code, key) not in traffic.posted]

    outbox = await counts.fetch(
        "SELECT school_id, touser, kind, payload::text AS payload, status, attempts, task_id,"
        " response_code, sent_at, last_error FROM outbox ORDER BY id")
    c.outbox_rows = len(outbox)
    c.outbox_status = Counter(r["status"] for r in outbox)
    c.outbox_retried = sum(1 for r in outbox if r["attempts"] > 1)
    c.dead_errors = Counter(str(r["last_error"])[:80] for r in outbox if r["status"] == "dead")
    # a sent row's payload has its code-like words masked, a card update's task id too
    card_codes = {mask_codes(r["task_id"]): r["response_code"] for r in outbox
                  if r["kind"] == "template_card" and r["task_id"] and r["response_code"]}
    # texts to one member gathered into one message (more waiting than WeCom's pace allows):
    # the rows of one send share their sent_at, the first "sent", the others "gathered"
    sends: dict[tuple[str, str, object], list[str]] = {}
    # response codes compared masked too: a sent update's stored payload may hold its code
    # masked (token_urlsafe can look like a 放行码 in places)
    updates = Counter((s.code, str(u.get("userids", [""])[0]),
                       str(u.get("button", {}).get("replace_name", "")),
                       mask_codes(str(u.get("response_code", ""))))
                      for s in schools for u in s.standin.card_updates)
    unclaimed = updates.copy()
    expected: Counter[tuple[str, str, str, str]] = Counter()
    for r in outbox:
        payload = json.loads(r["payload"])
        code = code_of.get(r["school_id"], f"id {r['school_id']}")
        if r["kind"] == "text" and r["status"] in ("sent", "gathered") and r["sent_at"]:
            sends.setdefault((code, r["touser"], r["sent_at"]), []).append(
                str(payload.get("content", "")))
            continue
        if r["kind"] != "card_update":
            expected[(code, *_message_key(r["touser"], r["kind"], payload))] += 1
            continue
        c.card_updates_expected += 1
        response = payload.get("response_code") or card_codes.get(payload.get("task_id"), "")
        key = (code, r["touser"], str(payload.get("replace_name", "")),
               mask_codes(str(response)))
        if unclaimed[key] > 0:
            unclaimed[key] -= 1
        elif payload.get("fallback"):  # the card's code was lost: a text closes it instead
            c.card_updates_by_text += 1
            expected[(code, r["touser"], "text", mask_codes(str(payload["fallback"])))] += 1
        else:
            c.card_updates_missing.append(str(key))
    for (code, touser, _), contents in sends.items():
        expected[(code, touser, "text", mask_codes(GATHER_SEPARATOR.join(contents)))] += 1
        c.gathered_messages += len(contents) > 1
    c.card_updates_received = sum(updates.values())
    c.card_updates_repeated = [f"{k} ×{n}" for k, n in unclaimed.items() if n > 0]
    delivered = Counter((s.code, *_delivered_key(d)) for s in schools for d in s.standin.delivered)
    c.messages_expected = sum(expected.values())
    c.messages_delivered = sum(delivered.values())
    c.undelivered = [f"{k} ×{n - delivered[k]}" for k, n in expected.items() if n > delivered[k]]
    c.duplicates = [f"{k} ×{n - expected[k]}" for k, n in delivered.items() if n > expected[k]]
    # a text delivered alone and again inside a gathered message (or in two groupings): its
    # send was retried (first send not recorded) and gathered otherwise the second time
    parts: Counter[tuple[str, str, str]] = Counter()
    for s in schools:
        for d in s.standin.delivered:
            if d.msgtype == "text":
                for part in text_of(d).split(GATHER_SEPARATOR):
                    parts[(s.code, d.touser, mask_codes(part))] += 1
    c.regathered = sum(1 for (code, touser, kind, content), n in delivered.items()
                       if n > expected[(code, touser, kind, content)] and kind == "text"
                       and parts[(code, touser, content.split(GATHER_SEPARATOR)[0])] > n)
    elsewhere = {k[1:]: k[0] for k in expected}
    crossed += [f"school {k[0]}'s stand-in got school {elsewhere[k[1:]]}'s message {k[1:]}"
                for k in delivered if k not in expected and k[1:] in elsewhere]
    c.send_calls = sum(1 for s in schools for path, _ in s.standin.requests
                       if path.endswith("/message/send"))

    leaves = await counts.fetch(
        "SELECT l.id, l.school_id, s.school_id AS student_school, l.status, l.exited_at,"
        " l.submitted_by, s.name FROM leave l JOIN student s ON s.id = l.student_id")
    cards = await counts.fetch("SELECT leave_id, userid, task_id FROM leave_card")
    audit = await counts.fetch(
        "SELECT entity_id, action FROM audit_log WHERE entity = 'leave'"
        " AND action IN ('submitted', 'exited', 'approved')")
    c.leaves = Counter(r["status"] for r in leaves)
    c.leaves["exited"] = sum(1 for r in leaves if r["exited_at"] is not None)
    school_of_leave = {r["id"]: r["school_id"] for r in leaves}
    for r in leaves:
        school = by_id.get(r["school_id"])
        if r["student_school"] != r["school_id"] or school is None \
                or any(m != school.mark for m in CROSSING.findall(r["name"])):
            crossed.append(f"leave {r['id']} at school {code_of.get(r['school_id'])} for "
                           f"{r['name']} of school {code_of.get(r['student_school'])}")
    if len(schools) > 1:
        crossed += crossed_deliveries(schools, school_of_leave)
    c.crossed = crossed
    cards_of: dict[int, Counter[str]] = {}
    for r in cards:
        cards_of.setdefault(r["leave_id"], Counter())[r["userid"]] += 1
    cards_delivered = Counter(d.body["template_card"].get("task_id", "")
                              for s in schools for d in s.standin.delivered
                              if d.msgtype == "template_card")
    audited = Counter((int(r["entity_id"]), r["action"]) for r in audit)
    texts = [(d.touser, part) for s in schools for d in s.standin.delivered
             if d.msgtype == "text" for part in text_of(d).split(GATHER_SEPARATOR)]
    submitted = Counter(int(m.group(1)) for _, t in texts if (m := SUBMITTED.search(t)))
    passes = Counter(int(m.group(1)) for _, t in texts if (m := PASS.search(t)))
    exit_notices = Counter((u, int(m.group(2))) for u, t in texts if (m := EXIT_NOTICE.search(t)))
    released = Counter(m.group(1) for _, t in texts if (m := RELEASED.search(t)))
    release_calls = sum(1 for k, kind in traffic.answered.items() if kind == "release")
    teacher_of = {s.name: s.teacher for school in schools for s in school.roster.students}

    business: dict[str, list[str]] = {}
    checked: dict[str, int] = {}
    _add(business, checked, "confirmed leave without exactly one card row per approver",
         ((r["id"], bool(cards_of.get(r["id"]))
           and all(n == 1 for n in cards_of[r["id"]].values())) for r in leaves))
    _add(business, checked, "card not delivered exactly once",
         ((r["task_id"], cards_delivered[r["task_id"]] == 1) for r in cards))
    _add(business, checked, "confirmed leave without exactly one 单号 reply",
         ((r["id"], submitted[r["id"]] == 1 and audited[(r["id"], "submitted")] == 1)
          for r in leaves))
    _add(business, checked, "approved leave without exactly one 放行码 message",
         ((r["id"], passes[r["id"]] == (1 if r["status"] in ("approved", "returned") else 0)
           and audited[(r["id"], "approved")] == passes[r["id"]]) for r in leaves))
    _add(business, checked, "放行 not recorded exactly once (audit, parent's and 班主任's notice)",
         ((r["id"], audited[(r["id"], "exited")] == (1 if r["exited_at"] else 0)
           and exit_notices[(r["submitted_by"], r["id"])] == (1 if r["exited_at"] else 0)
           and exit_notices[(teacher_of.get(r["name"], ""), r["id"])]
           == (1 if r["exited_at"] else 0)) for r in leaves))
    exits = Counter(r["name"] for r in leaves if r["exited_at"] is not None)
    _add(business, checked, "student let out without exactly one 已登记 reply to the guard",
         ((name, released[name] == exits[name]) for name in set(exits) | set(released)))
    _add(business, checked, "放行 answered 200 but no exit recorded",
         [(f"{release_calls} 放行 callbacks, {c.leaves['exited']} exits",
           release_calls == c.leaves["exited"])])
    c.business, c.business_counts = business, checked
    return c


# ---- report ---------------------------------------------------------------------------------


@dataclass
class Cpu:
    machine: float = 0.0
    servers: float = 0.0
    generator: float = 0.0
    postgres: float = 0.0

    @staticmethod
    def take(instances: Sequence[Instance]) -> Cpu:
        """Now; PostgreSQL's share comes from `PostgresCpu`, which samples its backends."""
        return Cpu(machine_cpu_seconds(), sum(i.cpu_seconds() for i in instances),
                   time.process_time())

    def since(self, before: Cpu, postgres: float) -> Cpu:
        return Cpu(self.machine - before.machine, self.servers - before.servers,
                   self.generator - before.generator, postgres)

    @property
    def others(self) -> float:
        return max(0.0, self.machine - self.servers - self.generator - self.postgres)


@dataclass
class Result:
    minutes: float
    rate: float
    kill_every: float
    down: float
    classes: int
    per_class: int
    guards: int
    attendance_share: float
    today: date
    made_school_day: bool
    traffic: Traffic
    checks: Checks
    cpu: Cpu
    drain_seconds: float
    left_after_drain: tuple[int, int]
    in_progress: Counter[str]
    startup: list[float]
    errors_logged: int
    repeats_recorded: int  # callbacks an instance found already in the inbox
    started_utc: datetime
    code: str  # the commit the instances ran (and app files changed on top of it)
    schools: int = 1
    workers: int = 0  # `qingjia worker` processes beside HTTP-only instances (0: none)
    inbox_workers: int = 4  # [database] inbox_workers: inbox loops per school and process
    max_connections: int = 40  # [database] max_connections: per process


def _ms(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:,.1f} ms"


def _share(seconds: float, over: float) -> str:
    return f"{100 * seconds / over:.0f} %" if over else "–"


def _zero(items: Sequence[object]) -> str:
    return "0" if not items else f"**{len(items)}**"


def block(r: Result, host: Machine, command: str) -> str:
    t, c = r.traffic, r.checks
    answered = len(t.answered)
    throughput = answered / t.seconds if t.seconds else 0.0
    kills = ", ".join(f"{who} at {at / 60:.1f} min (answering again {down:.1f} s later)"
                      for at, who, down in t.kills) or "none"
    failures = ", ".join(f"{k} {v:,}" for k, v in sorted(t.attempt_failures.items())) or "none"
    mix = ", ".join(f"{k} {v:,}" for k, v in t.sent.most_common())
    students = r.classes * r.per_class
    today = (f"{r.today.isoformat()} (in Asia/Shanghai; a {r.today:%A}, not a school day by "
             f"the calendar, so the "
             f"soak's config lists it in `[calendar] extra_school_days`)" if r.made_school_day
             else f"{r.today.isoformat()} (in Asia/Shanghai; a {r.today:%A}, a school day)")
    business_failed = sum(len(v) for v in c.business.values())
    lost = len(c.lost_callbacks) + len(c.unfinished_callbacks) + len(c.undelivered) \
        + len(c.card_updates_missing)
    dupes = len(c.duplicates) + len(c.card_updates_repeated)
    header = (
        f"Measured {r.started_utc:%Y-%m-%d %H:%M} UTC, {r.code}, on {host.describe()}; "
        f"{host.versions}. "
        f"Command: `{command}`. "
        f"{_deployment(r)}"
        if r.schools > 1 or r.workers else
        f"Measured {r.started_utc:%Y-%m-%d %H:%M} UTC, {r.code}, on {host.describe()}; "
        f"{host.versions}. "
        f"Command: `{command}`. "
        f"Two `qingjia serve` processes (`python -m bot.cli serve --config …`, one config file "
        f"each, `config.example.toml` but for port, database, `api_base` and today's date as "
        f"explained below) share a fresh PostgreSQL database; their WeCom API host is one "
        f"`WeComStandIn` in the load generator's process. Generated roster: {r.classes} classes "
        f"of {r.per_class} ({students:,} students, a parent each), a 班主任 per class, one "
        f"政教处, one 校长, {r.guards} 门卫 (enough to keep each member under WeCom's "
        f"{load_config(EXAMPLE_CONFIG).outbox.per_member_per_minute} messages a minute; "
        f"classes are small for the same reason: a 班主任 gets a card, a card update, a reply "
        f"and an exit notice per leave). Traffic: {r.rate:g} callbacks/s for "
        f"{r.minutes:g} min, paced; round-robin over the two instances, a callback whose post "
        f"fails (refused, dropped, non-200) is posted again to the other one. Members act on "
        f"what reaches them: parents `请假 <child> <day> 事假 <reason>` then `确认` after the "
        f"echo; the approver `批准 N` when the card for 单号N arrives; a 门卫 `核验 <code>` "
        f"with the code from the parent's message, then `放行 <code>` for a pass valid now; "
        f"班主任 `考勤 全勤` / `考勤 缺勤 <names>` ({100 * r.attendance_share:.0f} % of the "
        f"slots). Each student's first leave is for today, {today}, and is let out at the gate; "
        f"later ones are single December days (one student in {SPECIAL_EVERY} asks for four "
        f"days, 政教处, one for eight, 校长), only checked at the gate (not valid yet). One "
        f"instance, alternating, gets SIGKILL every {r.kill_every:g} s and is started again "
        f"{r.down:g} s later. After the traffic both instances drain, then everything is "
        f"counted against the database and the stand-in.")
    crossed = (f"| {'**' + str(len(c.crossed)) + '**' if c.crossed else '0'} "
               if r.schools > 1 else "")
    table = "\n".join([
        "| Traffic | callbacks answered 200 | throughput | p50 | p99 | max | kills "
        "| retried callbacks | lost | duplicates | " + ("crossed | " if r.schools > 1 else "")
        + "business checks failed |",
        "|" + "---|" * (12 if r.schools > 1 else 11),
        f"| {t.seconds / 60:.1f} min at {r.rate:g}/s | {answered:,} | {throughput:.1f}/s "
        f"| {_ms(pct(t.latencies, 0.5))} | {_ms(pct(t.latencies, 0.99))} "
        f"| {_ms(pct(t.latencies, 1.0))} | {len(t.kills)} | {t.retried:,} "
        f"| {'**' + str(lost) + '**' if lost else '0'} "
        f"| {'**' + str(dupes) + '**' if dupes else '0'} {crossed}"
        f"| {'**' + str(business_failed) + '**' if business_failed else '0'} |",
    ])
    by_text = (f", {c.card_updates_by_text} closed by a text (the card's code lost)"
               if c.card_updates_by_text else "")
    gathered = (f" ({c.gathered_messages:,} of them several texts gathered into one, as the "
                f"outbox does when more wait for a member than WeCom's pace allows)"
                if c.gathered_messages else "")
    regathered = (f"; {c.regathered} of the duplicates also arrived inside another "
                  f"message's gathered texts (a retried send gathered otherwise)"
                  if c.regathered else "")
    dead = (f" Outbox rows given up (dead, each one's message or update counted above as "
            f"delivered or not): {sum(c.dead_errors.values())} ({_counter(c.dead_errors)})."
            if c.dead_errors else "")
    checks = "\n".join([
        "| Check | counted | must be 0 |",
        "|---|---|---|",
        f"| callbacks answered 200 with no inbox row | {answered:,} callbacks, "
        f"{c.inbox_rows:,} inbox rows | {_zero(c.lost_callbacks)} |",
        f"| callbacks answered 200 whose row is not done | inbox "
        f"{_counter(c.inbox_status)} | {_zero(c.unfinished_callbacks)} |",
        f"| outbox messages never delivered (per member and content, a card by task id) "
        f"| {c.messages_expected:,} message rows{gathered}, {c.messages_delivered:,} "
        f"deliveries; outbox "
        f"{_counter(c.outbox_status)} | {_zero(c.undelivered)} |",
        f"| outbox messages delivered more than once | {c.send_calls:,} send calls, "
        f"{c.send_calls - c.messages_delivered:,} dropped by WeCom's duplicate check"
        f"{regathered} | "
        f"{_zero(c.duplicates)} |",
        f"| card updates never made / made twice | {c.card_updates_expected:,} rows, "
        f"{c.card_updates_received:,} updates{by_text} | {_zero(c.card_updates_missing)} / "
        f"{_zero(c.card_updates_repeated)} |",
        *(f"| {name} | {c.business_counts[name]:,} | {_zero(items)} |"
          for name, items in c.business.items()),
        *([f"| crossed between schools: another school's people or 单号 in a delivery, an "
           f"outbox row delivered at another school, an inbox row at a school whose URL did not "
           f"get it, a leave for another school's student, another school's 单号 or 放行码 "
           f"acted on | {c.messages_delivered:,} deliveries, {c.inbox_rows:,} inbox rows, "
           f"{sum(c.leaves[k] for k in c.leaves if k != 'exited'):,} leaves, "
           f"{t.sent['probe 批准'] + t.sent['probe 核验']:,} probes | {_zero(c.crossed)} |"]
          if r.schools > 1 else []),
    ])
    steps = "; ".join(f"{name} {_ms(pct(v, 0.5))} / {_ms(pct(v, 0.99))}"
                      for name, v in t.steps.items())
    unfinished = _counter(r.in_progress) if r.in_progress else "none"
    anomalies = "; ".join(f"{k}: {v} (e.g. {t.samples[k]!r})" for k, v in
                          t.anomalies.most_common()) or "none"
    details = "\n".join([
        f"- Callbacks sent {sum(t.sent.values()):,} ({mix}); answered 200 {answered:,}, of "
        f"them {t.retried_answered:,} only on a later post; never answered "
        f"{len(t.unanswered):,} ({c.recorded_unanswered} of those recorded anyway). Failed "
        f"posts: {failures}. Paced slots {t.slots:,}, {t.idle_slots:,} with nothing to send. "
        f"Throughput counts the 200s over the {t.seconds:.0f} s of traffic; latency runs from "
        f"a callback's first post to its 200, retries included.",
        f"- Kills: {kills}. Startup to a healthy `/healthz`: "
        f"{', '.join(f'{s:.1f}' for s in r.startup)} s. Retried callbacks an instance found "
        f"already recorded (the killed one had stored it before dying, or answered too late): "
        f"{r.repeats_recorded}. ERROR lines in the instances' logs: {r.errors_logged}.",
        f"- Leaves: {_counter(t.flows)} (flows); in the database {_counter(c.leaves)}. "
        f"Still in progress when the traffic stopped: {unfinished}; follow-ups not sent "
        f"(queued or arriving when it stopped) {t.late_followups}.",
        f"- Reply latency, p50 / p99, from a member's callback to the reply at WeCom: {steps}.",
        f"- Deliveries by meaning: {_counter(t.deliveries)}. Outbox rows sent in more than "
        f"one attempt (a crash or a WeCom error in between): {c.outbox_retried}.{dead}",
        f"- Drain after the traffic: {r.drain_seconds:.1f} s (inbox, outbox still pending "
        f"after it: {r.left_after_drain[0]}, {r.left_after_drain[1]}).",
        *([f"- Crossed, first ones: {'; '.join(c.crossed[:5])}."] if c.crossed else []),
        f"- CPU over the traffic, in shares of one CPU: "
        f"{'both instances' if not r.workers else 'both HTTP instances and the workers'} "
        f"{_share(r.cpu.servers, t.seconds)}, PostgreSQL {_share(r.cpu.postgres, t.seconds)}, "
        f"load generator with the stand-in {_share(r.cpu.generator, t.seconds)}, other "
        f"processes {_share(r.cpu.others, t.seconds)}.",
        f"- Unexpected replies seen by the simulated members: {anomalies}.",
    ])
    parts = [header]
    if t.seconds and r.cpu.others / t.seconds > DISTURBED_CPU_SHARE:
        parts.append(f"**Warning:** other processes on the machine used "
                     f"{_share(r.cpu.others, t.seconds)} of a CPU during the traffic; the "
                     f"latencies are worse than this code does on a quiet machine.")
    parts += [table, checks, details]
    return "\n\n".join(parts)


def _deployment(r: Result) -> str:
    """What runs, with several schools or worker processes."""
    students = r.classes * r.per_class
    processes = (f"two `qingjia serve --no-workers` processes (HTTP only) and {r.workers} "
                 f"`qingjia worker` processes (inbox, outbox and jobs of every school)"
                 if r.workers else "two `qingjia serve` processes")
    killed = ("the HTTP instances and the workers in turn (A, worker 1, B, worker 2, …)"
              if r.workers else "the two instances in turn")
    schools = (f"A deployment of {r.schools} schools (`[deployment] schools_dir`, a "
               f"`<code>.toml` per school with its name and its own WeCom app: corp id, "
               f"secret, token, key, each a `WeComStandIn` of its own in the load generator's "
               f"process; every callback posted, signed with its school's keys, to "
               f"`/wecom/callback/<code>`) served by " if r.schools > 1
               else "One school served by ")
    capped = (f" and `[database] max_connections = {r.max_connections}` (per process, so "
              f"that the {2 + r.workers} processes stay under the server's 100)")
    return (
        f"{schools}{processes}, all on one fresh PostgreSQL database; the main file is "
        f"`config.example.toml` but for port, database, today's date"
        f"{f', `[database] inbox_workers = {r.inbox_workers}`' if r.inbox_workers != 4 else ''}"
        f"{capped if r.max_connections != 40 else ''}"
        f" (one per HTTP instance, the workers read A's), so each process runs "
        f"{r.inbox_workers} inbox loop{'s' if r.inbox_workers > 1 else ''} and one outbox loop "
        f"per school. Generated roster per school: {r.classes} classes of "
        f"{r.per_class} ({students:,} students, {students * r.schools:,} in all, a parent "
        f"each), a 班主任 per class, one 政教处, one 校长, {r.guards} 门卫; the same userids and "
        f"MsgIds in every school (both are per corp in WeCom), the names of its people and of "
        f"the school itself carrying a mark of the school (`王甲子涵`, `林甲中学`). Traffic: "
        f"{r.rate:g} callbacks/s for {r.minutes:g} min, paced, the schools in turn; "
        f"round-robin over the HTTP instances, a callback whose post fails is posted again to "
        f"the other one. Members act on what reaches them, as in the soak above (请假, 确认, "
        f"批准, 核验, 放行, 考勤 {100 * r.attendance_share:.0f} % of the slots); "
        f"{100 * PROBE_SHARE:.0f} % of the slots are probes: a member sends their own school "
        f"another school's 单号 (`批准 N` by the userid that approves it there) or 放行码 "
        f"(`核验` by a 门卫), which must not be found. Today, {r.today.isoformat()}, "
        f"{'made a school day by `[calendar] extra_school_days`' if r.made_school_day else ''}"
        f"{'' if r.made_school_day else 'a school day'}. "
        f"SIGKILL every {r.kill_every:g} s, {killed}, restarted {r.down:g} s later. After the "
        f"traffic the queues drain, then everything is counted against the database and the "
        f"stand-ins.")


def _counter(counter: Counter[str]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in counter.most_common())


# ---- main ---------------------------------------------------------------------------------


async def soak(args: argparse.Namespace, workdir: Path) -> tuple[Result, Machine]:
    base = load_config(EXAMPLE_CONFIG)
    calendar, tz = base.calendar, base.school.tz
    today = datetime.now(tz).date()
    if not base.calendar.term_of(today) or today > LAST_DAY:
        raise SystemExit(f"today ({today}) is outside the example config's terms or after "
                         f"{LAST_DAY}: the soak needs a term day in 2026")
    made_school_day = calendar.kind(today) is not DayKind.SCHOOL_DAY
    extra = [today] if made_school_day else []
    n = args.schools
    codes = [base.school.code] if n == 1 else [f"s{k + 1:02d}" for k in range(n)]
    marks = [""] if n == 1 else list(MARKS[:n])
    classes, guards = math.ceil(args.classes / n), math.ceil(args.guards / n)
    rosters: dict[str, tuple[Path, Roster]] = {}
    for code, mark in zip(codes, marks, strict=True):
        folder = workdir / "rosters" / code
        folder.mkdir(parents=True)
        rosters[code] = folder, write_roster(folder, classes, args.per_class, guards, mark)
    host = await machine(workdir, with_pg=True)
    print(f"soak on {host.describe()}: {args.minutes:g} min at {args.rate:g} callbacks/s, "
          f"{n} school{'s' if n > 1 else ''}, {args.workers} worker processes, "
          f"today {today}{' (made a school day)' if made_school_day else ''}", file=sys.stderr)
    async with contextlib.AsyncExitStack() as stack:
        database = await stack.enter_async_context(fresh_pg_database(prefix="qingjia_soak_"))
        db_url = f"postgresql+asyncpg://{PG_SERVER}/{database}"
        counts = Counts(f"postgresql://{PG_SERVER}/{database}")
        stack.push_async_callback(counts.close)
        standins: dict[str, tuple[WeComStandIn, str]] = {}
        for code in codes:
            # serve refuses the example's secret: one school has our own, many their corp's
            corp = (corp_of(code) if n > 1
                    else {"corp_id": base.wecom.corp_id, "secret": OWN_WECOM["secret"]})
            standins[code] = await stack.enter_async_context(
                standin_server(corp["corp_id"], corp["secret"]))
        schools_dir = workdir / "schools" if n > 1 else None
        if schools_dir is not None:
            schools_dir.mkdir()
            for code, mark in zip(codes, marks, strict=True):
                api = standins[code][1]
                write_school(schools_dir, code, f"林{mark}中学",
                             {**corp_of(code), "api_base": api, "oauth_base": api})
        instances = []
        for name in ("A", "B"):
            path = workdir / f"instance-{name}.toml"
            write_config(path, db_url=db_url, port=(port := free_port()),
                         api_base=standins[codes[0]][1], extra_school_days=extra,
                         schools_dir=schools_dir, inbox_workers=args.inbox_workers,
                         max_connections=args.max_connections)
            instances.append(Instance(name, path, port, workdir / f"instance-{name}.log",
                                      args=("serve", "--no-workers") if args.workers
                                      else ("serve",)))
        workers = [Instance(f"worker {k + 1}", instances[0].config_path, None,
                            workdir / f"worker-{k + 1}.log", args=("worker",),
                            ready="worker running") for k in range(args.workers)]
        deployment = load_deployment(instances[0].config_path)
        students = sum(len(r.students) for _, r in rosters.values())
        print(f"  database {database}: migrate, import {students:,} students in {n} "
              f"school{'s' if n > 1 else ''}", file=sys.stderr)
        await prepare_schools(deployment, {code: folder for code, (folder, _) in rosters.items()})
        ids = {r["code"]: r["id"] for r in await counts.fetch("SELECT id, code FROM school")}
        first_msg_id = time.time_ns() // 1000  # the same MsgIds at every school
        schools = []
        for code, mark in zip(codes, marks, strict=True):
            config = deployment.school(code)
            roster = rosters[code][1]
            plan_leaves(roster, config.calendar, today)
            callback = CALLBACK_PATH if n == 1 else f"{CALLBACK_PATH}/{code}"
            schools.append(School(code, mark, roster, standins[code][0],
                                  Sealer(config, callback, first_msg_id), ids[code]))
        processes = instances + workers
        for process in processes:
            stack.push_async_callback(process.stop)
            await process.start()
        # killed in turn: A, worker 1, B, worker 2, … (without workers: A, B)
        victims = [p for pair in itertools.zip_longest(instances, workers) for p in pair if p]
        generator = LoadGenerator(schools, instances, victims, rate=args.rate,
                                  attendance_share=args.attendance_share, seed=args.seed)
        watcher = asyncio.create_task(generator.watch())  # every delivery, drain included
        await asyncio.sleep(0)
        cpu0, pg_cpu = Cpu.take(processes), PostgresCpu(database)
        started_utc, code_at = datetime.now(UTC), code_version()
        try:
            await generator.run(args.minutes * 60, args.kill_every, args.down)
        except BaseException:
            watcher.cancel()
            await pg_cpu.stop()
            for process in processes:
                tail = process.log_path.read_text(errors="replace").splitlines()[-15:]
                print(f"  {process.name}'s log ends:\n" + "\n".join(tail), file=sys.stderr)
            raise
        cpu = Cpu.take(processes).since(cpu0, await pg_cpu.stop())
        if (code_after := code_version()) != code_at:  # a restart would have loaded other code
            code_at = f"{code_at} at the start, {code_after} at the end"
        t = generator.stats
        print(f"  traffic done: {len(t.answered):,} callbacks answered 200 in {t.seconds:.0f} s; "
              "draining", file=sys.stderr)
        drain_seconds, left = await counts.drain(args.drain)
        await asyncio.sleep(1.0)
        for process in processes:
            await process.stop()
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
        checks = await count_everything(counts, t, schools)
        in_progress = generator.in_progress
        startup = [s for p in processes for s in p.startup_seconds]
        errors = sum(p.log_lines(" ERROR ") for p in processes)
        repeats = sum(p.log_lines("duplicate=True") for p in processes)
        if args.keep_logs:
            for process in processes:
                target = Path(args.keep_logs) / process.log_path.name
                target.write_bytes(process.log_path.read_bytes())
    result = Result(args.minutes, args.rate, args.kill_every, args.down, classes,
                    args.per_class, guards, args.attendance_share, today, made_school_day,
                    t, checks, cpu, drain_seconds, left, in_progress, startup, errors, repeats,
                    started_utc, code_at, n, args.workers, deployment.database.inbox_workers,
                    deployment.database.max_connections)
    return result, host


def command(args: argparse.Namespace) -> str:
    out = [".venv/bin/python bench/soak.py"]
    for name, default in (("minutes", 10.0), ("rate", 30.0), ("kill_every", 120.0),
                          ("down", 5.0), ("classes", 120), ("per_class", 14), ("guards", 40),
                          ("attendance_share", 0.06), ("seed", 1), ("schools", 1),
                          ("workers", 0), ("inbox_workers", None), ("max_connections", None)):
        if getattr(args, name) != default:
            out.append(f"--{name.replace('_', '-')} {getattr(args, name):g}")
    return " ".join([*out, "--write"])


async def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="qingjia-soak-") as tmp:
        result, host = await soak(args, Path(tmp))
    generated = block(result, host, command(args))
    print(generated)
    problems = result.checks.problems()
    for problem in problems:
        print(f"CHECK FAILED: {problem}", file=sys.stderr)
    if args.write:
        section, begin, end = (SECTION, BEGIN, END) if args.schools == 1 else MANY
        update_doc(DOC, section, begin, end, generated, host, same_machine_only=True)
        print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Soak test (see the module docstring).")
    parser.add_argument("--minutes", type=float, default=10.0,
                        help="length of the traffic (default 10)")
    parser.add_argument("--rate", type=float, default=30.0,
                        help="callbacks per second, both instances together (default 30)")
    parser.add_argument("--kill-every", type=float, default=120.0,
                        help="seconds between SIGKILLs, alternating instances (default 120)")
    parser.add_argument("--down", type=float, default=5.0,
                        help="seconds a killed instance stays down (default 5)")
    parser.add_argument("--classes", type=int, default=120, help="classes (default 120)")
    parser.add_argument("--per-class", type=int, default=14,
                        help="students per class (default 14)")
    parser.add_argument("--guards", type=int, default=40, help="门卫 (default 40)")
    parser.add_argument("--attendance-share", type=float, default=0.06,
                        help="share of the paced slots that are 考勤 reports (default 0.06)")
    parser.add_argument("--drain", type=float, default=300.0,
                        help="longest wait for the queues to empty after the traffic (300 s)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--schools", type=int, default=1,
                        help=f"schools of a deployment, at most {len(MARKS)} (default 1: a "
                             "single-school config); --classes and --guards are spread over "
                             "them")
    parser.add_argument("--inbox-workers", type=int, default=None,
                        help="[database] inbox_workers (default: config.example.toml's)")
    parser.add_argument("--max-connections", type=int, default=None,
                        help="[database] max_connections per process (default: the example's)")
    parser.add_argument("--workers", type=int, default=0,
                        help="`qingjia worker` processes beside two `serve --no-workers` "
                             "(default 0: two full `serve` instances)")
    parser.add_argument("--keep-logs", metavar="DIR", help="copy the instances' logs here")
    parser.add_argument("--write", action="store_true",
                        help=f"update the '{SECTION[3:]}' section of {DOC.relative_to(ROOT)}")
    args = parser.parse_args()
    if not (args.minutes > 0 and args.rate > 0 and args.kill_every > 0 and args.down >= 0
            and args.classes >= 1 and args.per_class >= 1 and args.guards >= 1
            and 0 <= args.attendance_share < 1 and 1 <= args.schools <= len(MARKS)
            and args.workers >= 0):
        parser.error("--minutes, --rate, --kill-every, --classes, --per-class and --guards "
                     f"must be positive, --down >= 0, 0 <= --attendance-share < 1, "
                     f"1 <= --schools <= {len(MARKS)}, --workers >= 0")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
