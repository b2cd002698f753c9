"""The scheduler and its outbox: what falls due, catching up, retrying, and never twice."""

import asyncio
import itertools
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.jobs.digests import LEASE, DigestOutbox
from bot.jobs.ticker import Scheduler
from bot.services.digests import DigestBuilder
from bot.telegram.delivery import Delivery, Pacer
from flows.problem import Problem
from storage import queries
from storage.database import Database
from storage.engine import make_engine, session_scope, upgrade_database
from storage.models import DigestDelivery
from tests.bot.harness import TEST_PER_CHAT, Clock
from tests.fakebotapi import FakeBotAPI
from tests.packaged import content, staff_texts

OSLO = ZoneInfo("Europe/Oslo")
KARI = 7001
SUBSCRIBED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
MONDAY = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # 08:00 in Oslo
SECRET_WORDS = "Postkassen ved Gjøvik skysstasjon er full hver fredag"


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    upgrade_database(engine)
    yield engine
    engine.dispose()


def subscriber(engine: Engine, frequency: str = "weekly", at: datetime = SUBSCRIBED) -> int:
    with session_scope(engine) as session:
        staff = queries.add_staff(session=session, telegram_id=KARI, role="staff", now=at)
        assert staff.id is not None
        queries.note_staff_chat(session=session, staff_id=staff.id, chat_id=KARI, language="nb")
        queries.subscribe(session=session, staff_id=staff.id, frequency=frequency, now=at)
        draft = Problem(text=SECRET_WORDS, language="nb", area="sentrum", severity=5)
        queries.add_problem(
            session=session, resident_id=None, problem=draft, source="telegram", now=at
        )
        return staff.id


def outbox(engine: Engine, clock: Clock, delivery: Delivery | None = None) -> DigestOutbox:
    builder = DigestBuilder(db=Database(engine), content=content(), texts=staff_texts(), zone=OSLO)
    return DigestOutbox(
        builder=builder,
        delivery=delivery or Delivery(FakeBotAPI().make_bot()),
        clock=clock,
        digest_time=time(8, 0),
    )


def owed(engine: Engine) -> list[tuple[datetime, datetime, datetime | None]]:
    with session_scope(engine) as session:
        rows = session.exec(select(DigestDelivery).order_by(DigestDelivery.period_start))
        return [(r.period_start, r.due_at, r.sent_at) for r in rows]


def test_a_weekly_digest_falls_due_on_monday_at_eight_once(engine: Engine) -> None:
    subscriber(engine)
    box = outbox(engine, Clock(MONDAY))
    assert box.record_due(MONDAY - timedelta(seconds=1)) == 0
    assert box.record_due(MONDAY) == 1
    assert box.record_due(MONDAY + timedelta(hours=3)) == 0  # a later look, or another process
    [(start, due, sent)] = owed(engine)
    assert start == datetime(2026, 11, 22, 23, 0, tzinfo=UTC) and due == MONDAY and sent is None


def test_after_a_long_outage_only_the_last_seven_days_are_caught_up(engine: Engine) -> None:
    subscriber(engine, frequency="daily")
    box = outbox(engine, Clock(MONDAY))
    back = MONDAY + timedelta(days=20, hours=2)  # down for three weeks
    assert box.record_due(back) == 7
    days = [due for _, due, _ in owed(engine)]
    assert days == [back - timedelta(hours=2, days=n) for n in range(6, -1, -1)]


def test_nothing_is_owed_for_times_before_the_subscription(engine: Engine) -> None:
    subscriber(engine, at=MONDAY + timedelta(minutes=1))
    box = outbox(engine, Clock(MONDAY))
    assert box.record_due(MONDAY + timedelta(days=6)) == 0
    assert box.record_due(MONDAY + timedelta(days=7)) == 1


async def test_a_blocked_digest_stays_due_is_logged_without_content_and_retried(
    engine: Engine, api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    subscriber(engine)
    clock = Clock(MONDAY)
    bot = api.make_bot()
    box = outbox(engine, clock, Delivery(bot, pacer=Pacer(per_chat=TEST_PER_CHAT)))
    api.block(KARI)
    with caplog.at_level(logging.INFO):
        assert await box.run() == 0
    [(_, _, sent)] = owed(engine)
    assert sent is None
    assert "not delivered (TelegramForbiddenError, attempt 1)" in caplog.text
    assert SECRET_WORDS not in caplog.text and "Postkassen" not in caplog.text
    api.blocked.clear()
    assert await box.run() == 0  # not before its retry time
    clock.advance(minutes=1)
    assert await box.run() == 1
    assert await box.run() == 0
    await bot.session.close()
    assert [m.kind for m in api.sent_to(KARI)] == ["text", "photo", "document"]


async def test_a_retry_resumes_after_the_parts_already_sent(
    engine: Engine, api: FakeBotAPI
) -> None:
    subscriber(engine)
    clock = Clock(MONDAY)
    bot = api.make_bot()
    box = outbox(engine, clock, Delivery(bot, pacer=Pacer(per_chat=TEST_PER_CHAT)))
    api.fail_next("sendPhoto", status=400, description="Bad Request: IMAGE_PROCESS_FAILED")
    assert await box.run() == 0
    clock.advance(minutes=1)
    assert await box.run() == 1
    await bot.session.close()
    assert [m.kind for m in api.sent_to(KARI)] == ["text", "photo", "document"]


async def test_a_digest_held_by_a_crashed_sender_is_sent_when_its_lease_runs_out(
    engine: Engine, api: FakeBotAPI
) -> None:
    subscriber(engine)
    clock = Clock(MONDAY)
    bot = api.make_bot()
    box = outbox(engine, clock, Delivery(bot, pacer=Pacer(per_chat=TEST_PER_CHAT)))
    box.record_due(MONDAY)
    with session_scope(engine) as session:
        [delivery_id] = queries.outbox_due(session=session, table=DigestDelivery, now=MONDAY)
        queries.claim_delivery(
            session=session,
            delivery_id=delivery_id,
            claim="crashed",
            now=MONDAY,
            until=MONDAY + LEASE,
        )
    assert await box.run() == 0
    clock.now = MONDAY + LEASE + timedelta(seconds=1)
    assert await box.run() == 1
    await bot.session.close()
    assert len(api.sent_to(KARI)) == 3


async def test_the_scheduler_looks_at_once_then_again_and_lets_a_look_finish_on_stop() -> None:
    started: list[float] = []
    finished: list[float] = []
    enough = asyncio.Event()

    async def look() -> None:
        started.append(asyncio.get_running_loop().time())
        if len(started) >= 3:
            enough.set()
        await asyncio.sleep(0.15)  # longer than the interval: looks must not overlap
        finished.append(asyncio.get_running_loop().time())

    scheduler = Scheduler(job=look, zone=OSLO, interval=0.05)
    scheduler.start()
    await asyncio.wait_for(enough.wait(), timeout=5)
    await scheduler.stop()
    assert len(finished) == len(started)  # the running look was not cut short
    await asyncio.sleep(0.2)
    assert len(started) == 3  # and nothing ran after stop
    assert all(later - first >= 0.15 for first, later in itertools.pairwise(started))
