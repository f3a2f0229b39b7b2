"""The district bench's own check on a tiny district: it passes a right run, fails a wrong one."""

from __future__ import annotations

import asyncpg
import pytest

from bench.district import check, run_district
from bench.district_plan import DAY, plan
from bench.district_seed import asyncpg_dsn, seed

pytestmark = pytest.mark.postgres


async def test_two_schools_give_what_was_planted_and_a_lost_row_is_caught(pg_url: str) -> None:
    plans = plan(2, 200, pg_url)
    await seed(pg_url, plans)
    figures = await run_district(pg_url, plans)
    assert await check(pg_url, plans, figures) == []
    assert {rung for school in plans for _, rung in school.steps} == {
        "office", "principal", "dropout", "periods", "leave_advisory"}
    assert sum(len(school.truancy) for school in plans) > len(plans) * 6  # planted + background
    conn = await asyncpg.connect(asyncpg_dsn(pg_url))
    try:
        lost = await conn.fetchval(
            "DELETE FROM truancy WHERE id = (SELECT min(id) FROM truancy WHERE day = $1 "
            "AND school_id = 2) RETURNING student_id", DAY)
    finally:
        await conn.close()
    assert await check(pg_url, plans, figures) == [
        f"school 2: student {lost} 旷课 None (planted {plans[1].truancy[lost]})"]
