"""Staff and their invitations: added, listed, promoted, removed; an invitation works once."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import select

from storage import queries
from storage.engine import session_scope
from storage.models import StaffInvite

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
WEEK = (NOW - timedelta(days=7, hours=7), NOW - timedelta(hours=7))
LEASE = timedelta(minutes=15)


def staff_id(engine: Engine, telegram_id: int = 7001, role: str = "staff") -> int:
    with session_scope(engine) as session:
        staff = queries.add_staff(session=session, telegram_id=telegram_id, role=role, now=NOW)
        assert staff.id is not None
        return staff.id


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
