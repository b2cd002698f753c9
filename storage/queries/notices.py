"""The news of status changes owed to residents, leased through the outbox; hear-back consent."""

from datetime import datetime

from sqlalchemy import delete, func, insert, or_, update
from sqlmodel import Session, col, select

from flows.loop_digest import ChangeLine
from flows.status import COALESCE_WINDOW, StatusNoticeMessage
from storage.models import Resident, StatusChange, StatusNotice, Theme
from storage.queries.outbox import outbox_lease
from storage.queries.residents import resident_row
from storage.queries.statuses import Target, audience, resident_audience
from storage.queries.themes import theme_label


def record_hear_back(
    session: Session, *, resident_id: int, version: int, chat_id: int | None, now: datetime
) -> None:
    """Store the resident's answer: agreed to question ``version`` (0: declined) and where to."""
    resident = resident_row(session, resident_id)
    resident.hear_back_at = now
    if version >= 1 and chat_id is not None:
        resident.hear_back_version = version
        resident.chat_id = chat_id
        return
    withdraw_hear_back(session=session, resident_id=resident_id)


def withdraw_hear_back(session: Session, *, resident_id: int) -> int:
    """End status news for the resident (/stop, or "no"); return how many unsent were dropped."""
    resident = resident_row(session, resident_id)
    resident.hear_back_version = 0
    if not resident.follow_up_consent:
        resident.chat_id = None  # kept only for someone who agreed to be written to
    dropped = session.exec(
        delete(StatusNotice).where(
            col(StatusNotice.resident_id) == resident_id, col(StatusNotice.sent_at).is_(None)
        )
    )
    return int(dropped.rowcount or 0)


def owe_notices(session: Session, *, change: StatusChange, now: datetime) -> int:
    """Owe the news of ``change`` to everyone who agreed; return how many residents it reaches.

    A resident with unsent news of the same target gets this change instead (one message, the
    latest status); the others get a new notice, due after ``COALESCE_WINDOW``.
    """
    assert change.id is not None  # flushed
    target = Target(change.theme_id, change.problem_id)
    reached = audience(session=session, target=target).residents
    pending = (
        col(StatusNotice.sent_at).is_(None),
        or_(col(StatusNotice.claimed_until).is_(None), col(StatusNotice.claimed_until) < now),
        target.where(StatusNotice),
    )
    waiting = set(session.exec(select(StatusNotice.resident_id).where(*pending)))
    session.exec(update(StatusNotice).where(*pending).values(change_id=change.id))
    due = now + COALESCE_WINDOW
    rows = [
        {
            "resident_id": resident_id,
            "theme_id": change.theme_id,
            "problem_id": change.problem_id,
            "change_id": change.id,
            "due_at": due,
            "next_attempt_at": due,
            "claim": "",
            "attempts": 0,
            "last_error": "",
        }
        for resident_id in sorted(reached - waiting)
    ]
    if rows:  # one executemany: a theme may reach thousands
        session.execute(insert(StatusNotice), rows)
    return len(reached)


def claim_status_notice(
    session: Session, *, notice_id: int, claim: str, now: datetime, until: datetime
) -> StatusNoticeMessage | None:
    """Lease a due notice to ``claim``; load the latest status and the resident's reports."""
    if not outbox_lease(
        session=session, table=StatusNotice, row_id=notice_id, claim=claim, now=now, until=until
    ):
        return None
    row = session.get(StatusNotice, notice_id, populate_existing=True)
    assert row is not None  # just updated
    change = session.get(StatusChange, row.change_id)
    assert change is not None  # a foreign key
    resident = resident_row(session, row.resident_id)
    # Reports moved to another theme since follow that theme: only what is here now counts.
    found = resident_audience(
        session=session, target=Target(row.theme_id, row.problem_id), resident_id=resident.id or 0
    )
    return StatusNoticeMessage(
        id=notice_id,
        chat_id=resident.chat_id if resident.hear_back_version >= 1 else None,
        language=resident.language,
        status=change.status,
        note=change.note,
        note_language=change.note_language,
        reports=found.reports.get(row.resident_id, ()),
        endorsed=found.endorsed.get(row.resident_id, ()),
        attempts=row.attempts,
    )


def drop_status_notice(session: Session, *, notice_id: int) -> None:
    """Forget a notice that can never be sent (withdrawn, blocked, nothing left to tell)."""
    session.exec(delete(StatusNotice).where(col(StatusNotice.id) == notice_id))


def notice_resident(session: Session, *, notice_id: int) -> int | None:
    """Return the resident a notice is owed to, or None."""
    row = session.get(StatusNotice, notice_id)
    return row.resident_id if row is not None else None


def changes_between(session: Session, *, since: datetime, until: datetime) -> list[ChangeLine]:
    """Return the status changes made in [since, until), oldest first, with how many were told."""
    told = (
        select(col(StatusNotice.change_id).label("change_id"), func.count().label("told"))
        .where(col(StatusNotice.sent_at).is_not(None))
        .group_by(col(StatusNotice.change_id))
        .subquery()
    )
    query = (
        select(StatusChange, Theme, told.c.told)
        .outerjoin(Theme, col(Theme.id) == col(StatusChange.theme_id))
        .outerjoin(told, told.c.change_id == col(StatusChange.id))
        .where(StatusChange.created_at >= since, StatusChange.created_at < until)
        .where(col(StatusChange.carried_from).is_(None))  # a rebuild's copies are no news
        .order_by(col(StatusChange.created_at), col(StatusChange.id))
    )
    return [
        ChangeLine(
            change.theme_id,
            change.problem_id,
            theme_label(theme) if theme is not None else "",
            change.status,
            change.note,
            change.created_at,
            int(count or 0),
        )
        for change, theme, count in session.exec(query)
    ]


def residents_by_language(session: Session, *, target: Target) -> dict[str, int]:
    """Return how many residents a change would reach, per their language ("" if unknown)."""
    reached = sorted(audience(session=session, target=target).residents)
    counts: dict[str, int] = {}
    for start in range(0, len(reached), 500):  # bounded IN lists
        query = (
            select(Resident.language, func.count())
            .where(col(Resident.id).in_(reached[start : start + 500]))
            .group_by(col(Resident.language))
        )
        for language, count in session.exec(query):
            counts[language] = counts.get(language, 0) + int(count)
    return counts
