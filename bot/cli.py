"""The `qingjia` command: migrate, import-roster, serve, demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.app import StartupError, create_app
from bot.config import Config, ConfigError, load_config, resolve_config_path
from models.clock import utc_now
from models.db import Database
from models.migrate import upgrade
from models.repos.roster import RosterRepo, apply_roster
from models.roster_import import RosterError, read_roster

DEMO_ROSTER = Path(__file__).parent / "demo_roster"


class CommandError(Exception):
    """A failure to report as one line."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        config = load_config(resolve_config_path(args.config))
        args.run(config, args)
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
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qingjia", description="请假通 school leave service")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, run: Callable[[Config, argparse.Namespace], None],
                help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--config", help="config file (default ./config.toml, else $QINGJIA_CONFIG)")
        p.set_defaults(run=run)
        return p

    command("migrate", _migrate, "create or update the database schema")
    imp = command("import-roster", _import_roster, "import students.csv and staff.csv (or .xlsx)")
    imp.add_argument("--students", required=True, type=Path)
    imp.add_argument("--staff", required=True, type=Path)
    imp.add_argument("--actor", default="admin", help="who is importing (for the audit log)")
    command("serve", _serve, "run the service for a real WeCom app")
    command("demo", _demo, "migrate, load the demo school and run with the local simulator")
    return parser


def _migrate(config: Config, args: argparse.Namespace) -> None:
    upgrade(config.database.url)
    print("database is up to date")


def _import_roster(config: Config, args: argparse.Namespace) -> None:
    for path in (args.students, args.staff):
        if not path.exists():
            raise CommandError(f"{path}: file not found")
    roster = read_roster(args.students, args.staff)
    summary = asyncio.run(_apply(config, roster, actor=f"import:{args.actor}"))
    print(f"imported: {summary}")


async def _apply(config: Config, roster: object, *, actor: str) -> object:
    db = Database(config.database.url)
    try:
        async with db.unit_of_work() as session:
            school_id = await RosterRepo(session, 0).ensure_school(config.school.code,
                                                                   config.school.name)
            return await apply_roster(session, school_id, roster,  # type: ignore[arg-type]
                                      actor=actor, now=utc_now())
    finally:
        await db.dispose()


def _serve(config: Config, args: argparse.Namespace) -> None:
    web.run_app(create_app(config), host=config.server.host, port=config.server.port,
                print=lambda _: print(f"serving on {config.server.host}:{config.server.port}"))


def _demo(config: Config, args: argparse.Namespace) -> None:
    from bot.simulator.demo import demo_app

    upgrade(config.database.url)
    roster = read_roster(DEMO_ROSTER / "students.csv", DEMO_ROSTER / "staff.csv")
    asyncio.run(_apply(config, roster, actor="system:demo"))
    app, url = demo_app(config)
    web.run_app(app, host=config.server.host, port=config.server.port,
                print=lambda _: print(f"请假通 simulator: open {url}"))


if __name__ == "__main__":
    sys.exit(main())
