"""Readiness: a database without its schema is said once, and the flag follows the database."""

import asyncio
import logging

import pytest
from sqlalchemy import create_engine, text

from bot.jobs.schema import NO_SCHEMA, SchemaWatch
from storage.engine import make_engine, upgrade_database
from tests.bot.harness import running_bot, settings_for
from tests.fakebotapi import FakeBotAPI


def test_an_empty_database_is_not_ready_and_said_once(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(sqlite_url)
    readiness = SchemaWatch(engine)
    try:
        assert [readiness.check() for _ in range(3)] == [False, False, False]
        assert caplog.text.count(NO_SCHEMA) == 1
        upgrade_database(engine)
        assert readiness.check() and readiness.ready
        assert "database is ready again" in caplog.text
    finally:
        engine.dispose()


@pytest.mark.e2e
@pytest.mark.postgres
async def test_a_database_recreated_empty_is_reported_once_not_every_minute(
    api: FakeBotAPI, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running_bot(settings_for(api, postgres_url), digest_every=0.2):
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        finally:
            admin.dispose()
        await asyncio.sleep(3)  # some fifteen looks of the scheduler
    assert caplog.text.count(NO_SCHEMA) == 1
    assert "scheduled job" not in caplog.text
