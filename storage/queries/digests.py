"""The digests staff are owed: recorded once per period, leased through the outbox."""

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from storage.models import (
    DigestDelivery,
    Staff,
)
from storage.queries.outbox import outbox_lease
from storage.queries.staff import staff_row


def record_delivery(
    session: Session,
    *,
    staff_id: int,
    kind: str,
    period_start: datetime,
    period_end: datetime,
    due_at: datetime,
) -> bool:
    """Record that a digest is owed: True the first time, False if it was recorded before."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(DigestDelivery)
        .values(
            staff_id=staff_id,
            kind=kind,
            period_start=period_start,
            period_end=period_end,
            due_at=due_at,
            next_attempt_at=due_at,
            claim="",
            attempts=0,
            parts_sent=0,
            last_error="",
        )
        .on_conflict_do_nothing(index_elements=["staff_id", "kind", "period_start"])
        .returning(col(DigestDelivery.id))
    )
    return session.exec(statement).first() is not None


def claim_delivery(
    session: Session, *, delivery_id: int, claim: str, now: datetime, until: datetime
) -> tuple[DigestDelivery, Staff] | None:
    """Lease a due digest to ``claim`` until ``until``; None if it is sent or leased already."""
    leased = outbox_lease(
        session=session,
        table=DigestDelivery,
        row_id=delivery_id,
        claim=claim,
        now=now,
        until=until,
    )
    if not leased:
        return None
    delivery = session.get(DigestDelivery, delivery_id, populate_existing=True)
    assert delivery is not None  # just updated
    return delivery, staff_row(session, delivery.staff_id)
