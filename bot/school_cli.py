"""`qingjia school add|list|check`: the schools of a deployment, one `<code>.toml` each.

`add` writes a school's file only once it reads back as a valid school of the deployment (its
WeCom app its own); `list` shows each school with the URL to enter in WeCom's admin console;
`check` looks at every school's file, calendar and roster and exits 1 while one needs work.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.calendar_report import check_report
from bot.config import Config, ConfigError, example_values_in_use
from bot.deployment import CODE, Deployment, load_deployment
from models.db import Database
from models.roster import School, Student

SCHOOL_FILE = """\
# 请假通: {name}. The deployment's main file ({main}) holds what every school shares; a key set
# here changes it for this school only (any section but [server], [database], [security]).

[school]
code = "{code}"
name = "{name}"
timezone = "{timezone}"

[wecom]
# This school's own self-built app: 我的企业 → 企业ID, and the app's page.
corp_id = "{corp_id}"
agent_id = {agent_id}
secret = "{secret}"
# 接收消息 → API接收: set the URL to {callback}
token = "{token}"
encoding_aes_key = "{aes_key}"
"""


def school_commands(parser: argparse.ArgumentParser,
                    common: Callable[[argparse.ArgumentParser], None]) -> None:
    commands = parser.add_subparsers(dest="school_command", required=True)
    add = commands.add_parser("add", help="add a school: write schools_dir/<code>.toml")
    common(add)
    add.add_argument("code", help="the school's code: lower-case letters, digits, - and _ "
                                  "(in its URLs: /wecom/callback/<code>, /s/<code>/)")
    add.add_argument("--name", required=True, help="the school's name, e.g. 南山中学")
    add.add_argument("--timezone", default="Asia/Shanghai")
    add.add_argument("--corp-id", required=True, help="企业ID of the school's WeCom")
    add.add_argument("--agent-id", required=True, type=int, help="AgentId of its app")
    add.add_argument("--secret", required=True, help="the app's Secret")
    add.add_argument("--token", required=True, help="接收消息's Token")
    add.add_argument("--aes-key", required=True, help="接收消息's EncodingAESKey (43 characters)")
    add.set_defaults(run=_add)
    listing = commands.add_parser("list", help="the schools, their WeCom apps and callback URLs")
    common(listing)
    listing.set_defaults(run=_list)
    check = commands.add_parser("check", help="every school's file, calendar and roster; exit 1 "
                                              "while one needs work")
    common(check)
    check.set_defaults(run=_check)


def _folder(deployment: Deployment) -> Path:
    if deployment.schools_dir is None:
        raise ConfigError(f"{deployment.path}: a single-school config (its school is [school]); "
                          "set [deployment] schools_dir to run several")
    return deployment.schools_dir


def _add(deployment: Deployment, args: argparse.Namespace) -> None:
    folder = _folder(deployment)
    code = args.code
    if not CODE.fullmatch(code):
        raise ConfigError(f"{code!r}: a school's code is lower-case letters, digits, '-' and "
                          "'_' (at most 32)")
    target = folder / f"{code}.toml"
    if target.exists():
        raise ConfigError(f"{target}: school {code} already exists")
    text = SCHOOL_FILE.format(
        name=_toml_text(args.name), main=deployment.path.name, code=code,
        timezone=_toml_text(args.timezone), corp_id=_toml_text(args.corp_id),
        agent_id=args.agent_id, secret=_toml_text(args.secret), token=_toml_text(args.token),
        aes_key=_toml_text(args.aes_key), callback=deployment.callback_url(code))
    target.write_text(text, encoding="utf-8")
    try:  # the directory as it would be: a bad value or a shared WeCom app leaves nothing behind
        load_deployment(deployment.path)
    except ConfigError:
        target.unlink()
        raise
    print(f"added school {code} ({args.name}): {target}")
    print(f"  WeCom 接收消息 URL: {deployment.callback_url(code)}")
    print(f"  pages: {deployment.server.public_url}/s/{code}/h5/ and /s/{code}/admin/")
    print(f"  next: qingjia import-roster --school {code} --students … --staff …, then "
          "restart `qingjia serve` and `qingjia worker` to start it")


def _toml_text(value: str) -> str:
    """A value inside a TOML basic string."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _list(deployment: Deployment, args: argparse.Namespace) -> None:
    students = _students(deployment)
    if not deployment.schools:
        print(f"no school yet in {deployment.schools_dir}")
        return
    for code, config in deployment.schools.items():
        if students is None:
            enrolled = "database not reachable"
        elif code in students:
            enrolled = f"{students[code]} students"
        else:
            enrolled = "not started yet"
        print(f"{code:<16} {config.school.name}  {config.school.timezone}  "
              f"corp {config.wecom.corp_id} agent {config.wecom.agent_id}  {enrolled}")
        print(f"{'':<16} callback {deployment.callback_url(code)}")


def _check(deployment: Deployment, args: argparse.Namespace) -> int:
    students = _students(deployment)
    problems = 0
    for code, config in deployment.schools.items():
        found = _school_problems(config, args.clock().astimezone(config.school.tz).date(),
                                 None if students is None else students.get(code, 0))
        problems += len(found)
        print(f"{code}: {'ok' if not found else '; '.join(found)}")
    if students is None:
        print(f"database {deployment.database.url!r} not reachable (run `qingjia migrate`)")
        problems += 1
    if not deployment.schools:
        print(f"no school yet in {_folder(deployment)}")
        problems += 1
    return 1 if problems else 0


def _school_problems(config: Config, today: date, students: int | None) -> list[str]:
    found = []
    if example := example_values_in_use(config):
        found.append(f"config.example.toml's {', '.join(example)} still in use")
    _lines, blocked = check_report(config.calendar, today)
    if blocked:
        found.append("the calendar has unknown dates in the current or next term "
                     "(qingjia calendar check --school " + config.school.code + ")")
    if students == 0:
        found.append("no roster yet (qingjia import-roster --school " + config.school.code + ")")
    return found


def _students(deployment: Deployment) -> dict[str, int] | None:
    """Enrolled students by school code, None when the database does not answer."""
    async def count() -> dict[str, int]:
        db = Database(deployment.database.url,
                      busy_timeout_ms=deployment.database.busy_timeout_ms)
        try:
            async with db.read() as session:
                rows = await session.execute(
                    select(School.code, func.count(Student.id))
                    .outerjoin(Student, Student.school_id == School.id)
                    .group_by(School.code))
                return {code: n for code, n in rows}
        finally:
            await db.dispose()

    try:
        return asyncio.run(count())
    except (SQLAlchemyError, OSError):
        return None
