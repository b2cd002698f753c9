"""A resident: who they are, their interview state, consent, language and follow-up chat."""

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import (
    LANGUAGE_MAX,
    Problem,
    Resident,
)
from storage.queries.hot_path import enter_resident


def resident_row(session: Session, resident_id: int) -> Resident:
    """Return the resident with this id; raise LookupError if there is none."""
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise LookupError(f"no resident with id {resident_id}")
    return resident


def get_or_create_resident(session: Session, *, pseudonym: str, now: datetime) -> Resident:
    """Return the resident with this pseudonym as a row, created if new, marked seen and locked.

    The same statements as a resident's update (``hot_path.enter_resident``), for the callers
    that want the whole row.
    """
    entered = enter_resident(session=session, pseudonym=pseudonym, now=now)
    resident = session.get(Resident, entered.id, populate_existing=True)
    assert resident is not None
    return resident


def resident_language(session: Session, *, pseudonym: str) -> str:
    """Return the interview language of the resident with this pseudonym ("" if unknown)."""
    found = session.exec(select(Resident.language).where(Resident.pseudonym == pseudonym))
    return found.first() or ""


def record_consent(session: Session, *, resident_id: int, version: int, now: datetime) -> None:
    """Record that the resident accepted privacy text ``version`` at ``now``."""
    if version < 1:
        raise ValueError(f"consent version must be at least 1, got {version}")
    _update_resident(session, resident_id, consent_version=version, consented_at=now)


def set_language(session: Session, *, resident_id: int, language: str) -> None:
    """Remember the resident's interview language."""
    if len(language) > LANGUAGE_MAX:
        raise ValueError(f"language {language!r} is longer than {LANGUAGE_MAX} characters")
    _update_resident(session, resident_id, language=language)


def _update_resident(session: Session, resident_id: int, **values: Any) -> None:
    """Set columns of one resident in one statement; raise LookupError if there is none."""
    # Not loaded through the ORM first: consent and language are set as an interview goes.
    statement = (
        update(Resident)
        .where(col(Resident.id) == resident_id)
        .values(**values)
        .returning(col(Resident.id))
    )
    if session.execute(statement).first() is None:
        raise LookupError(f"no resident with id {resident_id}")


def set_follow_up(session: Session, *, resident_id: int, chat_id: int | None) -> None:
    """Keep the chat id of a resident who agreed to follow-ups; None withdraws and forgets it."""
    resident = resident_row(session, resident_id)
    resident.follow_up_consent = chat_id is not None
    resident.chat_id = chat_id


def delete_resident(session: Session, *, resident_id: int) -> bool:
    """Forget a resident and their conversation; their problems stay, unlinked."""
    resident = session.get(Resident, resident_id)
    if resident is None:
        return False
    session.delete(resident)
    session.flush()
    return True


def set_reporter_blocked(
    session: Session, *, problem_id: int, blocked: bool, now: datetime
) -> bool:
    """Block (or unblock) the resident who reported a problem; False if none is linked."""
    problem = session.get(Problem, problem_id)
    if problem is None or problem.resident_id is None:
        return False
    resident = resident_row(session, problem.resident_id)
    resident.blocked_at = now if blocked else None
    return True
