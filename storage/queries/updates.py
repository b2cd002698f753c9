"""Telegram updates already handled, and whether their answer was delivered.

Claiming an update and recording its delivery run for every update: storage/queries/hot_path.py.
"""

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col

from storage.models import (
    ProcessedUpdate,
)


def was_replied(session: Session, *, update_id: int) -> bool:
    """Tell whether the answer to a claimed update is known to have been delivered."""
    update = session.get(ProcessedUpdate, update_id)
    return update is not None and update.replied_at is not None


def prune_processed_updates(session: Session, *, older_than: datetime) -> int:
    """Forget update ids handled before ``older_than``; return how many were removed."""
    statement = delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < older_than)
    return session.exec(statement).rowcount
