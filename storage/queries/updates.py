"""Telegram updates already handled, and whether their answer was delivered."""

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from storage.models import (
    ProcessedUpdate,
)


def claim_update(session: Session, *, update_id: int, now: datetime) -> bool:
    """Mark a Telegram update as handled: True the first time, False if it already was."""
    # Part of the caller's transaction: if that rolls back, the update can be claimed again.
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ProcessedUpdate)
        .values(update_id=update_id, processed_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
        # RETURNING, not rowcount: the driver does not report rowcount reliably here.
        .returning(col(ProcessedUpdate.update_id))
    )
    return session.exec(statement).first() is not None


def was_replied(session: Session, *, update_id: int) -> bool:
    """Tell whether the answer to a claimed update is known to have been delivered."""
    update = session.get(ProcessedUpdate, update_id)
    return update is not None and update.replied_at is not None


def mark_replied(session: Session, *, update_id: int, now: datetime) -> None:
    """Record that the answer to ``update_id`` was delivered."""
    # One statement: this runs after every answered update, and loading the row first doubled it.
    session.exec(
        update(ProcessedUpdate)
        .where(col(ProcessedUpdate.update_id) == update_id)
        .values(replied_at=now)
    )


def prune_processed_updates(session: Session, *, older_than: datetime) -> int:
    """Forget update ids handled before ``older_than``; return how many were removed."""
    statement = delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < older_than)
    return session.exec(statement).rowcount
