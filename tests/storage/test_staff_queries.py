"""Staff, invitations and owed digests: one row per period, one sender per digest."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import select

from flows.problem import Problem
from storage import queries
from storage.engine import make_engine, session_scope, upgrade_database
from storage.models import DigestDelivery, StaffInvite

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
WEEK = (NOW - timedelta(days=7, hours=7), NOW - timedelta(hours=7))
LEASE = timedelta(minutes=15)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade_database(engine)
    yield engine
    engine.dispose()


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
        return queries.due_deliveries(session=session, now=now)


def test_staff_are_added_listed_promoted_and_removed(engine: Engine) -> None:
    staff_id(engine, 7001)
    staff_id(engine, 7002)
    with session_scope(engine) as session:
        queries.ensure_admins(session=session, telegram_ids=[7002, 7003], now=NOW)
        listed = [(s.telegram_id, s.role) for s in queries.list_staff(session=session)]
    assert listed == [(7002, "admin"), (7003, "admin"), (7001, "staff")]
    with session_scope(engine) as session:
        assert queries.remove_staff(session=session, telegram_id=7001)
        assert not queries.remove_staff(session=session, telegram_id=7001)
        assert queries.get_staff(session=session, telegram_id=7001) is None


@pytest.mark.parametrize(("telegram_id", "role"), [(0, "staff"), (7001, "boss")])
def test_a_wrong_id_or_role_is_refused(engine: Engine, telegram_id: int, role: str) -> None:
    with pytest.raises(ValidationError), session_scope(engine) as session:
        queries.add_staff(session=session, telegram_id=telegram_id, role=role, now=NOW)


def test_an_invitation_is_stored_as_a_hash_and_works_once_before_it_expires(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        for token_hash in ("a" * 64, "b" * 64):
            expires = NOW + timedelta(days=7)
            queries.add_invite(
                session=session, token_hash=token_hash, role="staff", now=NOW, expires_at=expires
            )

    def redeem(token_hash: str, telegram_id: int, now: datetime = NOW) -> str:
        with session_scope(engine) as session:
            outcome, _ = queries.redeem_invite(
                session=session, token_hash=token_hash, telegram_id=telegram_id, now=now
            )
            return outcome

    assert redeem("a" * 64, 8001) == "joined"
    assert redeem("a" * 64, 8002) == "used"
    assert redeem("b" * 64, 8003, NOW + timedelta(days=8)) == "expired"
    assert redeem("c" * 64, 8004) == "invalid"
    with session_scope(engine) as session:
        assert [s.telegram_id for s in queries.list_staff(session=session)] == [8001]
        invite = session.exec(select(StaffInvite).where(StaffInvite.used_by == 8001)).one()
        assert invite.used_at == NOW and invite.token_hash == "a" * 64


def test_an_admin_invited_as_staff_stays_admin(engine: Engine) -> None:
    staff_id(engine, 7001, role="admin")
    with session_scope(engine) as session:
        expires = NOW + timedelta(days=7)
        queries.add_invite(
            session=session, token_hash="a" * 64, role="staff", now=NOW, expires_at=expires
        )
        outcome, staff = queries.redeem_invite(
            session=session, token_hash="a" * 64, telegram_id=7001, now=NOW
        )
        assert outcome == "joined" and staff is not None and staff.role == "admin"


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
        assert not queries.finish_delivery(
            session=session, delivery_id=delivery_id, claim="first", now=later
        )
        assert queries.finish_delivery(
            session=session, delivery_id=delivery_id, claim="second", now=later
        )
    assert due(engine, later + timedelta(days=30)) == []


def test_a_failed_digest_is_due_again_at_its_retry_time(engine: Engine) -> None:
    owe(engine, staff_id(engine))
    [delivery_id] = due(engine)
    assert claim(engine, delivery_id, "me")
    with session_scope(engine) as session:
        queries.note_parts_sent(session=session, delivery_id=delivery_id, claim="me", parts_sent=2)
        queries.release_delivery(
            session=session,
            delivery_id=delivery_id,
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


def test_problems_are_counted_from_the_start_of_a_period_to_before_its_end(
    engine: Engine,
) -> None:
    draft = Problem(text="Bussen går for sjelden", language="nb")
    with session_scope(engine) as session:
        for at in (
            WEEK[0] - timedelta(seconds=1),
            WEEK[0],
            WEEK[1] - timedelta(seconds=1),
            WEEK[1],
        ):
            queries.add_problem(
                session=session, resident_id=None, problem=draft, source="telegram", now=at
            )
        assert queries.count_problems_between(session=session, since=WEEK[0], until=WEEK[1]) == 2
