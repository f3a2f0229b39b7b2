"""What every export shares: its destination, its errors, the audit entry, local times."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from models.db import Database
from models.repos.audit import AuditRepo

Destination = Path | IO[bytes]

MAX_RANGE_DAYS = 366  # a school year fits; a request for a decade is a typo


class ReportError(Exception):
    """A request the export cannot answer (bad range, unknown class or case): one line."""


def check_range(first: date, last: date) -> None:
    """Refuse an empty, reversed or overlong date range."""
    if first > last:
        raise ReportError(f"--from {first} is after --to {last}")
    if last - first >= timedelta(days=MAX_RANGE_DAYS):
        raise ReportError(f"{first} to {last} is longer than {MAX_RANGE_DAYS} days; "
                          "export a school year at most")


@asynccontextmanager
async def opened(out: Destination) -> AsyncIterator[Path | IO[bytes]]:
    """Where to write: a stream as given; for a path, a temporary file beside it that replaces
    the path only when the export (and its audit entry) succeeded, so a failure never leaves a
    half-written file behind."""
    if not isinstance(out, Path):
        yield out
        return
    part = out.with_name(f".{out.name}.{secrets.token_hex(6)}.part")
    try:
        yield part
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)


async def record_export(db: Database, school_id: int, *, actor: str, report: str,
                        params: dict[str, Any], now: datetime) -> None:
    """The audit entry of one export: who exported what, when (in its own unit of work)."""
    async with db.unit_of_work() as session:
        AuditRepo(session, school_id).record(actor=actor, action="report_exported",
                                             entity="report", entity_id=report, at=now,
                                             after=params)


def titled_sheet(title: str, heading: str, header: Sequence[str], now: datetime
                 ) -> tuple[Workbook, Worksheet]:
    """A one-sheet workbook: its title row (`heading`) and its column header, made by 请假通."""
    book = Workbook()
    book.properties.creator = "请假通"
    book.properties.created = now.astimezone(UTC).replace(tzinfo=None)
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = title
    sheet.append([heading])
    sheet.append(list(header))
    return book, sheet


def local_naive(moment: datetime | None, tz: tzinfo) -> datetime | None:
    """A stored UTC moment as the school's wall-clock time (Excel cells carry no zone)."""
    if moment is None:
        return None
    return moment.astimezone(tz).replace(tzinfo=None, microsecond=0)


def stamp(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
