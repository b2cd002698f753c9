"""The follow-ups owed to workshop participants, leased through the outbox."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from flows.follow_up import FollowUpMessage
from storage.models import (
    FollowUp,
    Problem,
    Workshop,
)
from storage.queries.outbox import outbox_lease
from storage.queries.residents import resident_row, set_follow_up
from storage.queries.workshops import get_workshop


def schedule_follow_ups(
    session: Session, *, resident_id: int, workshop_code: str, due: Sequence[datetime]
) -> int:
    """Owe the resident one follow-up per time in ``due`` (round 0, 1, …); return how many new."""
    workshop = get_workshop(session=session, code=workshop_code)
    if workshop is None or workshop.id is None:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    added = 0
    for number, due_at in enumerate(due):
        statement = (
            insert(FollowUp)
            .values(
                resident_id=resident_id,
                workshop_id=workshop.id,
                round=number,
                due_at=due_at,
                next_attempt_at=due_at,
                claim="",
                attempts=0,
                last_error="",
            )
            .on_conflict_do_nothing(index_elements=["resident_id", "workshop_id", "round"])
            .returning(col(FollowUp.id))
        )
        added += session.exec(statement).first() is not None
    return added


def stop_follow_ups(session: Session, *, resident_id: int) -> int:
    """Drop every follow-up not sent yet and forget the chat id; return how many were dropped."""
    dropped = session.exec(
        delete(FollowUp).where(
            col(FollowUp.resident_id) == resident_id, col(FollowUp.sent_at).is_(None)
        )
    )
    set_follow_up(session=session, resident_id=resident_id, chat_id=None)
    return int(dropped.rowcount or 0)


def claim_follow_up(
    session: Session, *, follow_up_id: int, claim: str, now: datetime, until: datetime
) -> FollowUpMessage | None:
    """Lease a due follow-up to ``claim`` until ``until``; None if sent or leased already."""
    leased = outbox_lease(
        session=session, table=FollowUp, row_id=follow_up_id, claim=claim, now=now, until=until
    )
    if not leased:
        return None
    row = session.get(FollowUp, follow_up_id, populate_existing=True)
    assert row is not None  # just updated
    resident = resident_row(session, row.resident_id)
    workshop = session.get(Workshop, row.workshop_id)
    assert workshop is not None  # a foreign key
    problems = session.exec(
        select(Problem.id, Problem.text)
        .where(Problem.resident_id == row.resident_id, Problem.workshop == workshop.code)
        .order_by(col(Problem.id))
    ).all()
    return FollowUpMessage(
        id=follow_up_id,
        round=row.round,
        chat_id=resident.chat_id if resident.follow_up_consent else None,
        language=resident.language,
        workshop=workshop.name,
        problems=tuple((pid, text) for pid, text in problems if pid is not None),
        attempts=row.attempts,
    )


def drop_follow_up(session: Session, *, follow_up_id: int) -> None:
    """Forget a follow-up that can never be sent (the resident withdrew or blocked the bot)."""
    session.exec(delete(FollowUp).where(col(FollowUp.id) == follow_up_id))


def follow_up_resident(session: Session, *, follow_up_id: int) -> int | None:
    """Return the resident a follow-up is owed to, or None."""
    row = session.get(FollowUp, follow_up_id)
    return row.resident_id if row is not None else None
