"""The `qingjia` command: migrate, import-roster, sync-roster, serve, worker, jobs, run-job,
calendar check, report, school add|list|check, demo.

A command about one school takes `--school CODE` (needed when the deployment has several); serve,
worker, migrate and `school` work on the whole deployment.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.app import StartupError, create_app
from bot.calendar_report import check_report, warn_at_startup
from bot.config import (
    Config,
    ConfigError,
    example_values_in_use,
    resolve_config_path,
    staff_roles,
)
from bot.deployment import Deployment, load_deployment
from bot.roster_check import unknown_userids
from bot.roster_sync import sync_roster
from bot.school import open_school
from bot.school_cli import school_commands
from bot.wecom_client import WeComClient, WeComError
from bot.workers import run_worker
from models.clock import Clock, utc_now
from models.db import Database
from models.migrate import upgrade
from models.repos.roster import ImportSummary
from models.roster_import import Roster, RosterError, read_roster
from reports.attendance import export_attendance
from reports.common import ReportError
from reports.dropout import export_dropout
from reports.illness import export_illness
from reports.leaves import export_leaves
from reports.ledger import export_ledger, month_range
from scheduler.registry import JOBS, next_run
from scheduler.runner import JobRunner
from services.roster import import_roster

DEMO_ROSTER = Path(__file__).parent / "demo_roster"


class CommandError(Exception):
    """A failure to report as one line."""


def main(argv: list[str] | None = None, *, clock: Clock = utc_now) -> int:
    """Run one command; `clock` is the time every command reads (tests pass their own)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return int(exc.code or 0)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        args.deployment = load_deployment(resolve_config_path(args.config))
        args.clock = clock
        if args.per_school:
            status = args.run(args.deployment.school(args.school), args)
        else:
            status = args.run(args.deployment, args)
    except (ConfigError, CommandError, RosterError, StartupError) as exc:
        print(f"qingjia: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"qingjia: database error: {type(exc).__name__}: {str(exc).splitlines()[0]}",
              file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"qingjia: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return status or 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qingjia", description="请假通 school leave service")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, run: Callable[[Any, argparse.Namespace], int | None],
                help_text: str, within: Any = sub, *,
                per_school: bool = True) -> argparse.ArgumentParser:
        p = within.add_parser(name, help=help_text)
        _common_options(p, per_school=per_school)
        p.set_defaults(run=run)
        return p

    command("migrate", _migrate, "create or update the database schema", per_school=False)
    imp = command("import-roster", _import_roster, "import students.csv and staff.csv (or .xlsx)")
    imp.add_argument("--students", required=True, type=Path)
    imp.add_argument("--staff", required=True, type=Path)
    imp.add_argument("--actor", default="admin", help="who is importing (for the audit log)")
    imp.add_argument("--check-wecom", action="store_true",
                     help="first check every member's userid with WeCom's user/get (家校 "
                          "parents are not members); exit 3 if some are unknown (nothing is "
                          "imported then)")
    sync = command("sync-roster", _sync_roster,
                   "update students, classes and 家校 parents from WeCom's 家校通讯录")
    sync.add_argument("--actor", default="admin", help="who is syncing (for the audit log)")
    serve = command("serve", _serve, "run the service for a real WeCom app (every school of "
                                     "the deployment)", per_school=False)
    serve.add_argument("--no-workers", action="store_true",
                       help="HTTP only: callbacks are recorded and pages served, while "
                            "`qingjia worker` processes handle, send and run the jobs")
    command("worker", _worker, "handle messages, send and run the jobs of every school, "
                               "without HTTP (beside `qingjia serve --no-workers`)",
            per_school=False)
    command("jobs", _jobs, "list the scheduled jobs, their next run and last result")
    run = command("run-job", _run_job, "run one job for one school date now")
    run.add_argument("name", help="job name (see `qingjia jobs`)")
    run.add_argument("--date", type=_iso_date, help="school date YYYY-MM-DD (default today)")
    command("demo", _demo, "migrate, load the demo school and run with the local simulator")
    calendar = sub.add_parser("calendar", help="the school calendar")
    command("check", _calendar_check, "each term's school days and the dates still unknown",
            within=calendar.add_subparsers(dest="calendar_command", required=True))
    _report_commands(sub.add_parser("report", help="export attendance, leaves or a dropout case"))
    school_commands(sub.add_parser("school", help="the schools of a deployment (schools_dir)"),
                    lambda p: _common_options(p, per_school=False))
    return parser


def _common_options(p: argparse.ArgumentParser, *, per_school: bool) -> None:
    p.add_argument("--config", help="config file (default ./config.toml, else $QINGJIA_CONFIG)")
    if per_school:
        p.add_argument("--school", metavar="CODE",
                       help="the school (its code; needed when the deployment has several)")
    p.set_defaults(per_school=per_school)


def _migrate(deployment: Deployment, args: argparse.Namespace) -> None:
    upgrade(deployment.database.url)
    print("database is up to date")


def _import_roster(config: Config, args: argparse.Namespace) -> int | None:
    for path in (args.students, args.staff):
        if not path.exists():
            raise CommandError(f"{path}: file not found")
    roster = read_roster(args.students, args.staff, roles=staff_roles(config))
    if args.check_wecom:
        if example := example_values_in_use(config):
            raise CommandError(f"--check-wecom: WeCom is not configured ({', '.join(example)} "
                               "still the example's)")
        try:
            unknown = asyncio.run(unknown_userids(config, roster))
        except WeComError as exc:
            raise CommandError(f"--check-wecom: WeCom answered {exc}") from None
        if unknown:
            print("WeCom does not know these userids (nothing imported):", file=sys.stderr)
            for userid in unknown:
                print(f"  {userid}", file=sys.stderr)
            return 3
    summary = asyncio.run(_apply(config, roster, actor=f"import:{args.actor}", now=args.clock()))
    print(f"imported: {summary}")
    return None


async def _apply(config: Config, roster: Roster, *, actor: str, now: datetime) -> ImportSummary:
    db, school_id = await open_school(config, now)
    try:
        async with db.unit_of_work() as session:
            return await import_roster(session, school_id, config, roster, actor=actor, now=now)
    finally:
        await db.dispose()


def _sync_roster(config: Config, args: argparse.Namespace) -> None:
    if example := example_values_in_use(config):
        raise CommandError(f"sync-roster: WeCom is not configured ({', '.join(example)} "
                           "still the example's)")

    async def run() -> ImportSummary:
        db, school_id = await open_school(config, args.clock())
        try:
            async with aiohttp.ClientSession() as http:
                client = WeComClient(http, config.wecom)
                return await sync_roster(db, school_id, client, config, now=args.clock(),
                                         actor=f"sync:{args.actor}")
        finally:
            await db.dispose()

    try:
        summary = asyncio.run(run())
    except WeComError as exc:
        raise CommandError(f"sync-roster: WeCom answered {exc}") from None
    print(f"synced from the 家校通讯录: {summary}")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date like 2026-12-01: {text!r}") from exc


async def _with_runner(config: Config, clock: Clock,
                       work: Callable[[JobRunner], Awaitable[None]]) -> None:
    db, school_id = await open_school(config, clock())
    try:
        await work(JobRunner(db, config, school_id=school_id, clock=clock, jobs=JOBS))
    finally:
        await db.dispose()


def _jobs(config: Config, args: argparse.Namespace) -> None:
    async def show(runner: JobRunner) -> None:
        last = await runner.last_runs()
        now = args.clock().astimezone(config.school.tz)
        for job in runner.jobs.values():
            when = (f"daily {job.at(config):%H:%M}" if job.at else f"every {job.every_minutes} min")
            upcoming = next_run(job, config, now)
            run = last.get(job.name)
            result = (f"{run.run_key} {run.status} {run.result or run.error or ''}" if run
                      else "never run")
            print(f"{job.name:<24} {when:<14} next {upcoming:%Y-%m-%d %H:%M}  last {result}")

    asyncio.run(_with_runner(config, args.clock, show))


def _run_job(config: Config, args: argparse.Namespace) -> None:
    if args.name not in JOBS:
        raise CommandError(f"no job {args.name!r}; jobs: {', '.join(JOBS)}")
    day = args.date or args.clock().astimezone(config.school.tz).date()

    async def run(runner: JobRunner) -> None:
        result = await runner.run(args.name, day, force=True)
        print(f"{args.name} {day}: {result}")

    asyncio.run(_with_runner(config, args.clock, run))


def _calendar_check(config: Config, args: argparse.Namespace) -> int:
    """Exit 1 while a date of the current or next term is unknown."""
    lines, blocked = check_report(config.calendar, _today(config, args.clock))
    print("\n".join(lines))
    return 1 if blocked else 0


def _today(config: Config, clock: Clock) -> date:
    return clock().astimezone(config.school.tz).date()


def _serve(deployment: Deployment, args: argparse.Namespace) -> None:
    _ready_to_run(deployment, args.clock, "serve")
    server = deployment.server
    workers = "" if not args.no_workers else " (HTTP only: run `qingjia worker` too)"
    schools = "" if deployment.single else f" for {len(deployment.schools)} schools"
    web.run_app(create_app(deployment, clock=args.clock, run_workers=not args.no_workers),
                host=server.host, port=server.port, access_log=None,
                print=lambda _: print(f"serving on {server.host}:{server.port}{schools}"
                                      f"{workers}"))


def _worker(deployment: Deployment, args: argparse.Namespace) -> None:
    _ready_to_run(deployment, args.clock, "send")
    names = "、".join(c.school.name for c in deployment.schools.values())
    print(f"worker for {names}: inbox, outbox and jobs (stop with Ctrl-C)", flush=True)
    asyncio.run(run_worker(deployment, args.clock))


def _ready_to_run(deployment: Deployment, clock: Clock, verb: str) -> None:
    """Refuse published example keys and an empty deployment; warn of unknown calendar dates."""
    if not deployment.schools:
        raise CommandError(f"{deployment.schools_dir}: no school yet (add one with "
                           "`qingjia school add`)")
    for config in deployment.schools.values():
        if example := example_values_in_use(config):
            whose = "" if deployment.single else f"school {config.school.code}: "
            raise CommandError(f"{whose}refusing to {verb} with config.example.toml's "
                               f"{', '.join(example)}: anyone could forge or read WeCom "
                               "callbacks; set your app's own")
        warn_at_startup(config.calendar, _today(config, clock))


def _demo(config: Config, args: argparse.Namespace) -> None:
    from bot.simulator.demo import demo_app, demo_history

    upgrade(config.database.url)
    roster = read_roster(DEMO_ROSTER / "students.csv", DEMO_ROSTER / "staff.csv",
                         roles=staff_roles(config))
    asyncio.run(_apply(config, roster, actor="system:demo", now=args.clock()))
    asyncio.run(demo_history(config, args.clock()))
    app, url = demo_app(config, clock=args.clock)
    web.run_app(app, host=config.server.host, port=config.server.port, access_log=None,
                print=lambda _: print(f"请假通 simulator: open {url}"))


# ---- report -------------------------------------------------------------------------------


def _report_commands(report: argparse.ArgumentParser) -> None:
    """`qingjia report attendance|leaves|illness|dropout|dropout-ledger …`: parsing only; reports/
    builds the files."""
    kinds = report.add_subparsers(dest="report", required=True)

    def kind(name: str, run: Callable[[Config, argparse.Namespace], None], help_text: str,
             suffix: str) -> argparse.ArgumentParser:
        p = kinds.add_parser(name, help=help_text, description=help_text)
        _common_options(p, per_school=True)
        p.add_argument("--out", required=True, type=Path, help=f"the {suffix} file to write")
        p.add_argument("--actor", default="admin", help="who is exporting (for the audit log; the "
                       "illness register: a 校医, 校长 or 班主任 userid)")
        p.set_defaults(run=run, suffix=suffix)
        return p

    for name, run, help_text in (
            ("attendance", _report_attendance, "attendance workbook: a summary sheet and a sheet "
                                               "per class (出勤/病/事/旷/未报 per school day)"),
            ("leaves", _report_leaves, "every leave with a day in the range, in any state"),
            ("illness", _report_illness, "因病缺课登记表: every illness absence in the range, "
                                         "with symptoms, dates and diagnosis")):
        p = kind(name, run, help_text, ".xlsx")
        p.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
        p.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD")
        if name == "attendance":
            p.add_argument("--class", dest="class_label", metavar="初一(1)班",
                           help="one class only (default: every class)")
    dropout = kind("dropout", _report_dropout, "the Word report of a dropout case for the "
                                               "education bureau, to print and sign", ".docx")
    dropout.add_argument("--case", required=True, metavar="N",
                         help="the case number: the id of the ladder's dropout step "
                              "(escalation_step.id)")
    ledger = kind("dropout-ledger", _report_ledger, "the month's 控辍保学 ledger: every "
                  "suspected or actual dropout case open in the month, with each step taken",
                  ".xlsx")
    ledger.add_argument("--month", required=True, metavar="YYYY-MM")


def _report_attendance(config: Config, args: argparse.Namespace) -> None:
    first, last, out = _day_arg(args.first, "--from"), _day_arg(args.last, "--to"), _out_arg(args)
    done = _export(config, args, lambda db, school_id, now: export_attendance(
        db, config, school_id, first, last, out, class_label=args.class_label,
        actor=f"cli:{args.actor}", now=now))
    print(f"wrote {out}: {len(done.classes)} classes, {done.total.enrolled} students, "
          f"{len(done.school_days)} school days")


def _report_leaves(config: Config, args: argparse.Namespace) -> None:
    first, last, out = _day_arg(args.first, "--from"), _day_arg(args.last, "--to"), _out_arg(args)
    done = _export(config, args, lambda db, school_id, now: export_leaves(
        db, config, school_id, first, last, out, actor=f"cli:{args.actor}", now=now))
    print(f"wrote {out}: {done.leaves} leaves")


def _report_illness(config: Config, args: argparse.Namespace) -> None:
    first, last, out = _day_arg(args.first, "--from"), _day_arg(args.last, "--to"), _out_arg(args)
    done = _export(config, args, lambda db, school_id, now: export_illness(
        db, config, school_id, first, last, out, actor=f"cli:{args.actor}", now=now))
    print(f"wrote {out}: {done.absences} illness absences")


def _report_dropout(config: Config, args: argparse.Namespace) -> None:
    if not args.case.isdigit():
        raise CommandError(f"--case: not a case number: {args.case!r}")
    out = _out_arg(args)
    done = _export(config, args, lambda db, school_id, now: export_dropout(
        db, config, school_id, int(args.case), out, actor=f"cli:{args.actor}", now=now))
    print(f"wrote {out}: dropout case {done.number}")


def _report_ledger(config: Config, args: argparse.Namespace) -> None:
    try:
        month_range(args.month)  # a bad month is refused before anything is opened
    except ReportError as exc:
        raise CommandError(str(exc)) from exc
    out = _out_arg(args)
    done = _export(config, args, lambda db, school_id, now: export_ledger(
        db, config, school_id, args.month, out, actor=f"cli:{args.actor}", now=now))
    print(f"wrote {out}: {done.cases} cases in {done.month}")


def _day_arg(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"{flag}: not a date like 2026-12-01: {text!r}") from exc


def _out_arg(args: argparse.Namespace) -> Path:
    out: Path = args.out
    if out.suffix.lower() != args.suffix:
        raise CommandError(f"--out: the {args.report} report is a {args.suffix} file: {out}")
    if not out.parent.is_dir():
        raise CommandError(f"--out: no folder {out.parent}")
    return out


T = TypeVar("T")


def _export(config: Config, args: argparse.Namespace,
            work: Callable[[Database, int, datetime], Awaitable[T]]) -> T:
    """Open the school, run one export at the command's clock, and say a refusal in one line."""
    async def run() -> T:
        now = args.clock()
        db, school_id = await open_school(config, now)
        try:
            return await work(db, school_id, now)
        finally:
            await db.dispose()

    try:
        return asyncio.run(run())
    except ReportError as exc:
        raise CommandError(str(exc)) from exc


if __name__ == "__main__":
    sys.exit(main())
