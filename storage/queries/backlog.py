"""What is waiting: unsent outbox rows per kind, and problems without a theme yet."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import DigestDelivery, FollowUp, Problem, StatusNotice
from storage.queries.outbox import Queued

# Every queued table by the name metrics and the log give its kind.
OUTBOX_KINDS: dict[str, Queued] = {
    "digest": DigestDelivery,
    "follow_up": FollowUp,
    "status_notice": StatusNotice,
}


@dataclass(frozen=True, slots=True)
class Backlog:
    """Unsent rows of one outbox kind, and how late the oldest due one is."""

    kind: str
    unsent: int
    oldest_due_seconds: float  # 0 when nothing is due


def outbox_backlog(session: Session, *, now: datetime) -> list[Backlog]:
    """Count each kind's unsent rows and measure how long the oldest due one has waited."""
    found = []
    for kind, table in OUTBOX_KINDS.items():
        unsent = session.exec(
            select(func.count()).select_from(table).where(col(table.sent_at).is_(None))
        ).one()
        oldest = session.exec(
            select(func.min(table.due_at)).where(
                col(table.sent_at).is_(None), col(table.due_at) <= now
            )
        ).one()
        late = (now - oldest).total_seconds() if oldest is not None else 0.0
        found.append(Backlog(kind, int(unsent), max(late, 0.0)))
    return found


def theme_backlog(session: Session) -> int:
    """Count the problems the theme assigner has not seen yet."""
    query = select(func.count()).select_from(Problem).where(col(Problem.theme_id).is_(None))
    return int(session.exec(query).one())
