"""Several schools in one deployment: real files in a schools_dir, one WeCom stand-in per school's
corp, the real app, and a Harness per school (its callback at /wecom/callback/<code>).

School "a" is the demo school. School "b" has the same userids (WeCom userids are per corp, so two
schools' parents may well share one) but its own students' names and numbers, so a name or number
of one school seen by the other is a crossing.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot import keys
from bot.app import create_app
from bot.config import staff_roles
from bot.deployment import Deployment, load_deployment
from bot.simulator.standin import WeComStandIn
from models.db import Database
from models.migrate import upgrade_async
from models.repos.roster import RosterRepo, apply_roster
from models.roster_import import read_roster
from tests.harness import (
    DEMO_ROSTER,
    IMPORTED_AT,
    OUTSIDERS,
    ROOT,
    FakeClock,
    Harness,
    assert_strictly_delivered,
    directory_of,
)

# School b's students and staff: the demo roster's people under other names.
B_NAMES = {"张小明": "赵一鸣", "刘洋": "钱二宝", "张小红": "孙三妹", "吴俊杰": "周四海",
           "杨子涵": "郭子豪", "黄欣怡": "马欣然",
           "李静": "吴雅琴", "王海燕": "郑秀兰", "赵国强": "冯建国", "陈志华": "蒋文博",
           "张伟": "沈立新", "林芳": "韩美玲", "刘强": "曹大力", "黄磊": "彭光明",
           "吴秀英": "许慧敏", "吴建军": "邓国华"}
B_NUMBER_PREFIX = "B"


@dataclass
class SchoolSpec:
    """One school of the test deployment: its code and what its own file sets."""

    code: str
    name: str
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    roster: Path = DEMO_ROSTER


def school_b_roster(folder: Path) -> Path:
    """The demo roster with school b's names and student numbers (same userids)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("students.csv", "staff.csv"):
        text = (DEMO_ROSTER / name).read_text(encoding="utf-8")
        for old, new in B_NAMES.items():
            text = text.replace(old, new)
        text = re.sub(r"^G(\d)", rf"{B_NUMBER_PREFIX}\1", text, flags=re.MULTILINE)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def toml_text(sections: dict[str, dict[str, Any]]) -> str:
    """A TOML file of tables of plain values; a list of tables under a key ending in [] is
    written as [[key]] entries."""
    out = []
    for section, values in sections.items():
        if section.endswith("[]"):
            for entry in values:  # type: ignore[attr-defined]
                out.append(f"[[{section[:-2]}]]")
                out += [f"{k} = {_toml_value(v)}" for k, v in entry.items()]
            continue
        out.append(f"[{section}]")
        out += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    return "\n".join(out) + "\n"


def write_deployment(folder: Path, db_url: str, schools: Iterable[SchoolSpec],
                     wecom: dict[str, dict[str, Any]], *, public_url: str | None = None) -> Path:
    """The main file (config.example.toml plus schools_dir) and a file per school."""
    main = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    main = re.sub(r'^url = "sqlite[^"]*"$', f'url = "{db_url}"', main, count=1,
                  flags=re.MULTILINE)
    assert db_url in main
    if public_url is not None:
        main, found = re.subn(r'^public_url = "[^"]*"$', f'public_url = "{public_url}"', main,
                              count=1, flags=re.MULTILINE)
        assert found == 1
    main += '\n[deployment]\nschools_dir = "schools"\n'
    (folder / "schools").mkdir(parents=True, exist_ok=True)
    path = folder / "qingjia.toml"
    path.write_text(main, encoding="utf-8")
    for spec in schools:
        sections = {**spec.sections,
                    "school": {"name": spec.name, **spec.sections.get("school", {})},
                    "wecom": wecom[spec.code]}
        (folder / "schools" / f"{spec.code}.toml").write_text(toml_text(sections),
                                                              encoding="utf-8")
    return path


def corp_of(code: str) -> dict[str, Any]:
    """A school's own WeCom app (every school a corp of its own)."""
    return {"corp_id": f"ww{code}corp0000", "agent_id": 1000002, "secret": f"secret-of-{code}",
            "token": f"token{code}", "encoding_aes_key": (code * 43)[:43],
            "request_timeout_seconds": 10.0}


async def prepare_schools(deployment: Deployment, rosters: dict[str, Path]) -> dict[str, int]:
    """Migrate, and import each school's roster as `qingjia import-roster --school` does."""
    await upgrade_async(deployment.database.url)
    db = Database(deployment.database.url)
    ids = {}
    try:
        for code, config in deployment.schools.items():
            roster = read_roster(rosters[code] / "students.csv", rosters[code] / "staff.csv",
                                 roles=staff_roles(config))
            async with db.unit_of_work() as session:
                ids[code] = await RosterRepo(session, 0).ensure_school(
                    code, config.school.name, now=IMPORTED_AT)
                await apply_roster(session, ids[code], roster, actor="system:test",
                                   now=IMPORTED_AT)
    finally:
        await db.dispose()
    return ids


@asynccontextmanager
async def running_schools(db_url: str, clock: FakeClock, folder: Path,
                          schools: list[SchoolSpec], *, run_workers: bool = False,
                          port: int | None = None) -> AsyncIterator[dict[str, Harness]]:
    """The deployment's app with each school's stand-in; a Harness per school by code.
    With a `port`, the service listens there and its public URL says so (for a real browser,
    whose sign-in comes back to the public URL)."""
    async with AsyncExitStack() as stack:
        standins: dict[str, WeComStandIn] = {}
        wecom: dict[str, dict[str, Any]] = {}
        for spec in schools:
            own = corp_of(spec.code)
            standin = WeComStandIn(own["corp_id"], own["secret"],
                                   clock=lambda: clock().timestamp(), agent_id=own["agent_id"],
                                   trusted_domain="127.0.0.1")
            api = await stack.enter_async_context(TestServer(standin.app(), host="127.0.0.1"))
            base = str(api.make_url("")).rstrip("/")
            wecom[spec.code] = {**own, "api_base": base, "oauth_base": base}
            standins[spec.code] = standin
        path = write_deployment(folder, db_url, schools, wecom,
                                public_url=f"http://127.0.0.1:{port}" if port else None)
        deployment = load_deployment(path)
        await prepare_schools(deployment, {s.code: s.roster for s in schools})
        app = create_app(deployment, clock=clock, run_workers=run_workers)
        client = await stack.enter_async_context(
            TestClient(TestServer(app, host="127.0.0.1", port=port)))
        harnesses = {}
        for code, config in deployment.schools.items():
            school_app = app[keys.SCHOOLS][code]
            standin = standins[code]
            standin.oauth.directory = directory_of(school_app)
            for outsider in OUTSIDERS:
                standin.add_member(outsider)
            harnesses[code] = Harness(client, standin, config, clock, school_app=school_app,
                                      callback_path=f"/wecom/callback/{code}")
        yield harnesses
    for standin in standins.values():
        assert_strictly_delivered(standin)
