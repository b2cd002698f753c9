"""Owed digests: one row per period, one sender per digest, leased through the outbox."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from storage import queries
from storage.engine import session_scope
from storage.models import DigestDelivery

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
WEEK = (NOW - timedelta(days=7, hours=7), NOW - timedelta(hours=7))
LEASE = timedelta(minutes=15)


def staff_id(engine: Engine, telegram_id: int = 7001, role: str = "staff") -> int:
    with session_scope(engine) as session:
        staff = queries.add_staff(session=session, telegram_id=telegram_id, role=role, now=NOW)
        assert staff.id is not None
        return staff.id


def owe(engine: Engine, staff: int, kind: str = "weekly") -> bool:
    with session_scope(engine) as session:
        return queries.record_delivery(
            session=session,
            staff_id=staff,
            kind=kind,
            period_start=WEEK[0],
            period_end=WEEK[1],
            due_at=NOW,
        )


def claim(engine: Engine, delivery_id: int, who: str, now: datetime = NOW) -> bool:
    with session_scope(engine) as session:
        claimed = queries.claim_delivery(
            session=session, delivery_id=delivery_id, claim=who, now=now, until=now + LEASE
        )
        return claimed is not None


def due(engine: Engine, now: datetime = NOW) -> list[int]:
    with session_scope(engine) as session:
        return queries.outbox_due(session=session, table=DigestDelivery, now=now)


def test_a_digest_is_recorded_once_per_staff_member_kind_and_period(engine: Engine) -> None:
    kari, ola = staff_id(engine, 7001), staff_id(engine, 7002)
    assert owe(engine, kari) and not owe(engine, kari)  # a restart or a second process
    assert owe(engine, kari, kind="daily") and owe(engine, ola)
    assert len(due(engine)) == 3
    assert due(engine, NOW - timedelta(seconds=1)) == []


def test_only_one_sender_holds_a_digest_until_its_lease_runs_out(engine: Engine) -> None:
    owe(engine, staff_id(engine))
    [delivery_id] = due(engine)
    assert claim(engine, delivery_id, "first")
    assert not claim(engine, delivery_id, "second")
    assert due(engine, NOW + LEASE - timedelta(seconds=1)) == []
    later = NOW + LEASE + timedelta(seconds=1)  # the first sender crashed
    assert claim(engine, delivery_id, "second", later)
    with session_scope(engine) as session:
        assert not queries.note_parts_sent(
            session=session, delivery_id=delivery_id, claim="first", parts_sent=1
        )
        assert not queries.outbox_finish(
            session=session, table=DigestDelivery, row_id=delivery_id, claim="first", now=later
        )
        assert queries.outbox_finish(
            session=session, table=DigestDelivery, row_id=delivery_id, claim="second", now=later
        )
    assert due(engine, later + timedelta(days=30)) == []


def test_a_failed_digest_is_due_again_at_its_retry_time(engine: Engine) -> None:
    owe(engine, staff_id(engine))
    [delivery_id] = due(engine)
    assert claim(engine, delivery_id, "me")
    with session_scope(engine) as session:
        queries.note_parts_sent(session=session, delivery_id=delivery_id, claim="me", parts_sent=2)
        queries.outbox_release(
            session=session,
            table=DigestDelivery,
            row_id=delivery_id,
            claim="me",
            retry_at=NOW + timedelta(minutes=1),
            error="TelegramForbiddenError",
        )
    assert due(engine) == [] and due(engine, NOW + timedelta(minutes=1)) == [delivery_id]
    with session_scope(engine) as session:
        row = session.get(DigestDelivery, delivery_id)
        assert row is not None
        assert (row.attempts, row.parts_sent, row.last_error) == (1, 2, "TelegramForbiddenError")


def test_unsubscribing_drops_unsent_scheduled_digests_and_removal_drops_all(
    engine: Engine,
) -> None:
    kari = staff_id(engine, 7001)
    with session_scope(engine) as session:
        assert queries.subscribe(session=session, staff_id=kari, frequency="weekly", now=NOW)
        assert not queries.subscribe(session=session, staff_id=kari, frequency="weekly", now=NOW)
        assert [s.id for s in queries.subscribers(session=session)] == [kari]
    owe(engine, kari)
    owe(engine, kari, kind="manual")
    with session_scope(engine) as session:
        assert queries.subscribe(session=session, staff_id=kari, frequency="", now=NOW)
        assert queries.subscribers(session=session) == []
    assert len(due(engine)) == 1  # the one asked for by hand stays
    with session_scope(engine) as session:
        queries.remove_staff(session=session, telegram_id=7001)
    assert due(engine) == []
