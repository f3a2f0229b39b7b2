"""Typed keys for what the aiohttp app holds."""

from __future__ import annotations

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import Config
from bot.crypto import WeComCrypto
from bot.inbox_worker import InboxWorker
from bot.inbox_writer import InboxWriter
from bot.outbox_worker import OutboxWorker
from bot.wecom_client import WeComClient
from models.clock import Clock
from models.db import Database
from scheduler.runner import JobRunner

CONFIG = web.AppKey("config", Config)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
CRYPTO = web.AppKey("crypto", WeComCrypto)
DB = web.AppKey("db", Database)
SCHOOL_ID = web.AppKey("school_id", int)
INBOX_WORKER = web.AppKey("inbox_worker", InboxWorker)
INBOX_WRITER = web.AppKey("inbox_writer", InboxWriter)
OUTBOX_WORKER = web.AppKey("outbox_worker", OutboxWorker)
JOB_RUNNER = web.AppKey("job_runner", JobRunner)
# The wall-clock scheduler, None when the app runs on a clock of its caller's (tests)
SCHEDULER: web.AppKey[AsyncIOScheduler | None] = web.AppKey("scheduler")
WECOM = web.AppKey("wecom", WeComClient)
# The root app's schools by code: each school's app (the root itself for a single school)
SCHOOLS: web.AppKey[dict[str, web.Application]] = web.AppKey("schools")
