"""The one lease mechanism behind every queued message (digests, follow-ups, status news).

A queued row is due once ``next_attempt_at`` has come and it is neither sent nor leased to a live
sender. A sender leases it under a random claim token, sends outside any transaction, and then
finishes it (sent) or releases it (due again at a later time); both only while the claim is
still its own.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from storage.models import ERROR_MAX, DigestDelivery, FollowUp, StatusNotice

# Every queued table has the same lease columns; a new kind of message adds its table here
# (and to OUTBOX_KINDS in storage/queries/backlog.py, so its backlog is measured).
Queued = type[DigestDelivery] | type[FollowUp] | type[StatusNotice]


def _claimable(table: Queued, now: datetime) -> tuple[Any, ...]:
    """Conditions of a row that is due, unsent and not leased to a live sender."""
    return (
        col(table.sent_at).is_(None),
        col(table.next_attempt_at) <= now,
        or_(col(table.claimed_until).is_(None), col(table.claimed_until) < now),
    )


def _owned(table: Queued, row_id: int, claim: str) -> tuple[Any, ...]:
    return (col(table.id) == row_id, col(table.claim) == claim)


def outbox_due(session: Session, *, table: Queued, now: datetime, limit: int = 100) -> list[int]:
    """Return the ids of unsent rows whose time has come and that nobody is sending."""
    query = (
        select(table.id)
        .where(*_claimable(table, now))
        .order_by(col(table.due_at), col(table.id))
        .limit(limit)
    )
    return [row_id for row_id in session.exec(query) if row_id is not None]


def outbox_lease(
    session: Session, *, table: Queued, row_id: int, claim: str, now: datetime, until: datetime
) -> bool:
    """Lease a due row to ``claim`` until ``until``; False if it is sent or leased already."""
    statement = (
        update(table)
        .where(col(table.id) == row_id, *_claimable(table, now))
        .values(claimed_until=until, claim=claim)
        .returning(col(table.id))
    )
    return session.exec(statement).first() is not None


def outbox_finish(
    session: Session, *, table: Queued, row_id: int, claim: str, now: datetime
) -> bool:
    """Mark a leased row sent; False if the lease was lost (then it was not ours to finish)."""
    statement = (
        update(table)
        .where(*_owned(table, row_id, claim))
        .values(sent_at=now, claimed_until=None)
        .returning(col(table.id))
    )
    return session.exec(statement).first() is not None


def outbox_release(
    session: Session, *, table: Queued, row_id: int, claim: str, retry_at: datetime, error: str
) -> None:
    """Give a row that could not be sent back, to be tried again at ``retry_at``."""
    session.exec(
        update(table)
        .where(*_owned(table, row_id, claim))
        .values(
            claimed_until=None,
            next_attempt_at=retry_at,
            attempts=table.attempts + 1,
            last_error=error[:ERROR_MAX],
        )
    )


def note_parts_sent(session: Session, *, delivery_id: int, claim: str, parts_sent: int) -> bool:
    """Record how many messages of a digest Telegram accepted; False if the lease was lost."""
    statement = (
        update(DigestDelivery)
        .where(*_owned(DigestDelivery, delivery_id, claim))
        .values(parts_sent=parts_sent)
        .returning(col(DigestDelivery.id))
    )
    return session.exec(statement).first() is not None
