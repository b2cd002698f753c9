"""The scheduler and its outbox: what falls due, catching up, retrying, and never twice."""

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.jobs.digests import LEASE, POLICY, DigestOutbox
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


def outbox(
    engine: Engine,
    clock: Clock,
    delivery: Delivery | None = None,
    *,
    concurrency: int = POLICY.concurrency,
    batch: int = POLICY.batch,
) -> DigestOutbox:
    builder = DigestBuilder(db=Database(engine), content=content(), texts=staff_texts(), zone=OSLO)
    return DigestOutbox(
        builder=builder,
        delivery=delivery or Delivery(FakeBotAPI().make_bot()),
        clock=clock,
        digest_time=time(8, 0),
        policy=replace(POLICY, concurrency=concurrency, batch=batch),
    )


def more_subscribers(engine: Engine, count: int) -> list[int]:
    """Subscribe ``count`` more staff members (chats 7101, 7102, ...); return their chats."""
    chats = list(range(7101, 7101 + count))
    with session_scope(engine) as session:
        for chat in chats:
            staff = queries.add_staff(
                session=session, telegram_id=chat, role="staff", now=SUBSCRIBED
            )
            assert staff.id is not None
            queries.note_staff_chat(
                session=session, staff_id=staff.id, chat_id=chat, language="nb"
            )
            queries.subscribe(
                session=session, staff_id=staff.id, frequency="weekly", now=SUBSCRIBED
            )
    return chats


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


async def test_one_look_sends_every_due_digest_beyond_one_batch_each_once(
    engine: Engine, api: FakeBotAPI
) -> None:
    subscriber(engine)
    chats = [KARI, *more_subscribers(engine, 11)]
    clock = Clock(MONDAY)
    bot = api.make_bot()
    delivery = Delivery(bot, pacer=Pacer(per_chat=TEST_PER_CHAT))
    box = outbox(engine, clock, delivery, concurrency=4, batch=5)
    assert await box.run() == 12  # not 5 now and the rest a minute or two later
    assert await box.run() == 0
    await bot.session.close()
    for chat in chats:
        assert [m.kind for m in api.sent_to(chat)] == ["text", "photo", "document"]
    assert all(sent is not None for _, _, sent in owed(engine))


async def test_a_sender_pool_that_crashed_mid_run_loses_and_doubles_nothing(
    engine: Engine, api: FakeBotAPI
) -> None:
    subscriber(engine)
    chats = [KARI, *more_subscribers(engine, 7)]
    clock = Clock(MONDAY)
    crashing_bot, bot = api.make_bot(), api.make_bot()
    # One message every half second: the crash falls while the pool waits for its next turn.
    slow = Delivery(crashing_bot, pacer=Pacer(per_second=2, per_chat=TEST_PER_CHAT))
    crashing = asyncio.create_task(outbox(engine, clock, slow, concurrency=3, batch=2).run())
    await api.wait_for(lambda fake: len(fake.calls("sendMessage")) >= 2)
    await asyncio.sleep(0.25)
    crashing.cancel()  # the process dies with three digests leased, some parts sent
    with contextlib.suppress(asyncio.CancelledError):
        await crashing
    await crashing_bot.session.close()
    fast = Delivery(bot, pacer=Pacer(per_chat=TEST_PER_CHAT))
    survivor = outbox(engine, clock, fast, concurrency=4, batch=2)
    assert await survivor.run() == 5  # every digest but the three the dead pool holds
    clock.now = MONDAY + LEASE + timedelta(seconds=1)
    assert await survivor.run() == 3  # resumed after the parts already sent
    await bot.session.close()
    for chat in chats:
        assert [m.kind for m in api.sent_to(chat)] == ["text", "photo", "document"]


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
