"""The files people upload on the pages (诊断书 photos), under `[storage] dir`: written, read,
removed with what they belong to, and swept when nothing ever came to own them.

A photo is stored when the form is checked, before the leave exists; a parent who then leaves the
form abandons it. The retention job removes such files a day after they were written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from bot.config import Config
from models.rules.evidence import UPLOADED, uploaded_name, valid_name

SUBDIR = "evidence"
ABANDONED_AFTER = timedelta(days=1)


def evidence_dir(config: Config) -> Path:
    return config.storage.dir / SUBDIR


async def write(config: Config, name: str, data: bytes) -> str:
    """Keep `data` under `name`; the evidence value a leave stores for it."""
    await asyncio.to_thread(_write, evidence_dir(config), name, data)
    return UPLOADED + name


def _write(folder: Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def exists(config: Config, evidence: str) -> bool:
    """An evidence value a form carried: one of ours, and its file is there."""
    name = uploaded_name(evidence)
    return name is not None and (evidence_dir(config) / name).is_file()


async def read(config: Config, name: str) -> bytes:
    return await asyncio.to_thread((evidence_dir(config) / name).read_bytes)


def remove(config: Config, evidence: str | None) -> bool:
    """Delete an uploaded photo (a WeCom media id or None: nothing to delete here)."""
    name = uploaded_name(evidence)
    if name is None:
        return False
    try:
        (evidence_dir(config) / name).unlink()
    except FileNotFoundError:
        return False
    return True


def sweep(config: Config, owned: Iterable[str | None], now: datetime) -> int:
    """Delete the photos no leave owns that were written more than ABANDONED_AFTER before `now`
    (by the file's own time); how many."""
    folder = evidence_dir(config)
    if not folder.is_dir():
        return 0
    keep = {name for name in (uploaded_name(e) for e in owned) if name is not None}
    cutoff = (now - ABANDONED_AFTER).timestamp()
    removed = 0
    for path in folder.iterdir():
        if path.name in keep or not valid_name(path.name):
            continue
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
